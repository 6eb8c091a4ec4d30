/**
 * A real n8n process for end-to-end tests, with the packed package installed the way users install
 * community nodes. See tools/n8n/README.md.
 *
 *   const n8n = await startN8n({ credentials, workflows });
 *   await fetch(n8n.webhookUrl('my-path'), { method: 'POST', body });
 *   const [execution] = await n8n.waitForExecutions(workflowId, 1);
 *   await n8n.stop();
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { baseEnv, freePort, runDir, tail } from './commands';
import { sqliteExecutions, waitForEnded, type N8nExecution } from './executions';
import { spawnN8n, type N8nProcess } from './n8nProcess';
import {
	healthy,
	importFixtures,
	installPackage,
	notActivated,
	QUIET_ENV,
	requireInstall,
	validateFixtures,
	type N8nFixtures,
} from './prepare';

export { nodeOutput, outputItems, type N8nExecution } from './executions';
export { packPackage, PACKAGE_NAME, type CredentialFixture, type WorkflowFixture } from './prepare';

export interface StartN8nOptions extends N8nFixtures {
	/** Extra environment for every n8n command; overrides the harness's settings. @default {} */
	readonly env?: Readonly<Record<string, string>>;
	/** How long `n8n start` may take to activate the workflows. @default 180000 */
	readonly startTimeoutMs?: number;
	/** The editor and webhook port. @default a free port */
	readonly port?: number;
}

/** What n8n loaded, as it serves it to its editor. */
export interface LoadedTypes {
	/** Node type names, e.g. `n8n-nodes-whatsapp-compliance.whatsAppSendTemplate`. */
	readonly nodes: readonly string[];
	/** Credential types with the icon URL n8n built for them (it names the package they came from). */
	readonly credentials: ReadonlyArray<{ readonly name: string; readonly iconUrl?: unknown }>;
}

export interface N8nInstance {
	/** e.g. http://127.0.0.1:41234 */
	readonly baseUrl: string;
	/** The n8n user folder; n8n's own files are in `<userFolder>/.n8n`. */
	readonly userFolder: string;
	/** The pid of `n8n start` now (benchmarks read its memory from /proc/<pid>/status). */
	readonly pid: number;
	/** The production webhook URL of `webhookPath` (a published workflow's Webhook node path). */
	webhookUrl(webhookPath: string): string;
	/** Everything `n8n start` printed so far. */
	logs(): string;
	/** The executions of a workflow, oldest first, read from n8n's SQLite database. */
	executions(workflowId: string): N8nExecution[];
	/**
	 * Waits until at least `count` executions of the workflow have ended (any status but new,
	 * running and waiting) and returns the ended ones, oldest first.
	 */
	waitForExecutions(workflowId: string, count: number, timeoutMs?: number): Promise<N8nExecution[]>;
	/** The node and credential types n8n loaded. */
	loadedTypes(): LoadedTypes;
	/** Stops the process group, waits for it to end and removes the user folder. Idempotent. */
	stop(): Promise<void>;
	/**
	 * Resolves when `n8n start` has ended, whether stop() ended it or not (a signal from outside,
	 * a crash): the demo stops everything else then.
	 */
	readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
	/** SIGKILL to `n8n start` and its task runner, as a crash would end them; keeps the user folder. */
	kill(): Promise<void>;
	/**
	 * Starts `n8n start` again on the same user folder, ports and key (after kill()), and waits until
	 * it has activated the workflows again. logs() then shows the new process's output. `env`
	 * changes the environment from now on (the harness's settings and `startN8n({ env })` stay).
	 */
	restart(env?: Readonly<Record<string, string>>): Promise<void>;
}

const READY_LINE = 'Editor is now accessible via';

/**
 * Starts n8n in a fresh user folder with the packed package installed in `.n8n/nodes`, the given
 * credentials and workflows imported and published. Resolves once n8n has activated the workflows
 * and /healthz answers.
 */
