/**
 * Consent records and their proof trail (ConsentStore). Writes lock the batch's contacts, read
 * their records, suppression and known event keys in one statement, let the one consent rule
 * decide (policy/consentChange.ts), and store what it decided: concurrent writers of one contact
 * wait for each other, so none loses an update, and the rule exists once.
 */
import type { ConsentEvent, ConsentEventInput, ConsentRecord } from '../../model';
import { decideConsentBatch, type ConsentBatchDecision } from '../../policy/consentChange';
import { unique } from '../batches';
import { checkConsentEvents, checkListLimit, checkText } from '../checks';
import { recordsByContact, toConsentEvent, toConsentRecord, type Row } from '../rows';
import type { ConsentStore, ListConsentsPage } from '../types';
import { TransactionConflict, type PostgresDatabase, type Tx } from './connection';
import { suppressedAmongSql } from './erasure';
import type { PostgresNames } from './names';

/** The consent records of `contacts` (a text[] parameter), by contact and purpose, as JSON. */
export function consentRecordsSql(n: PostgresNames, contacts: string): string {
	return `(SELECT coalesce(json_agg(c ORDER BY c.contact, c.purpose), '[]')
		FROM ${n.qualified('consent')} AS c WHERE c.contact = ANY (${contacts}::text[]))`;
}

/**
 * The consent events decided (a jsonb parameter of ConsentWrites.events), stored with
 * `recordedAt`: the body of a data-modifying WITH query that returns the rows stored.
 */
export function insertConsentEventsSql(
	n: PostgresNames,
	events: string,
	recordedAt: string,
): string {
	return `INSERT INTO ${n.qualified('consent_events')} AS t (contact, purpose, action, at, source,
			wording, evidence, reason, recorded_by, event_key, recorded_at, status_after, applied,
			effective_at)
		SELECT r.contact, r.purpose, r.action, r.at, r.source, r.wording, r.evidence, r.reason,
			r."recordedBy", r."eventKey", ${recordedAt}, r."statusAfter", r.applied, r."effectiveAt"
		FROM jsonb_to_recordset(${events}::jsonb) AS r(n integer, contact text, purpose text,
			action text, at bigint, source text, wording text, evidence jsonb, reason text,
			"recordedBy" text, "eventKey" text, "statusAfter" text, applied boolean, "effectiveAt" bigint)
		ORDER BY r.n
		ON CONFLICT (event_key) WHERE event_key IS NOT NULL DO NOTHING
		RETURNING t.*`;
}

/** The records decided (a jsonb parameter of ConsentWrites.records): a WITH query's body. */
export function upsertConsentRecordsSql(n: PostgresNames, records: string): string {
	return `INSERT INTO ${n.qualified('consent')} AS c (contact, purpose, status, changed_at, source,
			wording, opted_in_at, confirmed_at, opted_out_at)
		SELECT r.contact, r.purpose, r.status, r."changedAt", r.source, r.wording, r."optedInAt",
			r."confirmedAt", r."optedOutAt"
		FROM jsonb_to_recordset(${records}::jsonb) AS r(contact text, purpose text, status text,
			"changedAt" bigint, source text, wording text, "optedInAt" bigint, "confirmedAt" bigint,
			"optedOutAt" bigint)
		ORDER BY r.contact, r.purpose
		ON CONFLICT (contact, purpose) DO UPDATE SET
			status = excluded.status, changed_at = excluded.changed_at, source = excluded.source,
			wording = excluded.wording, opted_in_at = excluded.opted_in_at,
			confirmed_at = excluded.confirmed_at, opted_out_at = excluded.opted_out_at`;
}

/** What the consent rule decided for a batch, as the parameters of the statements above. */
export interface ConsentWrites {
	/** The events to store, each with its place in the batch (`n`) and its outcome. */
	readonly events: object[];
	readonly records: ConsentRecord[];
}

/** What decideConsentUnderLock read and decided. */
export interface ConsentUnderLock {
	/** The contacts among those asked about that were erased (on the suppression list). */
	readonly erased: Set<string>;
	readonly writes: ConsentWrites;
}

/**
 * Under the contacts' locks (taken by the caller, in its transaction): reads the records of the
 * events' contacts, which of `contacts` (every contact the caller writes about) were erased, and
 * the event keys recorded before, in one statement; then lets decideConsentBatch decide.
 */
export async function decideConsentUnderLock(
	tx: Tx,
	n: PostgresNames,
	hash: (contact: string) => string,
	events: readonly ConsentEventInput[],
	contacts: readonly string[],
): Promise<ConsentUnderLock> {
	const byHash = new Map(contacts.map((c) => [hash(c), c]));
	const keys = unique(events.flatMap((e) => (e.eventKey === undefined ? [] : [e.eventKey])));
	const { rows } = await tx(
		`SELECT ${consentRecordsSql(n, '$1')} AS consents, ${suppressedAmongSql(n, '$2')} AS suppressed,
			(SELECT coalesce(json_agg(e.event_key), '[]') FROM ${n.qualified('consent_events')} AS e
				WHERE e.event_key = ANY ($3::text[])) AS known`,
		[unique(events.map((e) => e.contact)), [...byHash.keys()], keys],
	);
	const state = rows[0] as { consents: Row[]; suppressed: string[]; known: string[] };
	const erased = new Set(state.suppressed.map((h) => byHash.get(h)!));
	if (events.length === 0) return { erased, writes: { events: [], records: [] } };
	const decision = decideConsentBatch({
		current: recordsByContact(state.consents),
		events,
		knownEventKeys: new Set(state.known),
		suppressed: erased,
	});
	return { erased, writes: consentWrites(decision) };
}

