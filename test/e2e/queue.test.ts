/**
 * The package in n8n's queue mode, as self-hosted users scale out: Redis, PostgreSQL, one main
 * process, 2 workers and 2 webhook processors, each with its own user folder and the packed
 * package, every WhatsApp node on the PostgreSQL compliance store (tools/n8n/queue.ts). The
 * sandbox is the Cloud API; its signed webhooks go to the webhook processors, executions run on
 * the workers, and what was sent is observed at the sandbox. One deployment serves every case.
 */
import type { IDataObject } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../sandbox/server';
import { outputItems, type N8nExecution, type WorkflowFixture } from '../../tools/n8n/n8n';
import {
	batchConsentRows,
	batchPhone,
	batchWorkflow,
	consentImportWorkflow,
	type ConsentRow,
	control,
	loadExamples,
	postJson,
	sandboxCredential,
	sendTemplateNode,
	waitFor,
	withStore,
} from '../../tools/n8n/fixtures';
import { CLAIM_LEASE_MS } from '../../nodes/core/policy/idempotency';
import { PostgresComplianceStore } from '../../nodes/core/store/postgres';
import { SWEEP_MS } from '../../nodes/WhatsAppWebhookTrigger/deliverer';
import { startN8nQueue, type N8nQueue } from '../../tools/n8n/queue';
import { n8nErasureKey } from '../../nodes/shared/erasureKey';

const STOP_EXAMPLE = 'waExHandleStop01';
const INBOX = 'waExSupportInbox';
const TRACKER = 'waExStatusTrack1';
const BACK_IN_STOCK = 'waExBackInStock1';
const TRIGGER_PATH = 'whatsapp-optout';
/** The one callback URL of the sandbox's Meta app: the support inbox's trigger. */
const CALLBACK_PATH = 'whatsapp-inbox';
const TRIGGER_NODE = 'WhatsApp Webhook Trigger';
const CONSENT = 'e2eQueueConsent';
const CONSENT_PATH = 'e2e-queue-consent';
const BATCH = 'e2eQueueBatch';
const BATCH_PATH = 'e2e-queue-batch';
/** The STOP example without a store credential: the embedded SQLite store, refused in queue mode. */
const EMBEDDED = 'e2eQueueEmbedded';
const EMBEDDED_PATH = 'whatsapp-embedded-store';

/** Seed contacts (sandbox/seed.json). */
const LENA = '4915112345601';
const JONAS = '4917612345602';
const JUERGEN = '4915208765403';
/** Contacts of the one-app cases only, so that no other case counts their messages. */
const MILA = '4915700000101';
const PIA = '4915700000102';
/** The seed's number with throughput 80, the credential's. */
const SENDER = '731950246618093';
/** Contacts of the same-key case (batchPhone 0..99). */
const SAME_KEY_CONTACTS = 100;
/** Contacts of the killed-worker case (batchPhone 100..699). */
const CRASH_FIRST = 100;
const CRASH_CONTACTS = 600;

const ENDED = new Set(['success', 'error', 'canceled', 'crashed']);
const DAY_MS = 24 * 60 * 60 * 1000;

let sandbox: Sandbox;
let queue: N8nQueue;

const examples = loadExamples();
const example = (id: string): WorkflowFixture => {
	const found = examples.find((w) => w.id === id);
	if (!found) throw new Error(`examples/ has no workflow ${id}`);
	return found;
};

/** The STOP example as it would be left without selecting the store: its own path, no credential. */
function embeddedStoreCopy(): WorkflowFixture {
	const stop = example(STOP_EXAMPLE);
	return {
		...stop,
		id: EMBEDDED,
		name: `${stop.name} (embedded store)`,
		nodes: stop.nodes.map((node) =>
			node.name === TRIGGER_NODE
				? {
						...node,
						webhookId: 'e2e-embedded-store-trigger',
						parameters: { ...(node.parameters as IDataObject), path: EMBEDDED_PATH },
					}
				: node,
		),
	};
}

function triggerItems(execution: N8nExecution): IDataObject[] {
	return execution.data?.resultData.runData[TRIGGER_NODE]?.length
		? outputItems(execution, TRIGGER_NODE, 0)
		: [];
}

