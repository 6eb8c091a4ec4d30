/**
 * The contract against a real PostgreSQL server (WA_TEST_PG_URL, e.g. from
 * `scripts/test-postgres.sh start`). Each run uses a fresh random schema, dropped afterwards, and
 * each test its own table prefix inside it.
 */
import { randomBytes } from 'node:crypto';

import { Pool, type PoolClient } from 'pg';

import { CURRENT_SCHEMA_VERSION } from '../../../nodes/core/store/migrations';
import { postgresMigrations } from '../../../nodes/core/store/postgres/migrations';
import { PostgresNames } from '../../../nodes/core/store/postgres/names';
import { postgresMetaTable } from '../../../nodes/core/store/postgres/schema';
import {
	DEFAULT_APPLICATION_NAME,
	PostgresComplianceStore,
} from '../../../nodes/core/store/postgres';
import { HOUR, MINUTE } from '../../../nodes/core/clock';
import { PORTFOLIO } from '../../../nodes/core/standing';
import { describeAccount } from './accountContract';
import { describeErasureKey } from './erasureKeyContract';
import { describeFanOut } from './fanOutContract';
import { describeSending } from './sendContract';
import { RACERS, describeComplianceStore, type MakeTarget } from './contract';
import { TEST_ERASURE_KEY } from '../../support/erasureKey';

const url = process.env.WA_TEST_PG_URL;
const T0 = Date.UTC(2025, 5, 1, 12);

