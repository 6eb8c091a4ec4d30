/** The items the node puts out: sent, duplicate, dry run, skipped, and item errors. */
import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type NodeApiError,
} from 'n8n-workflow';

import type { OutboundMessage, SendMessageResponse } from '../core/graph/types';
import type { SentMessage } from '../core/model';
import {
	checkIdempotency,
	type Hold,
	type PriceEstimate,
	type TemplateSendDecision,
} from '../core/policy';
import type { TemplateDefinition } from '../core/wire';
import { toNodeError } from '../shared/errors';
import type { Prepared } from './item';

export type NodeError = NodeApiError | NodeOperationError;

/** An item whose payload is built (undefined: its template is unknown, the rules hold it). */
export interface Ready {
	readonly p: Prepared;
	readonly definition: TemplateDefinition | undefined;
	readonly payload: OutboundMessage | undefined;
}

export type Allowed = Extract<TemplateSendDecision, { allowed: true }>;

export type Outcome =
	| { readonly output: 'sent' | 'skipped'; readonly json: IDataObject }
	| { readonly output: 'error'; readonly error: NodeError };

function iso(ms: number | undefined): string | null {
	return ms === undefined ? null : new Date(ms).toISOString();
}

function common(r: Ready): IDataObject {
	return {
		to: r.p.recipient.address,
		contact: r.p.recipient.contact,
		sender: r.p.sender,
		template: r.p.template.name,
		language: r.p.template.language,
		idempotencyKey: r.p.idempotencyKey,
	};
}

function priceJson(price: PriceEstimate): IDataObject {
	return {
		estimatedPrice: price.estimatedPrice,
		currency: price.currency,
		billable: price.billable,
		pricingCategory: price.pricingCategory,
		pricingType: price.pricingType,
	};
}

export function sentJson(
	r: Ready,
	decision: Allowed,
	response: SendMessageResponse,
	at: number,
): IDataObject {
	const contact = response.contacts?.[0];
	return {
		result: 'sent',
		wamid: response.messages[0].id,
		messageStatus: response.messages[0].message_status ?? null,
		waId: contact?.wa_id ?? null,
		userId: contact?.user_id ?? null,
		...common(r),
		category: decision.category,
		categoryChanged: decision.categoryChanged,
		...priceJson(decision.price),
		sentAt: iso(at),
	};
}

export function dryRunJson(r: Ready, decision: Allowed): IDataObject {
	return {
		result: 'dry_run',
		message: 'Dry run: the rules allow this message; nothing was sent.',
		...common(r),
		category: decision.category,
		categoryChanged: decision.categoryChanged,
		...priceJson(decision.price),
		payload: (r.payload ?? null) as IDataObject | null,
	};
}

export function duplicateJson(r: Ready, existing: SentMessage, hold: Hold): IDataObject {
	return {
		result: 'duplicate',
		wamid: existing.wamid ?? null,
		messageStatus: null,
		waId: r.p.recipient.field === 'to' ? r.p.recipient.contact : null,
		userId: r.p.recipient.field === 'recipient' ? r.p.recipient.contact : null,
		...common(r),
		category: existing.category,
		estimatedPrice: existing.estimatedPrice ?? null,
		currency: existing.currency ?? null,
		sentAt: iso(existing.sentAt),
		message: hold.message,
	};
}

export function skippedJson(
	r: Ready,
	hold: Hold & { category?: string },
	items: INodeExecutionData[],
): IDataObject {
	return {
		result: 'skipped',
		reason: hold.reason,
		rule: hold.rule,
		message: hold.message,
		retryAt: iso(hold.retryAt),
		...common(r),
		category: hold.category ?? null,
		...(r.p.dryRun ? { payload: (r.payload ?? null) as IDataObject | null } : {}),
		input: items[r.p.index].json,
	};
}

/**
 * A key another execution claimed between the store read and the claim. The store claims failed
 * keys again itself, so one it did not claim is pending or accepted: the idempotency rule holds it.
 */
export function claimedElsewhere(
	r: Ready,
	existing: SentMessage,
	items: INodeExecutionData[],
	now: number,
): Outcome {
	const { p } = r;
	const hold = checkIdempotency(
		{ contact: p.recipient.input, idempotencyKey: p.idempotencyKey, existing },
		now,
	) as Hold;
	return hold.reason === 'duplicate'
		? { output: 'sent', json: duplicateJson(r, existing, hold) }
		: { output: 'skipped', json: skippedJson(r, hold, items) };
}

export function sendError(
	node: ReturnType<IExecuteFunctions['getNode']>,
	error: unknown,
	p: Prepared,
	outcomeUnknown: boolean,
): NodeError {
	const nodeError = toNodeError(node, error, p.index);
	if (outcomeUnknown) {
		nodeError.description = [
			nodeError.description,
			`Meta may have accepted this message, so its idempotency key "${p.idempotencyKey}" stays claimed and a re-run does not send it again. Check its status in the Webhook Trigger, or send it with a new idempotency key.`,
		]
			.filter(Boolean)
			.join(' ');
	}
	return nodeError;
}

export function sameKeyOutcome(
	node: ReturnType<IExecuteFunctions['getNode']>,
	index: number,
	first: Ready,
	firstOutcome: Outcome | undefined,
	items: INodeExecutionData[],
): Outcome {
	if (firstOutcome?.output === 'sent') {
		const dryRun = firstOutcome.json.result === 'dry_run';
		return {
			output: 'sent',
			json: {
				...firstOutcome.json,
				result: dryRun ? 'dry_run' : 'duplicate',
				message: dryRun
					? `Dry run: item ${first.p.index} has the same idempotency key, so a real run would send this message once, for both items; nothing was sent.`
					: `Item ${first.p.index} has the same idempotency key, so this message was sent once.`,
			},
		};
	}
	if (firstOutcome?.output === 'skipped') {
		return { output: 'skipped', json: { ...firstOutcome.json, input: items[index].json } };
	}
	return {
		output: 'error',
		error: new NodeOperationError(
			node,
			`[item ${index}] Not sent: item ${first.p.index} has the same idempotency key "${first.p.idempotencyKey}" and failed`,
			{ itemIndex: index, description: 'Fix item ' + first.p.index + ' and run again.' },
		),
	};
}
