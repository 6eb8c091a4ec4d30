import { SECOND } from '../../../nodes/core/clock';
import {
	clearSenderPairLimiters,
	DEFAULT_PAIR_BURST,
	PAIR_INTERVAL_MS,
	PairLimiter,
	senderPairLimiter,
} from '../../../nodes/core/graph/pairLimiter';
import { manualTime, settle } from './limiterSupport';

const ADA = '4915123456789';
const BOB = '16505551234';

async function grantTimes(
	limiter: PairLimiter,
	recipient: string,
	n: number,
	clock: { now(): number },
) {
	const times: number[] = [];
	await Promise.all(
		Array.from({ length: n }, () => limiter.take(recipient).then(() => times.push(clock.now()))),
	);
	return times;
}

describe('pair limit (per contact)', () => {
	it('lets a burst to one contact through at once, then one message every 6 seconds', async () => {
		const { clock, sleep, start } = manualTime();
		const limiter = new PairLimiter({ burst: 3, clock, sleep });
		const times = await grantTimes(limiter, ADA, 5, clock);
		expect(times).toEqual([start, start, start, start + 6 * SECOND, start + 12 * SECOND]);
	});

	it('pays a burst back at the sustained pace before the next burst', async () => {
		const { clock, sleep } = manualTime();
		const limiter = new PairLimiter({ burst: 3, clock, sleep });
		await grantTimes(limiter, ADA, 3, clock);
		clock.advance(6 * SECOND);
		expect(limiter.delayFor(ADA)).toBe(0);
		await limiter.take(ADA);
		expect(limiter.delayFor(ADA)).toBe(6 * SECOND);
		clock.advance(3 * 6 * SECOND);
		expect(limiter.delayFor(ADA)).toBe(0);
	});

	it('never makes other contacts wait for a busy one', async () => {
		const { clock } = manualTime();
		const hang = () => new Promise<void>(() => undefined);
		const limiter = new PairLimiter({ burst: 1, clock, sleep: hang });
		await limiter.take(ADA);
		let adaServed = false;
		void limiter.take(ADA).then(() => {
			adaServed = true;
		});
		let bobServed = false;
		void limiter.take(BOB).then(() => {
			bobServed = true;
		});
		await settle();
		expect(bobServed).toBe(true);
		expect(adaServed).toBe(false);
	});

	it('serves messages to the same contact in the order they were asked for', async () => {
		const { clock, sleep } = manualTime();
		const limiter = new PairLimiter({ burst: 1, clock, sleep });
		const order: number[] = [];
		await Promise.all([1, 2, 3, 4].map((n) => limiter.take(ADA).then(() => order.push(n))));
		expect(order).toEqual([1, 2, 3, 4]);
	});

	it('treats a number with and without "+" as the same contact', async () => {
		const { clock, sleep } = manualTime();
		const limiter = new PairLimiter({ burst: 1, clock, sleep });
		await limiter.take(`+${ADA}`);
		expect(limiter.delayFor(ADA)).toBe(PAIR_INTERVAL_MS);
	});

	describe('after 131056', () => {
		it('backs off 4^n seconds for consecutive pair-rate-limit answers', () => {
			const { clock, sleep } = manualTime();
			const limiter = new PairLimiter({ clock, sleep });
			expect(limiter.recordPairRateLimit(ADA)).toBe(1 * SECOND);
			expect(limiter.recordPairRateLimit(ADA)).toBe(4 * SECOND);
			expect(limiter.recordPairRateLimit(ADA)).toBe(16 * SECOND);
			expect(limiter.recordPairRateLimit(ADA)).toBe(64 * SECOND);
		});

		it('starts the backoff over after a message is accepted', () => {
			const { clock, sleep } = manualTime();
			const limiter = new PairLimiter({ clock, sleep });
			limiter.recordPairRateLimit(ADA);
			limiter.recordPairRateLimit(ADA);
			limiter.recordSuccess(ADA);
			expect(limiter.recordPairRateLimit(ADA)).toBe(1 * SECOND);
		});

		it('blocks the contact for the backoff and makes the burst be paid back', () => {
			const { clock, sleep } = manualTime();
			const limiter = new PairLimiter({ clock, sleep });
			limiter.recordPairRateLimit(ADA);
			limiter.recordPairRateLimit(ADA);
			limiter.recordPairRateLimit(ADA);
			// Blocked 16 s; the emptied bucket would have a token again after 6 s.
			expect(limiter.delayFor(ADA)).toBe(16 * SECOND);
			clock.advance(16 * SECOND);
			expect(limiter.delayFor(ADA)).toBe(0);
			expect(limiter.delayFor(BOB)).toBe(0);
		});

		it('makes a waiting send wait out the block', async () => {
			const { clock, sleep, start } = manualTime();
			const limiter = new PairLimiter({ burst: 5, clock, sleep });
			for (let i = 0; i < 3; i++) limiter.recordPairRateLimit(ADA);
			await limiter.take(ADA);
			expect(clock.now() - start).toBe(16 * SECOND);
		});
	});

	it('gives up a queued send when the caller aborts, and serves the next one', async () => {
		const { clock, sleep } = manualTime();
		const limiter = new PairLimiter({ burst: 1, clock, sleep });
		await limiter.take(ADA);
		const controller = new AbortController();
		const aborted = limiter.take(ADA, controller.signal);
		controller.abort(new Error('execution cancelled'));
		await expect(aborted).rejects.toThrow('execution cancelled');
		await expect(limiter.take(ADA)).resolves.toBeUndefined();
	});

	describe('memory', () => {
		it('drops contacts that are idle again once more than maxRecipients are tracked', async () => {
			const { clock, sleep } = manualTime();
			const limiter = new PairLimiter({ burst: 1, maxRecipients: 3, clock, sleep });
			for (let i = 0; i < 10; i++) {
				await limiter.take(`49151000000${i}`);
				clock.advance(PAIR_INTERVAL_MS);
			}
			expect(limiter.size).toBeLessThanOrEqual(3);
		});

		it('drops idle contacts before busy ones', async () => {
			const { clock, sleep } = manualTime();
			const limiter = new PairLimiter({ burst: 1, maxRecipients: 2, clock, sleep });
			limiter.recordPairRateLimit(ADA); // busy: blocked for 1 s
			await limiter.take(BOB);
			clock.advance(PAIR_INTERVAL_MS); // Bob is idle again, Ada's strike still counts
			await limiter.take('33612345678');
			expect(limiter.size).toBe(2);
			expect(limiter.recordPairRateLimit(ADA)).toBe(4 * SECOND);
		});

		it('stays bounded even when every tracked contact is busy', async () => {
			const { clock, sleep } = manualTime();
			const limiter = new PairLimiter({ burst: 1, maxRecipients: 5, clock, sleep });
			for (let i = 0; i < 50; i++) await limiter.take(`49151000000${i}`);
			expect(limiter.size).toBeLessThanOrEqual(5);
		});
	});

	describe('options', () => {
		it('defaults to a burst of 10 at Meta’s pace of one message per 6 seconds', () => {
			const limiter = new PairLimiter();
			expect(limiter.burst).toBe(DEFAULT_PAIR_BURST);
			expect(limiter.intervalMs).toBe(6 * SECOND);
		});

		it.each([0, 46, 1.5])('rejects a burst of %p with Meta’s limit', (burst) => {
			expect(() => new PairLimiter({ burst })).toThrow(
				`burst must be a whole number of messages from 1 to 45 (Meta's largest burst to one contact); got ${burst}`,
			);
		});

		it('rejects a pace faster than Meta allows', () => {
			expect(() => new PairLimiter({ intervalMs: 5000 })).toThrow(
				/intervalMs must be at least 6000/,
			);
		});

		it('rejects a bound below one contact', () => {
			expect(() => new PairLimiter({ maxRecipients: 0 })).toThrow(
				/maxRecipients must be a whole number/,
			);
		});

		it('rejects an empty recipient', () => {
			expect(() => new PairLimiter().delayFor(' ')).toThrow(
				/recipient must be the contact’s wa_id/,
			);
		});
	});
});

describe('senderPairLimiter (process-wide registry)', () => {
	afterEach(() => clearSenderPairLimiters());

	it('shares one pair limiter per sender number', () => {
		expect(senderPairLimiter('106540352242922')).toBe(senderPairLimiter('106540352242922'));
		expect(senderPairLimiter('106540352242922')).not.toBe(senderPairLimiter('106540352242923'));
	});

	it('applies options when the limiter is first made', () => {
		expect(senderPairLimiter('106540352242922', { burst: 4 }).burst).toBe(4);
	});
});
