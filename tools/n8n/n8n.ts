/**
 * A real n8n process for end-to-end tests, with the packed package installed the way users install
 * community nodes. See tools/n8n/README.md.
 *
 *   const n8n = await startN8n({ credentials, workflows });
 *   await fetch(n8n.webhookUrl('my-path'), { method: 'POST', body });
 *   const [execution] = await n8n.waitForExecutions(workflowId, 1);
 *   await n8n.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import type { IDataObject, IRunExecutionData } from 'n8n-workflow';

import { findInstalledN8n, type N8nInstall } from './install';
import {
	createRunDir,
	currentRunDir,
	endRun,
	registerProcess,
	RUN_DIR_ENV,
	unregisterProcess,
} from './processes';

/** The repository root: what `npm pack` packs. */
const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const PACKAGE_NAME = 'n8n-nodes-whatsapp-compliance';

/** A credential as `n8n import:credentials` reads it; n8n encrypts `data` with the instance key. */
export interface CredentialFixture {
	/** Fixed, so that workflows can refer to it: `credentials: { <type>: { id, name } }`. */
	readonly id: string;
	readonly name: string;
	/** The credential type name, e.g. `whatsAppCloudApi`. */
	readonly type: string;
	/** The fields in clear text. */
	readonly data: IDataObject;
}

/** A workflow as `n8n import:workflow` reads it. */
export interface WorkflowFixture {
	/** Fixed, so that tests can find its executions. */
	readonly id: string;
	/** Unique per instance; activation is recognised in the log by name and id. */
	readonly name: string;
	readonly nodes: readonly IDataObject[];
	readonly connections: IDataObject;
	/** @default { executionOrder: 'v1' } */
	readonly settings?: IDataObject;
	/**
	 * Whether to publish it before n8n starts (n8n 2.x's activation): its triggers and production
	 * webhooks then run.
	 * @default true
	 */
	readonly publish?: boolean;
}

export interface StartN8nOptions {
	/** Imported before workflows. @default [] */
	readonly credentials?: readonly CredentialFixture[];
	/** Imported, then published unless `publish: false`. @default [] */
	readonly workflows?: readonly WorkflowFixture[];
	/** Extra environment for every n8n command; overrides the harness's settings. @default {} */
	readonly env?: Readonly<Record<string, string>>;
	/** How long `n8n start` may take to activate the workflows. @default 180000 */
	readonly startTimeoutMs?: number;
	/** The editor and webhook port. @default a free port */
	readonly port?: number;
}

/** One row of n8n's execution_entity with its execution_data. */
export interface N8nExecution {
	readonly id: string;
	readonly workflowId: string;
	/** new, running, success, error, canceled, crashed or waiting. */
	readonly status: string;
	/** webhook, trigger, manual, cli... */
	readonly mode: string;
	readonly finished: boolean;
	readonly startedAt: Date | undefined;
	readonly stoppedAt: Date | undefined;
	/** Run data as n8n saved it; undefined while n8n has not written it yet. */
	readonly data: IRunExecutionData | undefined;
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
}

/** Settings every test instance runs with; `options.env` may override them. */
const QUIET_ENV: Readonly<Record<string, string>> = {
	DB_TYPE: 'sqlite',
	N8N_LISTEN_ADDRESS: '127.0.0.1',
	N8N_DIAGNOSTICS_ENABLED: 'false',
	N8N_PERSONALIZATION_ENABLED: 'false',
	N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
	N8N_TEMPLATES_ENABLED: 'false',
	N8N_HIRING_BANNER_ENABLED: 'false',
	// Fetches a list from api.n8n.io at start and logs a stack trace when offline.
	N8N_DISABLED_MODULES: 'mcp-registry',
	// The harness reads `Activated workflow` and `Editor is now accessible` lines at level info.
	N8N_LOG_LEVEL: 'info',
	N8N_LOG_OUTPUT: 'console',
	EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
	EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
	EXECUTIONS_DATA_SAVE_MANUAL_EXECUTIONS: 'true',
	GENERIC_TIMEZONE: 'UTC',
	TZ: 'UTC',
};