/** waitFor with the last lines of every process's log on a timeout. */
const waitForQueue = <T>(
	probe: () => T | undefined | Promise<T | undefined>,
	what: string,
	timeoutMs = 60_000,
): Promise<T> =>
	waitFor(
		probe,
		what,
		timeoutMs,
		() => `Last log lines:\n${queue.logs().split('\n').slice(-40).join('\n')}`,
	);

/** The ended executions of a workflow (the STOP example by default) whose trigger emitted this message. */
async function executionsWith(
	messageId: string,
	workflowId = STOP_EXAMPLE,
): Promise<N8nExecution[]> {
	return (await queue.executions(workflowId))
		.filter((e) => ENDED.has(e.status))
		.filter((e) => triggerItems(e).some((item) => item.messageId === messageId));
}

async function executionWith(messageId: string, workflowId = STOP_EXAMPLE): Promise<N8nExecution> {
	const [execution] = await waitForQueue(async () => {
		const found = await executionsWith(messageId, workflowId);
		return found.length > 0 ? found : undefined;
	}, `an execution of ${workflowId} with message ${messageId}`);
	return execution;
}

/** Long enough for a second execution, or the sweep of a waiting delivery, to show up. */
const settle = () => new Promise((resolve) => setTimeout(resolve, SWEEP_MS + 3_000));

/** A contact's message, delivered by the sandbox to every webhook URL; returns its message id. */
async function say(contact: string, text: string): Promise<string> {
	return (await control<{ id: string }>(sandbox, 'POST', `contacts/${contact}/say`, { text })).id;
}

beforeAll(async () => {
	sandbox = await startSandbox({
		statusDelaysMs: { sent: 50, delivered: 100, read: null },
		// Meta retries a webhook that got no 200 after 1 s, 5 s, 30 s, 2 min...: on a busy machine a
		// status answered 500 while a worker was killed would settle only after minutes. Retrying
		// within seconds keeps the same order of events and lets the crash case wait 90 s, not 3 min.
		webhookRetryScheduleMs: [1_000, 2_000, 5_000, 10_000, 20_000, 30_000],
	});
	queue = await startN8nQueue({
		credentials: [sandboxCredential(sandbox)],
		workflows: [
			withStore(example(STOP_EXAMPLE)),
			withStore(example(INBOX)),
			withStore(example(TRACKER)),
			withStore(example(BACK_IN_STOCK)),
			withStore(consentImportWorkflow(CONSENT, 'e2e: import consent', CONSENT_PATH)),
			withStore(batchWorkflow(BATCH, 'e2e: order updates', BATCH_PATH, sendTemplateNode())),
			embeddedStoreCopy(),
		],
		refusedActivations: [EMBEDDED],
		// This webhook processor cannot hand events over to the other workflows itself (its own
		// address is wrong): what it records must reach them through the store all the same.
		processEnv: { 'webhook-2': { WHATSAPP_COMPLIANCE_LOOPBACK_URL: 'http://127.0.0.1:9' } },
	});
	sandbox.state.webhookUrl = queue.webhookUrl(CALLBACK_PATH, 0);

	for (const [waId, name] of [
		[MILA, 'Mila'],
		[PIA, 'Pia'],
	]) {
		sandbox.state.addContact({ wa_id: waId, name });
	}
	for (let i = 0; i < CRASH_FIRST + CRASH_CONTACTS; i++) {
		sandbox.state.addContact({ wa_id: batchPhone(i).slice(1), name: `Kim ${i}` });
	}
	const since = new Date(Date.now() - DAY_MS).toISOString();
	const rows: ConsentRow[] = [
		{ phone: `+${JUERGEN}`, purposes: 'marketing, back_in_stock', status: 'opted_in', time: since },
		...batchConsentRows(CRASH_FIRST + CRASH_CONTACTS),
	];
	// Through a webhook processor and a worker, into the PostgreSQL store.
	const imported = await postJson(queue.webhookUrl(CONSENT_PATH, 1), { rows });
	expect(imported).toEqual({
		status: 200,
		json: expect.objectContaining({ rows: rows.length, failed: 0 }),
	});
}, 8 * 60_000);

afterAll(async () => {
	await queue?.stop();
	await sandbox?.close();
}, 60_000);

