import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DAY } from '../../../nodes/core/clock';
import { CURRENT_SCHEMA_VERSION } from '../../../nodes/core/store/migrations';
import { SqliteComplianceStore, defaultSqlitePath } from '../../../nodes/core/store/sqlite';
import { SqliteDatabase } from '../../../nodes/core/store/sqlite/connection';
import { sqliteMigrations } from '../../../nodes/core/store/sqlite/migrations';
import { SQLITE_META_TABLE } from '../../../nodes/core/store/sqlite/schema';
import { describeAccount } from './accountContract';
import { describeErasureKey } from './erasureKeyContract';
import { describeFanOut } from './fanOutContract';
import { describeSending } from './sendContract';
import { RACERS, describeComplianceStore, type MakeTarget } from './contract';
import { startRacers, type Racers } from './sqlite-racers';
import { nodeSqlite } from '../../../nodes/core/store/sqlite/nodeSqlite';
import { TEST_ERASURE_KEY } from '../../support/erasureKey';

const { DatabaseSync } = nodeSqlite();

const T0 = Date.UTC(2025, 5, 1, 12);

function tempDir(): string {
	return mkdtempSync(join(tmpdir(), 'wa-store-'));
}

/** Every row of every table, read through a separate connection (it sees the WAL too). */
function dumpTables(path: string): string {
	const db = new DatabaseSync(path, { readOnly: true });
	try {
		const tables = db
			.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
			.all()
			.map((row) => String(row.name));
		return JSON.stringify(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}"`).all()]));
	} finally {
		db.close();
	}
}

const makeTarget: MakeTarget = async ({ clock }) => {
	const dir = tempDir();
	const path = join(dir, 'store.sqlite');
	const store = new SqliteComplianceStore({ erasureKey: TEST_ERASURE_KEY, path, clock });
	await store.migrate();
	let racers: Racers | undefined;
	return {
		store,
		dumpTables: async () => dumpTables(path),
		async race<T>(method: string, argsPerRacer: unknown[][]) {
			racers ??= await startRacers(path, RACERS);
			return racers.race<T>(method, argsPerRacer);
		},
		async raceCalls(calls) {
			racers ??= await startRacers(path, RACERS);
			return racers.raceCalls(calls);
		},
		async dispose() {
			await racers?.close();
			await store.close();
			rmSync(dir, { recursive: true, force: true });
		},
	};
};

describeComplianceStore('sqlite', makeTarget);
describeSending('sqlite', makeTarget);
describeAccount('sqlite', makeTarget);
describeFanOut('sqlite', makeTarget);
describeErasureKey('sqlite', async () => {
	const dir = tempDir();
	const path = join(dir, 'store.sqlite');
	const files = [path, `${path}-wal`];
	const withFile = <T>(work: (db: InstanceType<typeof DatabaseSync>) => T): T => {
		const db = new DatabaseSync(path);
		try {
			return work(db);
		} finally {
			db.close();
		}
	};
	return {
		open: (erasureKey) => new SqliteComplianceStore({ path, erasureKey }),
		meta: async () =>
			withFile((db) =>
				Object.fromEntries(
					db
						.prepare('SELECT key, value FROM meta')
						.all()
						.map((r: Record<string, unknown>) => [r.key, r.value]),
				),
			),
		seenKeys: async () =>
			withFile((db) =>
				db
					.prepare('SELECT key FROM seen_events')
					.all()
					.map((r: Record<string, unknown>) => String(r.key)),
			),
		async makeVersion5(hashKey, suppressed, seen) {
			withFile((db) => {
				db.exec("DELETE FROM meta WHERE key = 'salt_sealed'");
				db.prepare("INSERT INTO meta (key, value) VALUES ('salt', ?)").run(hashKey);
				db.exec("UPDATE meta SET value = '5' WHERE key = 'schema_version'");
				db.exec('DROP TABLE contact_aliases');
				for (const hash of suppressed) {
					db.prepare('INSERT INTO suppression (contact_hash, suppressed_at) VALUES (?, 0)').run(
						hash,
					);
				}
				for (const key of seen) {
					db.prepare('INSERT INTO seen_events (key, seen_at) VALUES (?, 0)').run(key);
				}
			});
		},
		rawBytes: () => Buffer.concat(files.filter(existsSync).map((f) => readFileSync(f))),
		async dispose() {
			rmSync(dir, { recursive: true, force: true });
		},
	};
});

