import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { Batch } from '../batch';
import { type Contact, contactJson } from '../contactFields';
import { compact, eventJson, iso } from '../json';
import { readContact } from '../parameters';
import { contactProperty, countryOptions, showFor } from '../properties';
import { NO_SENDER } from '../recording';

export const description: INodeProperties[] = showFor(
	'contact',
	['getHistory'],
	[
		contactProperty,
		{
			displayName: 'Output',
			name: 'output',
			type: 'options',
			options: [
				{
					name: 'One Item with the Whole Trail',
					value: 'trail',
					description:
						'The current consents and every change, oldest first, in one item per contact',
				},
				{
					name: 'One Item per Change',
					value: 'events',
					description: 'Each consent change as its own item, e.g. to write rows to a sheet',
				},
			],
			default: 'trail',
		},
		countryOptions(),
	],
);

/**
 * The proof trail of one contact (GDPR Art. 7): every consent change with its source, wording and
 * evidence, in the order the changes took effect, kept after withdrawal. One snapshot and one
 * history read for the whole batch.
 */
export async function execute(this: IExecuteFunctions, batch: Batch): Promise<void> {
	const read = batch.each((itemIndex) => ({
		contact: readContact(this, itemIndex),
		output: this.getNodeParameter('output', itemIndex, 'trail') === 'events' ? 'events' : 'trail',
	}));
	if (read.length === 0) return;

	const store = await batch.store();
	const contacts = [...new Set(read.map((r) => r.value.contact.contact))];
	const snapshot = await store.getSnapshot({
		sender: NO_SENDER,
		contacts,
		marketingSince: batch.now,
	});
	const histories = await store.getConsentHistories(contacts);

	for (const { itemIndex, value } of read) {
		const history = histories.get(value.contact.contact) ?? [];
		if (value.output === 'events') {
			for (const event of history) batch.emit(itemIndex, eventJson(event));
			continue;
		}
		const entry = snapshot.contacts.get(value.contact.contact);
		batch.emit(itemIndex, {
			...contactJson(value.contact),
			suppressed: entry?.suppressed ?? false,
			events: history.length,
			consents: (entry?.consents ?? []).map((c) =>
				compact({
					purpose: c.purpose,
					status: c.status,
					changedAt: iso(c.changedAt),
					source: c.source,
					wording: c.wording,
				}),
			),
			trail: history.map(eventJson),
			message: trailMessage(value.contact, history.length, entry?.suppressed ?? false),
		});
	}
}

function trailMessage(contact: Contact, events: number, suppressed: boolean): string {
	const who = contact.phone ?? contact.contact;
	if (suppressed) {
		return `${who} was erased (GDPR Art. 17): no history is kept, only a hash on the suppression list that blocks every send.`;
	}
	if (events === 0) return `No consent change is on record for ${who}.`;
	return `${events} consent change${events === 1 ? '' : 's'} on record for ${who}, oldest first.`;
}
