import { DAY, HOUR, MINUTE } from '../../../nodes/core/clock';
import {
	checkFrequencyCap,
	FREQUENCY_CAP_DEFAULTS,
	PolicyOptionError,
	resolveFrequencyCapOptions,
	type FrequencyCapInput,
} from '../../../nodes/core/policy';
import { CONTACT, T0 } from './fixtures';

const marketing = (marketingSentAt: number[]): FrequencyCapInput => ({
	contact: CONTACT,
	category: 'marketing',
	marketingSentAt,
});

describe('frequency cap', () => {
	it('allows 2 marketing templates per contact per 7 days by default', () => {
		expect(FREQUENCY_CAP_DEFAULTS).toEqual({ enabled: true, max: 2, periodMs: 7 * DAY });
		expect(checkFrequencyCap(marketing([]), {}, T0).allowed).toBe(true);
		expect(checkFrequencyCap(marketing([T0 - DAY]), {}, T0).allowed).toBe(true);
	});

	it('holds the third until the oldest counted send leaves the period', () => {
		const decision = checkFrequencyCap(marketing([T0 - 3 * DAY, T0 - DAY]), {}, T0);
		expect(decision).toMatchObject({
			allowed: false,
			rule: 'frequency cap',
			reason: 'frequency_cap',
			retryAt: T0 + 4 * DAY,
		});
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.message).toContain(CONTACT);
		expect(decision.message).toContain('2 marketing templates in the last 7 days');
		expect(decision.message).toContain('2026-03-06 12:00 UTC');
	});

	it('counts a send made 7 days minus 1 ms ago and not one made exactly 7 days ago', () => {
		const oldest = T0 - 3 * DAY;
		const sends = [oldest, T0 - DAY];
		expect(checkFrequencyCap(marketing(sends), {}, oldest + 7 * DAY - 1).allowed).toBe(false);
		expect(checkFrequencyCap(marketing(sends), {}, oldest + 7 * DAY).allowed).toBe(true);
	});

	it('reads the send times in any order', () => {
		const decision = checkFrequencyCap(marketing([T0 - DAY, T0 - 3 * DAY]), {}, T0);
		expect(decision).toMatchObject({ retryAt: T0 + 4 * DAY });
	});

	it('waits for enough sends to leave the period when more than the maximum were counted', () => {
		const sends = [T0 - 5 * DAY, T0 - 4 * DAY, T0 - 2 * DAY];
		expect(checkFrequencyCap(marketing(sends), {}, T0)).toMatchObject({ retryAt: T0 + 3 * DAY });
		expect(checkFrequencyCap(marketing(sends), { max: 1 }, T0)).toMatchObject({
			retryAt: T0 + 5 * DAY,
		});
	});

	it('applies to marketing templates only', () => {
		const sends = [T0 - 2 * HOUR, T0 - HOUR];
		for (const category of ['utility', 'authentication'] as const) {
			expect(
				checkFrequencyCap({ contact: CONTACT, category, marketingSentAt: sends }, {}, T0).allowed,
			).toBe(true);
		}
	});

	it('follows the configured maximum and period, or nothing when turned off', () => {
		const sends = [T0 - 20 * HOUR, T0 - 10 * HOUR];
		expect(checkFrequencyCap(marketing(sends), { max: 3 }, T0).allowed).toBe(true);
		expect(checkFrequencyCap(marketing(sends), { periodMs: 12 * HOUR }, T0).allowed).toBe(true);
		expect(checkFrequencyCap(marketing(sends), { periodMs: DAY }, T0)).toMatchObject({
			retryAt: T0 + 4 * HOUR,
		});
		expect(checkFrequencyCap(marketing(sends), { enabled: false }, T0).allowed).toBe(true);
	});

	it('rejects options it cannot use, naming the field and the limit', () => {
		const error = (options: object) => {
			try {
				resolveFrequencyCapOptions(options);
			} catch (e) {
				return e as PolicyOptionError;
			}
			throw new Error('expected a PolicyOptionError');
		};
		expect(error({ max: 0 })).toMatchObject({ field: 'frequencyCap.max' });
		expect(error({ max: 0 }).message).toContain('at least 1, got 0');
		expect(error({ max: 1.5 }).field).toBe('frequencyCap.max');
		expect(error({ periodMs: MINUTE - 1 })).toMatchObject({ field: 'frequencyCap.periodMs' });
		expect(error({ periodMs: 367 * DAY }).message).toContain('366 days');
		expect(error({ enabled: 'yes' })).toMatchObject({ field: 'frequencyCap.enabled' });
		expect(error({ max: 0 })).toBeInstanceOf(PolicyOptionError);
		expect(resolveFrequencyCapOptions({ max: undefined })).toEqual(FREQUENCY_CAP_DEFAULTS);
	});
});
