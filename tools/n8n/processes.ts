/**
 * A record of the processes a test run started (n8n, and in queue mode Redis and PostgreSQL), kept
 * in files so that the jest parent process (globalTeardown, its exit and signal handlers) and the
 * next run can stop what a crashed or interrupted test left behind. Tests run inside jest's
 * sandbox, whose `process.on('exit')` never fires, so the files are the only way to reach the real
 * process.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The environment variable through which globalSetup hands the run folder to the tests. */
export const RUN_DIR_ENV = 'WA_E2E_RUN_DIR';
const RUN_DIR_PREFIX = 'wa-e2e-run-';
const OWNER_FILE = 'owner.pid';

export interface Registration {
	/** The process group: the pid of its leader (n8n and redis-server are spawned as one, pg_ctl
	 * starts PostgreSQL as one). Its children (task runners, PostgreSQL backends) share it. */
	readonly pgid: number;
	/**
	 * A word of the leader's command line (`n8n`, `redis-server`, `postgres`): a recycled pid whose
	 * command line lacks it belongs to somebody else and is left alone.
	 */
	readonly command: string;
	/** Removed together with the process: its user folder, data folder... */
	readonly folders: readonly string[];
	/**
	 * Sent to the leader alone instead of SIGKILL to the group, for a leader that stops its own
	 * children (PostgreSQL's backends are not in its group; SIGQUIT is its immediate shutdown).
	 * @default SIGKILL to the group
	 */
	readonly stopSignal?: NodeJS.Signals;
}

/** The run folder of this jest run, or undefined outside one (a harness used by hand). */
export function currentRunDir(): string | undefined {
	const dir = process.env[RUN_DIR_ENV];
	return dir && fs.existsSync(dir) ? dir : undefined;
}

/** Makes this run's folder; `owner` is the pid whose death marks the run as finished. */
export function createRunDir(owner: number): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${RUN_DIR_PREFIX}${owner}-`));
	fs.writeFileSync(path.join(dir, OWNER_FILE), String(owner));
	return dir;
}

const REGISTRATION = /^process-\d+\.json$/;

function registrationFile(runDir: string, pgid: number): string {
	return path.join(runDir, `process-${pgid}.json`);
}

export function registerProcess(runDir: string | undefined, registration: Registration): void {
	if (!runDir) return;
	fs.writeFileSync(registrationFile(runDir, registration.pgid), JSON.stringify(registration));
}

export function unregisterProcess(runDir: string | undefined, pgid: number): void {
	if (!runDir) return;
	fs.rmSync(registrationFile(runDir, pgid), { force: true });
}

/** True when `pid` still runs `command`: a recycled pid must not get somebody else's group killed. */
function isRunning(pid: number, command: string): boolean {
	try {
		return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(command);
	} catch {
		return false;
	}
}

/**
 * Kills every registered process group and removes its folders. Synchronous so that it can run in
 * an 'exit' handler. Returns how many processes were still running.
 */
export function killRegistered(runDir: string): number {
	let killed = 0;
	let entries: string[];
	try {
		entries = fs.readdirSync(runDir);
	} catch {
		return 0;
	}
	for (const entry of entries.filter((name) => REGISTRATION.test(name))) {
		const file = path.join(runDir, entry);
		try {
			const registration = JSON.parse(fs.readFileSync(file, 'utf8')) as Registration;
			if (isRunning(registration.pgid, registration.command)) {
				if (registration.stopSignal) process.kill(registration.pgid, registration.stopSignal);
				else process.kill(-registration.pgid, 'SIGKILL');
				killed++;
			}
			for (const folder of registration.folders) {
				fs.rmSync(folder, { recursive: true, force: true });
			}
		} catch {
			// Already gone, or half written by a process killed mid-write: nothing left to stop.
		}
		fs.rmSync(file, { force: true });
	}
	return killed;
}

/** Ends a run: kills what is still registered and removes the run folder (and the packed tarball). */
export function endRun(runDir: string): number {
	const killed = killRegistered(runDir);
	fs.rmSync(runDir, { recursive: true, force: true });
	return killed;
}

/**
 * Ends the run whatever ends this process (exit, Ctrl-C, SIGTERM, SIGHUP). For the process that
 * owns the run: jest's parent (globalSetup) or a benchmark script.
 */
export function endRunOnExit(runDir: string): void {
	process.once('exit', () => endRun(runDir));
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
		process.once(signal, () => {
			endRun(runDir);
			// Keep the default behaviour (exit) unless somebody else handles the signal.
			if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
		});
	}
}

/** Stops what earlier runs whose jest process died (SIGKILL, crash) left running, and removes them. */
export function reapStaleRuns(): number {
	let killed = 0;
	for (const entry of fs.readdirSync(os.tmpdir())) {
		if (!entry.startsWith(RUN_DIR_PREFIX)) continue;
		const dir = path.join(os.tmpdir(), entry);
		let owner: number;
		try {
			owner = Number(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8'));
		} catch {
			continue;
		}
		if (owner && isAlive(owner)) continue;
		killed += endRun(dir);
	}
	return killed;
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}
