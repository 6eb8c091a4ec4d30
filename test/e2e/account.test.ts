/**
 * Protecting the account, in a real n8n with the packed package and the sandbox as the Cloud API:
 * the portfolio's messaging limit (read by Send Template from Meta, counted in the embedded store),
 * a number rated red (the sandbox posts phone_number_quality_update to the Webhook Trigger, which
 * stores it), and the cost report, compared with what the sandbox billed.
 *
 * The campaigns use utility templates where the limit is tested (no quiet hours, no frequency
 * cap: only the limit may hold them) and switch quiet hours off where marketing is sent.
 */
import type { IDataObject } from 'n8n-workflow';

import { marketOf } from '../../nodes/core/policy/pricing';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { outputItems, startN8n, type N8nExecution, type N8nInstance } from '../../tools/n8n/n8n';
import {
	SANDBOX_CREDENTIAL_ID,
	SANDBOX_CREDENTIAL_NAME,
	consentImportWorkflow,
	control,
	postJson,
	sandboxCredential,
	type ConsentRow,
} from '../../tools/n8n/fixtures';

const LIMIT = 50;
const CAMPAIGN_SIZE = 60;
const TRIGGER = 'e2eAccountTrigger';
const CAMPAIGN = 'e2eAccountCampaign';
const REPORT = 'e2eAccountReport';
const CONSENT = 'e2eAccountConsent';
const PATHS = {
	inbox: 'e2e-account-inbox',
	campaign: 'e2e-account-campaign',
	report: 'e2e-account-report',
	consent: 'e2e-account-consent',
};

const credentials = {
	whatsAppCloudApi: { id: SANDBOX_CREDENTIAL_ID, name: SANDBOX_CREDENTIAL_NAME },
};

/** German mobile numbers, one per contact of the campaign. */
const contacts = Array.from({ length: CAMPAIGN_SIZE }, (_, i) => {
	const waId = `49151${String(40000000 + i)}`;
	return { waId, phone: `+${waId}`, name: `Kunde ${i}` };
});

/** A German mobile number that is not on WhatsApp: Meta accepts a template to it, then fails it (131026). */
const NOT_ON_WHATSAPP = { waId: '4915170000000', phone: '+4915170000000' };

const ORDER_UPDATE = [
	{ type: 'header', parameters: [{ type: 'text', text: 'A-1042' }] },
	{
		type: 'body',
		parameters: [
			{ type: 'text', text: 'Kim' },
			{ type: 'text', text: 'A-1042' },
			{ type: 'text', text: 'Friday, 14 March' },
		],
	},
	{ type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'A-1042' }] },
];
/** back_in_stock's components; the header image is a link the sandbox can download, as Meta does. */
const backInStock = (imageLink: string) => [
	{
		type: 'header',
		parameters: [{ type: 'image', image: { link: imageLink } }],
	},
	{
		type: 'body',
		parameters: [
			{ type: 'text', parameter_name: 'first_name', text: 'Kim' },
			{ type: 'text', parameter_name: 'product', text: 'the Trail Runner 2' },
			{ type: 'text', parameter_name: 'ship_date', text: 'Friday' },
		],
	},
];

interface Recipient {
	phone: string;
	template: string;
	components: unknown[];
	key: string;
}

const order = (phone: string, key: string): Recipient => ({
	phone,
	template: 'order_update',
	components: ORDER_UPDATE,
	key,
});
const marketing = (phone: string, key: string): Recipient => ({
	phone,
	template: 'back_in_stock',
	components: backInStock(sandbox.sampleUrl('image.png')),
	key,
});

function webhookNode(id: string, name: string, path: string): IDataObject {
	return {
		id: `${id}-webhook`,
		name,
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 0],
		webhookId: `${id}-webhook-id`,
		parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} },
	};
}

/** The Webhook Trigger: it stores what every webhook says, and starts on quality events. */
const triggerWorkflow = {
	id: TRIGGER,
	name: 'e2e: account inbox',
	nodes: [
		{
			id: `${TRIGGER}-trigger`,
			name: 'WhatsApp Webhook Trigger',
			type: 'n8n-nodes-whatsapp-compliance.whatsAppWebhookTrigger',
			typeVersion: 1,
			position: [0, 0],
			webhookId: `${TRIGGER}-webhook-id`,
			parameters: {
				path: PATHS.inbox,
				triggerOn: ['phone_number_quality', 'business_capability', 'template_quality'],
				options: {},
			},
			credentials,
		},
	],
	connections: {},
};

