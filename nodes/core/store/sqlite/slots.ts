/**
 * The send budget (SlotLedger, pace/budget.ts): schedule.ts decides, over the sender's and the
 * contacts' state read and written in one write transaction per lease.
 */
import type { SlotLease, SlotLedger } from '../../pace/budget';
import {
	holdPair,
	holdSender,
	scheduleSends,
	type Pace,
	type ScheduleRequest,
	type ScheduleState,
} from '../../pace/schedule';
import { unique } from '../batches';
import { checkText } from '../checks';
import { PAIR_PRUNE_EVERY, PAIR_STRIKES_KEPT_MS } from '../retention';
import { numberOrUndefined } from '../rows';
import { inList, listParameter, type SqliteDatabase } from './connection';

export class SqliteSlots implements SlotLedger {
	/** Leases made, to prune the pair budget every PAIR_PRUNE_EVERY of them. */
	#leases = 0;

	constructor(private readonly db: SqliteDatabase) {}

	async leaseSlots(sender: string, request: ScheduleRequest): Promise<SlotLease> {
		const hash = await this.db.ready();
		checkText('leaseSlots: sender', sender);
		const recipients = request.recipients.map((c) => (c === undefined ? undefined : hash(c)));
		const contacts = unique(recipients.filter((c): c is string => c !== undefined));
		return this.db.write(() => {
			const now = this.db.clock.now();
			const state: ScheduleState = {
				senderTat: this.#senderTat(sender),
				pairTats: new Map(),
			};
			if (contacts.length > 0) {
				for (const row of this.db.all(
					`SELECT contact_hash, tat FROM pair_budget
					WHERE sender = ? AND ${inList('contact_hash', contacts)}`,
					sender,
					listParameter(contacts),
				)) {
					state.pairTats.set(String(row.contact_hash), Number(row.tat));
				}
			}
			const slots = scheduleSends(state, { ...request, recipients }, now);
			this.#writeSenderTat(sender, state.senderTat ?? now);
			for (const contact of contacts) {
				const tat = state.pairTats.get(contact);
				if (tat === undefined) continue;
				this.db.run(
					`INSERT INTO pair_budget (sender, contact_hash, tat) VALUES (?, ?, ?)
					ON CONFLICT (sender, contact_hash) DO UPDATE SET tat = excluded.tat`,
					sender,
					contact,
					tat,
				);
			}
			if (++this.#leases % PAIR_PRUNE_EVERY === 0) this.#prunePairs(now);
			return { now, slots };
		});
	}

	async holdSender(sender: string, pace: Pace, forMs: number): Promise<void> {
		await this.db.ready();
		checkText('holdSender: sender', sender);
		await this.db.write(() => {
			const now = this.db.clock.now();
			this.#writeSenderTat(sender, holdSender(this.#senderTat(sender), pace, now, forMs));
		});
	}

	async holdPair(sender: string, contact: string, pace: Pace): Promise<number> {
		const hash = await this.db.ready();
		checkText('holdPair: sender', sender);
		checkText('holdPair: contact', contact);
		const contactHash = hash(contact);
		return this.db.write(() => {
			const now = this.db.clock.now();
			const row = this.db.get(
				'SELECT tat, strikes, strike_at FROM pair_budget WHERE sender = ? AND contact_hash = ?',
				sender,
				contactHash,
			);
			const held = holdPair(
				numberOrUndefined(row?.tat),
				{ strikes: Number(row?.strikes ?? 0), lastAt: numberOrUndefined(row?.strike_at) },
				pace,
				now,
			);
			this.db.run(
				`INSERT INTO pair_budget (sender, contact_hash, tat, strikes, strike_at)
				VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (sender, contact_hash) DO UPDATE SET tat = excluded.tat,
					strikes = excluded.strikes, strike_at = excluded.strike_at`,
				sender,
				contactHash,
				held.tat,
				held.strikes.strikes,
				held.strikes.lastAt === undefined ? null : Math.round(held.strikes.lastAt),
			);
			return held.blockMs;
		});
	}

	#senderTat(sender: string): number | undefined {
		return numberOrUndefined(
			this.db.get('SELECT tat FROM send_budget WHERE sender = ?', sender)?.tat,
		);
	}

	#writeSenderTat(sender: string, tat: number): void {
		this.db.run(
			`INSERT INTO send_budget (sender, tat) VALUES (?, ?)
			ON CONFLICT (sender) DO UPDATE SET tat = excluded.tat`,
			sender,
			tat,
		);
	}

	/** Pair rows whose limit is spent and whose strikes are forgotten say nothing: gone. */
	#prunePairs(now: number): void {
		this.db.run(
			'DELETE FROM pair_budget WHERE tat < ? AND (strike_at IS NULL OR strike_at < ?)',
			now,
			now - PAIR_STRIKES_KEPT_MS,
		);
	}
}
