/**
 * The business account's webhooks: where they go (one URL per subscribed app), whether the app is
 * subscribed, and the envelope Meta wraps every change in. Delivery itself (signing, retries) is
 * the dispatcher's (webhooks.ts).
 */
import type { Json } from '../checks/fields';
import { checkWebhookUrls, type ResolvedOptions } from '../options';
import type { PortfolioChange } from '../portfolio';
import type { SeedPhoneNumber } from '../seedLoader';
import { WebhookDispatcher } from '../webhooks';
import { metadataOf } from './format';

export class AccountWebhooks {
	readonly dispatcher: WebhookDispatcher;
	#urls: readonly string[];
	#subscribed = true;
	#accountId = '';

	constructor(private readonly options: ResolvedOptions) {
		this.#urls = options.webhookUrls;
		this.dispatcher = new WebhookDispatcher({
			appSecret: options.appSecret,
			retryScheduleMs: options.webhookRetryScheduleMs,
			timeoutMs: options.webhookTimeoutMs,
			clock: options.clock,
			urls: () => this.#urls,
			subscribed: () => this.#subscribed,
			log: options.log,
		});
	}

	/** The account of the seed, subscribed again; the URLs stay. */
	load(accountId: string): void {
		this.#accountId = accountId;
		this.#subscribed = true;
	}

	/** The first webhook URL, where webhooks go when only one is set. */
	get url(): string | undefined {
		return this.#urls[0];
	}

	/** Sends webhooks to this URL only (undefined: nowhere). */
	set url(url: string | undefined) {
		this.#urls = url === undefined ? [] : [url];
	}

	/** Every webhook URL: each gets its own delivery of every webhook (several subscribed apps). */
	get urls(): readonly string[] {
		return [...this.#urls];
	}

	/** @throws TypeError when one is not an http(s) URL; repeats are dropped. */
	set urls(urls: readonly string[]) {
		this.#urls = checkWebhookUrls(urls);
	}

	get subscribed(): boolean {
		return this.#subscribed;
	}

	set subscribed(value: boolean) {
		this.#subscribed = value;
	}

	/** A messages webhook about one business number (a message from a contact, a status). */
	postMessages(phone: SeedPhoneNumber, content: Json, summary: string): void {
		this.post(
			'messages',
			{ messaging_product: 'whatsapp', metadata: metadataOf(phone), ...content },
			summary,
		);
	}

	/** A change of the portfolio's standing (portfolio.ts). */
	announce(change: PortfolioChange, timeMs?: number): void {
		this.post(change.field, change.value, change.summary, timeMs);
	}

	/** Fields other than "messages" carry entry.time, as Meta's do. */
	post(field: string, value: Json, summary: string, timeMs?: number): void {
		const entry: Json = {
			id: this.#accountId,
			...(field === 'messages'
				? {}
				: { time: Math.floor((timeMs ?? this.options.clock.now()) / 1000) }),
			changes: [{ value, field }],
		};
		this.dispatcher.post({ object: 'whatsapp_business_account', entry: [entry] }, field, summary);
	}
}
