/**
 * Memory benchmark: the peak resident memory of an n8n process that runs one batch of 100,000
 * items through WhatsApp Send Template, next to the same 100,000 items through n8n's No Operation
 * node (what any node that passes items on costs n8n itself).
 *
 * Each workload gets a fresh `n8n start` (tools/n8n/n8n.ts, the packed package, SQLite for n8n and
 * for the compliance store), so that its peak is its own: Webhook -> Code (N items) -> the node.
 * Send Template sends the utility template order_update to N contacts opted in beforehand (the
 * store file is seeded in this process through the core store, before n8n starts, so seeding
 * costs n8n nothing) from the sandbox's 1,000 msg/s number (credential and Rate Limit 1000); the
 * sandbox runs in this process with 150 ms latency. n8n saves every execution's data (the
 * harness's default), as a default n8n does.
 *
 * Peak = VmHWM of the n8n process (/proc/<pid>/status) once the execution has ended; also its
 * VmRSS and VmHWM before the batch (n8n's start can peak above its idle size: a batch that stays
 * below that peak does not show), and the VmHWM of its JavaScript task runner (the Code node runs
 * there). The execution's size: the bytes of its saved run data in n8n's SQLite database.
 *
 * Run (after `npm run build`):
 *   node --require ./scripts/register-ts.js bench/memory.ts
 * Environment:
 *   BENCH_ITEMS=100000     items per batch (default 100000)
 *   BENCH_LATENCY_MS=150   sandbox latency per Graph API call (default 150)
 *   BENCH_WORKLOADS=noop,send,lean,counts,dry  (default noop,send,lean; lean and counts: Send
 *                          Template with Sent Output "Only What Follows Needs" and "Counts Only";
 *                          dry: Send Template with Dry Run, every rule and payload but no request,
 *                          to tell the sending's share from the rest)
 *   BENCH_N8N_NODE_OPTIONS=--trace-gc  NODE_OPTIONS for n8n (with WA_E2E_LOG=1 its output shows:
 *                          the heap after each collection tells live data from garbage)
 * Prints a markdown table and writes it to bench/results/memory.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { DAY } from '../nodes/core/clock';
import type { ConsentEventInput } from '../nodes/core/model';
import { SqliteComplianceStore } from '../nodes/core/store/sqlite';
import { startSandbox } from '../sandbox/server';
import { runDir } from '../tools/n8n/commands';
import {
	batchPhone,
	batchWorkflow,
	postJson,
	sandboxTierCredential,
	sendTemplateNode,
	withStore,
} from '../tools/n8n/fixtures';
import { ensureN8nInstalled } from '../tools/n8n/install';
import { startN8n, type CredentialFixture, type WorkflowFixture } from '../tools/n8n/n8n';
import { sqliteExecutionBytes } from '../tools/n8n/executions';
import { endRunOnExit } from '../tools/n8n/processes';
import { n8nErasureKey } from '../nodes/shared/erasureKey';
import { loadAverages, machineLine, publishReport, runBenchmark } from './report';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 100000);
/** Every workload's n8n has this encryption key: they all open the one seeded store. */
const ENCRYPTION_KEY = randomBytes(24).toString('hex');
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 150);
const WORKLOADS = (process.env.BENCH_WORKLOADS ?? 'noop,send,lean').split(',') as Workload[];
type Workload = 'noop' | 'send' | 'lean' | 'counts' | 'dry';
const WORKLOAD_NAMES: Record<Workload, string> = {
	noop: 'No Operation node',
	send: 'WhatsApp Send Template (sends every item), Sent Output: Every Item',
	lean: 'WhatsApp Send Template, Sent Output: Only What Follows Needs',
	counts: 'WhatsApp Send Template, Sent Output: Counts Only',
	dry: 'WhatsApp Send Template, Dry Run (rules and payloads, no request)',
};
const RESULTS = 'memory.md';
/** The seed's number with throughput 1,000 msg/s. */
const SENDER = '582204917733610';
const BATCH_PATH = 'bench-memory';
const STORE = { id: 'benchMemoryStore', name: 'Bench store (SQLite)' };