/** Inherited variables that would change how n8n behaves (a developer's own n8n settings, jest's). */
const INHERITED_ENV_DROPPED = /^(N8N_|DB_|EXECUTIONS_|QUEUE_|WEBHOOK_URL$|NODE_ENV$|NODE_OPTIONS$)/;

const READY_LINE = 'Editor is now accessible via';
const ENDED_STATUSES = new Set(['success', 'error', 'canceled', 'crashed']);
const CLI_TIMEOUT_MS = 3 * 60 * 1000;
const STOP_GRACE_MS = 15 * 1000;
const POLL_MS = 250;

/** This run's folder for processes and the packed tarball; made here when jest's globalSetup did not. */
function runDir(): string {
	const existing = currentRunDir();
	if (existing) return existing;
	// Used outside jest (the demo, the screenshots, a benchmark): removed when this process exits;
	// the next e2e globalSetup removes it if this process was killed before it could.
	const dir = createRunDir(process.pid);
	process.env[RUN_DIR_ENV] = dir;
	process.once('exit', () => endRun(dir));
	return dir;
}

function requireInstall(): N8nInstall {
	const install = findInstalledN8n();
	if (!install) {
		throw new Error(
			'n8n is not installed for the e2e tests. Run them through jest (its globalSetup installs it) or ' +
				'install it by hand: `export PATH=$PWD/node_modules/.bin:$PATH && node tools/n8n/install.ts`',
		);
	}
	return install;
}

/** Environment for npm and n8n: Node 24 first on PATH, nothing inherited that steers n8n. */
function baseEnv(): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (!INHERITED_ENV_DROPPED.test(key)) env[key] = value;
	}
	env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`;
	// The workflows call servers the tests start on 127.0.0.1; a proxy must not get in between.
	const noProxy = [process.env.NO_PROXY, '127.0.0.1', 'localhost'].filter(Boolean).join(',');
	env.NO_PROXY = noProxy;
	env.no_proxy = noProxy;
	return env;
}

interface CommandResult {
	readonly code: number | null;
	readonly output: string;
}

/** Runs a command to its end and returns its exit code and output (stdout and stderr). */
function runCommand(
	command: string,
	args: readonly string[],
	options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CommandResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {
			cwd: options.cwd,
			env: options.env,
			stdio: ['ignore', 'pipe', 'pipe'],
			timeout: options.timeoutMs ?? CLI_TIMEOUT_MS,
			killSignal: 'SIGKILL',
		});
		let output = '';
		child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.on('error', reject);
		child.on('close', (code, signal) =>
			resolve({ code, output: signal ? `${output}\n(killed by ${signal})` : output }),
		);
	});
}

async function runOrThrow(
	what: string,
	command: string,
	args: readonly string[],
	options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<string> {
	const result = await runCommand(command, args, options);
	if (result.code !== 0) {
		throw new Error(`${what} failed (exit code ${result.code}):\n${result.output.trim()}`);
	}
	return result.output;
}

let packed: Promise<string> | undefined;

/**
 * Packs the repository with `npm pack` (once per test run) and returns the tarball's path.
 * Packs what `dist/` holds: the test command builds first (`npm run build`).
 */
export function packPackage(): Promise<string> {
	packed ??= (async () => {
		const destination = path.join(runDir(), 'pack');
		const existing = fs.existsSync(destination)
			? fs.readdirSync(destination).find((file) => file.endsWith('.tgz'))
			: undefined;
		if (existing) return path.join(destination, existing);
		if (!fs.existsSync(path.join(REPO_ROOT, 'dist'))) {
			throw new Error(
				`${REPO_ROOT}/dist does not exist: run \`npm run build\` before the e2e tests`,
			);
		}
		fs.mkdirSync(destination, { recursive: true });
		const output = await runOrThrow(
			'npm pack',
			'npm',
			['pack', '--json', '--pack-destination', destination],
			{ cwd: REPO_ROOT, env: baseEnv() },
		);
		// npm prints lifecycle output before the JSON when the package has pack scripts.
		const [{ filename }] = JSON.parse(output.slice(output.indexOf('['))) as Array<{
			filename: string;
		}>;
		return path.join(destination, filename);
	})();
	packed.catch(() => (packed = undefined));
	return packed;
}

