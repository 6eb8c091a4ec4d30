/** What a client is made with and what each call may be given, with their defaults and checks. */
import { SECOND, type Clock } from '../clock';
import type { SendBudget } from '../pace/budget';
import type { Sleep } from '../pace/sleep';
import type { GraphApiError } from './graphApiError';

export const DEFAULT_CONNECT_TIMEOUT_MS = 30 * SECOND;
export const DEFAULT_RESPONSE_TIMEOUT_MS = 30 * SECOND;
/** Total time one call may spend waiting between its retries. */
export const DEFAULT_RETRY_BUDGET_MS = 60 * SECOND;
/** Pages followed by the list-all methods before giving up. */
export const DEFAULT_MAX_PAGES = 100;
/** Longest timeout accepted: 10 minutes. */
const MAX_TIMEOUT_MS = 10 * 60 * SECOND;

export interface RetryInfo {
	/** The retry about to be made: 1 for the first. */
	readonly attempt: number;
	readonly delayMs: number;
	readonly error: GraphApiError;
	readonly method: string;
	readonly path: string;
}

export interface GraphClientOptions {
	/** A system user (or business) access token. Never logged, never in errors. */
	readonly accessToken: string;
	/** Graph API version, "vNN.N". @default 'v25.0' */
	readonly apiVersion?: string;
	/**
	 * Where the Graph API is; the local sandbox or a proxy can stand in.
	 * @default 'https://graph.facebook.com'
	 */
	readonly baseUrl?: string;
	/** Milliseconds to open a new connection (TCP and TLS). @default 30000 */
	readonly connectTimeoutMs?: number;
	/** Milliseconds for the whole answer to a request. @default 30000 */
	readonly timeoutMs?: number;
	/** Retries per call for retryable failures, 0 to 10. @default 3 */
	readonly maxRetries?: number;
	/** Most milliseconds one call may wait between retries in total; a longer wait is not made. @default 60000 */
	readonly retryBudgetMs?: number;
	/**
	 * Whether to repeat a send whose outcome is unknown (an HTTP 5xx, a timeout, a connection cut
	 * after the request left): Meta may have accepted it, so repeating can deliver it twice.
	 * Throttling answers (130429, 131056) are always safe to repeat.
	 * @default false
	 */
	readonly retryAmbiguous?: boolean;
	/** Called before each retry (for logging); never given the access token. */
	readonly onRetry?: (info: RetryInfo) => void;
	/** @default systemClock */
	readonly clock?: Clock;
	/** @default realSleep */
	readonly sleep?: Sleep;
	/** Jitter source, a number in [0, 1). @default Math.random */
	readonly random?: () => number;
}

export interface CallOptions {
	/** Aborts waiting, retrying and the request itself. */
	readonly signal?: AbortSignal;
}

export interface BudgetOptions extends CallOptions {
	/**
	 * The sender number's send budget (its throughput and each contact's pair limit): every
	 * attempt waits for its slot, and 130429 / 131056 answers hold the budget back for every
	 * process sharing it. @default none (unlimited)
	 */
	readonly budget?: SendBudget;
}

export interface SendOptions extends BudgetOptions {
	/** Overrides the client's `retryAmbiguous` for this send. */
	readonly retryAmbiguous?: boolean;
	/**
	 * Called once, after the first attempt's rate limit waits and right before its request leaves
	 * (e.g. to claim the message's idempotency key as late as possible). When it throws, nothing is
	 * sent and its error is thrown as it is; retries do not call it again.
	 */
	readonly beforeRequest?: () => Promise<void>;
	/**
	 * Called once, as soon as the first attempt's request has been handed to the connection (e.g.
	 * to record that it left). Errors it throws are ignored.
	 */
	readonly afterRequest?: () => void;
}

export interface ListTemplatesOptions extends CallOptions {
	/** Fields to return, e.g. ['name', 'language', 'status', 'category', 'components']. @default Meta's defaults */
	readonly fields?: readonly string[];
	/** Templates per page. @default Meta's default */
	readonly limit?: number;
	/** Cursor from `paging.cursors.after` of the previous page. */
	readonly after?: string;
	/** Only templates with this name. */
	readonly name?: string;
	/** Only templates with this status, e.g. 'APPROVED'. */
	readonly status?: string;
}

export interface ListAllOptions {
	/** Pages to follow at most; more is an error rather than a silently cut list. @default 100 */
	readonly maxPages?: number;
}

export interface UploadMediaInput {
	readonly data: Buffer | Uint8Array;
	/** The file's MIME type, e.g. 'image/jpeg'. */
	readonly mimeType: string;
	readonly fileName: string;
}

export function readToken(value: unknown): string {
	if (typeof value !== 'string' || value.trim() === '') {
		throw new TypeError(
			'accessToken is empty: set the access token of a system user in the WhatsApp Cloud API credential.',
		);
	}
	// A pasted "Bearer ..." header value is accepted as the token it contains.
	const token = value.trim().replace(/^Bearer\s+/i, '');
	if (!/^[\x21-\x7e]+$/.test(token)) {
		throw new TypeError(
			'accessToken contains spaces, line breaks or other characters a token does not have: copy the token again.',
		);
	}
	return token;
}

export function readBaseUrl(value: string): string {
	let parsed: URL;
	try {
		parsed = new URL(value);
	} catch {
		throw new TypeError(
			`baseUrl must be a URL such as "https://graph.facebook.com"; got "${String(value)}".`,
		);
	}
	if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
		throw new TypeError(
			`baseUrl must start with https:// (or http:// for a local sandbox); got "${value}".`,
		);
	}
	if (parsed.username || parsed.password || parsed.search || parsed.hash) {
		throw new TypeError(
			'baseUrl must be a plain URL without user, password, query or fragment, e.g. "https://graph.facebook.com".',
		);
	}
	return parsed.toString().replace(/\/+$/, '');
}

export function readTimeout(value: number, field: string): number {
	if (!Number.isFinite(value) || value <= 0 || value > MAX_TIMEOUT_MS) {
		throw new RangeError(
			`${field} must be milliseconds above 0 and at most ${MAX_TIMEOUT_MS} (10 minutes); got ${String(value)}.`,
		);
	}
	return value;
}

/** Graph ids are digits; the sandbox may use words. Never slashes, dots or anything to escape the path. */
export function readId(value: unknown, field: string): string {
	const id =
		typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
	if (!/^[A-Za-z0-9_-]+$/.test(id)) {
		const shown = String(value ?? '').slice(0, 40);
		throw new TypeError(
			`${field} must be a Graph API ID such as 106540352242922 (digits, as shown in WhatsApp Manager); got "${shown}".`,
		);
	}
	return id;
}
