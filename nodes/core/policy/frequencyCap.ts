import { DAY, MINUTE } from '../clock';
import type { TemplateCategory } from '../model';
import { describeDuration, formatUtc } from './format';
import { ALLOW, PolicyOptionError, type Decision } from './types';

export interface FrequencyCapOptions {
	/**
	 * Whether marketing templates per contact are capped.
	 * @default true
	 */
	readonly enabled?: boolean;
	/**
	 * How many marketing templates one contact may get within `periodMs` (a whole number, at least 1).
	 * @default 2
	 */
	readonly max?: number;
	/**
	 * The rolling period in milliseconds (1 minute to 366 days).
	 * @default 604800000 (7 days)
	 */
	readonly periodMs?: number;
}

export type ResolvedFrequencyCapOptions = Required<FrequencyCapOptions>;

export const FREQUENCY_CAP_DEFAULTS: ResolvedFrequencyCapOptions = Object.freeze({
	enabled: true,
	max: 2,
	periodMs: 7 * DAY,
});

const MAX_PERIOD_MS = 366 * DAY;

/** Fills in the defaults and checks the values; throws PolicyOptionError naming the field. */
export function resolveFrequencyCapOptions(
	options: FrequencyCapOptions = {},
): ResolvedFrequencyCapOptions {
	const resolved = { ...FREQUENCY_CAP_DEFAULTS, ...withoutUndefined(options) };
	if (typeof resolved.enabled !== 'boolean') {
		throw new PolicyOptionError(
			'frequencyCap.enabled',
			'frequencyCap.enabled must be true or false.',
		);
	}
	if (!Number.isInteger(resolved.max) || resolved.max < 1) {
		throw new PolicyOptionError(
			'frequencyCap.max',
			`frequencyCap.max must be a whole number of at least 1, got ${String(resolved.max)}: set how many marketing templates one contact may get per period, or turn the cap off with enabled: false.`,
		);
	}
	if (
		!Number.isInteger(resolved.periodMs) ||
		resolved.periodMs < MINUTE ||
		resolved.periodMs > MAX_PERIOD_MS
	) {
		throw new PolicyOptionError(
			'frequencyCap.periodMs',
			`frequencyCap.periodMs must be a whole number of milliseconds from ${MINUTE} (1 minute) to ${MAX_PERIOD_MS} (366 days), got ${String(resolved.periodMs)}.`,
		);
	}
	return resolved;
}

function withoutUndefined<T extends object>(options: T): Partial<T> {
	return Object.fromEntries(
		Object.entries(options).filter(([, value]) => value !== undefined),
	) as Partial<T>;
}

export interface FrequencyCapInput {
	/** The contact as the user gave it, used in the message. */
	contact: string;
	category: TemplateCategory;
	/** When marketing templates were sent to the contact (ContactSnapshot.marketingSentAt). */
	marketingSentAt: readonly number[];
}

/**
 * The frequency cap rule: at most `max` marketing templates per contact in any rolling period.
 * A send counts while now - periodMs < sentAt; the hold ends when enough of the counted sends
 * have left the period (for a full cap: the oldest counted send + period).
 */
export function checkFrequencyCap(
	input: FrequencyCapInput,
	options: FrequencyCapOptions,
	now: number,
): Decision {
	const { enabled, max, periodMs } = resolveFrequencyCapOptions(options);
	if (!enabled || input.category !== 'marketing') return ALLOW;
	const counted = input.marketingSentAt.filter((at) => at > now - periodMs).sort((a, b) => a - b);
	if (counted.length < max) return ALLOW;
	// One more send is allowed once only max - 1 remain in the period.
	const retryAt = counted[counted.length - max] + periodMs;
	const period = describeDuration(periodMs);
	return {
		allowed: false,
		rule: 'frequency cap',
		reason: 'frequency_cap',
		message: `${input.contact} already got ${counted.length} marketing template${counted.length === 1 ? '' : 's'} in the last ${period} and the limit is ${max}, so this one waits: it can be sent from ${formatUtc(retryAt)}.`,
		retryAt,
	};
}
