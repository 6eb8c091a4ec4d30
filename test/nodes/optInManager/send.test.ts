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

describe('sent message: get many', () => {
	/** A campaign's sends as the send nodes record them: claimed, then answered by Meta. */
	async function sent(key: string, minutesAgo: number, template = 'back_in_stock') {
		const at = Date.now() - minutesAgo * MINUTE;
		await db.reserveSends([
			{
				idempotencyKey: key,
				sender: SENDER,
				contact: '4915123456789',
				kind: `template:${template}`,
				category: 'marketing',
				at,
			},
		]);
		await db.completeSends([
			{
				idempotencyKey: key,
				state: 'accepted',
				wamid: `wamid.${key}`,
				at,
				estimatedPrice: 0.1365,
				currency: 'USD',
			},
		]);
	}

	beforeAll(async () => {
		await sent('spring-7#a1', 90);
		await sent('spring-7#a2', 60);
		await sent('spring-7#a3', 30, 'order_update');
		await sent('autumn-1#b1', 45);
	});

	it("lists a campaign's sends by idempotency key prefix, oldest first, with their outcome", async () => {
		const [out] = await run({
			storePath: store.path,
			parameters: {
				resource: 'send',
				operation: 'getMany',
				returnAll: true,
				filters: { keyPrefix: 'spring-7' },
			},
		});

		expect(out.map((item) => item.json.idempotencyKey)).toEqual([
			'spring-7#a1',
			'spring-7#a2',
			'spring-7#a3',
		]);
		expect(out[0].json).toMatchObject({
			phoneNumberId: SENDER,
			contact: '4915123456789',
			state: 'accepted',
			wamid: 'wamid.spring-7#a1',
			template: 'back_in_stock',
			category: 'marketing',
			estimatedPrice: 0.1365,
			currency: 'USD',
			sentAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
		});
		expect(out.every((item) => JSON.stringify(item.pairedItem) === '{"item":0}')).toBe(true);
	});

	it('filters by template and time, and stops at the limit', async () => {
		const byTemplate = await run({
			storePath: store.path,
			parameters: {
				resource: 'send',
				operation: 'getMany',
				returnAll: true,
				filters: { keyPrefix: 'spring-7', template: 'order_update' },
			},
		});
		expect(byTemplate[0].map((item) => item.json.idempotencyKey)).toEqual(['spring-7#a3']);

		const byTime = await run({
			storePath: store.path,
			parameters: {
				resource: 'send',
				operation: 'getMany',
				returnAll: true,
				filters: {
					keyPrefix: 'spring-7',
					sentAfter: new Date(Date.now() - 75 * MINUTE).toISOString(),
					sentBefore: new Date(Date.now() - 45 * MINUTE).toISOString(),
				},
			},
		});
		expect(byTime[0].map((item) => item.json.idempotencyKey)).toEqual(['spring-7#a2']);

		const limited = await run({
			storePath: store.path,
			parameters: {
				resource: 'send',
				operation: 'getMany',
				limit: 1,
				filters: { keyPrefix: 'spring-7' },
			},
		});
		expect(limited[0].map((item) => item.json.idempotencyKey)).toEqual(['spring-7#a1']);
	});

	it('says which time filter is not a time', async () => {
		await expect(
			run({
				storePath: store.path,
				parameters: {
					resource: 'send',
					operation: 'getMany',
					filters: { sentAfter: 'last tuesday' },
				},
			}),
		).rejects.toThrow('Sent After "last tuesday" is not a date and time');
	});
});
