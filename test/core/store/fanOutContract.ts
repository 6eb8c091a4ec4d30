/**
 * The fan-out part of the ComplianceStore contract (one Meta app feeding every workflow:
 * core/webhook/fanout.ts), run against every backend: subscriptions of an app, deliveries written
 * with the event only when the event is new, claims oldest first that never hand one delivery out
 * twice (also when processes claim at the same moment), removal, expiry, pruning and erasure.
 */
import { MINUTE, ManualClock } from '../../../nodes/core/clock';
import type { ComplianceStore } from '../../../nodes/core/store/types';
import {
	deliveryPruneAt,
	DELIVERY_RETENTION_MS,
	REMOVED_SUBSCRIPTION_GRACE_MS,
	type Delivery,
	type Subscription,
} from '../../../nodes/core/webhook/fanout';
import { subscriptionOf } from '../webhook/subscriptions';
import type { ContractTarget, MakeTarget } from './contract';

const T0 = Date.UTC(2025, 5, 1, 12);
const APP = 'app:5d1c0a9e3b7f2c4d6e8a0b1c';
const OTHER_APP = 'app:0e9d8c7b6a5f4e3d2c1b0a99';
const ALICE = '4915112345678';
const BOB = '4915187654321';

const subscription = (id: string, extra: Partial<Subscription> = {}) =>
	subscriptionOf(id, APP, {
		filter: { triggerOn: ['message'] },
		effects: { optOutKeywords: ['HALT'] },
		registeredAt: T0,
		...extra,
	});

/** A new event `n` about `contact`, delivered to the given subscriptions. */
function event(n: number, contact: string, to: string[]) {
	const json = JSON.stringify({ kind: 'message', contact, text: `message ${n}` });
	return {
		key: `app|msg:${n}`,
		effects: {},
		deliveries: to.map((subscription) => ({ subscription, contact, event: json })),
	};
}

const texts = (deliveries: Delivery[]) =>
	deliveries.map((d) => (JSON.parse(d.event) as { text: string }).text);

