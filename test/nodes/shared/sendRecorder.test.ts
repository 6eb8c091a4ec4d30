import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ManualClock, SECOND } from '../../../nodes/core/clock';
import { SqliteComplianceStore } from '../../../nodes/core/store/sqlite';
import type { ComplianceStore } from '../../../nodes/core/store/types';
import { SendRecorder } from '../../../nodes/shared/send/recorder';
import { sendStateOf } from '../../support/sends';
import { TEST_ERASURE_KEY } from '../../support/erasureKey';

const SENDER = '106540352242922';
const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);

let dir: string;
let store: SqliteComplianceStore;
beforeEach(async () => {
	dir = mkdtempSync(join(tmpdir(), 'wa-recorder-'));
	store = new SqliteComplianceStore({
		erasureKey: TEST_ERASURE_KEY,
		path: join(dir, 'store.sqlite'),
	});
	await store.migrate();
});
afterEach(async () => {
	await store.close();
	rmSync(dir, { recursive: true, force: true });
});

/** Claims `count` keys as the send nodes do before sending. */
async function claim(count: number): Promise<string[]> {
	const keys = Array.from({ length: count }, (_, i) => `key-${i}`);
	await store.reserveSends(
		keys.map((idempotencyKey, i) => ({
			idempotencyKey,
			sender: SENDER,
			contact: `49151000000${String(i).padStart(2, '0')}`,
			kind: 'text',
			category: 'service' as const,
			at: T0,
		})),
	);
	return keys;
}

const accepted = (idempotencyKey: string) => ({
	idempotencyKey,
	state: 'accepted' as const,
	wamid: `wamid.${idempotencyKey}`,
	at: T0,
});

const states = (keys: string[]) => Promise.all(keys.map((k) => sendStateOf(store, SENDER, k)));

describe('send recorder', () => {
	it('writes the results every maxPending results while the batch goes on', async () => {
		const keys = await claim(5);
		const recorder = new SendRecorder(store, { maxPending: 2, clock: new ManualClock(T0) });

		for (const key of keys.slice(0, 3)) await recorder.completed(accepted(key));
		expect(await states(keys)).toEqual(['accepted', 'accepted', 'pending', 'pending', 'pending']);

		await recorder.released({ idempotencyKey: keys[3] });
		expect(await states(keys)).toEqual(['accepted', 'accepted', 'accepted', undefined, 'pending']);
	});

	it('writes with the first result after maxWaitMs, with what it held', async () => {
		const keys = await claim(3);
		const clock = new ManualClock(T0);
		const recorder = new SendRecorder(store, { clock });

		await recorder.completed(accepted(keys[0]));
		expect(await states(keys)).toEqual(['pending', 'pending', 'pending']);
		clock.advance(SECOND);
		await recorder.completed(accepted(keys[1]));
		expect(await states(keys)).toEqual(['accepted', 'accepted', 'pending']);

		await recorder.completed(accepted(keys[2]));
		expect(await states(keys)).toEqual(['accepted', 'accepted', 'pending']);
		await recorder.finish();
		expect(await states(keys)).toEqual(['accepted', 'accepted', 'accepted']);
	});

	it('keeps a chunk the store refused and writes it later; finish returns the error while it still refuses', async () => {
		const keys = await claim(3);
		let refuse = true;
		const flaky = new Proxy(store, {
			get(target, name, receiver) {
				if (name === 'completeSends' && refuse) {
					return async () => {
						throw new Error('database is locked');
					};
				}
				const value: unknown = Reflect.get(target, name, receiver);
				return typeof value === 'function' ? value.bind(target) : value;
			},
		}) as ComplianceStore;
		const recorder = new SendRecorder(flaky, { maxPending: 1, clock: new ManualClock(T0) });

		await recorder.completed(accepted(keys[0]));
		await recorder.completed(accepted(keys[1]));
		const refused = await recorder.finish();
		expect(refused.ok).toBe(false);
		expect(!refused.ok && refused.error).toEqual(new Error('database is locked'));
		expect(await states(keys)).toEqual(['pending', 'pending', 'pending']);

		refuse = false;
		await recorder.completed(accepted(keys[2]));
		expect(await recorder.finish()).toEqual({ ok: true });
		expect(await states(keys)).toEqual(['accepted', 'accepted', 'accepted']);
	});

	it("records the item's inbound message before the close that attaches to it", async () => {
		const contact = '4915100000099';
		const recorder = new SendRecorder(store, { clock: new ManualClock(T0) });

		await recorder.closed({ sender: SENDER, contact, at: T0 });
		await recorder.touched({ sender: SENDER, contact, at: T0 - 60 * SECOND });
		await recorder.finish();

		const snapshot = await store.getSnapshot({
			sender: SENDER,
			contacts: [contact],
			marketingSince: 0,
		});
		expect(snapshot.contacts.get(contact)?.window).toMatchObject({
			lastInboundAt: T0 - 60 * SECOND,
			closedAt: T0,
		});
	});

	it('rejects options it cannot work with', () => {
		expect(() => new SendRecorder(store, { maxPending: 0 })).toThrow(/maxPending/);
		expect(() => new SendRecorder(store, { maxWaitMs: -1 })).toThrow(/maxWaitMs/);
	});
});