if (!url) {
	if (process.env.CI) {
		describe('postgres store', () => {
			it('runs in CI', () => {
				throw new Error(
					'WA_TEST_PG_URL is not set, so the PostgreSQL store contract cannot run. CI must start a ' +
						'server first: eval "$(scripts/test-postgres.sh start)"',
				);
			});
		});
	} else {
		console.warn(
			'Skipping the PostgreSQL store contract: WA_TEST_PG_URL is not set ' +
				'(eval "$(scripts/test-postgres.sh start)" starts a throwaway server).',
		);
		describe.skip('postgres store (WA_TEST_PG_URL not set)', () => {
			it('needs a server', () => undefined);
		});
	}
} else {
	const connectionString = url;
	const schema = `wa_test_${randomBytes(5).toString('hex')}`;
	let admin: Pool;
	let prefixes = 0;
	const nextPrefix = () => `t${++prefixes}_`;

	beforeAll(() => {
		admin = new Pool({ connectionString, max: 2 });
	});
	afterAll(async () => {
		await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
		await admin.end();
	});

	async function dumpTables(tablePrefix: string): Promise<string> {
		const { rows } = await admin.query<{ tablename: string }>(
			`SELECT tablename FROM pg_tables
			WHERE schemaname = $1 AND left(tablename, length($2)) = $2 ORDER BY tablename`,
			[schema, tablePrefix],
		);
		const dumps = [];
		for (const { tablename } of rows) {
			const { rows: data } = await admin.query(`SELECT * FROM "${schema}"."${tablename}"`);
			dumps.push([tablename, data]);
		}
		return JSON.stringify(dumps);
	}

	const makeTarget: MakeTarget = async ({ clock }) => {
		const tablePrefix = nextPrefix();
		const options = { connectionString, schema, tablePrefix, poolSize: 4 };
		const store = new PostgresComplianceStore({ erasureKey: TEST_ERASURE_KEY, ...options, clock });
		await store.migrate();
		const racers: PostgresComplianceStore[] = [];
		async function raceCalls(calls: Array<{ method: string; args: unknown[] }>) {
			// Separate pools, as separate n8n processes (main, webhook, workers) would have.
			while (racers.length < calls.length) {
				const racer = new PostgresComplianceStore({
					erasureKey: TEST_ERASURE_KEY,
					...options,
					poolSize: 2,
				});
				await racer.migrate();
				racers.push(racer);
			}
			return Promise.all(
				calls.map(({ method, args }, i) =>
					(racers[i] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method](
						...args,
					),
				),
			);
		}
		return {
			store,
			dumpTables: () => dumpTables(tablePrefix),
			async race<T>(method: string, argsPerRacer: unknown[][]) {
				return (await raceCalls(argsPerRacer.map((args) => ({ method, args })))) as T[];
			},
			raceCalls,
			async dispose() {
				await Promise.all([store, ...racers].map((s) => s.close()));
			},
		};
	};

	describeComplianceStore('postgres', makeTarget);
	describeSending('postgres', makeTarget);
	describeAccount('postgres', makeTarget);
	describeFanOut('postgres', makeTarget);
	describeErasureKey('postgres', async () => {
		const tablePrefix = nextPrefix();
		const meta = `"${schema}"."${tablePrefix}meta"`;
		return {
			open: (erasureKey) =>
				new PostgresComplianceStore({
					erasureKey,
					connectionString,
					schema,
					tablePrefix,
					poolSize: 1,
				}),
			meta: async () =>
				Object.fromEntries(
					(await admin.query(`SELECT key, value FROM ${meta}`)).rows.map((r) => [r.key, r.value]),
				),
			seenKeys: async () =>
				(await admin.query(`SELECT key FROM "${schema}"."${tablePrefix}seen_events"`)).rows.map(
					(r) => String(r.key),
				),
			async makeVersion5(hashKey, suppressed, seen) {
				await admin.query(`DELETE FROM ${meta} WHERE key = 'salt_sealed'`);
				await admin.query(`INSERT INTO ${meta} (key, value) VALUES ('salt', $1)`, [hashKey]);
				await admin.query(`UPDATE ${meta} SET value = '5' WHERE key = 'schema_version'`);
				await admin.query(`DROP TABLE "${schema}"."${tablePrefix}contact_aliases"`);
				await admin.query(
					`INSERT INTO "${schema}"."${tablePrefix}suppression" (contact_hash, suppressed_at)
					SELECT unnest($1::text[]), 0`,
					[suppressed],
				);
				await admin.query(
					`INSERT INTO "${schema}"."${tablePrefix}seen_events" (key, seen_at) SELECT unnest($1::text[]), 0`,
					[seen],
				);
			},
			async dispose() {},
		};
	});

	describe('postgres store', () => {
		/** A pool that counts the statements its connections send: one per round trip. */
		function countingPool() {
			const pool = new Pool({ connectionString, max: 2 });
			const counter = { statements: 0 };
			pool.on('connect', (client: PoolClient) => {
				const query = client.query.bind(client) as (...args: unknown[]) => unknown;
				(client as unknown as { query: typeof query }).query = (...args: unknown[]) => {
					counter.statements++;
					return query(...args);
				};
			});
			return { pool, counter };
		}

		it('answers a snapshot of 50 contacts, their sends and templates in one round trip', async () => {
			const { pool, counter } = countingPool();
			const store = new PostgresComplianceStore({
				erasureKey: TEST_ERASURE_KEY,
				pool,
				schema,
				tablePrefix: nextPrefix(),
			});
			try {
				await store.migrate();
				const contacts = Array.from(
					{ length: 50 },
					(_, i) => `49151000000${String(i).padStart(2, '0')}`,
				);
				await store.recordConsent(
					contacts.map((contact) => ({
						contact,
						purpose: 'marketing',
						action: 'opt_in' as const,
						at: T0,
						source: 'import',
					})),
				);
				await store.touchWindows(contacts.map((contact) => ({ sender: '1065', contact, at: T0 })));
				await store.reserveSends(
					contacts.map((contact, i) => ({
						idempotencyKey: `k${i}`,
						sender: '1065',
						contact,
						kind: 'template:sale',
						category: 'marketing' as const,
						at: T0,
					})),
				);
				counter.statements = 0;
				const snapshot = await store.getSnapshot({
					sender: '1065',
					contacts,
					marketingSince: 0,
					idempotencyKeys: contacts.map((_, i) => `k${i}`),
					templates: [{ account: 'waba', name: 'sale', language: 'en' }],
				});
				expect(counter.statements).toBe(1);
				expect(snapshot.contacts.size).toBe(50);
				for (const entry of snapshot.contacts.values()) {
					expect(entry.consents).toHaveLength(1);
					expect(entry.window).toBeDefined();
					expect(entry.marketingSentAt).toEqual([T0]);
				}
				expect(snapshot.sends.size).toBe(50);
			} finally {
				await store.close();
				await pool.end();
			}
		});

		it("reads the messaging limit's usage with the snapshot in one round trip, up to the limit; past it, one more", async () => {
			const { pool, counter } = countingPool();
			const store = new PostgresComplianceStore({
				erasureKey: TEST_ERASURE_KEY,
				pool,
				schema,
				tablePrefix: nextPrefix(),
			});
			try {
				await store.migrate();
				await store.recordStanding([
					{ subject: PORTFOLIO, name: 'messaging_limit', value: '4', at: T0, source: 'graph' },
				]);
				for (let i = 0; i < 4; i++) {
					await store.reserveReach({
						now: T0 + i * MINUTE,
						limit: undefined,
						recipients: [{ contact: `4915100000${i}`, key: `k${i}` }],
						oldest: 0,
					});
				}
				const usage = async (limit?: number) => {
					counter.statements = 0;
					const snapshot = await store.getSnapshot({
						sender: '1065',
						contacts: ['4915199999999'],
						marketingSince: 0,
						reach: { now: T0 + HOUR, oldest: 2, limit },
					});
					return { statements: counter.statements, usage: snapshot.reach };
				};
				// At the stored limit of 4: the 2 oldest reach times a batch of 2 may wait for.
				expect(await usage()).toEqual({
					statements: 1,
					usage: { count: 4, oldestReachedAt: [T0, T0 + MINUTE] },
				});
				// The user's limit of 3 is lower and already passed: 3 of them, read once more.
				expect(await usage(3)).toEqual({
					statements: 2,
					usage: { count: 4, oldestReachedAt: [T0, T0 + MINUTE, T0 + 2 * MINUTE] },
				});
			} finally {
				await store.close();
				await pool.end();
			}
		});

		it('writes (and reads histories) in a few statements per batch, as many for 50 contacts as for one', async () => {
			const { pool, counter } = countingPool();
			const store = new PostgresComplianceStore({
				erasureKey: TEST_ERASURE_KEY,
				pool,
				schema,
				tablePrefix: nextPrefix(),
			});
			try {
				await store.migrate();
				let batchNo = 0;
				const contactsOf = (n: number) => {
					batchNo++;
					return Array.from(
						{ length: n },
						(_, i) => `4915${batchNo}000000${String(i).padStart(2, '0')}`,
					);
				};
				// [method, most statements (BEGIN and COMMIT included), one batch of these contacts]
				const writers: Array<[string, number, (contacts: string[]) => Promise<unknown>]> = [
					[
						'recordConsent',
						5,
						(contacts) =>
							store.recordConsent(
								contacts.map((contact) => ({
									contact,
									purpose: 'marketing',
									action: 'opt_in' as const,
									at: T0,
									source: 'import',
									eventKey: `import-${contact}`,
								})),
							),
					],
					[
						'reserveSends',
						1,
						(contacts) =>
							store.reserveSends(
								contacts.map((contact) => ({
									idempotencyKey: `w-${contact}`,
									sender: '1065',
									contact,
									kind: 'template:sale',
									category: 'marketing' as const,
									at: T0,
								})),
							),
					],
					[
						'applyWebhookEvents',
						7,
						(contacts) =>
							store.applyWebhookEvents(
								contacts.map((contact) => ({
									key: `in-${contact}`,
									effects: {
										windows: [{ sender: '1065', contact, at: T0 }],
										consent: [
											{
												contact,
												purpose: '*',
												action: 'opt_out' as const,
												at: T0,
												source: 'keyword',
												eventKey: `in-${contact}:*`,
											},
										],
										costs: [
											{
												wamid: `wamid.${contact}`,
												sender: '1065',
												contact,
												category: 'marketing',
												pricingType: 'regular',
												billable: true,
												at: T0,
											},
										],
									},
								})),
								T0,
							),
					],
				];
				writers.push(
					// BEGIN, lock, the contacts' BSUIDs or numbers, erase, COMMIT (and a lock for aliases found).
					['eraseContacts', 5, (contacts) => store.eraseContacts(contacts, T0)],
					['getConsentHistories', 1, (contacts) => store.getConsentHistories(contacts)],
				);
				for (const [name, most, write] of writers) {
					const statements = [];
					for (const size of [1, 50]) {
						counter.statements = 0;
						await write(contactsOf(size));
						statements.push(counter.statements);
					}
					expect({ name, same: statements[0] === statements[1] }).toEqual({ name, same: true });
					expect({ name, statements: statements[1] <= most }).toEqual({ name, statements: true });
				}
			} finally {
				await store.close();
				await pool.end();
			}
		});

		it('migrates once when several processes start together', async () => {
			const tablePrefix = nextPrefix();
			const stores = Array.from(
				{ length: RACERS },
				() =>
					new PostgresComplianceStore({
						erasureKey: TEST_ERASURE_KEY,
						connectionString,
						schema: `${schema}_m`,
						tablePrefix,
						poolSize: 1,
					}),
			);
			try {
				await Promise.all(stores.map((s) => s.migrate()));
				const versions = await Promise.all(stores.map((s) => s.schemaVersion()));
				expect(versions).toEqual(stores.map(() => CURRENT_SCHEMA_VERSION));
				const hashes = await Promise.all(stores.map((s) => s.contactHash('4915112345678')));
				expect(new Set(hashes).size).toBe(1);
			} finally {
				await Promise.all(stores.map((s) => s.close()));
				await admin.query(`DROP SCHEMA IF EXISTS "${schema}_m" CASCADE`);
			}
		});

		it('migrates a version 1 schema: keeps its rows and drops the PL/pgSQL consent copy', async () => {
			const tablePrefix = nextPrefix();
			const names = new PostgresNames(schema, tablePrefix);
			const client = await admin.connect();
			try {
				await client.query('BEGIN');
				await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
				await client.query(postgresMetaTable(names));
				for (const statement of postgresMigrations(names)[0].statements)
					await client.query(statement);
				await client.query(
					`INSERT INTO ${names.qualified('meta')} (key, value) VALUES ('schema_version', '1'), ('salt', 'ab')`,
				);
				// What version 1 stored for an opt-in, through its own function.
				await client.query(`SELECT ${names.qualified('apply_effects')}($1::jsonb, $2)`, [
					JSON.stringify({
						consent: [
							{
								contact: '4915112345678',
								purpose: 'marketing',
								action: 'opt_in',
								at: T0,
								source: 'web_form',
								hash: 'x',
							},
						],
					}),
					T0,
				]);
				await client.query('COMMIT');
			} catch (error) {
				await client.query('ROLLBACK');
				throw error;
			} finally {
				client.release();
			}
			const store = new PostgresComplianceStore({
				erasureKey: TEST_ERASURE_KEY,
				connectionString,
				schema,
				tablePrefix,
				poolSize: 1,
			});
			try {
				expect(await store.schemaVersion()).toBe(CURRENT_SCHEMA_VERSION);
				expect(await store.getConsentHistory('4915112345678')).toMatchObject([
					{ action: 'opt_in', at: T0, applied: true },
				]);
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
				const { rows } = await admin.query(
					`SELECT p.proname FROM pg_proc AS p JOIN pg_namespace AS s ON s.oid = p.pronamespace
					WHERE s.nspname = $1 AND left(p.proname, length($2)) = $2 ORDER BY 1`,
					[schema, tablePrefix],
				);
				// Version 3 dropped the last one (claims are plain statements).
				expect(rows.map((r) => r.proname)).toEqual([]);
			} finally {
				await store.close();
			}
		});

		it('creates a new store with the same catalog a version 1 store is migrated to, and no functions', async () => {
			/** Tables, columns, constraints, indexes, sequences and functions of one prefix. */
			async function catalog(tablePrefix: string) {
				const query = async (sql: string) => (await admin.query(sql, [schema, tablePrefix])).rows;
				const ofPrefix = (column: string) => `left(${column}, length($2)) = $2`;
				const found = {
					columns: await query(
						`SELECT table_name, column_name, ordinal_position, data_type, is_nullable,
							column_default, collation_name, is_identity, identity_generation
						FROM information_schema.columns
						WHERE table_schema = $1 AND ${ofPrefix('table_name')}
						ORDER BY table_name, ordinal_position`,
					),
					constraints: await query(
						`SELECT t.relname AS table_name, c.conname, c.contype,
							pg_get_constraintdef(c.oid) AS definition
						FROM pg_constraint AS c
						JOIN pg_class AS t ON t.oid = c.conrelid
						JOIN pg_namespace AS s ON s.oid = t.relnamespace
						WHERE s.nspname = $1 AND ${ofPrefix('t.relname')}
						ORDER BY 1, 2`,
					),
					indexes: await query(
						`SELECT tablename, indexname, indexdef FROM pg_indexes
						WHERE schemaname = $1 AND ${ofPrefix('tablename')} ORDER BY 1, 2`,
					),
					relations: await query(
						`SELECT c.relname, c.relkind FROM pg_class AS c
						JOIN pg_namespace AS s ON s.oid = c.relnamespace
						WHERE s.nspname = $1 AND ${ofPrefix('c.relname')} ORDER BY 1`,
					),
					functions: await query(
						`SELECT p.proname FROM pg_proc AS p JOIN pg_namespace AS s ON s.oid = p.pronamespace
						WHERE s.nspname = $1 AND ${ofPrefix('p.proname')} ORDER BY 1`,
					),
					reachTotal: (
						await admin.query(`SELECT * FROM "${schema}"."${tablePrefix}messaging_reach_total"`)
					).rows,
					version: (
						await admin.query(
							`SELECT value FROM "${schema}"."${tablePrefix}meta" WHERE key = 'schema_version'`,
						)
					).rows,
				};
				return JSON.parse(JSON.stringify(found).split(tablePrefix).join('PREFIX_'));
			}

			const freshPrefix = nextPrefix();
			const fresh = new PostgresComplianceStore({
				erasureKey: TEST_ERASURE_KEY,
				connectionString,
				schema,
				tablePrefix: freshPrefix,
				poolSize: 1,
			});
			await fresh.migrate();
			await fresh.close();

			const oldPrefix = nextPrefix();
			const names = new PostgresNames(schema, oldPrefix);
			await admin.query(postgresMetaTable(names));
			for (const statement of postgresMigrations(names)[0].statements) {
				await admin.query(statement);
			}
			await admin.query(
				`INSERT INTO ${names.qualified('meta')} (key, value) VALUES ('schema_version', '1'), ('salt', 'ab')`,
			);
			const old = new PostgresComplianceStore({
				erasureKey: TEST_ERASURE_KEY,
				connectionString,
				schema,
				tablePrefix: oldPrefix,
				poolSize: 1,
			});
			await old.migrate();
			await old.close();

			const created = await catalog(freshPrefix);
			expect(created.columns.length).toBeGreaterThan(80);
			expect(created.functions).toEqual([]);
			expect(created).toEqual(await catalog(oldPrefix));
		});

		it('refuses a schema written by a newer version of the package', async () => {
			const tablePrefix = nextPrefix();
			const first = new PostgresComplianceStore({
				erasureKey: TEST_ERASURE_KEY,
				connectionString,
				schema,
				tablePrefix,
			});
			await first.migrate();
			await first.close();
			await admin.query(
				`UPDATE "${schema}"."${tablePrefix}meta" SET value = '99' WHERE key = 'schema_version'`,
			);
			const second = new PostgresComplianceStore({
				erasureKey: TEST_ERASURE_KEY,
				connectionString,
				schema,
				tablePrefix,
			});
			await expect(second.migrate()).rejects.toThrow(
				`newer than this package supports (${CURRENT_SCHEMA_VERSION})`,
			);
			await second.close();
		});

		it('names the option and the allowed form when schema or tablePrefix is wrong', () => {
			expect(
				() =>
					new PostgresComplianceStore({
						erasureKey: TEST_ERASURE_KEY,
						connectionString,
						schema: 'Public',
					}),
			).toThrow('schema "Public" is not allowed: use lower-case letters, digits and underscores');
			expect(
				() =>
					new PostgresComplianceStore({
						erasureKey: TEST_ERASURE_KEY,
						connectionString,
						tablePrefix: 'wa-',
					}),
			).toThrow(/tablePrefix "wa-" is not allowed/);
			expect(
				() =>
					new PostgresComplianceStore({
						erasureKey: TEST_ERASURE_KEY,
						connectionString,
						poolSize: 0,
					}),
			).toThrow('poolSize must be a whole number >= 1, got 0');
			expect(
				() => new PostgresComplianceStore({ erasureKey: TEST_ERASURE_KEY, schema: 'x' }),
			).toThrow(/give exactly one of connection .* connectionString or pool/);
		});

		it('never puts the password or the connection string into an error', async () => {
			const real = new URL(connectionString);
			// A wrong one, made up per run, so the server refuses it.
			const password = `wrong-${randomBytes(6).toString('hex')}`;
			real.password = password;
			const wrong = real.toString();
			const store = new PostgresComplianceStore({
				erasureKey: TEST_ERASURE_KEY,
				connectionString: wrong,
				schema,
				poolSize: 1,
			});
			const error = await store.migrate().then(
				() => undefined,
				(e: unknown) => e as Error,
			);
			await store.close();
			expect(error).toBeInstanceOf(Error);
			expect(error!.message).toMatch(/^PostgreSQL store: .*password authentication failed/);
			const shown = `${error!.message} ${error!.stack} ${JSON.stringify(error)}`;
			expect(shown).not.toContain(password);
			expect(shown).not.toContain(wrong);

			const broken = `postgres://wa:${password}@[bad-host/db`;
			let thrown: unknown;
			try {
				new PostgresComplianceStore({ erasureKey: TEST_ERASURE_KEY, connectionString: broken });
			} catch (e) {
				thrown = e;
			}
			expect(String((thrown as Error).message)).toMatch(/connectionString is not a valid URL/);
			expect(`${(thrown as Error).message} ${(thrown as Error).stack}`).not.toContain(password);
		});

		it('opens at most poolSize connections, 5 by default, named by applicationName', async () => {
			const connectionsOf = async (name: string): Promise<number> => {
				const { rows } = await admin.query<{ n: string }>(
					'SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1',
					[name],
				);
				return Number(rows[0].n);
			};
			const tag = randomBytes(4).toString('hex');
			const tablePrefix = nextPrefix();
			const stores = {
				defaultName: new PostgresComplianceStore({
					erasureKey: TEST_ERASURE_KEY,
					connectionString,
					schema,
					tablePrefix,
				}),
				defaultSize: new PostgresComplianceStore({
					erasureKey: TEST_ERASURE_KEY,
					connectionString,
					schema,
					tablePrefix,
					applicationName: `wa-test-default-${tag}`,
				}),
				two: new PostgresComplianceStore({
					erasureKey: TEST_ERASURE_KEY,
					connectionString,
					schema,
					tablePrefix,
					poolSize: 2,
					applicationName: `wa-test-two-${tag}`,
				}),
			};
			// More concurrent statements than connections: each pool opens all it may, then queues.
			const busy = (store: PostgresComplianceStore) =>
				Promise.all(
					Array.from({ length: 12 }, (_, i) =>
						store.getSnapshot({
							sender: '774120593381042',
							contacts: [`49151${String(1000000 + i)}`],
							marketingSince: T0,
							idempotencyKeys: [],
							templates: [],
						}),
					),
				);
			try {
				await stores.defaultName.migrate();
				await Promise.all(Object.values(stores).map(busy));
				expect(await connectionsOf(`wa-test-default-${tag}`)).toBe(5);
				expect(await connectionsOf(`wa-test-two-${tag}`)).toBe(2);
				expect(await connectionsOf(DEFAULT_APPLICATION_NAME)).toBeGreaterThan(0);
			} finally {
				await Promise.all(Object.values(stores).map((store) => store.close()));
			}
			expect(
				() =>
					new PostgresComplianceStore({
						erasureKey: TEST_ERASURE_KEY,
						connectionString,
						applicationName: 'ü',
					}),
			).toThrow(/applicationName must be printable ASCII of at most 63 characters/);
		});

		it('connects with separate connection fields too', async () => {
			const u = new URL(connectionString);
			const store = new PostgresComplianceStore({
				erasureKey: TEST_ERASURE_KEY,
				connection: {
					host: u.hostname,
					port: Number(u.port),
					database: u.pathname.slice(1),
					user: decodeURIComponent(u.username),
					password: decodeURIComponent(u.password),
					ssl: false,
				},
				schema,
				tablePrefix: nextPrefix(),
				poolSize: 1,
			});
			try {
				expect(await store.schemaVersion()).toBe(CURRENT_SCHEMA_VERSION);
			} finally {
				await store.close();
			}
		});
	});
}
