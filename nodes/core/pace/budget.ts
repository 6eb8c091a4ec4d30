/**
 * The send budget of one sender number: every send waits for its slot in the number's throughput
 * and its contact's pair limit (schedule.ts), reserved in a ledger. The ledger that matters is the
 * compliance store's, shared by every n8n process that uses the same store, so main, webhook
 * processors and workers in queue mode keep to ONE rate per number together.
 *
 * Why leases: asking the shared ledger once per message would put a store round trip (and a lock)
 * in front of every send. Instead each process leases slots for the sends waiting in it, at most
 * about LEASE_SECONDS of the rate at a time, and waits locally until each slot's time; a 130429
 * pushes the shared schedule so every process backs off together. A process that dies holding a
 * lease can only leave its slots unused: the others under-send for at most that long, never over.
 * The ledger's clock decides (the database's, for PostgreSQL); slots are turned into local times
 * with the offset seen around each lease, so processes with skewed clocks still share one schedule.
 */
import { SECOND, systemClock, type Clock } from '../clock';
import { realSleep, throwIfAborted, type Sleep } from './sleep';
import {
	holdPair,
	holdSender,
	scheduleSends,
	type Pace,
	type PairStrikes,
	type ScheduleRequest,
	type ScheduleState,
	type Slot,
} from './schedule';

/** What each send waits for, and what Meta's throttling answers change. */
export interface SendBudget {
	/**
	 * Resolves when one message to `recipient` may leave now (undefined: a request to no contact,
	 * such as marking a message read, which counts against the number's throughput only).
	 */
	take(recipient: string | undefined, signal?: AbortSignal): Promise<void>;
	/** Meta answered 130429: no message of this number leaves for `forMs`, in any process. */
	throttled(forMs: number): Promise<void>;
	/** Meta answered 131056 for `recipient`: the contact is blocked 4^n s; returns the block. */
	pairThrottled(recipient: string): Promise<number>;
}

/** Slots reserved in one step, on the ledger's clock. */
export interface SlotLease {
	/** The ledger's time when it reserved the slots. */
	readonly now: number;
	readonly slots: Slot[];
}

/**
 * Where slots are reserved: scheduleSends over the sender's and the contacts' state, read and
 * written atomically (the compliance store; MemorySlotLedger for one process).
 */
export interface SlotLedger {
	leaseSlots(sender: string, request: ScheduleRequest): Promise<SlotLease>;
	holdSender(sender: string, pace: Pace, forMs: number): Promise<void>;
	/** Returns the block in milliseconds. */
	holdPair(sender: string, contact: string, pace: Pace): Promise<number>;
}

/** A ledger in this process's memory: a node's own lower rate, or a client without a store. */
export class MemorySlotLedger implements SlotLedger {
	readonly #clock: Clock;
	readonly #senders = new Map<string, ScheduleState>();
	readonly #strikes = new Map<string, PairStrikes>();

	constructor(clock: Clock = systemClock) {
		this.#clock = clock;
	}

	async leaseSlots(sender: string, request: ScheduleRequest): Promise<SlotLease> {
		const now = this.#clock.now();
		const slots = scheduleSends(this.#state(sender), request, now);
		return { now, slots };
	}

	async holdSender(sender: string, pace: Pace, forMs: number): Promise<void> {
		const state = this.#state(sender);
		state.senderTat = holdSender(state.senderTat, pace, this.#clock.now(), forMs);
	}

	async holdPair(sender: string, contact: string, pace: Pace): Promise<number> {
		const state = this.#state(sender);
		const key = JSON.stringify([sender, contact]);
		const held = holdPair(
			state.pairTats.get(contact),
			this.#strikes.get(key) ?? { strikes: 0, lastAt: undefined },
			pace,
			this.#clock.now(),
		);
		state.pairTats.set(contact, held.tat);
		this.#strikes.set(key, held.strikes);
		return held.blockMs;
	}

	#state(sender: string): ScheduleState {
		let state = this.#senders.get(sender);
		if (!state) {
			state = { senderTat: undefined, pairTats: new Map() };
			this.#senders.set(sender, state);
		}
		return state;
	}
}

/** How much of the rate one lease reserves at most: slots for about this long. */
export const LEASE_SECONDS = 0.05;

export interface LeasedSendBudgetOptions {
	readonly ledger: SlotLedger;
	/** The business phone number ID. */
	readonly sender: string;
	/** The number's throughput (schedule.ts senderPace). */
	readonly pace: Pace;
	/** The pair limit; undefined leaves it out (a node's own lower rate counts messages only). */
	readonly pair?: Pace;
	/** @default systemClock */
	readonly clock?: Clock;
	/** @default realSleep */
	readonly sleep?: Sleep;
}

interface Waiter {
	readonly recipient: string | undefined;
	readonly signal: AbortSignal | undefined;
	readonly resolve: () => void;
	readonly reject: (reason: unknown) => void;
}

/** A SendBudget over a ledger: leases slots for the waiting sends, then paces them locally. */
export class LeasedSendBudget implements SendBudget {
	readonly #ledger: SlotLedger;
	readonly #sender: string;
	readonly #pace: Pace;
	readonly #pair: Pace | undefined;
	readonly #clock: Clock;
	readonly #sleep: Sleep;
	/** Slots per lease at most: LEASE_SECONDS of the rate. */
	readonly #perLease: number;
	#queue: Waiter[] = [];
	#leasing = false;