/** The SQLite file of the store credential among `credentials`. */
function storePathOf(credentials: CredentialFixture[]): string {
	const store = credentials.find((c) => c.type === 'whatsAppComplianceStoreApi');
	return String(store?.data.sqlitePath);
}

const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;

/** A field of /proc/<pid>/status in kB (VmHWM: the peak resident set; VmRSS: now). */
function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
	const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
		readFileSync(`/proc/${pid}/status`, 'utf8'),
	);
	if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
	return Number(match[1]);
}

/** The other processes of a process group: n8n's task runner. */
function groupMembers(pgid: number): number[] {
	const members: number[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry) || Number(entry) === pgid) continue;
		try {
			// Field 5 of /proc/<pid>/stat, after the command in parentheses.
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			if (Number(fields[2]) === pgid) members.push(Number(entry));
		} catch {
			// Ended meanwhile.
		}
	}
	return members;
}

/** N contacts opted in to transactional messages a day ago, written straight into the store file. */
async function seedStore(path: string): Promise<void> {
	// Sealed with the key the nodes derive from the n8n instances' encryption key, as in n8n.
	const store = new SqliteComplianceStore({
		erasureKey: n8nErasureKey({ N8N_ENCRYPTION_KEY: ENCRYPTION_KEY }),
		path,
	});
	try {
		await store.migrate();
		const at = Date.now() - DAY;
		for (let start = 0; start < ITEMS; start += 5000) {
			const events: ConsentEventInput[] = [];
			for (let i = start; i < Math.min(start + 5000, ITEMS); i++) {
				events.push({
					contact: batchPhone(i).slice(1),
					purpose: 'transactional',
					action: 'opt_in',
					at,
					source: 'web_form',
				});
			}
			await store.recordConsent(events);
		}
	} finally {
		await store.close();
	}
}

interface MemoryResult {
	workload: string;
	status: string;
	seconds: number;
	sent: number;
	rssBeforeKb: number;
	/** VmHWM before the batch: n8n's start may peak above its idle size. */
	peakBeforeKb: number;
	peakKb: number;
	runnerPeakKb: number;
	/** The execution's saved run data in n8n's database. */
	executionBytes: number;
	/** The load averages when the workload's n8n was started (the machine is shared). */
	load: string;
}

async function measure(
	workload: Workload,
	credentials: CredentialFixture[],
	countSent: () => number,
): Promise<MemoryResult> {
	const id = `benchMemory${workload}`;
	const load = loadAverages();
	const node =
		workload === 'noop'
			? { type: 'n8n-nodes-base.noOp', typeVersion: 1, parameters: {} }
			: sendTemplateNode({
					rateLimit: 'fromItem',
					credential: credentials[0],
					dryRun: workload === 'dry',
					...(workload === 'lean' ? { sentOutput: 'essentials' } : {}),
					...(workload === 'counts' ? { sentOutput: 'countsOnly' } : {}),
				});
	const workflow: WorkflowFixture = withStore(
		batchWorkflow(id, `bench: ${workload}`, BATCH_PATH, node),
		STORE,
	);
	// The seeded store file is outside n8n's folders: allow its folder, as an operator would.
	const n8n = await startN8n({
		credentials,
		workflows: [workflow],
		env: {
			N8N_RESTRICT_FILE_ACCESS_TO: dirname(storePathOf(credentials)),
			N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
			...(process.env.BENCH_N8N_NODE_OPTIONS
				? { NODE_OPTIONS: process.env.BENCH_N8N_NODE_OPTIONS }
				: {}),
		},
	});
	try {
		const rssBeforeKb = statusKb(n8n.pid, 'VmRSS');
		const peakBeforeKb = statusKb(n8n.pid, 'VmHWM');
		const sentBefore = countSent();
		const answer = await postJson(n8n.webhookUrl(BATCH_PATH), {
			count: ITEMS,
			sender: SENDER,
			rate: 1000,
			runId: `mem-${randomBytes(3).toString('hex')}`,
		});
		if (answer.status !== 200) throw new Error(`the batch webhook answered ${answer.status}`);
		const [execution] = await n8n.waitForExecutions(id, 1, 60 * 60_000);
		const peakKb = statusKb(n8n.pid, 'VmHWM');
		const runners = groupMembers(n8n.pid);
		return {
			workload: WORKLOAD_NAMES[workload],
			status:
				execution.status === 'success'
					? 'success'
					: `${execution.status}: ${execution.data?.resultData.error?.message ?? ''}`,
			seconds:
				((execution.stoppedAt?.getTime() ?? NaN) - (execution.startedAt?.getTime() ?? NaN)) / 1000,
			sent: countSent() - sentBefore,
			rssBeforeKb,
			peakBeforeKb,
			peakKb,
			runnerPeakKb: Math.max(0, ...runners.map((pid) => statusKb(pid, 'VmHWM'))),
			executionBytes: sqliteExecutionBytes(join(n8n.userFolder, '.n8n'), execution.id),
			load,
		};
	} finally {
		await n8n.stop();
	}
}

