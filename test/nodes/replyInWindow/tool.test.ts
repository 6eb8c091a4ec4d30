/**
 * Reply in Window as an AI agent's tool ("WhatsApp Reply in Window Tool"), run as n8n's AI Agent
 * runs it: the agent's input item (the trigger's message) with the model's arguments spread over
 * it. The model gets only the first output, so every answer must be there, small, and say what to
 * do next.
 */
import type { IDataObject } from 'n8n-workflow';

import { ALL_PURPOSES } from '../../../nodes/core/model';
import { ago, contactNo, run, SENDER, startEnv, triggerItem, type TestEnv } from './support';

let env: TestEnv;
beforeAll(async () => {
	env = await startEnv();
});
afterAll(async () => {
	await env.dispose();
});

/** The model's call: its text and whatever else it passes. */
const model = (args: IDataObject) => ({ tool: { args } });

describe('reply in window as a tool', () => {
	it('answers "sent" with the wamid on the first output, without the incoming item', async () => {
		const { waId } = contactNo(1);
		const item = triggerItem(waId, ago(1));
		await env.store.touchWindows([{ sender: SENDER, contact: waId, at: ago(1) }]);

		const { sent, closed } = await run(env, [item], model({ text: 'It ships today.' }));

		expect(closed).toEqual([]);
		expect(sent).toEqual([
			{
				json: {
					result: 'sent',
					wamid: expect.stringMatching(/^wamid\.reply-/),
					sentAt: expect.any(String),
					windowOpenUntil: expect.any(String),
				},
				pairedItem: { item: 0 },
			},
		]);
		expect(env.graph.sends().slice(-1)[0].json).toMatchObject({
			text: { body: 'It ships today.' },
		});
	});

	it('answers a closed window on the first output with the reason and what to do next', async () => {
		const { waId } = contactNo(2);
		const item = triggerItem(waId, ago(25));
		const before = env.graph.sends().length;

		const { sent, closed } = await run(env, [item], model({ text: 'Sorry for the wait!' }));

		expect(closed).toEqual([]);
		expect(sent.map((i) => i.json)).toEqual([
			{
				result: 'skipped',
				reason: 'window_closed',
				message: expect.stringMatching(/^Not sent: .*send an approved template instead/),
			},
		]);
		expect(env.graph.sends().length).toBe(before);
	});

	it('gives the whole result, the incoming item included, with Full Result', async () => {
		const { waId } = contactNo(3);
		const item = triggerItem(waId, ago(25));

		const { sent } = await run(env, [item], {
			...model({ text: 'Sorry for the wait!' }),
			params: { fullResult: true },
		});

		expect(sent[0].json).toMatchObject({
			result: 'skipped',
			reason: 'window_closed',
			rule: 'window',
			input: expect.objectContaining({ contact: waId }),
		});
	});

	describe('recipient guard', () => {
		it('refuses a recipient the model chose who is not the contact who wrote', async () => {
			const { waId } = contactNo(4);
			const other = contactNo(5);
			await env.store.touchWindows([{ sender: SENDER, contact: other.waId, at: ago(1) }]);
			const before = env.graph.sends().length;

			const { sent } = await run(env, [triggerItem(waId, ago(1))], {
				...model({ text: 'Hi!', recipient: other.e164 }),
				params: { recipient: other.e164 },
			});

			expect(sent.map((i) => i.json)).toEqual([
				{
					result: 'skipped',
					reason: 'recipient_not_in_conversation',
					message: expect.stringMatching(/^Not sent: this tool only messages the contact/),
				},
			]);
			// Even though the other contact's window is open.
			expect(env.graph.sends().length).toBe(before);
		});

		it("refuses a contact the model wrote into the item's own fields, and opens no window for it", async () => {
			const { waId } = contactNo(6);
			const stranger = contactNo(7);
			const before = env.graph.sends().length;

			const { sent } = await run(
				env,
				[triggerItem(waId, ago(1))],
				model({
					text: 'Hi!',
					contact: stranger.waId,
					contactWaId: stranger.waId,
					timestamp: new Date().toISOString(),
				}),
			);

			expect(sent[0].json).toMatchObject({ reason: 'recipient_not_in_conversation' });
			expect(env.graph.sends().length).toBe(before);
		});

		it('lets the model choose with Allow Any Recipient, and the window rule still holds', async () => {
			const { waId } = contactNo(8);
			const stranger = contactNo(9);
			const before = env.graph.sends().length;

			const { sent } = await run(
				env,
				[triggerItem(waId, ago(1))],
				// The model also claims the stranger just wrote: only the store's window counts.
				{
					...model({ text: 'Hi!', contact: stranger.waId, timestamp: new Date().toISOString() }),
					params: { recipient: stranger.e164, allowAnyRecipient: true },
				},
			);

			expect(sent[0].json).toMatchObject({ result: 'skipped', reason: 'window_closed' });
			expect(env.graph.sends().length).toBe(before);
		});
	});

	describe('after a STOP', () => {
		async function stopped(n: number) {
			const { waId } = contactNo(n);
			const at = ago(0.2);
			await env.store.touchWindows([{ sender: SENDER, contact: waId, at }]);
			await env.store.recordConsent([
				{ contact: waId, purpose: ALL_PURPOSES, action: 'opt_out', at, source: 'keyword' },
			]);
			return triggerItem(waId, at, { text: 'STOP' });
		}

		it('holds the reply and offers the one confirmation, then sends the business text for it', async () => {
			const item = await stopped(10);
			const before = env.graph.sends().length;

			const first = await run(env, [item], model({ text: 'Here is 10% off!' }));
			expect(first.sent[0].json).toEqual({
				result: 'skipped',
				reason: 'opted_out',
				message: expect.stringMatching(
					/call this tool once more with optOutConfirmation set to true/,
				),
			});
			expect(env.graph.sends().length).toBe(before);

			const second = await run(env, [item], {
				...model({ text: 'Here is 10% off!', optOutConfirmation: true }),
				executionId: 'stop-2',
			});
			expect(second.sent[0].json).toMatchObject({
				result: 'sent',
				message: expect.stringMatching(/^Sent the confirmation of the contact's opt-out/),
			});
			expect(env.graph.sends().slice(-1)[0].json).toMatchObject({
				type: 'text',
				text: {
					body: "You're unsubscribed: you will not get any more messages from us on WhatsApp. Changed your mind? Reply START.",
				},
			});

			const third = await run(env, [item], {
				...model({ text: 'One more offer!', optOutConfirmation: true }),
				executionId: 'stop-3',
			});
			expect(third.sent[0].json).toMatchObject({ result: 'skipped', reason: 'opt_out_confirmed' });
			expect(env.graph.sends().length).toBe(before + 1);
		});

		it('offers no confirmation when the builder left its text empty', async () => {
			const item = await stopped(11);

			const { sent } = await run(env, [item], {
				...model({ text: 'Bye!', optOutConfirmation: true }),
				params: { optOutConfirmationText: '' },
			});

			expect(sent[0].json).toEqual({
				result: 'skipped',
				reason: 'opted_out',
				message:
					'Not sent: the contact opted out of all messages (STOP). Send them nothing else unless they write to you again.',
			});
		});

		it("ignores the model's confirmation flag for a contact who did not opt out", async () => {
			const { waId } = contactNo(12);
			await env.store.touchWindows([{ sender: SENDER, contact: waId, at: ago(1) }]);

			const { sent } = await run(
				env,
				[triggerItem(waId, ago(1))],
				model({ text: 'Your parcel is here.', optOutConfirmation: true }),
			);

			expect(sent[0].json).toMatchObject({ result: 'sent' });
			expect(env.graph.sends().slice(-1)[0].json).toMatchObject({
				text: { body: 'Your parcel is here.' },
			});
		});
	});

	it("makes a problem with the model's input a result that says what to fix", async () => {
		const { waId } = contactNo(13);
		await env.store.touchWindows([{ sender: SENDER, contact: waId, at: ago(1) }]);

		const { sent } = await run(env, [triggerItem(waId, ago(1))], model({ text: 'x'.repeat(5000) }));

		expect(sent.map((i) => i.json)).toEqual([
			{
				result: 'error',
				message: expect.stringMatching(
					/^Not sent: Body text is 5,000 characters; WhatsApp allows at most 4,096/,
				),
			},
		]);
		expect(sent[0].error).toBeUndefined();
	});
});
