/**
 * Throughput per sender number. Meta allows 80 messages per second per business number by default
 * (1,000 after its automatic upgrade) and answers 130429 above that. A token bucket keeps us below:
 * tokens refill at `ratePerSecond` up to `burst`, each message takes one, so in any window of t
 * seconds at most ratePerSecond * t + burst messages leave. Waiters are served first come, first
 * served.
 */
import { systemClock, SECOND, type Clock } from '../clock';
import { realSleep, throwIfAborted, type Sleep } from './sleep';

/** Meta's default throughput per business phone number. */
export const DEFAULT_MESSAGES_PER_SECOND = 80;
/** Meta's highest throughput tier. */
export const MAX_MESSAGES_PER_SECOND = 1000;
/** Floating-point slack when a refill lands a hair below a whole token. */
const EPSILON = 1e-9;

export interface TokenBucketOptions {
	/**
	 * Tokens added per second: the messages per second the sender number may send. Fractions are
	 * allowed (0.5 = one message every 2 s). At most 1000, Meta's highest tier.
	 * @default 80
	 */
	readonly ratePerSecond?: number;
	/**
	 * Most tokens held at once: how many messages may leave back to back after a quiet spell.
	 * From 1 to 1000.
	 * @default ratePerSecond (rounded up)
	 */
	readonly burst?: number;
	/** Where time comes from. @default systemClock */
	readonly clock?: Clock;
	/** How to wait. @default realSleep (timers) */
	readonly sleep?: Sleep;
}

interface Waiter {
	readonly resolve: () => void;
	readonly reject: (reason: unknown) => void;
	readonly signal?: AbortSignal;
	readonly onAbort: () => void;
}

export class TokenBucket {
	#rate: number;
	#burst: number;
	readonly #burstFollowsRate: boolean;
	readonly #clock: Clock;
	readonly #sleep: Sleep;
	#tokens: number;
	#updatedAt: number;
	readonly #queue: Waiter[] = [];
	#pumping = false;

	constructor(options: TokenBucketOptions = {}) {
		const rate = options.ratePerSecond ?? DEFAULT_MESSAGES_PER_SECOND;
		assertRate(rate, 'ratePerSecond');
		this.#burstFollowsRate = options.burst === undefined;
		const burst = options.burst ?? Math.ceil(rate);
		assertBurst(burst);
		this.#rate = rate;
		this.#burst = burst;
		this.#clock = options.clock ?? systemClock;
		this.#sleep = options.sleep ?? realSleep;
		this.#tokens = burst;
		this.#updatedAt = this.#clock.now();
	}

	get ratePerSecond(): number {
		return this.#rate;
	}

	get burst(): number {
		return this.#burst;
	}

	/** Callers waiting for a token. */
	get pending(): number {
		return this.#queue.length;
	}

	/** Whole tokens available now (0 while others wait: they come first). */
	available(): number {
		this.#refill();
		return this.#queue.length > 0 ? 0 : Math.floor(this.#tokens + EPSILON);
	}

	/** Takes a token if one is free and nobody waits; never waits. */
	tryTake(): boolean {
		this.#refill();
		if (this.#queue.length > 0 || this.#tokens < 1 - EPSILON) return false;
		this.#tokens -= 1;
		return true;
	}

	/**
	 * Resolves when a token is taken. Callers are served in the order they called. With `signal`, an
	 * abort rejects with the signal's reason and gives up the place in the queue.
	 */
	take(signal?: AbortSignal): Promise<void> {
		try {
			throwIfAborted(signal);
		} catch (reason) {
			return Promise.reject(reason);
		}
		if (this.tryTake()) return Promise.resolve();
		return new Promise<void>((resolve, reject) => {
			const waiter: Waiter = {
				resolve,
				reject,
				signal,
				onAbort: () => {
					const at = this.#queue.indexOf(waiter);
					if (at >= 0) this.#queue.splice(at, 1);
					reject(signal?.reason);
				},
			};
			signal?.addEventListener('abort', waiter.onAbort, { once: true });
			this.#queue.push(waiter);
			void this.#pump();
		});
	}

	/**
	 * Changes the rate (the sender's configured throughput changed). Tokens earned so far keep
	 * counting at the old rate; a burst that was not set explicitly follows the new rate.
	 */
	setRate(ratePerSecond: number, burst?: number): void {
		assertRate(ratePerSecond, 'ratePerSecond');
		if (burst !== undefined) assertBurst(burst);
		this.#refill();
		this.#rate = ratePerSecond;
		if (burst !== undefined || this.#burstFollowsRate) {
			this.#burst = burst ?? Math.ceil(ratePerSecond);
			this.#tokens = Math.min(this.#tokens, this.#burst);
		}
	}

	#refill(): void {
		const now = this.#clock.now();
		const elapsed = now - this.#updatedAt;
		if (elapsed > 0) {
			this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / SECOND);
			this.#updatedAt = now;
		}
	}

	async #pump(): Promise<void> {
		if (this.#pumping) return;
		this.#pumping = true;
		try {
			while (this.#queue.length > 0) {
				this.#refill();
				if (this.#tokens >= 1 - EPSILON) {
					this.#tokens -= 1;
					const waiter = this.#queue.shift() as Waiter;
					waiter.signal?.removeEventListener('abort', waiter.onAbort);
					waiter.resolve();
					continue;
				}
				const missing = 1 - this.#tokens;
				await this.#sleep(Math.max(1, Math.ceil((missing * SECOND) / this.#rate)));
			}
		} catch (error) {
			// A failing sleep leaves no way to pace the queue: fail every waiter rather than hang.
			for (const waiter of this.#queue.splice(0)) waiter.reject(error);
		} finally {
			this.#pumping = false;
		}
	}
}

