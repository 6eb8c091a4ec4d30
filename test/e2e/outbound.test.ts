/**
 * The outbound side in a real n8n, driven through the example workflows exactly as users import
 * them (examples/*.json): the packed package in `.n8n/nodes`, the sandbox as the Cloud API, its
 * signed webhooks into the Webhook Trigger, and the sends observed at the sandbox. Consent is
 * recorded through the WhatsApp Opt-in Manager in a workflow (Bulk > Import), as users record it.
 *
 * Marketing templates wait during quiet hours (21:00-08:00 in the contact's time zone), so the
 * marketing contacts get numbers of a country where it is daytime while the test runs.
 */
import { startSandbox, type Sandbox, type SentMessage } from '../../sandbox/server';
import { firstAwake } from '../../tools/n8n/daytime';
import { outputItems, startN8n, type N8nExecution, type N8nInstance } from '../../tools/n8n/n8n';
import {
	consentImportWorkflow,
	control,
	loadExamples,
	postJson,
	sandboxCredential,
	type ConsentRow,
} from '../../tools/n8n/fixtures';

const SUPPORT = 'waExSupportInbox';
const BACK_IN_STOCK = 'waExBackInStock1';
const ORDER_UPDATE = 'waExOrderUpdate1';
const STOP_EXAMPLE = 'waExHandleStop01';
const CONSENT = 'e2eOutboundConsent';
const CONSENT_PATH = 'e2e-outbound-consent';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/**
 * A country outside quiet hours for the next hour (the file's run), with a number pattern of that
 * country; one of them always is (tools/n8n/daytime.ts).
 */
const day = firstAwake(
	[
		{ country: 'DE', number: (n: number) => `+49151${String(30000000 + n)}` },
		{ country: 'CO', number: (n: number) => `+57300${String(3000000 + n)}` },
		{ country: 'JP', number: (n: number) => `+8190${String(30000000 + n)}` },
	],
	Date.now(),
	HOUR_MS,
);

/** A contact of the test: E.164 number and its wa_id. */
function contact(n: number, name: string): { phone: string; waId: string; name: string } {
	const phone = day.number(n);
	return { phone, waId: phone.slice(1), name };
}

const people = {
	// Back in stock
	optedIn: contact(1, 'Mia'),
	optedOut: contact(2, 'Noah'),
	pending: contact(3, 'Emma'),
	capped: contact(4, 'Ben'),
	noConsent: contact(5, 'Lina'),
	// Order update
	customer: contact(6, 'Paul'),
	noMarketing: contact(7, 'Hanna'),
	// Support inbox
	writesNow: contact(8, 'Leon'),
	wroteLate: contact(9, 'Clara'),
	stops: contact(10, 'Finn'),
};
/** A seed contact with a US number (opted in: Meta delivers no marketing to US numbers anyway). */
const usContact = { phone: '+12125550147', waId: '12125550147', name: 'Marcus' };

const iso = (msAgo: number): string => new Date(Date.now() - msAgo).toISOString();

let sandbox: Sandbox;
let n8n: N8nInstance;

/** The sandbox's accepted messages to one contact, oldest first. */
function sentTo(waId: string): SentMessage[] {
	return sandbox.state.sentMessages({ to: waId });
}

/** The body of a text message as the sandbox received it. */
function textOf(message: SentMessage): unknown {
	const { text } = message.payload as { text?: { body?: unknown } };
	return text?.body;
}

/** Does `action` and returns the execution it started in each workflow, each ended in success. */
async function executionsOf(
	workflowIds: readonly string[],
	action: () => Promise<unknown>,
): Promise<N8nExecution[]> {
	const before = workflowIds.map((id) => n8n.executions(id).length);
	await action();
	const started: N8nExecution[] = [];
	for (const [i, id] of workflowIds.entries()) {
		const ended = await n8n.waitForExecutions(id, before[i] + 1, 60_000);
		expect(ended).toHaveLength(before[i] + 1);
		expect(ended[before[i]].status).toBe('success');
		started.push(ended[before[i]]);
	}
	return started;
}

async function executionOf(
	workflowId: string,
	action: () => Promise<unknown>,
): Promise<N8nExecution> {
	const [execution] = await executionsOf([workflowId], action);
	return execution;
}