/** Signals a process group; one that has ended already is fine. */
function killGroup(pgid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-pgid, signal);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
	}
}

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

/**
 * Installs the tarball into `<userFolder>/.n8n/nodes` as a user does by hand (`npm install` in that
 * folder; its dependencies come from the registry). Peer dependencies are left out, as n8n's own
 * installer does: the package then uses n8n's n8n-workflow instead of a second copy of another
 * version.
 */
async function installPackage(n8nFolder: string, tarball: string): Promise<void> {
	const nodesDir = path.join(n8nFolder, 'nodes');
	fs.mkdirSync(nodesDir, { recursive: true });
	fs.writeFileSync(
		path.join(nodesDir, 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2),
	);
	await runOrThrow(
		`npm install ${path.basename(tarball)} into ${nodesDir}`,
		'npm',
		['install', tarball, '--omit=peer', '--prefer-offline', '--no-audit', '--no-fund'],
		{ cwd: nodesDir, env: baseEnv() },
	);
}

function validate(options: StartN8nOptions): void {
	const ids = new Set<string>();
	const names = new Set<string>();
	for (const workflow of options.workflows ?? []) {
		if (!workflow.id || ids.has(workflow.id)) {
			throw new Error(
				`startN8n: workflow ids must be set and unique, got ${JSON.stringify(workflow.id)} twice or empty`,
			);
		}
		if (names.has(workflow.name)) {
			throw new Error(`startN8n: workflow names must be unique, got "${workflow.name}" twice`);
		}
		ids.add(workflow.id);
		names.add(workflow.name);
	}
	const credentialIds = new Set<string>();
	for (const credential of options.credentials ?? []) {
		if (!credential.id || credentialIds.has(credential.id)) {
			throw new Error(
				`startN8n: credential ids must be set and unique, got ${JSON.stringify(credential.id)} twice or empty`,
			);
		}
		credentialIds.add(credential.id);
	}
	if (options.startTimeoutMs !== undefined && !(options.startTimeoutMs > 0)) {
		throw new Error(
			`startN8n: startTimeoutMs must be a positive number of milliseconds, got ${options.startTimeoutMs}`,
		);
	}
}

/** SQLite stores n8n's timestamps as 'YYYY-MM-DD HH:MM:SS.SSS' in UTC. */
function parseTimestamp(value: unknown): Date | undefined {
	if (typeof value !== 'string' || value === '') return undefined;
	return new Date(`${value.replace(' ', 'T')}Z`);
}

function tail(text: string, lines: number): string {
	return text.split('\n').slice(-lines).join('\n');
}

/**
 * Starts n8n in a fresh user folder with the packed package installed in `.n8n/nodes`, the given
 * credentials and workflows imported and published. Resolves once n8n has activated the workflows
 * and /healthz answers.
 */
