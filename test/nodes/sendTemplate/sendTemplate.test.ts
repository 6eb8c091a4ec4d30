import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { DAY, HOUR, ManualClock, SECOND } from '../../../nodes/core/clock';
import { scopedKey } from '../../../nodes/shared/idempotencyKeys';
import { sendStateOf, until } from '../../support/sends';
import {
	ANA_BR,
	AVERY_US,
	JOAO_BR,
	JONAS,
	JUERGEN,
	LENA,
	NO_QUIET_HOURS,
	SENDER,
	backInStock,
	consent,
	itemsOf,
	run,
	sentBefore,
	startEnv,
	template,
	variables,
	type Outputs,
	type Param,
	type TestEnv,
} from './support';

let env: TestEnv;
beforeEach(async () => {
	env = await startEnv();
});
afterEach(async () => {
	await env.dispose();
});

const json = (items: INodeExecutionData[]) => items.map((item) => item.json);
const paired = (items: INodeExecutionData[]) => items.map((item) => item.pairedItem);

/** Parameters reading recipient and variables from each item's json. */
function perItem(items: INodeExecutionData[], extra: Record<string, Param> = {}) {
	return {
		recipient: (i: number) => items[i].json.phone,
		template: (i: number) => template(String(items[i].json.template ?? 'back_in_stock|de')),
		variables: (i: number) => variables(items[i].json.vars as IDataObject),
		options: NO_QUIET_HOURS,
		...extra,
	};
}

