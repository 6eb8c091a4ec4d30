import type { IDataObject } from 'n8n-workflow';

import type { ConsentEvent } from '../../core/model';

// The JSON of output items.

/** ISO 8601 in UTC; undefined stays undefined. */
export function iso(ms: number): string;
export function iso(ms: number | undefined): string | undefined;
export function iso(ms: number | undefined): string | undefined {
	return ms === undefined ? undefined : new Date(ms).toISOString();
}

/** "marketing", "marketing and back_in_stock", "a, b and c". */
export function listWords(words: string[]): string {
	if (words.length <= 1) return words.join('');
	return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** Drops undefined fields, so items carry only what is known. */
export function compact<T extends IDataObject>(json: T): T {
	return Object.fromEntries(Object.entries(json).filter(([, v]) => v !== undefined)) as T;
}

export function eventJson(event: ConsentEvent): IDataObject {
	return compact({
		id: event.id,
		contact: event.contact,
		purpose: event.purpose,
		action: event.action,
		at: iso(event.at),
		effectiveAt: iso(event.effectiveAt),
		source: event.source,
		wording: event.wording,
		evidence: event.evidence as IDataObject | undefined,
		reason: event.reason,
		recordedBy: event.recordedBy,
		recordedAt: iso(event.recordedAt),
		applied: event.applied,
		statusAfter: event.statusAfter,
		eventKey: event.eventKey,
	});
}
