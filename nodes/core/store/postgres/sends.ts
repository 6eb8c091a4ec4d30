/** Idempotent sends: claims of idempotency keys and what became of them (SendStore). */
import { OPT_OUT_CONFIRMATION_KIND_PREFIX, type SentMessage } from '../../model';
import { firstByKey, lastByKey, unique } from '../batches';
import {
	checkCompletions,
	checkListLimit,
	checkReleases,
	checkReservations,
	checkSendsLeft,
	checkTime,
} from '../checks';
import { toSentMessage } from '../rows';
import { quoteLiteral, RECLAIM_FAILED_SEND, RECLAIMABLE_SEND } from '../sql';
import type {
	ReserveResult,
	SendCompletion,
	SendLeft,
	SendRelease,
	SendReservation,
	SendStore,
	UnconfirmedSendsPage,
} from '../types';
import type { PostgresDatabase } from './connection';
import type { PostgresNames } from './names';

/** The sends under `keys` (a text[] parameter), as JSON. */
export function sendsSql(n: PostgresNames, keys: string): string {
	return `(SELECT coalesce(json_agg(s), '[]') FROM ${n.qualified('sent_messages')} AS s
		WHERE s.idempotency_key = ANY (${keys}::text[]))`;
}

/**
 * [contact, created_at] of the marketing templates sent (not failed) to `contacts` (a text[]
 * parameter) since `since`, as JSON.
 */
export function marketingSentSql(n: PostgresNames, contacts: string, since: string): string {
	return `(SELECT coalesce(json_agg(json_build_array(m.contact, m.created_at) ORDER BY m.contact, m.created_at), '[]')
		FROM ${n.qualified('sent_messages')} AS m
		WHERE m.contact = ANY (${contacts}::text[]) AND m.category = 'marketing'
			AND m.created_at >= ${since} AND m.state <> 'failed')`;
}

/** [contact, created_at] of the opt-out confirmations sent (not failed) to `contacts`, as JSON. */
export function optOutConfirmationsSql(n: PostgresNames, contacts: string): string {
	return `(SELECT coalesce(json_agg(json_build_array(m.contact, m.created_at) ORDER BY m.contact, m.created_at), '[]')
		FROM ${n.qualified('sent_messages')} AS m
		WHERE m.contact = ANY (${contacts}::text[]) AND m.category = 'service'
			AND starts_with(m.kind, ${quoteLiteral(OPT_OUT_CONFIRMATION_KIND_PREFIX)})
			AND m.state <> 'failed')`;
}

/**
 * Status webhooks that said a message failed (a jsonb parameter of StoreEffects.sendFailures): its
 * send fails, found by wamid, or by the callback id it carried. A WITH query's body.
 */
export function failSendsSql(n: PostgresNames, failures: string): string {
	return `UPDATE ${n.qualified('sent_messages')} AS s SET state = 'failed',
			error_code = coalesce(f."errorCode", s.error_code), wamid = coalesce(s.wamid, f.wamid)
		FROM (
			SELECT DISTINCT ON (r.wamid) r.wamid, r."callbackId", r."errorCode"
			FROM jsonb_to_recordset(${failures}::jsonb) AS r(wamid text, "callbackId" text,
				"errorCode" integer, at bigint)
			ORDER BY r.wamid, r.at DESC
		) AS f
		WHERE s.wamid = f.wamid OR (s.callback_id = f."callbackId" AND s.state <> 'failed')`;
}

/**
 * Status webhooks of messages that carried a callback id (a jsonb parameter of
 * StoreEffects.sendConfirmations): a send still pending under it is accepted. A WITH query's body.
 */
export function confirmSendsSql(n: PostgresNames, confirmations: string): string {
	return `UPDATE ${n.qualified('sent_messages')} AS s SET state = 'accepted', wamid = c.wamid,
			sent_at = coalesce(s.sent_at, c.at)
		FROM (
			SELECT DISTINCT ON (r."callbackId") r."callbackId", r.wamid, r.at
			FROM jsonb_to_recordset(${confirmations}::jsonb) AS r("callbackId" text, wamid text, at bigint)
			ORDER BY r."callbackId", r.at
		) AS c
		WHERE s.callback_id = c."callbackId" AND s.state = 'pending'`;
}