export function describeFanOut(name: string, makeTarget: MakeTarget): void {
	describe(`compliance store contract: ${name}: one app, many workflows`, () => {
		let clock: ManualClock;
		let target: ContractTarget;
		let store: ComplianceStore;

		beforeEach(async () => {
			clock = new ManualClock(T0);
			target = await makeTarget({ clock });
			store = target.store;
		});
		afterEach(async () => {
			await target.dispose();
		});

		it('lists the active subscriptions of an app, as registered', async () => {
			await store.registerSubscription(subscription('b'));
			await store.registerSubscription(subscription('a', { mode: 'test', expiresAt: T0 + MINUTE }));
			await store.registerSubscription(subscription('c', { app: OTHER_APP }));
			expect(await store.listSubscriptions(APP, T0)).toEqual([
				subscription('a', { mode: 'test', expiresAt: T0 + MINUTE }),
				subscription('b'),
			]);
			expect((await store.listSubscriptions(OTHER_APP, T0)).map((s) => s.id)).toEqual(['c']);
		});

		it('replaces a subscription registered again (a re-published trigger with new options)', async () => {
			await store.registerSubscription(subscription('a'));
			await store.registerSubscription(
				subscription('a', {
					path: 'new-path',
					filter: { triggerOn: ['status'] },
					registeredAt: T0 + 5,
				}),
			);
			expect(await store.listSubscriptions(APP, T0)).toEqual([
				subscription('a', {
					path: 'new-path',
					filter: { triggerOn: ['status'] },
					registeredAt: T0 + 5,
				}),
			]);
		});

		it('records deliveries only with a new event: a re-delivery adds none', async () => {
			await store.registerSubscription(subscription('a'));
			expect(await store.applyWebhookEvents([event(1, ALICE, ['a'])], T0)).toEqual(['app|msg:1']);
			expect(await store.applyWebhookEvents([event(1, ALICE, ['a'])], T0 + 1)).toEqual([]);
			const claimed = await store.claimDeliveries('a', 10);
			expect(claimed).toEqual([
				expect.objectContaining({ subscription: 'a', eventKey: 'app|msg:1', createdAt: T0 }),
			]);
			expect(texts(claimed)).toEqual(['message 1']);
		});

		it('hands out deliveries oldest first, in batches, each once', async () => {
			await store.registerSubscription(subscription('a'));
			await store.registerSubscription(subscription('b'));
			for (let n = 1; n <= 5; n++) {
				await store.applyWebhookEvents([event(n, n % 2 ? ALICE : BOB, ['a', 'b'])], T0 + n);
			}
			expect(texts(await store.claimDeliveries('a', 3))).toEqual([
				'message 1',
				'message 2',
				'message 3',
			]);
			expect(texts(await store.claimDeliveries('a', 3))).toEqual(['message 4', 'message 5']);
			expect(await store.claimDeliveries('a', 3)).toEqual([]);
			// The other subscription's copies are its own.
			expect(texts(await store.claimDeliveries('b', 10))).toHaveLength(5);
		});

		it('hands each delivery to exactly one of several claims at the same moment', async () => {
			await store.registerSubscription(subscription('a'));
			const events = Array.from({ length: 40 }, (_, n) => event(n, ALICE, ['a']));
			await store.applyWebhookEvents(events, T0);
			const results = await target.race<Delivery[]>('claimDeliveries', [
				['a', 7],
				['a', 7],
				['a', 7],
				['a', 7],
			]);
			const rest = await store.claimDeliveries('a', 100);
			const seqs = [...results.flat(), ...rest].map((d) => d.seq);
			expect(seqs).toHaveLength(40);
			expect(new Set(seqs).size).toBe(40);
			// Each claim is a run of the oldest waiting ones: in order within itself.
			for (const claim of results) {
				expect(claim.map((d) => d.seq)).toEqual([...claim.map((d) => d.seq)].sort((x, y) => x - y));
			}
		});

		it('says which subscriptions have deliveries waiting since before a time', async () => {
			await store.registerSubscription(subscription('a'));
			await store.registerSubscription(subscription('b'));
			await store.applyWebhookEvents([event(1, ALICE, ['a'])], T0);
			await store.applyWebhookEvents([event(2, ALICE, ['a', 'b'])], T0 + 10_000);
			expect(await store.waitingDeliveries(T0 + 5_000, T0 + 20_000)).toEqual([
				{ subscription: subscription('a'), count: 1, oldestAt: T0 },
			]);
			const all = await store.waitingDeliveries(T0 + 20_000, T0 + 20_000);
			expect(all.map((w) => [w.subscription.id, w.count])).toEqual([
				['a', 2],
				['b', 1],
			]);
		});

		it('a removed subscription gets no new deliveries but keeps what waits for a re-publish', async () => {
			await store.registerSubscription(subscription('a'));
			await store.applyWebhookEvents([event(1, ALICE, ['a'])], T0);
			await store.removeSubscription('a', T0 + 1);
			expect(await store.listSubscriptions(APP, T0 + 1)).toEqual([]);
			expect(await store.waitingDeliveries(T0 + 10, T0 + 10)).toEqual([]);
			// Published again within the grace period: what waited is still there.
			await store.registerSubscription(subscription('a', { registeredAt: T0 + 2 }));
			expect(texts(await store.claimDeliveries('a', 10))).toEqual(['message 1']);
		});

		it('a removed test listener goes at once, with what waits for it', async () => {
			const listener = subscription('t', { mode: 'test', expiresAt: T0 + 2 * MINUTE });
			await store.registerSubscription(listener);
			await store.applyWebhookEvents([event(1, ALICE, ['t'])], T0);
			await store.removeSubscription('t', T0 + 1);
			await store.registerSubscription(listener);
			expect(await store.claimDeliveries('t', 10)).toEqual([]);
		});

		it('an expired test listener is not listed and is pruned with its deliveries', async () => {
			await store.registerSubscription(subscription('t', { mode: 'test', expiresAt: T0 + MINUTE }));
			await store.applyWebhookEvents([event(1, ALICE, ['t'])], T0);
			expect(await store.listSubscriptions(APP, T0 + MINUTE)).toEqual([]);
			expect(await store.pruneDeliveries(deliveryPruneAt(T0 + MINUTE))).toBe(1);
			expect(await store.claimDeliveries('t', 10)).toEqual([]);
		});

		it('prunes deliveries nobody claimed for the retention period, and long-removed subscriptions', async () => {
			await store.registerSubscription(subscription('a'));
			await store.registerSubscription(subscription('b'));
			await store.applyWebhookEvents([event(1, ALICE, ['a'])], T0);
			await store.applyWebhookEvents([event(2, ALICE, ['a', 'b'])], T0 + DELIVERY_RETENTION_MS);
			await store.removeSubscription('b', T0);
			const now = T0 + DELIVERY_RETENTION_MS + 1;
			expect(now - T0).toBeGreaterThan(REMOVED_SUBSCRIPTION_GRACE_MS);
			expect(await store.pruneDeliveries(deliveryPruneAt(now))).toBe(2);
			expect(texts(await store.claimDeliveries('a', 10))).toEqual(['message 2']);
			expect((await store.listSubscriptions(APP, now)).map((s) => s.id)).toEqual(['a']);
			await store.registerSubscription(subscription('b'));
			expect(await store.claimDeliveries('b', 10)).toEqual([]);
		});

		it('erasing a contact removes the deliveries about them that still wait', async () => {
			await store.registerSubscription(subscription('a'));
			await store.applyWebhookEvents([event(1, ALICE, ['a']), event(2, BOB, ['a'])], T0);
			await store.eraseContact(ALICE, T0 + 1);
			expect(texts(await store.claimDeliveries('a', 10))).toEqual(['message 2']);
			expect(await target.dumpTables()).not.toContain(ALICE);
		});
	});
}
