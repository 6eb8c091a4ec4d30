/**
 * Queue-mode send benchmark: how close several executions on several workers get to one sender
 * number's limit together, next to the same executions in a single n8n process.
 *
 * The workload (issue 8): 3 executions of 1,000 opted-in contacts each, started together, every
 * one a Webhook -> Code (1,000 items) -> WhatsApp Send Template (utility template order_update,
 * an idempotency key per item). Each tier has its own Cloud API credential with that number and
 * Messages Per Second = the tier, and the node's Rate Limit = the tier. The sandbox is the Cloud API in
 * this process with 150 ms latency before every answer and the limit of the sender's tier
 * (130429 above it). Two tiers: the seed's number with 80 msg/s and the one with 1,000 msg/s.
 *   - single: one `n8n start` (tools/n8n/n8n.ts), the embedded SQLite store;
 *   - queue: main + 2 workers + 2 webhook processors, Redis, PostgreSQL and the PostgreSQL store
 *     (tools/n8n/queue.ts); the 3 requests alternate between the webhook processors.
 * Consent is recorded through the Opt-in Manager (Bulk > Import) in each deployment first.
 *
 * Per run: the combined rate from the first to the last message the sandbox accepted, as a ratio
 * of the sender's limit; the 130429 answers the sandbox gave (every one, retried ones included);
 * executions that succeeded; contacts that got no message or more than one.
 *
 * Run (after `npm run build`: the harness packs dist/; the first run installs n8n, about 5 min):
 *   node --require ./scripts/register-ts.js bench/queue.ts
 * Environment:
 *   BENCH_EACH=1000              contacts per execution (default 1000)
 *   BENCH_EXECUTIONS=3           executions started together (default 3)
 *   BENCH_TIERS=80,1000          sender tiers (default both)
 *   BENCH_DEPLOYMENTS=single,queue  (default both)
 *   BENCH_WORKERS=2              queue-mode workers (default 2)
 *   BENCH_LATENCY_MS=150         sandbox latency per Graph API call (default 150)
 * Prints a markdown table and writes it to bench/results/queue.md.
 */
import { randomBytes } from 'node:crypto';

import { startSandbox, type Sandbox } from '../sandbox/server';
import { runDir } from '../tools/n8n/commands';
import {
	batchConsentRows,
	batchPhone,
	batchWorkflow,
	consentImportWorkflow,
	messagesPerContact,
	postJson,
	SandboxErrorCounts,
	sandboxTierCredential,
	sendTemplateNode,
	withStore,
} from '../tools/n8n/fixtures';
import { ensureN8nInstalled } from '../tools/n8n/install';
import {
	startN8n,
	type CredentialFixture,
	type N8nExecution,
	type WorkflowFixture,
} from '../tools/n8n/n8n';
import { endRunOnExit } from '../tools/n8n/processes';
import { startN8nQueue } from '../tools/n8n/queue';
import { fixed, loadAverages, machineLine, publishReport, runBenchmark } from './report';

const EACH = Number(process.env.BENCH_EACH ?? 1000);
const EXECUTIONS = Number(process.env.BENCH_EXECUTIONS ?? 3);
const TIERS = (process.env.BENCH_TIERS ?? '80,1000').split(',').map(Number);
const DEPLOYMENTS = (process.env.BENCH_DEPLOYMENTS ?? 'single,queue').split(',');
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 150);
const RESULTS = 'queue.md';

/** The seed's numbers by throughput tier. */
const SENDERS: Record<number, string> = { 80: '731950246618093', 1000: '582204917733610' };
const CONSENT = 'benchQueueConsent';
const CONSENT_PATH = 'bench-queue-consent';
const BATCH = 'benchQueueBatch';
const BATCH_PATH = 'bench-queue-batch';

/** What a run needs from either deployment. */
interface Deployment {
	readonly label: string;
	/** The batch webhook of a tier for request `n` (queue mode: alternating webhook processors). */
	batchUrl(tier: number, n: number): string;
	consentUrl(): string;
	/** Waits for the tier's batch workflow to have `count` ended executions. */
	ended(tier: number, count: number): Promise<N8nExecution[]>;
	workerOf(execution: N8nExecution): string | undefined;
	stop(): Promise<void>;
}