function statements(n: PostgresNames) {
	const sent = n.qualified('sent_messages');
	return {
		claim: `INSERT INTO ${sent} AS s (idempotency_key, sender, contact, kind, category, state,
				created_at, callback_id)
			SELECT r."idempotencyKey", r.sender, r.contact, r.kind, r.category, 'pending', r.at,
				r."callbackId"
			FROM jsonb_to_recordset($1::jsonb) AS r("idempotencyKey" text, sender text, contact text,
				kind text, category text, at bigint, "callbackId" text)
			ORDER BY r."idempotencyKey"
			ON CONFLICT (idempotency_key) DO UPDATE SET ${RECLAIM_FAILED_SEND}
			WHERE ${RECLAIMABLE_SEND('s')}
			RETURNING s.idempotency_key`,
		sendsByKey: `SELECT * FROM ${sent} WHERE idempotency_key = ANY ($1::text[])`,
		unconfirmed: `SELECT * FROM ${sent}
			WHERE state = 'pending' AND left_at IS NOT NULL AND created_at <= $1
				AND (created_at, idempotency_key) > ($2, $3)
			ORDER BY created_at, idempotency_key LIMIT $4`,
		markLeft: `UPDATE ${sent} AS s SET left_at = m.at
			FROM (
				SELECT * FROM jsonb_to_recordset($1::jsonb) AS r("idempotencyKey" text, "callbackId" text,
					at bigint)
				ORDER BY r."idempotencyKey"
			) AS m
			WHERE s.idempotency_key = m."idempotencyKey" AND s.callback_id = m."callbackId"
				AND s.state = 'pending'`,
		complete: `UPDATE ${sent} AS s SET
				state = c.state,
				wamid = CASE WHEN c.state = 'accepted' THEN c.wamid ELSE s.wamid END,
				sent_at = CASE WHEN c.state = 'accepted' THEN c.at ELSE s.sent_at END,
				estimated_price = CASE WHEN c.state = 'accepted' THEN c."estimatedPrice" ELSE s.estimated_price END,
				currency = CASE WHEN c.state = 'accepted' THEN c.currency ELSE s.currency END,
				error_code = CASE WHEN c.state = 'accepted' THEN NULL ELSE c."errorCode" END
			FROM (
				SELECT * FROM jsonb_to_recordset($1::jsonb) AS r("idempotencyKey" text, state text,
					wamid text, at bigint, "estimatedPrice" double precision, currency text, "errorCode" integer)
				ORDER BY r."idempotencyKey"
			) AS c
			-- A failed status that came before our own record of Meta's answer wins.
			WHERE s.idempotency_key = c."idempotencyKey" AND (c.state <> 'accepted' OR s.state <> 'failed')`,
		release: `DELETE FROM ${sent} AS s
			USING jsonb_to_recordset($1::jsonb) AS r("idempotencyKey" text, "callbackId" text)
			WHERE s.state = 'pending' AND s.idempotency_key = r."idempotencyKey"
				AND (r."callbackId" IS NULL OR s.callback_id = r."callbackId")`,
	};
}

export class PostgresSends implements SendStore {
	readonly #sql: ReturnType<typeof statements>;

	constructor(private readonly db: PostgresDatabase) {
		this.#sql = statements(db.names);
	}

	async reserveSends(reservations: SendReservation[]): Promise<ReserveResult> {
		await this.db.ready();
		checkReservations(reservations);
		const result: ReserveResult = { reserved: [], existing: new Map() };
		if (reservations.length === 0) return result;
		const items = firstByKey(reservations, (r) => r.idempotencyKey);
		// New keys are inserted and failed ones claimed again; a key a concurrent claimer holds
		// makes this statement wait for its commit and then skip it.
		const { rows: claimed } = await this.db.query(this.#sql.claim, [JSON.stringify(items)]);
		const reserved = new Set(claimed.map((r) => String(r.idempotency_key)));
		const taken = items.map((r) => r.idempotencyKey).filter((key) => !reserved.has(key));
		// A new statement, so a new snapshot: it sees the rows of the claimers waited for above.
		if (taken.length > 0) result.existing = await this.getSends(taken);
		// Input order, as the SQLite backend returns it.
		for (const { idempotencyKey: key } of items) if (reserved.has(key)) result.reserved.push(key);
		return result;
	}

	async completeSends(completions: SendCompletion[]): Promise<void> {
		await this.db.ready();
		checkCompletions(completions);
		if (completions.length === 0) return;
		const items = lastByKey(completions, (c) => c.idempotencyKey);
		await this.db.query(this.#sql.complete, [JSON.stringify(items)]);
	}

	async releaseSends(releases: SendRelease[]): Promise<void> {
		await this.db.ready();
		checkReleases(releases);
		if (releases.length > 0) await this.db.query(this.#sql.release, [JSON.stringify(releases)]);
	}

	async markSendsLeft(marks: SendLeft[]): Promise<void> {
		await this.db.ready();
		checkSendsLeft(marks);
		if (marks.length > 0) await this.db.query(this.#sql.markLeft, [JSON.stringify(marks)]);
	}

	async getSends(keys: string[]): Promise<Map<string, SentMessage>> {
		await this.db.ready();
		const list = unique(keys);
		if (list.length === 0) return new Map();
		const { rows } = await this.db.query(this.#sql.sendsByKey, [list]);
		return new Map(rows.map((row) => [String(row.idempotency_key), toSentMessage(row)]));
	}

	async listUnconfirmedSends(page: UnconfirmedSendsPage): Promise<SentMessage[]> {
		await this.db.ready();
		checkTime('listUnconfirmedSends: before', page.before);
		const limit = checkListLimit(page.limit);
		const after = page.after ?? { createdAt: -1, idempotencyKey: '' };
		const { rows } = await this.db.query(this.#sql.unconfirmed, [
			page.before,
			after.createdAt,
			after.idempotencyKey,
			limit,
		]);
		return rows.map(toSentMessage);
	}
}