async function main(): Promise<void> {
	endRunOnExit(runDir());
	const machine = machineLine();
	await ensureN8nInstalled();
	const dir = mkdtempSync(join(tmpdir(), 'wa-bench-memory-'));
	const sandbox = await startSandbox({
		latencyMs: LATENCY_MS,
		statusDelaysMs: { sent: 100, delivered: 100, read: null },
	});
	const results: MemoryResult[] = [];
	try {
		const storePath = join(dir, 'store.sqlite');
		console.error(`seeding ${ITEMS} opt-ins into ${storePath}...`);
		await seedStore(storePath);
		// First: the Cloud API credential of the 1,000 msg/s number.
		const credentials: CredentialFixture[] = [
			sandboxTierCredential(sandbox, SENDER, 1000),
			{
				...STORE,
				type: 'whatsAppComplianceStoreApi',
				data: { backend: 'sqlite', sqlitePath: storePath },
			},
		];
		const countSent = () => sandbox.state.acceptedTotal();
		for (const workload of WORKLOADS) {
			if (!(workload in WORKLOAD_NAMES)) throw new Error(`unknown workload ${workload}`);
			console.error(`${workload}: ${ITEMS} items...`);
			const result = await measure(workload, credentials, countSent);
			console.error(`  peak ${mb(result.peakKb)} (${result.status}, ${result.seconds} s)`);
			results.push(result);
		}
	} finally {
		await sandbox.close();
		rmSync(dir, { recursive: true, force: true });
	}
	const noop = results.find((r) => r.workload === WORKLOAD_NAMES.noop);
	const lines = [
		`${machine} ${ITEMS} items in one execution, a fresh n8n per workload, SQLite.`,
		'',
		"| Workload | Execution | Messages sent | n8n RSS before the batch (peak so far) | n8n peak RSS (VmHWM) | Peak / No Operation peak | Task runner peak | Execution in n8n's database | Load at its start (1 / 5 / 15 min) |",
		'|---|---|---:|---:|---:|---:|---:|---:|---|',
		...results.map(
			(r) =>
				`| ${r.workload} | ${r.status}, ${r.seconds.toFixed(1)} s | ${r.sent} | ${mb(r.rssBeforeKb)} (${mb(r.peakBeforeKb)}) | ${mb(r.peakKb)} | ${noop ? (r.peakKb / noop.peakKb).toFixed(2) : 'n/a'} | ${mb(r.runnerPeakKb)} | ${(r.executionBytes / 2 ** 20).toFixed(1)} MB | ${r.load} |`,
		),
	];
	const text = `${lines.join('\n')}\n`;
	publishReport(RESULTS, text);
}

runBenchmark(main);