describe('Send Template', () => {
	describe('rules before sending', () => {
		it('sends exactly the allowed items of a mixed list and skips each other one with its reason', async () => {
			await consent(env, LENA.waId, 'opt_in');
			await consent(env, JONAS.waId, 'opt_in', 'marketing', Date.now() - 3 * DAY);
			await consent(env, JONAS.waId, 'opt_out');
			await consent(env, JUERGEN.waId, 'request_confirmation');
			await consent(env, AVERY_US.waId, 'opt_in');
			await consent(env, JOAO_BR.waId, 'opt_in');
			await sentBefore(env, JOAO_BR.waId, [2 * DAY, 1 * DAY]);
			await consent(env, ANA_BR.waId, 'opt_in');
			const items = itemsOf(
				{ phone: LENA.written, vars: backInStock('Lena') },
				{ phone: JONAS.e164, vars: backInStock('Jonas') },
				{ phone: JUERGEN.e164, vars: backInStock('Jürgen') },
				{ phone: '+1 (415) 555-0123', vars: backInStock('Avery') },
				{ phone: JOAO_BR.e164, vars: backInStock('João') },
				{
					phone: ANA_BR.e164,
					template: 'spring_sale|en',
					vars: { 'body.1': '20%', 'body.2': 'Sunday' },
				},
			);

			const out = await run(env, items, {
				params: { ...perItem(items), options: { ...NO_QUIET_HOURS, defaultCountry: 'DE' } },
			});

			const sent = env.sandbox.state.sentMessages();
			expect(sent.map((m) => m.to)).toEqual([LENA.waId]);
			expect(json(out.sent)).toEqual([
				expect.objectContaining({
					result: 'sent',
					wamid: sent[0].id,
					waId: LENA.waId,
					messageStatus: 'accepted',
					to: LENA.e164,
					category: 'marketing',
					currency: 'USD',
					estimatedPrice: 0.1365,
					billable: true,
				}),
			]);
			expect(paired(out.sent)).toEqual([{ item: 0 }]);
			expect(json(out.skipped).map((j) => [j.reason, j.rule])).toEqual([
				['marketing_opted_out', 'opt-out wins'],
				['consent_pending', 'double opt-in'],
				['us_marketing', 'us marketing'],
				['frequency_cap', 'frequency cap'],
				['template_paused', 'template status'],
			]);
			expect(paired(out.skipped)).toEqual([1, 2, 3, 4, 5].map((item) => ({ item })));
			for (const skipped of out.skipped) {
				expect(String(skipped.json.message).length).toBeGreaterThan(20);
				expect(skipped.json.input).toEqual(
					items[(skipped.pairedItem as { item: number }).item].json,
				);
			}
			const capped = json(out.skipped)[3];
			// The oldest of the two earlier sends leaves the 7-day period first.
			expect(Date.parse(String(capped.retryAt))).toBeGreaterThan(Date.now() + 4 * DAY);
			expect(Date.parse(String(capped.retryAt))).toBeLessThan(Date.now() + 6 * DAY);
			expect(json(out.skipped)[0].retryAt).toBeNull();
			expect(json(out.skipped)[4].input).toEqual(items[5].json);
		});

		it('records the sent message under its idempotency key with its wamid and price', async () => {
			await consent(env, LENA.waId, 'opt_in');
			const items = itemsOf({ phone: LENA.e164, vars: backInStock('Lena') });

			const out = await run(env, items, { params: perItem(items) });

			const key = String(out.sent[0].json.idempotencyKey);
			const { sends, contacts } = await env.store.getSnapshot({
				sender: SENDER,
				contacts: [LENA.waId],
				marketingSince: 0,
				idempotencyKeys: [key],
			});
			expect(sends.get(key)).toMatchObject({
				state: 'accepted',
				wamid: out.sent[0].json.wamid,
				contact: LENA.waId,
				category: 'marketing',
				kind: 'template:back_in_stock',
				estimatedPrice: 0.1365,
				currency: 'USD',
			});
			expect(contacts.get(LENA.waId)!.marketingSentAt).toHaveLength(1);
		});

		it('puts the fields of the output contract on every item, in order, the input last', async () => {
			await consent(env, LENA.waId, 'opt_in');
			const items = itemsOf(
				{ phone: LENA.e164, vars: backInStock('Lena') },
				{ phone: JONAS.e164, vars: backInStock('Jonas') },
			);

			const out = await run(env, items, { params: perItem(items) });

			const fields = [
				...['result', 'message', 'reason', 'rule', 'retryAt', 'wamid', 'messageStatus', 'sentAt'],
				...['to', 'contact', 'waId', 'userId', 'phoneNumberId', 'idempotencyKey', 'messageType'],
				...['category', 'estimatedPrice', 'currency', 'billable', 'pricingCategory', 'pricingType'],
				...['template', 'language', 'categoryChanged', 'payload', 'messagingLimit', 'input'],
			];
			expect(Object.keys(out.sent[0].json)).toEqual(fields);
			expect(Object.keys(out.skipped[0].json)).toEqual(fields);
			expect(out.sent[0].json).toMatchObject({
				result: 'sent',
				message: null,
				reason: null,
				phoneNumberId: SENDER,
				messageType: 'template',
				input: items[0].json,
			});
			expect(out.skipped[0].json).toMatchObject({
				result: 'skipped',
				reason: 'no_consent',
				wamid: null,
				sentAt: null,
				input: items[1].json,
			});
		});

		it("keeps the store's template status in step with Meta's list", async () => {
			await consent(env, ANA_BR.waId, 'opt_in');
			const items = itemsOf({
				phone: ANA_BR.e164,
				template: 'spring_sale|en',
				vars: { 'body.1': '20%', 'body.2': 'Sunday' },
			});

			await run(env, items, { params: perItem(items) });

			const [state] = await env.store.getTemplateStates([
				{ account: '240117385066184', name: 'spring_sale', language: 'en' },
			]);
			expect(state).toMatchObject({ status: 'PAUSED', category: 'marketing', quality: 'RED' });
		});

		it('sends the double opt-in confirmation to a contact whose consent is pending', async () => {
			await consent(env, JUERGEN.waId, 'request_confirmation');
			const items = itemsOf({
				phone: JUERGEN.e164,
				template: 'consent_confirmation|de',
				vars: { 'body.first_name': 'Jürgen', 'body.business_name': 'Sandbox Shop' },
			});
			const params = perItem(items);

			const withoutOption = await run(env, items, { params });
			const withOption = await run(env, items, {
				params: { ...params, options: { ...NO_QUIET_HOURS, doubleOptInConfirmation: true } },
				executionId: 'execution-2',
			});

			expect(json(withoutOption.skipped)[0]).toMatchObject({ reason: 'consent_pending' });
			expect(json(withOption.sent)[0]).toMatchObject({ result: 'sent', category: 'utility' });
			expect(env.sandbox.state.sentMessages()).toHaveLength(1);
		});

		it("holds a marketing template during quiet hours in the contact's time zone until they end", async () => {
			// 22:30 in Berlin (summer time): quiet from 21:00 to 08:00.
			const night = Date.UTC(2026, 5, 15, 20, 30);
			await consent(env, LENA.waId, 'opt_in', 'marketing', night - DAY);
			const quietHours = { settings: { enabled: true, start: '21:00', end: '08:00' } };
			const items = itemsOf({ phone: LENA.e164, vars: backInStock('Lena') });

			const out = await run(env, items, {
				params: { ...perItem(items), options: { quietHours } },
				clock: new ManualClock(night),
			});

			expect(out.sent).toEqual([]);
			expect(json(out.skipped)[0]).toMatchObject({
				reason: 'quiet_hours',
				rule: 'quiet hours',
				retryAt: '2026-06-16T06:00:00.000Z',
			});
			expect(env.sandbox.state.sentMessages()).toEqual([]);
		});

		it('counts the marketing templates of the same batch against the frequency cap', async () => {
			await consent(env, LENA.waId, 'opt_in');
			const items = itemsOf(
				{ phone: LENA.e164, vars: backInStock('Lena') },
				{ phone: LENA.e164, vars: backInStock('Lena') },
			);
			const cap = { settings: { enabled: true, max: 1, periodDays: 7 } };

			const out = await run(env, items, {
				params: { ...perItem(items), options: { ...NO_QUIET_HOURS, frequencyCap: cap } },
			});

			expect(json(out.sent).map((j) => j.result)).toEqual(['sent']);
			expect(json(out.skipped)[0]).toMatchObject({ reason: 'frequency_cap' });
			expect(paired(out.skipped)).toEqual([{ item: 1 }]);
		});
	});

	describe('idempotency', () => {
		it('sends nothing twice when the same execution runs again and returns the first wamid', async () => {
			await consent(env, LENA.waId, 'opt_in');
			await consent(env, JONAS.waId, 'opt_in');
			const items = itemsOf(
				{ phone: LENA.e164, vars: backInStock('Lena') },
				{ phone: JONAS.e164, vars: backInStock('Jonas') },
			);
			const options = { params: perItem(items), executionId: 'execution-7' };

			const first = await run(env, items, options);
			const again = await run(env, items, options);

			expect(env.sandbox.state.sentMessages()).toHaveLength(2);
			expect(json(again.sent).map((j) => j.result)).toEqual(['duplicate', 'duplicate']);
			expect(json(again.sent).map((j) => j.wamid)).toEqual(json(first.sent).map((j) => j.wamid));
			expect(json(again.sent)[0].idempotencyKey).toBe(json(first.sent)[0].idempotencyKey);
		});

		it('sends again in a new execution unless an Idempotency Key says it is the same message', async () => {
			await consent(env, LENA.waId, 'opt_in');
			const items = itemsOf({ phone: LENA.e164, vars: backInStock('Lena'), orderId: 'A-1042' });
			const noCap = { ...NO_QUIET_HOURS, frequencyCap: { settings: { enabled: false } } };
			const unkeyed = { ...perItem(items), options: noCap };
			const keyed = { ...perItem(items), options: { ...noCap, idempotencyKey: 'A-1042' } };

			await run(env, items, { params: unkeyed, executionId: 'execution-1' });
			await run(env, items, { params: unkeyed, executionId: 'execution-2' });
			const first = await run(env, items, { params: keyed, executionId: 'execution-3' });
			const repeat = await run(env, items, { params: keyed, executionId: 'execution-4' });

			expect(env.sandbox.state.sentMessages()).toHaveLength(3);
			expect(json(repeat.sent)[0]).toMatchObject({
				result: 'duplicate',
				wamid: json(first.sent)[0].wamid,
			});
			expect(String(json(repeat.sent)[0].message)).toContain('already sent');
		});

		it('sends a message again under its key when Meta reported that send as failed', async () => {
			await consent(env, LENA.waId, 'opt_in');
			const items = itemsOf({ phone: LENA.e164, vars: backInStock('Lena') });
			const options = { params: perItem(items), executionId: 'execution-8' };
			const first = await run(env, items, options);
			const firstWamid = String(json(first.sent)[0].wamid);
			// Meta accepted it, then its status webhook said it failed: it never reached Lena.
			await env.store.applyWebhookEvents(
				[
					{
						key: `status:${firstWamid}:failed`,
						effects: { sendFailures: [{ wamid: firstWamid, errorCode: 131026, at: Date.now() }] },
					},
				],
				Date.now(),
			);

			const again = await run(env, items, options);

			expect(env.sandbox.state.sentMessages()).toHaveLength(2);
			expect(json(again.sent)[0]).toMatchObject({
				result: 'sent',
				idempotencyKey: json(first.sent)[0].idempotencyKey,
			});
			expect(json(again.sent)[0].wamid).not.toBe(firstWamid);
			expect(again.skipped).toEqual([]);
		});

		it('sends one message for two items with the same key in one batch', async () => {
			await consent(env, LENA.waId, 'opt_in');
			const items = itemsOf(
				{ phone: LENA.e164, vars: backInStock('Lena') },
				{ phone: LENA.written, vars: backInStock('Lena') },
			);

			const out = await run(env, items, {
				params: {
					...perItem(items),
					options: { ...NO_QUIET_HOURS, defaultCountry: 'DE', idempotencyKey: 'campaign-9' },
				},
			});

			expect(env.sandbox.state.sentMessages()).toHaveLength(1);
			expect(json(out.sent).map((j) => j.result)).toEqual(['sent', 'duplicate']);
			expect(json(out.sent)[1].wamid).toBe(json(out.sent)[0].wamid);
			expect(paired(out.sent)).toEqual([{ item: 0 }, { item: 1 }]);
		});

		it('gives one key to every recipient separately', async () => {
			await consent(env, LENA.waId, 'opt_in');
			await consent(env, JONAS.waId, 'opt_in');
			const items = itemsOf(
				{ phone: LENA.e164, vars: backInStock('Lena') },
				{ phone: JONAS.e164, vars: backInStock('Jonas') },
			);

			const out = await run(env, items, {
				params: { ...perItem(items), options: { ...NO_QUIET_HOURS, idempotencyKey: 'spring' } },
			});

			expect(json(out.sent).map((j) => j.result)).toEqual(['sent', 'sent']);
			expect(json(out.sent)[0].idempotencyKey).not.toBe(json(out.sent)[1].idempotencyKey);
			expect(String(json(out.sent)[0].idempotencyKey)).not.toContain(LENA.waId);
		});
	});

	describe('recording', () => {
		it('records each send as Meta answers it, while other sends of the batch are still open', async () => {
			await consent(env, LENA.waId, 'opt_in');
			await consent(env, JONAS.waId, 'opt_in');
			const graph = await startHoldingGraph(env);
			const items = itemsOf(
				{ phone: LENA.e164, vars: backInStock('Lena') },
				{ phone: JONAS.e164, vars: backInStock('Jonas') },
			);
			const clock = new ManualClock(Date.now());
			const keyOf = (contact: string) => scopedKey('spring', ['back_in_stock', contact]);
			const stateOf = (contact: string) => sendStateOf(env.store, SENDER, keyOf(contact));
			try {
				const running = run(env, items, {
					params: { ...perItem(items), options: { ...NO_QUIET_HOURS, idempotencyKey: 'spring' } },
					baseUrl: graph.url,
					clock,
				});
				await until(() => graph.held().length === 2);
				expect(await stateOf(LENA.waId)).toBe('pending');
				clock.advance(SECOND);
				graph.accept(LENA.e164);

				await until(async () => (await stateOf(LENA.waId)) === 'accepted');
				expect(await stateOf(JONAS.waId)).toBe('pending');

				graph.accept(JONAS.e164);
				const out = await running;
				expect(json(out.sent).map((j) => j.result)).toEqual(['sent', 'sent']);
				expect(await stateOf(JONAS.waId)).toBe('accepted');
			} finally {
				await graph.close();
			}
		});
	});

	describe('item errors', () => {
		it('makes a bad phone number an item error and sends the other items', async () => {
			await consent(env, LENA.waId, 'opt_in');
			await consent(env, JONAS.waId, 'opt_in');
			const items = itemsOf(
				{ phone: LENA.e164, vars: backInStock('Lena') },
				{ phone: '12', vars: backInStock('Nobody') },
				{ phone: JONAS.e164, vars: backInStock('Jonas') },
			);

			const out = await run(env, items, { params: perItem(items), continueOnFail: true });

			expect(env.sandbox.state.sentMessages().map((m) => m.to)).toEqual([LENA.waId, JONAS.waId]);
			expect(paired(out.sent)).toEqual([{ item: 0 }, { item: 2 }]);
			expect(out.skipped).toHaveLength(1);
			expect(out.skipped[0].pairedItem).toEqual({ item: 1 });
			expect(String(out.skipped[0].json.error)).toMatch(/^\[item 1\] /);
			expect(out.skipped[0].error).toBeDefined();
		});

		it('stops before any request when a variable is missing and Continue On Fail is off', async () => {
			await consent(env, LENA.waId, 'opt_in');
			const missing = backInStock('Jonas');
			delete missing['body.product'];
			const items = itemsOf(
				{ phone: LENA.e164, vars: backInStock('Lena') },
				{ phone: LENA.e164, vars: missing },
			);

			const running = run(env, items, { params: perItem(items) });

			await expect(running).rejects.toThrow(/\[item 1\].*Missing: Body \{\{product\}\}/);
			await expect(running).rejects.toMatchObject({ context: { itemIndex: 1 } });
			expect(env.sandbox.state.sentMessages()).toEqual([]);
		});

		it('makes a variable the template does not have an item error', async () => {
			await consent(env, LENA.waId, 'opt_in');
			const items = itemsOf({
				phone: LENA.e164,
				vars: { ...backInStock('Lena'), 'body.discount': '20%' },
			});

			const out = await run(env, items, { params: perItem(items), continueOnFail: true });

			expect(String(out.skipped[0].json.error)).toContain('body.discount');
			expect(env.sandbox.state.sentMessages()).toEqual([]);
		});

		it("puts Meta's refusal on the item with the catalog's sentence and frees its key", async () => {
			await consent(env, LENA.waId, 'opt_in');
			await consent(env, '4915199999999', 'opt_in');
			const items = itemsOf(
				{ phone: LENA.e164, vars: backInStock('Lena') },
				{ phone: '+49 151 99999999', vars: backInStock('Unknown') },
			);

			const out = await run(env, items, { params: perItem(items), continueOnFail: true });

			expect(json(out.sent).map((j) => j.result)).toEqual(['sent']);
			expect(out.skipped[0].json).toEqual({
				error: expect.stringMatching(/^\[item 1\] /),
				errorDescription: expect.stringContaining('131026'),
			});
			// Meta refused it, so nothing was sent: the key is free, a re-run would send it.
			const rerun = await run(env, items, {
				params: { ...perItem(items), options: { ...NO_QUIET_HOURS, dryRun: true } },
				continueOnFail: true,
			});
			expect(json(rerun.sent).map((j) => j.result)).toEqual(['duplicate', 'dry_run']);
		});

		it("records the other items' sends before it stops on Meta's refusal", async () => {
			await consent(env, LENA.waId, 'opt_in');
			await consent(env, '4915199999999', 'opt_in');
			const items = itemsOf(
				{ phone: '+49 151 99999999', vars: backInStock('Unknown') },
				{ phone: LENA.e164, vars: backInStock('Lena') },
			);

			await expect(run(env, items, { params: perItem(items) })).rejects.toThrow(/^\[item 0\] /);
			const again = await run(env, items, { params: perItem(items), continueOnFail: true });

			expect(env.sandbox.state.sentMessages().map((m) => m.to)).toEqual([LENA.waId]);
			expect(json(again.sent)[0]).toMatchObject({ result: 'duplicate' });
		});

		it('holds a message another execution is sending with the same key', async () => {
			await consent(env, LENA.waId, 'opt_in');
			const items = itemsOf({ phone: LENA.e164, vars: backInStock('Lena') });
			const dry = await run(env, items, {
				params: { ...perItem(items), options: { ...NO_QUIET_HOURS, dryRun: true } },
			});
			const key = String(json(dry.sent)[0].idempotencyKey);
			await env.store.reserveSends([
				{
					idempotencyKey: key,
					sender: SENDER,
					contact: LENA.waId,
					kind: 'template:back_in_stock',
					category: 'marketing',
					at: Date.now(),
				},
			]);

			const out = await run(env, items, { params: perItem(items) });

			expect(json(out.skipped)[0]).toMatchObject({
				reason: 'send_in_progress',
				rule: 'idempotency',
			});
			expect(env.sandbox.state.sentMessages()).toEqual([]);
		});

		/** Sends Lena's message once through `graph` as `first` says, then again: nothing is resent. */
		async function expectKeyStaysClaimed(
			graph: Awaited<ReturnType<typeof startStubGraph>>,
			first: (items: INodeExecutionData[]) => Promise<Outputs>,
		) {
			await consent(env, LENA.waId, 'opt_in');
			const items = itemsOf({ phone: LENA.e164, vars: backInStock('Lena') });
			try {
				const out = await first(items);
				const again = await run(env, items, { params: perItem(items), baseUrl: graph.url });

				expect(String(out.skipped[0].json.errorDescription)).toContain('stays claimed');
				expect(json(again.skipped)[0]).toMatchObject({ reason: 'send_in_progress' });
				expect(graph.sends()).toBe(1);
			} finally {
				await graph.close();
			}
		}

		it('keeps the key claimed when Meta may have accepted a message it failed to confirm', async () => {
			const graph = await startFailingGraph(env);
			await expectKeyStaysClaimed(graph, (items) =>
				run(env, items, { params: perItem(items), continueOnFail: true, baseUrl: graph.url }),
			);
		});

		it('keeps the key claimed when the execution is cancelled after the message left', async () => {
			const graph = await startHoldingGraph(env);
			const controller = new AbortController();
			await expectKeyStaysClaimed(graph, async (items) => {
				const running = run(env, items, {
					params: perItem(items),
					continueOnFail: true,
					baseUrl: graph.url,
					signal: controller.signal,
				});
				await until(() => graph.held().length === 1);
				controller.abort(new Error('The execution was cancelled'));
				return await running;
			});
		});

		it('gives every item its own error when the credential has no business account ID', async () => {
			await consent(env, LENA.waId, 'opt_in');
			const items = itemsOf(
				{ phone: LENA.e164, vars: backInStock('Lena') },
				{ phone: LENA.e164, vars: backInStock('Lena') },
			);

			const out = await run(env, items, {
				params: perItem(items),
				continueOnFail: true,
				account: '',
			});

			expect(out.skipped.map((item) => item.json.error)).toEqual([
				'[item 0] The WhatsApp Cloud API credential has no WhatsApp Business Account ID',
				'[item 1] The WhatsApp Cloud API credential has no WhatsApp Business Account ID',
			]);
			expect(out.skipped[1].json.errorDescription).toContain('Enter it in the credential');
			expect(out.skipped[0].error).not.toBe(out.skipped[1].error);
			expect(out.skipped[1].error).toMatchObject({ context: { itemIndex: 1 } });
		});

		it('refuses a WhatsApp username with a sentence saying what to use', async () => {
			const items = itemsOf({ phone: '@lena.fischer', vars: backInStock('Lena') });

			const out = await run(env, items, { params: perItem(items), continueOnFail: true });

			expect(String(out.skipped[0].json.error)).toContain('username');
			expect(String(out.skipped[0].json.error)).toContain('business-scoped user ID');
		});
	});

	describe('dry run', () => {
		it('checks the rules and builds the payload but sends and claims nothing', async () => {
			await consent(env, LENA.waId, 'opt_in');
			const items = itemsOf(
				{ phone: LENA.e164, vars: backInStock('Lena') },
				{ phone: JONAS.e164, vars: backInStock('Jonas') },
			);

			const out = await run(env, items, {
				params: { ...perItem(items), options: { ...NO_QUIET_HOURS, dryRun: true } },
			});

			expect(env.sandbox.state.sentMessages()).toEqual([]);
			expect(json(out.sent)[0]).toMatchObject({
				result: 'dry_run',
				category: 'marketing',
				estimatedPrice: 0.1365,
				payload: {
					to: LENA.e164,
					type: 'template',
					template: { name: 'back_in_stock', language: { code: 'de' } },
				},
			});
			expect(json(out.skipped)[0]).toMatchObject({ reason: 'no_consent' });
			expect(json(out.skipped)[0].payload).toMatchObject({ to: JONAS.e164 });
			const { sends } = await env.store.getSnapshot({
				sender: SENDER,
				contacts: [],
				marketingSince: 0,
				idempotencyKeys: [String(json(out.sent)[0].idempotencyKey)],
			});
			expect(sends.size).toBe(0);
		});

		it('says of a repeated key that a real run would send the message once', async () => {
			await consent(env, LENA.waId, 'opt_in');
			const items = itemsOf(
				{ phone: LENA.e164, vars: backInStock('Lena') },
				{ phone: LENA.e164, vars: backInStock('Lena') },
			);

			const out = await run(env, items, {
				params: {
					...perItem(items),
					options: { ...NO_QUIET_HOURS, dryRun: true, idempotencyKey: 'campaign-9' },
				},
			});

			expect(json(out.sent).map((j) => j.result)).toEqual(['dry_run', 'dry_run']);
			expect(json(out.sent)[1].message).toBe(
				'Dry run: item 0 has the same idempotency key, so a real run would send this message once, for both items; nothing was sent.',
			);
			expect(env.sandbox.state.sentMessages()).toEqual([]);
		});

		it('addresses a business-scoped user ID in the recipient field', async () => {
			await consent(env, 'DE.13491208655302741918', 'opt_in');
			const items = itemsOf({ phone: 'DE.13491208655302741918', vars: backInStock('Lena') });

			const out = await run(env, items, {
				params: { ...perItem(items), options: { ...NO_QUIET_HOURS, dryRun: true } },
			});

			const payload = json(out.sent)[0].payload as IDataObject;
			expect(payload.recipient).toBe('DE.13491208655302741918');
			expect(payload).not.toHaveProperty('to');
			expect(json(out.sent)[0]).toMatchObject({ contact: 'DE.13491208655302741918' });
		});
	});

	describe('components JSON', () => {
		it('sends the components as written, checked for shape', async () => {
			await consent(env, LENA.waId, 'opt_in', 'transactional');
			const components = [
				{ type: 'header', parameters: [{ type: 'text', text: 'A-1042' }] },
				{
					type: 'body',
					parameters: [
						{ type: 'text', text: 'Lena' },
						{ type: 'text', text: 'A-1042' },
						{ type: 'text', text: 'Friday, 14 March' },
					],
				},
				{
					type: 'button',
					sub_type: 'url',
					index: '0',
					parameters: [{ type: 'text', text: 'A-1042' }],
				},
			];
			const items = itemsOf({ phone: LENA.e164 });

			const out = await run(env, items, {
				params: {
					recipient: LENA.e164,
					template: template('order_update|en'),
					variablesMode: 'json',
					components: JSON.stringify(components),
				},
			});

			expect(json(out.sent)[0]).toMatchObject({ result: 'sent', category: 'utility' });
			const [message] = env.sandbox.state.sentMessages();
			expect(message.rendered).toMatchObject({
				header: 'Order A-1042',
				body: 'Hi Lena, your order A-1042 has shipped and should arrive on Friday, 14 March.',
			});
		});

		it('makes components JSON that is not JSON an item error', async () => {
			const items = itemsOf({ phone: LENA.e164 });

			const out = await run(env, items, {
				params: {
					recipient: LENA.e164,
					template: template('order_update|en'),
					variablesMode: 'json',
					components: '[{"type": "body"',
				},
				continueOnFail: true,
			});

			expect(String(out.skipped[0].json.error)).toContain('Components JSON is not valid JSON');
		});
	});

	describe('template by name', () => {
		it('takes the language from the Language parameter', async () => {
			await consent(env, LENA.waId, 'opt_in');
			const items = itemsOf({ phone: LENA.e164 });

			const out = await run(env, items, {
				params: {
					recipient: LENA.e164,
					template: template('opt_out_confirmation', 'name'),
					language: 'en',
					variables: variables({ 'body.1': 'news and offers' }),
				},
			});

			expect(json(out.sent)[0]).toMatchObject({
				result: 'sent',
				template: 'opt_out_confirmation',
				language: 'en',
				category: 'utility',
			});
		});

		it('holds a template the account does not have', async () => {
			await consent(env, LENA.waId, 'opt_in');
			const items = itemsOf({ phone: LENA.e164 });

			const out = await run(env, items, {
				params: {
					recipient: LENA.e164,
					template: template('order_update', 'name'),
					language: 'fr',
					variables: variables({}),
				},
			});

			expect(json(out.skipped)[0]).toMatchObject({ reason: 'template_unknown' });
		});
	});

	describe('estimated price', () => {
		const orderUpdate = {
			'header.text.1': 'A-1042',
			'body.1': 'Lena',
			'body.2': 'A-1042',
			'body.3': 'Friday, 14 March',
			'button.0.url': 'A-1042',
		};

		it('is free for a utility template inside the customer service window', async () => {
			await consent(env, LENA.waId, 'opt_in', 'transactional');
			await env.store.touchWindows([{ sender: SENDER, contact: LENA.waId, at: Date.now() - HOUR }]);
			const items = itemsOf({ phone: LENA.e164, template: 'order_update|en', vars: orderUpdate });

			const out = await run(env, items, { params: perItem(items) });

			expect(json(out.sent)[0]).toMatchObject({
				result: 'sent',
				category: 'utility',
				estimatedPrice: 0,
				billable: false,
				pricingType: 'free_customer_service',
			});
		});

		it('is free in a free entry point window, which the first reply to an ad opens', async () => {
			await consent(env, LENA.waId, 'opt_in', 'transactional');
			await env.store.touchWindows([
				{ sender: SENDER, contact: LENA.waId, at: Date.now() - HOUR, referral: true },
			]);
			const items = itemsOf({ phone: LENA.e164, template: 'order_update|en', vars: orderUpdate });

			const out = await run(env, items, { params: perItem(items) });

			expect(json(out.sent)[0]).toMatchObject({
				estimatedPrice: 0,
				pricingType: 'free_entry_point',
			});
			const { contacts } = await env.store.getSnapshot({
				sender: SENDER,
				contacts: [LENA.waId],
				marketingSince: 0,
			});
			expect(contacts.get(LENA.waId)!.window?.fepStartedAt).toBeDefined();
		});
	});

	describe('options', () => {
		it('estimates with an overriding price table', async () => {
			await consent(env, LENA.waId, 'opt_in');
			const items = itemsOf({ phone: LENA.e164, vars: backInStock('Lena') });

			const out = await run(env, items, {
				params: {
					...perItem(items),
					options: {
						...NO_QUIET_HOURS,
						dryRun: true,
						priceTable: '{"countryRates": {"DE": {"marketing": 0.1131}}}',
					},
				},
			});

			expect(json(out.sent)[0]).toMatchObject({ estimatedPrice: 0.1131, currency: 'USD' });
		});

		it('names the problem of a price table that is not valid', async () => {
			const items = itemsOf({ phone: LENA.e164, vars: backInStock('Lena') });

			const running = run(env, items, {
				params: { ...perItem(items), options: { priceTable: '{"DE": 0.1}' } },
			});

			await expect(running).rejects.toThrow(/Price Table Override has "DE"/);
		});

		it("refuses a rate limit above Meta's highest tier", async () => {
			const items = itemsOf({ phone: LENA.e164, vars: backInStock('Lena') });

			await expect(
				run(env, items, { params: { ...perItem(items), options: { rateLimit: 5000 } } }),
			).rejects.toThrow(/Rate Limit must be .* at most 1000/);
		});
	});
});

