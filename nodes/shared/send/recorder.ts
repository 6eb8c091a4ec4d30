import { SECOND, systemClock, type Clock } from '../../core/clock';
import type {
	InboundTouch,
	SendCompletion,
	SendRelease,
	SendStore,
	WindowClose,
	WindowStore,
} from '../../core/store/types';

export interface SendRecorderOptions {
	/**
	 * Results held before they are written to the store.
	 * @default 100
	 */
	readonly maxPending?: number;
	/**
	 * Milliseconds since the last write after which the next result is written at once, with what
	 * is held. Checked when a result comes in: no timer keeps an execution alive. A tenth of a
	 * second keeps what a crash leaves unrecorded (a tenth of a second of sends, plus the requests
	 * in flight: rate x latency) well within rate x 0.5 s, the in-flight window (options.ts), at
	 * every rate, also on a loaded machine (a quarter second gave up to 0.65 x the window).
	 * @default 100
	 */
	readonly maxWaitMs?: number;
	/** @default systemClock */
	readonly clock?: Clock;
}

interface Writes {
	touches: InboundTouch[];
	closes: WindowClose[];
	fepStarts: WindowClose[];
	completions: SendCompletion[];
	releases: SendRelease[];
}

const empty = (): Writes => ({
	touches: [],
	closes: [],
	fepStarts: [],
	completions: [],
	releases: [],
});

/**
 * Records the results of a batch of sends in the store in chunks, while the batch is still
 * sending: every `maxPending` results, or with the first result after `maxWaitMs`, and the rest at
 * `finish()`. A crash mid-batch then leaves pending only the keys whose sends had not returned,
 * not every key of the batch. A chunk the store refuses is kept and written again with the next
 * chunk or at `finish()`, which returns the store's error if it still cannot write.
 */
export class SendRecorder {
	readonly maxPending: number;
	readonly maxWaitMs: number;
	readonly #store: WindowStore & SendStore;
	readonly #clock: Clock;
	#pending: Writes = empty();
	#size = 0;
	#lastWriteAt: number;
	/** Chunks are written one after the other, in the order they were cut. */
	#writing: Promise<void> = Promise.resolve();

	constructor(store: WindowStore & SendStore, options: SendRecorderOptions = {}) {
		this.maxPending = options.maxPending ?? 100;
		this.maxWaitMs = options.maxWaitMs ?? SECOND / 10;
		if (!Number.isInteger(this.maxPending) || this.maxPending < 1) {
			throw new RangeError(
				`maxPending must be a whole number of at least 1; got ${String(options.maxPending)}.`,
			);
		}
		if (!Number.isFinite(this.maxWaitMs) || this.maxWaitMs < 0) {
			throw new RangeError(
				`maxWaitMs must be a number of milliseconds of at least 0; got ${String(options.maxWaitMs)}.`,
			);
		}
		this.#store = store;
		this.#clock = options.clock ?? systemClock;
		this.#lastWriteAt = this.#clock.now();
	}

	/** Meta accepted the message (or refused it: state failed). */
	async completed(completion: SendCompletion): Promise<void> {
		await this.#add((w) => w.completions.push(completion));
	}

	/** The message certainly did not reach Meta: its claim is freed. */
	async released(release: SendRelease): Promise<void> {
		await this.#add((w) => w.releases.push(release));
	}

	/** An inbound message the item proved, which the store lacks (written before closes and starts). */
	async touched(touch: InboundTouch): Promise<void> {
		await this.#add((w) => w.touches.push(touch));
	}

	/** Meta answered 131047: the window is closed. */
	async closed(close: WindowClose): Promise<void> {
		await this.#add((w) => w.closes.push(close));
	}

	/** The send opened a free entry point window. */
	async freeEntryPointStarted(start: WindowClose): Promise<void> {
		await this.#add((w) => w.fepStarts.push(start));
	}

	/**
	 * Writes everything not written yet. When the store refuses, what it could not write is kept
	 * for another call and the store's error comes back, for the node to report.
	 */
	async finish(): Promise<{ ok: true } | { ok: false; error: unknown }> {
		await this.#writing;
		const batch = this.#take();
		try {
			await this.#write(batch);
			return { ok: true };
		} catch (error) {
			this.#requeue(batch);
			return { ok: false, error };
		}
	}

	async #add(push: (writes: Writes) => void): Promise<void> {
		push(this.#pending);
		this.#size += 1;
		if (this.#size >= this.maxPending || this.#clock.now() - this.#lastWriteAt >= this.maxWaitMs) {
			const batch = this.#take();
			this.#writing = this.#writing.then(async () => {
				try {
					await this.#write(batch);
				} catch {
					// Kept for the next chunk or finish(), which returns the error if it persists.
					this.#requeue(batch);
				}
			});
			await this.#writing;
		}
	}

	#take(): Writes {
		const batch = this.#pending;
		this.#pending = empty();
		this.#size = 0;
		this.#lastWriteAt = this.#clock.now();
		return batch;
	}

	#requeue(batch: Writes): void {
		const pending = this.#pending;
		this.#pending = {
			touches: [...batch.touches, ...pending.touches],
			closes: [...batch.closes, ...pending.closes],
			fepStarts: [...batch.fepStarts, ...pending.fepStarts],
			completions: [...batch.completions, ...pending.completions],
			releases: [...batch.releases, ...pending.releases],
		};
		this.#size += Object.values(batch).reduce((n, list: unknown[]) => n + list.length, 0);
	}

	/** In this order: a close or a free entry point attaches to the inbound message touched first. */
	async #write(batch: Writes): Promise<void> {
		const store = this.#store;
		if (batch.touches.length > 0) await store.touchWindows(batch.touches);
		if (batch.closes.length > 0) await store.closeWindows(batch.closes);
		if (batch.fepStarts.length > 0) await store.startFreeEntryPoints(batch.fepStarts);
		if (batch.completions.length > 0) await store.completeSends(batch.completions);
		if (batch.releases.length > 0) await store.releaseSends(batch.releases);
	}
}