/** POSTs to a Webhook node of n8n and expects its immediate 200. */
async function post(webhookPath: string, body: object): Promise<void> {
	const answer = await postJson(n8n.webhookUrl(webhookPath), body);
	expect(answer.status).toBe(200);
}

/**
 * POSTs the shop's back-in-stock webhook and returns the execution it started. The product image
 * is the sandbox's sample: it downloads header media links as Meta does.
 */
async function backInStock(body: object): Promise<N8nExecution> {
	const image = { image_url: sandbox.sampleUrl('image.png') };
	return await executionOf(BACK_IN_STOCK, () => post('back-in-stock', { ...image, ...body }));
}

const subscriber = (person: { phone: string; name: string }) => ({
	phone: person.phone,
	first_name: person.name,
});

beforeAll(async () => {
	sandbox = await startSandbox({ statusDelaysMs: { sent: 50, delivered: 100, read: null } });
	n8n = await startN8n({
		credentials: [sandboxCredential(sandbox)],
		workflows: [
			...loadExamples(),
			consentImportWorkflow(CONSENT, 'e2e: import consent', CONSENT_PATH),
		],
	});
	sandbox.state.webhookUrl = n8n.webhookUrl('whatsapp-inbox');

	for (const person of Object.values(people)) {
		await control(sandbox, 'POST', 'contacts', {
			wa_id: person.waId,
			name: person.name,
			country: day.country,
		});
	}

	const rows: ConsentRow[] = [
		{
			phone: people.optedIn.phone,
			purposes: 'back_in_stock',
			status: 'opted_in',
			time: iso(DAY_MS),
		},
		{
			phone: people.optedOut.phone,
			purposes: 'marketing, back_in_stock',
			status: 'opted_in',
			time: iso(2 * DAY_MS),
		},
		{ phone: people.optedOut.phone, purposes: 'marketing', status: 'opted_out', time: iso(DAY_MS) },
		{
			phone: people.pending.phone,
			purposes: 'back_in_stock',
			status: 'pending',
			time: iso(DAY_MS),
		},
		{ phone: usContact.phone, purposes: 'back_in_stock', status: 'opted_in', time: iso(DAY_MS) },
		{
			phone: people.capped.phone,
			purposes: 'back_in_stock',
			status: 'opted_in',
			time: iso(DAY_MS),
		},
		{
			phone: people.customer.phone,
			purposes: 'transactional',
			status: 'opted_in',
			time: iso(DAY_MS),
		},
		{
			phone: people.noMarketing.phone,
			purposes: 'marketing, transactional',
			status: 'opted_in',
			time: iso(2 * DAY_MS),
		},
		{
			phone: people.noMarketing.phone,
			purposes: 'marketing',
			status: 'opted_out',
			time: iso(DAY_MS),
		},
		{
			phone: people.wroteLate.phone,
			purposes: 'transactional',
			status: 'opted_in',
			time: iso(2 * DAY_MS),
		},
		{
			phone: people.stops.phone,
			purposes: 'marketing, transactional',
			status: 'opted_in',
			time: iso(2 * DAY_MS),
		},
	];
	const imported = await postJson(n8n.webhookUrl(CONSENT_PATH), { rows });
	expect(imported).toEqual({
		status: 200,
		json: expect.objectContaining({ rows: rows.length, failed: 0, duplicates: 0 }),
	});
}, 5 * 60_000);

afterAll(async () => {
	await n8n?.stop();
	await sandbox?.close();
});

