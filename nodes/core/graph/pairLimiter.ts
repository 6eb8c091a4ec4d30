/**
 * Meta's pair rate limit: one business number may send one contact about 1 message every 6 s over
 * time. Bursts (Meta tolerates up to 45 in 6 s) are borrowed from the future and must be paid back
 * at that pace; going over gives 131056. Modelled as one token bucket per contact (capacity `burst`,
 * one token back every `intervalMs`) plus, after a 131056, a block of 4^n seconds for that contact
 * (n counts consecutive 131056s from 0), reset by the next success.
 *
 * One limiter belongs to one sender number (the limit is per pair). Memory is bounded: a contact
 * whose bucket is full again, with no block and nothing waiting, is the same as a new one and is
 * dropped first when more than `maxRecipients` are tracked.
 */
import { systemClock, SECOND, type Clock } from '../clock';
import { pairBackoffMs } from './backoff';
import { realSleep, throwIfAborted, type Sleep } from './sleep';

/** Meta's sustained pace per contact: one message every 6 seconds. */
export const PAIR_INTERVAL_MS = 6 * SECOND;
/** The largest burst Meta tolerates to one contact (45 messages in 6 s). */
export const MAX_PAIR_BURST = 45;
/**
 * Back-to-back messages to one contact before the 6 s pace applies. Far below Meta's 45, because a
 * burst must be paid back; a short sequence (text, image, buttons) still goes out at once.
 */
export const DEFAULT_PAIR_BURST = 10;
/** Contacts tracked at once before idle ones are dropped. */
export const DEFAULT_MAX_RECIPIENTS = 10_000;
const EPSILON = 1e-9;

export interface PairLimiterOptions {
	/**
	 * Messages one contact may receive back to back before the sustained pace applies.
	 * From 1 to 45 (Meta's largest tolerated burst).
	 * @default 10
	 */
	readonly burst?: number;
	/**
	 * Sustained pace: one message per this many milliseconds to the same contact. At least 6000.
	 * @default 6000
	 */
	readonly intervalMs?: number;
	/**
	 * Most contacts tracked at once; beyond it, idle contacts are dropped first, then the least
	 * recently used.
	 * @default 10000
	 */
	readonly maxRecipients?: number;
	/** @default systemClock */
	readonly clock?: Clock;
	/** @default realSleep */
	readonly sleep?: Sleep;
}

interface PairState {
	tokens: number;
	updatedAt: number;
	/** Consecutive 131056 answers. */
	strikes: number;
	blockedUntil: number;
	/** Callers waiting or holding the queue of this contact. */
	waiting: number;
	/** The end of this contact's queue: callers are served in order. */
	tail: Promise<void>;
}

export class PairLimiter {
	readonly burst: number;
	readonly intervalMs: number;
	readonly maxRecipients: number;
	readonly #clock: Clock;
	readonly #sleep: Sleep;
	/** Insertion order = least recently used first. */
	readonly #pairs = new Map<string, PairState>();

	constructor(options: PairLimiterOptions = {}) {
		this.burst = options.burst ?? DEFAULT_PAIR_BURST;
		if (!Number.isInteger(this.burst) || this.burst < 1 || this.burst > MAX_PAIR_BURST) {
			throw new RangeError(
				`burst must be a whole number of messages from 1 to ${MAX_PAIR_BURST} (Meta's largest burst to one contact); got ${String(this.burst)}.`,
			);
		}
		this.intervalMs = options.intervalMs ?? PAIR_INTERVAL_MS;
		if (!Number.isFinite(this.intervalMs) || this.intervalMs < PAIR_INTERVAL_MS) {
			throw new RangeError(
				`intervalMs must be at least ${PAIR_INTERVAL_MS} (Meta allows one message every 6 seconds to the same contact); got ${String(this.intervalMs)}.`,
			);
		}
		this.maxRecipients = options.maxRecipients ?? DEFAULT_MAX_RECIPIENTS;
		if (!Number.isInteger(this.maxRecipients) || this.maxRecipients < 1) {
			throw new RangeError(
				`maxRecipients must be a whole number of at least 1; got ${String(this.maxRecipients)}.`,
			);
		}
		this.#clock = options.clock ?? systemClock;
		this.#sleep = options.sleep ?? realSleep;
	}

	/** Contacts currently tracked. */
	get size(): number {
		return this.#pairs.size;
	}

