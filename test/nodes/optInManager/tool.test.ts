/**
 * The Opt-in Manager's Check as an AI agent's tool: n8n hands the model only the first output, so
 * both answers, allowed and not allowed, come on it, small and without the consent records.
 */
import { ALL_PURPOSES } from '../../../nodes/core/model';
import { contactNo, run, tempStore } from './context';

const store = tempStore();
afterAll(() => store.cleanUp());

const check = (contact: string, purpose: string, extra: Record<string, unknown> = {}) =>
	run({
		storePath: store.path,
		tool: true,
		parameters: { resource: 'consent', operation: 'check', contact, purpose, ...extra },
		items: [{ contact, raw: { from: contact }, consentAfter: { purposes: [] } }],
	});

describe('check as a tool', () => {
	it('answers "not_allowed" on the first output with what it means for the model', async () => {
		const { e164 } = contactNo(1);

		const [first, second] = await check(e164, 'marketing');

		expect(second).toEqual([]);
		expect(first.map((item) => item.json)).toEqual([
			{
				result: 'not_allowed',
				purpose: 'marketing',
				category: 'marketing',
				reason: 'no_consent',
				message: expect.stringMatching(/^Not allowed: the contact has not opted in/),
			},
		]);
	});

	it('answers "allowed" for a topic the contact opted in to, without their consent records', async () => {
		const { waId, e164 } = contactNo(2);
		const db = await store.open();
		await db.recordConsent([
			{
				contact: waId,
				purpose: 'back_in_stock',
				action: 'opt_in',
				at: Date.now() - 1000,
				source: 'web_form',
			},
		]);

		const [first] = await check(e164, 'topic', { topic: 'back_in_stock' });

		expect(first.map((item) => item.json)).toEqual([
			{
				result: 'allowed',
				purpose: 'back_in_stock',
				category: 'marketing',
				message: expect.stringMatching(/^Allowed: .* marketing templates on "back_in_stock"/),
			},
		]);
	});

	it('gives the whole item with Full Result', async () => {
		const { waId, e164 } = contactNo(3);
		const db = await store.open();
		await db.recordConsent([
			{
				contact: waId,
				purpose: ALL_PURPOSES,
				action: 'opt_out',
				at: Date.now() - 1000,
				source: 'keyword',
			},
		]);

		const [first] = await check(e164, 'transactional', { fullResult: true });

		expect(first[0].json).toMatchObject({
			contact: e164,
			raw: { from: e164 },
			consentCheck: { allowed: false, reason: 'opted_out' },
		});
	});
});