describe('order update (utility) from a CRM', () => {
	const order = (person: { phone: string; name: string }, orderId: string) => ({
		phone: person.phone,
		first_name: person.name,
		order_id: orderId,
		delivery_date: 'Friday, 14 March',
	});

	it('sends the utility template with its positional variables to an opted-in customer', async () => {
		const execution = await executionOf(ORDER_UPDATE, () =>
			post('order-update', order(people.customer, 'A-2001')),
		);

		expect(outputItems(execution, 'Send Order Update', 0)).toEqual([
			expect.objectContaining({ result: 'sent', template: 'order_update', category: 'utility' }),
		]);
		const sent = sentTo(people.customer.waId);
		expect(sent).toHaveLength(1);
		expect(sent[0].template).toEqual({ name: 'order_update', language: 'en', category: 'UTILITY' });
		expect(sent[0].rendered?.body).toBe(
			'Hi Paul, your order A-2001 has shipped and should arrive on Friday, 14 March.',
		);
		expect(outputItems(execution, 'Send Order Update', 0)[0].wamid).toBe(sent[0].id);
	}, 90_000);

	it('still sends it to a customer who opted out of marketing only', async () => {
		const execution = await executionOf(ORDER_UPDATE, () =>
			post('order-update', order(people.noMarketing, 'A-2002')),
		);

		expect(outputItems(execution, 'Send Order Update', 0)).toEqual([
			expect.objectContaining({ result: 'sent', to: people.noMarketing.phone }),
		]);
		expect(sentTo(people.noMarketing.waId).map((m) => m.template?.name)).toEqual(['order_update']);
	}, 90_000);

	it('holds it back, with the reason, for a customer without any opt-in', async () => {
		const execution = await executionOf(ORDER_UPDATE, () =>
			post('order-update', order(people.noConsent, 'A-2003')),
		);

		expect(outputItems(execution, 'Send Order Update', 0)).toEqual([]);
		expect(outputItems(execution, 'Send Order Update', 1)).toEqual([
			expect.objectContaining({ result: 'skipped', reason: 'no_consent', rule: 'consent' }),
		]);
		expect(sentTo(people.noConsent.waId)).toEqual([]);
	}, 90_000);
});

describe('back-in-stock marketing from a shop webhook', () => {
	const restock = {
		sku: 'TRAIL-RUNNER-2',
		product: 'the Trail Runner 2',
		restocked_on: '2026-11-21',
		subscribers: [
			people.optedIn,
			people.optedOut,
			people.pending,
			usContact,
			people.capped,
			people.noConsent,
		].map(subscriber),
	};
	let firstWamid: unknown;

	it('sends to exactly the allowed contacts of a mixed list and skips each other one with its reason', async () => {
		// Two earlier marketing templates reach the frequency cap (2 in 7 days) for one contact.
		for (const sku of ['CAP-1', 'CAP-2']) {
			const earlier = await backInStock({
				sku,
				product: 'the Summit Jacket',
				subscribers: [subscriber(people.capped)],
			});
			expect(outputItems(earlier, 'Send Back-in-Stock Template', 0)).toHaveLength(1);
		}
		expect(sentTo(people.capped.waId)).toHaveLength(2);

		const execution = await backInStock(restock);

		const sent = outputItems(execution, 'Send Back-in-Stock Template', 0);
		expect(sent).toEqual([
			expect.objectContaining({
				result: 'sent',
				to: people.optedIn.phone,
				category: 'marketing',
			}),
		]);
		const skipped = outputItems(execution, 'Send Back-in-Stock Template', 1);
		expect(skipped.map(({ to, reason }) => ({ to, reason }))).toEqual([
			{ to: people.optedOut.phone, reason: 'marketing_opted_out' },
			{ to: people.pending.phone, reason: 'consent_pending' },
			{ to: usContact.phone, reason: 'us_marketing' },
			{ to: people.capped.phone, reason: 'frequency_cap' },
			{ to: people.noConsent.phone, reason: 'no_consent' },
		]);
		for (const item of skipped) {
			expect(item).toEqual(
				expect.objectContaining({ result: 'skipped', message: expect.any(String) }),
			);
		}
		// The Sent and Skipped nodes after it received the same items.
		expect(outputItems(execution, 'Sent', 0)).toHaveLength(1);
		expect(outputItems(execution, 'Skipped', 0)).toHaveLength(5);

		const atSandbox = sandbox.state
			.sentMessages()
			.filter((m) => m.rendered?.body?.includes('the Trail Runner 2'));
		expect(atSandbox.map((m) => m.to)).toEqual([people.optedIn.waId]);
		expect(atSandbox[0].rendered?.body).toBe(
			'Hi Mia, good news: the Trail Runner 2 is back in stock. Order today and it ships by tomorrow.',
		);
		expect(sent[0].wamid).toBe(atSandbox[0].id);
		firstWamid = sent[0].wamid;
	}, 180_000);

	it('sends nothing twice when the same restock comes again, and the repeat returns the first message ID', async () => {
		const before = sandbox.state.sentMessages().length;

		const execution = await backInStock(restock);

		expect(outputItems(execution, 'Send Back-in-Stock Template', 0)).toEqual([
			expect.objectContaining({
				result: 'duplicate',
				to: people.optedIn.phone,
				wamid: firstWamid,
			}),
		]);
		expect(
			outputItems(execution, 'Send Back-in-Stock Template', 1).map((item) => item.reason),
		).toEqual([
			'marketing_opted_out',
			'consent_pending',
			'us_marketing',
			'frequency_cap',
			'no_consent',
		]);
		expect(sandbox.state.sentMessages().length).toBe(before);
	}, 120_000);
});

