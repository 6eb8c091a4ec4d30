import { SECOND } from '../../../nodes/core/clock';
import {
	holdPair,
	holdSender,
	pairPace,
	paceOf,
	scheduleSends,
	senderPace,
	type ScheduleState,
	type Slot,
} from '../../../nodes/core/pace/schedule';

const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);
const ADA = '4915123456701';
const BEN = '4915123456702';

const fresh = (): ScheduleState => ({ senderTat: undefined, pairTats: new Map() });
const times = (slots: Slot[]) =>
	slots.map((s) => ('at' in s ? s.at - T0 : `defer ${s.deferUntil - T0}`));

function schedule(
	state: ScheduleState,
	recipients: Array<string | undefined>,
	now = T0,
	rate = 10,
) {
	return scheduleSends(
		state,
		{ recipients, sender: paceOf(rate, 2), pair: pairPace(3), horizonMs: 50 },
		now,
	);
}

describe('throughput (per sender number)', () => {
	it('lets a burst leave at once after a quiet spell, then one message per interval', () => {
		const state = fresh();
		// 10 per second, bursts of 2: two now, then every 100 ms.
		expect(times(schedule(state, [ADA, BEN, undefined, undefined]))).toEqual([0, 0, 100, 200]);
	});

	it('never lets more than rate x t + burst leave in any window', () => {
		const state = fresh();
		const slots: number[] = [];
		let now = T0;
		for (let i = 0; i < 200; i++) {
			// Asked at uneven moments, one or three at a time.
			const asked = schedule(
				state,
				i % 3 === 0 ? [undefined, undefined, undefined] : [undefined],
				now,
			);
			for (const s of asked) if ('at' in s) slots.push(s.at);
			now += (i * 37) % 150;
		}
		slots.sort((a, b) => a - b);
		for (let i = 0; i < slots.length; i++) {
			for (let j = i; j < slots.length; j++) {
				const window = slots[j] - slots[i];
				expect(j - i + 1).toBeLessThanOrEqual((window * 10) / SECOND + 2 + 1e-9);
			}
		}
	});

	it('keeps the rate across leases: a later lease continues where the earlier ended', () => {
		const state = fresh();
		schedule(state, [undefined, undefined, undefined]);
		expect(times(schedule(state, [undefined, undefined], T0 + 10))).toEqual([200, 300]);
	});

	it("paces 3 % under the number's rate, with a burst of a tenth of a second", () => {
		const pace = senderPace(80);
		expect(pace.intervalMs).toBeCloseTo(SECOND / (80 * 0.97), 6);
		// ceil(77.6 x 0.1) = 8 back to back.
		expect(pace.toleranceMs / pace.intervalMs + 1).toBeCloseTo(8, 6);
		expect(senderPace(1000).toleranceMs).toBeLessThanOrEqual(100);
	});

	it('holds every message back after 130429, and the burst is spent', () => {
		const pace = paceOf(10, 2);
		const tat = holdSender(undefined, pace, T0, 2 * SECOND);
		const state: ScheduleState = { senderTat: tat, pairTats: new Map() };
		expect(times(schedule(state, [undefined, undefined]))).toEqual([2000, 2100]);
	});

	it.each([0, -1, 1001, Number.NaN])('refuses the rate %p, naming the limits', (rate) => {
		expect(() => senderPace(rate)).toThrow(/above 0 and at most 1000/);
	});
});

describe('pair limit (per contact)', () => {
	it('lets a burst to one contact through, then one message every 6 seconds', () => {
		const state = fresh();
		// Bursts of 3 to one contact: three at the sender's pace, the fourth 6 s after the first.
		const slots = schedule(state, [ADA, ADA, ADA, ADA], T0, 1000);
		expect(times(slots)).toEqual([0, 0, 1, 'defer 6000']);
	});

	it('never makes other contacts wait for a busy one', () => {
		const state = fresh();
		schedule(state, [ADA, ADA, ADA], T0, 1000);
		expect(times(schedule(state, [ADA, BEN], T0 + 5, 1000))).toEqual(['defer 6000', 5]);
	});

	it('pays a burst back at the sustained pace before the next burst', () => {
		const state = fresh();
		schedule(state, [ADA, ADA, ADA], T0, 1000);
		// 12 s later two more messages have been earned, not a new burst of three.
		expect(times(schedule(state, [ADA, ADA, ADA], T0 + 12 * SECOND, 1000))).toEqual([
			12000,
			12000,
			'defer 18000',
		]);
	});

	it('gives a slot to a contact whose turn comes within the horizon, at that turn', () => {
		const state = fresh();
		schedule(state, [ADA, ADA, ADA], T0, 1000);
		expect(times(schedule(state, [ADA], T0 + 5990, 1000))).toEqual([6000]);
	});

	describe('after 131056', () => {
		it('blocks the contact 4^n seconds for answers in a row', () => {
			const pace = pairPace();
			let strikes = { strikes: 0, lastAt: undefined as number | undefined };
			const blocks: number[] = [];
			let now = T0;
			for (let i = 0; i < 4; i++) {
				const held = holdPair(undefined, strikes, pace, now);
				blocks.push(held.blockMs);
				strikes = { ...held.strikes };
				now += held.blockMs;
			}
			expect(blocks).toEqual([1, 4, 16, 64].map((s) => s * SECOND));
		});

		it('starts over when the last one is long past (a message got through in between)', () => {
			const pace = pairPace();
			const first = holdPair(undefined, { strikes: 0, lastAt: undefined }, pace, T0);
			const later = holdPair(first.tat, first.strikes, pace, T0 + 10 * 60 * SECOND);
			expect(later.blockMs).toBe(1 * SECOND);
		});

		it('makes the burst be paid back after the block: one message per 6 s', () => {
			const state = fresh();
			const held = holdPair(undefined, { strikes: 0, lastAt: undefined }, pairPace(3), T0);
			state.pairTats.set(ADA, held.tat);
			expect(times(schedule(state, [ADA], T0 + SECOND, 1000))).toEqual([1000]);
			expect(times(schedule(state, [ADA], T0 + SECOND + 1, 1000))).toEqual(['defer 7000']);
		});
	});

	it('takes bursts of 1 to 45 only (Meta tolerates 45 in 6 s)', () => {
		expect(pairPace().toleranceMs).toBe(9 * 6 * SECOND);
		expect(() => pairPace(46)).toThrow(/from 1 to 45/);
		expect(() => pairPace(0)).toThrow(/from 1 to 45/);
	});
});