/**
 * A Graph API stand-in: answers the template list from the sandbox's seed, a read of the sender
 * number with a green rating, and hands every send (its recipient and the response) to `answerSend`.
 */
async function startStubGraph(
	env: TestEnv,
	answerSend: (to: string, res: http.ServerResponse) => void,
) {
	let sends = 0;
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const url = new URL(req.url ?? '/', 'http://127.0.0.1');
			if (req.method === 'GET' && url.pathname.endsWith('/message_templates')) {
				const data = env.sandbox.state
					.templates()
					.filter((t) => t.definition.name === url.searchParams.get('name'))
					.map((t) => ({ ...(t.raw as object), status: t.status }));
				res.writeHead(200, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ data }));
				return;
			}
			if (req.method === 'GET') {
				// The sender number's standing (GET /<PHONE_NUMBER_ID>).
				res.writeHead(200, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ id: url.pathname.split('/').pop(), quality_rating: 'GREEN' }));
				return;
			}
			sends += 1;
			const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to: string };
			answerSend(body.to, res);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		sends: () => sends,
		close: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

/** Every send answered with an HTTP 500: Meta may or may not have accepted the message. */
async function startFailingGraph(env: TestEnv) {
	return await startStubGraph(env, (_to, res) => {
		res.writeHead(500, { 'content-type': 'application/json' });
		res.end(
			JSON.stringify({
				error: { message: 'An unknown error occurred', type: 'OAuthException', code: 1 },
			}),
		);
	});
}

/** Every send is held until the test answers it with `accept(to)`. */
async function startHoldingGraph(env: TestEnv) {
	const held = new Map<string, http.ServerResponse>();
	const graph = await startStubGraph(env, (to, res) => held.set(to, res));
	return {
		...graph,
		held: () => [...held.keys()],
		accept(to: string) {
			const res = held.get(to)!;
			held.delete(to);
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(
				JSON.stringify({
					messaging_product: 'whatsapp',
					contacts: [{ input: to, wa_id: to.replace('+', '') }],
					messages: [{ id: `wamid.held-${to}` }],
				}),
			);
		},
	};
}
