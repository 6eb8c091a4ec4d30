import { DAY, HOUR, MINUTE, SECOND } from '../../../nodes/core/clock';
import {
	describeMetaError,
	entryWithoutCode,
	isAutoRetryable,
	lookupMetaError,
	META_ERROR_CATALOG,
	NO_META_CODE,
	retryAt,
	retryDelayMs,
} from '../../../nodes/core/client/metaErrors';
import { BACKOFF_CAP_MS } from '../../../nodes/core/pace/backoff';

/** Every code of the reference table (section 4) plus 131059 from the changelog. */
const REFERENCE_CODES = [
	0, 1, 2, 3, 4, 10, 33, 100, 190, 368, 613, 80007, 130429, 130472, 130497, 131000, 131005, 131008,
	131009, 131016, 131021, 131026, 131031, 131037, 131042, 131045, 131047, 131048, 131049, 131050,
	131051, 131052, 131053, 131055, 131056, 131057, 131059, 132000, 132001, 132005, 132007, 132012,
	132015, 132016, 132018, 132068, 132069, 133000, 133004, 133005, 133006, 133007, 133008, 133009,
	133010, 133015, 133016, 134011, 134100, 134101, 134102, 135000,
];

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const context = (extra: { retryAfterHeader?: string | number; random?: () => number } = {}) => ({
	now: NOW,
	random: extra.random ?? (() => 0.5),
	retryAfterHeader: extra.retryAfterHeader,
});

