import type { SentMessage } from '../../core/model';
import type { ComplianceStore, SendReservation } from '../../core/store/types';

export type ClaimAnswer = { claimed: true } | { claimed: false; existing: SentMessage };

interface Waiting {
	readonly reservation: SendReservation;
	readonly resolve: (answer: ClaimAnswer) => void;
	readonly reject: (error: unknown) => void;
}

/**
 * Claims idempotency keys the moment their requests leave, not at the start of the batch, so a
 * crash leaves only the requests that were actually on their way uncertain: every key that never
 * left was never claimed, and a re-run sends it. Claims that come in while the store is writing
 * are written together with the next call, so at 1,000 messages per second the store sees a few
 * hundred small writes a second, not a thousand.
 */
export class SendClaims {
	readonly #store: ComplianceStore;
	#queue: Waiting[] = [];
	#writing = false;

	constructor(store: ComplianceStore) {
		this.#store = store;
	}

	/** Resolves once the key is claimed for this send, or with the send that holds it already. */
	claim(reservation: SendReservation): Promise<ClaimAnswer> {
		return new Promise<ClaimAnswer>((resolve, reject) => {
			this.#queue.push({ reservation, resolve, reject });
			if (!this.#writing) void this.#flush();
		});
	}

	async #flush(): Promise<void> {
		this.#writing = true;
		try {
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
