/**
 * The store's consent rule, decided here and nowhere else: both backends read the current records
 * of a batch's contacts (under a lock), call decideConsentBatch, and write what it returns. Pure:
 * no I/O, no clock.
 */
import { CLOCK_SKEW_ALLOWANCE } from '../clock';
import {
	ALL_PURPOSES,
	type ConsentAction,
	type ConsentEvent,
	type ConsentEventInput,
	type ConsentRecord,
	type ConsentStatus,
} from '../model';

/** The status an action leads to when it applies. */
export const STATUS_OF_ACTION: Readonly<Record<ConsentAction, ConsentStatus>> = {
	opt_in: 'opted_in',
	request_confirmation: 'pending',
	confirm: 'opted_in',
	opt_out: 'opted_out',
};

/**
 * Which status wins when two changes take effect at the same time: the more restrictive one, so
 * an opt-out wins every tie, and the outcome does not depend on which of two racing writers came
 * first.
 */
const TIE_RANK: Readonly<Record<ConsentStatus, number>> = { pending: 1, opted_in: 2, opted_out: 3 };

export interface ConsentDecision {
	/** Whether the event changes the current status (false: kept in the history only). */
	applied: boolean;
	/** When it took effect, if later than its own `at` (see ConsentEvent.effectiveAt). */
	effectiveAt?: number;
	/** The purpose's status after the event; undefined while the purpose has none. */
	statusAfter?: ConsentStatus;
	/** The new current record when applied. */
	record?: ConsentRecord;
}

/**
 * The consent rule for one event, given every current record of its contact (all purposes: an
 * opt-out on ALL_PURPOSES depends on the others).
 *
 * - The latest change decides; on equal times the more restrictive status wins (opt-out first).
 * - Opt-out wins within the clock uncertainty: an opt-out overrides an opt-in, request or confirm
 *   stamped up to CLOCK_SKEW_ALLOWANCE later than itself (Meta's whole seconds, a host clock
 *   ahead of Meta's), and takes effect at the time of the latest change it overrides, so every
 *   later comparison (the next event here, the ALL_PURPOSES comparison in policy/consent.ts) sees
 *   it as the newer change. An opt-out on ALL_PURPOSES overrides in this way the changes of every
 *   purpose, an opt-out on a purpose only that purpose's. A change recorded after the opt-out with
 *   a newer time than it took effect at wins as usual (a START, a new opt-in).
 * - Double opt-in: a confirm applies only to a pending purpose, also when stamped up to
 *   CLOCK_SKEW_ALLOWANCE before the request, though never at or before the purpose's latest
 *   opt-out; it takes effect at max(its at, the request's time) and keeps the request's source
 *   and wording on the record: what the contact consented to, not the label of the button tapped
 *   (the history keeps the confirm's own wording and evidence).
 * - Timestamps are kept across changes: optedInAt is the first opt-in or request, confirmedAt and
 *   optedOutAt the latest of each (at the times the changes took effect).
 */
export function decideConsent(
	records: readonly ConsentRecord[],
	event: ConsentEventInput,
): ConsentDecision {
	const current = records.find((r) => r.purpose === event.purpose);
	const target = STATUS_OF_ACTION[event.action];
	const notApplied: ConsentDecision = current
		? { applied: false, statusAfter: current.status }
		: { applied: false };
	let at = event.at;
	if (event.action === 'confirm') {
		if (!current || !confirms(current, event.at)) return notApplied;
		at = Math.max(event.at, current.changedAt);
	} else {
		if (event.action === 'opt_out') at = optOutTakesEffect(records, event);
		const wins =
			!current ||
			at > current.changedAt ||
			(at === current.changedAt && TIE_RANK[target] > TIE_RANK[current.status]);
		if (!wins) return notApplied;
	}
	// A confirm keeps what the contact agreed to (the request's source and wording) on the record.
	const origin = event.action === 'confirm' ? current! : event;
	const record: ConsentRecord = {
		contact: event.contact,
		purpose: event.purpose,
		status: target,
		changedAt: at,
		source: origin.source,
	};
	if (origin.wording !== undefined) record.wording = origin.wording;
	const optedInAt = current?.optedInAt ?? (event.action !== 'opt_out' ? at : undefined);
	const confirmedAt = event.action === 'confirm' ? at : current?.confirmedAt;
	const optedOutAt = event.action === 'opt_out' ? at : current?.optedOutAt;
	if (optedInAt !== undefined) record.optedInAt = optedInAt;
	if (confirmedAt !== undefined) record.confirmedAt = confirmedAt;
	if (optedOutAt !== undefined) record.optedOutAt = optedOutAt;
	const decision: ConsentDecision = { applied: true, statusAfter: target, record };
	if (at !== event.at) decision.effectiveAt = at;
	return decision;
}

