/**
 * The embedded store's connection: one SQLite file through node:sqlite (built into Node 22 and
 * 24, nothing to compile; loaded on first use by ./nodeSqlite). Every node and workflow of one
 * n8n instance shares the file; WAL mode lets readers run while one connection writes, and every
 * read-modify-write is a BEGIN IMMEDIATE transaction, so several processes or threads on one file
 * serialise their writes instead of losing them. The role files (consents.ts, windows.ts...) run
 * their statements through it.
 */
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';

import { systemClock, type Clock } from '../../clock';
import { HASHED_EVENT_KEYS_SINCE, contactHasher, storedEventKey } from '../contactHash';
import { ErasureKey, PLAIN_HASH_KEY, SEALED_HASH_KEY, resolveHashKey } from '../erasureKey';
import { CURRENT_SCHEMA_VERSION } from '../migrations';
import { sqliteMigrations } from './migrations';
import { nodeSqlite } from './nodeSqlite';
import { SQLITE_META_TABLE, sqliteSchema } from './schema';

export const SQLITE_FILE_NAME = 'whatsapp-compliance.sqlite';

/** n8n's folder, by n8n's own rule: N8N_USER_FOLDER, else the home directory, then `.n8n`. */
export function n8nFolder(env: NodeJS.ProcessEnv = process.env): string {
	const homeVar = process.platform === 'win32' ? 'USERPROFILE' : 'HOME';
	const userHome = env.N8N_USER_FOLDER ?? env[homeVar] ?? process.cwd();
	return join(userHome, '.n8n');
}

/**
 * Where the embedded store lives when nothing else is configured: beside n8n's own database, in
 * n8n's folder.
 */
export function defaultSqlitePath(env: NodeJS.ProcessEnv = process.env): string {
	return join(n8nFolder(env), SQLITE_FILE_NAME);
}

/** What inspectSqliteFile found. */
export interface SqliteFileState {
	/** Whether the file exists; when not, whether the store could create it there. */
	exists: boolean;
	creatable?: boolean;
	/** The stored schema version; 0 when the store's tables are not there (yet). */
	version: number;
}

/**
 * Looks at a store file without writing anything (no file, folder, journal or schema is created,
 * nothing is migrated): for the store credential's test.
 */
export function inspectSqliteFile(path: string): SqliteFileState {
	if (!existsSync(path)) {
		let folder = dirname(path);
		while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
		let creatable = true;
		try {
			accessSync(folder, constants.W_OK);
		} catch {
			creatable = false;
		}
		return { exists: false, creatable, version: 0 };
	}
	// Without a WAL (no writer has the file open) a WAL-mode reader would create one and the
	// shared-memory file: read the file as immutable instead. With one, read through it.
	const source = existsSync(`${path}-wal`) ? path : immutable(path);
	let db: DatabaseSync;
	try {
		db = new (nodeSqlite().DatabaseSync)(source, { readOnly: true });
	} catch (error) {
		throw new Error(`SQLite store ${path} cannot be opened: ${(error as Error).message}`);
	}
	try {
		const meta = db
			.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
			.get();
		if (!meta) return { exists: true, version: 0 };
		const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get();
		return { exists: true, version: row ? Number(row.value) : 0 };
	} catch (error) {
		throw new Error(`SQLite store ${path} cannot be read: ${(error as Error).message}`);
	} finally {
		db.close();
	}
}

function immutable(path: string): URL {
	const url = pathToFileURL(resolve(path));
	url.searchParams.set('immutable', '1');
	return url;
}

export interface SqliteStoreOptions {
	/**
	 * The database file; its folder is created if missing. ':memory:' gives a private in-memory
	 * store (tests).
	 * @default defaultSqlitePath()
	 */
	readonly path?: string;
	/**
	 * Seals the store's contact hash key (erasureKey.ts), so the hashes on the suppression list
	 * cannot be reversed with the file alone. In n8n: derived from n8n's encryption key
	 * (nodes/shared/erasureKey.ts). Required; a store is never opened with its key inside.
	 */
	readonly erasureKey: ErasureKey;
	/**
	 * How long a transaction waits for another connection's write to finish, in milliseconds,
	 * before it fails with "database is locked". The wait is asynchronous: n8n keeps running.
	 * @default 5000
	 */
	readonly busyTimeoutMs?: number;
	/**
	 * Where `recordedAt` of consent events comes from.
	 * @default systemClock
	 */
	readonly clock?: Clock;
}

