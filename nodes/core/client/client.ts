/**
 * The Cloud API client: axios over keep-alive agents (connection.ts), bearer auth, connect and
 * response timeouts, retries that cannot run away (only retryable errors, bounded count and total
 * wait, Retry-After honoured) and that never repeat a send which Meta may already have accepted
 * unless told to.
 *
 * Errors are always {@link GraphApiError} (graphApiError.ts): built from Meta's error envelope and
 * the catalog, never an axios error passed on (those carry the request headers, and with them the
 * access token).
 */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';

import { systemClock, SECOND, type Clock } from '../clock';
import { DEFAULT_MAX_RETRIES, assertMaxRetries } from '../pace/backoff';
import type { SendBudget } from '../pace/budget';
import { realSleep, throwIfAborted, type Sleep } from '../pace/sleep';
import { agentsFor, leavingTransport } from './connection';
import {
	DEFAULT_API_VERSION as DEFAULT_GRAPH_API_VERSION,
	DEFAULT_BASE_URL as DEFAULT_GRAPH_BASE_URL,
} from './defaults';
import {
	cancelledAfterLeaving,
	GraphApiError,
	httpFailure,
	isRecord,
	networkFailure,
	safePath,
	tokenScrubber,
	unexpectedAnswer,
	type Scrub,
} from './graphApiError';
import { isAutoRetryable, retryDelayMs } from './metaErrors';
import {
	DEFAULT_CONNECT_TIMEOUT_MS,
	DEFAULT_MAX_PAGES,
	DEFAULT_RESPONSE_TIMEOUT_MS,
	DEFAULT_RETRY_BUDGET_MS,
	readBaseUrl,
	readId,
	readTimeout,
	readToken,
	type BudgetOptions,
	type CallOptions,
	type GraphClientOptions,
	type ListAllOptions,
	type ListTemplatesOptions,
	type RetryInfo,
	type SendOptions,
	type UploadMediaInput,
} from './options';
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

export { DEFAULT_GRAPH_API_VERSION, DEFAULT_GRAPH_BASE_URL };
/** WhatsApp's largest media (documents) is 100 MB. */
export const MAX_MEDIA_BYTES = 100 * 1024 * 1024;
const META_MEDIA_HOSTS = ['.fbsbx.com', '.facebook.com', '.fbcdn.net', '.whatsapp.net'];
const USER_AGENT = 'n8n-nodes-whatsapp-compliance';

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
	readonly #scrub: Scrub;
	readonly #http: AxiosInstance;
	readonly #onRetry: GraphClientOptions['onRetry'];
	readonly #clock: Clock;
	readonly #sleep: Sleep;
	readonly #random: () => number;

	constructor(options: GraphClientOptions) {
		this.#token = readToken(options.accessToken);
		this.#scrub = tokenScrubber(this.#token);
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
			return {
				ok: false,
				error: networkFailure(
					failure,
					{ method: spec.method, path, attempts },
					this.connectTimeoutMs,
					this.#scrub,
				),
			};
		}
		if (response.status >= 200 && response.status < 300) return { ok: true, response };
		return {
			ok: false,
			error: httpFailure(
				response,
				{ method: spec.method, path, attempts },
				this.#clock.now(),
				this.#scrub,
			),
		};
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
		return cancelledAfterLeaving({ method: spec.method, path, attempts });
	}

	#unexpected(method: string, path: string, outcomeUnknown: boolean): GraphApiError {
		const shown = path.startsWith(`/${this.apiVersion}`) ? path : `/${this.apiVersion}${path}`;
		return unexpectedAnswer(method, shown, outcomeUnknown);
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
}