export async function startN8n(options: StartN8nOptions = {}): Promise<N8nInstance> {
	validate(options);
	const install = requireInstall();
	const tarball = await packPackage();
	const run = runDir();
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-e2e-n8n-'));
	const n8nFolder = path.join(userFolder, '.n8n');
	let child: ChildProcess | undefined;
	let output = '';
	let exited: Promise<void> = Promise.resolve();
	let exitStatus: { code: number | null; signal: NodeJS.Signals | null } = {
		code: null,
		signal: null,
	};
	let stopped = false;

	const stop = async (): Promise<void> => {
		if (stopped) return;
		stopped = true;
		if (child?.pid !== undefined) {
			const pgid = child.pid;
			if (child.exitCode === null && child.signalCode === null) {
				// The group: n8n and the task runner it starts.
				killGroup(pgid, 'SIGTERM');
				const killer = setTimeout(() => killGroup(pgid, 'SIGKILL'), STOP_GRACE_MS);
				await exited;
				clearTimeout(killer);
			}
			// n8n is gone; a task runner it did not stop (n8n crashed) must not outlive it.
			killGroup(pgid, 'SIGKILL');
			unregisterProcess(run, pgid);
		}
		if (process.env.WA_E2E_KEEP === '1') {
			fs.writeFileSync(path.join(userFolder, 'n8n-start.log'), output);
			console.log(`[e2e] kept the n8n user folder ${userFolder} (WA_E2E_KEEP=1)`);
		} else {
			fs.rmSync(userFolder, { recursive: true, force: true });
		}
	};

	try {
		const [port, brokerPort] = [options.port ?? (await freePort()), await freePort()];
		const baseUrl = `http://127.0.0.1:${port}`;
		const tmpDir = path.join(userFolder, 'tmp');
		fs.mkdirSync(tmpDir);
		const env: NodeJS.ProcessEnv = {
			...baseEnv(),
			...QUIET_ENV,
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
		const n8n = (what: string, args: readonly string[]): Promise<string> =>
			runOrThrow(what, install.nodePath, [install.n8nBin, ...args], { cwd: userFolder, env });

		await installPackage(n8nFolder, tarball);

		const fixtures = path.join(userFolder, 'fixtures');
		fs.mkdirSync(fixtures);
		if (options.credentials?.length) {
			const file = path.join(fixtures, 'credentials.json');
			fs.writeFileSync(file, JSON.stringify(options.credentials));
			await n8n('n8n import:credentials', ['import:credentials', `--input=${file}`]);
			// Clear-text secrets only live as long as the import.
			fs.rmSync(file);
		}
		const workflows = options.workflows ?? [];
		if (workflows.length > 0) {
			const file = path.join(fixtures, 'workflows.json');
			fs.writeFileSync(
				file,
				JSON.stringify(
					workflows.map(({ publish: _publish, settings, ...workflow }) => ({
						...workflow,
						active: false,
						settings: settings ?? { executionOrder: 'v1' },
					})),
				),
			);
			await n8n('n8n import:workflow', ['import:workflow', `--input=${file}`]);
		}
		const published = workflows.filter((workflow) => workflow.publish !== false);
		for (const workflow of published) {
			await n8n(`n8n publish:workflow --id=${workflow.id}`, [
				'publish:workflow',
				`--id=${workflow.id}`,
			]);
		}

		child = spawn(install.nodePath, [install.n8nBin, 'start'], {
			cwd: userFolder,
			env,
			stdio: ['ignore', 'pipe', 'pipe'],
			// Its own process group, so that stop() ends the task runner it starts as well.
			detached: true,
		});
		const started = child;
		exited = new Promise((resolve) =>
			started.on('exit', (code, signal) => {
				exitStatus = { code, signal };
				resolve();
			}),
		);
		if (started.pid !== undefined) registerProcess(run, { pgid: started.pid, userFolder });
		const collect = (chunk: Buffer): void => {
			output += chunk.toString();
			if (process.env.WA_E2E_LOG === '1') process.stderr.write(chunk);
		};
		started.stdout?.on('data', collect);
		started.stderr?.on('data', collect);

		await waitUntilReady(started, () => output, baseUrl, options.startTimeoutMs ?? 180_000);
		const failed = published.filter(
			(workflow) => !output.includes(`Activated workflow "${workflow.name}" (ID: ${workflow.id})`),
		);
		if (failed.length > 0) {
			throw new Error(
				`n8n started but did not activate ${failed.map((w) => `"${w.name}" (${w.id})`).join(', ')}. ` +
					`Last log lines:\n${tail(output, 40)}`,
			);
		}

		const instance: N8nInstance = {
			baseUrl,
			userFolder,
			webhookUrl: (webhookPath) => `${baseUrl}/webhook/${webhookPath.replace(/^\/+/, '')}`,
			logs: () => output,
			executions: (workflowId) => readExecutions(install, n8nFolder, workflowId),
			waitForExecutions: async (workflowId, count, timeoutMs = 30_000) => {
				const deadline = Date.now() + timeoutMs;
				for (;;) {
					const all = readExecutions(install, n8nFolder, workflowId);
					const ended = all.filter((execution) => ENDED_STATUSES.has(execution.status));
					if (ended.length >= count) return ended;
					if (Date.now() > deadline) {
						throw new Error(
							`Expected ${count} ended execution(s) of workflow ${workflowId} within ${timeoutMs} ms, ` +
								`found ${JSON.stringify(all.map(({ id, status }) => ({ id, status })))}. ` +
								`Last log lines:\n${tail(output, 30)}`,
						);
					}
					await new Promise((resolve) => setTimeout(resolve, POLL_MS));
				}
			},
			loadedTypes: () => readLoadedTypes(userFolder),
			stop,
			exited: exited.then(() => exitStatus),
		};
		return instance;
	} catch (error) {
		await stop();
		const reason = error instanceof Error ? error.message : String(error);
		throw new Error(`startN8n: ${reason}`);
	}
}

async function waitUntilReady(
	child: ChildProcess,
	output: () => string,
	baseUrl: string,
	timeoutMs: number,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (child.exitCode !== null || child.signalCode !== null) {
			throw new Error(
				`n8n start ended (${child.signalCode ?? `exit code ${child.exitCode}`}) before it was ready:\n${tail(output(), 60)}`,
			);
		}
		if (output().includes(READY_LINE)) {
			const health = await fetch(`${baseUrl}/healthz`).catch(() => undefined);
			if (health?.ok) return;
		}
		if (Date.now() > deadline) {
			throw new Error(
				`n8n was not ready within ${timeoutMs} ms (no "${READY_LINE}" line or /healthz failing):\n${tail(output(), 60)}`,
			);
		}
		await new Promise((resolve) => setTimeout(resolve, POLL_MS));
	}
}

