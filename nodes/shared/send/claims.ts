import type { SentMessage } from '../../core/model';
import type { SendLeft, SendReservation, SendStore } from '../../core/store/types';

type ClaimAnswer = { claimed: true } | { claimed: false; existing: SentMessage };

interface Waiting {
	readonly reservation: SendReservation;
	readonly resolve: (answer: ClaimAnswer) => void;
	readonly reject: (error: unknown) => void;
}

/**
 * Claims idempotency keys right before their requests leave, not at the start of the batch, and
 * marks each as left right after, so a crash leaves only the requests that were actually on their
 * way uncertain: a key that was never claimed, or claimed but never left (its claim is abandoned
 * after CLAIM_LEASE_MS), is sent by a re-run. Claims (and marks) that come in during the same turn
 * of the event loop, or while the store is writing, are written together (the embedded store
 * answers within the call, so waiting for the turn is what batches them): at 1,000 messages per
 * second the store sees a few dozen small writes a second, not two thousand.
 */
export class SendClaims {
	readonly #store: SendStore;
	#queue: Waiting[] = [];
	#writing = false;
	#marks: SendLeft[] = [];
	#marking: Promise<void> | undefined;
	#markError: unknown;

	constructor(store: SendStore) {
		this.#store = store;
	}

	/** Resolves once the key is claimed for this send, or with the send that holds it already. */
	claim(reservation: SendReservation): Promise<ClaimAnswer> {
		return new Promise<ClaimAnswer>((resolve, reject) => {
			this.#queue.push({ reservation, resolve, reject });
			if (!this.#writing) void this.#flush();
		});
	}

	/** The request of a claim left: recorded soon, with the marks that come in meanwhile. */
	left(mark: SendLeft): void {
		this.#marks.push(mark);
		this.#marking ??= this.#writeMarks();
	}

	/**
	 * Waits for every mark to be written. Returns the store's error if one could not be written:
	 * those sends stay claimed, not marked (a re-run may take them over after CLAIM_LEASE_MS, while
	 * their status webhooks settle the ones Meta received).
	 */
	async finish(): Promise<{ ok: true } | { ok: false; error: unknown }> {
		await this.#marking;
		return this.#markError === undefined ? { ok: true } : { ok: false, error: this.#markError };
	}

	async #writeMarks(): Promise<void> {
		try {
			await nextTurn();
			while (this.#marks.length > 0) {
				const batch = this.#marks;
				this.#marks = [];
				try {
					await this.#store.markSendsLeft(batch);
				} catch (error) {
					this.#markError ??= error;
				}
			}
		} finally {
			this.#marking = undefined;
		}
	}

	async #flush(): Promise<void> {
		this.#writing = true;
		try {
			await nextTurn();
			while (this.#queue.length > 0) {
				const batch = this.#queue;
				this.#queue = [];
				try {
					const result = await this.#store.reserveSends(batch.map((w) => w.reservation));
					const claimed = new Set(result.reserved);
					for (const { reservation, resolve } of batch) {
						const key = reservation.idempotencyKey;
						const existing = result.existing.get(key);
						// A key twice in one write: the store claims it once, for the first.
						if (claimed.delete(key)) resolve({ claimed: true });
						else if (existing) resolve({ claimed: false, existing });
						else resolve({ claimed: false, existing: pendingSend(reservation) });
					}
				} catch (error) {
					for (const { reject } of batch) reject(error);
				}
			}
		} finally {
			this.#writing = false;
		}
	}
}

/** The send a key claimed by an earlier request of the same write stands for. */
function pendingSend(r: SendReservation): SentMessage {
	return {
		idempotencyKey: r.idempotencyKey,
		sender: r.sender,
		contact: r.contact,
		state: 'pending',
		kind: r.kind,
		category: r.category,
		createdAt: r.at,
	};
}

/** Lets the rest of this turn of the event loop (and its I/O callbacks) queue their work first. */
function nextTurn(): Promise<void> {
	return new Promise((resolve) => setImmediate(resolve));
}
