/**
 * jest globalSetup of the e2e project: installs the pinned n8n (once; minutes the first time),
 * stops what crashed earlier runs left running, and opens this run's process record. Runs in the
 * jest parent process, so the exit and signal handlers registered here are the real ones.
 */
import { ensureN8nInstalled } from '../../../tools/n8n/install';
import {
	createRunDir,
	endRunOnExit,
	reapStaleRuns,
	RUN_DIR_ENV,
} from '../../../tools/n8n/processes';

export default async function globalSetup(): Promise<void> {
	const reaped = reapStaleRuns();
	if (reaped > 0)
		console.warn(`[e2e] stopped ${reaped} process(es) left running by an earlier run`);
	try {
		await ensureN8nInstalled();
	} catch (error) {
		const reason = error instanceof Error ? error.message : String(error);
		throw new Error(
			`The e2e tests need n8n installed and it could not be: ${reason}\n` +
				'Retry by hand with `export PATH=$PWD/node_modules/.bin:$PATH && node tools/n8n/install.ts`, ' +
				'or run only the fast tests with `npm run test:fast`. See tools/n8n/README.md.',
		);
	}
	const runDir = createRunDir(process.pid);
	process.env[RUN_DIR_ENV] = runDir;
	// Nothing may outlive the run, whatever ends it.
	endRunOnExit(runDir);
}
