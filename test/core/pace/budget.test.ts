import { ManualClock, SECOND } from '../../../nodes/core/clock';
import {
	LEASE_SECONDS,
	LeasedSendBudget,
	MemorySlotLedger,
	type SlotLedger,
} from '../../../nodes/core/pace/budget';
import { pairPace, paceOf, type ScheduleRequest } from '../../../nodes/core/pace/schedule';

const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);
const SENDER = '106540352242922';
const ADA = '4915123456701';

/** A clock that moves only when told, and sleeps that wake in time order as it moves. */
function timeline() {
	const clock = new ManualClock(T0);
	const sleeps: Array<{ until: number; resolve: () => void }> = [];
	const sleep = (ms: number, signal?: AbortSignal) =>
		new Promise<void>((resolve, reject) => {
			signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
			sleeps.push({ until: clock.now() + ms, resolve });
		});
	async function advanceTo(until: number) {
		for (;;) {
			await flush();
			sleeps.sort((a, b) => a.until - b.until);
			const next = sleeps[0];
			if (!next || next.until > until) break;
			sleeps.shift();
			clock.set(Math.max(clock.now(), next.until));
			next.resolve();
		}
		clock.set(until);
		await flush();
	}
	return { clock, sleep, advanceTo };
}

function budgetOn(
	time: ReturnType<typeof timeline>,
	ledger: SlotLedger,
	rate: number,
): LeasedSendBudget {
	return new LeasedSendBudget({
		ledger,
		sender: SENDER,
		pace: paceOf(rate, 1),
		pair: pairPace(2),
		clock: time.clock,
		sleep: time.sleep,
	});
}

function setup(rate = 20, options: { ledger?: (clock: ManualClock) => SlotLedger } = {}) {
	const time = timeline();
	const ledger = options.ledger?.(time.clock) ?? new MemorySlotLedger(time.clock);
	return { ...time, ledger, budget: budgetOn(time, ledger, rate) };
}

async function flush() {
	for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('send budget (leases from a shared ledger)', () => {
	it('paces the sends of one number at its rate, whoever asks', async () => {
		const { budget, clock, advanceTo } = setup(20);
		const done: number[] = [];
		for (let i = 0; i < 5; i++) void budget.take(undefined).then(() => done.push(clock.now() - T0));
		await advanceTo(T0 + SECOND);
		expect(done).toEqual([0, 50, 100, 150, 200]);
	});

	it('keeps two budgets on one ledger (two processes) to one rate together', async () => {
		const time = timeline();
		const shared = new MemorySlotLedger(time.clock);
		const a = budgetOn(time, shared, 20);
		const b = budgetOn(time, shared, 20);
		const done: number[] = [];
		for (let i = 0; i < 3; i++) {
			void a.take(undefined).then(() => done.push(time.clock.now() - T0));
			void b.take(undefined).then(() => done.push(time.clock.now() - T0));
		}
		await time.advanceTo(T0 + SECOND);
		expect(done.sort((x, y) => x - y)).toEqual([0, 50, 100, 150, 200, 250]);
	});

	it('leases at most LEASE_SECONDS of the rate at a time', async () => {
		const requests: number[] = [];
		const { budget, advanceTo } = setup(1000, {
			ledger: (clock) => {
				const memory = new MemorySlotLedger(clock);
				return {
					leaseSlots: (sender: string, request: ScheduleRequest) => {
						requests.push(request.recipients.length);
						return memory.leaseSlots(sender, request);
					},
					holdSender: memory.holdSender.bind(memory),
					holdPair: memory.holdPair.bind(memory),
				};
			},
		});
		for (let i = 0; i < 200; i++) void budget.take(undefined);
		await advanceTo(T0 + SECOND);
		expect(Math.max(...requests)).toBe(LEASE_SECONDS * 1000);
		expect(requests.reduce((a, b) => a + b, 0)).toBe(200);
	});

	it('asks again for a contact whose pair limit holds it, without holding up the others', async () => {
		const { budget, clock, advanceTo } = setup(1000);
		const done: Array<[string, number]> = [];
		for (const who of ['a1', 'a2', 'a3', 'b1']) {
			const contact = who.startsWith('a') ? ADA : '4915123456702';
			void budget.take(contact).then(() => done.push([who, clock.now() - T0]));
		}
		await advanceTo(T0 + 10 * SECOND);
		// Bursts of 2 to one contact, then one every 6 s; the other contact goes at once.
		expect(done).toEqual([
			['a1', 0],
			['a2', 1],
			['b1', 2],
			['a3', 6000],
		]);
	});

	it('holds every process back after 130429', async () => {
		const { budget, clock, advanceTo } = setup(20);
		await budget.throttled(2 * SECOND);
		const done: number[] = [];
		void budget.take(undefined).then(() => done.push(clock.now() - T0));
		await advanceTo(T0 + 3 * SECOND);
		expect(done).toEqual([2000]);
	});

	it("turns the ledger's times into local ones with the offset seen around the lease", async () => {
		// The ledger's clock runs 5 s ahead of ours (a database on another host).
		const { budget, clock, advanceTo } = setup(20, {
			ledger: (local) => new MemorySlotLedger({ now: () => local.now() + 5 * SECOND }),
		});
		const done: number[] = [];
		for (let i = 0; i < 3; i++) void budget.take(undefined).then(() => done.push(clock.now() - T0));
		await advanceTo(T0 + SECOND);
		expect(done).toEqual([0, 50, 100]);
	});

	it('gives up the wait when the caller aborts, and rejects at once when already aborted', async () => {
		const { budget, advanceTo } = setup(1);
		await budget.take(undefined);
		const controller = new AbortController();
		const waiting = budget.take(undefined, controller.signal);
		await advanceTo(T0 + 100);
		controller.abort(new Error('cancelled'));
		await expect(waiting).rejects.toThrow('cancelled');
		await expect(budget.take(undefined, controller.signal)).rejects.toThrow('cancelled');
	});

	it('fails the waiting sends when the ledger cannot be reached, and serves later ones', async () => {
		let down = true;
		const { budget, advanceTo } = setup(20, {
			ledger: (clock) => {
				const memory = new MemorySlotLedger(clock);
				return {
					leaseSlots: async (sender: string, request: ScheduleRequest) => {
						if (down) throw new Error('store unavailable');
						return memory.leaseSlots(sender, request);
					},
					holdSender: memory.holdSender.bind(memory),
					holdPair: memory.holdPair.bind(memory),
				};
			},
		});
		await expect(budget.take(undefined)).rejects.toThrow('store unavailable');
		down = false;
		const later = budget.take(undefined);
		await advanceTo(T0 + SECOND);
		await expect(later).resolves.toBeUndefined();
	});
});