/** A campaign from a list: one Send Template per recipient (template, components and key from the list). */
const campaignWorkflow = {
	id: CAMPAIGN,
	name: 'e2e: account campaign',
	nodes: [
		webhookNode(CAMPAIGN, 'Campaign', PATHS.campaign),
		{
			id: `${CAMPAIGN}-split`,
			name: 'One Item Per Recipient',
			type: 'n8n-nodes-base.splitOut',
			typeVersion: 1,
			position: [220, 0],
			parameters: { fieldToSplitOut: 'body.recipients', options: {} },
		},
		{
			id: `${CAMPAIGN}-send`,
			name: 'Send Template',
			type: 'n8n-nodes-whatsapp-compliance.whatsAppSendTemplate',
			typeVersion: 1,
			position: [440, 0],
			parameters: {
				recipient: '={{ $json.phone }}',
				template: { __rl: true, mode: 'name', value: '={{ $json.template }}' },
				language: 'en',
				variablesMode: 'json',
				components: '={{ JSON.stringify($json.components) }}',
				options: {
					idempotencyKey: '={{ $json.key }}',
					quietHours: { settings: { enabled: false } },
				},
			},
			credentials,
		},
	],
	connections: {
		Campaign: { main: [[{ node: 'One Item Per Recipient', type: 'main', index: 0 }]] },
		'One Item Per Recipient': { main: [[{ node: 'Send Template', type: 'main', index: 0 }]] },
	},
};

/** The account's status, then the cost report of the days given, as the README shows it. */
const reportWorkflow = {
	id: REPORT,
	name: 'e2e: account report',
	nodes: [
		webhookNode(REPORT, 'Report Request', PATHS.report),
		{
			id: `${REPORT}-status`,
			name: 'Account Status',
			type: 'n8n-nodes-whatsapp-compliance.whatsAppOptInManager',
			typeVersion: 1,
			position: [220, 0],
			parameters: { resource: 'account', operation: 'getStatus' },
		},
		{
			id: `${REPORT}-cost`,
			name: 'Cost Report',
			type: 'n8n-nodes-whatsapp-compliance.whatsAppOptInManager',
			typeVersion: 1,
			position: [440, 0],
			parameters: {
				resource: 'report',
				operation: 'cost',
				period: 'custom',
				from: "={{ $('Report Request').first().json.body.from }}",
				to: "={{ $('Report Request').first().json.body.to }}",
				options: { timeZone: 'UTC' },
			},
		},
	],
	connections: {
		'Report Request': { main: [[{ node: 'Account Status', type: 'main', index: 0 }]] },
		'Account Status': { main: [[{ node: 'Cost Report', type: 'main', index: 0 }]] },
	},
};

let sandbox: Sandbox;
let n8n: N8nInstance;

/** Does `action` and returns the execution it started in `workflowId`, ended in success. */
async function executionOf(
	workflowId: string,
	action: () => Promise<unknown>,
): Promise<N8nExecution> {
	const before = n8n.executions(workflowId).length;
	await action();
	const ended = await n8n.waitForExecutions(workflowId, before + 1, 90_000);
	expect(ended).toHaveLength(before + 1);
	expect(ended[before].status).toBe('success');
	return ended[before];
}

async function campaign(recipients: Recipient[]): Promise<N8nExecution> {
	return await executionOf(CAMPAIGN, async () => {
		const answer = await postJson(n8n.webhookUrl(PATHS.campaign), { recipients });
		expect(answer.status).toBe(200);
	});
}

async function report(): Promise<N8nExecution> {
	const today = new Date().toISOString().slice(0, 10);
	const yesterday = new Date(Date.now() - 24 * 3600_000).toISOString().slice(0, 10);
	return await executionOf(REPORT, async () => {
		const answer = await postJson(n8n.webhookUrl(PATHS.report), { from: yesterday, to: today });
		expect(answer.status).toBe(200);
	});
}

