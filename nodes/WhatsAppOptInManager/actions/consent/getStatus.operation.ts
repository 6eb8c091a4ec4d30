import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { DAY } from '../../../core/clock';
import { FREQUENCY_CAP_DEFAULTS, windowStatus } from '../../../core/policy';
import { summarizeContactConsent } from '../../../core/policy/consentCheck';
import type { ContactSnapshot } from '../../../core/store/types';
import type { Batch } from '../batch';
import { type Contact, contactJson } from '../contactFields';
import { compact, iso } from '../json';
import { itemError, readContact, readText } from '../parameters';
import { contactProperty, countryOptions, showFor } from '../properties';
import { NO_SENDER } from '../recording';

/** Send Template's frequency cap period unless changed there, in days. */
const DEFAULT_CAP_DAYS = FREQUENCY_CAP_DEFAULTS.periodMs / DAY;
const MAX_CAP_DAYS = 366;

export const description: INodeProperties[] = showFor(
	'consent',
	['getStatus'],
	[
		contactProperty,
		countryOptions(
			{
				displayName: 'Frequency Cap Period (Days)',
				name: 'frequencyCapDays',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: MAX_CAP_DAYS },
				default: DEFAULT_CAP_DAYS,
				description: 'How far back marketing templates sent to the contact are counted',
			},
			{
				displayName: 'Sender Number ID',
				name: 'senderNumberId',
				type: 'string',
				default: '',
				placeholder: 'e.g. 106540352242922',
				description:
					'The business phone number ID whose customer service window with the contact to report; leave empty to leave the window out',
			},
		),
	],
);

interface StatusRequest {
	contact: Contact;
	sender?: string;
	capDays: number;
}

/**
 * Consent per purpose, full opt-out, erasure, the customer service window with one sender number
 * and the marketing templates sent in the frequency cap period. One store call per sender number
 * and period (usually one for the whole batch).
 */
export async function execute(this: IExecuteFunctions, batch: Batch): Promise<void> {
	const read = batch.each((itemIndex): StatusRequest => {
		const contact = readContact(this, itemIndex);
		const sender = readText(this, itemIndex, 'options.senderNumberId');
		if (sender !== undefined && !/^\d+$/.test(sender)) {
			throw itemError(
				this,
				itemIndex,
				`Sender Number ID "${sender.slice(0, 30)}" is not a phone number ID`,
				'Use the ID of the business phone number (digits only, WhatsApp Manager > Phone numbers), not the number itself.',
			);
		}
		const capDays = Number(
			this.getNodeParameter('options.frequencyCapDays', itemIndex, DEFAULT_CAP_DAYS),
		);
		if (!Number.isFinite(capDays) || capDays <= 0 || capDays > MAX_CAP_DAYS) {
			throw itemError(
				this,
				itemIndex,
				`Frequency Cap Period (Days) must be more than 0 and at most ${MAX_CAP_DAYS}, got ${String(capDays)}`,
				`Use the period of your frequency cap, ${DEFAULT_CAP_DAYS} days unless you changed it in Send Template.`,
			);
		}
		return { contact, sender, capDays };
	});
	if (read.length === 0) return;

	const store = await batch.store();
	const groups = new Map<string, typeof read>();
	for (const entry of read) {
		const key = JSON.stringify([entry.value.sender ?? NO_SENDER, entry.value.capDays]);
		groups.set(key, [...(groups.get(key) ?? []), entry]);
	}
	for (const group of groups.values()) {
		const { sender, capDays } = group[0].value;
		const since = batch.now - Math.round(capDays * DAY);
		const snapshot = await store.getSnapshot({
			sender: sender ?? NO_SENDER,
			contacts: group.map((g) => g.value.contact.contact),
			marketingSince: since,
		});
		for (const { itemIndex, value } of group) {
			const entry = snapshot.contacts.get(value.contact.contact) as ContactSnapshot;
			batch.emit(itemIndex, statusJson(value, entry, batch.now, since));
		}
	}
}

function statusJson(
	request: StatusRequest,
	entry: ContactSnapshot,
	now: number,
	since: number,
): IDataObject {
	const summary = summarizeContactConsent(
		{ records: entry.consents, suppressed: entry.suppressed },
		now,
	);
	const wording = new Map(entry.consents.map((c) => [c.purpose, c.wording]));
	const sent = entry.marketingSentAt;
	let window: IDataObject | null = null;
	if (request.sender) {
		const status = windowStatus(entry.window, now);
		window = compact({
			sender: request.sender,
			open: status.open,
			openUntil: iso(status.openUntil),
			lastInboundAt: iso(entry.window?.lastInboundAt),
		});
	}
	return {
		...contactJson(request.contact),
		asOf: iso(now),
		suppressed: summary.suppressed,
		fullOptOut: summary.fullOptOut
			? { at: iso(summary.fullOptOut.at), source: summary.fullOptOut.source }
			: null,
		canReceive: { ...summary.canReceive },
		purposes: summary.purposes.map((p) =>
			compact({
				purpose: p.purpose,
				status: p.status,
				recordedStatus: p.recordedStatus,
				changedAt: iso(p.changedAt),
				source: p.source,
				overriddenByFullOptOut: p.overriddenByFullOptOut,
				wording: wording.get(p.purpose),
				optedInAt: iso(p.optedInAt),
				confirmedAt: iso(p.confirmedAt),
				optedOutAt: iso(p.optedOutAt),
			}),
		),
		window,
		marketingSent: compact({
			count: sent.length,
			periodDays: request.capDays,
			since: iso(since),
			lastAt: iso(sent.length > 0 ? sent[sent.length - 1] : undefined),
		}),
	};
}
