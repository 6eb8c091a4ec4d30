/**
 * Meta's send limits as the sandbox enforces them: throughput per sender number (130429) and the
 * pair limit per sender and contact (131056). Both are token buckets on the injected clock; a
 * refused request takes no token.
 */

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
