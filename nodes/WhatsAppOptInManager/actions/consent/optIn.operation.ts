import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ConsentAction } from '../../../core/model';
import type { Batch } from '../batch';
import {
	byItem,
	purposeJson,
	purposeOutcome,
	sideSentences,
	statusAfter,
	suppressedSentence,
	type PurposeOutcome,
} from '../changes';
import { type Contact, contactJson, shown } from '../contactFields';
import { iso, listWords } from '../json';
import {
	itemError,
	readContact,
	readEvidence,
	readPurposes,
	readSource,
	readText,
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
import { type PlannedEvent, planEvents, recordEvents } from '../recording';

export const description: INodeProperties[] = showFor(
	'consent',
	['optIn'],
	[
		contactProperty,
		purposesProperty,
		topicsProperty,
		sourceProperty(
			'web_form',
			'Where the contact gave consent; use an expression for a source of your own',
		),
		{
			displayName: 'Wording',
			name: 'wording',
			type: 'string',
			typeOptions: { rows: 3 },
			default: '',
			required: true,
			placeholder: 'e.g. Yes, send me offers and news on WhatsApp. I can unsubscribe at any time.',
			description: 'The exact text the contact saw and agreed to, kept as proof',
		},
		{
			displayName: 'Double Opt-In',
			name: 'doubleOptIn',
			type: 'boolean',
			default: false,
			description:
				'Whether the contact still has to confirm on WhatsApp: the opt-in stays pending, and permits no marketing, until Confirm Opt-In records their reply',
		},
		evidenceProperty,
		countryOptions(timeOption('When the contact gave consent')),
	],
);

interface OptIn {
	contact: Contact;
	action: ConsentAction;
	at: number;
	source: string;
	events: PlannedEvent[];
}

/** Records opt-ins (or pending double opt-ins) for every purpose of every item, in one store call. */
export async function execute(this: IExecuteFunctions, batch: Batch): Promise<void> {
	const by = recordedBy(this);
	const read = batch.each((itemIndex): OptIn => {
		const contact = readContact(this, itemIndex);
		const purposes = readPurposes(this, itemIndex);
		const source = readSource(this, itemIndex, 'web_form');
		const wording = readText(this, itemIndex, 'wording');
		if (!wording) {
			throw itemError(
				this,
				itemIndex,
				'Wording is empty',
				'Paste the exact text the contact agreed to (the checkbox label or the message): it is the proof of consent.',
			);
		}
		const doubleOptIn = this.getNodeParameter('doubleOptIn', itemIndex, false) === true;
		const at = readTime(this, itemIndex, 'options.time', batch.now, { label: 'Time' });
		const evidence = readEvidence(this, itemIndex);
		const action: ConsentAction = doubleOptIn ? 'request_confirmation' : 'opt_in';
		const events = planEvents(itemIndex, {
			contact,
			purposes,
			action,
			at,
			source,
			wording,
			evidence,
			recordedBy: by,
		});
		return { contact, action, at, source, events };
	});
	if (read.length === 0) return;

	const store = await batch.store();
	const outcomes = byItem(
		await recordEvents(
			store,
			read.flatMap((r) => r.value.events),
			batch.now,
		),
	);
	for (const { itemIndex, value } of read) {
		const purposes = (outcomes.get(itemIndex) ?? []).map(purposeOutcome);
		const pending = value.action === 'request_confirmation';
		batch.emit(itemIndex, {
			...contactJson(value.contact),
			recorded: purposes.every((p) => p.recorded),
			applied: purposes.every((p) => p.applied),
			status: statusAfter(purposes),
			doubleOptIn: pending,
			time: iso(value.at),
			source: value.source,
			purposes: purposes.map(purposeJson),
			message: optInMessage(value, purposes),
		});
	}
}

function optInMessage(optIn: OptIn, purposes: PurposeOutcome[]): string {
	if (purposes.some((p) => p.skipped === 'suppressed')) {
		return suppressedSentence(optIn.contact, 'The opt-in');
	}
	const recorded = purposes.filter((p) => p.recorded && p.applied).map((p) => p.purpose);
	const sentences: string[] = [];
	if (recorded.length > 0) {
		const who = shown(optIn.contact);
		sentences.push(
			optIn.action === 'request_confirmation'
				? `Opt-in of ${who} to ${listWords(recorded)} recorded as pending (source: ${optIn.source}): send the double opt-in confirmation request (a utility template) and record their reply with Confirm Opt-In; no marketing is sent until then.`
				: `Opt-in of ${who} to ${listWords(recorded)} recorded (source: ${optIn.source}).`,
		);
	}
	return [...sentences, ...sideSentences(purposes)].join(' ');
}
