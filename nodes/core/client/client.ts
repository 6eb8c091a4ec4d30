/**
 * The Cloud API client: axios over keep-alive agents, bearer auth, connect and response timeouts,
 * retries that cannot run away (only retryable errors, bounded count and total wait, Retry-After
 * honoured) and that never repeat a send which Meta may already have accepted unless told to.
 *
 * Errors are always {@link GraphApiError}: built from Meta's error envelope and the catalog, never
 * an axios error passed on (those carry the request headers, and with them the access token).
 */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { systemClock, SECOND, type Clock } from '../clock';
import {
	describeMetaError,
	entryWithoutCode,
	isAutoRetryable,
	lookupMetaError,
	NO_META_CODE,
	retryDelayMs,
	type MetaErrorEntry,
} from './metaErrors';
import { assertMaxRetries, DEFAULT_MAX_RETRIES, parseRetryAfter } from '../pace/backoff';
import type { SendBudget } from '../pace/budget';
import { realSleep, throwIfAborted, type Sleep } from '../pace/sleep';
import type {
	DownloadedMedia,
	GraphPage,
	MediaInfo,
	MessageTemplate,
	OutboundMessage,
	PhoneNumberInfo,
	SendMessageResponse,
	SubscribedApp,
	SuccessResponse,
	UploadedMedia,
} from './types';

import {
	DEFAULT_API_VERSION as DEFAULT_GRAPH_API_VERSION,
	DEFAULT_BASE_URL as DEFAULT_GRAPH_BASE_URL,
} from './defaults';

export { DEFAULT_GRAPH_API_VERSION, DEFAULT_GRAPH_BASE_URL };
export const DEFAULT_CONNECT_TIMEOUT_MS = 30 * SECOND;
export const DEFAULT_RESPONSE_TIMEOUT_MS = 30 * SECOND;
/** Total time one call may spend waiting between its retries. */
export const DEFAULT_RETRY_BUDGET_MS = 60 * SECOND;
/** WhatsApp's largest media (documents) is 100 MB. */
export const MAX_MEDIA_BYTES = 100 * 1024 * 1024;
/** Pages followed by the list-all methods before giving up. */
export const DEFAULT_MAX_PAGES = 100;
/** Longest timeout accepted: 10 minutes. */
const MAX_TIMEOUT_MS = 10 * 60 * SECOND;
/** Hosts Meta serves media downloads from; the access token is sent to no other host. */
const META_MEDIA_HOSTS = ['.fbsbx.com', '.facebook.com', '.fbcdn.net', '.whatsapp.net'];
const USER_AGENT = 'n8n-nodes-whatsapp-compliance';
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

interface CallSpec {
	readonly method: 'GET' | 'POST' | 'DELETE';
	/** Path after the version ("/123/messages"), or an absolute URL (media downloads). */
	readonly path: string;
	readonly absolute?: boolean;
	readonly params?: Record<string, string | number | undefined>;
	/** A JSON body, or a function making a fresh multipart body for each attempt. */
	readonly body?: unknown;
	readonly formBody?: () => FormData;
	readonly binary?: boolean;
	readonly maxContentLength?: number;
	/** A message send: an unknown outcome is not repeated unless `retryAmbiguous`. */
	readonly send?: boolean;
	readonly retryAmbiguous?: boolean;
	readonly signal?: AbortSignal;
	readonly beforeAttempt?: () => Promise<void>;
	readonly beforeFirstRequest?: () => Promise<void>;
	readonly afterFirstRequest?: () => void;
	/** The budget whose slots the attempts took, and the contact they went to. */
	readonly budget?: { readonly budget: SendBudget; readonly recipient: string | undefined };
}

type Outcome = { ok: true; response: AxiosResponse } | { ok: false; error: GraphApiError };

export class GraphClient {
	readonly apiVersion: string;
	readonly baseUrl: string;
	readonly connectTimeoutMs: number;
	readonly timeoutMs: number;
	readonly maxRetries: number;
	readonly retryBudgetMs: number;
	readonly retryAmbiguous: boolean;
	// Private fields: util.inspect and JSON.stringify of the client never show them.
	readonly #token: string;
	readonly #http: AxiosInstance;
	readonly #onRetry: GraphClientOptions['onRetry'];
	readonly #clock: Clock;
	readonly #sleep: Sleep;
	readonly #random: () => number;