beforeAll(async () => {
	sandbox = await startSandbox({
		messagingLimit: LIMIT,
		statusDelaysMs: { sent: 50, delivered: 100, read: null },
	});
	n8n = await startN8n({
		credentials: [sandboxCredential(sandbox)],
		workflows: [
			triggerWorkflow,
			campaignWorkflow,
			reportWorkflow,
			consentImportWorkflow(CONSENT, 'e2e: account consent', PATHS.consent),
		],
	});
	sandbox.state.webhookUrl = n8n.webhookUrl(PATHS.inbox);
	for (const c of contacts) {
		await control(sandbox, 'POST', 'contacts', { wa_id: c.waId, name: c.name, country: 'DE' });
	}
	const day = new Date(Date.now() - 24 * 3600_000).toISOString();
	const rows: ConsentRow[] = contacts.map((c, i) => ({
		phone: c.phone,
		purposes: i === 0 ? 'marketing, transactional' : 'transactional',
		status: 'opted_in',
		time: day,
	}));
	rows.push({
		phone: NOT_ON_WHATSAPP.phone,
		purposes: 'marketing, transactional',
		status: 'opted_in',
		time: day,
	});
	const imported = await postJson(n8n.webhookUrl(PATHS.consent), { rows });
	expect(imported).toEqual({
		status: 200,
		json: expect.objectContaining({ rows: rows.length, failed: 0 }),
	});
}, 5 * 60_000);

afterAll(async () => {
	await n8n?.stop();
	await sandbox?.close();
});

describe('the messaging limit', () => {
	it('gives back the place of a template Meta accepted and then failed (131026, not on WhatsApp)', async () => {
		const execution = await campaign([marketing(NOT_ON_WHATSAPP.phone, 'not-on-whatsapp')]);
		expect(outputItems(execution, 'Send Template', 0)).toEqual([
			expect.objectContaining({
				result: 'sent',
				messagingLimit: expect.objectContaining({ limit: LIMIT, reachedLast24h: 1 }),
			}),
		]);
		// The sandbox, as Meta, fails it with a status webhook the trigger records.
		await waitFor(() =>
			sandbox.state
				.sentMessages({ to: NOT_ON_WHATSAPP.waId })
				.some((m) => m.status === 'failed' && m.error?.code === 131026),
		);
		let status: IDataObject = {};
		await waitFor(async () => {
			status = outputItems(await report(), 'Account Status', 0)[0];
			return (status.messagingLimit as IDataObject).reachedLast24h === 0;
		}, 30_000);
		expect(status.messagingLimit).toEqual(
			expect.objectContaining({ limit: LIMIT, reachedLast24h: 0, remaining: LIMIT }),
		);
		// The next test sends to LIMIT new contacts: the failed template holds none of their places.
	}, 120_000);

	it('sends a campaign larger than the limit exactly up to the limit and skips the rest with retryAt', async () => {
		const execution = await campaign(contacts.map((c) => order(c.phone, `order-${c.waId}`)));

		const sent = outputItems(execution, 'Send Template', 0);
		const skipped = outputItems(execution, 'Send Template', 1);
		expect(sent).toHaveLength(LIMIT);
		expect(skipped).toHaveLength(CAMPAIGN_SIZE - LIMIT);
		// In the order of the list: the first ones fit.
		expect(sent.map((item) => item.to)).toEqual(contacts.slice(0, LIMIT).map((c) => c.phone));
		const inADay = Date.now() + 24 * 3600_000;
		for (const item of skipped) {
			expect(item).toMatchObject({
				result: 'skipped',
				reason: 'messaging_limit',
				rule: 'messaging limit',
			});
			const retryAt = Date.parse(String(item.retryAt));
			expect(retryAt).toBeGreaterThan(Date.now() + 23 * 3600_000);
			expect(retryAt).toBeLessThan(inADay + 60_000);
		}
		for (const item of [...sent, ...skipped]) {
			expect(item.messagingLimit).toEqual({
				limit: LIMIT,
				reachedLast24h: LIMIT,
				remaining: 0,
				warning: expect.stringContaining(`${CAMPAIGN_SIZE - LIMIT} more new contacts than`),
			});
		}
		const hints = execution.data?.resultData.runData['Send Template'][0].hints ?? [];
		expect(hints).toEqual([
			expect.objectContaining({
				type: 'warning',
				message: expect.stringContaining('messaging_limit'),
			}),
		]);

		// Meta (the sandbox) accepted exactly those: none of them fails later with its limit error.
		const accepted = sandbox.state
			.sentMessages()
			.filter((m) => m.template?.name === 'order_update');
		expect(accepted).toHaveLength(LIMIT);
		await waitFor(() => deliveredCount() === LIMIT);
		expect(accepted.filter((m) => m.statuses.some((s) => s.status === 'failed'))).toEqual([]);
	}, 180_000);

	it('still sends to contacts already counted, and the account status says the limit is reached', async () => {
		const execution = await campaign(
			contacts.slice(0, 3).map((c) => order(c.phone, `second-order-${c.waId}`)),
		);

		expect(outputItems(execution, 'Send Template', 0)).toHaveLength(3);
		const status = outputItems(await report(), 'Account Status', 0)[0];
		expect(status).toMatchObject({
			messagingLimit: { limit: LIMIT, reachedLast24h: LIMIT, remaining: 0, source: 'graph' },
			qualityLow: false,
		});
	}, 120_000);
});

