/** jest globalTeardown of the e2e project: stops any n8n, Redis or PostgreSQL a test did not stop and removes its files. */
import { endRun, RUN_DIR_ENV } from '../../../tools/n8n/processes';

export default function globalTeardown(): void {
	const runDir = process.env[RUN_DIR_ENV];
	if (!runDir) return;
	const killed = endRun(runDir);
	if (killed > 0) console.warn(`[e2e] stopped ${killed} process(es) a test left running`);
}
