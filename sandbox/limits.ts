/**
 * Meta's send limits as the sandbox enforces them: throughput per sender number (130429) and the
 * pair limit per sender and contact (131056). Both are token buckets on the injected clock; a
 * refused request takes no token.
 */
import { GraphError } from './graphError';
import type { SeedPhoneNumber } from './seedLoader';

export class Bucket {
	#tokens: number;
	#at: number;

	/**
	 * @param capacity tokens when full (the burst)
	 * @param msPerToken milliseconds to earn one token back
	 */
	constructor(
		readonly capacity: number,
		readonly msPerToken: number,
		now: number,
	) {
		this.#tokens = capacity;
		this.#at = now;
	}

	/** Takes one token if there is one. */
	take(now: number): boolean {
		this.#refill(now);
		if (this.#tokens < 1) return false;
		this.#tokens -= 1;
		return true;
	}

	/** Milliseconds until a token is there (0 when one is). */
	waitMs(now: number): number {
		this.#refill(now);
		return this.#tokens >= 1 ? 0 : Math.ceil((1 - this.#tokens) * this.msPerToken);
	}

	#refill(now: number): void {
		// A clock moved backwards (tests) earns nothing and loses nothing.
		const elapsed = Math.max(0, now - this.#at);
		this.#tokens = Math.min(this.capacity, this.#tokens + elapsed / this.msPerToken);
		this.#at = Math.max(this.#at, now);
	}
}

/** Buckets by key, created full on first use. */
export class Buckets {
	readonly #buckets = new Map<string, Bucket>();

	constructor(private readonly make: (key: string, now: number) => Bucket) {}

	take(key: string, now: number): boolean {
		return this.#get(key, now).take(now);
	}

	waitMs(key: string, now: number): number {
		return this.#get(key, now).waitMs(now);
	}

	clear(): void {
		this.#buckets.clear();
	}

	#get(key: string, now: number): Bucket {
		let bucket = this.#buckets.get(key);
		if (!bucket) {
			bucket = this.make(key, now);
			this.#buckets.set(key, bucket);
		}
		return bucket;
	}
}

/** The options of the two limits (options.ts). */
export interface SendLimitOptions {
	/** Every number's rate, instead of the seed's throughput. */
	readonly ratePerSecond: number | undefined;
	readonly pairBurst: number;
	readonly pairIntervalMs: number;
}

/** Both limits of a send: its number's throughput, then the pair of number and contact. */
export class SendLimits {
	readonly #throughput: Buckets;
	readonly #pairs: Buckets;

	/** @param throughputOf a number's messages per second in the seed */
	constructor(
		private readonly options: SendLimitOptions,
		throughputOf: (phoneNumberId: string) => number | undefined,
	) {
		this.#throughput = new Buckets((pnid, now) => {
			const rate = this.options.ratePerSecond ?? throughputOf(pnid) ?? 80;
			return new Bucket(Math.max(1, rate), 1000 / rate, now);
		});
		this.#pairs = new Buckets(
			(_key, now) => new Bucket(options.pairBurst, options.pairIntervalMs, now),
		);
	}

	/** @throws GraphError 130429 when the number sent its messages of this second. */
	takeThroughput(phone: SeedPhoneNumber, now: number): void {
		if (!this.#throughput.take(phone.id, now)) {
			const rate = this.options.ratePerSecond ?? phone.throughput;
			throw new GraphError(
				130429,
				`Cloud API message throughput has been reached: ${phone.display_phone_number} may send ${rate} messages per second. Try again in ${this.#throughput.waitMs(phone.id, now)} ms.`,
			);
		}
	}

	/** @throws GraphError 131056 when the number sent this contact too many messages just now. */
	takePair(phone: SeedPhoneNumber, waId: string, now: number): void {
		const key = `${phone.id}:${waId}`;
		if (!this.#pairs.take(key, now)) {
			throw new GraphError(
				131056,
				`Too many messages from ${phone.display_phone_number} to ${waId} in a short time; the next one is possible in ${Math.ceil(this.#pairs.waitMs(key, now) / 1000)} s. Messages to other contacts are not affected.`,
			);
		}
	}
}
