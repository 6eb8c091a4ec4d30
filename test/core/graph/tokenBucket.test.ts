import { SECOND } from '../../../nodes/core/clock';
import {
	clearSenderLimiters,
	DEFAULT_MESSAGES_PER_SECOND,
	SENDER_PACE,
	senderLimiter,
	TokenBucket,
} from '../../../nodes/core/graph/tokenBucket';
import { manualTime, settle } from './limiterSupport';

/** Takes `n` tokens concurrently; resolves with the clock time at which each was granted. */
async function grantTimes(bucket: TokenBucket, n: number, clock: { now(): number }) {
	const times: number[] = new Array(n);
	await Promise.all(
		Array.from({ length: n }, (_, i) =>
			bucket.take().then(() => {
				times[i] = clock.now();
			}),
		),
	);
	return times;
}

describe('throughput (token bucket per sender number)', () => {
	it('lets a full burst through at once after a quiet spell', async () => {
		const { clock, sleep, start } = manualTime();
		const bucket = new TokenBucket({ ratePerSecond: 10, burst: 4, clock, sleep });
		const times = await grantTimes(bucket, 4, clock);
		expect(times).toEqual([start, start, start, start]);
	});

	it('never lets more than rate * t + burst through in any window', async () => {
		const { clock, sleep } = manualTime();
		const rate = 5;
		const burst = 3;
		const bucket = new TokenBucket({ ratePerSecond: rate, burst, clock, sleep });
		const times = await grantTimes(bucket, 40, clock);
		const sorted = [...times].sort((a, b) => a - b);
		for (let i = 0; i < sorted.length; i++) {
			for (let j = i; j < sorted.length; j++) {
				const window = (sorted[j] - sorted[i]) / SECOND;
				expect(j - i + 1).toBeLessThanOrEqual(rate * window + burst + 1e-6);
			}
		}
	});

	it('sustains the configured rate once the burst is spent', async () => {
		const { clock, sleep, start } = manualTime();
		const bucket = new TokenBucket({ ratePerSecond: 4, burst: 2, clock, sleep });
		const times = await grantTimes(bucket, 10, clock);
		// 2 at once, then 8 more at 4 per second.
		expect(times[9] - start).toBe(2 * SECOND);
	});

	it('serves waiters in the order they asked, including late arrivals', async () => {
		const { clock, sleep } = manualTime();
		const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1, clock, sleep });
		const order: string[] = [];
		const first = ['a', 'b', 'c'].map((name) => bucket.take().then(() => order.push(name)));
		await settle(3);
		const late = ['d', 'e'].map((name) => bucket.take().then(() => order.push(name)));
		await Promise.all([...first, ...late]);
		expect(order).toEqual(['a', 'b', 'c', 'd', 'e']);
	});

	it('does not let a newcomer jump the queue when a token frees up', async () => {
		const { clock, sleep } = manualTime();
		const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1, clock, sleep });
		await bucket.take();
		const waiting = bucket.take();
		clock.advance(5 * SECOND);
		expect(bucket.tryTake()).toBe(false);
		expect(bucket.available()).toBe(0);
		await waiting;
	});

	it('gives up the place in the queue when the caller aborts', async () => {
		const { clock, sleep } = manualTime();
		const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1, clock, sleep });
		await bucket.take();
		const controller = new AbortController();
		const order: string[] = [];
		const aborted = bucket.take(controller.signal).then(
			() => order.push('aborted one'),
			(reason: unknown) => order.push(`rejected: ${(reason as Error).name}`),
		);
		const next = bucket.take().then(() => order.push('next'));
		controller.abort();
		await Promise.all([aborted, next]);
		expect(order).toEqual(['rejected: AbortError', 'next']);
		expect(bucket.pending).toBe(0);
	});

	it('rejects at once when the signal has already aborted', async () => {
		const bucket = new TokenBucket({ ratePerSecond: 1 });
		await expect(bucket.take(AbortSignal.abort(new Error('stop')))).rejects.toThrow('stop');
	});

	it('refills to the burst and no further', () => {
		const { clock, sleep } = manualTime();
		const bucket = new TokenBucket({ ratePerSecond: 2, burst: 3, clock, sleep });
		expect(bucket.tryTake()).toBe(true);
		expect(bucket.tryTake()).toBe(true);
		expect(bucket.tryTake()).toBe(true);
		expect(bucket.tryTake()).toBe(false);
		clock.advance(500);
		expect(bucket.available()).toBe(1);
		clock.advance(60 * SECOND);
		expect(bucket.available()).toBe(3);
	});

	it('fails every waiter rather than hang when its sleep fails', async () => {
		const { clock } = manualTime();
		const bucket = new TokenBucket({
			ratePerSecond: 1,
			burst: 1,
			clock,
			sleep: () => Promise.reject(new Error('timer broke')),
		});
		await bucket.take();
		await expect(bucket.take()).rejects.toThrow('timer broke');
	});

	describe('options', () => {
		it('defaults to Meta’s 80 messages per second with a burst of the same', () => {
			const bucket = new TokenBucket();
			expect(bucket.ratePerSecond).toBe(DEFAULT_MESSAGES_PER_SECOND);
			expect(bucket.burst).toBe(80);
		});

		it.each([0, -1, 1001, Number.NaN, Number.POSITIVE_INFINITY])(
			'rejects a rate of %p with the allowed range',
			(rate) => {
				expect(() => new TokenBucket({ ratePerSecond: rate })).toThrow(
					`ratePerSecond must be a number of messages per second above 0 and at most 1000 (Meta's highest throughput); got ${rate}`,
				);
			},
		);

		it.each([0, 0.5, 1001])('rejects a burst of %p', (burst) => {
			expect(() => new TokenBucket({ burst })).toThrow(
				`burst must be a number of messages from 1 to 1000; got ${burst}`,
			);
		});

		it('accepts a fractional rate (one message every 2 seconds)', async () => {
			const { clock, sleep, start } = manualTime();
			const bucket = new TokenBucket({ ratePerSecond: 0.5, clock, sleep });
			const times = await grantTimes(bucket, 3, clock);
			expect(times).toEqual([start, start + 2 * SECOND, start + 4 * SECOND]);
		});
	});

	it('changes rate; a burst left to default follows it', () => {
		const { clock, sleep } = manualTime();
		const bucket = new TokenBucket({ ratePerSecond: 80, clock, sleep });
		bucket.setRate(20);
		expect(bucket.ratePerSecond).toBe(20);
		expect(bucket.burst).toBe(20);
		expect(bucket.available()).toBe(20);
		const fixed = new TokenBucket({ ratePerSecond: 80, burst: 5, clock, sleep });
		fixed.setRate(20);
		expect(fixed.burst).toBe(5);
	});
});

