// n8n 2.x lets nodes use files in ~/.n8n-files only unless N8N_RESTRICT_FILE_ACCESS_TO says
// otherwise, and the store refuses a SQLite File outside them (nodes/shared/sqlitePath.ts). The
// store credentials of these tests name files in the temporary folder: the tests run as an n8n
// configured with N8N_RESTRICT_FILE_ACCESS_TO=<the temporary folder>.
process.env.N8N_RESTRICT_FILE_ACCESS_TO = require('node:os').tmpdir();

// Every n8n process has an encryption key, from which the store derives its erasure key
// (nodes/shared/erasureKey.ts): these tests run as an n8n started with this one.
process.env.N8N_ENCRYPTION_KEY = 'tests-run-as-an-n8n-with-this-encryption-key';
