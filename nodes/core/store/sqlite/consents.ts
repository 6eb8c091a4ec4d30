/**
 * Consent records and their proof trail (ConsentStore). Writes read the current records, let the
 * one consent rule decide (policy/consentChange.ts), and store what it decided.
 */
import type { ConsentEvent, ConsentEventInput, ConsentRecord } from '../../model';
import { decideConsentBatch } from '../../policy/consentChange';
import { unique } from '../batches';
import { checkConsentEvents, checkListLimit, checkText } from '../checks';
import { recordsByContact, toConsentEvent, toConsentRecord } from '../rows';
import type { ConsentStore, ListConsentsPage } from '../types';
import { fromList, inList, listParameter, type SqliteDatabase, type SqliteRow } from './connection';
import { erasedAmong } from './erasure';

/** The consent records of `contacts`, by contact and purpose. */
export function consentRows(db: SqliteDatabase, contacts: readonly string[]): SqliteRow[] {
	return db.all(
		`SELECT c.* FROM ${fromList('consent', 'c', 'contact')} ORDER BY c.contact, c.purpose`,
		JSON.stringify(contacts),
	);
}

/**
 * Reads the current records and known event keys of the batch's contacts, lets the one consent
 * rule (policy/consentChange.ts) decide, and writes what it decided: inside the caller's BEGIN
 * IMMEDIATE transaction, so no other writer comes in between. Events of `erased` contacts are
 * dropped by the rule. Returns the events stored.
 */
export function applyConsent(
	db: SqliteDatabase,
	events: readonly ConsentEventInput[],
	erased: ReadonlySet<string>,
	recordedAt: number,
): ConsentEvent[] {
	if (events.length === 0) return [];
	const current = recordsByContact(consentRows(db, unique(events.map((e) => e.contact))));
	const keys = unique(events.flatMap((e) => (e.eventKey === undefined ? [] : [e.eventKey])));
	const knownEventKeys = new Set(
		keys.length === 0
			? []
			: db
					.all(
						'SELECT event_key FROM consent_events WHERE event_key IN (SELECT value FROM json_each(?))',
						JSON.stringify(keys),
					)
					.map((r) => String(r.event_key)),
	);
	const decision = decideConsentBatch({ current, events, knownEventKeys, suppressed: erased });

	const stored: ConsentEvent[] = [];
	for (const outcome of decision.outcomes) {
		if (outcome.skipped) continue;
		const e = outcome.event;
		const row = db.get(
			`INSERT INTO consent_events (contact, purpose, action, at, source, wording, evidence, reason,
				recorded_by, event_key, recorded_at, status_after, applied, effective_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			RETURNING *`,
			e.contact,
			e.purpose,
			e.action,
			e.at,
			e.source,
			e.wording ?? null,
			e.evidence === undefined ? null : JSON.stringify(e.evidence),
			e.reason ?? null,
			e.recordedBy ?? null,
			e.eventKey ?? null,
			recordedAt,
			outcome.statusAfter ?? null,
			outcome.applied ? 1 : 0,
			outcome.effectiveAt ?? null,
		)!;
		stored.push(toConsentEvent(row));
	}
	for (const r of decision.records) {
		db.run(
			`INSERT INTO consent (contact, purpose, status, changed_at, source, wording, opted_in_at,
				confirmed_at, opted_out_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (contact, purpose) DO UPDATE SET
				status = excluded.status, changed_at = excluded.changed_at, source = excluded.source,
				wording = excluded.wording, opted_in_at = excluded.opted_in_at,
				confirmed_at = excluded.confirmed_at, opted_out_at = excluded.opted_out_at`,
			r.contact,
			r.purpose,
			r.status,
			r.changedAt,
			r.source,
			r.wording ?? null,
			r.optedInAt ?? null,
			r.confirmedAt ?? null,
			r.optedOutAt ?? null,
		);
	}
	return stored;
}

export class SqliteConsents implements ConsentStore {
	constructor(private readonly db: SqliteDatabase) {}

	/**
	 * Events of an erased contact (its hash is on the suppression list) are dropped: not applied,
	 * not stored, not returned. Storing them would put the personal data erasure removed back,
	 * and the suppression already blocks every send; an erased contact cannot opt in again here.
	 */
	async recordConsent(events: ConsentEventInput[]): Promise<ConsentEvent[]> {
		await this.db.ready();
		checkConsentEvents('recordConsent', events);
		const recordedAt = this.db.clock.now();
		return this.db.write(
			() =>
				applyConsent(
					this.db,
					events,
					erasedAmong(this.db, unique(events.map((e) => e.contact))),
					recordedAt,
				),
			{ durable: true },
		);
	}

	async getConsents(contacts: string[]): Promise<Map<string, ConsentRecord[]>> {
		await this.db.ready();
		const list = unique(contacts);
		const result = new Map<string, ConsentRecord[]>(list.map((c) => [c, []]));
		if (list.length === 0) return result;
		for (const row of consentRows(this.db, list)) {
			result.get(String(row.contact))!.push(toConsentRecord(row));
		}
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
		for (const row of this.db.all(
			`SELECT * FROM consent_events WHERE ${inList('contact', list)}
			ORDER BY contact, coalesce(effective_at, at), id`,
			listParameter(list),
		)) {
			result.get(String(row.contact))!.push(toConsentEvent(row));
		}
		return result;
	}

	async listConsents(page: ListConsentsPage): Promise<ConsentRecord[]> {
		await this.db.ready();
		const limit = checkListLimit(page.limit);
		const rows = page.after
			? this.db.all(
					`SELECT * FROM consent WHERE (contact, purpose) > (?, ?) ORDER BY contact, purpose LIMIT ?`,
					page.after.contact,
					page.after.purpose,
					limit,
				)
			: this.db.all('SELECT * FROM consent ORDER BY contact, purpose LIMIT ?', limit);
		return rows.map(toConsentRecord);
	}

	/** Contacts with at least one consent record. */
	async countContacts(): Promise<number> {
		await this.db.ready();
		return Number(
			this.db.get('SELECT count(*) AS n FROM (SELECT DISTINCT contact FROM consent)')!.n,
		);
	}
}
