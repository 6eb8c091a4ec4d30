/**
 * Send Template as an AI agent's tool ("WhatsApp Send Template Tool"), run as n8n's AI Agent runs
 * it: the agent's input item (the trigger's message) with the model's arguments spread over it.
 * The model chooses among the templates the builder offers, by name, with their variables.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { templateChoices } from '../../../nodes/WhatsAppSendTemplate/methods';
import { bundledSeedInput, loadSeed } from '../../../sandbox/seedLoader';
import { JONAS, LENA, SENDER, consent, run, startEnv, template, type TestEnv } from './support';

let env: TestEnv;
beforeEach(async () => {
	env = await startEnv();
});
afterEach(async () => {
	await env.dispose();
});

/** Templates to Offer as the node lists them for the sandbox's seed templates. */
const entries = templateChoices(
	loadSeed(bundledSeedInput()).templates.map((t) => t.definition),
).map((choice) => String(choice.value));
const offer = (...heads: string[]) =>
	heads.map((head) => entries.find((entry) => entry.startsWith(`${head} `))!);

/** The incoming item: a message from `contact` (as the Webhook Trigger gives it). */
function message(contact: string): INodeExecutionData {
	return {
		json: {
			kind: 'message',
			phoneNumberId: SENDER,
			contact,
			contactWaId: contact,
			text: 'Hello?',
			timestamp: new Date().toISOString(),
		},
	};
}

/** The node as a tool whose model chooses among `offered`, making the call `args`. */
function asTool(
	args: IDataObject,
	offered = offer('support_follow_up (en)', 'back_in_stock (en)'),
) {
	return {
		tool: { args },
		params: {
			templateChoice: 'model',
			modelTemplates: offered,
			options: { quietHours: { settings: { enabled: false } } },
		},
	};
}

const sends = () => env.sandbox.state.sentMessages();

describe('send template as a tool', () => {
	it('lists each offered template with its language, category and variables', () => {
		expect(offer('support_follow_up (en)', 'back_in_stock (de)')).toEqual([
			'support_follow_up (en) · UTILITY · body.first_name (e.g. Lena)',
			'back_in_stock (de) · MARKETING · header.image (a link or media ID), body.first_name (e.g. Lena), body.product (e.g. der Trail Runner 2), body.ship_date (e.g. Freitag)',
		]);
		// Paused templates cannot be offered.
		expect(entries.some((entry) => entry.startsWith('spring_sale'))).toBe(false);
	});

	it('sends the template the model chose to the contact who wrote, and says so briefly', async () => {
		await consent(env, LENA.waId, 'opt_in', 'transactional');

		const { sent, skipped } = await run(
			env,
			[message(LENA.waId)],
			asTool({ template: 'support_follow_up', variables: '{"body.first_name": "Lena"}' }),
		);

		expect(skipped).toEqual([]);
		expect(sent.map((i) => i.json)).toEqual([
			{
				result: 'sent',
				wamid: sends()[0].id,
				sentAt: expect.any(String),
				template: 'support_follow_up',
				language: 'en',
				category: 'utility',
			},
		]);
		expect(sends().map((m) => [m.to, m.template?.name])).toEqual([
			[LENA.waId, 'support_follow_up'],
		]);
	});

	it('holds a marketing template without marketing consent, on the first output, with what to do', async () => {
		await consent(env, LENA.waId, 'opt_in', 'transactional');

		const { sent } = await run(
			env,
			[message(LENA.waId)],
			asTool({
				template: 'back_in_stock (en)',
				variables: {
					'header.image': 'https://shop.example.com/a.jpg',
					'body.first_name': 'Lena',
					'body.product': 'the Trail Runner 2',
					'body.ship_date': 'Friday',
				},
			}),
		);

		expect(sent.map((i) => i.json)).toEqual([
			{
				result: 'skipped',
				reason: 'no_consent',
				message: expect.stringMatching(/^Not sent: the contact has not opted in/),
				template: 'back_in_stock',
				language: 'en',
				category: 'marketing',
			},
		]);
		expect(sends()).toEqual([]);
	});

	it('answers a template that is not offered with the list of those that are', async () => {
		const { sent } = await run(
			env,
			[message(LENA.waId)],
			asTool({ template: 'order_update', variables: '{}' }),
		);

		expect(sent.map((i) => i.json)).toEqual([
			{
				result: 'error',
				message: expect.stringMatching(
					/^Not sent: "order_update" is not a template you may send\. Choose one of these by name: support_follow_up \(en\) · UTILITY/,
				),
			},
		]);
		expect(sends()).toEqual([]);
	});

	it("answers missing variables with the template's variables", async () => {
		await consent(env, LENA.waId, 'opt_in', 'transactional');

		const { sent } = await run(
			env,
			[message(LENA.waId)],
			asTool({ template: 'support_follow_up', variables: '{}' }),
		);

		expect(sent[0].json).toEqual({
			result: 'error',
			message: expect.stringMatching(/Missing: Body \{\{first_name\}\} \(body\.first_name\)/),
		});
	});

	it('refuses to send to anyone but the contact who wrote, unless any recipient is allowed', async () => {
		await consent(env, JONAS.waId, 'opt_in', 'transactional');
		const call = asTool({ template: 'support_follow_up', variables: '{"body.first_name": "J"}' });

		const refused = await run(env, [message(LENA.waId)], {
			...call,
			params: { ...call.params, recipient: JONAS.e164 },
		});
		expect(refused.sent[0].json).toMatchObject({
			result: 'skipped',
			reason: 'recipient_not_in_conversation',
		});
		expect(sends()).toEqual([]);

		const allowed = await run(env, [message(LENA.waId)], {
			...call,
			params: { ...call.params, recipient: JONAS.e164, allowAnyRecipient: true },
		});
		expect(allowed.sent[0].json).toMatchObject({ result: 'sent' });
		expect(sends().map((m) => m.to)).toEqual([JONAS.waId]);
	});

	it('sends the fixed template of a tool whose builder chose one', async () => {
		await consent(env, LENA.waId, 'opt_in', 'transactional');

		const { sent } = await run(env, [message(LENA.waId)], {
			tool: { args: {} },
			params: {
				template: template('support_follow_up|en'),
				variables: {
					mappingMode: 'defineBelow',
					value: { 'body.first_name': 'Lena' },
					matchingColumns: [],
					schema: [],
				},
			},
		});

		expect(sent[0].json).toMatchObject({ result: 'sent', template: 'support_follow_up' });
	});
});
