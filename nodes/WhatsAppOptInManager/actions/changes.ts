import type { IDataObject } from 'n8n-workflow';

import type { ConsentStatus } from '../../core/model';
import { checkErasure } from '../../core/policy';
import { type Contact, shown } from './contactFields';
import { listWords } from './json';
import { type RecordOutcome } from './recording';

/** What happened to one purpose of a recorded change. */
export interface PurposeOutcome {
	purpose: string;
	/** Stored in the history. */
	recorded: boolean;
	/** Stored and now deciding the purpose's status. */
	applied: boolean;
	/** The purpose's status after the change (absent when it has none). */
	status?: ConsentStatus;
	skipped?: 'duplicate' | 'suppressed';
}

export function purposeOutcome(outcome: RecordOutcome): PurposeOutcome {
	const purpose = outcome.planned.event.purpose;
	if ('skipped' in outcome) {
		return { purpose, recorded: false, applied: false, skipped: outcome.skipped };
	}
	const { applied, statusAfter } = outcome.stored;
	return { purpose, recorded: true, applied, ...(statusAfter ? { status: statusAfter } : {}) };
}

/**
 * The status the change left, as the store answered it: the one status the recorded purposes
 * have after it, 'mixed' when they differ, null when nothing was recorded (repeats, erasure).
 */
export function statusAfter(outcomes: PurposeOutcome[]): ConsentStatus | 'mixed' | null {
	const known = new Set(outcomes.flatMap((o) => (o.status ? [o.status] : [])));
	if (known.size === 0) return null;
	return known.size === 1 ? [...known][0] : 'mixed';
}

export function purposeJson(outcome: PurposeOutcome): IDataObject {
	return { ...outcome };
}

/** Groups record outcomes by the item they came from. */
export function byItem(outcomes: RecordOutcome[]): Map<number, RecordOutcome[]> {
	const grouped = new Map<number, RecordOutcome[]>();
	for (const outcome of outcomes) {
		const list = grouped.get(outcome.planned.itemIndex) ?? [];
		list.push(outcome);
		grouped.set(outcome.planned.itemIndex, list);
	}
	return grouped;
}

/** The sentence for an erased contact, from the erasure rule, plus that nothing was recorded. */
export function suppressedSentence(contact: Contact, what: string): string {
	const hold = checkErasure({ contact: shown(contact), suppressed: true });
	return hold.allowed ? `${what} was not recorded.` : `${what} was not recorded. ${hold.message}`;
}

/**
 * The sentences about purposes that were skipped as repeats or kept in the history without
 * deciding the status (a newer change of the purpose exists).
 */
export function sideSentences(outcomes: PurposeOutcome[]): string[] {
	const sentences: string[] = [];
	const repeats = outcomes.filter((o) => o.skipped === 'duplicate').map((o) => o.purpose);
	if (repeats.length > 0) {
		sentences.push(
			`${listWords(repeats)}: recorded before with the same time and source, so skipped.`,
		);
	}
	for (const o of outcomes.filter((x) => x.recorded && !x.applied)) {
		sentences.push(
			o.status
				? `${o.purpose}: kept in the history, but a newer change decides its status (${o.status.replace('_', ' ')}).`
				: `${o.purpose}: kept in the history, but it changed nothing.`,
		);
	}
	return sentences;
}
