/**
 * The store credential's Test: it connects and reads the schema version, and writes nothing.
 * SQLite always; PostgreSQL when WA_TEST_PG_URL is set (scripts/test-postgres.sh start).
 */
import { randomBytes } from 'node:crypto';
import {
	chmodSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	rmSync,
	statSync,
	writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import { Pool } from 'pg';

import { CURRENT_SCHEMA_VERSION } from '../../../nodes/core/store/migrations';
import { PostgresComplianceStore } from '../../../nodes/core/store/postgres';
import { SqliteComplianceStore } from '../../../nodes/core/store/sqlite';
import { testComplianceStore } from '../../../nodes/shared/store';
import { nodeSqlite } from '../../../nodes/core/store/sqlite/nodeSqlite';
import { TEST_ERASURE_KEY } from '../../support/erasureKey';

const { DatabaseSync } = nodeSqlite();

const test = (data: ICredentialDataDecryptedObject) =>
	testComplianceStore.call({} as never, {
		id: '1',
		name: 'Store',
		type: 'whatsAppComplianceStoreApi',
		data,
	});

/** Names, sizes and change times of every file in `dir`: what a write would change. */
function filesOf(dir: string): string {
	return JSON.stringify(
		readdirSync(dir)
			.sort()
			.map((name) => {
				const stat = statSync(join(dir, name));
				return [name, stat.size, stat.mtimeMs];
			}),
	);
}

describe('store credential test: SQLite', () => {
	let dir: string;
	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), 'wa-credential-'));
	});
	afterEach(() => {
		chmodSync(dir, 0o755);
		rmSync(dir, { recursive: true, force: true });
	});

	/** A store file as a node leaves it, with its schema version set to `version` if given. */
	async function storeAt(version?: number): Promise<string> {
		const path = join(dir, 'store.sqlite');
		const store = new SqliteComplianceStore({ erasureKey: TEST_ERASURE_KEY, path });
		await store.migrate();
		await store.close();
		if (version !== undefined) {
			const db = new DatabaseSync(path);
			db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(version));
			db.close();
		}
		return path;
	}

	it('says a new file is created on first use, and creates nothing', async () => {
		const path = join(dir, 'nested', 'store.sqlite');
		expect(await test({ backend: 'sqlite', sqlitePath: path })).toEqual({
			status: 'OK',
			message: `SQLite file ${path} does not exist yet; it is created when a node first uses the store`,
		});
		expect(existsSync(join(dir, 'nested'))).toBe(false);
	});

	it('reads the version of a store in use and changes no byte of it', async () => {
		const path = await storeAt();
		const before = filesOf(dir);
		expect(await test({ backend: 'sqlite', sqlitePath: path })).toEqual({
			status: 'OK',
			message: `Connected to SQLite file ${path} (schema version ${CURRENT_SCHEMA_VERSION}, up to date)`,
		});
		expect(filesOf(dir)).toBe(before);
	});

	it('says when a migration is pending, without running it', async () => {
		const path = await storeAt(1);
		const before = filesOf(dir);
		expect(await test({ backend: 'sqlite', sqlitePath: path })).toEqual({
			status: 'OK',
			message: `Connected to SQLite file ${path} (schema version 1); a migration to version ${CURRENT_SCHEMA_VERSION} is pending and runs when a node first uses the store`,
		});
		expect(filesOf(dir)).toBe(before);
	});

	it('fails for a newer schema and a file that is not a database', async () => {
		const path = await storeAt(99);
		expect(await test({ backend: 'sqlite', sqlitePath: path })).toMatchObject({
			status: 'Error',
			message: expect.stringContaining('newer than this package supports'),
		});

		const notes = join(dir, 'notes.txt');
		writeFileSync(notes, 'not a database, just some text long enough');
		expect(await test({ backend: 'sqlite', sqlitePath: notes })).toMatchObject({
			status: 'Error',
			message: expect.stringMatching(/^SQLite store .*notes\.txt cannot be/),
		});
	});

	// Root writes into any folder, whatever its mode: under root (as CI runs) this is reported as
	// skipped rather than passing without its assertion.
	(process.getuid?.() === 0 ? it.skip : it)('fails for a folder n8n cannot write', async () => {
		const locked = join(dir, 'locked');
		mkdirSync(locked);
		chmodSync(locked, 0o555);
		expect(await test({ backend: 'sqlite', sqlitePath: join(locked, 'store.sqlite') })).toEqual({
			status: 'Error',
			message: expect.stringContaining('its folder is not writable for n8n'),
		});
	});
});

const url = process.env.WA_TEST_PG_URL;
(url ? describe : describe.skip)('store credential test: PostgreSQL', () => {
	const schema = `wa_cred_${randomBytes(5).toString('hex')}`;
	let admin: Pool;
	let credential: ICredentialDataDecryptedObject;
	beforeAll(() => {
		admin = new Pool({ connectionString: url, max: 1 });
		const u = new URL(url!);
		credential = {
			backend: 'postgres',
			host: u.hostname,
			port: Number(u.port),
			database: u.pathname.slice(1),
			user: decodeURIComponent(u.username),
			password: decodeURIComponent(u.password),
			schema,
			tablePrefix: 'wa_',
		};
	});
	afterAll(async () => {
		await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
		await admin.end();
	});

	it('connects and creates nothing while the store does not exist, then reads its version', async () => {
		const where = `PostgreSQL ${credential.host}:${credential.port}/${credential.database}`;
		expect(await test(credential)).toEqual({
			status: 'OK',
			message: `Connected to ${where}; the store's tables are created when a node first uses the store`,
		});
		const { rowCount } = await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [
			schema,
		]);
		expect(rowCount).toBe(0);

		const store = new PostgresComplianceStore({
			erasureKey: TEST_ERASURE_KEY,
			connectionString: url!,
			schema,
			poolSize: 1,
		});
		await store.migrate();
		await store.close();
		expect(await test(credential)).toEqual({
			status: 'OK',
			message: `Connected to ${where} (schema version ${CURRENT_SCHEMA_VERSION}, up to date)`,
		});
	});

	it('fails with the server’s reason and without the password', async () => {
		const password = `wrong-${randomBytes(6).toString('hex')}`;
		const result = await test({ ...credential, password });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/password authentication failed/);
		expect(result.message).not.toContain(password);
	});
});
