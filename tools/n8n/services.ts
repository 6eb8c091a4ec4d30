/**
 * The services queue mode needs, started as plain processes of this run (no system services, no
 * root daemons left behind): Redis from Debian's redis-server package, and a throwaway PostgreSQL
 * server through scripts/test-postgres.sh (Debian's postgresql package), the same server the store
 * tests use. Both are recorded in the run folder, so a killed run's next start stops them.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Client } from 'pg';

import { baseEnv, freePort, killGroup, runOrThrow, sleep, tail } from './commands';
import { registerProcess, unregisterProcess } from './processes';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;

export interface RedisServer {
	readonly port: number;
	/** Shuts it down (SIGTERM, SIGKILL after 10 s) and removes its folder. Idempotent. */
	stop(): Promise<void>;
}

/** Starts `redis-server` on a free local port, in memory only (no RDB, no AOF). */
export async function startRedis(runDir: string | undefined): Promise<RedisServer> {
	const port = await freePort();
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-e2e-redis-'));
	const child = spawn(
		'redis-server',
		['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
		{ cwd: dir, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true },
	);
	const started = await new Promise<number>((resolve, reject) => {
		child.once('spawn', () => resolve(child.pid!));
		child.once('error', (error) =>
			reject(
				new Error(
					`redis-server could not be started (${error.message}): install Debian's redis-server package`,
				),
			),
		);
	}).catch((error: unknown) => {
		fs.rmSync(dir, { recursive: true, force: true });
		throw error;
	});
	registerProcess(runDir, { pgid: started, command: 'redis-server', folders: [dir] });
	let output = '';
	child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
	let stopping: Promise<void> | undefined;
	const stop = (): Promise<void> =>
		(stopping ??= (async () => {
			if (child.exitCode === null && child.signalCode === null) {
				killGroup(started, 'SIGTERM');
				const killer = setTimeout(() => killGroup(started, 'SIGKILL'), STOP_GRACE_MS);
				await exited;
				clearTimeout(killer);
			}
			unregisterProcess(runDir, started);
			fs.rmSync(dir, { recursive: true, force: true });
		})());

	const deadline = Date.now() + START_TIMEOUT_MS;
	while (!output.includes('Ready to accept connections')) {
		if (child.exitCode !== null || Date.now() > deadline) {
			await stop();
			throw new Error(`redis-server did not start on port ${port}:\n${tail(output, 20)}`);
		}
		await sleep(100);
	}
	return { port, stop };
}

export interface PostgresServer {
	readonly host: string;
	readonly port: number;
	readonly user: string;
	readonly password: string;
	/** The database the server was created with. */
	readonly database: string;
	/** postgres://user:password@127.0.0.1:port/<database> */
	url(database?: string): string;
	/** Creates a database and returns its name. */
	createDatabase(name: string): Promise<string>;
	/** `pg_ctl stop -m fast` and removes its data folder. Idempotent. */
	stop(): Promise<void>;
}

/** Starts a throwaway PostgreSQL server with scripts/test-postgres.sh (fsync off, a free port). */
export async function startPostgres(runDir: string | undefined): Promise<PostgresServer> {
	const script = path.join(REPO_ROOT, 'scripts', 'test-postgres.sh');
	const printed = await runOrThrow('scripts/test-postgres.sh start', 'bash', [script, 'start'], {
		cwd: REPO_ROOT,
		env: baseEnv(),
	});
	const url = /WA_TEST_PG_URL=(\S+)/.exec(printed)?.[1];
	const dir = /WA_TEST_PG_DIR=(\S+)/.exec(printed)?.[1];
	if (!url || !dir)
		throw new Error(`scripts/test-postgres.sh start printed no server:\n${printed}`);
	// pg_ctl starts the server as the leader of its own session; its backends have their own.
	const postmaster = Number(
		fs.readFileSync(path.join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0],
	);
	registerProcess(runDir, {
		pgid: postmaster,
		command: 'postgres',
		folders: [dir],
		stopSignal: 'SIGQUIT',
	});
	let stopping: Promise<void> | undefined;
	const stop = (): Promise<void> =>
		(stopping ??= (async () => {
			await runOrThrow('scripts/test-postgres.sh stop', 'bash', [script, 'stop', dir], {
				cwd: REPO_ROOT,
				env: baseEnv(),
			});
			unregisterProcess(runDir, postmaster);
		})());

	const parsed = new URL(url);
	const server: PostgresServer = {
		host: parsed.hostname,
		port: Number(parsed.port),
		user: decodeURIComponent(parsed.username),
		password: decodeURIComponent(parsed.password),
		database: parsed.pathname.slice(1),
		url(database = server.database) {
			const copy = new URL(url);
			copy.pathname = `/${database}`;
			return copy.toString();
		},
		async createDatabase(name) {
			if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
			const client = new Client({ connectionString: url });
			await client.connect();
			try {
				await client.query(`CREATE DATABASE ${name}`);
			} finally {
				await client.end();
			}
			return name;
		},
		stop,
	};
	return server;
}
