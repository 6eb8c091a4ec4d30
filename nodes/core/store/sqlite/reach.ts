/**
 * The portfolio's messaging limit count (ReachStore): one row per contact reached outside its
 * window in the last 24 hours, keyed by the contact's salted hash. admitRecipients decides.
 */
import {
	admitRecipients,
	MESSAGING_LIMIT_PERIOD_MS,
	placeAfterFailedSend,
	reachListLength,
} from '../../policy/messagingLimit';
import { unique } from '../batches';
import { checkReachReservation, checkText } from '../checks';
import type { FailedSend, ReachReservation, ReachResult, ReachStore } from '../types';
import { fromList, inList, listParameter, type SqliteDatabase, type SqliteRow } from './connection';

/** Recipients reached after `since`: the total less those not counted any more, not yet pruned. */
export function reachCount(db: SqliteDatabase, since: number): number {
	const left = Number(
		db.get('SELECT count(*) AS n FROM messaging_reach WHERE reached_at <= ?', since)!.n,
	);
	return reachTotal(db) - left;
}

/** The `limit` oldest reach times after `since`, oldest first. */
export function oldestReach(db: SqliteDatabase, since: number, limit: number): number[] {
	if (limit <= 0) return [];
	return db
		.all(
			'SELECT reached_at FROM messaging_reach WHERE reached_at > ? ORDER BY reached_at LIMIT ?',
			since,
			limit,
		)
		.map((row) => Number(row.reached_at));
}

/** (contact_hash, reached_at) of the contacts among `hashes` reached after `since`. */
export function reachedRows(
	db: SqliteDatabase,
	hashes: readonly string[],
	since: number,
): SqliteRow[] {
	if (hashes.length === 0) return [];
	return db.all(
		`SELECT r.contact_hash, r.reached_at FROM ${fromList('messaging_reach', 'r', 'contact_hash')}
		WHERE r.reached_at > ?`,
		JSON.stringify(hashes),
		since,
	);
}

function reachTotal(db: SqliteDatabase): number {
	return Number(db.get('SELECT rows FROM messaging_reach_total WHERE id = 1')!.rows);
}

/**
 * Sends that certainly reached nobody give their recipient's place back as
 * placeAfterFailedSend decides, inside the caller's write transaction.
 */
export function givePlacesBack(db: SqliteDatabase, failed: readonly FailedSend[]): void {
	if (failed.length === 0) return;
	const hashes = unique(failed.map((f) => f.contactHash));
	const places = new Map(
		db
			.all(
				`SELECT contact_hash, reserved_by, previous_at FROM messaging_reach
				WHERE ${inList('contact_hash', hashes)}`,
				listParameter(hashes),
			)
			.map((row) => [String(row.contact_hash), row]),
	);
	for (const { key, contactHash } of failed) {
		const row = places.get(contactHash);
		if (!row) continue;
		const place = {
			reservedBy: row.reserved_by === null ? undefined : String(row.reserved_by),
			previousAt: row.previous_at === null ? undefined : Number(row.previous_at),
		};
		const decision = placeAfterFailedSend(place, key);
		if (decision === 'freed') {
			db.run('DELETE FROM messaging_reach WHERE contact_hash = ?', contactHash);
			db.run('UPDATE messaging_reach_total SET rows = rows - 1 WHERE id = 1');
			places.delete(contactHash);
		} else if (decision === 'earlier') {
			db.run(
				`UPDATE messaging_reach SET reached_at = previous_at, previous_at = NULL, reserved_by = NULL
				WHERE contact_hash = ?`,
				contactHash,
			);
			places.set(contactHash, { ...row, reserved_by: null, previous_at: null });
		}
	}
}

export class SqliteReach implements ReachStore {
	constructor(private readonly db: SqliteDatabase) {}

	async reserveReach(reservation: ReachReservation): Promise<ReachResult> {
		const hash = await this.db.ready();
		checkReachReservation(reservation);
		const { now, limit, oldest } = reservation;
		const recipients = reservation.recipients.map((r) => ({ ...r, hash: hash(r.contact) }));
		return this.db.write(() => {
			const since = now - MESSAGING_LIMIT_PERIOD_MS;
			// Recipients who left the 24 hours say nothing any more: gone, hash and all.
			const pruned = Number(
				this.db.run('DELETE FROM messaging_reach WHERE reached_at <= ?', since).changes,
			);
			const hashes = unique(recipients.map((r) => r.hash));
			const counted = new Set(
				hashes.length === 0
					? []
					: this.db
							.all(
								`SELECT r.contact_hash FROM ${fromList('messaging_reach', 'r', 'contact_hash')}`,
								JSON.stringify(hashes),
							)
							.map((row) => String(row.contact_hash)),
			);
			// Every row left is counted: the total is the count.
			const count = reachTotal(this.db) - pruned;
			const admission = admitRecipients(
				recipients,
				(r) => r.hash,
				(h) => counted.has(h),
				count,
				limit,
			);
			// One statement each for the whole batch: a row's own statement costs more than its write.
			if (admission.refreshed.length > 0) {
				this.db.run(
					`UPDATE messaging_reach SET previous_at = reached_at, reached_at = max(reached_at, ?),
						reserved_by = r.value ->> 1
					FROM json_each(?) AS r
					WHERE contact_hash = r.value ->> 0`,
					now,
					JSON.stringify(admission.refreshed.map((r) => [r.hash, r.key])),
				);
			}
			if (admission.added.length > 0) {
				this.db.run(
					`INSERT INTO messaging_reach (contact_hash, reached_at, previous_at, reserved_by)
					SELECT value ->> 0, ?, NULL, value ->> 1 FROM json_each(?)`,
					now,
					JSON.stringify(admission.added.map((r) => [r.hash, r.key])),
				);
			}
			const after = count + admission.added.length;
			this.db.run('UPDATE messaging_reach_total SET rows = ? WHERE id = 1', after);
			return {
				refused: admission.refused.map((r) => r.contact),
				usage: {
					count: after,
					oldestReachedAt: oldestReach(this.db, since, reachListLength(after, limit, oldest)),
				},
			};
		});
	}

	async releaseReach(keys: string[]): Promise<void> {
		await this.db.ready();
		keys.forEach((k, i) => checkText(`releaseReach: keys[${i}]`, k));
		if (keys.length === 0) return;
		const list = JSON.stringify(unique(keys));
		await this.db.write(() => {
			const gone = this.db.run(
				`DELETE FROM messaging_reach
				WHERE reserved_by IN (SELECT value FROM json_each(?)) AND previous_at IS NULL`,
				list,
			).changes;
			this.db.run('UPDATE messaging_reach_total SET rows = rows - ? WHERE id = 1', gone);
			this.db.run(
				`UPDATE messaging_reach SET reached_at = previous_at, previous_at = NULL, reserved_by = NULL
				WHERE reserved_by IN (SELECT value FROM json_each(?))`,
				list,
			);
		});
	}
}
