/**
 * The one error the client throws, and how each kind of failure becomes one: Meta's error envelope
 * looked up in the catalog (metaErrors.ts), a network failure, a cancel, an answer of the wrong
 * shape. Nothing of the request goes in: no headers, no access token, no axios objects.
 */
import type { AxiosResponse } from 'axios';

import { parseRetryAfter } from '../pace/backoff';
import { ConnectTimeoutError } from './connection';
import {
	describeMetaError,
	entryWithoutCode,
	lookupMetaError,
	NO_META_CODE,
	type MetaErrorEntry,
} from './metaErrors';

const MAX_DETAILS_CHARS = 500;

/** Network failures worth another try. */
const RETRYABLE_NETWORK_CODES = new Set([
	'ECONNRESET',
	'ETIMEDOUT',
	'ECONNABORTED',
	'EPIPE',
	'ECONNREFUSED',
	'EAI_AGAIN',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'ENETDOWN',
]);
/** Network failures that happen before a byte of the request leaves: nothing can have been sent. */
const NOT_SENT_NETWORK_CODES = new Set([
	'ECONNREFUSED',
	'ENOTFOUND',
	'EAI_AGAIN',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'ENETDOWN',
]);

export interface GraphApiErrorInit {
	readonly entry: MetaErrorEntry;
	readonly code?: number;
	readonly httpStatus?: number;
	readonly details?: string;
	readonly fbtraceId?: string;
	readonly metaMessage?: string;
	readonly metaType?: string;
	readonly networkCode?: string;
	readonly outcomeUnknown?: boolean;
	readonly retryAfterMs?: number;
	readonly attempts?: number;
	readonly method: string;
	readonly path: string;
}

/**
 * A failed Graph API call. `message` says what happened (from the catalog, with Meta's details),
 * `description` what to do. Holds no request headers, no access token, no axios objects.
 */
export class GraphApiError extends Error {
	override readonly name = 'GraphApiError';
	/** Meta's error code; undefined when the failure carried none. */
	readonly code: number | undefined;
	readonly httpStatus: number | undefined;
	/** Meta's `error_data.details`: the most specific explanation Meta gives. */
	readonly details: string | undefined;
	/** Meta's trace id, for support tickets. */
	readonly fbtraceId: string | undefined;
	/** Meta's own `message`, e.g. "(#130429) Rate limit hit". */
	readonly metaMessage: string | undefined;
	readonly metaType: string | undefined;
	readonly entry: MetaErrorEntry;
	/** What to do: the catalog's action. */
	readonly description: string;
	/** The network failure (ECONNRESET, ETIMEDOUT...) when no answer came. */
	readonly networkCode: string | undefined;
	/** Whether Meta may have acted on the request although it failed (5xx, timeout, cut connection). */
	readonly outcomeUnknown: boolean;
	/** Meta's Retry-After, in ms, when it sent one. */
	readonly retryAfterMs: number | undefined;
	/** Attempts made, the first included. */
	readonly attempts: number;
	readonly method: string;
	/** The request path, e.g. "/v25.0/106540352242922/messages". */
	readonly path: string;

	constructor(init: GraphApiErrorInit) {
		super(describeMetaError(init.entry, init.details));
		this.entry = init.entry;
		this.code = init.code;
		this.httpStatus = init.httpStatus;
		this.details = init.details;
		this.fbtraceId = init.fbtraceId;
		this.metaMessage = init.metaMessage;
		this.metaType = init.metaType;
		this.description = init.entry.action;
		this.networkCode = init.networkCode;
		this.outcomeUnknown = init.outcomeUnknown ?? false;
		this.retryAfterMs = init.retryAfterMs;
		this.attempts = init.attempts ?? 1;
		this.method = init.method;
		this.path = init.path;
	}
}

/** The call that failed, as its error names it. */
export interface FailedCall {
	readonly method: string;
	/** The request path as shown, e.g. "/v25.0/106540352242922/messages". */
	readonly path: string;
	/** Attempts made, the first included. */
	readonly attempts: number;
}

/** Removes the access token, and anything shaped like a token, from text that leaves the client. */
export type Scrub = (value: string | undefined) => string | undefined;

