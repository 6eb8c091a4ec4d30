import type { ConsentEvent, ConsentRecord } from '../../../core/model';
import { iso } from '../common';

/** The consents file: one row per contact and purpose, the current status. */
export const CONSENT_COLUMNS = [
	'contact',
	'purpose',
	'status',
	'changed_at',
	'source',
	'wording',
	'opted_in_at',
	'confirmed_at',
	'opted_out_at',
] as const;

/** The history file: one row per consent change, oldest first per contact. */
export const HISTORY_COLUMNS = [
	'id',
	'contact',
	'purpose',
	'action',
	'at',
	'source',
	'wording',
	'reason',
	'evidence_url',
	'evidence_ip',
	'evidence_user_agent',
	'evidence_message_id',
	'evidence_note',
	'recorded_at',
	'recorded_by',
	'applied',
	'status_after',
	'event_key',
] as const;

type Row<C extends readonly string[]> = Record<C[number], string | number | boolean | undefined>;

export function consentRow(c: ConsentRecord): Row<typeof CONSENT_COLUMNS> {
	return {
		contact: c.contact,
		purpose: c.purpose,
		status: c.status,
		changed_at: iso(c.changedAt),
		source: c.source,
		wording: c.wording,
		opted_in_at: iso(c.optedInAt),
		confirmed_at: iso(c.confirmedAt),
		opted_out_at: iso(c.optedOutAt),
	};
}

export function historyRow(e: ConsentEvent): Row<typeof HISTORY_COLUMNS> {
	return {
		id: e.id,
		contact: e.contact,
		purpose: e.purpose,
		action: e.action,
		at: iso(e.at),
		source: e.source,
		wording: e.wording,
		reason: e.reason,
		evidence_url: e.evidence?.url,
		evidence_ip: e.evidence?.ip,
		evidence_user_agent: e.evidence?.userAgent,
		evidence_message_id: e.evidence?.messageId,
		evidence_note: e.evidence?.note,
		recorded_at: iso(e.recordedAt),
		recorded_by: e.recordedBy,
		applied: e.applied,
		status_after: e.statusAfter,
		event_key: e.eventKey,
	};
}

/** RFC 4180: CRLF lines; a field with a comma, quote, line break or edge space is quoted. */
export function toCsv<C extends readonly string[]>(columns: C, rows: Array<Row<C>>): string {
	const cell = (value: string | number | boolean | undefined): string => {
		const text = value === undefined ? '' : String(value);
		return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
	};
	const lines = [columns.join(',')];
	for (const row of rows) lines.push(columns.map((c) => cell(row[c as C[number]])).join(','));
	return `${lines.join('\r\n')}\r\n`;
}
