/**
 * The sending part of the ComplianceStore contract, run against every backend (sqlite.test.ts,
 * postgres.test.ts):
 * - the send budget (the store as SlotLedger): one schedule per sender number shared by every
 *   process on the store. Times are the store's own (PostgreSQL: the database clock), so the cases
 *   compare slots with each other and with the lease's `now`, never with the test's clock;
 * - send outcomes from Meta's status webhooks: a send whose answer was lost is confirmed or failed
 *   by the callback id it carried.
 */
import { SECOND } from '../../../nodes/core/clock';
import type { SlotLease } from '../../../nodes/core/pace/budget';
import {
	pairPace,
	paceOf,
	type ScheduleRequest,
	type Slot,
} from '../../../nodes/core/pace/schedule';
import { PAIR_PRUNE_EVERY } from '../../../nodes/core/store/retention';
import { RACERS, type ContractTarget, type MakeTarget, type RaceMethod } from './contract';
import { ManualClock } from '../../../nodes/core/clock';

const T0 = Date.UTC(2025, 5, 1, 12);
const SENDER = '106540352242922';
const OTHER_SENDER = '106540352249999';
const ALICE = '4915112345678';
const BOB = '4915187654321';
/**
 * 1 per second, no burst: slots a second apart. PostgreSQL schedules on the database clock (real
 * time): a slow pace keeps the cases true however long the machine takes between two leases.
 */
const PACE = paceOf(1, 1);
const INTERVAL = SECOND;

function request(recipients: Array<string | undefined>, pair = pairPace(2)): ScheduleRequest {
	return { recipients, sender: PACE, pair, horizonMs: 50 };
}

/** The pair budget's rows, counted in the dump of every table. */
async function pairRowCount(target: ContractTarget): Promise<number> {
	const tables = JSON.parse(await target.dumpTables()) as Array<[string, unknown[]]>;
	const pairs = tables.find(([name]) => name.endsWith('pair_budget'));
	return pairs ? pairs[1].length : 0;
}

const at = (slot: Slot): number => ('at' in slot ? slot.at : Number.NaN);

