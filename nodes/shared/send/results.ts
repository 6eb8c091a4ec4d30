/**
 * The output contract of both send nodes: every item on either output has the same fields, in the
 * same order, whichever node made it. A field the node can produce is always there, null when it
 * has no value; the node's own fields follow the common ones; the input item comes last, whole,
 * under `input` (never spread, so its fields cannot collide with ours).
 */
import type { IDataObject } from 'n8n-workflow';

import type { SendMessageResponse } from '../../core/client/types';
import type { SentMessage } from '../../core/model';
import type { Hold, PriceEstimate } from '../../core/policy';
import type { SendJob, Allowed } from './job';

/** What happened to the item. */
export type ResultKind = 'sent' | 'duplicate' | 'dry_run' | 'skipped';

export function iso(ms: number | undefined): string | null {
	return ms === undefined ? null : new Date(ms).toISOString();
}

interface Common {
	result: ResultKind;
	message?: string;
	hold?: Hold;
	wamid?: string;
	messageStatus?: string;
	sentAt?: number;
	waId?: string;
	userId?: string;
	category?: string;
	price?: PriceEstimate;
	estimatedPrice?: number;
	currency?: string;
}

function resultJson(job: SendJob, c: Common, own: IDataObject, input: IDataObject): IDataObject {
	const price = c.price;
	return {
		result: c.result,
		message: c.message ?? c.hold?.message ?? null,
		reason: c.hold?.reason ?? null,
		rule: c.hold?.rule ?? null,
		retryAt: iso(c.hold?.retryAt),
		wamid: c.wamid ?? null,
		messageStatus: c.messageStatus ?? null,
		sentAt: iso(c.sentAt),
		to: job.recipient.address,
		contact: job.recipient.contact,
		waId: c.waId ?? null,
		userId: c.userId ?? null,
		phoneNumberId: job.sender,
		idempotencyKey: job.idempotencyKey,
		messageType: job.messageType,
		category: c.category ?? null,
		estimatedPrice: price?.estimatedPrice ?? c.estimatedPrice ?? null,
		currency: price?.currency ?? c.currency ?? null,
		billable: price?.billable ?? null,
		pricingCategory: price?.pricingCategory ?? null,
		pricingType: price?.pricingType ?? null,
		...own,
		input,
	};
}

/** The address Meta reported for the contact, or the one we sent to. */
function addressed(job: SendJob, response?: SendMessageResponse): Pick<Common, 'waId' | 'userId'> {
	const contact = response?.contacts?.[0];
	if (contact) return { waId: contact.wa_id, userId: contact.user_id };
	return job.recipient.field === 'to'
		? { waId: job.recipient.contact }
		: { userId: job.recipient.contact };
}

export function sentJson(
	job: SendJob,
	allowed: Allowed,
	response: SendMessageResponse,
	at: number,
	own: IDataObject,
	input: IDataObject,
): IDataObject {
	return resultJson(
		job,
		{
			result: 'sent',
			wamid: response.messages[0].id,
			messageStatus: response.messages[0].message_status,
			sentAt: at,
			...addressed(job, response),
			category: allowed.category,
			price: allowed.price,
		},
		own,
		input,
	);
}

export function dryRunJson(
	job: SendJob,
	allowed: Allowed,
	own: IDataObject,
	input: IDataObject,
): IDataObject {
	return resultJson(
		job,
		{
			result: 'dry_run',
			message: 'Dry run: the rules allow this message; nothing was sent.',
			category: allowed.category,
			price: allowed.price,
		},
		own,
		input,
	);
}

/** Sent before under the same idempotency key: the first send's message id, nothing sent now. */
export function duplicateJson(
	job: SendJob,
	existing: SentMessage,
	hold: Hold,
	own: IDataObject,
	input: IDataObject,
): IDataObject {
	return resultJson(
		job,
		{
			result: 'duplicate',
			hold,
			wamid: existing.wamid ?? hold.wamid,
			sentAt: existing.sentAt,
			...addressed(job),
			category: existing.category,
			estimatedPrice: existing.estimatedPrice,
			currency: existing.currency,
		},
		own,
		input,
	);
}

export function skippedJson(
	job: SendJob,
	hold: Hold & { category?: string },
	own: IDataObject,
	input: IDataObject,
): IDataObject {
	return resultJson(job, { result: 'skipped', hold, category: hold.category }, own, input);
}

/** An item whose idempotency key an earlier item of the batch has: it shares that item's result. */
export function sharedResultJson(
	first: IDataObject,
	firstIndex: number,
	input: IDataObject,
): IDataObject {
	const dryRun = first.result === 'dry_run';
	const skipped = first.result === 'skipped';
	return {
		...first,
		result: dryRun || skipped ? first.result : 'duplicate',
		message: skipped
			? first.message
			: dryRun
				? `Dry run: item ${firstIndex} has the same idempotency key, so a real run would send this message once, for both items; nothing was sent.`
				: `Item ${firstIndex} has the same idempotency key, so this message was sent once.`,
		input,
	};
}
