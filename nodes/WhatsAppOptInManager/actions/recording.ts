import { createHash } from 'node:crypto';

import type {
	ConsentAction,
	ConsentEvent,
	ConsentEventInput,
	ConsentEvidence,
	ConsentSource,
	Purpose,
} from '../../core/model';
import type { ConsentStore, SnapshotStore } from '../../core/store/types';
import type { Contact } from './contactFields';

// Recording consent changes: one keyed event per purpose, written in chunks, each outcome told.

/**
 * The idempotency key of a consent change: the same contact, purpose, action, time and source is
 * one change, however often an import or a workflow records it.
 */
export function consentEventKey(
	event: Pick<ConsentEventInput, 'contact' | 'purpose' | 'action' | 'at' | 'source'>,
): string {
	const fields = [event.contact, event.purpose, event.action, event.at, event.source];
	return `c1:${createHash('sha256').update(JSON.stringify(fields)).digest('hex')}`;
}

export interface PlannedEvent {
	itemIndex: number;
	event: ConsentEventInput & { eventKey: string };
}

/** One item's consent change, for planEvents. */
export interface EventPlan {
	contact: Contact;
	purposes: readonly Purpose[];
	action: ConsentAction;
	at: number;
	source: ConsentSource;
	wording?: string;
	reason?: string;
	evidence?: ConsentEvidence;
	/** Who recorded it (recordedBy). */
	recordedBy: string;
}

/** One event per purpose of an item, each keyed by consentEventKey so a re-run skips it. */
export function planEvents(itemIndex: number, plan: EventPlan): PlannedEvent[] {
	return plan.purposes.map((purpose): PlannedEvent => {
		const fields = {
			contact: plan.contact.contact,
			purpose,
			action: plan.action,
			at: plan.at,
			source: plan.source,
		};
		return {
			itemIndex,
			event: {
				...fields,
				...(plan.wording ? { wording: plan.wording } : {}),
				...(plan.reason ? { reason: plan.reason } : {}),
				...(plan.evidence ? { evidence: plan.evidence } : {}),
				recordedBy: plan.recordedBy,
				eventKey: consentEventKey(fields),
			},
		};
	});
}

export type RecordOutcome =
	| { planned: PlannedEvent; stored: ConsentEvent }
	| { planned: PlannedEvent; skipped: 'duplicate' | 'suppressed' };

/**
 * Events per store call. One call per batch would hold the SQLite write lock for seconds on a
 * large import, and the webhook trigger, writing at the same time, gives up after the store's
 * busy timeout; a few thousand rows take a few tenths of a second.
 */
export const RECORD_CHUNK = 2000;

/** A sender number no business has: the snapshot then reports no window (consent only). */
export const NO_SENDER = '0';

/**
 * Records the events in store calls of RECORD_CHUNK and says for each what happened. The store
 * leaves out events whose key it knew (duplicates) and events of erased contacts (suppressed); a
 * snapshot of only those contacts tells the two apart.
 */
export async function recordEvents(
	store: ConsentStore & SnapshotStore,
	planned: PlannedEvent[],
	now: number,
): Promise<RecordOutcome[]> {
	const outcomes: RecordOutcome[] = [];
	for (let start = 0; start < planned.length; start += RECORD_CHUNK) {
		const chunk = planned.slice(start, start + RECORD_CHUNK);
		const stored = await store.recordConsent(chunk.map((p) => p.event));
		const byKey = new Map(stored.map((e) => [e.eventKey as string, e]));
		const missing: PlannedEvent[] = [];
		const chunkOutcomes: Array<RecordOutcome | PlannedEvent> = chunk.map((p) => {
			const event = byKey.get(p.event.eventKey);
			if (!event) {
				missing.push(p);
				return p;
			}
			// A key twice in one call is stored once: the first item has it, the rest are repeats.
			byKey.delete(p.event.eventKey);
			return { planned: p, stored: event };
		});
		const suppressed = await suppressedContacts(store, missing, now);
		for (const outcome of chunkOutcomes) {
			if ('planned' in outcome) outcomes.push(outcome);
			else {
				const skipped = suppressed.has(outcome.event.contact) ? 'suppressed' : 'duplicate';
				outcomes.push({ planned: outcome, skipped });
			}
		}
	}
	return outcomes;
}

async function suppressedContacts(
	store: SnapshotStore,
	missing: PlannedEvent[],
	now: number,
): Promise<Set<string>> {
	if (missing.length === 0) return new Set();
	const contacts = [...new Set(missing.map((p) => p.event.contact))];
	const snapshot = await store.getSnapshot({ sender: NO_SENDER, contacts, marketingSince: now });
	return new Set(contacts.filter((c) => snapshot.contacts.get(c)?.suppressed));
}
