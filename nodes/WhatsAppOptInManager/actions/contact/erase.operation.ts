import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { EraseReport } from '../../../core/store/types';
import type { Batch } from '../batch';
import { iso } from '../json';
import { readContact } from '../parameters';
import { contactProperty, countryOptions, showFor } from '../properties';

/** Contacts per store call: one transaction each, short enough not to hold the store's lock long. */
const ERASE_CHUNK = 1000;

export const description: INodeProperties[] = showFor(
	'contact',
	['erase'],
	[
		{
			displayName:
				"Erasure cannot be undone: the contact's consents, proof trail and windows are deleted. A keyed hash of the number stays on the suppression list so the number is never messaged again.",
			name: 'eraseNotice',
			type: 'notice',
			default: '',
		},
		contactProperty,
		countryOptions(),
	],
);

/**
 * GDPR Art. 17: deletes the contact's personal data from the store and keeps only a keyed hash,
 * so sends to the number stay blocked. The result says what was erased and leaves the number out.
 * All items in one store call (per ERASE_CHUNK contacts); an item naming a contact an earlier item
 * erased reports that erasure again.
 */
export async function execute(this: IExecuteFunctions, batch: Batch): Promise<void> {
	const read = batch.each((itemIndex) => readContact(this, itemIndex));
	if (read.length === 0) return;
	const store = await batch.store();
	const reports = new Map<string, EraseReport>();
	const contacts = [...new Set(read.map((r) => r.value.contact))];
	for (let start = 0; start < contacts.length; start += ERASE_CHUNK) {
		const chunk = contacts.slice(start, start + ERASE_CHUNK);
		const erased = await store.eraseContacts(chunk, batch.now);
		chunk.forEach((contact, i) => reports.set(contact, erased[i]));
	}
	for (const { itemIndex, value } of read) {
		const report = reports.get(value.contact)!;
		batch.emit(itemIndex, {
			erased: true,
			contactHash: report.contactHash,
			erasedAt: iso(batch.now),
			deleted: {
				consentRecords: report.consentRecords,
				consentEvents: report.consentEvents,
				windows: report.windows,
			},
			sentMessagesAnonymised: report.sentMessagesAnonymised,
			costEntriesAnonymised: report.costEntriesAnonymised,
			alreadySuppressed: report.alreadySuppressed,
			message: eraseMessage(report),
		});
	}
}

function count(n: number, one: string, many = `${one}s`): string {
	return `${n} ${n === 1 ? one : many}`;
}

/** The erasure report in plain words. */
function eraseMessage(report: EraseReport): string {
	const deleted = [
		count(report.consentRecords, 'consent record'),
		`${count(report.consentEvents, 'consent change')} (the proof trail)`,
		count(report.windows, 'customer service window'),
	];
	const sentences = [
		`Erased the contact's personal data: deleted ${deleted.slice(0, -1).join(', ')} and ${deleted[deleted.length - 1]}.`,
	];
	if (report.costEntriesAnonymised > 0) {
		const n = report.costEntriesAnonymised;
		sentences.push(
			`${count(n, 'cost entry', 'cost entries')} ${n === 1 ? 'is' : 'are'} kept for the bill with the number replaced by its hash.`,
		);
	}
	if (report.sentMessagesAnonymised > 0) {
		sentences.push(
			`${count(report.sentMessagesAnonymised, 'sent message')} ${report.sentMessagesAnonymised === 1 ? 'is' : 'are'} kept for duplicate protection with the number replaced by its hash.`,
		);
	}
	sentences.push(
		report.alreadySuppressed
			? 'The number was already on the suppression list (erased before) and stays there: nothing is sent to it.'
			: 'Only a keyed hash of the number is kept, on the suppression list: nothing is sent to it again.',
	);
	return sentences.join(' ');
}
