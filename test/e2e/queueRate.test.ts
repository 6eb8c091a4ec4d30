/**
 * One rate budget per sender number across n8n's queue mode (issue 8): 3 executions of 1,000
 * opted-in contacts each, started together on 2 workers at the default Rate Limit, sending from
 * a number the sandbox limits to 80 messages/s with 150 ms latency, as a self-hosted user would
 * after scaling out. Counts only: no 130429, every execution succeeds, every contact gets exactly
 * one message. (How fast is bench/queue.ts's question, not this test's.)
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
/** The seed's number with throughput 80 (the sandbox answers 130429 above it). */
const SENDER = '731950246618093';
const EXECUTIONS = 3;
const CONTACTS_EACH = 1000;
const CONTACTS = EXECUTIONS * CONTACTS_EACH;

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
		],
	});
	for (let i = 0; i < CONTACTS; i++) {
		sandbox.state.addContact({ wa_id: batchPhone(i).slice(1), name: `Kim ${i}` });
	}
	const rows = batchConsentRows(CONTACTS);
	const imported = await postJson(queue.webhookUrl(CONSENT_PATH), { rows });
	expect(imported).toEqual({
		status: 200,
		json: expect.objectContaining({ rows: CONTACTS, failed: 0 }),
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
