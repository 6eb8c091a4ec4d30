/**
 * n8n in queue mode, as self-hosted users run it when one process is not enough: Redis, PostgreSQL
 * (n8n's own database and the compliance store), one main process, workers and webhook
 * processors, each with its own user folder (as in one container per process) holding the packed
 * package. See tools/n8n/README.md.
 *
 *   const queue = await startN8nQueue({ credentials, workflows: [withStore(workflow)] });
 *   await fetch(queue.webhookUrl('my-path', 1), { method: 'POST', body });
 *   const [execution] = await queue.waitForExecutions(workflowId, 1);
 *   queue.workerOf(execution.id); // 'worker-2'
 *   await queue.stop();
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Pool } from 'pg';

import { baseEnv, freePort, runDir, tail } from './commands';
import { postgresExecutions, waitForEnded, type N8nExecution } from './executions';
import { spawnN8n, type N8nProcess } from './n8nProcess';
import {
	healthy,
	importFixtures,
	installPackage,
	notActivated,
	QUIET_ENV,
	requireInstall,
	validateFixtures,
	type CredentialFixture,
	type N8nFixtures,
} from './prepare';
import { queueModeEnv } from './queueEnv';
import { startPostgres, startRedis, type PostgresServer, type RedisServer } from './services';

/** The WhatsApp Compliance Store credential every queue deployment imports (PostgreSQL). */
export const QUEUE_STORE_CREDENTIAL = {
	id: 'waQueueStore',
	name: 'WhatsApp Compliance Store (PostgreSQL)',
} as const;

export interface StartN8nQueueOptions extends N8nFixtures {
	/** `n8n worker` processes. @default 2 */
	readonly workers?: number;
	/** `n8n webhook` processes. @default 2 */
	readonly webhookProcessors?: number;
	/** Executions each worker runs at once (`n8n worker --concurrency`). @default 10 */
	readonly concurrency?: number;
	/** Extra environment for every n8n process and command; overrides the harness's. @default {} */
	readonly env?: Readonly<Record<string, string>>;
	/**
	 * Extra environment of single processes by name (`main`, `worker-1`, `webhook-2`...), over
	 * `env`: one process set up differently from the others.
	 * @default {}
	 */
	readonly processEnv?: Readonly<Record<string, Readonly<Record<string, string>>>>;
	/**
	 * Ids of published workflows whose activation is expected to fail (the test reads why from
	 * `main.logs()`); any other activation failure fails the start.
	 * @default []
	 */
	readonly refusedActivations?: readonly string[];
	/** How long each process may take to be ready. @default 180000 */
	readonly startTimeoutMs?: number;
}

export interface QueueProcess {
	/** `main`, `worker-1`, `webhook-1`... */
	readonly name: string;
	readonly pid: number;
	/** The user folder of this process (its own `.n8n`). */
	readonly userFolder: string;
	/** Everything it printed so far. */
	logs(): string;
}

export interface N8nQueue {
	readonly main: QueueProcess & { readonly baseUrl: string };
	readonly workers: readonly QueueProcess[];
	readonly webhookProcessors: ReadonlyArray<QueueProcess & { readonly baseUrl: string }>;
	/** The PostgreSQL server of n8n's database and the compliance store. */
	readonly postgres: PostgresServer;
	/** The database the compliance store credential points at. */
	readonly storeDatabase: string;
	/** The production webhook URL of `webhookPath` on webhook processor `processor` (0-based). */
	webhookUrl(webhookPath: string, processor?: number): string;
	/** Every process's log, each line prefixed with the process name. */
	logs(): string;
	/** The executions of a workflow, oldest first, read from n8n's PostgreSQL database. */
	executions(workflowId: string): Promise<N8nExecution[]>;
	/** As N8nInstance.waitForExecutions. */
	waitForExecutions(workflowId: string, count: number, timeoutMs?: number): Promise<N8nExecution[]>;
	/** The worker whose log says `Worker started execution <id>`, if any. */
	workerOf(executionId: string): string | undefined;
	/** The webhook processor whose log says `Enqueued execution <id>`, if any. */
	enqueuedBy(executionId: string): string | undefined;
	/**
	 * SIGKILL to a worker and its task runner, as an out-of-memory kill or a lost machine would end
	 * it, then (unless `restart` is false) the same worker started again and ready.
	 */
	killWorker(name: string, options?: { restart?: boolean }): Promise<void>;
	/** Starts a worker killed with `restart: false` again and waits until it is ready. */
	startWorker(name: string): Promise<void>;
	/** Stops every process, Redis and PostgreSQL, and removes their folders. Idempotent. */
	stop(): Promise<void>;
}