describe('support inbox with template fallback', () => {
	/** The contact writes through the sandbox, which posts the signed webhook to the trigger. */
	async function says(waId: string, text: string, ago?: string): Promise<void> {
		await control(sandbox, 'POST', `contacts/${waId}/say`, { text, ...(ago ? { ago } : {}) });
	}

	it('answers a contact inside the 24-hour window with a free-form reply', async () => {
		const execution = await executionOf(SUPPORT, () =>
			says(people.writesNow.waId, 'Hi, is the blue jacket back?'),
		);

		expect(outputItems(execution, 'Reply in Window', 0)).toEqual([
			expect.objectContaining({
				contact: people.writesNow.waId,
				result: 'sent',
				messageType: 'text',
			}),
		]);
		expect(outputItems(execution, 'Reply in Window', 1)).toEqual([]);
		const sent = sentTo(people.writesNow.waId);
		expect(sent.map(({ type, window_open }) => ({ type, window_open }))).toEqual([
			{ type: 'text', window_open: true },
		]);
		expect(textOf(sent[0])).toBe(
			'Hi Leon, thanks for your message! Our support team has it and will answer here shortly.',
		);
	}, 90_000);

	it('sends the follow-up template instead when the message is 25 hours old', async () => {
		const execution = await executionOf(SUPPORT, () =>
			says(people.wroteLate.waId, 'Hello? Anyone there?', '25h'),
		);

		expect(outputItems(execution, 'Reply in Window', 0)).toEqual([]);
		expect(outputItems(execution, 'Reply in Window', 1)).toEqual([
			expect.objectContaining({
				contact: people.wroteLate.waId,
				reason: 'window_closed',
				rule: 'window',
			}),
		]);
		expect(outputItems(execution, 'Send Follow-Up Template', 0)).toEqual([
			expect.objectContaining({ result: 'sent', template: 'support_follow_up' }),
		]);
		const sent = sentTo(people.wroteLate.waId);
		expect(sent).toHaveLength(1);
		expect(sent[0].template).toEqual({
			name: 'support_follow_up',
			language: 'en',
			category: 'UTILITY',
		});
		expect(sent[0].rendered?.body).toMatch(/^Hi Clara, this is about the message you sent us\./);
	}, 90_000);

	it('only confirms a STOP, once, also when the STOP example of the same app gets it too', async () => {
		// Meta calls the inbox's URL, the app's one callback URL; the STOP example's trigger gets
		// the same event from it.
		expect(sandbox.state.webhookUrls).toEqual([n8n.webhookUrl('whatsapp-inbox')]);
		try {
			const [execution, stopExample] = await executionsOf([SUPPORT, STOP_EXAMPLE], () =>
				says(people.stops.waId, 'STOP'),
			);

			// The support inbox took its opt-out branch, not the reply.
			expect(execution.data?.resultData.runData['Reply in Window']).toBeUndefined();
			// One of the two sent the confirmation; the other found its idempotency key taken.
			const statuses = [execution, stopExample].flatMap((run) =>
				outputItems(run, 'Confirm Opt-Out', 0).map((item) => item.result),
			);
			expect(statuses.filter((result) => result === 'sent')).toHaveLength(1);
			const sent = sentTo(people.stops.waId);
			expect(sent).toHaveLength(1);
			expect(textOf(sent[0])).toBe(
				"You're unsubscribed: Sandbox Shop will not send you any more messages on WhatsApp. Changed your mind? Reply START.",
			);
		} finally {
			sandbox.state.webhookUrl = n8n.webhookUrl('whatsapp-inbox');
		}
	}, 90_000);
});
