/**
 * Writes sandbox/spec/messageSchema.json from Meta's OpenAPI spec (see schema.ts). Run it after
 * changing defects.ts or schema.ts, or when the spec in ../shared changes:
 *
 *   node --require ./scripts/register-ts.js tools/meta-openapi/update.ts
 *
 * test/core/wire/metaSpec.test.ts fails while the committed file differs from what this writes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as prettier from 'prettier';

import { messageSchemaFile, SCHEMA_FILE } from './schema';
import { loadMetaSpec } from './source';

async function main(): Promise<void> {
	const spec = loadMetaSpec();
	const options = (await prettier.resolveConfig(SCHEMA_FILE)) ?? {};
	const text = await prettier.format(JSON.stringify(messageSchemaFile(spec)), {
		...options,
		filepath: SCHEMA_FILE,
	});
	fs.writeFileSync(SCHEMA_FILE, text);
	console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)} from ${spec.file}`);
}

void main();
