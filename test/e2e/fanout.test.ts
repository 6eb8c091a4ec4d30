/**
 * One Meta app, many workflows, in a real n8n: the support inbox, the STOP handler and the status
 * and cost tracker (examples/, imported unchanged), each with its own WhatsApp Webhook Trigger on
 * the sandbox credential, while the sandbox posts to ONE callback URL (the inbox's), as a Meta
 * app does. Each workflow gets each of its events once; a STOP is recorded once; Meta's repeated
 * deliveries start nothing twice; unpublishing a workflow stops its deliveries and publishing it
 * again starts them; a workflow whose webhook cannot be reached when an event arrives gets the
 * event from the store once it can. Queue mode: test/e2e/queue.test.ts.
 */
import * as path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { SQLITE_FILE_NAME } from '../../nodes/core/store/sqlite';
import { nodeSqlite } from '../../nodes/core/store/sqlite/nodeSqlite';
import { SWEEP_MS } from '../../nodes/WhatsAppWebhookTrigger/deliverer';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { freePort } from '../../tools/n8n/commands';
import { control, loadExamples, sandboxCredential, waitFor } from '../../tools/n8n/fixtures';
import { requireInstall } from '../../tools/n8n/prepare';
import { outputItems, startN8n, type N8nExecution, type N8nInstance } from '../../tools/n8n/n8n';
import { loginAsOwner, ownerEnv, type N8nRest } from '../../tools/n8n/rest';

const { DatabaseSync } = nodeSqlite();

const INBOX = 'waExSupportInbox';
const STOP = 'waExHandleStop01';
const TRACKER = 'waExStatusTrack1';
const CALLBACK_PATH = 'whatsapp-inbox';
const TRIGGER = 'WhatsApp Webhook Trigger';
const OWNER = { email: 'fanout@example.com', password: 'One-App-Many-Workflows-1' };

/** Seed contacts (sandbox/seed.json). */
const LENA = '4915112345601';
const JONAS = '4917612345602';
const JUERGEN = '4915208765403';

let sandbox: Sandbox;
let n8n: N8nInstance;
let rest: N8nRest;

const examples = loadExamples().filter((w) => [INBOX, STOP, TRACKER].includes(w.id));

function triggerItems(execution: N8nExecution): IDataObject[] {
	return execution.data?.resultData.runData[TRIGGER]?.length
		? outputItems(execution, TRIGGER, 0)
		: [];
}

/** The executions of `workflowId` whose trigger emitted an item with this message id. */
function executionsWith(workflowId: string, messageId: string): N8nExecution[] {
	return n8n
		.executions(workflowId)
		.filter((e) => triggerItems(e).some((item) => item.messageId === messageId));
}

async function executionWith(workflowId: string, messageId: string): Promise<N8nExecution> {
	const [found] = await waitFor(
		() => {
			const list = executionsWith(workflowId, messageId);
			return list.length > 0 && list.every((e) => e.status !== 'running' && e.status !== 'new')
				? list
				: undefined;
		},
		`an execution of ${workflowId} with message ${messageId}`,
		60_000,
		() => `Last log lines:\n${n8n.logs().split('\n').slice(-30).join('\n')}`,
	);
	return found;
}

/** A contact writes; the sandbox posts it, signed, to the app's one callback URL. */
async function say(contact: string, text: string): Promise<string> {
	return (await control<{ id: string }>(sandbox, 'POST', `contacts/${contact}/say`, { text })).id;
}

/** Long enough for any second execution, delivery or sweep to have shown up. */
const settle = () => new Promise((resolve) => setTimeout(resolve, SWEEP_MS + 2_000));

/** The statuses the tracker emitted for our message `wamid`, in the order they came. */
function trackedStatuses(wamid: string): string[] {
	return n8n
		.executions(TRACKER)
		.flatMap(triggerItems)
		.filter((item) => item.messageId === wamid)
		.map((item) => String(item.status));
}

/** What a contact reads of a message the sandbox accepted: a text's body or a template's. */
function textOf(message: ReturnType<Sandbox['state']['sentMessages']>[number]): string {
	const payload = message.payload as { text?: { body?: string } };
	return payload.text?.body ?? message.rendered?.body ?? '';
}

/** The wamid of the message sent to `contact` whose text matches. */
async function sentTo(contact: string, text: RegExp): Promise<string> {
	const sent = await waitFor(
		() => sandbox.state.sentMessages({ to: contact }).find((m) => text.test(textOf(m))),
		`a message to ${contact} matching ${text}`,
	);
	return sent.id;
}

beforeAll(async () => {
	sandbox = await startSandbox({ statusDelaysMs: { sent: 50, delivered: 100, read: null } });
	n8n = await startN8n({
		credentials: [sandboxCredential(sandbox)],
		workflows: examples,
		env: await ownerEnv(requireInstall(), OWNER),
	});
	sandbox.state.webhookUrl = n8n.webhookUrl(CALLBACK_PATH);
	rest = await loginAsOwner(n8n.baseUrl, OWNER);
}, 5 * 60_000);

