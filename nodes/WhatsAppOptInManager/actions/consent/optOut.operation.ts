import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { ALL_PURPOSES, type Purpose } from '../../../core/model';
import type { Batch } from '../batch';
import {
	byItem,
	purposeJson,
	purposeOutcome,
	sideSentences,
	suppressedSentence,
	type PurposeOutcome,
} from '../changes';
import {
	type Contact,
	type PlannedEvent,
	contactJson,
	contactProperty,
	countryOptions,
	evidenceProperty,
	iso,
	listWords,
	planEvents,
	purposesProperty,
	readContact,
	readEvidence,
	readPurposes,
	readSource,
	readText,
	readTime,
	recordEvents,
	recordedBy,
	showFor,
	shown,
	sourceProperty,
	timeOption,
	topicsProperty,
} from '../common';

const chosenOnly = { show: { optOutScope: ['chosen'] } };

export const description: INodeProperties[] = showFor(
	'consent',
	['optOut'],
	[
		contactProperty,
		{
			displayName: 'Opt Out Of',
			name: 'optOutScope',
			type: 'options',
			options: [
				{
					name: 'All Purposes',
					value: 'all',
					description:
						'Like a STOP message: no template of any kind until the contact opts in again',
				},
				{
					name: 'Chosen Purposes',
					value: 'chosen',
					description:
						'Only the purposes you choose, e.g. marketing: utility templates can still be sent',
				},
			],
			default: 'all',
		},
		{ ...purposesProperty, displayOptions: chosenOnly },
		{ ...topicsProperty, displayOptions: chosenOnly },
		{
			displayName: 'Reason',
			name: 'reason',
			type: 'string',
			default: '',
			placeholder: 'e.g. Asked by email to stop promotions',
			description: 'Why the contact opted out, kept in the history',
		},
		sourceProperty(
			'whatsapp',
			'Where the contact opted out; use an expression for a source of your own',
		),
		evidenceProperty,
		countryOptions(timeOption('When the contact opted out')),
	],
);

interface OptOut {
	contact: Contact;
	all: boolean;
	at: number;
	source: string;
	events: PlannedEvent[];
}

/** Records opt-outs of all purposes ("*", like STOP) or of the chosen ones, in one store call. */
export async function execute(this: IExecuteFunctions, batch: Batch): Promise<void> {
	const by = recordedBy(this);
	const read = batch.each((itemIndex): OptOut => {
		const contact = readContact(this, itemIndex);
		const all = this.getNodeParameter('optOutScope', itemIndex, 'all') !== 'chosen';
		const purposes: Purpose[] = all ? [ALL_PURPOSES] : readPurposes(this, itemIndex);
		const source = readSource(this, itemIndex, 'whatsapp');
		const reason = readText(this, itemIndex, 'reason');
		const at = readTime(this, itemIndex, 'options.time', batch.now, { label: 'Time' });
		const evidence = readEvidence(this, itemIndex);
		const events = planEvents(itemIndex, {
			contact,
			purposes,
			action: 'opt_out',
			at,
			source,
			reason,
			evidence,
			recordedBy: by,
		});
		return { contact, all, at, source, events };
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
		batch.emit(itemIndex, {
			...contactJson(value.contact),
			optedOut: purposes.every((p) => p.recorded && p.applied),
			scope: value.all ? 'all' : 'chosen',
			time: iso(value.at),
			source: value.source,
			purposes: purposes.map(purposeJson),
			message: optOutMessage(value, purposes),
		});
	}
}

function optOutMessage(optOut: OptOut, purposes: PurposeOutcome[]): string {
	if (purposes.some((p) => p.skipped === 'suppressed')) {
		return suppressedSentence(optOut.contact, 'The opt-out');
	}
	const who = shown(optOut.contact);
	const done = purposes.filter((p) => p.recorded && p.applied).map((p) => p.purpose);
	const sentences: string[] = [];
	if (optOut.all && done.length > 0) {
		sentences.push(
			`${who} opted out of all messages (source: ${optOut.source}): no template is sent to them until they opt in again, and a reply only when they write again.`,
		);
	} else if (done.length > 0) {
		sentences.push(
			`${who} opted out of ${listWords(done)} (source: ${optOut.source}): templates for ${done.length === 1 ? 'it' : 'them'} are no longer sent.`,
		);
	}
	const side = sideSentences(purposes).map((s) => s.replace(/^\*:/, 'all purposes:'));
	return [...sentences, ...side].join(' ');
}