describe('senderLimiter (process-wide registry)', () => {
	afterEach(() => clearSenderLimiters());

	it('gives every caller of one sender number the same bucket', () => {
		expect(senderLimiter('106540352242922', 80)).toBe(senderLimiter('106540352242922', 80));
	});

	it('keeps sender numbers apart', () => {
		expect(senderLimiter('106540352242922')).not.toBe(senderLimiter('106540352242923'));
	});

	it('re-rates the shared bucket when the configured rate changes', () => {
		const bucket = senderLimiter('106540352242922', 80);
		expect(senderLimiter('106540352242922', 20)).toBe(bucket);
		expect(bucket.ratePerSecond).toBeCloseTo(20 * SENDER_PACE);
	});

	it("paces 3 % under the configured rate so arrival jitter never crosses Meta's limit", () => {
		expect(SENDER_PACE).toBe(0.97);
		expect(senderLimiter('106540352242922', 80).ratePerSecond).toBeCloseTo(77.6);
		expect(senderLimiter('106540352242923', 1000).ratePerSecond).toBeCloseTo(970);
	});

	it('allows a burst of a tenth of a second only, also after a re-rate', () => {
		expect(senderLimiter('106540352242922', 1000).burst).toBe(97);
		expect(senderLimiter('106540352242922', 80).burst).toBe(8);
		expect(senderLimiter('106540352242923', 5).burst).toBe(1);
	});

	it('rejects an empty sender and a rate out of range', () => {
		expect(() => senderLimiter('  ')).toThrow(/phoneNumberId must be the ID/);
		expect(() => senderLimiter('1', 5000)).toThrow(/at most 1000/);
	});
});
