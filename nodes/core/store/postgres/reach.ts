/**
 * The portfolio's messaging limit count (ReachStore): one row per contact reached outside its
 * window in the last 24 hours, keyed by the contact's salted hash. admitRecipients decides, under
 * one advisory lock for the count.
 */
import {
	admitRecipients,
	MESSAGING_LIMIT_PERIOD_MS,
	placeAfterFailedSend,
	reachListLength,
} from '../../policy/messagingLimit';
import { unique } from '../batches';
import { checkReachReservation, checkText } from '../checks';
import type { ReachReservation, ReachResult, ReachStore } from '../types';
import type { PostgresDatabase, Tx } from './connection';
import type { PostgresNames } from './names';

/**
 * Recipients reached after `since` (a parameter): the rows the writers counted, less those that
 * left the 24 hours and were not pruned yet (an index range of a few rows, not a scan of all).
 */
export function reachCountSql(n: PostgresNames, since: string): string {
	return `((SELECT rows FROM ${n.qualified('messaging_reach_total')} WHERE id = 1)
		- (SELECT count(*) FROM ${n.qualified('messaging_reach')} WHERE reached_at <= ${since}))`;
}

/** [contact_hash, reached_at] of the contacts among `hashes` reached after `since`, as JSON. */
export function reachedSql(n: PostgresNames, hashes: string, since: string): string {
	return `(SELECT coalesce(json_agg(json_build_array(r.contact_hash, r.reached_at)), '[]')
		FROM ${n.qualified('messaging_reach')} AS r
		WHERE r.contact_hash = ANY (${hashes}::text[]) AND r.reached_at > ${since})`;
}

/** The `limit` oldest reach times after `since`, oldest first, as JSON. */
export function oldestReachSql(n: PostgresNames, since: string, limit: string): string {
	return `(SELECT coalesce(json_agg(o.reached_at ORDER BY o.reached_at), '[]') FROM (
			SELECT reached_at FROM ${n.qualified('messaging_reach')} WHERE reached_at > ${since}
			ORDER BY reached_at LIMIT ${limit}
		) AS o)`;
}

/** The $2 oldest reach times after $1, one row each, oldest first. */
export function oldestReachStatement(n: PostgresNames): string {
	return `SELECT reached_at FROM ${n.qualified('messaging_reach')} WHERE reached_at > $1
		ORDER BY reached_at LIMIT $2`;
}

function statements(n: PostgresNames) {
	const reach = n.qualified('messaging_reach');
	const total = n.qualified('messaging_reach_total');
	return {
		// Pruned in the same statement: the count reads the state before it, filtered the same way.
		state: `WITH pruned AS (
				DELETE FROM ${reach} WHERE reached_at <= $1 RETURNING 1
			), total AS (
				UPDATE ${total} SET rows = rows - (SELECT count(*) FROM pruned) WHERE id = 1
				RETURNING rows
			)
			SELECT (SELECT rows FROM total) AS count,
				(SELECT coalesce(json_agg(contact_hash), '[]') FROM ${reach}
					WHERE contact_hash = ANY ($2::text[]) AND reached_at > $1) AS counted`,
		// Under the reach lock, after the prune: every added recipient is a new row.
		write: `WITH refreshed AS (
				UPDATE ${reach} AS t SET previous_at = t.reached_at,
					reached_at = greatest(t.reached_at, $1), reserved_by = r.key
				FROM unnest($2::text[], $3::text[]) AS r(hash, key)
				WHERE t.contact_hash = r.hash
			), added AS (
				INSERT INTO ${reach} (contact_hash, reached_at, previous_at, reserved_by)
				SELECT a.hash, $1, NULL, a.key FROM unnest($4::text[], $5::text[]) AS a(hash, key)
				ORDER BY a.hash
				RETURNING 1
			)
			UPDATE ${total} SET rows = rows + (SELECT count(*) FROM added) WHERE id = 1`,
		oldest: oldestReachStatement(n),
		release: `WITH gone AS (
				DELETE FROM ${reach} WHERE reserved_by = ANY ($1::text[]) AND previous_at IS NULL
				RETURNING 1
			), total AS (
				UPDATE ${total} SET rows = rows - (SELECT count(*) FROM gone) WHERE id = 1
			)
			UPDATE ${reach} SET reached_at = previous_at, previous_at = NULL, reserved_by = NULL
			WHERE reserved_by = ANY ($1::text[]) AND previous_at IS NOT NULL`,
	};
}

/**
 * Sends that a status webhook failed (found by `wamids`, after the failure was written) give
 * their recipient's place back as placeAfterFailedSend decides, under the reach lock, inside the
 * caller's transaction.
 */