export function describeSending(name: string, makeTarget: MakeTarget): void {
	describe(`${name}: send budget (shared throughput and pair limit)`, () => {
		let target: ContractTarget;
		/** The store's clock where the store has one (SQLite); PostgreSQL keeps its own. */
		let clock: ManualClock;
		beforeEach(async () => {
			clock = new ManualClock(T0);
			target = await makeTarget({ clock });
		});
		afterEach(async () => {
			await target.dispose();
		});
		const race = <T>(args: unknown[][]) => target.race<T>('leaseSlots' as RaceMethod, args);

		it('continues one schedule per number across leases', async () => {
			const { store } = target;
			const first = await store.leaseSlots(SENDER, request([undefined, undefined]));
			const second = await store.leaseSlots(SENDER, request([undefined]));
			const times = [...first.slots, ...second.slots].map(at);
			expect(times[1] - times[0]).toBeCloseTo(INTERVAL, 6);
			expect(times[2] - times[1]).toBeCloseTo(INTERVAL, 6);
			expect(times[0]).toBeGreaterThanOrEqual(first.now - 1);
		});

		it('keeps sender numbers apart', async () => {
			const { store } = target;
			const a = await store.leaseSlots(SENDER, request([undefined]));
			const b = await store.leaseSlots(OTHER_SENDER, request([undefined]));
			expect(at(b.slots[0])).toBeLessThan(at(a.slots[0]) + INTERVAL);
		});

		it('never hands racing processes two slots closer than the pace', async () => {
			const leases = await race<SlotLease>(
				Array.from({ length: RACERS }, () => [SENDER, request([undefined, undefined, undefined])]),
			);
			const times = leases.flatMap((lease) => lease.slots.map(at)).sort((x, y) => x - y);
			expect(times).toHaveLength(RACERS * 3);
			for (let i = 1; i < times.length; i++) {
				expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(INTERVAL - 1e-6);
			}
		});

		it("counts a contact's burst across processes (the pair limit is shared)", async () => {
			const leases = await race<SlotLease>(
				Array.from({ length: RACERS }, () => [SENDER, request([ALICE])]),
			);
			const slots = leases.flatMap((lease) => lease.slots);
			// A burst of 2 to Alice; the others are told to ask again about 6 s later.
			expect(slots.filter((s) => 'at' in s)).toHaveLength(2);
			const deferred = slots.filter((s): s is { deferUntil: number } => 'deferUntil' in s);
			expect(deferred).toHaveLength(RACERS - 2);
			for (const d of deferred) expect(d.deferUntil - leases[0].now).toBeGreaterThan(5 * SECOND);
		});

		it('holds every later lease back after 130429', async () => {
			const { store } = target;
			await store.holdSender(SENDER, PACE, 20 * SECOND);
			const lease = await store.leaseSlots(SENDER, request([undefined]));
			expect(at(lease.slots[0]) - lease.now).toBeGreaterThan(19 * SECOND);
			const other = await store.leaseSlots(OTHER_SENDER, request([undefined]));
			expect(at(other.slots[0]) - other.now).toBeLessThan(SECOND);
		});

		it('blocks a contact 1 s, then 4 s, for 131056 answers in a row', async () => {
			const { store } = target;
			expect(await store.holdPair(SENDER, BOB, pairPace())).toBe(1 * SECOND);
			expect(await store.holdPair(SENDER, BOB, pairPace())).toBe(4 * SECOND);
			const lease = await store.leaseSlots(SENDER, request([BOB, ALICE], pairPace()));
			expect('deferUntil' in lease.slots[0]).toBe(true);
			expect('at' in lease.slots[1]).toBe(true);
		});

		it('prunes pair rows whose limit is spent, every PAIR_PRUNE_EVERY leases', async () => {
			const { store } = target;
			// Paces of 1 ms: each contact's row is spent right after its lease.
			const fast = { intervalMs: 1, toleranceMs: 0 };
			const quick = { ...request([]), sender: fast, pair: fast };
			for (let i = 0; i < PAIR_PRUNE_EVERY; i++) {
				await store.leaseSlots(SENDER, { ...quick, recipients: [`49151000${1000 + i}`] });
				clock.advance(10);
				if (i === 0) await new Promise((resolve) => setTimeout(resolve, 5));
			}
			// Pruned: far fewer rows than leases (the ones of the last milliseconds may stay).
			expect(await pairRowCount(target)).toBeLessThan(PAIR_PRUNE_EVERY / 2);
		});

		it('keeps no phone number in the budget', async () => {
			const { store } = target;
			await store.leaseSlots(SENDER, request([ALICE, BOB]));
			await store.holdPair(SENDER, ALICE, pairPace());
			const dump = await target.dumpTables();
			expect(dump).toContain('budget');
			expect(dump).not.toContain(ALICE);
			expect(dump).not.toContain(BOB);
		});
	});

	describe(`${name}: send outcomes from status webhooks`, () => {
		let target: ContractTarget;
		beforeEach(async () => {
			target = await makeTarget({ clock: new ManualClock(T0) });
		});
		afterEach(async () => {
			await target.dispose();
		});
		const claim = (key: string, callbackId: string) => ({
			idempotencyKey: key,
			sender: SENDER,
			contact: ALICE,
			kind: 'template:spring_sale',
			category: 'marketing' as const,
			at: T0,
			callbackId,
		});
		const send = async (key: string) =>
			(
				await target.store.getSnapshot({
					sender: SENDER,
					contacts: [],
					marketingSince: 0,
					idempotencyKeys: [key],
				})
			).sends.get(key);

		it("confirms a send whose answer was lost with Meta's status of it, found by its callback id", async () => {
			const { store } = target;
			await store.reserveSends([claim('k1', 'aaaaaaaaaaaaaaa1')]);
			expect(await send('k1')).toMatchObject({ state: 'pending', callbackId: 'aaaaaaaaaaaaaaa1' });
			await store.applyWebhookEvents(
				[
					{
						key: 'status:wamid.K1:sent',
						effects: {
							sendConfirmations: [
								{ callbackId: 'aaaaaaaaaaaaaaa1', wamid: 'wamid.K1', at: T0 + 5 },
							],
						},
					},
				],
				T0 + 10,
			);
			expect(await send('k1')).toMatchObject({
				state: 'accepted',
				wamid: 'wamid.K1',
				sentAt: T0 + 5,
			});
			// Claimed again: it is sent, the first wamid answers.
			const again = await store.reserveSends([claim('k1', 'aaaaaaaaaaaaaaa2')]);
			expect(again.reserved).toEqual([]);
			expect(again.existing.get('k1')).toMatchObject({ state: 'accepted', wamid: 'wamid.K1' });
		});

		it('fails a send whose answer was lost when Meta reports it failed, so a re-run may send it', async () => {
			const { store } = target;
			await store.reserveSends([claim('k2', 'bbbbbbbbbbbbbbb1')]);
			await store.applyWebhookEvents(
				[
					{
						key: 'status:wamid.K2:failed',
						effects: {
							sendFailures: [
								{
									wamid: 'wamid.K2',
									callbackId: 'bbbbbbbbbbbbbbb1',
									errorCode: 131026,
									at: T0 + 5,
								},
							],
						},
					},
				],
				T0 + 10,
			);
			expect(await send('k2')).toMatchObject({ state: 'failed', errorCode: 131026 });
			const again = await store.reserveSends([claim('k2', 'bbbbbbbbbbbbbbb2')]);
			expect(again.reserved).toEqual(['k2']);
			// A late status of the first attempt does not touch the second.
			await store.applyWebhookEvents(
				[
					{
						key: 'status:wamid.K2:delivered',
						effects: {
							sendConfirmations: [
								{ callbackId: 'bbbbbbbbbbbbbbb1', wamid: 'wamid.K2', at: T0 + 20 },
							],
						},
					},
				],
				T0 + 30,
			);
			expect(await send('k2')).toMatchObject({ state: 'pending', callbackId: 'bbbbbbbbbbbbbbb2' });
		});

		it('lists the sends whose outcome nobody recorded, oldest first, paged, and reads sends by key', async () => {
			const { store } = target;
			await store.reserveSends([
				{ ...claim('u2', 'ddddddddddddddd2'), at: T0 + 2 },
				{ ...claim('u1', 'ddddddddddddddd1'), at: T0 + 1 },
				{ ...claim('u3', 'ddddddddddddddd3'), at: T0 + 3 },
				{ ...claim('young', 'ddddddddddddddd4'), at: T0 + 100 },
				{ ...claim('done', 'ddddddddddddddd5'), at: T0 },
			]);
			await store.completeSends([
				{ idempotencyKey: 'done', state: 'accepted', wamid: 'wamid.D', at: T0 + 1 },
			]);
			await store.markSendsLeft(
				['u1', 'u2', 'u3', 'young'].map((key, n) => ({
					idempotencyKey: key,
					callbackId: `ddddddddddddddd${n + 1}`,
					at: T0 + 4,
				})),
			);
			// A claim whose request never left is not unconfirmed: it never went anywhere.
			await store.reserveSends([{ ...claim('not-left', 'ddddddddddddddd9'), at: T0 + 1 }]);
			const first = await store.listUnconfirmedSends({ before: T0 + 50, limit: 2 });
			expect(first.map((s) => s.idempotencyKey)).toEqual(['u1', 'u2']);
			const last = first[first.length - 1];
			const next = await store.listUnconfirmedSends({
				before: T0 + 50,
				after: { createdAt: last.createdAt, idempotencyKey: last.idempotencyKey },
			});
			expect(next.map((s) => s.idempotencyKey)).toEqual(['u3']);
			expect(next[0]).toMatchObject({
				state: 'pending',
				createdAt: T0 + 3,
				callbackId: 'ddddddddddddddd3',
			});
			const sends = await store.getSends(['done', 'u1', 'nothing']);
			expect([...sends.keys()].sort()).toEqual(['done', 'u1']);
			expect(sends.get('done')).toMatchObject({ state: 'accepted', wamid: 'wamid.D' });
		});

		it("keeps a failure Meta reported before the sender recorded Meta's answer", async () => {
			const { store } = target;
			await store.reserveSends([claim('k3', 'ccccccccccccccc1')]);
			await store.applyWebhookEvents(
				[
					{
						key: 'status:wamid.K3:failed',
						effects: {
							sendFailures: [{ wamid: 'wamid.K3', callbackId: 'ccccccccccccccc1', at: T0 + 5 }],
						},
					},
				],
				T0 + 10,
			);
			await store.completeSends([
				{ idempotencyKey: 'k3', state: 'accepted', wamid: 'wamid.K3', at: T0 + 6 },
			]);
			expect(await send('k3')).toMatchObject({ state: 'failed' });
		});
	});
}