describe('n8n queue mode (main, 2 workers, 2 webhook processors, PostgreSQL store)', () => {
	it('runs the execution of a webhook processor’s trigger on a worker', async () => {
		const messageId = await say(JONAS, 'Is the blue one back in stock?');
		const execution = await executionWith(messageId);

		expect(execution).toMatchObject({ status: 'success', mode: 'webhook' });
		expect(triggerItems(execution)).toEqual([
			expect.objectContaining({ kind: 'message', messageId, contact: JONAS }),
		]);
		// The webhook processor enqueued it and a worker ran it: neither main nor the other kind.
		expect(queue.enqueuedBy(execution.id)).toBe('webhook-1');
		expect(queue.workerOf(execution.id)).toMatch(/^worker-[12]$/);
		expect(queue.main.logs()).not.toMatch(
			new RegExp(`(Enqueued|Worker started) execution ${execution.id} \\(`),
		);
	}, 90_000);

	it('starts one execution per workflow for one event delivered 5 times over both webhook processors', async () => {
		// Meta's retries and parallel copies of one webhook, alternating between the processors and
		// between two trigger URLs of the app, each delivered at once.
		sandbox.state.webhookUrls = Array.from(
			{ length: 5 },
			(_, i) => `${queue.webhookUrl(i < 3 ? CALLBACK_PATH : TRIGGER_PATH, i % 2)}?copy=${i}`,
		);
		// Attempts go to the URL at their position when they are made: keep the list until answered.
		const { messageId, deliveries } = await (async () => {
			const id = await say(LENA, 'Hello from five deliveries');
			const answered = await waitForQueue(() => {
				const all = sandbox.state.webhookDeliveries().filter((d) => d.body.includes(id));
				return all.length === 5 && all.every((d) => d.state !== 'pending') ? all : undefined;
			}, 'the five deliveries to be answered');
			return { messageId: id, deliveries: answered };
		})().finally(() => {
			sandbox.state.webhookUrl = queue.webhookUrl(CALLBACK_PATH, 0);
		});
		expect(deliveries.map((d) => d.attempts.map((a) => a.status))).toEqual([
			[200],
			[200],
			[200],
			[200],
			[200],
		]);
		expect(new Set(deliveries.map((d) => new URL(d.attempts[0].url).port)).size).toBe(2);
		const execution = await executionWith(messageId);
		const inbox = await executionWith(messageId, INBOX);
		// An execution after the copies proves no copy started a late one of its own.
		await executionWith(await say(LENA, 'After the five deliveries'));
		await settle();
		expect((await executionsWith(messageId)).map((e) => e.id)).toEqual([execution.id]);
		expect((await executionsWith(messageId, INBOX)).map((e) => e.id)).toEqual([inbox.id]);
		expect(queue.workerOf(execution.id)).toMatch(/^worker-[12]$/);
	}, 120_000);

	it('gives each of three workflows of one app its events exactly once, from the one callback URL', async () => {
		const messageId = await say(MILA, 'Where is my parcel?');
		const inbox = await executionWith(messageId, INBOX);
		const stop = await executionWith(messageId);
		expect([inbox.status, stop.status]).toEqual(['success', 'success']);
		// The inbox's reply, and its statuses for the tracker.
		const reply = await waitForQueue(
			() =>
				sandbox.state
					.sentMessages({ to: MILA })
					.find((m) =>
						/thanks for your message/.test(
							(m.payload as { text?: { body?: string } }).text?.body ?? '',
						),
					),
			'the inbox’s reply',
		);
		const tracked = async () =>
			(await queue.executions(TRACKER))
				.filter((e) => ENDED.has(e.status))
				.flatMap(triggerItems)
				.filter((item) => item.messageId === reply.id)
				.map((item) => String(item.status));
		await waitForQueue(
			async () => ((await tracked()).length >= 2 ? true : undefined),
			'the tracker to get the reply’s statuses',
		);
		await settle();
		expect((await executionsWith(messageId, INBOX)).map((e) => e.id)).toEqual([inbox.id]);
		expect((await executionsWith(messageId)).map((e) => e.id)).toEqual([stop.id]);
		expect((await tracked()).sort()).toEqual(['delivered', 'sent']);
	}, 120_000);

	it('hands a webhook processor’s events to the other workflows through the store when it cannot itself', async () => {
		// webhook-2 records and answers Meta, and runs the inbox it was called for; its own wake-up
		// of the STOP example fails, and another process's sweep delivers the event from the store.
		sandbox.state.webhookUrl = queue.webhookUrl(CALLBACK_PATH, 1);
		let messageId = '';
		try {
			messageId = await say(LENA, 'Sent to the second webhook processor');
			const inbox = await executionWith(messageId, INBOX);
			expect(queue.enqueuedBy(inbox.id)).toBe('webhook-2');
		} finally {
			sandbox.state.webhookUrl = queue.webhookUrl(CALLBACK_PATH, 0);
		}
		const stop = await executionWith(messageId);
		expect(queue.enqueuedBy(stop.id)).not.toBe('webhook-2');
		await settle();
		expect(await executionsWith(messageId)).toHaveLength(1);
	}, 120_000);

	it('delivers an event that arrived while every worker was down to each workflow once they are back', async () => {
		await Promise.all(queue.workers.map((w) => queue.killWorker(w.name, { restart: false })));
		const messageId = await say(PIA, 'Sent while no worker runs');
		await settle();
		expect(await executionsWith(messageId, INBOX)).toEqual([]);
		expect(await executionsWith(messageId)).toEqual([]);
		await Promise.all(queue.workers.map((w) => queue.startWorker(w.name)));
		await executionWith(messageId, INBOX);
		await executionWith(messageId);
		await settle();
		expect(await executionsWith(messageId, INBOX)).toHaveLength(1);
		expect(await executionsWith(messageId)).toHaveLength(1);
	}, 240_000);

	it('skips marketing on a worker to a contact whose STOP a webhook processor recorded', async () => {
		sandbox.state.webhookUrl = queue.webhookUrl(TRIGGER_PATH, 1);
		try {
			const stopId = await say(JUERGEN, 'STOP');
			const stopExecution = await executionWith(stopId);
			expect(stopExecution.status).toBe('success');
			expect(queue.enqueuedBy(stopExecution.id)).toBe('webhook-2');
			expect(triggerItems(stopExecution)).toEqual([
				expect.objectContaining({
					consentChanges: expect.arrayContaining([
						{ purpose: '*', action: 'opt_out', source: 'keyword' },
					]),
				}),
			]);
		} finally {
			sandbox.state.webhookUrl = queue.webhookUrl(CALLBACK_PATH, 0);
		}

		const before = (await queue.executions(BACK_IN_STOCK)).length;
		const answer = await postJson(queue.webhookUrl('back-in-stock', 0), {
			sku: 'TRAIL-RUNNER-2',
			product: 'the Trail Runner 2',
			subscribers: [{ phone: `+${JUERGEN}`, first_name: 'Jürgen' }],
		});
		expect(answer.status).toBe(200);
		const ended = await queue.waitForExecutions(BACK_IN_STOCK, before + 1, 60_000);
		const execution = ended[before];
		expect(execution.status).toBe('success');
		expect(queue.workerOf(execution.id)).toMatch(/^worker-[12]$/);
		expect(outputItems(execution, 'Send Back-in-Stock Template', 0)).toEqual([]);
		expect(outputItems(execution, 'Send Back-in-Stock Template', 1)).toEqual([
			expect.objectContaining({ result: 'skipped', reason: 'opted_out', rule: 'opt-out wins' }),
		]);
		// Only the confirmation of the opt-out reached the contact.
		expect(sandbox.state.sentMessages({ to: JUERGEN }).map((m) => m.type)).toEqual(['text']);
	}, 120_000);

	it('sends once per idempotency key when two workers send the same keys at once', async () => {
		const before = (await queue.executions(BATCH)).length;
		const request = { count: SAME_KEY_CONTACTS, sender: SENDER, runId: 'same-keys' };
		const answers = await Promise.all([
			postJson(queue.webhookUrl(BATCH_PATH, 0), request),
			postJson(queue.webhookUrl(BATCH_PATH, 1), request),
		]);
		expect(answers.map((a) => a.status)).toEqual([200, 200]);
		const executions = (await queue.waitForExecutions(BATCH, before + 2, 120_000)).slice(before);
		expect(executions.map((e) => e.status)).toEqual(['success', 'success']);
		// Two workers, not one worker twice: otherwise this case proves nothing about processes.
		expect(new Set(executions.map((e) => queue.workerOf(e.id)))).toEqual(
			new Set(['worker-1', 'worker-2']),
		);

		for (let i = 0; i < SAME_KEY_CONTACTS; i++) {
			expect([i, sandbox.state.sentMessages({ to: batchPhone(i).slice(1) }).length]).toEqual([
				i,
				1,
			]);
		}
		const sent = executions.flatMap((e) => outputItems(e, 'Send', 0));
		const held = executions.flatMap((e) => outputItems(e, 'Send', 1));
		// Each key once as sent; its twin either reports that send or was held while it was on its way.
		expect(sent.filter((item) => item.result === 'sent')).toHaveLength(SAME_KEY_CONTACTS);
		expect(sent.length + held.length).toBe(2 * SAME_KEY_CONTACTS);
	}, 180_000);

	it('sends every contact one message when the worker running a batch is killed mid-batch', async () => {
		const contacts = Array.from({ length: CRASH_CONTACTS }, (_, i) =>
			batchPhone(CRASH_FIRST + i).slice(1),
		);
		const sentCount = () =>
			contacts.filter((c) => sandbox.state.sentMessages({ to: c }).length > 0).length;
		const request = { count: CRASH_CONTACTS, first: CRASH_FIRST, sender: SENDER, runId: 'crash' };
		const lastId = Math.max(0, ...(await queue.executions(BATCH)).map((e) => Number(e.id)));
		expect((await postJson(queue.webhookUrl(BATCH_PATH, 0), request)).status).toBe(200);
		await waitForQueue(() => (sentCount() >= 200 ? true : undefined), '200 messages sent', 60_000);
		const running = (await queue.executions(BATCH)).find((e) => Number(e.id) > lastId);
		const worker = running && queue.workerOf(running.id);
		if (!worker) throw new Error('no worker runs the batch');
		const killedAt = Date.now();
		await queue.killWorker(worker);
		// Webhook processors kept running: the statuses of what was in flight settle it.
		await waitForQueue(
			async () => {
				const store = new PostgresComplianceStore({
					erasureKey: n8nErasureKey({ N8N_USER_FOLDER: queue.main.userFolder }),
					connectionString: queue.postgres.url(queue.storeDatabase),
					poolSize: 1,
				});
				try {
					const open = await store.listUnconfirmedSends({ before: Date.now() });
					return open.length === 0 ? true : undefined;
				} finally {
					await store.close();
				}
			},
			'no unconfirmed sends',
			90_000,
		);
		// n8n may run the stalled job again on its own; then a re-run, as an operator would, after
		// the lease of a claim that had not left.
		const wait = killedAt + CLAIM_LEASE_MS - Date.now();
		if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
		const rerunFrom = Math.max(0, ...(await queue.executions(BATCH)).map((e) => Number(e.id)));
		expect((await postJson(queue.webhookUrl(BATCH_PATH, 1), request)).status).toBe(200);
		await waitForQueue(
			async () =>
				(await queue.executions(BATCH)).find(
					(e) => Number(e.id) > rerunFrom && ENDED.has(e.status),
				),
			'the re-run to end',
			120_000,
		);
		const perContact = contacts.map((c) => sandbox.state.sentMessages({ to: c }).length);
		const summary = {
			withOne: perContact.filter((n) => n === 1).length,
			twice: perContact.filter((n) => n > 1).length,
			none: perContact.filter((n) => n === 0).length,
		};
		console.log(`[queue crash] killed ${worker}; ${JSON.stringify(summary)}`);
		expect(summary).toEqual({ withOne: CRASH_CONTACTS, twice: 0, none: 0 });
	}, 300_000);

	it('does not activate a trigger on the embedded store and says why', async () => {
		const main = queue.main.logs();
		expect(main).toContain(
			`Issue on initial workflow activation try of "${embeddedStoreCopy().name}" (ID: ${EMBEDDED})`,
		);
		expect(main).toContain(
			'Queue mode needs a WhatsApp Compliance Store credential with PostgreSQL',
		);
		// Nothing accepts Meta's webhooks into a store that would split.
		for (const processor of [0, 1]) {
			const answer = await postJson(queue.webhookUrl(EMBEDDED_PATH, processor), {});
			expect(answer.status).toBe(404);
		}
	}, 30_000);
});