export async function givePlacesBack(
	tx: Tx,
	db: PostgresDatabase,
	hash: (contact: string) => string,
	wamids: readonly string[],
): Promise<void> {
	if (wamids.length === 0) return;
	const n = db.names;
	const sends = await tx(
		`SELECT idempotency_key, contact FROM ${n.qualified('sent_messages')}
		WHERE wamid = ANY ($1::text[]) AND state = 'failed'`,
		[unique(wamids)],
	);
	if (sends.rows.length === 0) return;
	const failed = sends.rows.map((row) => ({
		key: String(row.idempotency_key),
		contactHash: hash(String(row.contact)),
	}));
	await db.lock(tx, n.reachLock);
	const { rows } = await tx(
		`SELECT contact_hash, reserved_by, previous_at FROM ${n.qualified('messaging_reach')}
		WHERE contact_hash = ANY ($1::text[])`,
		[unique(failed.map((f) => f.contactHash))],
	);
	const places = new Map(rows.map((row) => [String(row.contact_hash), row]));
	const freed = new Set<string>();
	const earlier = new Set<string>();
	for (const { key, contactHash } of failed) {
		const row = places.get(contactHash);
		if (!row || freed.has(contactHash) || earlier.has(contactHash)) continue;
		const place = {
			reservedBy: row.reserved_by === null ? undefined : String(row.reserved_by),
			previousAt: row.previous_at === null ? undefined : Number(row.previous_at),
		};
		const decision = placeAfterFailedSend(place, key);
		if (decision === 'freed') freed.add(contactHash);
		if (decision === 'earlier') earlier.add(contactHash);
	}
	if (freed.size + earlier.size === 0) return;
	await tx(
		`WITH gone AS (
			DELETE FROM ${n.qualified('messaging_reach')} WHERE contact_hash = ANY ($1::text[])
			RETURNING 1
		), total AS (
			UPDATE ${n.qualified('messaging_reach_total')}
			SET rows = rows - (SELECT count(*) FROM gone) WHERE id = 1
		)
		UPDATE ${n.qualified('messaging_reach')}
		SET reached_at = previous_at, previous_at = NULL, reserved_by = NULL
		WHERE contact_hash = ANY ($2::text[])`,
		[[...freed], [...earlier]],
	);
}

export class PostgresReach implements ReachStore {
	readonly #sql: ReturnType<typeof statements>;

	constructor(private readonly db: PostgresDatabase) {
		this.#sql = statements(db.names);
	}

	/**
	 * Under one advisory lock for the portfolio's count: prune the recipients who left the 24
	 * hours, read the count and which of the batch's recipients are counted, let
	 * admitRecipients decide, write, read the oldest reach times.
	 */
	async reserveReach(reservation: ReachReservation): Promise<ReachResult> {
		const hash = await this.db.ready();
		checkReachReservation(reservation);
		const { now, limit, oldest } = reservation;
		const recipients = reservation.recipients.map((r) => ({ ...r, hash: hash(r.contact) }));
		const since = now - MESSAGING_LIMIT_PERIOD_MS;
		return await this.db.transaction(async (tx) => {
			await this.db.lock(tx, this.db.names.reachLock);
			const { rows } = await tx(this.#sql.state, [since, unique(recipients.map((r) => r.hash))]);
			const counted = new Set(rows[0].counted as string[]);
			const count = Number(rows[0].count);
			const admission = admitRecipients(
				recipients,
				(r) => r.hash,
				(h) => counted.has(h),
				count,
				limit,
			);
			if (admission.refreshed.length + admission.added.length > 0) {
				await tx(this.#sql.write, [
					now,
					admission.refreshed.map((r) => r.hash),
					admission.refreshed.map((r) => r.key),
					admission.added.map((r) => r.hash),
					admission.added.map((r) => r.key),
				]);
			}
			const after = count + admission.added.length;
			const length = reachListLength(after, limit, oldest);
			const oldestReachedAt =
				length === 0
					? []
					: (await tx(this.#sql.oldest, [since, length])).rows.map((row) => Number(row.reached_at));
			return {
				refused: admission.refused.map((r) => r.contact),
				usage: { count: after, oldestReachedAt },
			};
		});
	}

	async releaseReach(keys: string[]): Promise<void> {
		await this.db.ready();
		keys.forEach((k, i) => checkText(`releaseReach: keys[${i}]`, k));
		if (keys.length === 0) return;
		await this.db.transaction(async (tx) => {
			await this.db.lock(tx, this.db.names.reachLock);
			await tx(this.#sql.release, [unique(keys)]);
		});
	}
}
