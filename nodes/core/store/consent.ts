import { MINUTE } from '../clock';
import type { ConsentAction, ConsentEventInput, ConsentRecord, ConsentStatus } from '../model';

/** The status an action leads to when it applies. */
export const STATUS_OF_ACTION: Readonly<Record<ConsentAction, ConsentStatus>> = {
	opt_in: 'opted_in',
	request_confirmation: 'pending',
	confirm: 'opted_in',
	opt_out: 'opted_out',
};

/**
 * How much earlier than the pending request a `confirm` may be stamped and still answer it. A
 * confirmation cannot come before the request it answers, so an earlier time is clock granularity
 * or skew: Meta stamps messages in whole seconds, while the request carries milliseconds of the
 * host's clock, which may also run ahead of Meta's. A confirm older than this stays history-only.
 */
export const CONFIRMATION_SKEW_ALLOWANCE = 5 * MINUTE;

/**
 * Which status wins when two events carry the same `at`: the more restrictive one, so an opt-out
 * wins every tie, and the outcome does not depend on which of two racing writers came first.
 */
const TIE_RANK: Readonly<Record<ConsentStatus, number>> = { pending: 1, opted_in: 2, opted_out: 3 };

export interface ConsentDecision {
	/** Whether the event changes the current status (false: kept in the history only). */
	applied: boolean;
	/**
	 * The time the event is stored with: its own `at`, except for a confirm stamped slightly before
	 * the request it confirms, which takes the request's time (see CONFIRMATION_SKEW_ALLOWANCE).
	 */
	at: number;
	/** The purpose's status after the event; undefined while the purpose has none. */
	statusAfter?: ConsentStatus;
	/** The new current record when applied. */
	record?: ConsentRecord;
}

/**
 * The store's consent rule (both backends; the PostgreSQL function in migrations.ts mirrors it):
 * the event with the latest `at` decides; on equal `at` the more restrictive status wins (opt-out
 * first). A `confirm` (double opt-in) applies only to a pending purpose, and also when stamped up
 * to CONFIRMATION_SKEW_ALLOWANCE before the request, though never before the purpose's latest
 * opt-out; it then takes effect at max(its at, the request's time) and keeps the request's source
 * and wording on the record: what the contact consented to, not the label of the button tapped
 * (the history keeps the confirm's own wording and evidence). Timestamps are kept across changes:
 * optedInAt is the first opt-in or request, confirmedAt / optedOutAt the latest of each.
 */
export function decideConsent(
	current: ConsentRecord | undefined,
	event: ConsentEventInput,
): ConsentDecision {
	const target = STATUS_OF_ACTION[event.action];
	let at = event.at;
	if (event.action === 'confirm') {
		if (!current || !confirms(current, event.at)) {
			return current ? { applied: false, at, statusAfter: current.status } : { applied: false, at };
		}
		at = Math.max(event.at, current.changedAt);
	} else if (current) {
		const newer =
			event.at > current.changedAt ||
			(event.at === current.changedAt && TIE_RANK[target] > TIE_RANK[current.status]);
		if (!newer) return { applied: false, at, statusAfter: current.status };
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
	return { applied: true, at, statusAfter: target, record };
}

/** Whether a confirm stamped `at` answers the purpose's current (pending) request. */
function confirms(current: ConsentRecord, at: number): boolean {
	return (
		current.status === 'pending' &&
		at >= current.changedAt - CONFIRMATION_SKEW_ALLOWANCE &&
		// Opt-out wins ties, as everywhere else.
		(current.optedOutAt === undefined || at > current.optedOutAt)
	);
}
