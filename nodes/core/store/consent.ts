import type { ConsentAction, ConsentEventInput, ConsentRecord, ConsentStatus } from '../model';

/** The status an action leads to when it applies. */
export const STATUS_OF_ACTION: Readonly<Record<ConsentAction, ConsentStatus>> = {
	opt_in: 'opted_in',
	request_confirmation: 'pending',
	confirm: 'opted_in',
	opt_out: 'opted_out',
};

/**
 * Which status wins when two events carry the same `at`: the more restrictive one, so an opt-out
 * wins every tie, and the outcome does not depend on which of two racing writers came first.
 */
const TIE_RANK: Readonly<Record<ConsentStatus, number>> = { pending: 1, opted_in: 2, opted_out: 3 };

export interface ConsentDecision {
	/** Whether the event changes the current status (false: kept in the history only). */
	applied: boolean;
	/** The purpose's status after the event; undefined while the purpose has none. */
	statusAfter?: ConsentStatus;
	/** The new current record when applied. */
	record?: ConsentRecord;
}

/**
 * The store's consent rule (both backends; the PostgreSQL function in migrations.ts mirrors it):
 * the event with the latest `at` decides; on equal `at` the more restrictive status wins (opt-out
 * first); a `confirm` applies only to a pending purpose (double opt-in). Timestamps are kept across
 * changes: optedInAt is the first opt-in or request, confirmedAt / optedOutAt the latest of each.
 */
export function decideConsent(
	current: ConsentRecord | undefined,
	event: ConsentEventInput,
): ConsentDecision {
	const target = STATUS_OF_ACTION[event.action];
	if (!current) {
		if (event.action === 'confirm') return { applied: false };
	} else {
		const newer =
			event.at > current.changedAt ||
			(event.at === current.changedAt && TIE_RANK[target] > TIE_RANK[current.status]);
		const confirmable = event.action !== 'confirm' || current.status === 'pending';
		if (!newer || !confirmable) return { applied: false, statusAfter: current.status };
	}
	const record: ConsentRecord = {
		contact: event.contact,
		purpose: event.purpose,
		status: target,
		changedAt: event.at,
		source: event.source,
	};
	if (event.wording !== undefined) record.wording = event.wording;
	const optedInAt = current?.optedInAt ?? (event.action !== 'opt_out' ? event.at : undefined);
	const confirmedAt = event.action === 'confirm' ? event.at : current?.confirmedAt;
	const optedOutAt = event.action === 'opt_out' ? event.at : current?.optedOutAt;
	if (optedInAt !== undefined) record.optedInAt = optedInAt;
	if (confirmedAt !== undefined) record.confirmedAt = confirmedAt;
	if (optedOutAt !== undefined) record.optedOutAt = optedOutAt;
	return { applied: true, statusAfter: target, record };
}
