/**
 * Send Template and the account's standing, against the sandbox (its numbers' quality and the
 * portfolio's messaging limit, read through GET /<PHONE_NUMBER_ID>) and a real SQLite store.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { DAY, HOUR } from '../../../nodes/core/clock';
import { PORTFOLIO } from '../../../nodes/core/standing';
import {
	ANA_BR,
	JOAO_BR,
	JONAS,
	JUERGEN,
	LENA,
	NO_QUIET_HOURS,
	SENDER,
	backInStock,
	consent,
	executeContext,
	itemsOf,
	run,
	startEnv,
	template,
	variables,
	type TestEnv,
} from './support';
import { execute } from '../../../nodes/WhatsAppSendTemplate/execute';

let env: TestEnv;
beforeEach(async () => {
	env = await startEnv();
});
afterEach(async () => {
	await env.dispose();
});

const json = (items: INodeExecutionData[]) => items.map((item) => item.json);

const orderUpdate = (name: string) => ({
	'header.text.1': 'A-1042',
	'body.1': name,
	'body.2': 'A-1042',
	'body.3': 'Friday, 14 March',
	'button.0.url': 'A-1042',
});

const CONTACTS = [LENA, JONAS, JUERGEN, JOAO_BR, ANA_BR];

/** One utility template per contact (no quiet hours, no frequency cap: only the limit holds). */
function orders(people = CONTACTS) {
	return itemsOf(
		...people.map((p) => ({
			phone: p.e164,
			template: 'order_update|en',
			vars: orderUpdate('Kim'),
		})),
	);
}

function params(items: INodeExecutionData[], options: IDataObject = {}) {
	return {
		recipient: (i: number) => items[i].json.phone,
		template: (i: number) => template(String(items[i].json.template)),
		variables: (i: number) => variables(items[i].json.vars as IDataObject),
		options: { ...NO_QUIET_HOURS, ...options },
	};
}

async function optIn(purpose: string, people = CONTACTS) {
	for (const p of people) await consent(env, p.waId, 'opt_in', purpose);
}

describe('Send Template: the messaging limit', () => {
	it('sends to new contacts up to the limit and holds the rest with retryAt, showing what is left', async () => {
		await optIn('transactional');
		// Two contacts reached 20 and 10 hours ago by another run: 2 of a limit of 4 are used.
		await env.store.reserveReach({
			now: Date.now() - 20 * HOUR,
			limit: undefined,
			recipients: [{ contact: LENA.waId, key: 'earlier-1' }],
			oldest: 0,
		});
		await env.store.reserveReach({
			now: Date.now() - 10 * HOUR,
			limit: undefined,
			recipients: [{ contact: JONAS.waId, key: 'earlier-2' }],
			oldest: 0,
		});
		const items = orders();
		const ctx = executeContext(env, items, {
			params: params(items, { messagingLimit: { settings: { maxContacts: 4 } } }),
		});

		const [sent, skipped] = await execute.call(ctx);

		// Lena and Jonas are counted already: they never wait. Two new ones fit, the fifth waits.
		expect(json(sent).map((item) => item.to)).toEqual([
			LENA.e164,
			JONAS.e164,
			JUERGEN.e164,
			JOAO_BR.e164,
		]);
		expect(json(skipped)).toEqual([
			expect.objectContaining({
				to: ANA_BR.e164,
				result: 'skipped',
				rule: 'messaging limit',
				reason: 'messaging_limit',
				// When Lena, the oldest counted contact, leaves the 24 hours.
				retryAt: expect.any(String),
			}),
		]);
		const retryAt = Date.parse(String(skipped[0].json.retryAt));
		expect(retryAt - (Date.now() + 4 * HOUR)).toBeLessThan(60_000);
		expect(retryAt - (Date.now() + 4 * HOUR)).toBeGreaterThan(-60_000);
		const field = {
			limit: 4,
			reachedLast24h: 4,
			remaining: 0,
			warning: expect.stringContaining('1 more new contact than'),
		};
		for (const item of [...json(sent), ...json(skipped)]) {
			expect(item.messagingLimit).toEqual(field);
		}
		expect(ctx.addExecutionHints).toHaveBeenCalledWith(
			expect.objectContaining({ type: 'warning', location: 'outputPane' }),
		);
		expect(env.sandbox.state.sentMessages().map((m) => m.to)).toHaveLength(4);
	});

	it("reads Meta's limit from the account, and never holds a reply inside the window", async () => {
		env.sandbox.state.setMessagingLimit(250);
		await optIn('transactional');
		await env.store.touchWindows([{ sender: SENDER, contact: ANA_BR.waId, at: Date.now() - HOUR }]);
		const items = orders();

		const out = await run(env, items, { params: params(items) });

		expect(out.skipped).toEqual([]);
		// Ana wrote an hour ago: her template is inside the window and takes no place.
		expect(json(out.sent)[0].messagingLimit).toEqual({
			limit: 250,
			reachedLast24h: 4,
			remaining: 246,
			warning: null,
		});
		const standing = await env.store.getAccountStanding(Date.now());
		expect(standing.entries).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ subject: PORTFOLIO, name: 'messaging_limit', value: '250' }),
				expect.objectContaining({ subject: SENDER, name: 'quality_rating', value: 'GREEN' }),
			]),
		);
		expect(standing.reachedLast24h).toBe(4);
	});

	it('gives the place of a send that certainly failed back', async () => {
		await optIn('transactional', [LENA]);
		const items = itemsOf({
			phone: '+4915199999999',
			template: 'order_update|en',
			vars: orderUpdate('X'),
		});
		await consent(env, '4915199999999', 'opt_in', 'transactional');

		// The sandbox refuses the number at once (it is not a WhatsApp contact): nothing was sent.
		const out = await run(env, items, { params: params(items), continueOnFail: true });

		expect(out.sent).toEqual([]);
		expect(json(out.skipped)).toEqual([expect.objectContaining({ error: expect.any(String) })]);
		expect((await env.store.getAccountStanding(Date.now())).reachedLast24h).toBe(0);
	});

	it('can be switched off, and still counts what it sends', async () => {
		await optIn('transactional');
		const items = orders();

		const out = await run(env, items, {
			params: params(items, { messagingLimit: { settings: { enabled: false, maxContacts: 2 } } }),
		});

		expect(out.sent).toHaveLength(5);
		expect(json(out.sent)[0].messagingLimit).toMatchObject({ limit: 2, reachedLast24h: 5 });
	});

	it('takes the lower of the credential, the node and Meta', async () => {
		env.sandbox.state.setMessagingLimit(2000);
		await optIn('transactional');
		const items = orders();

		const out = await run(env, items, {
			params: params(items, { messagingLimit: { settings: { maxContacts: 3 } } }),
		});

		expect(out.sent).toHaveLength(3);
		expect(json(out.skipped).map((item) => item.reason)).toEqual([
			'messaging_limit',
			'messaging_limit',
		]);
	});
});

