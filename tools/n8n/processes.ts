/**
 * A record of the n8n processes a test run started, kept in files so that the jest parent process
 * (globalTeardown, its exit and signal handlers) and the next run can stop what a crashed or
 * interrupted test left behind. Tests run inside jest's sandbox, whose `process.on('exit')` never
 * fires, so the files are the only way to reach the real process.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The environment variable through which globalSetup hands the run folder to the tests. */
export const RUN_DIR_ENV = 'WA_E2E_RUN_DIR';
const RUN_DIR_PREFIX = 'wa-e2e-run-';
const OWNER_FILE = 'owner.pid';

interface Registration {
	/** The process group of `n8n start` (its pid: it is spawned as a group leader). */
	readonly pgid: number;
	/** Removed together with the process. */
	readonly userFolder: string;
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

function registrationFile(runDir: string, pgid: number): string {
	return path.join(runDir, `n8n-${pgid}.json`);
}

export function registerProcess(runDir: string | undefined, registration: Registration): void {
	if (!runDir) return;
	fs.writeFileSync(registrationFile(runDir, registration.pgid), JSON.stringify(registration));
}

export function unregisterProcess(runDir: string | undefined, pgid: number): void {
	if (!runDir) return;
	fs.rmSync(registrationFile(runDir, pgid), { force: true });
}

/** True when `pid` still runs n8n: a recycled pid must not get somebody else's group killed. */
function isN8nProcess(pid: number): boolean {
	try {
		return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('n8n');
	} catch {
		return false;
	}
}

/**
 * Kills every registered n8n process group and removes its user folder. Synchronous so that it can
 * run in an 'exit' handler. Returns how many processes were still running.
 */
export function killRegistered(runDir: string): number {
	let killed = 0;
	let entries: string[];
	try {
		entries = fs.readdirSync(runDir);
	} catch {
		return 0;
	}
	for (const entry of entries.filter((name) => /^n8n-\d+\.json$/.test(name))) {
		const file = path.join(runDir, entry);
		try {
			const registration = JSON.parse(fs.readFileSync(file, 'utf8')) as Registration;
			if (isN8nProcess(registration.pgid)) {
				process.kill(-registration.pgid, 'SIGKILL');
				killed++;
			}
			fs.rmSync(registration.userFolder, { recursive: true, force: true });
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