describe('sqlite store', () => {
	let dir: string;
	beforeEach(() => {
		dir = tempDir();
	});
	afterEach(() => {
		rmSync(dir, { recursive: true, force: true });
	});

	describe('defaultSqlitePath', () => {
		it('lives in the .n8n folder under N8N_USER_FOLDER, as n8n does', () => {
			expect(defaultSqlitePath({ N8N_USER_FOLDER: '/data', HOME: '/home/node' })).toBe(
				join('/data', '.n8n', 'whatsapp-compliance.sqlite'),
			);
		});

		it('falls back to the home folder', () => {
			const home = process.platform === 'win32' ? 'USERPROFILE' : 'HOME';
			expect(defaultSqlitePath({ [home]: '/home/node' })).toBe(
				join('/home/node', '.n8n', 'whatsapp-compliance.sqlite'),
			);
		});
	});

	it('creates the folder of the file and opens it in WAL mode', async () => {
		const path = join(dir, 'nested', 'deeper', 'store.sqlite');
		const store = new SqliteComplianceStore({ erasureKey: TEST_ERASURE_KEY, path });
		await store.migrate();
		await store.close();
		expect(existsSync(path)).toBe(true);
		const db = new DatabaseSync(path);
		expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
		db.close();
	});

	it('names the option and the allowed values when an option is wrong', () => {
		expect(
			() =>
				new SqliteComplianceStore({
					erasureKey: TEST_ERASURE_KEY,
					path: ':memory:',
					busyTimeoutMs: -1,
				}),
		).toThrow('busyTimeoutMs must be a whole number of milliseconds >= 0, got -1');
		expect(() => new SqliteComplianceStore({ erasureKey: TEST_ERASURE_KEY, path: '' })).toThrow(
			/path must be a file path/,
		);
	});

	it('migrates a version 1 file and keeps its rows', async () => {
		const path = join(dir, 'store.sqlite');
		const db = new DatabaseSync(path);
		db.exec(SQLITE_META_TABLE);
		for (const statement of sqliteMigrations[0].statements) db.exec(statement);
		db.exec("INSERT INTO meta (key, value) VALUES ('schema_version', '1'), ('salt', 'ab')");
		db.prepare(
			`INSERT INTO consent_events (contact, purpose, action, at, source, recorded_at, status_after, applied)
			VALUES ('4915112345678', 'marketing', 'opt_in', ?, 'web_form', ?, 'opted_in', 1)`,
		).run(T0, T0);
		db.prepare(
			`INSERT INTO consent (contact, purpose, status, changed_at, source, opted_in_at)
			VALUES ('4915112345678', 'marketing', 'opted_in', ?, 'web_form', ?)`,
		).run(T0, T0);
		db.close();
		const store = new SqliteComplianceStore({ erasureKey: TEST_ERASURE_KEY, path });
		try {
			expect(await store.schemaVersion()).toBe(CURRENT_SCHEMA_VERSION);
			const [stop] = await store.recordConsent([
				{
					contact: '4915112345678',
					purpose: 'marketing',
					action: 'opt_out',
					at: T0 - 500,
					source: 'keyword',
				},
			]);
			expect(stop).toMatchObject({ applied: true, effectiveAt: T0 });
			expect((await store.getConsentHistory('4915112345678')).map((e) => e.action)).toEqual([
				'opt_in',
				'opt_out',
			]);
		} finally {
			await store.close();
		}
	});

	it('creates a new file with the same schema a version 1 file is migrated to', async () => {
		/** Every table, column, index and constraint, as SQLite keeps them (quotes and spacing aside). */
		function catalog(path: string) {
			const db = new DatabaseSync(path, { readOnly: true });
			const normal = (sql: string) =>
				sql
					.replace(/"/g, '')
					.replace(/\s+/g, ' ')
					.replace(/\s*,\s*/g, ', ')
					.replace(/\(\s*/g, '(')
					.replace(/\s*\)/g, ')')
					.trim();
			try {
				const objects = db
					.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name')
					.all();
				return {
					objects: objects.map((o) => ({
						...o,
						sql: typeof o.sql === 'string' ? normal(o.sql) : o.sql,
						details: db
							.prepare(`PRAGMA ${o.type === 'index' ? 'index_xinfo' : 'table_xinfo'}("${o.name}")`)
							.all(),
					})),
					tables: db
						.prepare('PRAGMA table_list')
						.all()
						.sort((a, b) => String(a.name).localeCompare(String(b.name))),
					version: db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get(),
					reachTotal: db.prepare('SELECT * FROM messaging_reach_total').all(),
				};
			} finally {
				db.close();
			}
		}
		const fresh = join(dir, 'fresh.sqlite');
		const store = new SqliteComplianceStore({ erasureKey: TEST_ERASURE_KEY, path: fresh });
		await store.migrate();
		await store.close();

		const migrated = join(dir, 'migrated.sqlite');
		const db = new DatabaseSync(migrated);
		db.exec(SQLITE_META_TABLE);
		for (const statement of sqliteMigrations[0].statements) db.exec(statement);
		db.exec("INSERT INTO meta (key, value) VALUES ('schema_version', '1'), ('salt', 'ab')");
		db.close();
		const old = new SqliteComplianceStore({ erasureKey: TEST_ERASURE_KEY, path: migrated });
		await old.migrate();
		await old.close();

		expect(catalog(fresh).objects.length).toBeGreaterThan(30);
		expect(catalog(fresh)).toEqual(catalog(migrated));
	});

	it('refuses a file written by a newer version of the package', async () => {
		const path = join(dir, 'store.sqlite');
		const first = new SqliteComplianceStore({ erasureKey: TEST_ERASURE_KEY, path });
		await first.migrate();
		await first.close();
		const db = new DatabaseSync(path);
		db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
		db.close();
		const second = new SqliteComplianceStore({ erasureKey: TEST_ERASURE_KEY, path });
		await expect(second.migrate()).rejects.toThrow(
			`newer than this package supports (${CURRENT_SCHEMA_VERSION})`,
		);
		await second.close();
	});

	it('keeps one schema and one salt when several threads open a new file at once', async () => {
		const path = join(dir, 'store.sqlite');
		const racers = await startRacers(path, RACERS);
		try {
			await racers.race(
				'migrate',
				Array.from({ length: RACERS }, () => []),
			);
			const hashes = await racers.race<string>(
				'contactHash',
				Array.from({ length: RACERS }, () => ['4915112345678']),
			);
			expect(new Set(hashes).size).toBe(1);
		} finally {
			await racers.close();
		}
		const store = new SqliteComplianceStore({ erasureKey: TEST_ERASURE_KEY, path });
		expect(await store.schemaVersion()).toBe(CURRENT_SCHEMA_VERSION);
		await store.close();
	});

	it('leaves no bytes of an erased contact in the file or its WAL', async () => {
		const path = join(dir, 'store.sqlite');
		const contact = '4915112345678';
		const store = new SqliteComplianceStore({ erasureKey: TEST_ERASURE_KEY, path });
		await store.recordConsent([
			{
				contact,
				purpose: 'marketing',
				action: 'opt_in',
				at: T0,
				source: 'web_form',
				wording: 'Yes',
			},
		]);
		await store.touchWindows([{ sender: '1065', contact, at: T0 }]);
		await store.eraseContact(contact, T0 + DAY);
		const bytes = Buffer.concat(
			[path, `${path}-wal`].filter(existsSync).map((file) => readFileSync(file)),
		);
		await store.close();
		expect(bytes.includes(Buffer.from(contact))).toBe(false);
	});

	describe('durability', () => {
		/** synchronous as the commit of `write(work, options)` sees it: 1 NORMAL, 2 FULL. */
		async function syncAtCommit(options?: { durable?: boolean }): Promise<number> {
			const db = new SqliteDatabase({
				path: join(dir, 'store.sqlite'),
				erasureKey: TEST_ERASURE_KEY,
			});
			try {
				await db.ready();
				return await db.write(() => Number(db.get('PRAGMA synchronous')!.synchronous), options);
			} finally {
				db.close();
			}
		}

		it('syncs a consent change or an erasure to disk before it returns (FULL)', async () => {
			expect(await syncAtCommit({ durable: true })).toBe(2);
		});

		it('keeps the other commits NORMAL (WAL: a power cut loses them, never corrupts the file)', async () => {
			expect(await syncAtCommit()).toBe(1);
		});

		it('records consent changes, webhook consent and erasures durably', async () => {
			const path = join(dir, 'store.sqlite');
			const store = new SqliteComplianceStore({ erasureKey: TEST_ERASURE_KEY, path });
			const seen: number[] = [];
			const write = SqliteDatabase.prototype.write;
			const spy = jest.spyOn(SqliteDatabase.prototype, 'write').mockImplementation(function (
				this: SqliteDatabase,
				work,
				options,
			) {
				seen.push(options?.durable ? 1 : 0);
				return write.call(this, work, options);
			});
			try {
				await store.migrate();
				seen.length = 0;
				const stop = {
					contact: '4915112345678',
					purpose: 'marketing' as const,
					action: 'opt_out' as const,
					at: T0,
					source: 'keyword' as const,
				};
				await store.recordConsent([stop]);
				await store.applyWebhookEvents([{ key: 'msg:1:stop', effects: { consent: [stop] } }], T0);
				await store.eraseContact('4915187654321', T0);
				await store.applyWebhookEvents(
					[{ key: 'status:w:read', effects: { sendConfirmations: [] } }],
					T0,
				);
				expect(seen).toEqual([1, 1, 1, 0]);
			} finally {
				spy.mockRestore();
				await store.close();
			}
		});
	});
});
