/**
 * Errors as the Graph API returns them, and as status webhooks carry them.
 *
 * Titles and HTTP statuses follow Meta's error code page (support/error-codes, Nov 2025); the
 * `details` sentences are the sandbox's own and name the field and what is wrong.
 */
import { randomBytes } from 'node:crypto';

interface CodeInfo {
	readonly title: string;
	readonly http: number;
	readonly type?: string;
}

const CODES: Record<number, CodeInfo> = {
	100: { title: 'Invalid parameter', http: 400 },
	190: { title: 'Invalid OAuth access token', http: 401 },
	2200: { title: 'Callback verification failed', http: 400 },
	2500: { title: 'Unknown path components', http: 400 },
	2635: { title: 'You are calling a deprecated version of the Graph API', http: 400 },
	130429: { title: 'Rate limit hit', http: 400 },
	131000: { title: 'Something went wrong', http: 500 },
	131008: { title: 'Required parameter is missing', http: 400 },
	131009: { title: 'Parameter value is not valid', http: 400 },
	131021: { title: 'Recipient cannot be sender', http: 400 },
	131026: { title: 'Message Undeliverable', http: 400 },
	131047: { title: 'Re-engagement message', http: 400 },
	131048: { title: 'Spam rate limit hit', http: 400 },
	131049: {
		title: 'This message was not delivered to maintain healthy ecosystem engagement.',
		http: 400,
	},
	131050: {
		title:
			'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.',
		http: 400,
	},
	131051: { title: 'Unsupported message type', http: 400 },
	131053: { title: 'Media upload error', http: 400 },
	131056: { title: '(Business Account, Consumer Account) pair rate limit hit', http: 400 },
	131059: { title: 'Invalid cursor', http: 400 },
	132000: { title: 'Number of parameters does not match the expected number of params', http: 400 },
	132001: { title: 'Template name does not exist in the translation', http: 404 },
	132005: { title: 'Template Hydrated Text Too Long', http: 400 },
	132012: { title: 'Parameter format does not match format in the created template', http: 400 },
	132015: { title: 'Template is Paused', http: 400 },
	132016: { title: 'Template is Disabled', http: 400 },
};

export function titleOf(code: number): string {
	return CODES[code]?.title ?? 'Unknown error';
}

/** A Graph API error: thrown by the sandbox's checks, answered in Meta's envelope. */
export class GraphError extends Error {
	readonly http: number;
	readonly type: string;
	/** Graph-level errors (object not found) still carry one. */
	readonly subcode?: number;
	/** Extra response headers (WWW-Authenticate on 401). */
	readonly headers?: Record<string, string>;

	constructor(
		readonly code: number,
		readonly details: string,
		options: {
			http?: number;
			type?: string;
			title?: string;
			subcode?: number;
			headers?: Record<string, string>;
		} = {},
	) {
		super(`(#${code}) ${options.title ?? titleOf(code)}`);
		this.name = 'GraphError';
		this.http = options.http ?? CODES[code]?.http ?? 400;
		this.type = options.type ?? CODES[code]?.type ?? 'OAuthException';
		this.subcode = options.subcode;
		this.headers = options.headers;
	}

	/** The response body, as Meta sends it. */
	envelope(): { error: Record<string, unknown> } {
		return {
			error: {
				message: this.message,
				type: this.type,
				code: this.code,
				error_data: { messaging_product: 'whatsapp', details: this.details },
				...(this.subcode !== undefined ? { error_subcode: this.subcode } : {}),
				fbtrace_id: traceId(),
			},
		};
	}
}

/** Meta's answer for an id that is not there (or not of a type that has this edge). */
export function objectNotFound(id: string, method: 'get' | 'post' | 'delete'): GraphError {
	return new GraphError(
		100,
		`Unsupported ${method} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
		{ type: 'GraphMethodException', subcode: 33 },
	);
}

/** The error object of a failed status webhook. */
export function statusError(code: number, details: string) {
	const title = titleOf(code);
	return {
		code,
		title,
		message: title,
		error_data: { details },
		href: 'https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes',
	};
}

export function traceId(): string {
	return `A${randomBytes(17).toString('base64url').slice(0, 22)}`;
}