export type SqliteRow = Record<string, SQLInputValue>;

/**
 * `column IN (the list)`: a JSON array parameter read by json_each, one statement for any batch
 * size; a single value compares directly, which skips json_each's cost on one-contact lookups.
 * Give the list as listParameter(values).
 */
export function inList(column: string, values: readonly string[]): string {
	return values.length === 1 ? `${column} = ?` : `${column} IN (SELECT value FROM json_each(?))`;
}

export function listParameter(values: readonly string[]): string {
	return values.length === 1 ? values[0] : JSON.stringify(values);
}

/**
 * `FROM` the rows of `table` (named `alias`) whose `column` is one of a list, for reads of a whole
 * batch: SQLite walks the list and searches the table's index for each value. `IN (SELECT value
 * FROM json_each(?))` first builds a sorted temporary copy of the list, which at 100,000 contact
 * hashes cost 4.3 µs per value against 0.6-1.2 µs this way (bench/account.ts). The values must have
 * no repeats (each repeat gives its rows again); give them as JSON.stringify(values). The query's
 * own conditions follow in WHERE.
 */
export function fromList(table: string, alias: string, column: string): string {
	return `json_each(?) AS list CROSS JOIN ${table} AS ${alias} ON ${alias}.${column} = list.value`;
}

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;

/**
 * node:sqlite is synchronous: SQLite's own busy wait (busy_timeout) sleeps inside the call and
 * stops n8n's event loop for all of it (1,969 ms and 5,019 ms measured with another process
 * holding the lock). So SQLite waits only this long itself; a transaction that still finds the
 * file locked is rolled back and tried again after an asynchronous pause, until busyTimeoutMs.
 */
const SYNC_BUSY_WAIT_MS = 2;
/** The pauses between tries: doubling from the first to the last, with jitter (retry.ts style). */
const FIRST_PAUSE_MS = 2;
const LONGEST_PAUSE_MS = 50;

