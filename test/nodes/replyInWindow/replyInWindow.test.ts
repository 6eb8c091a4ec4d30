import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { HOUR, ManualClock, SECOND } from '../../../nodes/core/clock';
import { ALL_PURPOSES } from '../../../nodes/core/model';
import { scopedKey } from '../../../nodes/shared/idempotencyKeys';
import { sendStateOf, until } from '../../support/sends';
import {
	ago,
	contactNo,
	metaError,
	OTHER_SENDER,
	run,
	SENDER,
	startEnv,
	TOKEN,
	triggerItem,
	type TestEnv,
} from './support';

let env: TestEnv;
beforeAll(async () => {
	env = await startEnv();
});
afterAll(async () => {
	await env.dispose();
});
beforeEach(() => {
	env.graph.answer(undefined);
});

const iso = (ms: number) => new Date(ms).toISOString();

async function windowOf(contact: string, sender = SENDER) {
	const snapshot = await env.store.getSnapshot({ sender, contacts: [contact], marketingSince: 0 });
	return snapshot.contacts.get(contact)!.window;
}

describe('reply in window', () => {
	describe('window', () => {
		it('sends an in-window reply from the trigger item with no parameters typed, quoting the incoming message', async () => {
			const { waId, e164 } = contactNo(1);
			const inboundAt = ago(1);
			await env.store.touchWindows([{ sender: SENDER, contact: waId, at: inboundAt }]);
			const item = triggerItem(waId, inboundAt);

			const { sent, closed } = await run(env, [item], {
				params: { text: 'Yes, it ships today.', quoteIncomingMessage: true },
			});

			expect(closed).toEqual([]);
			const [request] = env.graph.sends().slice(-1);
			expect(request.path).toBe(`/v25.0/${SENDER}/messages`);
			expect(request.authorization).toBe(`Bearer ${TOKEN}`);
			expect(request.json).toEqual({
				messaging_product: 'whatsapp',
				recipient_type: 'individual',
				to: e164,
				type: 'text',
				text: { body: 'Yes, it ships today.' },
				context: { message_id: item.json.messageId },
			});
			expect(sent).toHaveLength(1);
			expect(sent[0].pairedItem).toEqual({ item: 0 });
			const reply = sent[0].json as Record<string, unknown>;
			expect(reply).toMatchObject({
				result: 'sent',
				messageType: 'text',
				to: e164,
				quotedMessageId: item.json.messageId,
				windowOpenUntil: iso(inboundAt + 24 * HOUR),
				category: 'service',
				pricingCategory: 'service',
				pricingType: 'free_customer_service',
				billable: false,
				estimatedPrice: 0,
				freeEntryPointStarted: false,
			});
			expect(reply.wamid).toMatch(/^wamid\.reply-/);
			// The contact and number used, and the trigger's item whole, for the following nodes.
			expect(sent[0].json).toMatchObject({
				contact: waId,
				phoneNumberId: SENDER,
				input: item.json,
			});
			const { sends } = await env.store.getSnapshot({
				sender: SENDER,
				contacts: [],
				marketingSince: 0,
				idempotencyKeys: [reply.idempotencyKey as string],
			});
			expect(sends.get(reply.idempotencyKey as string)).toMatchObject({
				state: 'accepted',
				wamid: reply.wamid,
				contact: waId,
				kind: 'text',
				category: 'service',
			});
		});

		it('routes a reply 25 hours after the last inbound message to Window Closed, saying when it closed', async () => {
			const { waId, e164 } = contactNo(2);
			const inboundAt = ago(25);
			await env.store.touchWindows([{ sender: SENDER, contact: waId, at: inboundAt }]);
			const before = env.graph.received.length;

			const { sent, closed } = await run(env, [triggerItem(waId, inboundAt)], {
				params: { text: 'Sorry for the wait!' },
			});

			expect(sent).toEqual([]);
			expect(env.graph.received.length).toBe(before);
			expect(closed).toHaveLength(1);
			expect(closed[0].pairedItem).toEqual({ item: 0 });
			// The whole output contract of a held reply (the same fields as Send Template's).
			expect(closed[0].json).toEqual({
				result: 'skipped',
				message: expect.stringContaining(
					`The customer service window with ${e164} closed at ${iso(inboundAt + 24 * HOUR).slice(0, 10)}`,
				),
				reason: 'window_closed',
				rule: 'window',
				retryAt: null,
				wamid: null,
				messageStatus: null,
				sentAt: null,
				to: e164,
				contact: waId,
				waId: null,
				userId: null,
				phoneNumberId: SENDER,
				idempotencyKey: expect.stringMatching(/^reply:/),
				messageType: 'text',
				category: null,
				estimatedPrice: null,
				currency: null,
				billable: null,
				pricingCategory: null,
				pricingType: null,
				windowOpenUntil: null,
				freeEntryPointStarted: null,
				quotedMessageId: null,
				mediaId: null,
				closedAt: iso(inboundAt + 24 * HOUR),
				lastInboundAt: iso(inboundAt),
				errorCode: null,
				metaDetails: null,
				input: triggerItem(waId, inboundAt).json,
			});
		});

		it('holds a reply to a contact who never wrote, with no closing time', async () => {
			const { waId } = contactNo(3);
			const { closed } = await run(env, [{ json: {} }], {
				params: { recipient: waId, text: 'Hi' },
			});
			expect(closed[0].json).toMatchObject({
				reason: 'window_closed',
				closedAt: null,
				lastInboundAt: null,
				message: expect.stringContaining('has not written to this WhatsApp number yet'),
			});
		});

		it("counts the incoming item's own timestamp when the store has no window", async () => {
			const { waId } = contactNo(4);
			const inboundAt = ago(0.1);
			const { sent, closed } = await run(env, [triggerItem(waId, inboundAt)], {
				params: { text: 'Got it' },
			});
			expect(closed).toEqual([]);
			expect((sent[0].json as Record<string, unknown>).windowOpenUntil).toBe(
				iso(inboundAt + 24 * HOUR),
			);
			// The store is not written for a plain reply: the trigger decides what it records.
			expect(await windowOf(waId)).toBeUndefined();
		});

		it('takes the later of the stored window and the incoming item', async () => {
			const { waId } = contactNo(5);
			await env.store.touchWindows([{ sender: SENDER, contact: waId, at: ago(30) }]);
			const { sent } = await run(env, [triggerItem(waId, ago(2))], { params: { text: 'Hi' } });
			expect(sent).toHaveLength(1);

			const { waId: other } = contactNo(6);
			await env.store.touchWindows([{ sender: SENDER, contact: other, at: ago(1) }]);
			const { sent: alsoSent } = await run(env, [triggerItem(other, ago(26))], {
				params: { text: 'Hi' },
			});
			expect((alsoSent[0].json as Record<string, unknown>).windowOpenUntil).toBe(
				iso((await windowOf(other))!.lastInboundAt + 24 * HOUR),
			);
		});

		it("ignores the item's timestamp when the item is about another contact or sender number", async () => {
			const { waId } = contactNo(7);
			const { waId: someoneElse } = contactNo(8);
			const { closed } = await run(env, [triggerItem(someoneElse, ago(1))], {
				params: { recipient: waId, text: 'Hi' },
			});
			expect(closed[0].json).toMatchObject({ reason: 'window_closed' });

			const { closed: otherNumber } = await run(
				env,
				[triggerItem(waId, ago(1), { phoneNumberId: OTHER_SENDER })],
				{ params: { text: 'Hi', senderNumber: { mode: 'id', value: SENDER } } },
			);
			expect(otherNumber[0].json).toMatchObject({ reason: 'window_closed' });

			const { closed: statusEvent } = await run(
				env,
				[triggerItem(waId, ago(1), { kind: 'status', status: 'read' })],
				{ params: { text: 'Hi' } },
			);
			expect(statusEvent[0].json).toMatchObject({ reason: 'window_closed' });
		});

		it('closes the window in the store when Meta answers 131047, and routes the item to Window Closed', async () => {
			const { waId, e164 } = contactNo(9);
			await env.store.touchWindows([{ sender: SENDER, contact: waId, at: ago(2) }]);
			env.graph.answer((request) =>
				request.json?.to === e164
					? metaError(131047, 'Re-engagement message', 'More than 24 hours have passed')
					: undefined,
			);
			const before = Date.now();

			const { sent, closed } = await run(env, [triggerItem(waId, ago(2))], {
				params: { text: 'Hello again' },
			});

			expect(sent).toEqual([]);
			const notSent = closed[0].json as Record<string, unknown>;
			expect(notSent).toMatchObject({
				reason: 'window_closed',
				rule: 'window',
				errorCode: 131047,
				metaDetails: 'More than 24 hours have passed',
				message: expect.stringContaining('WhatsApp reported the customer service window'),
			});
			const window = await windowOf(waId);
			expect(window!.closedAt).toBeGreaterThanOrEqual(before);
			expect(notSent.closedAt).toBe(iso(window!.closedAt!));

			// The next reply is held without asking Meta.
			const calls = env.graph.received.length;
			env.graph.answer(undefined);
			const again = await run(env, [triggerItem(waId, ago(2))], {
				params: { text: 'Hello again' },
				executionId: 'execution-2',
			});
			expect(env.graph.received.length).toBe(calls);
			expect(again.closed[0].json).toMatchObject({ reason: 'window_closed' });
		});

		it("records the item's inbound message with the 131047 close when the store had no window", async () => {
			const { waId, e164 } = contactNo(10);
			const inboundAt = ago(3);
			env.graph.answer((request) =>
				request.json?.to === e164 ? metaError(131047, 'Re-engagement message') : undefined,
			);
			const { closed } = await run(env, [triggerItem(waId, inboundAt)], { params: { text: 'Hi' } });
			expect(closed[0].json).toMatchObject({ errorCode: 131047 });
			const window = await windowOf(waId);
			expect(window).toMatchObject({ lastInboundAt: inboundAt });
			expect(window!.closedAt).toBeGreaterThan(inboundAt);
		});

		it('frees the idempotency key of a send Meta refused, so a later run may send it', async () => {
			const { waId, e164 } = contactNo(11);
			env.graph.answer((request) =>
				request.json?.to === e164 ? metaError(131047, 'Re-engagement message') : undefined,
			);
			const params = { text: 'Hi', options: { idempotencyKey: 'refused-once' } };
			await run(env, [triggerItem(waId, ago(1))], { params });
			env.graph.answer(undefined);
			// The contact writes again after the close: the newer message reopens the window.
			const { sent } = await run(env, [triggerItem(waId, Date.now() + 1)], { params });
			expect(sent[0].json).toMatchObject({
				result: 'sent',
				idempotencyKey: expect.stringMatching(/^refused-once#[0-9a-f]{16}$/),
			});
		});
	});

	describe('free entry point', () => {
		it('starts the free entry point with the first reply to an ad referral and prices it free', async () => {
			const { waId } = contactNo(12);
			const inboundAt = ago(1);
			await env.store.touchWindows([
				{ sender: SENDER, contact: waId, at: inboundAt, referral: true },
			]);
			const { sent } = await run(env, [triggerItem(waId, inboundAt)], { params: { text: 'Hi!' } });
			expect(sent[0].json).toMatchObject({
				freeEntryPointStarted: true,
				pricingCategory: 'referral_conversion',
				pricingType: 'free_entry_point',
				billable: false,
			});
			const window = await windowOf(waId);
			expect(window!.fepStartedAt).toBeGreaterThanOrEqual(inboundAt);
		});

		it("starts it from the trigger item's referral when the store has no window", async () => {
			const { waId } = contactNo(13);
			const item = triggerItem(waId, ago(0.5), { referral: { sourceType: 'ad', sourceId: '1' } });
			const { sent } = await run(env, [item], { params: { text: 'Welcome!' } });
			expect(sent[0].json).toMatchObject({ freeEntryPointStarted: true });
			const window = await windowOf(waId);
			expect(window).toMatchObject({
				lastInboundAt: item.json.timestampMs,
				referralAt: item.json.timestampMs,
			});
			expect(window!.fepStartedAt).toBeDefined();
		});
	});

	describe('opt-out wins', () => {
		/** A contact whose last message, a moment ago, was STOP: the trigger item of that message. */
		async function stopped(contactIndex: number) {
			const { waId } = contactNo(contactIndex);
			const inboundAt = ago(0.2);
			await env.store.touchWindows([{ sender: SENDER, contact: waId, at: inboundAt }]);
			await env.store.recordConsent([
				{
					contact: waId,
					purpose: ALL_PURPOSES,
					action: 'opt_out',
					at: inboundAt,
					source: 'keyword',
					wording: 'STOP',
				},
			]);
			return { waId, item: triggerItem(waId, inboundAt, { text: 'STOP' }) };
		}

		it('holds replies after a STOP, except the opt-out confirmation', async () => {
			const { item } = await stopped(14);
			const { closed } = await run(env, [item], { params: { text: 'Here is our offer' } });
			expect(closed[0].json).toMatchObject({ reason: 'opted_out', rule: 'opt-out wins' });

			const { sent } = await run(env, [item], {
				params: {
					text: 'You will get no more messages from us.',
					options: { optOutConfirmation: true },
				},
			});
			expect(sent[0].json).toMatchObject({ result: 'sent' });
		});

		it('sends one opt-out confirmation per opt-out: another in the batch or a later run is held', async () => {
			const { waId, item } = await stopped(90);
			const confirm = (text: string, executionId: string) => ({
				params: { text, options: { optOutConfirmation: true } },
				executionId,
			});
			const sends = env.graph.sends().length;

			const first = await run(env, [item, item], confirm('You are unsubscribed.', 'stop-run-1'));
			expect(first.sent).toHaveLength(1);
			expect(first.closed[0].json).toMatchObject({
				reason: 'opt_out_confirmed',
				rule: 'opt-out wins',
			});
			const again = await run(env, [item], confirm('Really, you are unsubscribed.', 'stop-run-2'));
			expect(again.sent).toEqual([]);
			expect(again.closed[0].json).toMatchObject({ reason: 'opt_out_confirmed' });
			expect(env.graph.sends().length - sends).toBe(1);
			const snapshot = await env.store.getSnapshot({
				sender: SENDER,
				contacts: [waId],
				marketingSince: 0,
			});
			expect(snapshot.contacts.get(waId)!.optOutConfirmationsSentAt).toHaveLength(1);
		});

		it("does not let the item's own later timestamp lift a STOP the store has no newer message for", async () => {
			const { waId } = contactNo(34);
			const stopAt = ago(0.5);
			await env.store.touchWindows([{ sender: SENDER, contact: waId, at: stopAt }]);
			await env.store.recordConsent([
				{ contact: waId, purpose: ALL_PURPOSES, action: 'opt_out', at: stopAt, source: 'keyword' },
			]);
			const later = triggerItem(waId, ago(0.1), { text: 'Any news?' });

			const { sent, closed } = await run(env, [later], { params: { text: 'Here is our offer' } });

			expect(sent).toEqual([]);
			expect(closed[0].json).toMatchObject({ reason: 'opted_out', rule: 'opt-out wins' });
		});
	});

	describe('recording', () => {
		it('records each reply as Meta answers it, while other replies of the batch are still open', async () => {
			const contacts = [contactNo(32), contactNo(33)];
			await env.store.touchWindows(
				contacts.map((c) => ({ sender: SENDER, contact: c.waId, at: ago(1) })),
			);
			env.graph.answer(() => 'hold');
			const clock = new ManualClock(Date.now());
			const keyOf = (waId: string) => scopedKey('ticket-3', ['reply', 'text', waId]);
			const stateOf = (waId: string) => sendStateOf(env.store, SENDER, keyOf(waId));
			const running = run(
				env,
				contacts.map((c) => triggerItem(c.waId, ago(1))),
				{ params: { text: 'On it', options: { idempotencyKey: 'ticket-3' } }, clock },
			);
			await until(() => env.graph.held.length === 2);
			expect(await stateOf(contacts[0].waId)).toBe('pending');
			clock.advance(SECOND);
			env.graph.held.find((h) => h.request.json?.to === contacts[0].e164)!.release();

			await until(async () => (await stateOf(contacts[0].waId)) === 'accepted');
			expect(await stateOf(contacts[1].waId)).toBe('pending');

			env.graph.held.find((h) => h.request.json?.to === contacts[1].e164)!.release();
			const { sent } = await running;
			expect(sent).toHaveLength(2);
			expect(await stateOf(contacts[1].waId)).toBe('accepted');
			env.graph.held.length = 0;
		});
	});

	describe('idempotency', () => {
		it('sends nothing twice when run again with the same idempotency key', async () => {
			const { waId } = contactNo(15);
			await env.store.touchWindows([{ sender: SENDER, contact: waId, at: ago(1) }]);
			const params = { text: 'Your code is 1234', options: { idempotencyKey: 'order-77-code' } };
			const first = await run(env, [triggerItem(waId, ago(1))], { params });
			const sendsAfterFirst = env.graph.sends().length;

			const second = await run(env, [triggerItem(waId, ago(1))], {
				params,
				executionId: 'another-execution',
			});

			expect(env.graph.sends().length).toBe(sendsAfterFirst);
			const firstReply = first.sent[0].json as Record<string, unknown>;
			expect(second.sent[0].json).toMatchObject({
				result: 'duplicate',
				wamid: firstReply.wamid,
				sentAt: firstReply.sentAt,
				message: expect.stringContaining('order-77-code'),
			});
		});

		it('does not send twice when the same execution runs the node again (Retry On Fail)', async () => {
			const { waId } = contactNo(16);
			await env.store.touchWindows([{ sender: SENDER, contact: waId, at: ago(1) }]);
			const item = triggerItem(waId, ago(1));
			await run(env, [item], { params: { text: 'Once' }, executionId: 'exec-retry' });
			const count = env.graph.sends().length;
			const retry = await run(env, [item], { params: { text: 'Once' }, executionId: 'exec-retry' });
			expect(env.graph.sends().length).toBe(count);
			expect(retry.sent[0].json).toMatchObject({ result: 'duplicate' });

			const newExecution = await run(env, [item], {
				params: { text: 'Once' },
				executionId: 'exec-new',
			});
			expect(env.graph.sends().length).toBe(count + 1);
			expect(newExecution.sent[0].json).toMatchObject({ result: 'sent' });
		});

		it('sends a reply again under its key when Meta reported that send as failed', async () => {
			const { waId } = contactNo(27);
			await env.store.touchWindows([{ sender: SENDER, contact: waId, at: ago(1) }]);
			const params = { text: 'Your parcel is on its way', options: { idempotencyKey: 'parcel-9' } };
			const first = await run(env, [triggerItem(waId, ago(1))], { params });
			const firstWamid = (first.sent[0].json as { wamid: string }).wamid;
			// Meta accepted it, then its status webhook said it failed: it never reached the contact.
			await env.store.applyWebhookEvents(
				[
					{
						key: `status:${firstWamid}:failed`,
						effects: { sendFailures: [{ wamid: firstWamid, errorCode: 131026, at: Date.now() }] },
					},
				],
				Date.now(),
			);
			const count = env.graph.sends().length;

			const again = await run(env, [triggerItem(waId, ago(1))], {
				params,
				executionId: 'another-execution',
			});

			expect(env.graph.sends().length).toBe(count + 1);
			expect(again.closed).toEqual([]);
			expect(again.sent[0].json).toMatchObject({
				result: 'sent',
				idempotencyKey: (first.sent[0].json as { idempotencyKey: string }).idempotencyKey,
			});
			expect((again.sent[0].json as { wamid: string }).wamid).not.toBe(firstWamid);
		});

		it('keeps the key claimed when Meta may have accepted a reply it failed to confirm', async () => {
			const { waId, e164 } = contactNo(28);
			await env.store.touchWindows([{ sender: SENDER, contact: waId, at: ago(1) }]);
			env.graph.answer((request) =>
				request.json?.to === e164
					? {
							status: 500,
							json: {
								error: { message: 'An unknown error occurred', type: 'OAuthException', code: 1 },
							},
						}
					: undefined,
			);
			const params = { text: 'Your code is 5678', options: { idempotencyKey: 'code-5678' } };
			const first = await run(env, [triggerItem(waId, ago(1))], { params, continueOnFail: true });
			const count = env.graph.sends().length;
			env.graph.answer(undefined);

			const again = await run(env, [triggerItem(waId, ago(1))], {
				params,
				executionId: 'another-execution',
			});

			expect(first.closed[0].error).toBeInstanceOf(NodeApiError);
			expect(env.graph.sends().length).toBe(count);
			expect(again.closed[0].json).toMatchObject({
				reason: 'send_in_progress',
				rule: 'idempotency',
			});
			// Claimed before the request, marked as left after it: never taken over as abandoned.
			const key = String(again.closed[0].json.idempotencyKey);
			const stored = (await env.store.getSends([key])).get(key)!;
			expect(stored).toMatchObject({ state: 'pending', callbackId: expect.any(String) });
			expect(stored.leftAt).toBeGreaterThanOrEqual(stored.createdAt);
		});

		it('keeps the key claimed when the execution is cancelled after the reply left', async () => {
			const { waId, e164 } = contactNo(29);
			await env.store.touchWindows([{ sender: SENDER, contact: waId, at: ago(1) }]);
			const controller = new AbortController();
			env.graph.answer((request) => {
				if (request.json?.to === e164) controller.abort(new Error('The execution was cancelled'));
				return undefined;
			});
			const params = { text: 'Your code is 9012', options: { idempotencyKey: 'code-9012' } };
			const first = await run(env, [triggerItem(waId, ago(1))], {
				params,
				continueOnFail: true,
				signal: controller.signal,
			});
			env.graph.answer(undefined);
			const count = env.graph.sends().length;

			const again = await run(env, [triggerItem(waId, ago(1))], {
				params,
				executionId: 'another-execution',
			});

			expect(first.closed[0].error).toBeInstanceOf(NodeApiError);
			expect(String(first.closed[0].json.error)).toContain('Cancelled');
			expect(env.graph.sends().length).toBe(count);
			expect(again.closed[0].json).toMatchObject({ reason: 'send_in_progress' });
		});

		it('scopes an Idempotency Key to the message type and the contact', async () => {
			const contacts = [contactNo(30), contactNo(31)];
			await env.store.touchWindows(
				contacts.map((c) => ({ sender: SENDER, contact: c.waId, at: ago(1) })),
			);
			const count = env.graph.sends().length;
			const options = { idempotencyKey: 'order-4711' };

			const texts = await run(
				env,
				contacts.map((c) => triggerItem(c.waId, ago(1))),
				{ params: { text: 'Shipped', options } },
			);
			const reaction = await run(env, [triggerItem(contacts[0].waId, ago(1))], {
				params: { messageType: 'reaction', emoji: '👍', options },
			});
			const repeat = await run(env, [triggerItem(contacts[1].waId, ago(1))], {
				params: { text: 'Shipped', options },
				executionId: 'another-execution',
			});

			expect(env.graph.sends().length).toBe(count + 3);
			const keys = texts.sent.map((s) => (s.json as { idempotencyKey: string }).idempotencyKey);
			expect(new Set(keys).size).toBe(2);
			expect(keys.join()).not.toContain(contacts[0].waId);
			expect(reaction.sent[0].json).toMatchObject({ result: 'sent' });
			expect(repeat.sent[0].json).toMatchObject({
				result: 'duplicate',
				idempotencyKey: keys[1],
			});
		});

		it('sends a key given to two items of one batch once', async () => {
			const { waId } = contactNo(17);
			await env.store.touchWindows([{ sender: SENDER, contact: waId, at: ago(1) }]);
			const count = env.graph.sends().length;
			const item = triggerItem(waId, ago(1));
			const { sent } = await run(env, [item, item], {
				params: { text: 'Once', options: { idempotencyKey: 'batch-key' } },
			});
			expect(env.graph.sends().length).toBe(count + 1);
			expect(sent.map((s) => (s.json as Record<string, unknown>).result)).toEqual([
				'sent',
				'duplicate',
			]);
			expect(sent[1].json).toMatchObject({
				wamid: (sent[0].json as { wamid: string }).wamid,
			});
			expect(sent.map((s) => s.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		});
	});

	describe('item errors', () => {
		const fourButtons = {
			button: [
				{ id: 'a', title: 'A' },
				{ id: 'b', title: 'B' },
				{ id: 'c', title: 'C' },
				{ id: 'd', title: 'D' },
			],
		};

		it('fails only the item with a fourth reply button, naming the limit, while the others are sent', async () => {
			const contacts = [contactNo(18), contactNo(19), contactNo(20)];
			await env.store.touchWindows(
				contacts.map((c) => ({ sender: SENDER, contact: c.waId, at: ago(1) })),
			);
			const items = contacts.map((c) => triggerItem(c.waId, ago(1)));
			const count = env.graph.sends().length;

			const { sent, closed } = await run(env, items, {
				continueOnFail: true,
				params: {
					messageType: 'buttons',
					bodyText: 'Pick one',
					buttons: (i: number) =>
						i === 1 ? fourButtons : { button: fourButtons.button.slice(0, 2) },
				},
			});

			expect(env.graph.sends().length).toBe(count + 2);
			expect(sent.map((s) => s.pairedItem)).toEqual([{ item: 0 }, { item: 2 }]);
			expect(closed).toHaveLength(1);
			expect(closed[0].pairedItem).toEqual({ item: 1 });
			expect(closed[0].json.error).toBe(
				'[item 1] Reply buttons: 4 given; WhatsApp allows 1 to 3. Use a list message for more choices.',
			);
			expect(closed[0].error).toBeInstanceOf(NodeOperationError);
		});

		it('throws the first item error without Continue On Fail before anything is sent', async () => {
			const contacts = [contactNo(21), contactNo(22)];
			await env.store.touchWindows(
				contacts.map((c) => ({ sender: SENDER, contact: c.waId, at: ago(1) })),
			);
			const items = contacts.map((c) => triggerItem(c.waId, ago(1)));
			const oneButton = { button: [{ id: 'x', title: 'X' }] };
			const params = (buttons: unknown) => ({
				messageType: 'buttons',
				bodyText: 'Pick one',
				buttons,
			});
			const count = env.graph.sends().length;

			const error = await run(env, items, {
				params: params((i: number) => (i === 0 ? fourButtons : oneButton)),
			}).catch((e: unknown) => e);

			expect(error).toBeInstanceOf(NodeOperationError);
			expect((error as NodeOperationError).message).toContain('WhatsApp allows 1 to 3');
			expect((error as NodeOperationError).context.itemIndex).toBe(0);
			expect(env.graph.sends().length).toBe(count);
			// Nothing was claimed either: the fixed batch sends both.
			const fixed = await run(env, items, { params: params(oneButton) });
			expect(fixed.sent).toHaveLength(2);
			expect(env.graph.sends().length).toBe(count + 2);
		});

		it('turns other API errors into item errors with Meta code and fix, without the token', async () => {
			const { waId, e164 } = contactNo(23);
			await env.store.touchWindows([{ sender: SENDER, contact: waId, at: ago(1) }]);
			env.graph.answer((request) =>
				request.json?.to === e164 ? metaError(131026, 'Message Undeliverable') : undefined,
			);
			const { closed } = await run(env, [triggerItem(waId, ago(1))], {
				continueOnFail: true,
				params: { text: 'Hi' },
			});
			expect(closed[0].error).toBeInstanceOf(NodeApiError);
			expect(closed[0].json.error).toMatch(/^\[item 0\] /);
			expect(closed[0].json.errorDescription).toContain('131026');
			expect(JSON.stringify(closed[0].json)).not.toContain(TOKEN);
			expect(await windowOf(waId)).not.toHaveProperty('closedAt');
		});

		it('explains an unreadable recipient and an empty quote', async () => {
			const { closed } = await run(env, [{ json: { contact: 'pablo.morales' } }, { json: {} }], {
				continueOnFail: true,
				params: {
					text: 'Hi',
					recipient: (i: number) => (i === 0 ? '={{ $json.contact }}' : contactNo(24).e164),
					quoteIncomingMessage: (i: number) => i === 1,
				},
			});
			expect(closed[0].json.error).toContain('looks like a WhatsApp username');
			expect(closed[1].json.error).toContain('Reply To Message ID is empty');
		});
	});

	describe('sender number', () => {
		it("falls back to the credential's phone number ID when the item names none", async () => {
			const { waId } = contactNo(25);
			await env.store.touchWindows([{ sender: OTHER_SENDER, contact: waId, at: ago(1) }]);
			const { sent } = await run(env, [{ json: { contact: waId } }], {
				params: { text: 'Hi' },
				credentialSender: OTHER_SENDER,
			});
			expect(sent[0].json.phoneNumberId).toBe(OTHER_SENDER);
			expect(env.graph.sends().at(-1)!.path).toBe(`/v25.0/${OTHER_SENDER}/messages`);
		});
	});

	describe('mark as read', () => {
		it('marks the incoming message read with a typing indicator, with no window needed', async () => {
			const { waId } = contactNo(26);
			const item = triggerItem(waId, ago(40));
			const { sent, closed } = await run(env, [item], {
				params: { operation: 'markAsRead', typingIndicator: true },
			});
			expect(closed).toEqual([]);
			expect(env.graph.received.at(-1)!.json).toEqual({
				messaging_product: 'whatsapp',
				status: 'read',
				message_id: item.json.messageId,
				typing_indicator: { type: 'text' },
			});
			expect(sent[0].json).toEqual({
				result: 'marked_as_read',
				messageId: item.json.messageId,
				typingIndicator: true,
				success: true,
				phoneNumberId: SENDER,
				input: item.json,
			});
			expect(sent[0].pairedItem).toEqual({ item: 0 });
		});
	});
});
