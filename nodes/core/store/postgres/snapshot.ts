/**
 * What the send rules read for a batch (SnapshotStore): each role's rows as one JSON array of one
 * row, in one statement (one round trip, one view of the data).
 */
import { MESSAGING_LIMIT_PERIOD_MS, type MessagingLimit } from '../../policy/messagingLimit';
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
import { oldestReachSql, reachCountSql, reachedSql } from './reach';
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
	reach_count: string | number;
	reached: Array<[string, number]>;
	reach_oldest: number[];
	standing: Row[];
}

/** A limit as the snapshot statement takes it: a number, or null for none or unlimited. */
function limitParameter(limit: MessagingLimit | undefined): number | null {
	return typeof limit === 'number' ? limit : null;
}

/**
 * $1 contacts, $2 sender, $3 their hashes, $4 marketing since, $5 idempotency keys, $6 to $8
 * template keys, $9 reach counted since (null: the reach is not read), $10 the user's limit, $11
 * how many of the oldest reach times beyond those the count exceeds the lower limit by, $12
 * standing subjects, $13 whether the standing is read.
 */
function snapshotSql(n: PostgresNames): string {
	return `WITH n AS (
			SELECT ${reachCountSql(n, '$9::bigint')} AS count WHERE $9::bigint IS NOT NULL
		), lim AS (
			SELECT CASE WHEN v.value ~ '^[0-9]+$' THEN v.value::bigint END AS stored
			FROM (SELECT ${storedMessagingLimitSql(n)} AS value) AS v
		)
		SELECT
		(SELECT count FROM n) AS reach_count,
		${reachedSql(n, '$3', '$9::bigint')} AS reached,
		${oldestReachSql(
			n,
			'$9::bigint',
			`(SELECT least(n.count, CASE WHEN least((SELECT stored FROM lim), $10::bigint) IS NULL
				THEN $11::bigint
				ELSE greatest(0, n.count - least((SELECT stored FROM lim), $10::bigint) + $11::bigint) END)
				FROM n)`,
		)} AS reach_oldest,
		${standingSql(n, '$12', '$13', '$2')} AS standing,
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

	constructor(private readonly db: PostgresDatabase) {
		this.#sql = snapshotSql(db.names);
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
			limitParameter(reach?.limit),
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
			snapshot.reach = {
				count: Number(r.reach_count),
				oldestReachedAt: r.reach_oldest.map(Number),
			};
		}
		return snapshot;
	}
}
