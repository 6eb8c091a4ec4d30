/** Idempotent sends: claims of idempotency keys and what became of them (SendStore). */
import { OPT_OUT_CONFIRMATION_KIND_PREFIX, type SentMessage } from '../../model';
import { firstByKey, lastByKey, unique } from '../batches';
import {
	checkCompletions,
	checkListLimit,
	checkSendsQuery,
	checkReleases,
	checkReservations,
	checkSendsLeft,
	checkTime,
} from '../checks';
import { toSentMessage } from '../rows';
import { quoteLiteral, RECLAIM_FAILED_SEND, RECLAIMABLE_SEND } from '../sql';
import type {
	FailedSend,
	ReserveResult,
	SendCompletion,
	SendLeft,
	SendRelease,
	SendReservation,
	SendStore,
	SendsQuery,
	StoreEffects,
	UnconfirmedSendsPage,
} from '../types';
import { fromList, inList, listParameter, type SqliteDatabase, type SqliteRow } from './connection';

/** Sends whose kind marks them as opt-out confirmations (LIKE would read "_" as a wildcard). */
const OPT_OUT_CONFIRMATION_SENDS = `substr(m.kind, 1, ${OPT_OUT_CONFIRMATION_KIND_PREFIX.length}) = ${quoteLiteral(OPT_OUT_CONFIRMATION_KIND_PREFIX)}`;

export function sendsByKey(db: SqliteDatabase, keys: readonly string[]): Map<string, SentMessage> {
	return new Map(
		db
			.all(
				`SELECT m.* FROM ${fromList('sent_messages', 'm', 'idempotency_key')}`,
				JSON.stringify(keys),
			)
			.map((row) => [String(row.idempotency_key), toSentMessage(row)]),
	);
}

/** (contact, created_at) of the marketing templates sent (not failed) to `contacts` since `since`. */
export function marketingSentRows(
	db: SqliteDatabase,
	contacts: readonly string[],
	since: number,
): SqliteRow[] {
	return db.all(
		`SELECT m.contact, m.created_at FROM ${fromList('sent_messages', 'm', 'contact')}
		WHERE m.category = 'marketing' AND m.created_at >= ? AND m.state <> 'failed'
		ORDER BY m.contact, m.created_at`,
		JSON.stringify(contacts),
		since,
	);
}

/** (contact, created_at) of the opt-out confirmations sent (not failed) to `contacts`. */
export function optOutConfirmationRows(
	db: SqliteDatabase,
	contacts: readonly string[],
): SqliteRow[] {
	return db.all(
		`SELECT m.contact, m.created_at FROM ${fromList('sent_messages', 'm', 'contact')}
		WHERE m.category = 'service' AND ${OPT_OUT_CONFIRMATION_SENDS} AND m.state <> 'failed'
		ORDER BY m.contact, m.created_at`,
		JSON.stringify(contacts),
	);
}

/**
 * What status webhooks said of sends, inside the caller's write transaction: a failure fails the
 * send (by wamid, or by its callback id), a confirmation accepts a send still pending.
 */
export function writeSendStatuses(
	db: SqliteDatabase,
	failures: NonNullable<StoreEffects['sendFailures']>,
	confirmations: NonNullable<StoreEffects['sendConfirmations']>,
): void {
	for (const f of failures) {
		db.run(
			`UPDATE sent_messages SET state = 'failed', error_code = coalesce(?, error_code),
				wamid = coalesce(wamid, ?)
			WHERE wamid = ? OR (callback_id = ? AND state <> 'failed')`,
			f.errorCode ?? null,
			f.wamid,
			f.wamid,
			f.callbackId ?? null,
		);
	}
	for (const c of confirmations) {
		db.run(
			`UPDATE sent_messages SET state = 'accepted', wamid = ?, sent_at = coalesce(sent_at, ?)
			WHERE callback_id = ? AND state = 'pending'`,
			c.wamid,
			c.at,
			c.callbackId,
		);
	}
}

/** The sends the failures of a status webhook failed (after writeSendStatuses), with their contact. */
export function failedSendsOf(
	db: SqliteDatabase,
	failures: NonNullable<StoreEffects['sendFailures']>,
): FailedSend[] {
	if (failures.length === 0) return [];
	const hash = db.hasher();
	const wamids = unique(failures.map((f) => f.wamid));
	return db
		.all(
			`SELECT idempotency_key, contact FROM sent_messages
			WHERE ${inList('wamid', wamids)} AND state = 'failed'`,
			listParameter(wamids),
		)
		.map((row) => ({ key: String(row.idempotency_key), contactHash: hash(String(row.contact)) }));
}

export class SqliteSends implements SendStore {
	constructor(private readonly db: SqliteDatabase) {}

