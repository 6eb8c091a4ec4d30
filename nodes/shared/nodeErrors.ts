import {
	NodeApiError,
	NodeOperationError,
	type INode,
	type INodeExecutionData,
	type JsonObject,
} from 'n8n-workflow';

import { GraphApiError } from '../core/client/client';
import { PhoneNumberError } from '../core/phone';
import { PolicyOptionError } from '../core/policy/types';
import { WireError } from '../core/wire/wireError';

/**
 * The one place where core errors become n8n errors. The message says what happened, with
 * "[item N]" when an item caused it; the description says how to fix it. GraphApiError is already
 * free of the access token; only the fields listed here are passed on.
 */
export function toNodeError(
	node: INode,
	error: unknown,
	itemIndex?: number,
): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	const prefix = itemIndex === undefined ? '' : `[item ${itemIndex}] `;
	if (error instanceof GraphApiError) {
		const response: JsonObject = {
			message: error.message,
			code: error.code ?? null,
			details: error.details ?? null,
			fbtrace_id: error.fbtraceId ?? null,
			category: error.entry.category,
		};
		return new NodeApiError(node, response, {
			message: `${prefix}${error.message}`,
			description: [
				error.description,
				error.code !== undefined ? `Meta error code ${error.code}.` : '',
				error.details ? `Meta says: ${error.details}` : '',
			]
				.filter(Boolean)
				.join(' '),
			httpCode: error.httpStatus === undefined ? undefined : String(error.httpStatus),
			itemIndex,
		});
	}
	if (
		error instanceof PhoneNumberError ||
		error instanceof WireError ||
		error instanceof PolicyOptionError
	) {
		return new NodeOperationError(node, `${prefix}${error.message}`, {
			itemIndex,
			description: 'field' in error ? `Check the "${error.field}" value of this item.` : undefined,
		});
	}
	const message = error instanceof Error ? error.message : String(error);
	return new NodeOperationError(node, `${prefix}${message}`, { itemIndex });
}

/** What an item carries on the error output or with "Continue On Fail". */
export function errorItemJson(error: NodeApiError | NodeOperationError): JsonObject {
	return {
		error: error.message,
		...(error.description ? { errorDescription: error.description } : {}),
	};
}

/**
 * The item of one item error, for "Continue On Fail" and the error output: json as
 * {@link errorItemJson}, the error itself on the item, and its pairedItem. n8n's error output
 * (On Error: Continue (using error output)) takes an item only when it carries `error` or its
 * json is exactly {error} or {error, message}; with errorDescription beside it, only `error` on
 * the item routes it. In a workflow run n8n then shows such an item's json as {error: message};
 * the description stays on the item's error.
 */
export function errorOutputItem(
	error: NodeApiError | NodeOperationError,
	itemIndex: number,
): INodeExecutionData {
	return { json: errorItemJson(error), error, pairedItem: { item: itemIndex } };
}
