/** Options > Sent Output: what a send leaves in n8n, while the store keeps every send in full. */
import type { INodeExecutionData } from 'n8n-workflow';

import {
	JONAS,
	LENA,
	NO_QUIET_HOURS,
	SENDER,
	backInStock,
	consent,
	itemsOf,
	run,
	startEnv,
	template,
	variables,
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

/**
 * Lena twice under one idempotency key (sent, then a repeat of the batch), Jonas opted out
 * (skipped), a third item with no recipient (an error under Continue On Fail).
 */
async function campaign(sentOutput?: string) {
	await consent(env, LENA.waId, 'opt_in');
	await consent(env, JONAS.waId, 'opt_out');
	const items = itemsOf(
		{ phone: LENA.e164, key: 'spring-1' },
		{ phone: LENA.e164, key: 'spring-1' },
		{ phone: JONAS.e164, key: 'spring-2' },
		{ phone: '', key: 'spring-3' },
	);
	const out = await run(env, items, {
		continueOnFail: true,
		params: {
			recipient: (i: number) => items[i].json.phone,
			template: template('back_in_stock|de'),
			variables: variables(backInStock('Lena')),
			options: (i: number) => ({
				...NO_QUIET_HOURS,
				idempotencyKey: items[i].json.key,
				...(sentOutput ? { sentOutput } : {}),
			}),
		},
	});
	return { items, out };
}

describe('Send Template: Sent Output', () => {
	it('is Every Item by default: every field and the input item', async () => {
		const { items, out } = await campaign();

		expect(json(out.sent).map((j) => j.result)).toEqual(['sent', 'duplicate']);
		expect(out.sent[0].json).toMatchObject({ to: LENA.e164, category: 'marketing' });
		expect(out.sent[0].json.input).toEqual(items[0].json);
	});

	it('keeps only contact, wamid, idempotency key and result with Only What Follows Needs', async () => {
		const { items, out } = await campaign('essentials');

		const wamid = env.sandbox.state.sentMessages()[0].id;
		const key = out.sent[0].json.idempotencyKey as string;
		expect(json(out.sent)).toEqual([
			{ result: 'sent', contact: LENA.waId, wamid, idempotencyKey: key },
			{ result: 'duplicate', contact: LENA.waId, wamid, idempotencyKey: key },
		]);
		expect(paired(out.sent)).toEqual([{ item: 0 }, { item: 1 }]);
		// Skipped items and errors stay whole.
		expect(out.skipped).toHaveLength(2);
		expect(out.skipped[0].json).toMatchObject({
			result: 'skipped',
			reason: 'marketing_opted_out',
			input: items[2].json,
		});
		expect(out.skipped[1].json.error).toEqual(expect.any(String));
	});

	it('gives one item of counts with Counts Only, paired with every input item', async () => {
		const { out } = await campaign('countsOnly');

		expect(json(out.sent)).toEqual([
			{
				result: 'counts',
				sent: 1,
				duplicates: 1,
				dryRuns: 0,
				skipped: 1,
				failed: 1,
				items: 4,
			},
		]);
		expect(paired(out.sent)).toEqual([[0, 1, 2, 3].map((item) => ({ item }))]);
		expect(out.skipped).toHaveLength(2);
		expect(out.skipped[0].json.reason).toBe('marketing_opted_out');
	});

	it('counts dry runs under Counts Only', async () => {
		await consent(env, LENA.waId, 'opt_in');
		const items = itemsOf({ phone: LENA.e164 });

		const out = await run(env, items, {
			params: {
				recipient: LENA.e164,
				template: template('back_in_stock|de'),
				variables: variables(backInStock('Lena')),
				options: { ...NO_QUIET_HOURS, dryRun: true, sentOutput: 'countsOnly' },
			},
		});

		expect(json(out.sent)).toEqual([
			{ result: 'counts', sent: 0, duplicates: 0, dryRuns: 1, skipped: 0, failed: 0, items: 1 },
		]);
		expect(env.sandbox.state.sentMessages()).toHaveLength(0);
	});

	it('records the full send in the store whatever the output keeps', async () => {
		const { out } = await campaign('countsOnly');

		const sends = await env.store.listSends({ keyPrefix: '' });
		expect(sends).toHaveLength(1);
		expect(sends[0]).toMatchObject({
			sender: SENDER,
			contact: LENA.waId,
			state: 'accepted',
			kind: 'template:back_in_stock',
			category: 'marketing',
			wamid: env.sandbox.state.sentMessages()[0].id,
			currency: 'USD',
		});
		expect(out.sent).toHaveLength(1);
	});

	it('refuses a value it does not know, naming the choices', async () => {
		await expect(campaign('everything')).rejects.toThrow(
			'Sent Output must be one of everyItem, essentials, countsOnly; got "everything"',
		);
	});
});