function isBusy(error: unknown): boolean {
	const code = (error as { errcode?: number }).errcode;
	return code !== undefined && ((code & 0xff) === SQLITE_BUSY || (code & 0xff) === SQLITE_LOCKED);
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One connection to the store file, with its prepared statements and transactions. */
export class SqliteDatabase {
	readonly path: string;
	/** Where `recordedAt` of consent events and the slot ledger's time come from. */
	readonly clock: Clock;
	readonly #busyTimeoutMs: number;
	readonly #erasureKey: ErasureKey;
	readonly #db: DatabaseSync;
	readonly #statements = new Map<string, StatementSync>();
	#hasher: ((contact: string) => string) | undefined;

	constructor(options: SqliteStoreOptions) {
		if (!(options?.erasureKey instanceof ErasureKey)) {
			throw new Error(
				"SQLite store: erasureKey is required (ErasureKey.fromSecret of n8n's encryption key)",
			);
		}
		const path = options.path ?? defaultSqlitePath();
		if (typeof path !== 'string' || path.length === 0) {
			throw new Error(
				`SQLite store: path must be a file path or ':memory:', got ${JSON.stringify(path)}`,
			);
		}
		const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
		if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
			throw new Error(
				`SQLite store: busyTimeoutMs must be a whole number of milliseconds >= 0, got ${busyTimeoutMs}`,
			);
		}
		this.path = path;
		this.#busyTimeoutMs = busyTimeoutMs;
		this.#erasureKey = options.erasureKey;
		this.clock = options.clock ?? systemClock;
		if (path !== ':memory:' && !path.startsWith('file:')) {
			mkdirSync(dirname(path), { recursive: true });
		}
		// The full wait only for switching a new file to WAL (a constructor cannot wait
		// asynchronously; the switch is once per file); every transaction after it waits in write().
		this.#db = new (nodeSqlite().DatabaseSync)(path, {
			timeout: busyTimeoutMs,
			enableForeignKeyConstraints: true,
		});
		try {
			this.#db.exec('PRAGMA journal_mode = WAL');
			// NORMAL in WAL mode: a power cut may lose the last commits, never corrupt the file.
			// Commits that change consent or erase a contact are made durable (writeDurably).
			this.#db.exec('PRAGMA synchronous = NORMAL');
			// Deleted and overwritten cells are zeroed when their page is written, for the life of
			// the connection: an erased number must not linger in free pages or old cells from earlier
			// page splits and updates (switched on only during an erasure, 7 copies of an erased number
			// remained after churn: test/core/store/sqliteRawFile.test.ts).
			this.#db.exec('PRAGMA secure_delete = ON');
			this.#db.exec('PRAGMA foreign_keys = ON');
			// 32 MiB of page cache (SQLite's default is 2 MiB), taken only as pages are read: a
			// campaign's reservation of 50,000 new contacts spilled the default cache to the WAL
			// mid-transaction, 6.1 µs a contact against 2.2 µs with this (bench/account.ts).
			this.#db.exec('PRAGMA cache_size = -32768');
			this.#db.exec(`PRAGMA busy_timeout = ${Math.min(SYNC_BUSY_WAIT_MS, busyTimeoutMs)}`);
		} catch (error) {
			this.#db.close();
			throw this.#wrap(error);
		}
	}

	/**
	 * Migrates on first use, so a store works even if nobody called migrate(). Returns the contact
	 * hash function keyed with this store's hash key.
	 */
	async ready(): Promise<(contact: string) => string> {
		return this.#hasher ?? this.migrate();
	}

	/** The contact hash function, inside a transaction of a caller that awaited ready(). */
	hasher(): (contact: string) => string {
		if (!this.#hasher) throw new Error(`SQLite store ${this.path}: hasher() before ready()`);
		return this.#hasher;
	}

	/** Creates the schema or migrates it, in one write transaction; returns the contact hasher. */
	async migrate(): Promise<(contact: string) => string> {
		if (!this.#db.isOpen) throw new Error(`SQLite store ${this.path} is closed`);
		let movedPlainKey = false;
		const hashKey = await this.write(() => {
			this.#db.exec(SQLITE_META_TABLE);
			const version = this.#readVersion();
			if (version > CURRENT_SCHEMA_VERSION) {
				throw new Error(
					`SQLite store ${this.path} has schema version ${version}, newer than this package ` +
						`supports (${CURRENT_SCHEMA_VERSION}): update n8n-nodes-whatsapp-compliance`,
				);
			}
			// A new file gets the schema as it is now; an older one the migrations after its version.
			const statements =
				version === 0
					? sqliteSchema
					: sqliteMigrations.filter((m) => m.version > version).flatMap((m) => m.statements);
			for (const statement of statements) this.#db.exec(statement);
			const meta = this.#db.prepare(
				'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
			);
			if (version < CURRENT_SCHEMA_VERSION) {
				meta.run('schema_version', String(CURRENT_SCHEMA_VERSION));
			}
			const stored = (key: string) => {
				const row = this.#db.prepare('SELECT value FROM meta WHERE key = ?').get(key);
				return row ? String(row.value) : undefined;
			};
			const resolved = resolveHashKey(
				this.#erasureKey,
				{ sealed: stored(SEALED_HASH_KEY), plain: stored(PLAIN_HASH_KEY) },
				`SQLite store ${this.path}`,
			);
			if (resolved.writeSealed) meta.run(SEALED_HASH_KEY, resolved.writeSealed);
			if (resolved.deletePlain) {
				this.#db.prepare('DELETE FROM meta WHERE key = ?').run(PLAIN_HASH_KEY);
				movedPlainKey = true;
			}
			if (version > 0 && version < HASHED_EVENT_KEYS_SINCE) {
				const hash = contactHasher(resolved.hashKey);
				const rehash = this.#db.prepare('UPDATE seen_events SET key = ? WHERE key = ?');
				for (const row of this.#db.prepare('SELECT key FROM seen_events').all()) {
					rehash.run(storedEventKey(hash, String(row.key)), row.key);
				}
			}
			return resolved.hashKey;
		});
		// The plain key's cell is zeroed (secure_delete); its old page leaves the WAL too.
		if (movedPlainKey) this.#db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
		this.#hasher = contactHasher(hashKey);
		return this.#hasher;
	}

	async schemaVersion(): Promise<number> {
		await this.ready();
		return this.#readVersion();
	}

	close(): void {
		if (this.#db.isOpen) this.#db.close();
		this.#statements.clear();
	}

	all(sql: string, ...params: SQLInputValue[]): SqliteRow[] {
		return this.#statement(sql).all(...params) as SqliteRow[];
	}

	get(sql: string, ...params: SQLInputValue[]): SqliteRow | undefined {
		return this.#statement(sql).get(...params) as SqliteRow | undefined;
	}

	run(sql: string, ...params: SQLInputValue[]) {
		return this.#statement(sql).run(...params);
	}

	/** A statement that is not prepared (a pragma). */
	exec(sql: string): void {
		this.#db.exec(sql);
	}

	/**
	 * A write transaction: takes the write lock first, so a later upgrade cannot fail with BUSY.
	 * `work` is synchronous and runs whole between BEGIN and COMMIT, so no other call on this
	 * connection comes in between.
	 * `durable` puts the commit on disk before it returns (synchronous=FULL: the WAL is synced at
	 * the commit, which makes every earlier commit durable too). For consent changes and erasures:
	 * Meta does not send a STOP again once it got its 200, so a STOP lost in a power cut would let
	 * the next campaign message someone who opted out. The other commits stay NORMAL: a sync per
	 * status webhook cut the webhook benchmark to a quarter (BENCHMARKS.md).
	 */
	write<T>(work: () => T, options: { durable?: boolean } = {}): Promise<T> {
		return this.#transaction('BEGIN IMMEDIATE', work, options.durable ?? false);
	}

	/** A read transaction: the statements of one snapshot see one state of the file. */
	read<T>(work: () => T): Promise<T> {
		return this.#transaction('BEGIN', work);
	}

	#readVersion(): number {
		const row = this.#db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get();
		return row ? Number(row.value) : 0;
	}

	#statement(sql: string): StatementSync {
		let statement = this.#statements.get(sql);
		if (!statement) {
			statement = this.#db.prepare(sql);
			this.#statements.set(sql, statement);
		}
		return statement;
	}

	/**
	 * Runs the transaction; while another connection holds the lock (SQLITE_BUSY), it is rolled
	 * back and tried again after a pause, without blocking the event loop, until busyTimeoutMs.
	 * Trying again is safe: a busy transaction changed nothing, and `work` only runs statements.
	 */
	async #transaction<T>(begin: string, work: () => T, durable = false): Promise<T> {
		const deadline = performance.now() + this.#busyTimeoutMs;
		for (let pauseMs = FIRST_PAUSE_MS; ; pauseMs = Math.min(2 * pauseMs, LONGEST_PAUSE_MS)) {
			try {
				return this.#transactionOnce(begin, work, durable);
			} catch (error) {
				const left = deadline - performance.now();
				if (!isBusy(error) || left <= 0) throw this.#wrap(error);
				await pause(Math.min(left, pauseMs * (0.5 + Math.random() / 2)));
			}
		}
	}

	/** One attempt, synchronous: the synchronous setting cannot change for another call meanwhile. */
	#transactionOnce<T>(begin: string, work: () => T, durable: boolean): T {
		if (durable) this.#db.exec('PRAGMA synchronous = FULL');
		try {
			this.#db.exec(begin);
			try {
				const result = work();
				this.#db.exec('COMMIT');
				return result;
			} catch (error) {
				if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
				throw error;
			}
		} finally {
			if (durable) this.#db.exec('PRAGMA synchronous = NORMAL');
		}
	}

	#wrap(error: unknown): unknown {
		if (isBusy(error)) {
			return new Error(
				`SQLite store ${this.path}: the database stayed locked by another writer for more than ` +
					`busyTimeoutMs (${this.#busyTimeoutMs} ms). Raise busyTimeoutMs, or use the PostgreSQL ` +
					'store when many processes write at once',
				{ cause: error },
			);
		}
		return error;
	}
}
