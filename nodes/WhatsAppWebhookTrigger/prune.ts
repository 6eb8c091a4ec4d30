/**
 * Seen-event keys are kept for Meta's longest retry period plus a day and then forgotten, and so
 * are deliveries to other workflows of the app that nobody took (core/webhook/fanout.ts). The
 * trigger starts a prune at most once per interval per store (one store per configuration and
 * process), after the answer has been sent: the DELETE is not work the answer to Meta waits for.
 */
import { HOUR } from '../core/clock';
import { SEEN_KEY_RETENTION_MS } from '../core/webhook/dedupe';
import type { DeliveryStore, WebhookStore } from '../core/store/types';
import { deliveryPruneAt } from '../core/webhook/fanout';

export interface SeenEventPrunerOptions {
	/**
	 * Least time between two prunes of one store, in ms.
	 * @default HOUR
	 */
	readonly intervalMs?: number;
	/**
	 * How long seen keys are kept, in ms.
	 * @default SEEN_KEY_RETENTION_MS (8 days: Meta's 7 days of retries plus a margin)
	 */
	readonly retentionMs?: number;
}

export class SeenEventPruner {
	readonly intervalMs: number;
	readonly retentionMs: number;
	readonly #lastStart = new WeakMap<WebhookStore & DeliveryStore, number>();
	readonly #running = new Set<Promise<void>>();

	constructor(options: SeenEventPrunerOptions = {}) {
		this.intervalMs = options.intervalMs ?? HOUR;
		this.retentionMs = options.retentionMs ?? SEEN_KEY_RETENTION_MS;
		for (const [name, value] of Object.entries({
			intervalMs: this.intervalMs,
			retentionMs: this.retentionMs,
		})) {
			if (!Number.isFinite(value) || value <= 0) {
				throw new RangeError(`${name} must be a positive number of milliseconds; got ${value}.`);
			}
		}
	}

	/**
	 * Starts a prune of keys older than `now - retentionMs` on the next turn of the event loop,
	 * unless one was started less than `intervalMs` ago. Never throws: a failure goes to `onError`
	 * (pruning is housekeeping, the next interval tries again). Returns whether one was started.
	 */
	schedule(
		store: WebhookStore & DeliveryStore,
		now: number,
		onError: (error: unknown) => void,
	): boolean {
		const last = this.#lastStart.get(store);
		if (last !== undefined && now - last < this.intervalMs) return false;
		this.#lastStart.set(store, now);
		const run: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
			.then(() => store.pruneSeenEvents(now - this.retentionMs))
			// Deliveries nobody took, and subscriptions of workflows unpublished long ago.
			.then(() => store.pruneDeliveries(deliveryPruneAt(now)))
			.then(
				() => undefined,
				(error: unknown) => {
					try {
						onError(error);
					} catch {
						// A failing logger must not become an unhandled rejection.
					}
				},
			)
			.finally(() => this.#running.delete(run));
		this.#running.add(run);
		return true;
	}

	/** Resolves when every prune started so far has ended (tests, shutdown). */
	async idle(): Promise<void> {
		while (this.#running.size > 0) await Promise.all([...this.#running]);
	}
}

/** The process-wide pruner the trigger uses. */
export const seenEventPruner = new SeenEventPruner();
