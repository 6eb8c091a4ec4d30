import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { MINUTE } from '../../../core/clock';
import type { SentMessage } from '../../../core/model';
import { PENDING_SEND_STALE_AFTER_MS } from '../../../core/policy';
import type { Batch } from '../batch';
import { iso, itemError, showFor } from '../common';

/** Sends read from the store per call. */
const PAGE = 1000;

/** Older Than by default: a younger send may still be on its way (the idempotency policy). */
const OLDER_THAN_MINUTES = PENDING_SEND_STALE_AFTER_MS / MINUTE;

export const description: INodeProperties[] = showFor(
	'send',
	['getUnconfirmed'],
	[
		{
			displayName:
				"A message is unconfirmed when its request left but neither Meta's answer nor a status webhook was recorded: the execution stopped (a crash, a restart) or the answer was lost. Its idempotency key stays held (send_unconfirmed), so a re-run never sends it twice. The Webhook Trigger confirms most of them once Meta reports their status; check the rest in the contact's chat or WhatsApp Manager before releasing them.",
			name: 'unconfirmedNotice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Older Than (Minutes)',
			name: 'olderThanMinutes',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: OLDER_THAN_MINUTES,
			description:
				'Only messages whose request left at least this long ago; younger ones may still be on their way',
		},
	],
);

/** One item per unconfirmed send, oldest first; runs once, paired with the first input item. */
export async function execute(this: IExecuteFunctions, batch: Batch): Promise<void> {
	if (batch.items.length === 0) return;
	const minutes = Number(this.getNodeParameter('olderThanMinutes', 0, OLDER_THAN_MINUTES));
	if (!Number.isFinite(minutes) || minutes < 0) {
		throw itemError(
			this,
			0,
			`Older Than (Minutes) must be a number of minutes of 0 or more; it is ${JSON.stringify(minutes)}`,
			'Enter how long ago the request must have left, e.g. 5.',
		);
	}
	const store = await batch.store();
	const before = batch.now - Math.round(minutes * MINUTE);
	let after: { createdAt: number; idempotencyKey: string } | undefined;
	for (;;) {
		const page = await store.listUnconfirmedSends({ before, after, limit: PAGE });
		for (const send of page) batch.emit(0, unconfirmedJson(send));
		if (page.length < PAGE) return;
		const last = page[page.length - 1];
		after = { createdAt: last.createdAt, idempotencyKey: last.idempotencyKey };
	}
}

function unconfirmedJson(send: SentMessage) {
	return {
		idempotencyKey: send.idempotencyKey,
		phoneNumberId: send.sender,
		contact: send.contact,
		kind: send.kind,
		category: send.category,
		requestLeftAt: iso(send.createdAt),
		callbackId: send.callbackId ?? null,
	};
}
