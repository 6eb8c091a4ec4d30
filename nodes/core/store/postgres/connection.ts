/**
 * The shared store's connection, for n8n queue mode, where main, webhook and worker processes must
 * see one state: a pool of PostgreSQL connections, named statements, transactions that are run
 * again after a deadlock, advisory locks, migrations, and errors with the password masked. The
 * role files (consents.ts, windows.ts...) run their statements through it.
 */
import { createHash } from 'node:crypto';

import { Pool, type PoolClient, type PoolConfig, type QueryResult } from 'pg';

import { systemClock, type Clock } from '../../clock';
import { checkText } from '../checks';
import { HASHED_EVENT_KEYS_SINCE, contactHasher, storedEventKey } from '../contactHash';
import { ErasureKey, PLAIN_HASH_KEY, SEALED_HASH_KEY, resolveHashKey } from '../erasureKey';
import { CURRENT_SCHEMA_VERSION } from '../migrations';
import type { Row } from '../rows';
import { DEFAULT_APPLICATION_NAME, DEFAULT_POOL_SIZE } from './defaults';
import { postgresMigrations } from './migrations';
import { PostgresNames, quoteIdent } from './names';
import { postgresMetaTable, postgresSchema } from './schema';

export interface PostgresConnection {
	readonly host: string;
	/** @default 5432 */
	readonly port?: number;
	readonly database: string;
	readonly user: string;
	readonly password?: string;
	/**
	 * TLS: true to require it (certificates checked), or `{ rejectUnauthorized: false }` to accept
	 * self-signed certificates.
	 * @default false
	 */
	readonly ssl?: boolean | { readonly rejectUnauthorized?: boolean };
}

export interface PostgresStoreOptions {
	/** Where the server is. Give this, a `connectionString`, or a `pool`. */
	readonly connection?: PostgresConnection;
	/** postgres://user:password@host:port/database?sslmode=... instead of `connection`. */
	readonly connectionString?: string;
	/**
	 * A pool to use instead of opening one; `close()` leaves it open. Tests use it to count round
	 * trips; hosts may share their pool.
	 */
	readonly pool?: Pool;
	/**
	 * The schema of the store's tables; created if missing.
	 * @default 'public'
	 */
	readonly schema?: string;
	/**
	 * Seals the store's contact hash key (erasureKey.ts), so the hashes on the suppression list
	 * cannot be reversed with the database alone. In n8n: derived from n8n's encryption key
	 * (nodes/shared/erasureKey.ts). Required to use the store; storedSchemaVersion() reads without it.
	 */
	readonly erasureKey?: ErasureKey;
	/**
	 * Prefix of every table and function name, so the store can share a schema with other tables.
	 * @default 'wa_'
	 */
	readonly tablePrefix?: string;
	/**
	 * Connections the store may open at once, per process. In queue mode every n8n process (main,
	 * each webhook processor, each worker) has its own pool: 5 processes at the default take 25 of
	 * PostgreSQL's default 100 connections. An execution holds a connection for one statement at a
	 * time, so a worker's 10 concurrent executions (n8n's default) rarely wait for one of 5.
	 * @default DEFAULT_POOL_SIZE (5)
	 */
	readonly poolSize?: number;
	/**
	 * The `application_name` of the store's connections, so a database administrator can tell
	 * them apart in pg_stat_activity (an `application_name` in `connectionString` wins).
	 * @default DEFAULT_APPLICATION_NAME ('n8n-nodes-whatsapp-compliance')
	 */
	readonly applicationName?: string;
	/**
	 * Where `recordedAt` of consent events comes from.
	 * @default systemClock
	 */
	readonly clock?: Clock;
}

/** PostgreSQL keeps the first 63 bytes of application_name (NAMEDATALEN - 1). */
const MAX_APPLICATION_NAME = 63;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
/** Longest table or function name we append to the prefix ("consent_events_event_key", 24). */
const MAX_PREFIX = 63 - 24;
/** First key of the two-key advisory lock that guards migrations ("WAMG"). */
const MIGRATION_LOCK = 0x57414d47;
const RETRYABLE = new Set(['40P01', '40001']); // deadlock detected, serialization failure
const MAX_ATTEMPTS = 3;

/** Runs one statement inside a transaction. */
export type Tx = (text: string, values: unknown[]) => Promise<QueryResult<Row>>;