interface RunResult {
	deployment: string;
	tier: number;
	accepted: number;
	seconds: number;
	rate: number;
	answers130429: number;
	succeeded: number;
	unsent: number;
	sentTwice: number;
	workers: string;
	failures: string[];
	loadBefore: string;
	loadAfter: string;
}

function senderOf(tier: number): string {
	const sender = SENDERS[tier];
	if (!sender) throw new Error(`no seed number with the tier ${tier}/s (80 or 1000)`);
	return sender;
}

const batchId = (tier: number) => `${BATCH}${tier}`;
const batchPath = (tier: number) => `${BATCH_PATH}-${tier}`;

/**
 * The credentials and workflows of either deployment: the consent import, and per tier a batch
 * workflow whose Cloud API credential sends from that tier's number at that rate.
 */
function fixtures(sandbox: Sandbox): {
	credentials: CredentialFixture[];
	workflows: WorkflowFixture[];
} {
	const credentials = TIERS.map((tier) => sandboxTierCredential(sandbox, senderOf(tier), tier));
	return {
		credentials,
		workflows: [
			consentImportWorkflow(CONSENT, 'bench: import consent', CONSENT_PATH),
			...TIERS.map((tier, i) =>
				batchWorkflow(
					batchId(tier),
					`bench: order updates at ${tier}/s`,
					batchPath(tier),
					sendTemplateNode({ rateLimit: 'fromItem', credential: credentials[i] }),
				),
			),
		],
	};
}

async function single(sandbox: Sandbox): Promise<Deployment> {
	const n8n = await startN8n(fixtures(sandbox));
	return {
		label: 'single process (SQLite store)',
		batchUrl: (tier) => n8n.webhookUrl(batchPath(tier)),
		consentUrl: () => n8n.webhookUrl(CONSENT_PATH),
		ended: (tier, count) => n8n.waitForExecutions(batchId(tier), count, 30 * 60_000),
		workerOf: () => 'main',
		stop: () => n8n.stop(),
	};
}

async function queue(sandbox: Sandbox): Promise<Deployment> {
	const { credentials, workflows } = fixtures(sandbox);
	const deployment = await startN8nQueue({
		credentials,
		workflows: workflows.map((workflow) => withStore(workflow)),
		workers: WORKERS,
	});
	return {
		label: `queue mode, ${WORKERS} workers (PostgreSQL store)`,
		batchUrl: (tier, n) =>
			deployment.webhookUrl(batchPath(tier), n % deployment.webhookProcessors.length),
		consentUrl: () => deployment.webhookUrl(CONSENT_PATH),
		ended: (tier, count) => deployment.waitForExecutions(batchId(tier), count, 30 * 60_000),
		workerOf: (execution) => deployment.workerOf(execution.id),
		stop: () => deployment.stop(),
	};
}

async function recordConsent(deployment: Deployment): Promise<void> {
	const rows = batchConsentRows(EXECUTIONS * EACH);
	const imported = await postJson(deployment.consentUrl(), { rows });
	if (imported.status !== 200) {
		throw new Error(`consent import answered ${imported.status}: ${JSON.stringify(imported.json)}`);
	}
}