describe('Send Template: quality protection', () => {
	const marketing = (people = [LENA, JONAS]) =>
		itemsOf(
			...people.map((p) => ({
				phone: p.e164,
				template: 'back_in_stock|de',
				vars: backInStock('Kim'),
			})),
		);

	it('holds marketing while the number is rated red, and sends utility', async () => {
		env.sandbox.state.setNumberQuality('RED', { webhook: false });
		await optIn('marketing', [LENA, JONAS]);
		await optIn('transactional', [LENA]);
		const items = [...marketing(), ...orders([LENA])];

		const out = await run(env, items, { params: params(items) });

		expect(json(out.skipped).map(({ to, reason, rule }) => ({ to, reason, rule }))).toEqual([
			{ to: LENA.e164, reason: 'quality_low', rule: 'quality' },
			{ to: JONAS.e164, reason: 'quality_low', rule: 'quality' },
		]);
		expect(String(out.skipped[0].json.message)).toContain('quality rating is low (RED)');
		expect(json(out.sent)).toEqual([
			expect.objectContaining({ template: 'order_update', category: 'utility' }),
		]);
	});

	it('holds a template whose quality is red, and sends anyway when it is switched off', async () => {
		env.sandbox.state.setTemplateQuality('back_in_stock', 'RED');
		await optIn('marketing', [LENA]);
		const items = marketing([LENA]);

		const held = await run(env, items, { params: params(items) });
		const sent = await run(env, items, {
			params: params(items, { qualityProtection: false }),
			executionId: 'execution-2',
		});

		expect(json(held.skipped)).toEqual([
			expect.objectContaining({ reason: 'template_quality_low', rule: 'quality' }),
		]);
		expect(json(sent.sent)).toEqual([expect.objectContaining({ result: 'sent' })]);
	});

	it('uses what the store knows for an hour, and a flag a webhook stored under the display number', async () => {
		await optIn('marketing', [LENA]);
		const items = marketing([LENA]);
		const again = (executionId: string) => run(env, items, { params: params(items), executionId });
		// The first run reads the number from Meta (GREEN) and learns its display phone number.
		expect((await again('execution-1')).sent).toHaveLength(1);
		// Rated red without a webhook: within the hour the stored rating counts, Meta is not asked.
		env.sandbox.state.setNumberQuality('RED', { webhook: false });
		expect((await again('execution-2')).sent).toHaveLength(1);
		// phone_number_quality_update names the number by its display phone number only.
		await env.store.applyWebhookEvents(
			[
				{
					key: 'quality:flagged',
					effects: {
						standing: [
							{
								subject: 'display:493057700180',
								name: 'quality_rating',
								value: 'FLAGGED',
								at: Date.now(),
								source: 'phone_number_quality_update',
							},
						],
					},
				},
			],
			Date.now(),
		);

		const later = await again('execution-3');

		expect(json(later.skipped)).toEqual([expect.objectContaining({ reason: 'quality_low' })]);
		expect(String(later.skipped[0].json.message)).toContain('quality rating is low (RED)');
	});

	it('reads the number again once the stored standing is an hour old', async () => {
		await optIn('marketing', [LENA]);
		const items = marketing([LENA]);
		await env.store.recordStanding([
			{ subject: SENDER, name: 'checked', value: 'graph', at: Date.now() - DAY, source: 'graph' },
			{
				subject: SENDER,
				name: 'quality_rating',
				value: 'GREEN',
				at: Date.now() - DAY,
				source: 'graph',
			},
		]);
		env.sandbox.state.setNumberQuality('RED', { webhook: false });

		const out = await run(env, items, { params: params(items) });

		expect(json(out.skipped)).toEqual([expect.objectContaining({ reason: 'quality_low' })]);
	});
});