/** A concurrent writer got in the way of this transaction: it is run again from the start. */
export class TransactionConflict extends Error {
	readonly code = '40001';
}

/** The pool of one store, and how its statements and transactions run. */
export class PostgresDatabase {
	readonly schema: string;
	readonly tablePrefix: string;
	readonly names: PostgresNames;
	/** Where `recordedAt` of consent events comes from (the slot ledger reads the server's clock). */
	readonly clock: Clock;
	readonly #pool: Pool;
	readonly #ownsPool: boolean;
	/** Values that must never reach an error message. */
	readonly #secrets: string[] = [];
	readonly #erasureKey: ErasureKey | undefined;
	#hasher: Promise<(contact: string) => string> | undefined;
	/** Prepared statement name per SQL text (the text's hash, so it is stable across pools). */
	readonly #statementNames = new Map<string, string>();
	readonly #versionSql: string;

	constructor(options: PostgresStoreOptions) {
		const sources = [options.connection, options.connectionString, options.pool].filter(
			(source) => source !== undefined,
		);
		if (sources.length !== 1) {
			throw new Error(
				'PostgreSQL store: give exactly one of connection (host, database, user...), ' +
					`connectionString or pool; got ${sources.length}`,
			);
		}
		const schema = options.schema ?? 'public';
		const tablePrefix = options.tablePrefix ?? 'wa_';
		checkIdentifier('schema', schema, 63);
		checkIdentifier('tablePrefix', tablePrefix, MAX_PREFIX);
		const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
		if (!Number.isInteger(poolSize) || poolSize < 1) {
			throw new Error(`PostgreSQL store: poolSize must be a whole number >= 1, got ${poolSize}`);
		}
		const applicationName = options.applicationName ?? DEFAULT_APPLICATION_NAME;
		// Printable ASCII: PostgreSQL replaces anything else with '?'.
		if (!/^[\x20-\x7e]*$/.test(applicationName) || applicationName.length > MAX_APPLICATION_NAME) {
			throw new Error(
				`PostgreSQL store: applicationName must be printable ASCII of at most ${MAX_APPLICATION_NAME} characters, got ${JSON.stringify(applicationName)}`,
			);
		}
		if (options.erasureKey !== undefined && !(options.erasureKey instanceof ErasureKey)) {
			throw new Error('PostgreSQL store: erasureKey must be an ErasureKey (ErasureKey.fromSecret)');
		}
		this.#erasureKey = options.erasureKey;
		this.schema = schema;
		this.tablePrefix = tablePrefix;
		this.clock = options.clock ?? systemClock;
		this.names = new PostgresNames(schema, tablePrefix);
		this.#versionSql = `SELECT value FROM ${this.names.qualified('meta')} WHERE key = 'schema_version'`;

		if (options.pool) {
			this.#pool = options.pool;
			this.#ownsPool = false;
		} else {
			const config: PoolConfig = { max: poolSize, application_name: applicationName };
			if (options.connectionString !== undefined) {
				const url = parseConnectionString(options.connectionString);
				this.#secrets.push(options.connectionString);
				if (url.password) this.#secrets.push(url.password, safeDecode(url.password));
				config.connectionString = options.connectionString;
			} else {
				const c = options.connection!;
				checkText('PostgreSQL store: connection.host', c.host);
				checkText('PostgreSQL store: connection.database', c.database);
				checkText('PostgreSQL store: connection.user', c.user);
				const port = c.port ?? 5432;
				if (!Number.isInteger(port) || port < 1 || port > 65535) {
					throw new Error(`PostgreSQL store: connection.port must be 1 to 65535, got ${c.port}`);
				}
				if (c.password) this.#secrets.push(c.password);
				Object.assign(config, {
					host: c.host,
					port,
					database: c.database,
					user: c.user,
					password: c.password,
					ssl: c.ssl ?? false,
				});
			}
			this.#pool = new Pool(config);
			this.#ownsPool = true;
			// An idle connection that breaks emits 'error' on the pool, which would crash the process;
			// the pool drops that client and the next query reports any lasting problem.
			this.#pool.on('error', () => undefined);
		}
	}

