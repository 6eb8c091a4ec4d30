import { Readable, pipeline } from 'node:stream';

import { stringify } from 'csv-stringify';

import type { ConsentEvent, ConsentRecord } from '../../../core/model';
import { iso } from '../json';

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

/**
 * The history file: one row per consent change, per contact in the order the changes took
 * effect. `at` is the change's own time, `effective_at` the later time it took effect, if any.
 */
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
	'effective_at',
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
		effective_at: iso(e.effectiveAt),
	};
}

/**
 * A CSV file as a stream, written while `pages` of rows are read: RFC 4180 with CRLF lines, a
 * header row, fields quoted when they hold a comma, quote, line break or edge space. Wording,
 * notes, user agents and inbound text come from outsiders, and spreadsheets run a cell that
 * starts with =, +, -, @, tab or CR as a formula: such a cell gets a leading ' (csv-stringify's
 * escape_formulas, OWASP's advice against CSV injection). A failing read fails the stream.
 */
export function csvStream<C extends readonly string[]>(
	columns: C,
	pages: AsyncIterable<Array<Row<C>>>,
): Readable {
	const csv = stringify({
		header: true,
		columns: [...columns],
		record_delimiter: 'windows',
		escape_formulas: true,
		quoted_match: /[\r\n]|^\s|\s$/,
		cast: { boolean: (value) => String(value) },
	});
	// pipeline destroys the CSV stream with the error of a failed read, so the reader sees it.
	pipeline(Readable.from(rowsOf(pages)), csv, () => undefined);
	return csv;
}

async function* rowsOf<T>(pages: AsyncIterable<T[]>): AsyncGenerator<T> {
	for await (const page of pages) yield* page;
}
