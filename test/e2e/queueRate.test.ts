/**
 * One rate budget per sender number across n8n's queue mode (issue 8): 3 executions of 1,000
 * opted-in contacts each, started together on 2 workers at the default Rate Limit, sending from
 * a number the sandbox limits to 80 messages/s with 150 ms latency, as a self-hosted user would
 * after scaling out. Counts only: no 130429, every execution succeeds, every contact gets exactly
 * one message. (How fast is bench/queue.ts's question, not this test's.) And a node's own Rate
 * Limit (issue 19): the same workflow with Rate Limit 10 run by both workers at once keeps to 10
 * messages/s together.
 */
import { startSandbox, type Sandbox } from '../../sandbox/server';
import {
	batchConsentRows,
	batchPhone,
	batchWorkflow,
	consentImportWorkflow,
	messagesPerContact,
	postJson,
	sandboxCredential,
	SandboxErrorCounts,
	sendTemplateNode,
	withStore,
} from '../../tools/n8n/fixtures';
import { startN8nQueue, type N8nQueue } from '../../tools/n8n/queue';

const CONSENT = 'e2eRateConsent';
const CONSENT_PATH = 'e2e-rate-consent';
const BATCH = 'e2eRateBatch';
const BATCH_PATH = 'e2e-rate-batch';
/** The same batch workflow with a Rate Limit from the request (Options > Rate Limit). */
const CAPPED = 'e2eRateCapped';
const CAPPED_PATH = 'e2e-rate-capped';
const NODE_RATE = 10;
const CAPPED_EACH = 40;
/** The seed's number with throughput 80 (the sandbox answers 130429 above it). */
const SENDER = '731950246618093';
const EXECUTIONS = 3;
const CONTACTS_EACH = 1000;
const CONTACTS = EXECUTIONS * CONTACTS_EACH;
/** The capped case's contacts follow the others'. */
const CAPPED_FIRST = CONTACTS;
const ALL_CONTACTS = CONTACTS + 2 * CAPPED_EACH;

let sandbox: Sandbox;
let queue: N8nQueue;
const errors = new SandboxErrorCounts();

beforeAll(async () => {
	sandbox = await startSandbox({
		latencyMs: 150,
		log: errors.line,
		statusDelaysMs: { sent: 100, delivered: 100, read: null },
	});
	queue = await startN8nQueue({
		credentials: [sandboxCredential(sandbox)],
		workflows: [
			withStore(consentImportWorkflow(CONSENT, 'e2e: import consent', CONSENT_PATH)),
			// Rate Limit left out: the default, as almost every user leaves it.
			withStore(batchWorkflow(BATCH, 'e2e: order updates', BATCH_PATH, sendTemplateNode())),
			withStore(
				batchWorkflow(
					CAPPED,
					'e2e: order updates at a Rate Limit',
					CAPPED_PATH,
					sendTemplateNode({ rateLimit: 'fromItem' }),
				),
			),
		],
	});
	for (let i = 0; i < ALL_CONTACTS; i++) {
		sandbox.state.addContact({ wa_id: batchPhone(i).slice(1), name: `Kim ${i}` });
	}
	const rows = batchConsentRows(ALL_CONTACTS);
	const imported = await postJson(queue.webhookUrl(CONSENT_PATH), { rows });
	expect(imported).toEqual({
		status: 200,
		json: expect.objectContaining({ rows: ALL_CONTACTS, failed: 0 }),
	});
}, 8 * 60_000);

afterAll(async () => {
	await queue?.stop();
	await sandbox?.close();
}, 60_000);

it(
	'sends 3 concurrent batches of 1,000 on 2 workers within one sender limit: no 130429, all succeed, one message each',
	async () => {
		errors.take();
		const answers = await Promise.all(
			Array.from({ length: EXECUTIONS }, (_, n) =>
				postJson(queue.webhookUrl(BATCH_PATH, n % 2), {
					count: CONTACTS_EACH,
					first: n * CONTACTS_EACH,
					sender: SENDER,
					runId: `rate-${n}`,
				}),
			),
		);
		expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
		const executions = await queue.waitForExecutions(BATCH, EXECUTIONS, 8 * 60_000);
		const counts = errors.take();
		const perContact = messagesPerContact(sandbox.state.sentMessages());
		const unsent = Array.from({ length: CONTACTS }, (_, i) => batchPhone(i).slice(1)).filter(
			(waId) => !perContact.has(waId),
		);
		const summary = {
			answers130429: counts.get(130429) ?? 0,
			statuses: executions.map((e) => e.status),
			workers: [...new Set(executions.map((e) => queue.workerOf(e.id)))].sort(),
			unsent: unsent.length,
			sentTwice: [...perContact.values()].filter((n) => n > 1).length,
		};
		// One line with every count, so a failing run says all of what went wrong at once.
		const failures = executions.map((e) => e.data?.resultData.error?.message).filter(Boolean);
		console.log(`[queue rate] ${JSON.stringify({ ...summary, failures })}`);
		expect(summary).toEqual({
			answers130429: 0,
			statuses: ['success', 'success', 'success'],
			workers: ['worker-1', 'worker-2'],
			unsent: 0,
			sentTwice: 0,
		});
	},
	10 * 60_000,
);

it(
	'keeps a node’s Rate Limit of 10/s for the node as a whole when two workers run its workflow at once',
	async () => {
		const answers = await Promise.all(
			[0, 1].map((n) =>
				postJson(queue.webhookUrl(CAPPED_PATH, n), {
					count: CAPPED_EACH,
					first: CAPPED_FIRST + n * CAPPED_EACH,
					sender: SENDER,
					rate: NODE_RATE,
					runId: `capped-${n}`,
				}),
			),
		);
		expect(answers.map((a) => a.status)).toEqual([200, 200]);
		const executions = await queue.waitForExecutions(CAPPED, 2, 4 * 60_000);
		const contacts = new Set(
			Array.from({ length: 2 * CAPPED_EACH }, (_, i) => batchPhone(CAPPED_FIRST + i).slice(1)),
		);
		const times = sandbox.state
			.sentMessages()
			.filter((m) => contacts.has(m.to))
			.map((m) => Date.parse(m.accepted_at))
			.sort((a, b) => a - b);
		// The most messages accepted in any one second, and how long all of them took.
		const busiestSecond = Math.max(
			...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length),
		);
		const summary = {
			statuses: executions.map((e) => e.status),
			workers: [...new Set(executions.map((e) => queue.workerOf(e.id)))].sort(),
			sent: times.length,
		};
		console.log(
			`[queue node rate] ${JSON.stringify({ ...summary, busiestSecond, seconds: (times[times.length - 1] - times[0]) / 1000 })}`,
		);
		expect(summary).toEqual({
			statuses: ['success', 'success'],
			workers: ['worker-1', 'worker-2'],
			sent: 2 * CAPPED_EACH,
		});
		// 10/s with a tenth of a second of burst, and a message of jitter at each edge; two
		// budgets of their own would have let about 20 through in a second.
		expect(busiestSecond).toBeLessThanOrEqual(NODE_RATE + 3);
		// 80 messages at 10/s take about 8 s (at 20/s they would take 4).
		expect(times[times.length - 1] - times[0]).toBeGreaterThanOrEqual(
			((2 * CAPPED_EACH - NODE_RATE) / NODE_RATE) * 1000,
		);
	},
	6 * 60_000,
);