afterAll(async () => {
	await n8n?.stop();
	await sandbox?.close();
});

describe('one Meta app, many workflows, in a real n8n (one process)', () => {
	it('gives each of three workflows its events exactly once from the one callback URL', async () => {
		const messageId = await say(LENA, 'Is the blue jacket back in size M?');
		const inbox = await executionWith(INBOX, messageId);
		const stop = await executionWith(STOP, messageId);
		expect([inbox.status, stop.status]).toEqual(['success', 'success']);
		// The inbox answered in the window; the tracker gets that reply's statuses.
		const reply = await sentTo(LENA, /thanks for your message/);
		await waitFor(
			() => (trackedStatuses(reply).length >= 2 ? true : undefined),
			'the tracker to get the reply’s statuses',
		);
		await settle();
		expect(executionsWith(INBOX, messageId)).toHaveLength(1);
		expect(executionsWith(STOP, messageId)).toHaveLength(1);
		expect(trackedStatuses(reply).sort()).toEqual(['delivered', 'sent']);
		// The trigger of the STOP handler was never called by the sandbox: it got its copy through
		// the store, from the inbox's trigger.
		expect(sandbox.state.webhookUrls).toEqual([n8n.webhookUrl(CALLBACK_PATH)]);
	}, 120_000);

	it('records a STOP once and confirms it once, although two workflows handle it', async () => {
		const messageId = await say(JONAS, 'STOP');
		await executionWith(INBOX, messageId);
		await executionWith(STOP, messageId);
		await settle();
		const storeFile = path.join(n8n.userFolder, '.n8n', SQLITE_FILE_NAME);
		const db = new DatabaseSync(storeFile, { readOnly: true });
		try {
			const optOuts = db
				.prepare(
					"SELECT count(*) AS n FROM consent_events WHERE contact = ? AND action = 'opt_out' AND purpose = '*'",
				)
				.get(JONAS);
			expect(optOuts).toEqual({ n: 1 });
		} finally {
			db.close();
		}
		const confirmations = sandbox.state
			.sentMessages({ to: JONAS })
			.filter((m) => /^You're unsubscribed/.test(textOf(m)));
		expect(confirmations).toHaveLength(1);
	}, 120_000);

	it('starts one execution per workflow for one event delivered 5 times, to any of their URLs', async () => {
		// Meta's retries and parallel copies of one webhook, here to each trigger URL of the app.
		sandbox.state.webhookUrls = [
			...Array.from({ length: 3 }, (_, i) => `${n8n.webhookUrl(CALLBACK_PATH)}?copy=${i}`),
			n8n.webhookUrl('whatsapp-optout'),
			n8n.webhookUrl('whatsapp-status'),
		];
		let messageId = '';
		try {
			messageId = await say(JUERGEN, 'Hallo, fünf Mal');
			await waitFor(() => {
				const copies = sandbox.state.webhookDeliveries().filter((d) => d.body.includes(messageId));
				return copies.length === 5 && copies.every((d) => d.state === 'delivered')
					? true
					: undefined;
			}, 'the five deliveries to be answered 200');
		} finally {
			sandbox.state.webhookUrl = n8n.webhookUrl(CALLBACK_PATH);
		}
		await executionWith(INBOX, messageId);
		await executionWith(STOP, messageId);
		await settle();
		expect(executionsWith(INBOX, messageId)).toHaveLength(1);
		expect(executionsWith(STOP, messageId)).toHaveLength(1);
	}, 120_000);

	it('stops a workflow’s deliveries while it is unpublished and starts them when it is published again', async () => {
		await rest.deactivate(STOP);
		const whileOff = await say(LENA, 'Sent while the STOP handler is unpublished');
		await executionWith(INBOX, whileOff);
		await settle();
		expect(executionsWith(STOP, whileOff)).toEqual([]);
		await rest.activate(STOP);
		const afterwards = await say(LENA, 'Sent after it was published again');
		await executionWith(STOP, afterwards);
		expect(executionsWith(STOP, whileOff)).toEqual([]);
	}, 120_000);

	it('a workflow that cannot be reached when its event arrives gets it from the store once it can', async () => {
		// n8n started so that the trigger's hand-over to the other workflows goes nowhere.
		await n8n.restart({ WHATSAPP_COMPLIANCE_LOOPBACK_URL: `http://127.0.0.1:${await freePort()}` });
		const messageId = await say(JUERGEN, 'Is my order on its way?');
		await executionWith(INBOX, messageId);
		await settle();
		expect(executionsWith(STOP, messageId)).toEqual([]);
		// Back with its own address: the STOP handler gets the event that waited, once.
		await n8n.restart({ WHATSAPP_COMPLIANCE_LOOPBACK_URL: '' });
		await executionWith(STOP, messageId);
		await settle();
		expect(executionsWith(STOP, messageId)).toHaveLength(1);
		expect(executionsWith(INBOX, messageId)).toHaveLength(1);
	}, 180_000);
});