	async reserveSends(reservations: SendReservation[]): Promise<ReserveResult> {
		await this.db.ready();
		checkReservations(reservations);
		const items = firstByKey(reservations, (r) => r.idempotencyKey);
		return this.db.write(() => {
			const reserved: string[] = [];
			const taken: string[] = [];
			for (const r of items) {
				const row = this.db.get(
					`INSERT INTO sent_messages (idempotency_key, sender, contact, kind, category, state,
						created_at, callback_id)
					VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)
					ON CONFLICT (idempotency_key) DO UPDATE SET ${RECLAIM_FAILED_SEND}
					WHERE ${RECLAIMABLE_SEND('sent_messages')}
					RETURNING idempotency_key`,
					r.idempotencyKey,
					r.sender,
					r.contact,
					r.kind,
					r.category,
					r.at,
					r.callbackId ?? null,
				);
				(row ? reserved : taken).push(r.idempotencyKey);
			}
			return { reserved, existing: taken.length > 0 ? sendsByKey(this.db, taken) : new Map() };
		});
	}

	async completeSends(completions: SendCompletion[]): Promise<void> {
		await this.db.ready();
		checkCompletions(completions);
		const items = lastByKey(completions, (c) => c.idempotencyKey);
		await this.db.write(() => {
			for (const c of items) {
				if (c.state === 'accepted') {
					this.db.run(
						`UPDATE sent_messages SET state = 'accepted', wamid = ?, sent_at = ?, estimated_price = ?,
							currency = ?, error_code = NULL
						WHERE idempotency_key = ? AND state <> 'failed'`,
						c.wamid,
						c.at,
						c.estimatedPrice ?? null,
						c.currency ?? null,
						c.idempotencyKey,
					);
				} else {
					this.db.run(
						`UPDATE sent_messages SET state = 'failed', error_code = ? WHERE idempotency_key = ?`,
						c.errorCode ?? null,
						c.idempotencyKey,
					);
				}
			}
		});
	}

	async releaseSends(releases: SendRelease[]): Promise<void> {
		await this.db.ready();
		checkReleases(releases);
		if (releases.length === 0) return;
		await this.db.write(() => {
			for (const r of releases) {
				this.db.run(
					`DELETE FROM sent_messages WHERE state = 'pending' AND idempotency_key = ?
						AND (? IS NULL OR callback_id = ?)`,
					r.idempotencyKey,
					r.callbackId ?? null,
					r.callbackId ?? null,
				);
			}
		});
	}

	async markSendsLeft(marks: SendLeft[]): Promise<void> {
		await this.db.ready();
		checkSendsLeft(marks);
		if (marks.length === 0) return;
		await this.db.write(() => {
			for (const m of marks) {
				this.db.run(
					`UPDATE sent_messages SET left_at = ?
					WHERE idempotency_key = ? AND callback_id = ? AND state = 'pending'`,
					m.at,
					m.idempotencyKey,
					m.callbackId,
				);
			}
		});
	}

	async getSends(keys: string[]): Promise<Map<string, SentMessage>> {
		await this.db.ready();
		const list = unique(keys);
		return list.length > 0 ? sendsByKey(this.db, list) : new Map();
	}

	async listUnconfirmedSends(page: UnconfirmedSendsPage): Promise<SentMessage[]> {
		await this.db.ready();
		checkTime('listUnconfirmedSends: before', page.before);
		const limit = checkListLimit(page.limit);
		const after = page.after ?? { createdAt: -1, idempotencyKey: '' };
		return this.db
			.all(
				`SELECT * FROM sent_messages
				WHERE state = 'pending' AND left_at IS NOT NULL AND created_at <= ?
					AND (created_at, idempotency_key) > (?, ?)
				ORDER BY created_at, idempotency_key LIMIT ?`,
				page.before,
				after.createdAt,
				after.idempotencyKey,
				limit,
			)
			.map(toSentMessage);
	}

	async listSends(query: SendsQuery): Promise<SentMessage[]> {
		this.db.ready();
		const q = checkSendsQuery(query);
		// substr, not LIKE: "_" and "%" in a key are characters, not wildcards.
		return this.db
			.all(
				`SELECT * FROM sent_messages
				WHERE substr(idempotency_key, 1, length(?)) = ?
					AND created_at >= ? AND created_at < ? AND (? IS NULL OR kind = ?)
					AND (created_at, idempotency_key) > (?, ?)
				ORDER BY created_at, idempotency_key LIMIT ?`,
				q.keyPrefix,
				q.keyPrefix,
				q.from,
				q.to,
				q.kind,
				q.kind,
				q.after.createdAt,
				q.after.idempotencyKey,
				q.limit,
			)
			.map(toSentMessage);
	}
}
