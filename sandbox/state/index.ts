/**
 * What the sandbox knows and decides, one file per thing it models: the business's phone numbers
 * (numbers.ts), its contacts (contacts.ts), templates (templates.ts), uploaded media (media.ts),
 * the chats' windows (conversations.ts), every message sent and received (messages.ts), a send
 * (outbox.ts) and what follows it (statuses.ts), contacts writing (inbox.ts), and the account's
 * webhooks (accountWebhooks.ts); the portfolio's standing (../portfolio.ts) and the send limits
 * (../limits.ts) beside them. The HTTP layers (graph.ts, control.ts) only translate requests
 * into calls on this class, which composes them and is all they see.
 */
import type { Json } from '../checks/fields';
import { SendLimits } from '../limits';
import type { ResolvedOptions } from '../options';
import { Portfolio } from '../portfolio';
import { loadSeed, type SandboxSeed, type SeedPhoneNumber, type SeedTemplate } from '../seedLoader';
import type { WebhookDelivery, WebhookDispatcher } from '../webhooks';
import { AccountWebhooks } from './accountWebhooks';
import { Contacts, type Contact } from './contacts';
import { Conversations } from './conversations';
import { chatKey } from './format';
import { Inbox, type InboundOptions } from './inbox';
import { UploadedMedia, type MediaRecord } from './media';
import { MessageLog, type ReceivedMessage, type SentMessage } from './messages';
import { PhoneNumbers } from './numbers';
import { Outbox, type SendResult } from './outbox';
import { Statuses } from './statuses';
import { Templates } from './templates';

export type { Contact } from './contacts';
export type { PricingInfo } from './conversations';
export type { InboundOptions } from './inbox';
export type { MessageStatus, ReceivedMessage, SentMessage } from './messages';
export type { SendResult } from './outbox';

export class SandboxState {
	readonly webhooks: WebhookDispatcher;
	readonly #account: AccountWebhooks;
	// What the seed gives, and all that follows from it: built anew by reset().
	#seed!: SandboxSeed;
	#numbers!: PhoneNumbers;
	#portfolio!: Portfolio;
	#contacts!: Contacts;
	#templates!: Templates;
	#media!: UploadedMedia;
	#conversations!: Conversations;
	#log!: MessageLog;
	#statuses!: Statuses;
	#outbox!: Outbox;
	#inbox!: Inbox;

	constructor(readonly options: ResolvedOptions) {
		this.#account = new AccountWebhooks(options);
		this.webhooks = this.#account.dispatcher;
		this.#load();
	}

	// -------------------------------------------------------------------------------------------
	// What the sandbox holds

	get businessAccount(): SandboxSeed['business_account'] {
		return this.#seed.business_account;
	}

	get app(): SandboxSeed['app'] {
		return this.#seed.app;
	}

	get phoneNumbers(): readonly SeedPhoneNumber[] {
		return this.#numbers.list();
	}

	phoneNumber(id: string): SeedPhoneNumber | undefined {
		return this.#numbers.get(id);
	}

	/** The first webhook URL, where webhooks go when only one is set. */
	get webhookUrl(): string | undefined {
		return this.#account.url;
	}

	/** Sends webhooks to this URL only (undefined: nowhere). */
	set webhookUrl(url: string | undefined) {
		this.#account.url = url;
	}

	/** Every webhook URL: each gets its own delivery of every webhook (several subscribed apps). */
	get webhookUrls(): readonly string[] {
		return this.#account.urls;
	}

	/** @throws TypeError when one is not an http(s) URL; repeats are dropped. */
	set webhookUrls(urls: readonly string[]) {
		this.#account.urls = urls;
	}

	get subscribed(): boolean {
		return this.#account.subscribed;
	}

	set subscribed(value: boolean) {
		this.#account.subscribed = value;
	}

	contacts(): Contact[] {
		return this.#contacts.list();
	}

	contact(waId: string): Contact | undefined {
		return this.#contacts.get(waId);
	}

	/** Templates with their current status and quality, as the template list returns them. */
	templates(): { raw: Json; status: string; definition: SeedTemplate['definition'] }[] {
		return this.#templates.list();
	}

	/** The portfolio's messaging limit and the quality ratings (portfolio.ts). */
	get portfolio(): Portfolio {
		return this.#portfolio;
	}

	/**
	 * How many sends were answered with a message id since the last reset (also those whose status
	 * later says failed): sentMessages() keeps only the last 50,000.
	 */
	acceptedTotal(): number {
		return this.#log.acceptedTotal();
	}

	sentMessages(filter: { to?: string } = {}): SentMessage[] {
		return this.#log.sentMessages(filter);
	}

	sentMessage(id: string): SentMessage | undefined {
		return this.#log.sentMessage(id);
	}

	receivedMessages(): ReceivedMessage[] {
		return this.#log.receivedMessages();
	}

	webhookDeliveries(): readonly WebhookDelivery[] {
		return this.webhooks.list();
	}

	/** Whether a contact's 24-hour window with a business number is open now. */
	windowOpen(phoneNumberId: string, waId: string): boolean {
		return this.#conversations.windowOpen(chatKey(phoneNumberId, waId), this.options.clock.now());
	}

	// -------------------------------------------------------------------------------------------
	// Sending (POST /<PHONE_NUMBER_ID>/messages): outbox.ts

	/** The next `count` accepted sends lose their answer (the connection is cut). */
	dropAnswers(count: number): number {
		return this.#outbox.dropAnswers(count);
	}

	/** Whether the answer of the send just accepted is to be dropped (and counts it). */
	takeDroppedAnswer(): boolean {
		return this.#outbox.takeDroppedAnswer();
	}