	constructor(options: GraphClientOptions) {
		this.#token = readToken(options.accessToken);
		this.apiVersion = options.apiVersion ?? DEFAULT_GRAPH_API_VERSION;
		if (!/^v\d+\.\d+$/.test(this.apiVersion)) {
			throw new RangeError(`apiVersion must look like "v25.0"; got "${String(this.apiVersion)}".`);
		}
		this.baseUrl = readBaseUrl(options.baseUrl ?? DEFAULT_GRAPH_BASE_URL);
		this.connectTimeoutMs = readTimeout(
			options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
			'connectTimeoutMs',
		);
		this.timeoutMs = readTimeout(options.timeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS, 'timeoutMs');
		this.maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
		assertMaxRetries(this.maxRetries);
		this.retryBudgetMs = options.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS;
		if (!Number.isFinite(this.retryBudgetMs) || this.retryBudgetMs < 0) {
			throw new RangeError(
				`retryBudgetMs must be 0 or more milliseconds; got ${String(this.retryBudgetMs)}.`,
			);
		}
		this.retryAmbiguous = options.retryAmbiguous ?? false;
		this.#onRetry = options.onRetry;
		this.#clock = options.clock ?? systemClock;
		this.#sleep = options.sleep ?? realSleep;
		this.#random = options.random ?? Math.random;
		const agents = agentsFor(this.connectTimeoutMs);
		this.#http = axios.create({
			httpAgent: agents.http,
			httpsAgent: agents.https,
			timeout: this.timeoutMs,
			maxRedirects: 0,
			validateStatus: () => true,
		});
	}

	/** POST /<PHONE_NUMBER_ID>/messages: sends one message (rate limited when limiters are set). */
	async sendMessage(
		phoneNumberId: string,
		payload: OutboundMessage,
		options: SendOptions = {},
	): Promise<SendMessageResponse> {
		const id = readId(phoneNumberId, 'phoneNumberId');
		if (!payload || typeof payload !== 'object') {
			throw new TypeError('payload must be the message object to send (with "to" and "type").');
		}
		const recipient = payload.to ?? payload.recipient;
		if (typeof recipient !== 'string' || recipient.trim() === '') {
			throw new TypeError(
				'The message has no recipient: set "to" to the phone number or "recipient" to the business-scoped user ID.',
			);
		}
		const { signal, budget } = options;
		// The pair limit counts per contact however the number is written: "+49..." and "49...".
		const contact = recipient.trim().replace(/^\+/, '');
		const response = await this.#call<SendMessageResponse>({
			method: 'POST',
			path: `/${id}/messages`,
			body: { ...payload, messaging_product: 'whatsapp' },
			send: true,
			retryAmbiguous: options.retryAmbiguous,
			signal,
			beforeAttempt: budget ? () => budget.take(contact, signal) : undefined,
			beforeFirstRequest: options.beforeRequest,
			afterFirstRequest: options.afterRequest,
			budget: budget ? { budget, recipient: contact } : undefined,
		});
		if (!Array.isArray(response?.messages) || typeof response.messages[0]?.id !== 'string') {
			throw this.#unexpected('POST', `/${id}/messages`, true);
		}
		return response;
	}

	/** Marks an inbound message as read (blue ticks), optionally showing a typing indicator. */
	async markRead(
		phoneNumberId: string,
		messageId: string,
		typing = false,
		options: BudgetOptions = {},
	): Promise<SuccessResponse> {
		const id = readId(phoneNumberId, 'phoneNumberId');
		if (typeof messageId !== 'string' || messageId.trim() === '') {
			throw new TypeError(
				'messageId must be the wamid of the inbound message; got an empty value.',
			);
		}
		const { budget, signal } = options;
		return this.#record<SuccessResponse>({
			method: 'POST',
			path: `/${id}/messages`,
			body: {
				messaging_product: 'whatsapp',
				status: 'read',
				message_id: messageId,
				...(typing ? { typing_indicator: { type: 'text' } } : {}),
			},
			signal,
			beforeAttempt: budget ? () => budget.take(undefined, signal) : undefined,
			budget: budget ? { budget, recipient: undefined } : undefined,
		});
	}

	/** One page of GET /<WABA_ID>/message_templates. */
	async listTemplates(
		wabaId: string,
		options: ListTemplatesOptions = {},
	): Promise<GraphPage<MessageTemplate>> {
		const id = readId(wabaId, 'wabaId');
		if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1)) {
			throw new RangeError(
				`limit must be a whole number of templates of at least 1; got ${String(options.limit)}.`,
			);
		}
		return this.#page<MessageTemplate>(
			`/${id}/message_templates`,
			{
				fields: options.fields?.join(','),
				limit: options.limit,
				after: options.after,
				name: options.name,
				status: options.status,
			},
			options.signal,
		);
	}

	/** Every template of the account, following `paging.cursors.after` page by page. */
	async listAllTemplates(
		wabaId: string,
		options: Omit<ListTemplatesOptions, 'after'> & ListAllOptions = {},
	): Promise<MessageTemplate[]> {
		return this.#all((after) => this.listTemplates(wabaId, { ...options, after }), options);
	}

	/** GET /<PHONE_NUMBER_ID>: one business phone number. */
	async getPhoneNumber(
		phoneNumberId: string,
		fields?: readonly string[],
		options: CallOptions = {},
	): Promise<PhoneNumberInfo> {
		const id = readId(phoneNumberId, 'phoneNumberId');
		return this.#record<PhoneNumberInfo>({
			method: 'GET',
			path: `/${id}`,
			params: { fields: fields?.join(',') },
			signal: options.signal,
		});
	}

	/** Every phone number of the account (GET /<WABA_ID>/phone_numbers, all pages). */
	async listPhoneNumbers(
		wabaId: string,
		options: CallOptions & ListAllOptions & { readonly fields?: readonly string[] } = {},
	): Promise<PhoneNumberInfo[]> {
		const id = readId(wabaId, 'wabaId');
		return this.#all(
			(after) =>
				this.#page<PhoneNumberInfo>(
					`/${id}/phone_numbers`,
					{ fields: options.fields?.join(','), after },
					options.signal,
				),
			options,
		);
	}

	/** POST /<PHONE_NUMBER_ID>/media (multipart: file, type, messaging_product); returns the media id. */
	async uploadMedia(
		phoneNumberId: string,
		media: UploadMediaInput,
		options: CallOptions = {},
	): Promise<UploadedMedia> {
		const id = readId(phoneNumberId, 'phoneNumberId');
		const { data, mimeType, fileName } = media ?? ({} as UploadMediaInput);
		if (!(data instanceof Uint8Array) || data.byteLength === 0) {
			throw new TypeError('media.data must be the file content as a non-empty Buffer.');
		}
		if (data.byteLength > MAX_MEDIA_BYTES) {
			throw new RangeError(
				`The file has ${data.byteLength} bytes; WhatsApp accepts media up to ${MAX_MEDIA_BYTES} bytes (100 MB).`,
			);
		}
		if (typeof mimeType !== 'string' || !/^[\w.+-]+\/[\w.+-]+/.test(mimeType)) {
			throw new TypeError(
				`media.mimeType must be the file's MIME type, e.g. "image/jpeg"; got "${String(mimeType)}".`,
			);
		}
		if (typeof fileName !== 'string' || fileName.trim() === '') {
			throw new TypeError('media.fileName must be the file name, e.g. "invoice.pdf".');
		}
		const result = await this.#call<UploadedMedia>({
			method: 'POST',
			path: `/${id}/media`,
			formBody: () => {
				const form = new FormData();
				form.append('messaging_product', 'whatsapp');
				form.append('type', mimeType);
				form.append('file', new Blob([new Uint8Array(data)], { type: mimeType }), fileName);
				return form;
			},
			signal: options.signal,
		});
		if (typeof result?.id !== 'string') throw this.#unexpected('POST', `/${id}/media`, false);
		return result;
	}

	/** GET /<MEDIA_ID>: the media's download URL (valid 5 minutes), type, size and hash. */
	async getMedia(mediaId: string, options: CallOptions = {}): Promise<MediaInfo> {
		const id = readId(mediaId, 'mediaId');
		const info = await this.#call<MediaInfo>({
			method: 'GET',
			path: `/${id}`,
			signal: options.signal,
		});
		if (typeof info?.url !== 'string') throw this.#unexpected('GET', `/${id}`, false);
		return info;
	}

	/**
	 * Downloads media from the URL {@link getMedia} returned. The access token goes only to Meta's
	 * media hosts or to the configured base URL's host (the sandbox).
	 */
	async downloadMedia(
		url: string,
		options: CallOptions & { readonly maxBytes?: number } = {},
	): Promise<DownloadedMedia> {
		const target = this.#mediaUrl(url);
		const response = await this.#request({
			method: 'GET',
			path: target,
			absolute: true,
			binary: true,
			maxContentLength: options.maxBytes ?? MAX_MEDIA_BYTES,
			signal: options.signal,
		});
		const data = Buffer.from(response.data as ArrayBuffer);
		const type = response.headers['content-type'];
		return {
			data,
			mimeType: typeof type === 'string' ? type : undefined,
			size: data.byteLength,
		};
	}

	/** POST /<WABA_ID>/subscribed_apps: subscribes this app to the account's webhooks. */
	async subscribeApp(wabaId: string, options: CallOptions = {}): Promise<SuccessResponse> {
		const id = readId(wabaId, 'wabaId');
		return this.#record<SuccessResponse>({
			method: 'POST',
			path: `/${id}/subscribed_apps`,
			signal: options.signal,
		});
	}

	/** GET /<WABA_ID>/subscribed_apps: the apps receiving the account's webhooks. */
	async listSubscribedApps(wabaId: string, options: CallOptions = {}): Promise<SubscribedApp[]> {
		const id = readId(wabaId, 'wabaId');
		const page = await this.#page<SubscribedApp>(`/${id}/subscribed_apps`, {}, options.signal);
		return page.data;
	}

	async #page<T>(
		path: string,
		params: Record<string, string | number | undefined>,
		signal: AbortSignal | undefined,
	): Promise<GraphPage<T>> {
		const page = await this.#call<GraphPage<T>>({ method: 'GET', path, params, signal });
		if (!Array.isArray(page?.data)) throw this.#unexpected('GET', path, false);
		return page;
	}

	async #all<T>(
		fetchPage: (after: string | undefined) => Promise<GraphPage<T>>,
		options: ListAllOptions,
	): Promise<T[]> {
		const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
		if (!Number.isInteger(maxPages) || maxPages < 1) {
			throw new RangeError(
				`maxPages must be a whole number of at least 1; got ${String(maxPages)}.`,
			);
		}
		const items: T[] = [];
		const seen = new Set<string>();
		let after: string | undefined;
		for (let pages = 1; ; pages++) {
			const page = await fetchPage(after);
			items.push(...page.data);
			const next = page.paging?.cursors?.after;
			// Meta leaves `next` out on the last page; a repeated cursor would loop for ever.
			if (!page.paging?.next || !next || seen.has(next) || page.data.length === 0) return items;
			if (pages >= maxPages) {
				throw new RangeError(
					`The list has more than ${maxPages} pages; raise maxPages or filter the list (e.g. by status).`,
				);
			}
			seen.add(next);
			after = next;
		}
	}

	async #call<T>(spec: CallSpec): Promise<T> {
		const response = await this.#request(spec);
		return response.data as T;
	}

	/** A call whose answer must be a JSON object (anything else means a wrong base URL). */
	async #record<T>(spec: CallSpec): Promise<T> {
		const data = await this.#call<unknown>(spec);
		if (!isRecord(data)) throw this.#unexpected(spec.method, spec.path, false);
		return data as T;
	}

	/**
	 * Cancelling (the signal) before a request has left means it certainly was not sent: the
	 * signal's reason is thrown. Once a request that changes something may have reached Meta (it
	 * is in flight, or an earlier attempt's outcome is unknown), a cancel is a GraphApiError with
	 * `outcomeUnknown`, so callers keep the message's idempotency key claimed.
	 */
	async #request(spec: CallSpec): Promise<AxiosResponse> {
		let waited = 0;
		let pairAttempt = 0;
		/** An earlier attempt's request may have been acted on by Meta. */
		let mayHaveLeft = false;
		for (let attempt = 0; ; attempt++) {
			try {
				throwIfAborted(spec.signal);
				if (spec.beforeAttempt) await spec.beforeAttempt();
			} catch (reason) {
				throw this.#abortAfter(spec, reason, mayHaveLeft, attempt);
			}
			// The caller's own step: its error is the caller's, passed on untouched.
			if (attempt === 0 && spec.beforeFirstRequest) await spec.beforeFirstRequest();
			const outcome = await this.#once(spec, attempt + 1);
			if (outcome.ok) return outcome.response;
			const error = outcome.error;
			mayHaveLeft ||= error.outcomeUnknown;
			const pairLimited = error.entry.retry.kind === 'pair_backoff';
			const budget = spec.budget;
			let delay: number | undefined;
			if (pairLimited && budget?.recipient !== undefined) {
				// The budget keeps the 4^n count per contact, for every process that shares it.
				const block = await this.#holdBudget(() => budget.budget.pairThrottled(budget.recipient!));
				delay = Math.max(block ?? 0, error.retryAfterMs ?? 0);
			} else {
				delay = retryDelayMs(error.entry, pairLimited ? pairAttempt : attempt, {
					retryAfterHeader:
						error.retryAfterMs === undefined ? undefined : error.retryAfterMs / SECOND,
					now: this.#clock.now(),
					random: this.#random,
				});
				// 130429: every process sending from this number waits, not only this request.
				if (error.entry.category === 'throttling' && budget && delay !== undefined) {
					await this.#holdBudget(() => budget.budget.throttled(delay!));
				}
			}
			if (pairLimited) pairAttempt += 1;
			if (!this.#mayRetry(spec, error, attempt, delay, waited)) throw error;
			const delayMs = delay as number;
			this.#notifyRetry({
				attempt: attempt + 1,
				delayMs,
				error,
				method: spec.method,
				path: error.path,
			});
			try {
				await this.#sleep(delayMs, spec.signal);
			} catch (reason) {
				throw this.#abortAfter(spec, reason, mayHaveLeft, attempt + 1);
			}
			waited += delayMs;
		}
	}

	#mayRetry(
		spec: CallSpec,
		error: GraphApiError,
		attempt: number,
		delay: number | undefined,
		waited: number,
	): boolean {
		if (attempt >= this.maxRetries) return false;
		if (!isAutoRetryable(error.entry) || delay === undefined) return false;
		const retryAmbiguous = spec.retryAmbiguous ?? this.retryAmbiguous;
		if (spec.send && error.outcomeUnknown && !retryAmbiguous) return false;
		return waited + delay <= this.retryBudgetMs;
	}

	#notifyRetry(info: RetryInfo): void {
		try {
			this.#onRetry?.(info);
		} catch {
			// A failing logger must not turn a retryable failure into a different one.
		}
	}

	async #once(spec: CallSpec, attempts: number): Promise<Outcome> {
		const url = spec.absolute ? spec.path : `${this.baseUrl}/${this.apiVersion}${spec.path}`;
		const path = spec.absolute ? safePath(spec.path) : `/${this.apiVersion}${spec.path}`;
		// Nothing has left yet: a cancel now is a plain abort, certainly not sent.
		throwIfAborted(spec.signal);
		let response: AxiosResponse;
		const left = attempts === 1 ? spec.afterFirstRequest : undefined;
		try {
			const request = this.#http.request({
				method: spec.method,
				url,
				params: spec.params,
				data: spec.formBody ? spec.formBody() : spec.body,
				headers: { Authorization: `Bearer ${this.#token}`, 'User-Agent': USER_AGENT },
				responseType: spec.binary ? 'arraybuffer' : 'json',
				maxContentLength: spec.maxContentLength ?? -1,
				maxBodyLength: MAX_MEDIA_BYTES + 1024 * 1024,
				signal: spec.signal,
				// To tell when the request has left: its last byte was handed to the connection.
				...(left ? { transport: leavingTransport(left) } : {}),
			});
			response = await request;
		} catch (failure) {
			if (spec.signal?.aborted) {
				throw this.#abortAfter(spec, spec.signal.reason, true, attempts, path);
			}
			return { ok: false, error: this.#networkError(failure, spec.method, path, attempts) };
		}
		if (response.status >= 200 && response.status < 300) return { ok: true, response };
		return { ok: false, error: this.#httpError(response, spec.method, path, attempts) };
	}

	#httpError(
		response: AxiosResponse,
		method: string,
		path: string,
		attempts: number,
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
		const retryAfterMs = parseRetryAfter(response.headers['retry-after'], this.#clock.now());
		const safe = entry.category === 'throttling' || entry.category === 'pair_rate_limit';
		return new GraphApiError({
			entry,
			code,
			httpStatus: status,
			details: this.#scrub(details),
			fbtraceId: this.#scrub(trace),
			metaMessage: this.#scrub(text(meta?.message)),
			metaType: this.#scrub(text(meta?.type)),
			// A 5xx may come after Meta accepted the request; a 4xx is a refusal.
			outcomeUnknown: status >= 500 && !safe && code !== 131057,
			retryAfterMs,
			attempts,
			method,
			path,
		});
	}

	#networkError(failure: unknown, method: string, path: string, attempts: number): GraphApiError {
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
			? `connecting took longer than ${this.connectTimeoutMs} ms`
			: typeof source?.message === 'string'
				? source.message
				: 'no answer';
		return new GraphApiError({
			entry,
			details: this.#scrub(`${networkCode}: ${reason}`),
			networkCode,
			outcomeUnknown: !(connectTimeout || NOT_SENT_NETWORK_CODES.has(networkCode)),
			attempts,
			method,
			path,
		});
	}

	/**
	 * What a cancel throws: the abort `reason` when nothing that changes something can have reached
	 * Meta (reads change nothing), otherwise a GraphApiError whose outcome is unknown.
	 */
	#abortAfter(
		spec: CallSpec,
		reason: unknown,
		mayHaveLeft: boolean,
		attempts: number,
		path = spec.absolute ? safePath(spec.path) : `/${this.apiVersion}${spec.path}`,
	): unknown {
		if (!spec.signal?.aborted || !mayHaveLeft || spec.method === 'GET') {
			return reason ?? new Error('The operation was aborted');
		}
		return new GraphApiError({
			entry: clientEntry(
				'Cancelled',
				'The execution was cancelled after the request had left, before the WhatsApp API answered, so Meta may have acted on it.',
				'Check in WhatsApp Manager, the sandbox or the status webhooks whether the message went out before sending it again.',
			),
			outcomeUnknown: true,
			attempts: Math.max(1, attempts),
			method: spec.method,
			path,
		});
	}

	#unexpected(method: string, path: string, outcomeUnknown: boolean): GraphApiError {
		const entry = clientEntry(
			'Unexpected answer',
			'The WhatsApp API answered with success but not in the shape Meta documents.',
			outcomeUnknown
				? 'Check in WhatsApp Manager or the status webhooks whether the message went out before sending it again; check the Graph API URL points to Meta or the sandbox.'
				: 'Check that the Graph API URL points to Meta or the sandbox.',
		);
		return new GraphApiError({
			entry,
			outcomeUnknown,
			method,
			path: path.startsWith(`/${this.apiVersion}`) ? path : `/${this.apiVersion}${path}`,
		});
	}

	/** Tells the budget about a throttling answer; a budget that cannot be told only costs pacing. */
	async #holdBudget<T>(hold: () => Promise<T>): Promise<T | undefined> {
		try {
			return await hold();
		} catch {
			return undefined;
		}
	}

	#mediaUrl(url: string): string {
		let parsed: URL;
		try {
			parsed = new URL(url);
		} catch {
			throw new TypeError(
				`The media URL "${safePath(String(url))}" is not a URL; pass the "url" that getMedia returned.`,
			);
		}
		const host = parsed.hostname.toLowerCase();
		const ownHost = new URL(this.baseUrl).hostname.toLowerCase();
		const metaHost = parsed.protocol === 'https:' && META_MEDIA_HOSTS.some((h) => host.endsWith(h));
		if (!metaHost && host !== ownHost) {
			throw new TypeError(
				`Refusing to send the access token to "${host}": media downloads come from Meta (lookaside.fbsbx.com) or the configured Graph API URL. Pass the "url" that getMedia returned.`,
			);
		}
		return parsed.toString();
	}

	/** Removes the access token, and anything shaped like a token, from text that leaves the client. */
	#scrub(value: string | undefined): string | undefined {
		if (value === undefined) return undefined;
		const cleaned = value
			.split(this.#token)
			.join('[redacted]')
			.replace(/(access_token=)[^&\s"']+/gi, '$1[redacted]')
			.replace(/(Bearer\s+)[^\s"',]+/gi, '$1[redacted]');
		return cleaned.length > MAX_DETAILS_CHARS
			? `${cleaned.slice(0, MAX_DETAILS_CHARS)}...`
			: cleaned;
	}
}

/**
 * http or https (as axios picks them: by the request's protocol) whose requests call `left` once,
 * when the whole request has been handed to the connection ('finish'): not before (a request still
 * waiting for its connection has not left), and errors of `left` do not touch the request.
 */
function leavingTransport(left: () => void): Pick<typeof http, 'request'> {
	return {
		request: ((...args: Parameters<typeof http.request>) => {
			const options = args[0] as { protocol?: string };
			const base = options?.protocol === 'https:' ? https : http;
			const request = (base.request as typeof http.request)(...args);
			request.once('finish', () => {
				try {
					left();
				} catch {
					// The caller's bookkeeping must not turn a send into a failure.
				}
			});
			return request;
		}) as typeof http.request,
	};
}

/** Raised by the agents when opening a connection takes too long; nothing was sent yet. */
class ConnectTimeoutError extends Error {
	override readonly name = 'ConnectTimeoutError';
	readonly code = 'ETIMEDOUT';

	constructor(ms: number) {
		super(`connecting took longer than ${ms} ms`);
	}
}

function armConnectTimeout(
	socket: Duplex | null | undefined,
	ms: number,
	readyEvent: 'connect' | 'secureConnect',
): void {
	if (!(socket instanceof net.Socket)) return;
	const timer = setTimeout(() => socket.destroy(new ConnectTimeoutError(ms)), ms);
	timer.unref();
	const clear = () => clearTimeout(timer);
	socket.once(readyEvent, clear);
	socket.once('close', clear);
}

/**
 * How long a kept-alive connection may stay idle before the client closes it. A server closes
 * idle connections too (Node's after 5 s, the sandbox's among them); a request sent on a
 * connection at the moment the server closes it fails with ECONNRESET, and a send that fails so
 * cannot be repeated (its outcome looks unknown). Closing first, a second earlier, avoids that race.
 * Node's agent uses a server's shorter Keep-Alive hint instead where it sends one.
 */
export const IDLE_CONNECTION_MS = 4 * SECOND;

/** Keep-alive agents whose new connections time out after `connectTimeoutMs`. */
class TimedHttpAgent extends http.Agent {
	constructor(private readonly connectTimeoutMs: number) {
		super({ keepAlive: true, timeout: IDLE_CONNECTION_MS });
	}

	override createConnection(
		options: http.ClientRequestArgs,
		callback?: (err: Error | null, stream: Duplex) => void,
	): Duplex | null | undefined {
		const socket = super.createConnection(options, callback);
		armConnectTimeout(socket, this.connectTimeoutMs, 'connect');
		return socket;
	}
}

class TimedHttpsAgent extends https.Agent {
	constructor(private readonly connectTimeoutMs: number) {
		super({ keepAlive: true, timeout: IDLE_CONNECTION_MS });
	}

	override createConnection(
		options: https.RequestOptions,
		callback?: (err: Error | null, stream: Duplex) => void,
	): Duplex | null | undefined {
		const socket = super.createConnection(options, callback);
		armConnectTimeout(socket, this.connectTimeoutMs, 'secureConnect');
		return socket;
	}
}

// One pair of agents per connect timeout for the whole process: clients are made per execution,
// and sharing the agents keeps their connections warm across executions.
const agentCache = new Map<number, { http: http.Agent; https: https.Agent }>();

function agentsFor(connectTimeoutMs: number): { http: http.Agent; https: https.Agent } {
	let agents = agentCache.get(connectTimeoutMs);
	if (!agents) {
		agents = {
			http: new TimedHttpAgent(connectTimeoutMs),
			https: new TimedHttpsAgent(connectTimeoutMs),
		};
		agentCache.set(connectTimeoutMs, agents);
	}
	return agents;
}

function readToken(value: unknown): string {
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

function readBaseUrl(value: string): string {
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

function readTimeout(value: number, field: string): number {
	if (!Number.isFinite(value) || value <= 0 || value > MAX_TIMEOUT_MS) {
		throw new RangeError(
			`${field} must be milliseconds above 0 and at most ${MAX_TIMEOUT_MS} (10 minutes); got ${String(value)}.`,
		);
	}
	return value;
}

/** Graph ids are digits; the sandbox may use words. Never slashes, dots or anything to escape the path. */
function readId(value: unknown, field: string): string {
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

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
	if (typeof value !== 'string') return undefined;
	const trimmed = value.trim();
	return trimmed === '' ? undefined : trimmed;
}

/** A URL shown in an error: host and path only (a query could carry a token). */
function safePath(url: string): string {
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
