/**
 * One long-running n8n command (`n8n start`, `n8n worker`, `n8n webhook`) in its own process group,
 * recorded in the run folder, with its output collected.
 */
import { spawn, type ChildProcess } from 'node:child_process';

import { killGroup, sleep, tail } from './commands';
import type { N8nInstall } from './install';
import { registerProcess, unregisterProcess } from './processes';

const STOP_GRACE_MS = 15 * 1000;
const POLL_MS = 250;

export interface N8nProcess {
	/** e.g. `main`, `worker-1`: prefixes its lines with WA_E2E_LOG=1. */
	readonly name: string;
	/** Its pid, also the process group of it and the task runner it starts. */
	readonly pid: number;
	/** Everything it printed so far. */
	logs(): string;
	/**
	 * Resolves once its output has `line` and `ready()` (if given) resolves true; rejects when the
	 * process ends first or after `timeoutMs`, with its last lines.
	 */
	waitFor(line: string, timeoutMs: number, ready?: () => Promise<boolean>): Promise<void>;
	/** SIGTERM to the group, SIGKILL after 15 s; waits for the end. Idempotent. */
	stop(): Promise<void>;
	/**
	 * SIGKILL to the group at once (n8n and its task runner), as a crash or an out-of-memory kill
	 * would end it: nothing is flushed or stopped in order. Waits for the end.
	 */
	kill(): Promise<void>;
	/** Resolves when the process has ended, however (stop(), kill(), a signal from outside). */
	readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnN8nOptions {
	readonly name: string;
	readonly cwd: string;
	readonly env: NodeJS.ProcessEnv;
	/** The run folder it is recorded in; undefined records nothing. */
	readonly runDir: string | undefined;
	/** Removed if the run ends with the process still recorded (a killed test). */
	readonly folders: readonly string[];
}

/**
 * WA_N8N_CPU_PROF=<folder>: every n8n process writes a V8 CPU profile there when it exits (open it
 * in Chrome's DevTools, Performance tab), to see where a benchmark's time goes inside n8n.
 */
function profileArgs(): string[] {
	const folder = process.env.WA_N8N_CPU_PROF;
	return folder ? ['--cpu-prof', `--cpu-prof-dir=${folder}`] : [];
}

/** Starts `n8n <args>` as the leader of its own process group. */
export function spawnN8n(
	install: N8nInstall,
	args: readonly string[],
	options: SpawnN8nOptions,
): N8nProcess {
	const child: ChildProcess = spawn(install.nodePath, [...profileArgs(), install.n8nBin, ...args], {
		cwd: options.cwd,
		env: options.env,
		stdio: ['ignore', 'pipe', 'pipe'],
		// Its own process group, so that stop() ends the task runner it starts as well.
		detached: true,
	});
	if (child.pid === undefined) throw new Error(`n8n ${args.join(' ')} could not be started`);
	const pid = child.pid;
	registerProcess(options.runDir, { pgid: pid, command: 'n8n', folders: options.folders });
	const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
		child.on('exit', (code, signal) => resolve({ code, signal })),
	);
	const hasEnded = () => child.exitCode !== null || child.signalCode !== null;
	let output = '';
	const collect = (chunk: Buffer): void => {
		output += chunk.toString();
		if (process.env.WA_E2E_LOG === '1') {
			process.stderr.write(
				options.name === 'main'
					? chunk
					: chunk.toString().replace(/^(?=.)/gm, `[${options.name}] `),
			);
		}
	};
	child.stdout?.on('data', collect);
	child.stderr?.on('data', collect);
	let stopping: Promise<void> | undefined;

	return {
		name: options.name,
		pid,
		exited,
		logs: () => output,
		async waitFor(line, timeoutMs, ready) {
			const deadline = Date.now() + timeoutMs;
			for (;;) {
				if (hasEnded()) {
					throw new Error(
						`n8n ${args[0]} (${options.name}) ended (${child.signalCode ?? `exit code ${child.exitCode}`}) before it was ready:\n${tail(output, 60)}`,
					);
				}
				if (output.includes(line) && (!ready || (await ready()))) return;
				if (Date.now() > deadline) {
					throw new Error(
						`n8n ${args[0]} (${options.name}) was not ready within ${timeoutMs} ms (no "${line}" line${ready ? ' or not answering' : ''}):\n${tail(output, 60)}`,
					);
				}
				await sleep(POLL_MS);
			}
		},
		stop() {
			stopping ??= (async () => {
				if (!hasEnded()) {
					killGroup(pid, 'SIGTERM');
					const killer = setTimeout(() => killGroup(pid, 'SIGKILL'), STOP_GRACE_MS);
					await exited;
					clearTimeout(killer);
				}
				// n8n is gone; a task runner it did not stop (n8n crashed) must not outlive it.
				killGroup(pid, 'SIGKILL');
				unregisterProcess(options.runDir, pid);
			})();
			return stopping;
		},
		kill() {
			stopping ??= (async () => {
				killGroup(pid, 'SIGKILL');
				await exited;
				unregisterProcess(options.runDir, pid);
			})();
			return stopping;
		},
	};
}
