/**
 * Running commands for the harness: the environment n8n and npm get, a command run to its end, a
 * free port, a process group signalled, this run's process record folder.
 */
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';

import { createRunDir, currentRunDir, endRun, RUN_DIR_ENV } from './processes';

const CLI_TIMEOUT_MS = 3 * 60 * 1000;

/** Inherited variables that would change how n8n behaves (a developer's own n8n settings, jest's). */
const INHERITED_ENV_DROPPED = /^(N8N_|DB_|EXECUTIONS_|QUEUE_|WEBHOOK_URL$|NODE_ENV$|NODE_OPTIONS$)/;

/** This run's folder for processes and the packed tarball; made here when jest's globalSetup did not. */
export function runDir(): string {
	const existing = currentRunDir();
	if (existing) return existing;
	// Used outside jest (the demo, the screenshots, a benchmark): removed when this process exits;
	// the next e2e globalSetup removes it if this process was killed before it could.
	const dir = createRunDir(process.pid);
	process.env[RUN_DIR_ENV] = dir;
	process.once('exit', () => endRun(dir));
	return dir;
}

/** Environment for npm, n8n and the services: this Node first on PATH, nothing that steers n8n. */
export function baseEnv(): NodeJS.ProcessEnv {
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

export interface CommandResult {
	readonly code: number | null;
	readonly output: string;
}

/** Runs a command to its end and returns its exit code and output (stdout and stderr). */
export function runCommand(
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

/** Runs a command to its end; throws with its output unless it exits with 0. */
export async function runOrThrow(
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

/** Signals a process group; one that has ended already is fine. */
export function killGroup(pgid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-pgid, signal);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
	}
}

export function freePort(): Promise<number> {
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

/** The last `lines` lines of a log. */
export function tail(text: string, lines: number): string {
	return text.split('\n').slice(-lines).join('\n');
}

export const sleep = (ms: number): Promise<void> =>
	new Promise((resolve) => setTimeout(resolve, ms));