	constructor(options: LeasedSendBudgetOptions) {
		this.#ledger = options.ledger;
		this.#sender = options.sender;
		this.#pace = options.pace;
		this.#pair = options.pair;
		this.#clock = options.clock ?? systemClock;
		this.#sleep = options.sleep ?? realSleep;
		this.#perLease = Math.max(1, Math.ceil((LEASE_SECONDS * SECOND) / options.pace.intervalMs));
	}

	take(recipient: string | undefined, signal?: AbortSignal): Promise<void> {
		try {
			throwIfAborted(signal);
		} catch (reason) {
			return Promise.reject(reason);
		}
		return new Promise<void>((resolve, reject) => {
			this.#queue.push({ recipient: this.#pair ? recipient : undefined, signal, resolve, reject });
			void this.#lease();
		});
	}

	async throttled(forMs: number): Promise<void> {
		await this.#ledger.holdSender(this.#sender, this.#pace, forMs);
	}

	async pairThrottled(recipient: string): Promise<number> {
		if (!this.#pair) return 0;
		return await this.#ledger.holdPair(this.#sender, recipient, this.#pair);
	}

	/** One lease at a time, for the waiters in line (up to #perLease), until nobody waits. */
	async #lease(): Promise<void> {
		if (this.#leasing) return;
		this.#leasing = true;
		try {
			while (this.#queue.length > 0) {
				const batch: Waiter[] = [];
				for (const w of this.#queue.splice(0, this.#perLease)) {
					if (w.signal?.aborted) w.reject(w.signal.reason);
					else batch.push(w);
				}
				if (batch.length === 0) continue;
				let lease: SlotLease;
				const before = this.#clock.now();
				try {
					lease = await this.#ledger.leaseSlots(this.#sender, {
						recipients: batch.map((w) => w.recipient),
						sender: this.#pace,
						pair: this.#pair ?? { intervalMs: 0, toleranceMs: 0 },
						horizonMs: LEASE_SECONDS * SECOND,
					});
				} catch (error) {
					// Without the ledger nobody may send: the waiters fail, as a send would.
					for (const w of batch) w.reject(error);
					continue;
				}
				const after = this.#clock.now();
				// The ledger's clock minus ours, taken at the middle of the round trip.
				const offset = lease.now - (before + after) / 2;
				let latest = after;
				batch.forEach((w, k) => {
					const slot = lease.slots[k];
					if ('at' in slot) {
						latest = Math.max(latest, slot.at - offset);
						void this.#waitUntil(slot.at - offset, w).then(w.resolve, w.reject);
					} else {
						// The contact's pair limit: ask again when it may receive (nothing reserved).
						void this.#waitUntil(slot.deferUntil - offset, w).then(
							() => this.#requeue(w),
							w.reject,
						);
					}
				});
				// Lease no further ahead than one lease: the slots of a process that stops die with it.
				const ahead = latest - this.#clock.now() - LEASE_SECONDS * SECOND;
				if (ahead > 0) await this.#sleep(ahead);
			}
		} finally {
			this.#leasing = false;
		}
	}

	#requeue(waiter: Waiter): void {
		this.#queue.unshift(waiter);
		void this.#lease();
	}

	async #waitUntil(localAt: number, waiter: Waiter): Promise<void> {
		const wait = localAt - this.#clock.now();
		if (wait >= 1) await this.#sleep(wait, waiter.signal);
		throwIfAborted(waiter.signal);
	}
}