	/** @throws GraphError as Meta would answer. */
	send(phoneNumberId: string, body: unknown): SendResult {
		return this.#outbox.send(phoneNumberId, body);
	}

	// -------------------------------------------------------------------------------------------
	// Contacts writing (control API): inbox.ts

	/** The contact sends a text; `fromAd` adds a click-to-WhatsApp referral. */
	say(
		waId: string,
		text: string,
		options: InboundOptions & { fromAd?: boolean } = {},
	): ReceivedMessage {
		return this.#inbox.say(waId, text, options);
	}

	/** A tap on a quick-reply button of the last template sent to the contact. */
	tap(waId: string, payloadOrText: string, options: InboundOptions = {}): ReceivedMessage {
		return this.#inbox.tap(waId, payloadOrText, options);
	}

	/** A choice of a row of the last list message sent to the contact. */
	choose(waId: string, rowId: string, options: InboundOptions = {}): ReceivedMessage {
		return this.#inbox.choose(waId, rowId, options);
	}

	/** A press of a reply button of the last button message sent to the contact. */
	press(waId: string, buttonId: string, options: InboundOptions = {}): ReceivedMessage {
		return this.#inbox.press(waId, buttonId, options);
	}

	// -------------------------------------------------------------------------------------------
	// Contacts, preferences and templates (control API)

	addContact(input: {
		wa_id: string;
		name?: string;
		country?: string;
		marketing_limit_per_day?: number;
	}): Contact {
		return this.#contacts.add(input);
	}

	/** The contact stops or resumes marketing messages in WhatsApp: state + user_preferences webhook. */
	setMarketingPreference(
		waId: string,
		value: 'stop' | 'resume',
		options: { phoneNumberId?: string } = {},
	): Contact {
		return this.#contacts.setMarketingPreference(waId, value, options);
	}

	/** Sets the status of a template (every language unless one is given) and sends the webhook. */
	setTemplateStatus(
		name: string,
		status: string,
		options: { language?: string; reason?: string } = {},
	): { name: string; language: string; status: string }[] {
		return this.#templates.setStatus(name, status, options);
	}

	// -------------------------------------------------------------------------------------------
	// The portfolio's standing (control API): messaging limit and quality ratings, with webhooks

	/** Sets the portfolio's messaging limit (business_capability_update webhook). */
	setMessagingLimit(limit: unknown): void {
		this.#account.announce(this.#portfolio.setMessagingLimit(limit));
	}

	/** Sets a number's quality rating (phone_number_quality_update FLAGGED / UNFLAGGED around RED). */
	setNumberQuality(
		rating: unknown,
		options: { phoneNumberId?: string; webhook?: boolean } = {},
	): { id: string; quality_rating: string } {
		const phone = this.#numbers.require(options.phoneNumberId);
		const change = this.#portfolio.setNumberQuality(phone, rating);
		if (change && options.webhook !== false) this.#account.announce(change);
		return { id: phone.id, quality_rating: this.#portfolio.numberQuality(phone.id)! };
	}

	/** Sets a template's quality score, every language unless one is given (message_template_quality_update). */
	setTemplateQuality(
		name: string,
		score: unknown,
		options: { language?: string } = {},
	): { name: string; language: string; quality_score: Json }[] {
		return this.#templates.setQuality(name, score, options);
	}

	// -------------------------------------------------------------------------------------------
	// Media: media.ts

	uploadMedia(
		phoneNumberId: string,
		input: { data: Buffer; mimeType: string; fileName?: string },
	): string {
		return this.#media.upload(phoneNumberId, input);
	}

	media(id: string): Readonly<MediaRecord> | undefined {
		return this.#media.get(id);
	}

	deleteMedia(id: string): boolean {
		return this.#media.delete(id);
	}

	// -------------------------------------------------------------------------------------------
	// Lifecycle

	/**
	 * Back to the seed: contacts, templates, media, logs, windows and limits; the messaging limit
	 * and quality ratings back to the options and the seed. The webhook URL stays.
	 */
	reset(): void {
		this.#statuses.cancel();
		this.webhooks.clear();
		this.#load();
	}

	close(): void {
		this.#statuses.cancel();
		this.webhooks.close();
	}

	/** Builds every model from the seed (again). */
	#load(): void {
		const options = this.options;
		const seed = loadSeed(options.seed, {
			businessAccountId: options.businessAccountId,
			phoneNumbers: options.phoneNumbers as unknown[] | undefined,
		});
		const account = this.#account;
		const numbers = new PhoneNumbers(seed.phone_numbers);
		const portfolio = new Portfolio(options.messagingLimit, seed.phone_numbers);
		const contacts = new Contacts(seed.contacts, numbers, account, options.clock);
		const templates = new Templates(seed.templates, portfolio, account, options.clock);
		const log = new MessageLog();
		const media = new UploadedMedia((id) => numbers.has(id) || log.hasSent(id));
		const conversations = new Conversations();
		const limits = new SendLimits(options, (id) => numbers.get(id)?.throughput);
		const statuses = new Statuses(options, numbers, log, account);
		this.#seed = seed;
		this.#numbers = numbers;
		this.#portfolio = portfolio;
		this.#contacts = contacts;
		this.#templates = templates;
		this.#media = media;
		this.#conversations = conversations;
		this.#log = log;
		this.#statuses = statuses;
		this.#outbox = new Outbox({
			options,
			numbers,
			contacts,
			templates,
			media,
			portfolio,
			conversations,
			limits,
			log,
			statuses,
		});
		this.#inbox = new Inbox({ options, numbers, contacts, conversations, log, webhooks: account });
		account.load(seed.business_account.id);
	}
}