export async function startN8n(options: StartN8nOptions = {}): Promise<N8nInstance> {
	let userFolder: string | undefined;
	let n8n: N8nProcess | undefined;
	let stopped = false;
	const stop = async (): Promise<void> => {
		if (stopped) return;
		stopped = true;
		await n8n?.stop();
		if (!userFolder) return;
		if (process.env.WA_E2E_KEEP === '1') {
			fs.writeFileSync(path.join(userFolder, 'n8n-start.log'), n8n?.logs() ?? '');
			console.log(`[e2e] kept the n8n user folder ${userFolder} (WA_E2E_KEEP=1)`);
		} else {
			fs.rmSync(userFolder, { recursive: true, force: true });
		}
	};

	try {
		validateFixtures(options);
		if (options.startTimeoutMs !== undefined && !(options.startTimeoutMs > 0)) {
			throw new Error(
				`startTimeoutMs must be a positive number of milliseconds, got ${options.startTimeoutMs}`,
			);
		}
		const install = requireInstall();
		const run = runDir();
		userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-e2e-n8n-'));
		const [port, brokerPort] = [options.port ?? (await freePort()), await freePort()];
		const baseUrl = `http://127.0.0.1:${port}`;
		const tmpDir = path.join(userFolder, 'tmp');
		fs.mkdirSync(tmpDir);
		const env: NodeJS.ProcessEnv = {
			...baseEnv(),
			...QUIET_ENV,
			DB_TYPE: 'sqlite',
			N8N_USER_FOLDER: userFolder,
			N8N_ENCRYPTION_KEY: randomBytes(24).toString('hex'),
			N8N_PORT: String(port),
			// The task runner broker defaults to 5679: two instances (or a developer's n8n) would clash.
			N8N_RUNNERS_BROKER_PORT: String(brokerPort),
			N8N_WEBHOOK_URL: `${baseUrl}/`,
			// n8n puts some folders in the system temp folder (n8nDataTableUploads); keep them in ours.
			TMPDIR: tmpDir,
			...options.env,
		};

		await installPackage(userFolder);
		const published = await importFixtures(install, userFolder, env, options);

		let launchEnv = env;
		const launch = async (): Promise<N8nProcess> => {
			const started = spawnN8n(install, ['start'], {
				name: 'main',
				cwd: folder,
				env: launchEnv,
				runDir: run,
				folders: [folder],
			});
			n8n = started;
			await started.waitFor(READY_LINE, options.startTimeoutMs ?? 180_000, () => healthy(baseUrl));
			const failed = notActivated(published, started.logs());
			if (failed.length > 0) {
				throw new Error(
					`n8n started but did not activate ${failed.map((w) => `"${w.name}" (${w.id})`).join(', ')}. ` +
						`Last log lines:\n${tail(started.logs(), 40)}`,
				);
			}
			return started;
		};
		const folder = userFolder;
		let current = await launch();

		const n8nFolder = path.join(folder, '.n8n');
		const readExecutions = sqliteExecutions(install, n8nFolder);
		return {
			baseUrl,
			userFolder: folder,
			get pid() {
				return current.pid;
			},
			get exited() {
				return current.exited;
			},
			webhookUrl: (webhookPath) => `${baseUrl}/webhook/${webhookPath.replace(/^\/+/, '')}`,
			logs: () => current.logs(),
			executions: readExecutions,
			waitForExecutions: (workflowId, count, timeoutMs = 30_000) =>
				waitForEnded(readExecutions, () => current.logs(), workflowId, count, timeoutMs),
			loadedTypes: () => readLoadedTypes(folder),
			stop,
			kill: () => current.kill(),
			async restart(extra = {}) {
				await current.kill();
				launchEnv = { ...launchEnv, ...extra };
				current = await launch();
			},
		};
	} catch (error) {
		await stop();
		const reason = error instanceof Error ? error.message : String(error);
		throw new Error(`startN8n: ${reason}`);
	}
}

/** n8n writes the types it loaded to `<userFolder>/.cache/n8n/public/types` for its editor. */
function readLoadedTypes(userFolder: string): LoadedTypes {
	const typesDir = path.join(userFolder, '.cache', 'n8n', 'public', 'types');
	const read = (file: string): Array<{ name: string; iconUrl?: unknown }> =>
		JSON.parse(fs.readFileSync(path.join(typesDir, file), 'utf8')) as Array<{
			name: string;
			iconUrl?: unknown;
		}>;
	return {
		nodes: read('nodes.json').map((node) => node.name),
		credentials: read('credentials.json').map(({ name, iconUrl }) => ({ name, iconUrl })),
	};
}