const MAIN_READY = 'Editor is now accessible via';
const WORKER_READY = 'n8n worker is now ready';
const WEBHOOK_READY = 'Webhook listener waiting for requests.';

/** The line naming execution `id` in a log (whole id: 12 is not 123). */
const lineFor = (prefix: string, id: string) => new RegExp(`${prefix} ${id} \\(job `);

/**
 * Starts Redis and PostgreSQL, imports the fixtures (plus QUEUE_STORE_CREDENTIAL), starts main,
 * waits for its activations, then starts the workers and webhook processors together. Resolves
 * when every process is ready.
 */
export async function startN8nQueue(options: StartN8nQueueOptions = {}): Promise<N8nQueue> {
	const workers = options.workers ?? 2;
	const webhookProcessors = options.webhookProcessors ?? 2;
	const timeoutMs = options.startTimeoutMs ?? 180_000;
	const run = runDir();
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-e2e-queue-'));
	const processes: N8nProcess[] = [];
	let redis: RedisServer | undefined;
	let postgres: PostgresServer | undefined;
	let pool: Pool | undefined;
	let stopped = false;

	const stop = async (): Promise<void> => {
		if (stopped) return;
		stopped = true;
		// Webhook processors and workers first, main last, then what they all use.
		await Promise.all(processes.slice(1).map((p) => p.stop()));
		await processes[0]?.stop();
		await pool?.end();
		await Promise.all([redis?.stop(), postgres?.stop()]);
		if (process.env.WA_E2E_KEEP === '1') {
			for (const p of processes) fs.writeFileSync(path.join(root, `${p.name}.log`), p.logs());
			console.log(`[e2e] kept the queue deployment's folders in ${root} (WA_E2E_KEEP=1)`);
		} else {
			fs.rmSync(root, { recursive: true, force: true });
		}
	};

	try {
		validateFixtures(options);
		if (!(workers >= 1 && webhookProcessors >= 1)) {
			throw new Error(`need at least one worker and one webhook processor`);
		}
		const install = requireInstall();
		// One after the other: a server that started is stopped by stop() even if the other fails.
		redis = await startRedis(run);
		postgres = await startPostgres(run);
		const n8nDatabase = await postgres.createDatabase('n8n');
		const storeDatabase = await postgres.createDatabase('whatsapp');
		const store: CredentialFixture = {
			...QUEUE_STORE_CREDENTIAL,
			type: 'whatsAppComplianceStoreApi',
			data: {
				backend: 'postgres',
				host: postgres.host,
				port: postgres.port,
				database: storeDatabase,
				user: postgres.user,
				password: postgres.password,
				ssl: 'disable',
			},
		};

		const names = [
			'main',
			...Array.from({ length: workers }, (_, i) => `worker-${i + 1}`),
			...Array.from({ length: webhookProcessors }, (_, i) => `webhook-${i + 1}`),
		];
		const ports = new Map<string, { port: number; broker: number }>();
		for (const name of names) ports.set(name, { port: await freePort(), broker: await freePort() });
		const baseUrlOf = (name: string) => `http://127.0.0.1:${ports.get(name)!.port}`;
		// The same in every process (queueEnv.ts: README, Queue mode, and the docker-compose
		// example), after the harness's quiet settings.
		const shared: NodeJS.ProcessEnv = {
			...baseEnv(),
			...QUIET_ENV,
			...queueModeEnv({
				encryptionKey: randomBytes(24).toString('hex'),
				redis: { host: '127.0.0.1', port: String(redis.port) },
				bullPrefix: `wa${randomBytes(4).toString('hex')}`,
				postgres: {
					host: postgres.host,
					port: String(postgres.port),
					database: n8nDatabase,
					user: postgres.user,
					password: postgres.password,
				},
				// What the editor shows as production URLs: the first webhook processor.
				webhookUrl: `${baseUrlOf('webhook-1')}/`,
				timezone: QUIET_ENV.GENERIC_TIMEZONE,
			}),
		};
		const folderOf = (name: string) => path.join(root, name);
		const envOf = (name: string): NodeJS.ProcessEnv => {
			const tmp = path.join(folderOf(name), 'tmp');
			fs.mkdirSync(tmp, { recursive: true });
			return {
				...shared,
				N8N_USER_FOLDER: folderOf(name),
				N8N_PORT: String(ports.get(name)!.port),
				// Every worker starts a task runner broker; the default port 5679 would clash.
				N8N_RUNNERS_BROKER_PORT: String(ports.get(name)!.broker),
				TMPDIR: tmp,
				...options.env,
				...options.processEnv?.[name],
			};
		};

		// One install, copied: every process has its own `.n8n/nodes`, as on separate machines.
		await installPackage(folderOf('main'));
		for (const name of names.slice(1)) {
			fs.cpSync(
				path.join(folderOf('main'), '.n8n', 'nodes'),
				path.join(folderOf(name), '.n8n', 'nodes'),
				{
					recursive: true,
					verbatimSymlinks: true,
				},
			);
		}
		const published = await importFixtures(
			install,
			folderOf('main'),
			envOf('main'),
			{
				credentials: [store, ...(options.credentials ?? [])],
				workflows: options.workflows,
			},
			{ parallel: true },
		);

		const spawn = (name: string, args: readonly string[]): N8nProcess => {
			const started = spawnN8n(install, args, {
				name,
				cwd: folderOf(name),
				env: envOf(name),
				runDir: run,
				folders: [root],
			});
			processes.push(started);
			return started;
		};
		const main = spawn('main', ['start']);
		await main.waitFor(MAIN_READY, timeoutMs, () => healthy(baseUrlOf('main')));
		const failed = notActivated(published, main.logs(), new Set(options.refusedActivations ?? []));
		if (failed.length > 0) {
			throw new Error(
				`n8n main did not activate (or, for refusedActivations, refuse) ${failed.map((w) => `"${w.name}" (${w.id})`).join(', ')}. ` +
					`Last log lines:\n${tail(main.logs(), 40)}`,
			);
		}
		const others = names
			.slice(1)
			.map((name) =>
				name.startsWith('worker')
					? spawn(name, ['worker', `--concurrency=${options.concurrency ?? 10}`])
					: spawn(name, ['webhook']),
			);
		await Promise.all(
			others.map((p) =>
				p.name.startsWith('worker')
					? p.waitFor(WORKER_READY, timeoutMs)
					: p.waitFor(WEBHOOK_READY, timeoutMs, () => healthy(baseUrlOf(p.name))),
			),
		);

		pool = new Pool({ connectionString: postgres.url(n8nDatabase), max: 2 });
		const readExecutions = postgresExecutions(install, pool);
		const view = (p: N8nProcess) => ({
			name: p.name,
			pid: p.pid,
			userFolder: folderOf(p.name),
			logs: () => p.logs(),
		});
		const allLogs = () =>
			processes.map((p) => p.logs().replace(/^(?=.)/gm, `[${p.name}] `)).join('\n');
		const findIn = (group: N8nProcess[], prefix: string, id: string) =>
			group.find((p) => lineFor(prefix, id).test(p.logs()))?.name;
		const workerProcesses = others.filter((p) => p.name.startsWith('worker'));
		const webhookProcesses = others.filter((p) => p.name.startsWith('webhook'));
		const server = postgres;
		const workerAt = (name: string): number => {
			const at = workerProcesses.findIndex((p) => p.name === name);
			if (at === -1) throw new Error(`there is no worker ${name}`);
			return at;
		};
		const startWorkerAt = async (at: number): Promise<void> => {
			const name = workerProcesses[at].name;
			const again = spawn(name, ['worker', `--concurrency=${options.concurrency ?? 10}`]);
			workerProcesses[at] = again;
			await again.waitFor(WORKER_READY, timeoutMs);
		};
		return {
			main: { ...view(main), baseUrl: baseUrlOf('main') },
			workers: workerProcesses.map(view),
			webhookProcessors: webhookProcesses.map((p) => ({ ...view(p), baseUrl: baseUrlOf(p.name) })),
			postgres: server,
			storeDatabase,
			webhookUrl: (webhookPath, processor = 0) => {
				const target = webhookProcesses[processor];
				if (!target) throw new Error(`there is no webhook processor ${processor}`);
				return `${baseUrlOf(target.name)}/webhook/${webhookPath.replace(/^\/+/, '')}`;
			},
			logs: allLogs,
			executions: readExecutions,
			waitForExecutions: (workflowId, count, waitMs = 30_000) =>
				waitForEnded(readExecutions, allLogs, workflowId, count, waitMs),
			// Killed workers stay in `processes` for their logs: which worker ran what stays known.
			workerOf: (id) =>
				findIn(
					processes.filter((p) => p.name.startsWith('worker')),
					'Worker started execution',
					id,
				),
			enqueuedBy: (id) => findIn(webhookProcesses, 'Enqueued execution', id),
			async killWorker(name, { restart = true } = {}) {
				const at = workerAt(name);
				await workerProcesses[at].kill();
				if (restart) await startWorkerAt(at);
			},
			startWorker: async (name) => await startWorkerAt(workerAt(name)),
			stop,
		};
	} catch (error) {
		await stop();
		const reason = error instanceof Error ? error.message : String(error);
		throw new Error(`startN8nQueue: ${reason}`);
	}
}