	/**
	 * Resolves when a message may go to `recipient` now (and counts it). Calls for the same contact
	 * are served in order; other contacts never wait for this one.
	 */
	take(recipient: string, signal?: AbortSignal): Promise<void> {
		try {
			throwIfAborted(signal);
		} catch (reason) {
			return Promise.reject(reason);
		}
		const key = keyOf(recipient);
		const state = this.#touch(key);
		state.waiting += 1;
		const turn = state.tail.then(() => this.#acquire(state, signal));
		state.tail = turn.catch(() => undefined);
		return turn.finally(() => {
			state.waiting -= 1;
		});
	}

	/** Milliseconds until a message may go to `recipient` (0 = now). Counts nothing. */
	delayFor(recipient: string): number {
		const state = this.#pairs.get(keyOf(recipient));
		return state ? this.#wait(state) : 0;
	}

	/**
	 * Records a 131056 for `recipient`: blocks the contact for 4^n seconds (n = earlier consecutive
	 * 131056s) and empties its bucket, as Meta wants the burst paid back. Returns the block in ms.
	 */
	recordPairRateLimit(recipient: string): number {
		const state = this.#touch(keyOf(recipient));
		this.#refill(state);
		const block = pairBackoffMs(state.strikes);
		state.strikes += 1;
		state.blockedUntil = Math.max(state.blockedUntil, this.#clock.now() + block);
		state.tokens = Math.min(state.tokens, 0);
		return block;
	}

	/** Records a message Meta accepted for `recipient`: the 4^n backoff starts over. */
	recordSuccess(recipient: string): void {
		const state = this.#pairs.get(keyOf(recipient));
		if (state) state.strikes = 0;
	}

	async #acquire(state: PairState, signal: AbortSignal | undefined): Promise<void> {
		for (;;) {
			throwIfAborted(signal);
			const wait = this.#wait(state);
			if (wait <= 0) {
				state.tokens -= 1;
				return;
			}
			await this.#sleep(wait, signal);
		}
	}

	#wait(state: PairState): number {
		this.#refill(state);
		const now = this.#clock.now();
		const blocked = Math.max(0, state.blockedUntil - now);
		const forToken =
			state.tokens >= 1 - EPSILON ? 0 : Math.ceil((1 - state.tokens) * this.intervalMs);
		return Math.max(blocked, forToken);
	}

	#refill(state: PairState): void {
		const now = this.#clock.now();
		const elapsed = now - state.updatedAt;
		if (elapsed > 0) {
			state.tokens = Math.min(this.burst, state.tokens + elapsed / this.intervalMs);
			state.updatedAt = now;
		}
	}

	#isIdle(state: PairState): boolean {
		this.#refill(state);
		return (
			state.waiting === 0 &&
			state.strikes === 0 &&
			state.blockedUntil <= this.#clock.now() &&
			state.tokens >= this.burst - EPSILON
		);
	}

	/** Gets (or creates) the state and marks it most recently used. */
	#touch(key: string): PairState {
		let state = this.#pairs.get(key);
		if (state) {
			this.#pairs.delete(key);
		} else {
			state = {
				tokens: this.burst,
				updatedAt: this.#clock.now(),
				strikes: 0,
				blockedUntil: 0,
				waiting: 0,
				tail: Promise.resolve(),
			};
		}
		this.#pairs.set(key, state);
		if (this.#pairs.size > this.maxRecipients) this.#evict(key);
		return state;
	}

	#evict(keep: string): void {
		// Idle contacts first: dropping them loses nothing.
		for (const [key, state] of this.#pairs) {
			if (this.#pairs.size <= this.maxRecipients) return;
			if (key !== keep && this.#isIdle(state)) this.#pairs.delete(key);
		}
		// Still too many: drop the least recently used that nobody waits on. Its bucket is
		// forgotten, which can allow one extra burst to that contact; the bound on memory wins.
		for (const [key, state] of this.#pairs) {
			if (this.#pairs.size <= this.maxRecipients) return;
			if (key !== keep && state.waiting === 0) this.#pairs.delete(key);
		}
	}
}

function keyOf(recipient: string): string {
	const key = String(recipient ?? '')
		.trim()
		.replace(/^\+/, '');
	if (key === '') {
		throw new TypeError(
			'recipient must be the contact’s wa_id or business-scoped user ID; got an empty value.',
		);
	}
	return key;
}

const registry = new Map<string, PairLimiter>();

/**
 * The pair limiter of one sender number, shared by every node and workflow in this n8n process
 * (the pair limit counts per sender and contact, whoever sends). Options apply when the limiter is
 * first made. In queue mode each worker keeps its own; a contact is rarely messaged from two
 * workers at once, and a 131056 is retried anyway.
 */
export function senderPairLimiter(
	phoneNumberId: string,
	options: Omit<PairLimiterOptions, 'clock' | 'sleep'> = {},
): PairLimiter {
	if (typeof phoneNumberId !== 'string' || phoneNumberId.trim() === '') {
		throw new TypeError(
			'phoneNumberId must be the ID of the sending business phone number (e.g. 106540352242922); got an empty value.',
		);
	}
	const key = phoneNumberId.trim();
	let limiter = registry.get(key);
	if (!limiter) {
		limiter = new PairLimiter(options);
		registry.set(key, limiter);
	}
	return limiter;
}

/** Forgets every shared pair limiter (tests, or a process that reloads its configuration). */
export function clearSenderPairLimiters(): void {
	registry.clear();
}
