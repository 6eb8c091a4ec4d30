/**
 * The send budget (SlotLedger, pace/budget.ts). Read, decide in TypeScript, write, under an
 * advisory lock per sender number: the rule lives once (schedule.ts) instead of again in SQL, at
 * the price of a few round trips per lease (about 1 ms on a local network), one lease per
 * LEASE_SECONDS of the rate at most. The database's clock decides: every process shares its time.
 */
import type { SlotLease, SlotLedger } from '../../pace/budget';
import {
	holdPair,
	holdSender,
	scheduleSends,
	type Pace,
	type PairStrikes,
	type ScheduleRequest,
	type ScheduleState,
} from '../../pace/schedule';
import { unique } from '../batches';
import { checkText } from '../checks';
import { PAIR_PRUNE_EVERY, PAIR_STRIKES_KEPT_MS } from '../retention';
import { numberOrUndefined } from '../rows';
import type { PostgresDatabase, Tx } from './connection';
import type { PostgresNames } from './names';

function statements(n: PostgresNames) {
	const senders = n.qualified('send_budget');
	const pairs = n.qualified('pair_budget');
	return {
		read: `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now,
				(SELECT tat FROM ${senders} WHERE sender = $1) AS tat,
				(SELECT coalesce(json_agg(json_build_array(p.contact_hash, p.tat, p.strikes, p.strike_at)), '[]')
					FROM ${pairs} AS p
					WHERE p.sender = $1 AND p.contact_hash = ANY ($2::text[])) AS pairs`,
		write: `WITH s AS (
				INSERT INTO ${senders} (sender, tat) SELECT $1, $2::float8 WHERE $2 IS NOT NULL
				ON CONFLICT (sender) DO UPDATE SET tat = excluded.tat
			)
			INSERT INTO ${pairs} AS p (sender, contact_hash, tat, strikes, strike_at)
			SELECT $1, r.hash, r.tat, coalesce(r.strikes, 0), r.strike_at
			FROM unnest($3::text[], $4::float8[], $5::int[], $6::bigint[]) AS r(hash, tat, strikes, strike_at)
			ORDER BY r.hash
			ON CONFLICT (sender, contact_hash) DO UPDATE SET tat = excluded.tat,
				strikes = CASE WHEN $7 THEN excluded.strikes ELSE p.strikes END,
				strike_at = CASE WHEN $7 THEN excluded.strike_at ELSE p.strike_at END`,
		prunePairs: `DELETE FROM ${pairs} WHERE tat < $1 AND (strike_at IS NULL OR strike_at < $2)`,
	};
}

export class PostgresSlots implements SlotLedger {
	readonly #sql: ReturnType<typeof statements>;
	/** Leases made, to prune the pair budget every PAIR_PRUNE_EVERY of them. */
	#leases = 0;

	constructor(private readonly db: PostgresDatabase) {
		this.#sql = statements(db.names);
	}

	async leaseSlots(sender: string, request: ScheduleRequest): Promise<SlotLease> {
		const hash = await this.db.ready();
		checkText('leaseSlots: sender', sender);
		const recipients = request.recipients.map((c) => (c === undefined ? undefined : hash(c)));
		const contacts = unique(recipients.filter((c): c is string => c !== undefined));
		const prune = ++this.#leases % PAIR_PRUNE_EVERY === 0;
		return await this.#inBudgetLock(sender, async (tx) => {
			const { now, state } = await this.#read(tx, sender, contacts);
			const slots = scheduleSends(state, { ...request, recipients }, now);
			const hashes = contacts.filter((c) => state.pairTats.has(c));
			await tx(this.#sql.write, [
				sender,
				state.senderTat ?? null,
				hashes,
				hashes.map((c) => state.pairTats.get(c)!),
				hashes.map(() => 0),
				hashes.map(() => null),
				false,
			]);
			if (prune) {
				const at = Math.floor(now);
				await tx(this.#sql.prunePairs, [at, at - PAIR_STRIKES_KEPT_MS]);
			}
			return { now, slots };
		});
	}

	async holdSender(sender: string, pace: Pace, forMs: number): Promise<void> {
		await this.db.ready();
		checkText('holdSender: sender', sender);
		await this.#inBudgetLock(sender, async (tx) => {
			const { now, state } = await this.#read(tx, sender, []);
			const tat = holdSender(state.senderTat, pace, now, forMs);
			await tx(this.#sql.write, [sender, tat, [], [], [], [], false]);
		});
	}

	async holdPair(sender: string, contact: string, pace: Pace): Promise<number> {
		const hash = await this.db.ready();
		checkText('holdPair: sender', sender);
		checkText('holdPair: contact', contact);
		const contactHash = hash(contact);
		return await this.#inBudgetLock(sender, async (tx) => {
			const { now, state, strikes } = await this.#read(tx, sender, [contactHash]);
			const held = holdPair(
				state.pairTats.get(contactHash),
				strikes.get(contactHash) ?? { strikes: 0, lastAt: undefined },
				pace,
				now,
			);
			await tx(this.#sql.write, [
				sender,
				null,
				[contactHash],
				[held.tat],
				[held.strikes.strikes],
				[held.strikes.lastAt === undefined ? null : Math.round(held.strikes.lastAt)],
				true,
			]);
			return held.blockMs;
		});
	}

	async #read(
		tx: Tx,
		sender: string,
		contacts: string[],
	): Promise<{ now: number; state: ScheduleState; strikes: Map<string, PairStrikes> }> {
		const { rows } = await tx(this.#sql.read, [sender, contacts]);
		const row = rows[0];
		const state: ScheduleState = {
			senderTat: numberOrUndefined(row.tat),
			pairTats: new Map(),
		};
		const strikes = new Map<string, PairStrikes>();
		for (const [contactHash, tat, count, at] of row.pairs as Array<
			[string, number, number, unknown]
		>) {
			state.pairTats.set(contactHash, Number(tat));
			strikes.set(contactHash, { strikes: Number(count), lastAt: numberOrUndefined(at) });
		}
		return { now: Number(row.now), state, strikes };
	}

	/** One transaction holding the advisory lock of `sender`'s budget. */
	async #inBudgetLock<T>(sender: string, work: (tx: Tx) => Promise<T>): Promise<T> {
		return await this.db.transaction(async (tx) => {
			await this.db.lock(tx, this.db.names.budgetLock(sender));
			return await work(tx);
		});
	}
}
