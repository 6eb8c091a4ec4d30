/**
 * Retry delays that cannot run away: exponential, capped, with full jitter (a random wait between 0
 * and the capped exponential), so clients that failed together do not retry together. Pure: the
 * random source and the current time are passed in.
 */
import { SECOND } from '../clock';

/** Upper bound of the first retry's wait; doubles with every further attempt. */
export const BACKOFF_BASE_MS = 1 * SECOND;
/** No single jittered wait is longer than this. */
export const BACKOFF_CAP_MS = 30 * SECOND;
/** Meta's pair rate limit: after the Xth consecutive 131056, wait 4^X seconds (X from 0). */
export const PAIR_BACKOFF_FACTOR = 4;
/** Retries a client may be configured for at most; more would only hide a lasting failure. */
export const MAX_RETRIES_LIMIT = 10;
/** Retries per request unless configured. */
export const DEFAULT_MAX_RETRIES = 3;

export interface JitterOptions {
	/** @default BACKOFF_BASE_MS */
	readonly baseMs?: number;
	/** @default BACKOFF_CAP_MS */
	readonly capMs?: number;
}

/**
 * Full-jitter exponential backoff: a random delay in [0, min(cap, base * 2^attempt)).
 * `attempt` counts retries from 0; `random` returns a number in [0, 1).
 */
export function fullJitterDelayMs(
	attempt: number,
	random: () => number,
	options: JitterOptions = {},
): number {
	assertAttempt(attempt);
	const baseMs = options.baseMs ?? BACKOFF_BASE_MS;
	const capMs = options.capMs ?? BACKOFF_CAP_MS;
	const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
	const r = Math.min(Math.max(random(), 0), 1);
	return Math.floor(r * ceiling);
}

/** Meta's pair-rate-limit backoff: 4^attempt seconds (1 s, 4 s, 16 s, 64 s...). */
export function pairBackoffMs(attempt: number): number {
	assertAttempt(attempt);
	return PAIR_BACKOFF_FACTOR ** attempt * SECOND;
}

/**
 * A Retry-After header as milliseconds from `now`: delta-seconds ("120", decimals tolerated) or an
 * HTTP date. Undefined when absent or unreadable; a date in the past gives 0.
 */
export function parseRetryAfter(
	value: string | number | readonly string[] | null | undefined,
	now: number,
): number | undefined {
	const first = Array.isArray(value) ? value[0] : value;
	if (first === undefined || first === null) return undefined;
	if (typeof first === 'number') {
		return Number.isFinite(first) && first >= 0 ? Math.ceil(first * SECOND) : undefined;
	}
	const text = String(first).trim();
	if (text === '') return undefined;
	if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * SECOND);
	const at = Date.parse(text);
	if (Number.isNaN(at)) return undefined;
	return Math.max(0, at - now);
}

/** Throws unless `maxRetries` is a whole number from 0 to {@link MAX_RETRIES_LIMIT}. */
export function assertMaxRetries(maxRetries: number, field = 'maxRetries'): void {
	if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > MAX_RETRIES_LIMIT) {
		throw new RangeError(
			`${field} must be a whole number from 0 to ${MAX_RETRIES_LIMIT}; got ${String(maxRetries)}. Use 0 to turn retries off.`,
		);
	}
}

function assertAttempt(attempt: number): void {
	if (!Number.isInteger(attempt) || attempt < 0) {
		throw new RangeError(
			`attempt must be a whole number from 0 (the first retry); got ${String(attempt)}`,
		);
	}
}