/**
 * Reads executions from the SQLite file n8n writes (`.n8n/database.sqlite`): works headless, with
 * no user, login or API key. execution_data.data is stored with `flatted`, loaded from n8n's own
 * dependencies so that the format always matches.
 */
function readExecutions(
	install: N8nInstall,
	n8nFolder: string,
	workflowId: string,
): N8nExecution[] {
	const n8nRequire = createRequire(path.join(install.dir, 'node_modules', 'n8n', 'package.json'));
	const flatted = n8nRequire('flatted') as { parse(text: string): unknown };
	const db = new DatabaseSync(path.join(n8nFolder, 'database.sqlite'), { readOnly: true });
	try {
		const rows = db
			.prepare(
				`SELECT e.id, e.workflowId, e.status, e.mode, e.finished, e.startedAt, e.stoppedAt, d.data
				 FROM execution_entity e LEFT JOIN execution_data d ON d.executionId = e.id
				 WHERE e.workflowId = ? AND e.deletedAt IS NULL ORDER BY e.id`,
			)
			.all(workflowId);
		return rows.map((row) => ({
			id: String(row.id),
			workflowId: String(row.workflowId),
			status: String(row.status),
			mode: String(row.mode),
			finished: Boolean(row.finished),
			startedAt: parseTimestamp(row.startedAt),
			stoppedAt: parseTimestamp(row.stoppedAt),
			data:
				typeof row.data === 'string' && row.data !== ''
					? (flatted.parse(row.data) as IRunExecutionData)
					: undefined,
		}));
	} finally {
		db.close();
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

/** The items a node put on output `index` in its first run; [] when that output stayed empty. */
export function outputItems(
	execution: N8nExecution,
	nodeName: string,
	index: number,
): IDataObject[] {
	const runs = execution.data?.resultData.runData[nodeName];
	if (!runs?.length) {
		const ran = Object.keys(execution.data?.resultData.runData ?? {});
		throw new Error(
			`Node "${nodeName}" did not run in execution ${execution.id}; these did: ${ran.join(', ')}`,
		);
	}
	return (runs[0].data?.main[index] ?? []).map((item) => item.json);
}

/** The items a node put on its first output in its first run. */
export function nodeOutput(execution: N8nExecution, nodeName: string): IDataObject[] {
	return outputItems(execution, nodeName, 0);
}
