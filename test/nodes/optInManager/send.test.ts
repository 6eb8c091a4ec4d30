import { MINUTE } from '../../../nodes/core/clock';
import type { ComplianceStore } from '../../../nodes/core/store/types';
import { run, tempStore } from './context';

const store = tempStore();
let db: ComplianceStore;

beforeAll(async () => {
	db = await store.open();
});
afterAll(async () => {
	await store.cleanUp();
});

const SENDER = '106540352242922';

/** A send whose request left `minutesAgo` and whose outcome nobody recorded. */
async function claimed(key: string, minutesAgo: number, contact = '4915123456789') {
	const at = Date.now() - minutesAgo * MINUTE;
	const callbackId = `${minutesAgo}`.padStart(4, '0') + key.length.toString(16).padStart(12, '0');
	await db.reserveSends([
		{
			idempotencyKey: key,
			sender: SENDER,
			contact,
			kind: 'template:back_in_stock',
			category: 'marketing',
			at,
			callbackId,
		},
	]);
	await db.markSendsLeft([{ idempotencyKey: key, callbackId, at }]);
}

describe('sent message: get unconfirmed and release', () => {
	it('lists the sends whose outcome nobody recorded, oldest first, and leaves young ones out', async () => {
		await claimed('unconfirmed-old', 30);
		await claimed('unconfirmed-older', 60);
		await claimed('still-on-its-way', 1);
		await claimed('answered', 40);
		await db.completeSends([
			{ idempotencyKey: 'answered', state: 'accepted', wamid: 'wamid.A', at: Date.now() },
		]);

		const [out] = await run({
			storePath: store.path,
			parameters: { resource: 'send', operation: 'getUnconfirmed', olderThanMinutes: 5 },
		});

		expect(out.map((item) => item.json.idempotencyKey)).toEqual([
			'unconfirmed-older',
			'unconfirmed-old',
		]);
		expect(out[0].json).toMatchObject({
			phoneNumberId: SENDER,
			contact: '4915123456789',
			kind: 'template:back_in_stock',
			requestLeftAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
		});
		expect(out.every((item) => JSON.stringify(item.pairedItem) === '{"item":0}')).toBe(true);
	});

	it('releases an unconfirmed key on purpose and leaves a sent one alone, saying which is which', async () => {
		await claimed('release-me', 30);
		await claimed('sent-already', 30);
		await db.completeSends([
			{ idempotencyKey: 'sent-already', state: 'accepted', wamid: 'wamid.S', at: Date.now() },
		]);

		const [out] = await run({
			storePath: store.path,
			items: [{}, {}, {}],
			parameters: { resource: 'send', operation: 'release' },
			perItem: (i) => ({ idempotencyKey: ['release-me', 'sent-already', 'never-claimed'][i] }),
		});

		expect(
			out.map((item) => [item.json.idempotencyKey, item.json.released, item.json.state]),
		).toEqual([
			['release-me', true, 'released'],
			['sent-already', false, 'accepted'],
			['never-claimed', false, 'unknown'],
		]);
		expect(String(out[1].json.message)).toContain('wamid.S');
		const sends = await db.getSends(['release-me', 'sent-already']);
		expect([...sends.keys()]).toEqual(['sent-already']);
		// Released: the key can be claimed again.
		const again = await db.reserveSends([
			{
				idempotencyKey: 'release-me',
				sender: SENDER,
				contact: '4915123456789',
				kind: 'template:back_in_stock',
				category: 'marketing',
				at: Date.now(),
			},
		]);
		expect(again.reserved).toEqual(['release-me']);
	});
});