describe('Meta error catalog', () => {
	it.each(REFERENCE_CODES)('knows code %p from the reference table', (code) => {
		const entry = lookupMetaError(code);
		expect(entry.code).toBe(code);
		expect(entry.category).not.toBe('unknown');
	});

	it.each([200, 250, 299])(
		'treats %p in the 200-299 range as a permission error, keeping the code',
		(code) => {
			const entry = lookupMetaError(code);
			expect(entry).toMatchObject({
				code,
				category: 'permission',
				httpStatus: 403,
				title: 'API Permission',
			});
			expect(entry.retry.kind).toBe('after_fix');
		},
	);

	it('has one entry per code', () => {
		const codes = META_ERROR_CATALOG.map((e) => e.code);
		expect(new Set(codes).size).toBe(codes.length);
	});

	it.each(META_ERROR_CATALOG.map((e) => [e.code, e] as const))(
		'explains code %p in one sentence each: what happened and what to do',
		(_code, entry) => {
			for (const sentence of [entry.meaning, entry.action]) {
				expect(sentence.length).toBeGreaterThan(15);
				expect(sentence.length).toBeLessThan(260);
				expect(sentence).toMatch(/^[A-Z]/);
				expect(sentence).toMatch(/[.)]$/);
			}
			expect(entry.title.length).toBeGreaterThan(0);
		},
	);

	it.each([
		[0, 'authorization', 401],
		[190, 'authorization', 401],
		[10, 'permission', 403],
		[130429, 'throttling', 400],
		[131056, 'pair_rate_limit', 400],
		[131047, 'reengagement', 400],
		[131050, 'marketing_opt_out', 400],
		[131049, 'marketing_limit', 400],
		[132001, 'template', 404],
		[131009, 'parameter', 400],
		[131026, 'recipient', 400],
		[131053, 'media', 400],
		[133010, 'account', 400],
		[131042, 'billing', 400],
		[368, 'integrity', 403],
		[131000, 'server', 500],
		[2, 'server', 503],
	] as const)('files %p under %p with HTTP %p as Meta lists it', (code, category, httpStatus) => {
		expect(lookupMetaError(code)).toMatchObject({ category, httpStatus });
	});

	describe('retry policy', () => {
		it.each([4, 613, 80007, 130429, 131000, 131016, 1, 2, 131057, 133004])(
			'retries %p automatically with backoff',
			(code) => {
				expect(lookupMetaError(code).retry.kind).toBe('backoff');
				expect(isAutoRetryable(lookupMetaError(code))).toBe(true);
			},
		);

		it('retries the pair rate limit 131056 with its own backoff', () => {
			expect(lookupMetaError(131056).retry.kind).toBe('pair_backoff');
			expect(isAutoRetryable(lookupMetaError(131056))).toBe(true);
		});

		it.each([131050, 131047, 130497, 131026, 131021, 132016])('never resends after %p', (code) => {
			expect(lookupMetaError(code).retry.kind).toBe('never');
			expect(isAutoRetryable(lookupMetaError(code))).toBe(false);
		});

		it.each([0, 190, 100, 131008, 131009, 132000, 132001, 131042, 133010])(
			'asks for a fix before %p can succeed',
			(code) => {
				expect(lookupMetaError(code).retry.kind).toBe('after_fix');
			},
		);

		it('holds a marketing message Meta did not deliver (131049) until the next day', () => {
			expect(lookupMetaError(131049).retry).toEqual({ kind: 'next_day', minDelayMs: DAY });
		});

		it('names the waits Meta documents for later retries', () => {
			expect(lookupMetaError(134101).retry).toEqual({ kind: 'later', minDelayMs: 10 * MINUTE });
			expect(lookupMetaError(133015).retry).toEqual({ kind: 'later', minDelayMs: 5 * MINUTE });
			expect(lookupMetaError(132015).retry).toEqual({ kind: 'later', minDelayMs: 3 * HOUR });
			expect(lookupMetaError(132069).retry).toEqual({ kind: 'later', minDelayMs: HOUR });
		});
	});

	describe('unknown codes', () => {
		it('keeps the code and says what to do', () => {
			const entry = lookupMetaError(987654);
			expect(entry).toMatchObject({ code: 987654, category: 'unknown' });
			expect(entry.meaning).toContain('987654');
			expect(entry.action).toMatch(/details from Meta/);
		});

		it('asks for a fix when the HTTP status says the request was refused', () => {
			expect(lookupMetaError(987654, 400).retry.kind).toBe('after_fix');
		});

		it('retries when the HTTP status says Meta had trouble or asked to slow down', () => {
			expect(lookupMetaError(987654, 502).retry.kind).toBe('backoff');
			expect(lookupMetaError(987654, 429).retry.kind).toBe('backoff');
		});
	});

	describe('failures without a Meta code', () => {
		it('treats no answer at all as a passing failure', () => {
			expect(entryWithoutCode()).toMatchObject({ code: NO_META_CODE, category: 'server' });
			expect(entryWithoutCode().retry.kind).toBe('backoff');
		});

		it.each([
			[401, 'authorization', 'after_fix'],
			[403, 'permission', 'after_fix'],
			[429, 'throttling', 'backoff'],
			[503, 'unknown', 'backoff'],
			[404, 'unknown', 'after_fix'],
		] as const)('reads a bare HTTP %p as %p (%p)', (status, category, kind) => {
			const entry = entryWithoutCode(status);
			expect(entry.category).toBe(category);
			expect(entry.retry.kind).toBe(kind);
			expect(entry.httpStatus).toBe(status);
		});
	});

	it('describes an error by title, code, meaning and Meta’s details', () => {
		const text = describeMetaError(
			lookupMetaError(131047),
			'Message failed to send because more than 24 hours have passed',
		);
		expect(text).toMatch(/^Re-engagement message \(#131047\): More than 24 hours/);
		expect(text).toContain(
			'Meta says: “Message failed to send because more than 24 hours have passed”',
		);
		expect(describeMetaError(entryWithoutCode(502))).not.toContain('#');
	});
});

describe('retryDelayMs', () => {
	it('waits 4^attempt seconds after a pair rate limit (131056)', () => {
		const pair = lookupMetaError(131056);
		expect([0, 1, 2, 3].map((n) => retryDelayMs(pair, n, context()))).toEqual([
			1 * SECOND,
			4 * SECOND,
			16 * SECOND,
			64 * SECOND,
		]);
	});

	it('waits longer than 4^attempt when Meta’s Retry-After asks for it', () => {
		expect(retryDelayMs(lookupMetaError(131056), 0, context({ retryAfterHeader: '3' }))).toBe(
			3 * SECOND,
		);
	});

	it('honours Retry-After in seconds for throttling', () => {
		expect(retryDelayMs(lookupMetaError(130429), 0, context({ retryAfterHeader: '7' }))).toBe(
			7 * SECOND,
		);
	});

	it('honours Retry-After as an HTTP date for throttling', () => {
		const header = new Date(NOW + 12 * SECOND).toUTCString();
		expect(retryDelayMs(lookupMetaError(4), 2, context({ retryAfterHeader: header }))).toBe(
			12 * SECOND,
		);
	});

	it('uses capped, jittered exponential backoff for throttling without Retry-After', () => {
		const entry = lookupMetaError(130429);
		const top = () => 0.999999;
		expect(retryDelayMs(entry, 0, context({ random: top }))).toBeLessThan(1 * SECOND);
		expect(retryDelayMs(entry, 3, context({ random: top }))).toBeGreaterThan(7 * SECOND);
		expect(retryDelayMs(entry, 3, context({ random: top }))).toBeLessThan(8 * SECOND);
		expect(retryDelayMs(entry, 30, context({ random: top }))).toBeLessThanOrEqual(BACKOFF_CAP_MS);
		expect(retryDelayMs(entry, 3, context({ random: () => 0 }))).toBe(0);
		expect(retryDelayMs(entry, 3, context({ random: () => 0.5 }))).toBe(4 * SECOND);
	});

	it('waits at least a day after 131049', () => {
		expect(retryDelayMs(lookupMetaError(131049), 0, context())).toBe(DAY);
		expect(retryAt(lookupMetaError(131049), 0, context())).toBe(NOW + DAY);
	});

	it('names no time for errors that must never be retried or need a fix', () => {
		expect(
			retryDelayMs(lookupMetaError(131050), 0, context({ retryAfterHeader: '5' })),
		).toBeUndefined();
		expect(retryDelayMs(lookupMetaError(190), 0, context())).toBeUndefined();
		expect(retryAt(lookupMetaError(131050), 0, context())).toBeUndefined();
	});

	it('gives Meta’s named wait for later retries, or none when Meta names none', () => {
		expect(retryDelayMs(lookupMetaError(134101), 0, context())).toBe(10 * MINUTE);
		expect(retryDelayMs(lookupMetaError(131048), 0, context())).toBeUndefined();
		expect(retryDelayMs(lookupMetaError(131048), 0, context({ retryAfterHeader: '60' }))).toBe(
			MINUTE,
		);
	});

	it('rejects an attempt that is not a whole number from 0', () => {
		expect(() => retryDelayMs(lookupMetaError(130429), -1, context())).toThrow(
			/attempt must be a whole number/,
		);
		expect(() => retryDelayMs(lookupMetaError(131056), 1.5, context())).toThrow(RangeError);
	});
});
