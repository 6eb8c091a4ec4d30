import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ConsentEvidence, Purpose } from '../../../core/model';
import type { Batch } from '../batch';
import { byItem, purposeOutcome, suppressedSentence, type PurposeOutcome } from '../changes';
import { type Contact, contactJson, shown } from '../contactFields';
import { iso, listWords } from '../json';
import {
	readContact,
	readEvidence,
	readPurposes,
	readSource,
	readTime,
	recordedBy,
} from '../parameters';
import {
	contactProperty,
	countryOptions,
	evidenceProperty,
	purposesProperty,
	showFor,
	sourceProperty,
	timeOption,
	topicsProperty,
} from '../properties';
import { type PlannedEvent, NO_SENDER, planEvents, recordEvents } from '../recording';

const chosenOnly = { show: { confirmScope: ['chosen'] } };

export const description: INodeProperties[] = showFor(
	'consent',
	['confirm'],
	[
		contactProperty,
		{
			displayName: 'Confirm',
			name: 'confirmScope',
			type: 'options',
			options: [
				{
					name: 'All Pending Purposes',
					value: 'pending',
					description: "Every purpose waiting for this contact's confirmation",
				},
				{ name: 'Chosen Purposes', value: 'chosen' },
			],
			default: 'pending',
			description: "Which opt-ins the contact's reply confirms",
		},
		{ ...purposesProperty, displayOptions: chosenOnly },
		{ ...topicsProperty, displayOptions: chosenOnly },
		sourceProperty(
			'whatsapp',
			'Where the contact confirmed; use an expression for a source of your own',
		),
		evidenceProperty,
		countryOptions(timeOption('When the contact confirmed')),
	],
);

interface Confirmation {
	contact: Contact;
	at: number;
	source: string;
	/** Undefined: every pending purpose (looked up in the store). */
	purposes?: Purpose[];
	evidence?: ConsentEvidence;
}

/**
 * Records the contact's confirmation of a double opt-in. The store applies a confirmation only to a
 * pending purpose; the result says for each purpose whether it was confirmed and why not.
 */
export async function execute(this: IExecuteFunctions, batch: Batch): Promise<void> {
	const by = recordedBy(this);
	const read = batch.each((itemIndex): Confirmation => {
		const contact = readContact(this, itemIndex);
		const scope = this.getNodeParameter('confirmScope', itemIndex, 'pending');
		return {
			contact,
			at: readTime(this, itemIndex, 'options.time', batch.now, { label: 'Time' }),
			source: readSource(this, itemIndex, 'whatsapp'),
			purposes: scope === 'chosen' ? readPurposes(this, itemIndex) : undefined,
			evidence: readEvidence(this, itemIndex),
		};
	});
	if (read.length === 0) return;
	const store = await batch.store();

	// One read for the items that confirm "everything pending", one write for all.
	const lookUp = read
		.filter((r) => r.value.purposes === undefined)
		.map((r) => r.value.contact.contact);
	const snapshot =
		lookUp.length > 0
			? await store.getSnapshot({ sender: NO_SENDER, contacts: lookUp, marketingSince: batch.now })
			: undefined;
	const planned: PlannedEvent[] = [];
	const suppressed = new Set<number>();
	const targets = new Map<number, Purpose[]>();
	for (const { itemIndex, value } of read) {
		let purposes = value.purposes;
		if (!purposes) {
			const entry = snapshot?.contacts.get(value.contact.contact);
			if (entry?.suppressed) suppressed.add(itemIndex);
			purposes = (entry?.consents ?? [])
				.filter((c) => c.status === 'pending')
				.map((c) => c.purpose);
		}
		targets.set(itemIndex, purposes);
		planned.push(
			...planEvents(itemIndex, {
				contact: value.contact,
				purposes,
				action: 'confirm',
				at: value.at,
				source: value.source,
				evidence: value.evidence,
				recordedBy: by,
			}),
		);
	}
	const outcomes = byItem(await recordEvents(store, planned, batch.now));

	for (const { itemIndex, value } of read) {
		const results = (outcomes.get(itemIndex) ?? []).map(purposeOutcome).map(explain);
		const confirmed = results.length > 0 && results.every((r) => r.confirmed);
		batch.emit(itemIndex, {
			...contactJson(value.contact),
			confirmed,
			time: iso(value.at),
			source: value.source,
			purposes: results.map((r) => ({ ...r })),
			message: confirmMessage(value.contact, results, suppressed.has(itemIndex)),
		});
	}
}

type ConfirmReason =
	| 'confirmed'
	| 'not_requested'
	| 'already_opted_in'
	| 'opted_out'
	| 'older_than_request'
	| 'duplicate'
	| 'suppressed';

interface ConfirmResult {
	purpose: string;
	confirmed: boolean;
	reason: ConfirmReason;
	/** The purpose's status after the confirmation. */
	status?: string;
}

/** Why a confirmation did or did not apply, from what the store answered. */
function explain(outcome: PurposeOutcome): ConfirmResult {
	const { purpose, status } = outcome;
	const result = (confirmed: boolean, reason: ConfirmReason): ConfirmResult => ({
		purpose,
		confirmed,
		reason,
		...(status ? { status } : {}),
	});
	if (outcome.skipped) return result(false, outcome.skipped);
	if (outcome.applied) return result(true, 'confirmed');
	if (status === 'opted_in') return result(false, 'already_opted_in');
	if (status === 'opted_out') return result(false, 'opted_out');
	if (status === 'pending') return result(false, 'older_than_request');
	return result(false, 'not_requested');
}

const WHY: Record<Exclude<ConfirmReason, 'confirmed' | 'suppressed'>, string> = {
	not_requested: 'no opt-in was requested, so there is nothing to confirm',
	already_opted_in: 'already opted in, nothing was pending',
	opted_out: 'the contact opted out; a confirmation does not undo an opt-out, a new opt-in does',
	older_than_request:
		'the confirmation is older than the pending request, so it does not confirm it',
	duplicate: 'this confirmation was recorded before',
};

function confirmMessage(contact: Contact, results: ConfirmResult[], suppressed: boolean): string {
	const who = shown(contact);
	if (suppressed || results.some((r) => r.reason === 'suppressed')) {
		return suppressedSentence(contact, 'The confirmation');
	}
	if (results.length === 0) {
		return `Nothing to confirm: ${who} has no opt-in waiting for confirmation. Record the opt-in with Double Opt-In first, or record an Opt In.`;
	}
	const sentences: string[] = [];
	const done = results.filter((r) => r.confirmed).map((r) => r.purpose);
	if (done.length > 0) {
		sentences.push(`${who} confirmed ${listWords(done)}: the opt-in is active now.`);
	}
	for (const r of results) {
		if (r.reason !== 'confirmed') {
			sentences.push(`${r.purpose} not confirmed: ${WHY[r.reason as keyof typeof WHY]}.`);
		}
	}
	return sentences.join(' ');
}
