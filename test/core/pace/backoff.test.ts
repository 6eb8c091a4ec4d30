import { SECOND } from '../../../nodes/core/clock';
import {
	assertMaxRetries,
	BACKOFF_BASE_MS,
	BACKOFF_CAP_MS,
	fullJitterDelayMs,
	MAX_RETRIES_LIMIT,
	pairBackoffMs,
	parseRetryAfter,
} from '../../../nodes/core/pace/backoff';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

describe('backoff', () => {
	describe('full jitter', () => {
		it('draws between 0 and the doubled base for each attempt', () => {
			expect(fullJitterDelayMs(0, () => 0.999)).toBeLessThan(BACKOFF_BASE_MS);
			expect(fullJitterDelayMs(2, () => 0.5)).toBe(2 * BACKOFF_BASE_MS);
			expect(fullJitterDelayMs(4, () => 0)).toBe(0);
		});

		it('never waits longer than the cap, however many attempts', () => {
			expect(fullJitterDelayMs(10, () => 0.999999)).toBeLessThanOrEqual(BACKOFF_CAP_MS);
			expect(fullJitterDelayMs(5000, () => 0.999999)).toBeLessThanOrEqual(BACKOFF_CAP_MS);
		});

		it('takes base and cap as options', () => {
			expect(fullJitterDelayMs(3, () => 0.5, { baseMs: 100, capMs: 350 })).toBe(175);
		});

		it('keeps a misbehaving random source inside the range', () => {
			expect(fullJitterDelayMs(1, () => 7)).toBe(2 * BACKOFF_BASE_MS);
			expect(fullJitterDelayMs(1, () => -3)).toBe(0);
		});
	});

	it('backs off 4^n seconds for the pair rate limit', () => {
		expect([0, 1, 2].map(pairBackoffMs)).toEqual([SECOND, 4 * SECOND, 16 * SECOND]);
	});

	describe('Retry-After', () => {
		it('reads delta-seconds', () => {
			expect(parseRetryAfter('120', NOW)).toBe(120 * SECOND);
			expect(parseRetryAfter(' 1.5 ', NOW)).toBe(1500);
			expect(parseRetryAfter(3, NOW)).toBe(3 * SECOND);
			expect(parseRetryAfter(['2', '9'], NOW)).toBe(2 * SECOND);
		});

		it('reads an HTTP date relative to now, and a past date as 0', () => {
			expect(parseRetryAfter(new Date(NOW + 30 * SECOND).toUTCString(), NOW)).toBe(30 * SECOND);
			expect(parseRetryAfter(new Date(NOW - 30 * SECOND).toUTCString(), NOW)).toBe(0);
		});

		it('ignores absent or unreadable values', () => {
			expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
			expect(parseRetryAfter('', NOW)).toBeUndefined();
			expect(parseRetryAfter('soon', NOW)).toBeUndefined();
			expect(parseRetryAfter(-1, NOW)).toBeUndefined();
		});
	});

	describe('bounded attempts', () => {
		it(`accepts 0 to ${MAX_RETRIES_LIMIT} retries`, () => {
			expect(() => assertMaxRetries(0)).not.toThrow();
			expect(() => assertMaxRetries(MAX_RETRIES_LIMIT)).not.toThrow();
		});

		it('rejects more retries than the limit, negative or fractional counts', () => {
			expect(() => assertMaxRetries(MAX_RETRIES_LIMIT + 1)).toThrow(
				`maxRetries must be a whole number from 0 to ${MAX_RETRIES_LIMIT}; got ${MAX_RETRIES_LIMIT + 1}`,
			);
			expect(() => assertMaxRetries(-1)).toThrow(RangeError);
			expect(() => assertMaxRetries(1.5)).toThrow(RangeError);
		});

		it('rejects an attempt index below 0', () => {
			expect(() => fullJitterDelayMs(-1, Math.random)).toThrow(/attempt must be a whole number/);
			expect(() => pairBackoffMs(Number.NaN)).toThrow(RangeError);
		});
	});
});