/**
 * When an opt-out takes effect: its own time, or the time of the latest opt-in, request or
 * confirm it overrides (one stamped at most CLOCK_SKEW_ALLOWANCE after it), whichever is later.
 */
function optOutTakesEffect(records: readonly ConsentRecord[], event: ConsentEventInput): number {
	const reach = event.at + CLOCK_SKEW_ALLOWANCE;
	let at = event.at;
	for (const r of records) {
		const inScope = event.purpose === ALL_PURPOSES || r.purpose === event.purpose;
		if (inScope && r.status !== 'opted_out' && r.changedAt <= reach) {
			at = Math.max(at, r.changedAt);
		}
	}
	return at;
}

/** Whether a confirm stamped `at` answers the purpose's current (pending) request. */
function confirms(current: ConsentRecord, at: number): boolean {
	return (
		current.status === 'pending' &&
		at >= current.changedAt - CLOCK_SKEW_ALLOWANCE &&
		// Opt-out wins ties, as everywhere else.
		(current.optedOutAt === undefined || at > current.optedOutAt)
	);
}

export interface ConsentBatchInput {
	/** The current records of the batch's contacts, all purposes (contacts without any may be missing). */
	current: ReadonlyMap<string, readonly ConsentRecord[]>;
	/** In the order they are to be applied. */
	events: readonly ConsentEventInput[];
	/** Event keys the store recorded before: events carrying one are skipped. */
	knownEventKeys: ReadonlySet<string>;
	/** Contacts on the suppression list (erased): their events are skipped. */
	suppressed: ReadonlySet<string>;
}

export type ConsentOutcome =
	| { event: ConsentEventInput; skipped: 'duplicate' | 'suppressed' }
	| ({ event: ConsentEventInput; skipped?: undefined } & Omit<ConsentDecision, 'record'>);

export interface ConsentBatchDecision {
	/** One per input event, in input order. */
	outcomes: ConsentOutcome[];
	/** The new current record of every (contact, purpose) the batch changed, as it ends. */
	records: ConsentRecord[];
}

/**
 * decideConsent over a batch, in order: each event sees the records as the events before it left
 * them. An event whose eventKey was recorded before, or came earlier in the batch, is skipped as a
 * duplicate; the events of an erased contact are skipped: storing them would bring back the
 * personal data erasure removed (and an erased contact cannot be opted in again this way).
 */
export function decideConsentBatch(input: ConsentBatchInput): ConsentBatchDecision {
	const byContact = new Map<string, ConsentRecord[]>();
	const changed = new Map<string, ConsentRecord>();
	const keys = new Set<string>();
	const outcomes = input.events.map((event): ConsentOutcome => {
		if (input.suppressed.has(event.contact)) return { event, skipped: 'suppressed' };
		if (event.eventKey !== undefined) {
			if (input.knownEventKeys.has(event.eventKey) || keys.has(event.eventKey)) {
				return { event, skipped: 'duplicate' };
			}
			keys.add(event.eventKey);
		}
		let records = byContact.get(event.contact);
		if (!records) {
			records = [...(input.current.get(event.contact) ?? [])];
			byContact.set(event.contact, records);
		}
		const { record, ...decision } = decideConsent(records, event);
		if (record) {
			const i = records.findIndex((r) => r.purpose === record.purpose);
			if (i >= 0) records[i] = record;
			else records.push(record);
			changed.set(JSON.stringify([record.contact, record.purpose]), record);
		}
		return { event, ...decision };
	});
	return { outcomes, records: [...changed.values()] };
}

/** When a stored event took effect: the order histories are read in. */
export function effectiveTime(event: Pick<ConsentEvent, 'at' | 'effectiveAt'>): number {
	return event.effectiveAt ?? event.at;
}
