/**
 * Shaping output items. Each keeps the input item's fields (a following node still finds the
 * trigger's contact and message) with the contact and sender number actually used, plus `sent`
 * (Sent output) or `notSent` (Window Closed output).
 */
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	NodeApiError,
	NodeOperationError,
} from 'n8n-workflow';

import type { WindowState } from '../core/model';
import { windowStatus, type Hold, type PriceEstimate } from '../core/policy';
import type { Snapshot } from '../core/store/types';
import { errorOutputItem } from '../shared/errors';
import { compact, type PreparedReply } from './prepare';

export type NodeError = NodeApiError | NodeOperationError;

export type Outcome =
	| { output: 'sent'; json: IDataObject }
	| { output: 'held'; json: IDataObject }
	| { output: 'error'; error: NodeError };

/** The input item, addressed: a Send Template node or another reply reads contact and number. */
export function identity(items: INodeExecutionData[], reply: PreparedReply): IDataObject {
	return {
		...items[reply.index].json,
		contact: reply.recipient.contact,
		phoneNumberId: reply.sender,
	};
}

export function alreadySent(
	items: INodeExecutionData[],
	reply: PreparedReply,
	decision: Hold,
	snapshot: Snapshot | undefined,
	sentAt?: number,
): Outcome {
	const at = sentAt ?? snapshot?.sends.get(reply.idempotencyKey)?.sentAt;
	return {
		output: 'sent',
		json: {
			...identity(items, reply),
			sent: compact({
				status: 'already_sent',
				wamid: decision.wamid,
				messageType: reply.type,
				to: reply.recipient.address,
				idempotencyKey: reply.idempotencyKey,
				sentAt: at === undefined ? undefined : iso(at),
				message: decision.message,
			}),
		},
	};
}

export function held(
	items: INodeExecutionData[],
	reply: PreparedReply,
	decision: Hold,
	window: WindowState | undefined,
	now: number,
	extra: IDataObject = {},
): Outcome {
	const status = windowStatus(window, now);
	return {
		output: 'held',
		json: {
			...identity(items, reply),
			notSent: {
				reason: decision.reason,
				rule: decision.rule,
				message: decision.message,
				messageType: reply.type,
				to: reply.recipient.address,
				// null while the window is open (held for another reason) or when the contact never wrote.
				closedAt: status.openUntil === undefined || status.open ? null : iso(status.openUntil),
				lastInboundAt: window ? iso(window.lastInboundAt) : null,
				...extra,
			},
		},
	};
}

export function pricingJson(price: PriceEstimate): IDataObject {
	return {
		category: price.pricingCategory,
		type: price.pricingType,
		billable: price.billable,
		estimatedPrice: price.estimatedPrice,
		currency: price.currency,
	};
}

export function toOutputs(ctx: IExecuteFunctions, outcomes: Outcome[]): INodeExecutionData[][] {
	const sent: INodeExecutionData[] = [];
	const closed: INodeExecutionData[] = [];
	let firstError: NodeError | undefined;
	outcomes.forEach((outcome, i) => {
		const pairedItem = { item: i };
		if (outcome.output === 'sent') sent.push({ json: outcome.json, pairedItem });
		else if (outcome.output === 'held') closed.push({ json: outcome.json, pairedItem });
		else if (ctx.continueOnFail()) closed.push(errorOutputItem(outcome.error, i));
		else firstError ??= outcome.error;
	});
	// Thrown only now: every other item was sent and recorded first.
	if (firstError) throw firstError;
	return [sent, closed];
}

export function iso(ms: number): string {
	return new Date(ms).toISOString();
}