async function run(
	deployment: Deployment,
	sandbox: Sandbox,
	errors: SandboxErrorCounts,
	tier: number,
): Promise<RunResult> {
	const sender = senderOf(tier);
	const from = sandbox.state.sentMessages().length;
	const runId = `q${tier}-${randomBytes(3).toString('hex')}`;
	errors.take();
	const loadBefore = loadAverages();
	const answers = await Promise.all(
		Array.from({ length: EXECUTIONS }, (_, n) =>
			postJson(deployment.batchUrl(tier, n), {
				count: EACH,
				first: n * EACH,
				sender,
				rate: tier,
				runId: `${runId}-${n}`,
			}),
		),
	);
	const refused = answers.filter((a) => a.status !== 200);
	if (refused.length > 0) throw new Error(`batch webhook answered ${refused[0].status}`);
	const executions = await deployment.ended(tier, EXECUTIONS);
	const sent = sandbox.state
		.sentMessages()
		.slice(from)
		.filter((m) => m.phone_number_id === sender);
	const times = sent.map((m) => Date.parse(m.accepted_at)).sort((a, b) => a - b);
	const seconds = times.length > 1 ? (times.at(-1)! - times[0]) / 1000 : NaN;
	const perContact = messagesPerContact(sent);
	return {
		deployment: deployment.label,
		tier,
		accepted: sent.length,
		seconds,
		rate: (sent.length - 1) / seconds,
		answers130429: errors.take().get(130429) ?? 0,
		succeeded: executions.filter((e) => e.status === 'success').length,
		unsent: EXECUTIONS * EACH - perContact.size,
		sentTwice: [...perContact.values()].filter((n) => n > 1).length,
		workers: [...new Set(executions.map((e) => deployment.workerOf(e) ?? '?'))].sort().join(', '),
		failures: executions
			.map((e) => e.data?.resultData.error?.message)
			.filter((m): m is string => Boolean(m)),
		loadBefore,
		loadAfter: loadAverages(),
	};
}

function table(results: RunResult[]): string {
	const lines = [
		'| Deployment | Sender limit | Accepted | First to last | Combined msg/s | Ratio to the limit | 130429 answers | Executions succeeded | Contacts unsent / sent twice | Ran on | Load before / after |',
		'|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
	];
	for (const r of results) {
		lines.push(
			[
				'',
				r.deployment,
				`${r.tier}/s`,
				`${r.accepted} of ${EXECUTIONS * EACH}`,
				`${fixed(r.seconds)} s`,
				fixed(r.rate),
				fixed(r.rate / r.tier, 3),
				String(r.answers130429),
				`${r.succeeded} of ${EXECUTIONS}`,
				`${r.unsent} / ${r.sentTwice}`,
				r.workers,
				`${r.loadBefore} -> ${r.loadAfter}`,
				'',
			].join(' | '),
		);
	}
	return lines.join('\n').replace(/^ /gm, '').replace(/ $/gm, '');
}

async function main(): Promise<void> {
	endRunOnExit(runDir());
	await ensureN8nInstalled();
	const errors = new SandboxErrorCounts();
	const sandbox = await startSandbox({
		latencyMs: LATENCY_MS,
		log: errors.line,
		// Statuses are not what is measured: no webhook URL is set, so none are posted.
		statusDelaysMs: { sent: 100, delivered: 100, read: null },
	});
	for (let i = 0; i < EXECUTIONS * EACH; i++) {
		sandbox.state.addContact({ wa_id: batchPhone(i).slice(1), name: `Kim ${i}` });
	}
	const header = `${machineLine()} ${EXECUTIONS} executions of ${EACH} contacts started together, sandbox latency ${LATENCY_MS} ms.`;
	const results: RunResult[] = [];
	try {
		for (const kind of DEPLOYMENTS) {
			console.error(`starting the ${kind} deployment...`);
			const deployment = kind === 'queue' ? await queue(sandbox) : await single(sandbox);
			try {
				await recordConsent(deployment);
				for (const tier of TIERS) {
					console.error(`${deployment.label}, ${tier}/s...`);
					const result = await run(deployment, sandbox, errors, tier);
					console.error(
						`  ${result.accepted} accepted in ${fixed(result.seconds)} s: ${fixed(result.rate / tier, 3)} of ${tier}/s, 130429: ${result.answers130429}, succeeded: ${result.succeeded}` +
							(result.failures.length ? `; failed: ${result.failures[0]}` : ''),
					);
					results.push(result);
				}
			} finally {
				await deployment.stop();
			}
		}
	} finally {
		await sandbox.close();
	}
	const failures = results.flatMap((r) =>
		r.failures.map((message) => `- ${r.deployment}, ${r.tier}/s: ${message}`),
	);
	const text = `${header}\n\n${table(results)}\n${failures.length ? `\nExecution errors:\n${[...new Set(failures)].join('\n')}\n` : ''}`;
	publishReport(RESULTS, text);
}

runBenchmark(main);