const registry = new Map<string, TokenBucket>();

/**
 * The share of a sender number's configured rate that its shared bucket uses. Meta counts requests
 * as they arrive; they leave here evenly but arrive with network and event-loop jitter, so pacing
 * at exactly the limit lets a few arrive too close together (130429). 3 % under the limit lets
 * Meta's own bucket keep a few tokens spare for that jitter and stays above 95 % of the rate.
 */
export const SENDER_PACE = 0.97;

/**
 * A sender's burst, in seconds of its rate. Meta's own bucket allows about a second's worth; after
 * an event-loop stall a full second's burst here would land on top of requests still on their way
 * (130429 at 1000/s). A tenth of a second keeps every window well under Meta's allowance.
 */
export const SENDER_BURST_SECONDS = 0.1;

function senderBurst(pacedRate: number): number {
	return Math.max(1, Math.ceil(pacedRate * SENDER_BURST_SECONDS));
}

/**
 * The bucket of one sender number, shared by every node and workflow in this n8n process, so two
 * workflows sending from the same number together stay under its throughput. It runs at
 * SENDER_PACE of the given rate with a burst of SENDER_BURST_SECONDS. A later call with a
 * different rate re-rates the shared bucket (the setting was changed).
 *
 * In queue mode every worker is its own process with its own bucket: divide the sender's rate by
 * the number of workers (80 messages/s with 4 workers: 20 each).
 */
export function senderLimiter(
	phoneNumberId: string,
	ratePerSecond: number = DEFAULT_MESSAGES_PER_SECOND,
): TokenBucket {
	if (typeof phoneNumberId !== 'string' || phoneNumberId.trim() === '') {
		throw new TypeError(
			'phoneNumberId must be the ID of the sending business phone number (e.g. 106540352242922); got an empty value.',
		);
	}
	assertRate(ratePerSecond, 'ratePerSecond');
	const key = phoneNumberId.trim();
	const paced = ratePerSecond * SENDER_PACE;
	const existing = registry.get(key);
	if (existing) {
		if (existing.ratePerSecond !== paced) existing.setRate(paced, senderBurst(paced));
		return existing;
	}
	const bucket = new TokenBucket({ ratePerSecond: paced, burst: senderBurst(paced) });
	registry.set(key, bucket);
	return bucket;
}

/** Forgets every shared sender bucket (tests, or a process that reloads its configuration). */
export function clearSenderLimiters(): void {
	registry.clear();
}

function assertRate(rate: number, field: string): void {
	if (
		typeof rate !== 'number' ||
		!Number.isFinite(rate) ||
		rate <= 0 ||
		rate > MAX_MESSAGES_PER_SECOND
	) {
		throw new RangeError(
			`${field} must be a number of messages per second above 0 and at most ${MAX_MESSAGES_PER_SECOND} (Meta's highest throughput); got ${String(rate)}. Meta's default is ${DEFAULT_MESSAGES_PER_SECOND}.`,
		);
	}
}

function assertBurst(burst: number): void {
	if (
		typeof burst !== 'number' ||
		!Number.isFinite(burst) ||
		burst < 1 ||
		burst > MAX_MESSAGES_PER_SECOND
	) {
		throw new RangeError(
			`burst must be a number of messages from 1 to ${MAX_MESSAGES_PER_SECOND}; got ${String(burst)}. Leave it empty to use the rate.`,
		);
	}
}