export function tokenScrubber(token: string): Scrub {
	return (value) => {
		if (value === undefined) return undefined;
		const cleaned = value
			.split(token)
			.join('[redacted]')
			.replace(/(access_token=)[^&\s"']+/gi, '$1[redacted]')
			.replace(/(Bearer\s+)[^\s"',]+/gi, '$1[redacted]');
		return cleaned.length > MAX_DETAILS_CHARS
			? `${cleaned.slice(0, MAX_DETAILS_CHARS)}...`
			: cleaned;
	};
}

/** An HTTP answer outside 2xx: Meta's error envelope, looked up in the catalog. */
export function httpFailure(
	response: AxiosResponse,
	call: FailedCall,
	now: number,
	scrub: Scrub,
): GraphApiError {
	const status = response.status;
	const body = readBody(response.data);
	const meta = isRecord(body) && isRecord(body.error) ? body.error : undefined;
	const code = meta && typeof meta.code === 'number' ? meta.code : undefined;
	const entry = code === undefined ? entryWithoutCode(status) : lookupMetaError(code, status);
	const errorData = meta && isRecord(meta.error_data) ? meta.error_data : undefined;
	const details =
		text(errorData?.details) ??
		text(meta?.error_user_msg) ??
		(meta ? undefined : typeof body === 'string' ? text(body) : undefined);
	const trace = text(meta?.fbtrace_id) ?? text(response.headers['x-fb-trace-id']);
	const retryAfterMs = parseRetryAfter(response.headers['retry-after'], now);
	const safe = entry.category === 'throttling' || entry.category === 'pair_rate_limit';
	return new GraphApiError({
		entry,
		code,
		httpStatus: status,
		details: scrub(details),
		fbtraceId: scrub(trace),
		metaMessage: scrub(text(meta?.message)),
		metaType: scrub(text(meta?.type)),
		// A 5xx may come after Meta accepted the request; a 4xx is a refusal.
		outcomeUnknown: status >= 500 && !safe && code !== 131057,
		retryAfterMs,
		...call,
	});
}

/** No answer: the connection could not be opened, was cut, or timed out. */
export function networkFailure(
	failure: unknown,
	call: FailedCall,
	connectTimeoutMs: number,
	scrub: Scrub,
): GraphApiError {
	const source = failure as { code?: unknown; message?: unknown; cause?: unknown };
	const connectTimeout =
		source?.cause instanceof ConnectTimeoutError || failure instanceof ConnectTimeoutError;
	const networkCode = typeof source?.code === 'string' ? source.code : 'ERR_NETWORK';
	const retryable = connectTimeout || RETRYABLE_NETWORK_CODES.has(networkCode);
	const base = entryWithoutCode();
	const entry: MetaErrorEntry = retryable
		? base
		: Object.freeze({
				...base,
				retry: { kind: 'after_fix' as const },
				action:
					'Check the Graph API URL, the network and any proxy between n8n and Meta, then try again.',
			});
	const reason = connectTimeout
		? `connecting took longer than ${connectTimeoutMs} ms`
		: typeof source?.message === 'string'
			? source.message
			: 'no answer';
	return new GraphApiError({
		entry,
		details: scrub(`${networkCode}: ${reason}`),
		networkCode,
		outcomeUnknown: !(connectTimeout || NOT_SENT_NETWORK_CODES.has(networkCode)),
		...call,
	});
}

/** The execution was cancelled after a request that changes something had left. */
export function cancelledAfterLeaving(call: FailedCall): GraphApiError {
	return new GraphApiError({
		entry: clientEntry(
			'Cancelled',
			'The execution was cancelled after the request had left, before the WhatsApp API answered, so Meta may have acted on it.',
			'Check in WhatsApp Manager, the sandbox or the status webhooks whether the message went out before sending it again.',
		),
		outcomeUnknown: true,
		...call,
		attempts: Math.max(1, call.attempts),
	});
}

/** A success answer not in the shape Meta documents (often a wrong base URL). */
export function unexpectedAnswer(
	method: string,
	path: string,
	outcomeUnknown: boolean,
): GraphApiError {
	const entry = clientEntry(
		'Unexpected answer',
		'The WhatsApp API answered with success but not in the shape Meta documents.',
		outcomeUnknown
			? 'Check in WhatsApp Manager or the status webhooks whether the message went out before sending it again; check the Graph API URL points to Meta or the sandbox.'
			: 'Check that the Graph API URL points to Meta or the sandbox.',
	);
	return new GraphApiError({ entry, outcomeUnknown, method, path });
}

function readBody(data: unknown): unknown {
	if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
		const bytes =
			data instanceof ArrayBuffer
				? Buffer.from(data)
				: Buffer.from(data.buffer, data.byteOffset, data.byteLength);
		return parseJson(bytes.toString('utf8'));
	}
	if (typeof data === 'string') return parseJson(data);
	return data;
}

function parseJson(value: string): unknown {
	try {
		return JSON.parse(value);
	} catch {
		return value;
	}
}

export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
	if (typeof value !== 'string') return undefined;
	const trimmed = value.trim();
	return trimmed === '' ? undefined : trimmed;
}

/** A URL shown in an error: host and path only (a query could carry a token). */
export function safePath(url: string): string {
	try {
		const parsed = new URL(url);
		return `${parsed.origin}${parsed.pathname}`;
	} catch {
		return url.split('?')[0].slice(0, 100);
	}
}

/** A catalog-shaped entry for a failure the client itself names (no Meta code, not retried). */
function clientEntry(title: string, meaning: string, action: string): MetaErrorEntry {
	return Object.freeze({
		code: NO_META_CODE,
		title,
		category: 'unknown' as const,
		httpStatus: undefined,
		retry: { kind: 'after_fix' as const },
		meaning,
		action,
	});
}