	/**
	 * Migrates once per store object (on first use if nobody called migrate()); gives the contact
	 * hash function keyed with this store's hash key.
	 */
	ready(): Promise<(contact: string) => string> {
		if (!this.#erasureKey) {
			return Promise.reject(
				new Error(
					"PostgreSQL store: erasureKey is required (ErasureKey.fromSecret of n8n's encryption key)",
				),
			);
		}
		if (!this.#hasher) {
			this.#hasher = this.#migrate().then(contactHasher);
			// A failed attempt (server down) is retried by the next call instead of sticking.
			this.#hasher.catch(() => (this.#hasher = undefined));
		}
		return this.#hasher;
	}

	async schemaVersion(): Promise<number> {
		await this.ready();
		const { rows } = await this.query(this.#versionSql, []);
		return rows.length > 0 ? Number(rows[0].value) : 0;
	}

	/**
	 * The schema version in the database, without creating or migrating anything: 0 while the
	 * store's schema or tables do not exist. For the store credential's test.
	 */
	async storedSchemaVersion(): Promise<number> {
		try {
			const { rows } = await this.query(this.#versionSql, []);
			return rows.length > 0 ? Number(rows[0].value) : 0;
		} catch (error) {
			// undefined_table, invalid_schema_name: nothing was created yet.
			if (['42P01', '3F000'].includes((error as { code?: string }).code ?? '')) return 0;
			throw error;
		}
	}

	async close(): Promise<void> {
		if (this.#ownsPool && !this.#pool.ended) await this.#pool.end();
	}

	/**
	 * One statement through the pool (one round trip). Named, so each connection parses and plans
	 * it once. A deadlock or serialization failure rolled the whole statement back: run it again.
	 */
	async query(text: string, values: unknown[]): Promise<QueryResult<Row>> {
		for (let attempt = 1; ; attempt++) {
			try {
				return await this.#run(this.#pool, text, values);
			} catch (error) {
				const code = (error as { code?: string }).code;
				if (attempt < MAX_ATTEMPTS && code !== undefined && RETRYABLE.has(code)) continue;
				throw this.#sanitize(error);
			}
		}
	}

	/**
	 * Runs `work` in one transaction on one connection. A deadlock, a serialization failure or a
	 * TransactionConflict rolls it back and runs it again from the start (up to MAX_ATTEMPTS).
	 */
	async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
		for (let attempt = 1; ; attempt++) {
			const client = await this.#pool.connect().catch((error: unknown) => {
				throw this.#sanitize(error);
			});
			let broken: Error | undefined;
			try {
				await client.query('BEGIN');
				const result = await work((text, values) => this.#run(client, text, values));
				await client.query('COMMIT');
				return result;
			} catch (error) {
				await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
				const code = (error as { code?: string }).code;
				if (attempt < MAX_ATTEMPTS && code !== undefined && RETRYABLE.has(code)) continue;
				throw this.#sanitize(error);
			} finally {
				client.release(broken);
			}
		}
	}

	/**
	 * Takes the advisory locks of `contacts` for the rest of the transaction, in one statement and
	 * one global order (sorted keys), so batches never deadlock. Every write about a contact takes
	 * them: consent changes, windows, erasure.
	 */
	async lockContacts(tx: Tx, contacts: readonly string[]): Promise<void> {
		await tx(
			`SELECT count(pg_advisory_xact_lock(k)) AS locked FROM (
				SELECT DISTINCT hashtextextended($1 || c, 0) AS k FROM unnest($2::text[]) AS c ORDER BY 1
			) AS keys`,
			[this.names.contactLockPrefix, [...contacts].sort()],
		);
	}

	/** Takes the advisory lock of `key` (PostgresNames) for the rest of the transaction. */
	async lock(tx: Tx, key: string): Promise<void> {
		await tx('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
	}

	/**
	 * One transaction under an advisory lock: processes that start together (n8n queue mode: main,
	 * webhook, workers) wait for each other; the first migrates, the others find the work done.
	 */
	async #migrate(): Promise<string> {
		const n = this.names;
		const client = await this.#pool.connect().catch((error: unknown) => {
			throw this.#sanitize(error);
		});
		try {
			await client.query('BEGIN');
			await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
				MIGRATION_LOCK,
				n.namespace,
			]);
			const schema = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [
				this.schema,
			]);
			if (schema.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdent(this.schema)}`);
			await client.query(postgresMetaTable(n));
			const current = await client.query(this.#versionSql);
			const version = current.rows.length > 0 ? Number(current.rows[0].value) : 0;
			if (version > CURRENT_SCHEMA_VERSION) {
				throw new Error(
					`schema version ${version} in ${this.schema}.${this.tablePrefix}meta is newer than this ` +
						`package supports (${CURRENT_SCHEMA_VERSION}): update n8n-nodes-whatsapp-compliance`,
				);
			}
			// A new store gets the schema as it is now; an older one the migrations after its version.
			const statements =
				version === 0
					? postgresSchema(n)
					: postgresMigrations(n)
							.filter((m) => m.version > version)
							.flatMap((m) => m.statements);
			for (const statement of statements) await client.query(statement);
			const meta = n.qualified('meta');
			await client.query(
				`INSERT INTO ${meta} (key, value) VALUES ('schema_version', $1)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
				[String(CURRENT_SCHEMA_VERSION)],
			);
			const { rows } = await client.query(
				`SELECT key, value FROM ${meta} WHERE key = ANY ($1::text[])`,
				[[SEALED_HASH_KEY, PLAIN_HASH_KEY]],
			);
			const stored = (key: string) => {
				const row = rows.find((r) => r.key === key);
				return row ? String(row.value) : undefined;
			};
			const resolved = resolveHashKey(
				this.#erasureKey!,
				{ sealed: stored(SEALED_HASH_KEY), plain: stored(PLAIN_HASH_KEY) },
				`PostgreSQL store ${this.schema}.${this.tablePrefix}meta`,
			);
			if (resolved.writeSealed) {
				await client.query(`INSERT INTO ${meta} (key, value) VALUES ($1, $2)`, [
					SEALED_HASH_KEY,
					resolved.writeSealed,
				]);
			}
			if (resolved.deletePlain) {
				await client.query(`DELETE FROM ${meta} WHERE key = $1`, [PLAIN_HASH_KEY]);
			}
			if (version > 0 && version < HASHED_EVENT_KEYS_SINCE) {
				const seen = n.qualified('seen_events');
				const old = (await client.query(`SELECT key FROM ${seen}`)).rows.map((r) => String(r.key));
				const hash = contactHasher(resolved.hashKey);
				await client.query(
					`UPDATE ${seen} AS s SET key = k.new FROM unnest($1::text[], $2::text[]) AS k(old, new)
					WHERE s.key = k.old`,
					[old, old.map((key) => storedEventKey(hash, key))],
				);
			}
			await client.query('COMMIT');
			return resolved.hashKey;
		} catch (error) {
			await client.query('ROLLBACK').catch(() => undefined);
			throw this.#sanitize(error);
		} finally {
			client.release();
		}
	}

	/** One named statement on `client`: each connection parses and plans it once. */
	#run(client: Pool | PoolClient, text: string, values: unknown[]) {
		let name = this.#statementNames.get(text);
		if (name === undefined) {
			name = `wa_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
			this.#statementNames.set(text, name);
		}
		return client.query<Row>({ name, text, values });
	}

	/** A new error with the secrets masked; the original (which may hold them) is not attached. */
	#sanitize(error: unknown): Error {
		let message = error instanceof Error ? error.message : String(error);
		for (const secret of this.#secrets) {
			if (secret) message = message.split(secret).join('***');
		}
		const clean = new Error(`PostgreSQL store: ${message}`);
		const code = (error as { code?: unknown }).code;
		if (typeof code === 'string') Object.assign(clean, { code });
		return clean;
	}
}

function checkIdentifier(field: string, value: string, maxLength: number): void {
	if (typeof value !== 'string' || !IDENTIFIER.test(value) || value.length > maxLength) {
		throw new Error(
			`PostgreSQL store: ${field} ${JSON.stringify(value)} is not allowed: use lower-case letters, ` +
				`digits and underscores, starting with a letter or underscore, at most ${maxLength} ` +
				`characters (e.g. "${field === 'schema' ? 'whatsapp' : 'wa_'}")`,
		);
	}
}

/** Validates without echoing the string: it usually holds the password. */
function parseConnectionString(value: string): URL {
	let url: URL | undefined;
	try {
		url = typeof value === 'string' ? new URL(value) : undefined;
	} catch {
		url = undefined;
	}
	if (!url || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')) {
		throw new Error(
			'PostgreSQL store: connectionString is not a valid URL of the form ' +
				'postgres://user:password@host:5432/database (special characters in the password must ' +
				'be percent-encoded)',
		);
	}
	return url;
}

function safeDecode(value: string): string {
	try {
		return decodeURIComponent(value);
	} catch {
		return value;
	}
}