function consentWrites(decision: ConsentBatchDecision): ConsentWrites {
	return {
		events: decision.outcomes.flatMap((o, n) =>
			o.skipped
				? []
				: [
						{
							...o.event,
							n,
							statusAfter: o.statusAfter,
							applied: o.applied,
							effectiveAt: o.effectiveAt,
						},
					],
		),
		records: decision.records,
	};
}

/**
 * The events stored must be the events decided: one whose key a writer of another contact stored
 * meanwhile was skipped by ON CONFLICT, so the batch is decided again with it known.
 */
export function checkConsentStored(stored: readonly Row[], writes: ConsentWrites): void {
	if (stored.length !== writes.events.length) {
		throw new TransactionConflict('a consent event key was recorded concurrently');
	}
}

function statements(n: PostgresNames) {
	const consent = n.qualified('consent');
	return {
		// The batch's events and records, as the rule decided them; returns the events stored.
		write: `WITH stored AS (${insertConsentEventsSql(n, '$1', '$3')}),
			records AS (${upsertConsentRecordsSql(n, '$2')})
			SELECT * FROM stored ORDER BY id`,
		consents: `SELECT * FROM ${consent} WHERE contact = ANY ($1::text[]) ORDER BY contact, purpose`,
		histories: `SELECT * FROM ${n.qualified('consent_events')} WHERE contact = ANY ($1::text[])
			ORDER BY contact, coalesce(effective_at, at), id`,
		listFirst: `SELECT * FROM ${consent} ORDER BY contact, purpose LIMIT $1`,
		listAfter: `SELECT * FROM ${consent} WHERE (contact, purpose) > ($1, $2)
			ORDER BY contact, purpose LIMIT $3`,
		countContacts: `SELECT count(*) AS n FROM (SELECT DISTINCT contact FROM ${consent}) AS c`,
	};
}

export class PostgresConsents implements ConsentStore {
	readonly #sql: ReturnType<typeof statements>;

	constructor(private readonly db: PostgresDatabase) {
		this.#sql = statements(db.names);
	}

	/**
	 * Events of an erased contact (its hash is on the suppression list) are dropped: not applied,
	 * not stored, not returned. Storing them would put the personal data erasure removed back,
	 * and the suppression already blocks every send; an erased contact cannot opt in again here.
	 */
	async recordConsent(events: ConsentEventInput[]): Promise<ConsentEvent[]> {
		const hash = await this.db.ready();
		checkConsentEvents('recordConsent', events);
		if (events.length === 0) return [];
		const recordedAt = this.db.clock.now();
		const contacts = unique(events.map((e) => e.contact));
		const stored = await this.db.transaction(async (tx) => {
			await this.db.lockContacts(tx, contacts);
			const { writes } = await decideConsentUnderLock(tx, this.db.names, hash, events, contacts);
			if (writes.events.length === 0 && writes.records.length === 0) return [];
			const { rows } = await tx(this.#sql.write, [
				JSON.stringify(writes.events),
				JSON.stringify(writes.records),
				recordedAt,
			]);
			checkConsentStored(rows, writes);
			return rows;
		});
		return stored.map(toConsentEvent);
	}

	async getConsents(contacts: string[]): Promise<Map<string, ConsentRecord[]>> {
		await this.db.ready();
		const list = unique(contacts);
		const result = new Map<string, ConsentRecord[]>(list.map((c) => [c, []]));
		if (list.length === 0) return result;
		const { rows } = await this.db.query(this.#sql.consents, [list]);
		for (const row of rows) result.get(String(row.contact))!.push(toConsentRecord(row));
		return result;
	}

	async getConsentHistory(contact: string): Promise<ConsentEvent[]> {
		checkText('getConsentHistory: contact', contact);
		return (await this.getConsentHistories([contact])).get(contact)!;
	}

	async getConsentHistories(contacts: string[]): Promise<Map<string, ConsentEvent[]>> {
		await this.db.ready();
		const list = unique(contacts);
		list.forEach((c, i) => checkText(`getConsentHistories: contacts[${i}]`, c));
		const result = new Map<string, ConsentEvent[]>(list.map((c) => [c, []]));
		if (list.length === 0) return result;
		const { rows } = await this.db.query(this.#sql.histories, [list]);
		for (const row of rows) result.get(String(row.contact))!.push(toConsentEvent(row));
		return result;
	}

	async listConsents(page: ListConsentsPage): Promise<ConsentRecord[]> {
		await this.db.ready();
		const limit = checkListLimit(page.limit);
		const { rows } = page.after
			? await this.db.query(this.#sql.listAfter, [page.after.contact, page.after.purpose, limit])
			: await this.db.query(this.#sql.listFirst, [limit]);
		return rows.map(toConsentRecord);
	}

	/** Contacts with at least one consent record. */
	async countContacts(): Promise<number> {
		await this.db.ready();
		const { rows } = await this.db.query(this.#sql.countContacts, []);
		return Number(rows[0].n);
	}
}