describe('quality', () => {
	it('holds marketing but not utility once the sandbox posts a red rating for the number', async () => {
		const [number] = sandbox.state.phoneNumbers;
		const flagged = await executionOf(TRIGGER, () =>
			control(sandbox, 'PUT', `phone-numbers/${number.id}/quality`, { rating: 'RED' }),
		);
		expect(outputItems(flagged, 'WhatsApp Webhook Trigger', 0)).toEqual([
			expect.objectContaining({
				kind: 'phone_number_quality',
				phoneNumberQuality: expect.objectContaining({ event: 'FLAGGED' }),
			}),
		]);
		const first = contacts[0];

		const execution = await campaign([
			marketing(first.phone, `red-marketing-${first.waId}`),
			order(first.phone, `red-order-${first.waId}`),
		]);

		expect(outputItems(execution, 'Send Template', 1)).toEqual([
			expect.objectContaining({
				template: 'back_in_stock',
				reason: 'quality_low',
				rule: 'quality',
				message: expect.stringContaining('quality rating is low (RED)'),
			}),
		]);
		expect(outputItems(execution, 'Send Template', 0)).toEqual([
			expect.objectContaining({ template: 'order_update', result: 'sent', category: 'utility' }),
		]);
		expect(
			sandbox.state.sentMessages({ to: first.waId }).map((m) => m.template?.name),
		).not.toContain('back_in_stock');
		const status = outputItems(await report(), 'Account Status', 0)[0];
		expect(status.qualityLow).toBe(true);
	}, 120_000);
});

describe('the cost report', () => {
	it('matches what the sandbox billed, per day, template, category and market', async () => {
		await waitFor(
			() =>
				deliveredCount() ===
				sandbox.state.sentMessages().filter((m) => m.status !== 'failed').length,
		);
		const billed = await control<{
			data: Array<{
				date: string;
				template: string | null;
				category: string;
				pricing_type: string;
				country: string;
				messages: number;
				billable: number;
			}>;
			totals: { messages: number; billable: number };
		}>(sandbox, 'GET', 'billing?time_zone=UTC');
		expect(billed.totals.messages).toBeGreaterThan(LIMIT);

		// The trigger records each delivery as its status comes in: wait for the last one.
		let lines: IDataObject[] = [];
		await waitFor(async () => {
			lines = outputItems(await report(), 'Cost Report', 0);
			const total = lines.find((l) => l.kind === 'total');
			return total?.messages === billed.totals.messages;
		});

		const key = (
			date: unknown,
			template: unknown,
			category: unknown,
			type: unknown,
			market: unknown,
		) => JSON.stringify([date, template ?? null, category, type, market]);
		const fromReport = new Map(
			lines
				.filter((l) => l.kind === 'line')
				.map((l) => [
					key(l.date, l.template, l.category, l.pricingType, l.market),
					[l.messages, l.billable],
				]),
		);
		const fromSandbox = new Map<string, number[]>();
		for (const b of billed.data) {
			const k = key(b.date, b.template, b.category, b.pricing_type, marketOf(b.country));
			const [messages, billable] = fromSandbox.get(k) ?? [0, 0];
			fromSandbox.set(k, [messages + b.messages, billable + b.billable]);
		}
		expect(fromReport).toEqual(fromSandbox);
		expect(lines.find((l) => l.kind === 'total')).toMatchObject({
			messages: billed.totals.messages,
			billable: billed.totals.billable,
			currency: 'USD',
		});
	}, 180_000);
});

function deliveredCount(): number {
	return sandbox.state
		.sentMessages()
		.filter((m) => m.statuses.some((s) => s.status === 'delivered')).length;
}

async function waitFor(
	condition: () => boolean | Promise<boolean>,
	timeoutMs = 60_000,
): Promise<void> {
	const end = Date.now() + timeoutMs;
	while (Date.now() < end) {
		if (await condition()) return;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	throw new Error('The condition never came true');
}
