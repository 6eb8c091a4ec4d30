/**
 * What the send rules read for a batch (SnapshotStore): each role's rows as one JSON array of one
 * row, in one statement (one round trip, one view of the data).
 */
import {
	lowerMessagingLimit,
	messagingLimitFromMeta,
	MESSAGING_LIMIT_PERIOD_MS,
	reachListLength,
	type MessagingLimitUsage,
} from '../../policy/messagingLimit';
import { withTemplateQuality } from '../batches';
import {
	toConsentRecord,
	toSentMessage,
	toStandingEntry,
	toTemplateState,
	toWindow,
	type Row,
} from '../rows';
import { accountEntries, contactEntries, snapshotQuery } from '../snapshot';
import type { Snapshot, SnapshotRequest, SnapshotStore } from '../types';
import type { PostgresDatabase } from './connection';
import { consentRecordsSql } from './consents';
import { suppressedAmongSql } from './erasure';
import type { PostgresNames } from './names';
import { oldestReachSql, oldestReachStatement, reachCountSql, reachedSql } from './reach';
import { marketingSentSql, optOutConfirmationsSql, sendsSql } from './sends';
import { standingSql, storedMessagingLimitSql, templatesSql } from './standing';
import { windowsSql } from './windows';

/** The one row the snapshot statement returns: JSON arrays, parsed by pg. */
interface SnapshotRow {
	consents: Row[];
	windows: Row[];
	suppressed: string[];
	marketing: Array<[string, number]>;
	confirmations: Array<[string, number]>;
	sends: Row[];
	templates: Row[];
	reach_count: string | number | null;
	/** The portfolio's messaging limit as stored, when the reach is read. */
	messaging_limit: string | null;
	reached: Array<[string, number]>;
	reach_oldest: number[];
	standing: Row[];
}

/**
 * $1 contacts, $2 sender, $3 their hashes, $4 marketing since, $5 idempotency keys, $6 to $8
 * template keys, $9 reach counted since (null: the reach is not read), $10 how many of the oldest
 * reach times to read, $11 standing subjects, $12 whether the standing is read.
 */
function snapshotSql(n: PostgresNames): string {
	return `SELECT
		(SELECT ${reachCountSql(n, '$9::bigint')} WHERE $9::bigint IS NOT NULL) AS reach_count,
		(SELECT ${storedMessagingLimitSql(n)} WHERE $9::bigint IS NOT NULL) AS messaging_limit,
		${reachedSql(n, '$3', '$9::bigint')} AS reached,
		${oldestReachSql(n, '$9::bigint', '$10::bigint')} AS reach_oldest,
		${standingSql(n, '$11', '$12', '$2')} AS standing,
		${consentRecordsSql(n, '$1')} AS consents,
		${windowsSql(n, '$2', '$1')} AS windows,
		${suppressedAmongSql(n, '$3')} AS suppressed,
		${marketingSentSql(n, '$1', '$4')} AS marketing,
		${optOutConfirmationsSql(n, '$1')} AS confirmations,
		${sendsSql(n, '$5')} AS sends,
		${templatesSql(n, 6)} AS templates`;
}

export class PostgresSnapshot implements SnapshotStore {
	readonly #sql: string;
	readonly #oldestReach: string;

	constructor(private readonly db: PostgresDatabase) {
		this.#sql = snapshotSql(db.names);
		this.#oldestReach = oldestReachStatement(db.names);
	}

	async getSnapshot(request: SnapshotRequest): Promise<Snapshot> {
		const hash = await this.db.ready();
		const { contacts, keys, templates, subjects } = snapshotQuery(request);
		const { byContact, byHash } = contactEntries(contacts, hash);
		const reach = request.reach;
		const { rows } = await this.db.query(this.#sql, [
			contacts,
			request.sender,
			[...byHash.keys()],
			request.marketingSince,
			keys,
			templates.map((t) => t.account),
			templates.map((t) => t.name),
			templates.map((t) => t.language),
			reach ? reach.now - MESSAGING_LIMIT_PERIOD_MS : null,
			reach?.oldest ?? 0,
			subjects,
			request.standing === true,
		]);
		const r = rows[0] as unknown as SnapshotRow;
		for (const row of r.consents) {
			byContact.get(String(row.contact))!.consents.push(toConsentRecord(row));
		}
		for (const row of r.windows) byContact.get(String(row.contact))!.window = toWindow(row);
		for (const contactHash of r.suppressed) byHash.get(contactHash)!.suppressed = true;
		for (const [contact, at] of r.marketing) {
			byContact.get(contact)!.marketingSentAt.push(Number(at));
		}
		for (const [contact, at] of r.confirmations) {
			byContact.get(contact)!.optOutConfirmationsSentAt.push(Number(at));
		}
		const standing = r.standing.map(toStandingEntry);
		const snapshot: Snapshot = {
			contacts: byContact,
			sends: new Map(r.sends.map((row) => [String(row.idempotency_key), toSentMessage(row)])),
			templates: withTemplateQuality(r.templates.map(toTemplateState), standing),
		};
		if (request.standing) {
			snapshot.standing = accountEntries(standing);
		}
		if (reach) {
			for (const [contactHash, at] of r.reached) byHash.get(contactHash)!.reachedAt = Number(at);
			snapshot.reach = await this.#usage(reach, Number(r.reach_count), r);
		}
		return snapshot;
	}

	/**
	 * The usage with as many of the oldest reach times as the rule asks (reachListLength, with the
	 * lower of the stored limit and the user's). The statement read `oldest` of them: every one
	 * asked for unless the portfolio is already past its limit; then the rest is read here.
	 */
	async #usage(
		reach: NonNullable<SnapshotRequest['reach']>,
		count: number,
		r: SnapshotRow,
	): Promise<MessagingLimitUsage> {
		const limit = lowerMessagingLimit(messagingLimitFromMeta(r.messaging_limit), reach.limit);
		const length = reachListLength(count, limit, reach.oldest);
		const read = r.reach_oldest.map(Number);
		if (length <= read.length) return { count, oldestReachedAt: read.slice(0, length) };
		const since = reach.now - MESSAGING_LIMIT_PERIOD_MS;
		const { rows } = await this.db.query(this.#oldestReach, [since, length]);
		return { count, oldestReachedAt: rows.map((row) => Number(row.reached_at)) };
	}
}
