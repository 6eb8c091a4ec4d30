import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { SentMessage } from '../../../core/model';
import type { SendsQuery } from '../../../core/store/types';
import type { Batch } from '../batch';
import { iso } from '../json';
import { itemError, parseTime, readText } from '../parameters';
import { showFor } from '../properties';

/** Sends read from the store per call. */
const PAGE = 1000;
const TEMPLATE_KIND_PREFIX = 'template:';

export const description: INodeProperties[] = showFor(
	'send',
	['getMany'],
	[
		{
			displayName: 'Return All',
			name: 'returnAll',
			type: 'boolean',
			default: false,
			description: 'Whether to return all results or only up to a given limit',
		},
		{
			displayName: 'Limit',
			name: 'limit',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 50,
			description: 'Max number of results to return',
			displayOptions: { show: { returnAll: [false] } },
		},
		{
			displayName: 'Filters',
			name: 'filters',
			type: 'collection',
			placeholder: 'Add Filter',
			default: {},
			options: [
				{
					displayName: 'Idempotency Key Prefix',
					name: 'keyPrefix',
					type: 'string',
					default: '',
					placeholder: 'e.g. spring-sale-2025',
					description:
						"Only messages whose idempotency key starts with this, e.g. the campaign ID given as the send node's Idempotency Key",
				},
				{
					displayName: 'Sent After',
					name: 'sentAfter',
					type: 'dateTime',
					default: '',
					description: 'Only messages whose request was made at or after this time',
				},
				{
					displayName: 'Sent Before',
					name: 'sentBefore',
					type: 'dateTime',
					default: '',
					description: 'Only messages whose request was made before this time',
				},
				{
					displayName: 'Template',
					name: 'template',
					type: 'string',
					default: '',
					placeholder: 'e.g. back_in_stock',
					description: "Only messages of this template (the template's name)",
				},
			],
		},
	],
);

/**
 * The sends the store recorded (whatever the send node's Sent Output kept), oldest first, one item
 * each; runs once, paired with the first input item.
 */
export async function execute(this: IExecuteFunctions, batch: Batch): Promise<void> {
	if (batch.items.length === 0) return;
	const returnAll = this.getNodeParameter('returnAll', 0, false) as boolean;
	const limit = returnAll ? Infinity : Number(this.getNodeParameter('limit', 0, 50));
	if (!returnAll && !(Number.isInteger(limit) && limit >= 1)) {
		throw itemError(
			this,
			0,
			`Limit must be a whole number of 1 or more; it is ${JSON.stringify(limit)}`,
			'Enter how many messages to return, e.g. 50, or turn on Return All.',
		);
	}
	const query = readFilters(this);
	const store = await batch.store();
	let emitted = 0;
	let after: SendsQuery['after'];
	for (;;) {
		const page = await store.listSends({ ...query, after, limit: Math.min(PAGE, limit - emitted) });
		for (const send of page) batch.emit(0, sentMessageJson(send));
		emitted += page.length;
		if (page.length < PAGE || emitted >= limit) return;
		const last = page[page.length - 1];
		after = { createdAt: last.createdAt, idempotencyKey: last.idempotencyKey };
	}
}

function readFilters(ctx: IExecuteFunctions): SendsQuery {
	const filters = (ctx.getNodeParameter('filters', 0, {}) ?? {}) as IDataObject;
	const keyPrefix = readText(ctx, 0, 'filters.keyPrefix');
	const template = readText(ctx, 0, 'filters.template');
	const time = (name: 'sentAfter' | 'sentBefore', label: string): number | undefined => {
		const value = filters[name];
		if (value === undefined || value === null || String(value).trim() === '') return undefined;
		const at = parseTime(value, ctx.getTimezone());
		if (at === undefined) {
			throw itemError(
				ctx,
				0,
				`${label} "${String(value).slice(0, 40)}" is not a date and time`,
				'Use ISO 8601 (e.g. 2025-06-01T10:30:00Z), epoch milliseconds or seconds.',
			);
		}
		return at;
	};
	return {
		...(keyPrefix ? { keyPrefix } : {}),
		...(template ? { kind: `${TEMPLATE_KIND_PREFIX}${template}` } : {}),
		from: time('sentAfter', 'Sent After'),
		to: time('sentBefore', 'Sent Before'),
	};
}

function sentMessageJson(send: SentMessage): IDataObject {
	return {
		idempotencyKey: send.idempotencyKey,
		phoneNumberId: send.sender,
		contact: send.contact,
		state: send.state,
		wamid: send.wamid ?? null,
		kind: send.kind,
		template: send.kind.startsWith(TEMPLATE_KIND_PREFIX)
			? send.kind.slice(TEMPLATE_KIND_PREFIX.length)
			: null,
		category: send.category,
		requestedAt: iso(send.createdAt),
		sentAt: iso(send.sentAt) ?? null,
		estimatedPrice: send.estimatedPrice ?? null,
		currency: send.currency ?? null,
		errorCode: send.errorCode ?? null,
	};
}
