/**
 * What each webhook event changes in the compliance store. Pure: an event, the options and what the
 * caller read from the store before (context) in, StoreEffects out; the handler applies them.
 *
 * Every side effect is on by default and can be switched off:
 * - openWindow: a message from the contact opens or refreshes the 24 h customer service window
 *   with that sender number (a group message: with the group); with an ad or post referral it also
 *   marks the free entry point (fep rule). WhatsApp's own system notices open nothing.
 * - optOutKeywords: a typed STOP-style keyword is a full opt-out: opt_out on ALL_PURPOSES, and
 *   on MARKETING too, so that a later START (which lifts the full opt-out for utility) does not
 *   bring back marketing consent the contact withdrew.
 * - optOutPayloads: a tapped "Stop promotions" quick-reply (or reply button / list row with such
 *   an id) is opt_out on MARKETING only.
 * - confirmationPayloads / confirmationKeywords: a double opt-in confirmation ("YES", "JA", a
 *   CONFIRM_OPT_IN button) confirms every purpose that is pending for the contact, and nothing
 *   else: the caller passes the contact's consents (context.consents), and without a pending
 *   purpose the answer records nothing. So "yes" to any other question never becomes consent.
 *   The confirm keeps Meta's timestamp (whole seconds), even when that looks older than the
 *   request: the store's consent rule (policy/consentChange.ts) allows for that, for every writer.
 * - Every opt-out here (keyword, button, user_preferences stop, 131050) keeps Meta's timestamp
 *   too; the store's rule lets it win over a change stamped up to CLOCK_SKEW_ALLOWANCE later.
 * - optInKeywords: START-style keywords are opt_in on ALL_PURPOSES: they lift a full opt-out and
 *   count for utility and authentication templates, never as marketing consent (model.ts).
 * - userPreferences: the contact's stop in WhatsApp's "Offers and announcements" setting is
 *   opt_out on MARKETING. A resume there is not consent (GDPR Art. 7: consent must be given to the
 *   business for a purpose); it only lifts the block the stop created: when the contact's latest
 *   marketing change is such a stop (or a 131050 failure, the same setting seen from a send), the
 *   marketing status before it (opted in, or pending) is recorded again; otherwise nothing is.
 *   The caller passes the contact's consent history (context.consentHistory) for this.
 * - suppressOn131050: a failed status with 131050 (the contact stopped marketing in WhatsApp) is
 *   opt_out on MARKETING, source delivery_failure.
 * - closeWindowOn131047: a failed status with 131047 closes the customer service window whatever
 *   our clock says.
 * - sendFailures: statuses update the sent messages: a failed one marks its send failed (with the
 *   error code; a re-run may send it again), and any status of a send whose answer was lost
 *   confirms it, found by the id the send carried in biz_opaque_callback_data.
 * - costLedger: a delivered (or read) status with pricing adds the message to the cost ledger,
 *   with the list price of the contact's market for charged (regular) messages and 0 for free
 *   ones, and the market; a group message once per member (each member's status names them).
 *   Meta charges a message when it is delivered: a sent status that never turns into a delivery
 *   costs nothing, so it is not recorded.
 * - accountStanding: business_capability_update and phone_number_quality_update set the
 *   portfolio's messaging limit, phone_number_quality_update's FLAGGED / UNFLAGGED the number's
 *   quality, as RED / YELLOW (numberQualityRating: the read's spelling), kept under its display
 *   phone number, the only way the webhook names it, and
 *   message_template_quality_update the template's quality (standing.ts), for Send Template's
 *   messaging limit and quality rules.
 * - templateState: template status updates set the status (and category) Send Template checks; a
 *   completed category change sets the category of the template as last stored (context.templateState).
 *
 * Consent is never derived from group messages: a word typed in a group is not addressed to the
 * business as a personal request. Every consent event carries eventKey = dedupeKey + ":" + purpose,
 * so a replayed webhook records nothing twice.
 */
import {
	ALL_PURPOSES,
	MARKETING,
	type ConsentAction,
	type ConsentEvent,
	type ConsentEventInput,
	type ConsentRecord,
	type ConsentStatus,
	type CostEntry,
	type Purpose,
	type TemplateCategory,
	type TemplateState,
} from '../model';
import { countryOf } from '../phone';
import { messagingLimitFromMeta } from '../policy/messagingLimit';
import { numberQualityRating } from '../policy/quality';
import { effectiveConsent } from '../policy/consent';
import {
	META_RATE_CARD_2026_01_USD,
	marketOf,
	priceOf,
	validatePricingOptions,
	type PricingOptions,
} from '../policy/pricing';
import {
	PORTFOLIO,
	displaySubject,
	templateSubject,
	type StandingEntry,
	type StandingName,
} from '../standing';
import { effectiveTime } from '../policy/consentChange';
import { costCategory } from '../report/costReport';
import type { StoreEffects } from '../store/types';
import { canonicalJson } from './dedupe';
import { MAX_EFFECT_TEXT_LENGTH } from './dropped';
import type { WhatsAppEvent } from './events';
import {
	DEFAULT_CONFIRMATION_KEYWORDS,
	DEFAULT_FILLER_WORDS,
	DEFAULT_OPT_IN_KEYWORDS,
	DEFAULT_OPT_OUT_KEYWORDS,
	KeywordListError,
	KeywordMatcher,
	keywordWordsOf,
	MAX_PAYLOAD_LENGTH,
	normalizePayload,
} from './keywords';

/** Quick-reply payloads meaning "stop marketing"; compared by normalizePayload (case, _ and - do not count). */
export const DEFAULT_OPT_OUT_PAYLOADS: readonly string[] = ['STOP_PROMOTIONS', 'Stop promotions'];
/** Payloads of a double opt-in confirmation button. */
export const DEFAULT_CONFIRMATION_PAYLOADS: readonly string[] = ['CONFIRM_OPT_IN'];

/** Meta error codes with a side effect. */
export const ERROR_WINDOW_CLOSED = 131047;
export const ERROR_MARKETING_STOPPED = 131050;

/** Sources of a marketing stop made in WhatsApp's own settings (a resume there lifts them). */
export const WHATSAPP_SETTING_SOURCES: readonly string[] = ['user_preferences', 'delivery_failure'];

export interface WebhookEffectOptions {
	/**
	 * Whether a message from a contact opens or refreshes the customer service window (and marks a
	 * free entry point for ad and post referrals).
	 * @default true
	 */
	readonly openWindow?: boolean;
	/**
	 * Typed keywords that opt the contact out of everything; false to ignore keywords.
	 * @default DEFAULT_OPT_OUT_KEYWORDS
	 */
	readonly optOutKeywords?: readonly string[] | false;
	/**
	 * Typed keywords that lift a full opt-out (utility and authentication, not marketing); false to ignore.
	 * @default DEFAULT_OPT_IN_KEYWORDS
	 */
	readonly optInKeywords?: readonly string[] | false;
	/**
	 * Typed answers that confirm pending (double opt-in) consent; false to accept buttons only.
	 * @default DEFAULT_CONFIRMATION_KEYWORDS
	 */
	readonly confirmationKeywords?: readonly string[] | false;
	/**
	 * Polite words allowed around a keyword ("please", "bitte").
	 * @default DEFAULT_FILLER_WORDS
	 */
	readonly fillerWords?: readonly string[];
	/**
	 * Button payloads (template quick-reply payloads, reply button or list row ids) that stop
	 * marketing; false to ignore.
	 * @default DEFAULT_OPT_OUT_PAYLOADS
	 */
	readonly optOutPayloads?: readonly string[] | false;
	/**
	 * Button payloads that confirm pending (double opt-in) consent; false to ignore.
	 * @default DEFAULT_CONFIRMATION_PAYLOADS
	 */
	readonly confirmationPayloads?: readonly string[] | false;
	/**
	 * Whether user_preferences stop / resume webhooks change marketing consent.
	 * @default true
	 */
	readonly userPreferences?: boolean;
	/**
	 * Whether a failed status with 131050 records a marketing opt-out.
	 * @default true
	 */
	readonly suppressOn131050?: boolean;
	/**
	 * Whether a failed status with 131047 closes the customer service window.
	 * @default true
	 */
	readonly closeWindowOn131047?: boolean;
	/**
	 * Whether failed statuses mark the sent message as failed.
	 * @default true
	 */
	readonly sendFailures?: boolean;
	/**
	 * Whether statuses with pricing are added to the cost ledger.
	 * @default true
	 */
	readonly costLedger?: boolean;
	/**
	 * Whether template status and category updates are stored for Send Template.
	 * @default true
	 */
	readonly templateState?: boolean;
	/**
	 * Whether the messaging limit and quality ratings in webhooks are stored for Send Template.
	 * @default true
	 */
	readonly accountStanding?: boolean;
	/**
	 * The WhatsApp Business Accounts (ids) whose messaging limit and quality webhooks
	 * (business_capability_update, phone_number_quality_update, message_template_quality_update)
	 * change the store: the trigger gives its credential's. Such a webhook of another account (one
	 * more subscribed to the same Meta app) changes nothing (WebhookEffectRules.ignores says why).
	 * @default every account
	 */
	readonly businessAccounts?: readonly string[];
	/**
	 * Rates for the cost ledger's estimated price.
	 * @default META_RATE_CARD_2026_01_USD
	 */
	readonly pricing?: PricingOptions;
	/**
	 * Who consent events are recorded by.
	 * @default 'webhook'
	 */
	readonly recordedBy?: string;
}

/** What the caller read from the store before deriving effects (see WebhookEffectRules.needs). */
export interface EffectContext {
	/** When the webhook arrived (ms): the time of events that carry none. */
	receivedAt: number;
	/** The contact's current consent records: needed to confirm pending consent. */
	consents?: readonly ConsentRecord[];
	/** The contact's consent history: needed for a user_preferences resume. */
	consentHistory?: readonly ConsentEvent[];
	/** The stored state of the event's template: needed for a completed category change. */
	templateState?: TemplateState;
}

/** Which store reads an event's effects depend on. */
export interface EffectNeeds {
	consents: boolean;
	consentHistory: boolean;
	templateState: boolean;
}

/** Thrown for an unusable option; `field` names it. */
export class WebhookOptionError extends Error {
	constructor(
		readonly field: string,
		message: string,
	) {
		super(message);
		this.name = 'WebhookOptionError';
	}
}

const TEMPLATE_CATEGORIES: readonly TemplateCategory[] = ['marketing', 'utility', 'authentication'];
/** The events that say the account's messaging limit or a quality rating (standing). */
const STANDING_KINDS: ReadonlySet<string> = new Set([
	'template_quality',
	'phone_number_quality',
	'business_capability',
]);
const BSUID_COUNTRY = /^([A-Z]{2})\./;
const COUNTRY_CACHE_LIMIT = 10_000;

type Trigger =
	| { kind: 'opt_out_all'; keyword: string }
	| { kind: 'opt_out_marketing'; payload: string }
	| { kind: 'confirm'; via: 'keyword' | 'button'; match: string }
	| { kind: 'opt_in'; keyword: string };

/** The options compiled and checked once; `derive` per event. */
export class WebhookEffectRules {
	readonly openWindow: boolean;
	readonly userPreferences: boolean;
	readonly suppressOn131050: boolean;
	readonly closeWindowOn131047: boolean;
	readonly sendFailures: boolean;
	readonly costLedger: boolean;
	readonly templateState: boolean;
	readonly accountStanding: boolean;
	readonly recordedBy: string;
	private readonly businessAccounts?: ReadonlySet<string>;
	private readonly optOut?: KeywordMatcher;
	private readonly optIn?: KeywordMatcher;
	private readonly confirmation?: KeywordMatcher;
	private readonly optOutPayloads: Set<string>;
	private readonly confirmationPayloads: Set<string>;
	private readonly pricing: PricingOptions;
	private readonly currency: string;
	private readonly countries = new Map<string, string | undefined>();
	private readonly triggers = new WeakMap<WhatsAppEvent, Trigger | undefined>();

	constructor(options: WebhookEffectOptions = {}) {
		const flag = (name: keyof WebhookEffectOptions): boolean => {
			const value = options[name];
			if (value === undefined) return true;
			if (typeof value !== 'boolean') {
				throw new WebhookOptionError(
					name,
					`${name} must be true or false, got ${JSON.stringify(value)}.`,
				);
			}
			return value;
		};
		this.openWindow = flag('openWindow');
		this.userPreferences = flag('userPreferences');
		this.suppressOn131050 = flag('suppressOn131050');
		this.closeWindowOn131047 = flag('closeWindowOn131047');
		this.sendFailures = flag('sendFailures');
		this.costLedger = flag('costLedger');
		this.templateState = flag('templateState');
		this.accountStanding = flag('accountStanding');
		const recordedBy = options.recordedBy ?? 'webhook';
		if (typeof recordedBy !== 'string' || recordedBy.trim() === '') {
			throw new WebhookOptionError(
				'recordedBy',
				`recordedBy must be a non-empty name such as "webhook", got ${JSON.stringify(recordedBy)}.`,
			);
		}
		this.recordedBy = recordedBy;
		const accounts = options.businessAccounts;
		if (accounts !== undefined) {
			if (!Array.isArray(accounts) || accounts.some((a) => typeof a !== 'string' || a === '')) {
				throw new WebhookOptionError(
					'businessAccounts',
					`businessAccounts must be a list of WhatsApp Business Account IDs, got ${JSON.stringify(accounts)}.`,
				);
			}
			this.businessAccounts = new Set(accounts);
		}
		const fillers = options.fillerWords ?? DEFAULT_FILLER_WORDS;
		try {
			this.optOut = matcher(
				options.optOutKeywords,
				DEFAULT_OPT_OUT_KEYWORDS,
				fillers,
				'optOutKeywords',
			);
			this.optIn = matcher(
				options.optInKeywords,
				DEFAULT_OPT_IN_KEYWORDS,
				fillers,
				'optInKeywords',
			);
			this.confirmation = matcher(
				options.confirmationKeywords,
				DEFAULT_CONFIRMATION_KEYWORDS,
				fillers,
				'confirmationKeywords',
			);
		} catch (error) {
			if (error instanceof KeywordListError)
				throw new WebhookOptionError(error.field, error.message);
			throw error;
		}
		this.optOutPayloads = payloads(
			options.optOutPayloads,
			DEFAULT_OPT_OUT_PAYLOADS,
			'optOutPayloads',
		);
		this.confirmationPayloads = payloads(
			options.confirmationPayloads,
			DEFAULT_CONFIRMATION_PAYLOADS,
			'confirmationPayloads',
		);
		this.pricing = options.pricing ?? {};
		try {
			validatePricingOptions(this.pricing);
		} catch (error) {
			const field = (error as { field?: string }).field ?? 'pricing';
			throw new WebhookOptionError(field, (error as Error).message);
		}
		this.currency = (this.pricing.rateCard ?? META_RATE_CARD_2026_01_USD).currency;
	}

	/** Which store reads `derive` needs for this event (read them in one batch before deriving). */
	needs(event: WhatsAppEvent): EffectNeeds {
		const trigger = event.kind === 'message' ? this.trigger(event) : undefined;
		return {
			consents: trigger?.kind === 'confirm',
			consentHistory:
				event.kind === 'user_preference' &&
				this.userPreferences &&
				event.preference?.value === 'resume' &&
				event.contact !== undefined,
			templateState:
				event.kind === 'template_category' &&
				this.templateState &&
				event.template?.previousCategory !== undefined &&
				event.template?.newCategory !== undefined,
		};
	}

	/** The store changes of one event. */
	derive(event: WhatsAppEvent, context: EffectContext): StoreEffects {
		const at = event.timestampMs ?? context.receivedAt;
		const effects = this.ofKind(event, at, context);
		// Rows kept under a BSUID are erased with the phone number, and the other way round.
		if (event.contactWaId !== undefined && event.contactUserId !== undefined) {
			effects.aliases = [{ contact: event.contactWaId, userId: event.contactUserId, at }];
		}
		return effects;
	}

	private ofKind(event: WhatsAppEvent, at: number, context: EffectContext): StoreEffects {
		switch (event.kind) {
			case 'message':
				return this.message(event, at, context);
			case 'status':
				return this.status(event, at);
			case 'user_preference':
				return this.preference(event, at, context);
			case 'template_status':
			case 'template_category':
				return this.template(event, at, context);
			case 'template_quality':
			case 'phone_number_quality':
			case 'business_capability':
				return this.standing(event, at);
			default:
				return {};
		}
	}

	/**
	 * Why this event changes nothing although it would otherwise (for the log): a messaging limit
	 * or quality webhook of a business account that is not in businessAccounts. Its values are not
	 * this account's; storing them would hold or count this account's sends by another's.
	 */
	ignores(event: WhatsAppEvent): string | undefined {
		if (!this.accountStanding || !this.businessAccounts || !STANDING_KINDS.has(event.kind)) {
			return undefined;
		}
		if (this.businessAccounts.has(event.businessAccountId)) return undefined;
		const account = event.businessAccountId || 'none';
		return `WhatsApp webhook ${event.field} of WhatsApp Business Account ${account} ignored: the credential's account is ${[...this.businessAccounts].join(', ')}, so it does not change this account's messaging limit or quality ratings`;
	}

	/** What a messaging limit or quality webhook says of the account (see accountStanding above). */
	private standing(event: WhatsAppEvent, at: number): StoreEffects {
		if (!this.accountStanding || this.ignores(event) !== undefined) return {};
		const entries: StandingEntry[] = [];
		const say = (subject: string, name: StandingName, value: string) =>
			entries.push({ subject, name, value, at, source: event.field });
		const limit = (value: string | undefined) => {
			const parsed = messagingLimitFromMeta(value);
			if (parsed !== undefined) say(PORTFOLIO, 'messaging_limit', String(parsed));
		};
		if (event.kind === 'business_capability') {
			limit(event.businessCapability?.maxDailyConversations);
		} else if (event.kind === 'phone_number_quality' && event.phoneNumberQuality) {
			const q = event.phoneNumberQuality;
			// current_limit is the throughput level for throughput events, a messaging limit otherwise.
			const throughput = q.event === 'THROUGHPUT_UPGRADE' || q.event === 'ONBOARDING';
			limit(q.maxDailyConversations ?? (throughput ? undefined : q.currentLimit));
			if ((q.event === 'FLAGGED' || q.event === 'UNFLAGGED') && event.displayPhoneNumber) {
				// In the read's spelling (GREEN / YELLOW / RED): one vocabulary whoever said it.
				say(
					displaySubject(event.displayPhoneNumber),
					'quality_rating',
					numberQualityRating(q.event),
				);
			}
		} else if (event.kind === 'template_quality' && event.template?.quality) {
			const t = event.template;
			if (event.businessAccountId) {
				const key = { account: event.businessAccountId, name: t.name, language: t.language };
				say(templateSubject(key), 'quality_rating', t.quality!.trim().toUpperCase());
			}
		}
		return entries.length > 0 ? { standing: entries } : {};
	}

	/**
	 * What a message means for consent (the first that applies: opt-out, confirmation, opt-in).
	 * Kept per event: `needs` and `derive` both ask, and matching is the costly part of a message.
	 */
	private trigger(event: WhatsAppEvent): Trigger | undefined {
		if (!this.triggers.has(event)) this.triggers.set(event, this.findTrigger(event));
		return this.triggers.get(event);
	}

	private findTrigger(event: WhatsAppEvent): Trigger | undefined {
		if (event.groupId !== undefined || event.contact === undefined) return undefined;
		// The text's words once for the three lists (splitting is the costly part).
		const typed = event.messageType === 'text' ? keywordWordsOf(event.text) : undefined;
		const optOut = typed && this.optOut?.matchWords(typed);
		if (optOut !== undefined) return { kind: 'opt_out_all', keyword: optOut };
		// A quick-reply tap without a payload carries its label (Meta's own fallback too).
		const quickReply =
			event.messageType === 'button' ? (event.buttonPayload ?? event.text) : undefined;
		const tapped = [quickReply, event.buttonReply?.id, event.listReply?.id]
			.filter((p): p is string => p !== undefined && p.length <= MAX_PAYLOAD_LENGTH)
			.map((payload) => ({ payload, normalized: normalizePayload(payload) }));
		const stop = tapped.find((p) => this.optOutPayloads.has(p.normalized));
		if (stop !== undefined) return { kind: 'opt_out_marketing', payload: stop.payload };
		const confirmTap = tapped.find((p) => this.confirmationPayloads.has(p.normalized));
		if (confirmTap !== undefined) {
			return { kind: 'confirm', via: 'button', match: confirmTap.payload };
		}
		const confirmWord = typed && this.confirmation?.matchWords(typed);
		if (confirmWord !== undefined) return { kind: 'confirm', via: 'keyword', match: confirmWord };
		const optIn = typed && this.optIn?.matchWords(typed);
		if (optIn !== undefined) return { kind: 'opt_in', keyword: optIn };
		return undefined;
	}

	private message(event: WhatsAppEvent, at: number, context: EffectContext): StoreEffects {
		const effects: StoreEffects = {};
		const sender = event.phoneNumberId;
		const windowContact = event.groupId ?? event.contact;
		if (this.openWindow && sender && windowContact && event.messageType !== 'system') {
			effects.windows = [
				event.referral
					? { sender, contact: windowContact, at, referral: true }
					: { sender, contact: windowContact, at },
			];
		}
		const trigger = this.trigger(event);
		if (!trigger) return effects;
		const contact = event.contact as string;
		const evidence = { messageId: event.messageId };
		const wording = event.text;
		const consent = (purpose: Purpose, action: ConsentAction, source: string, note: string) =>
			this.consentEvent(event, {
				contact,
				purpose,
				action,
				at,
				source,
				wording,
				evidence: { ...evidence, note },
			});
		switch (trigger.kind) {
			case 'opt_out_all': {
				const note = `opt-out keyword "${trigger.keyword}"`;
				effects.consent = [
					consent(ALL_PURPOSES, 'opt_out', 'keyword', note),
					consent(MARKETING, 'opt_out', 'keyword', note),
				];
				break;
			}
			case 'opt_out_marketing':
				effects.consent = [
					consent(MARKETING, 'opt_out', 'button', `opt-out button payload "${trigger.payload}"`),
				];
				break;
			case 'confirm': {
				const note =
					trigger.via === 'button'
						? `double opt-in confirmation button payload "${trigger.match}"`
						: `double opt-in confirmation keyword "${trigger.match}"`;
				const source = trigger.via === 'button' ? 'button' : 'keyword';
				const pending = pendingPurposes(context.consents ?? []);
				if (pending.length > 0) {
					effects.consent = pending.map((purpose) => consent(purpose, 'confirm', source, note));
				}
				break;
			}
			case 'opt_in':
				effects.consent = [
					consent(ALL_PURPOSES, 'opt_in', 'keyword', `opt-in keyword "${trigger.keyword}"`),
				];
				break;
		}
		return effects;
	}

	private status(event: WhatsAppEvent, at: number): StoreEffects {
		const effects: StoreEffects = {};
		const wamid = event.messageId;
		if (!wamid) return effects;
		const sender = event.phoneNumberId;
		const contact = event.contact;
		const callbackId = event.callbackId;
		if (event.status === 'failed') {
			const codes = (event.errors ?? []).map((e) => e.code);
			if (this.sendFailures) {
				effects.sendFailures = [
					{
						wamid,
						at,
						...(codes.length > 0 ? { errorCode: codes[0] } : {}),
						...(callbackId ? { callbackId } : {}),
					},
				];
			}
			const windowContact = event.groupId ?? contact;
			if (
				this.closeWindowOn131047 &&
				codes.includes(ERROR_WINDOW_CLOSED) &&
				sender &&
				windowContact
			) {
				effects.closeWindows = [{ sender, contact: windowContact, at }];
			}
			if (
				this.suppressOn131050 &&
				codes.includes(ERROR_MARKETING_STOPPED) &&
				contact &&
				event.groupId === undefined
			) {
				effects.consent = [
					this.consentEvent(event, {
						contact,
						purpose: MARKETING,
						action: 'opt_out',
						at,
						source: 'delivery_failure',
						reason: `WhatsApp answered ${ERROR_MARKETING_STOPPED}: the contact stopped marketing messages from this business in WhatsApp`,
						evidence: { messageId: wamid },
					}),
				];
			}
		}
		if (this.sendFailures && callbackId && event.status !== 'failed') {
			// Sent, delivered, read: Meta took the message; a send still pending learns its wamid.
			effects.sendConfirmations = [{ callbackId, wamid, at }];
		}
		const pricing = event.pricing;
		const costContact = contact ?? event.statusRecipient;
		const delivered = event.status === 'delivered' || event.status === 'read';
		if (this.costLedger && pricing && delivered && sender && costContact) {
			const category = pricing.category ?? 'unknown';
			const pricingType = pricing.type ?? 'unknown';
			const entry: CostEntry = {
				wamid,
				sender,
				contact: costContact,
				category,
				pricingType,
				billable: pricing.billable ?? pricingType === 'regular',
				at,
			};
			const price = this.estimate(category, pricingType, contact);
			if (price !== undefined) {
				entry.estimatedPrice = price;
				entry.currency = this.currency;
			}
			const country = this.country(contact);
			if (country !== undefined) entry.market = marketOf(country, this.pricing.rateCard);
			effects.costs = [entry];
		}
		return effects;
	}

	private preference(event: WhatsAppEvent, at: number, context: EffectContext): StoreEffects {
		const contact = event.contact;
		const value = event.preference?.value;
		if (!this.userPreferences || !contact || event.preference?.category !== 'marketing_messages') {
			return {};
		}
		const wording = event.preference.detail;
		if (value === 'stop') {
			return {
				consent: [
					this.consentEvent(event, {
						contact,
						purpose: MARKETING,
						action: 'opt_out',
						at,
						source: 'user_preferences',
						wording,
						reason:
							'The contact stopped marketing messages in WhatsApp ("Offers and announcements")',
					}),
				],
			};
		}
		if (value === 'resume') {
			const before = marketingBeforeWhatsAppStop(context.consentHistory ?? []);
			if (before === undefined) return {};
			return {
				consent: [
					this.consentEvent(event, {
						contact,
						purpose: MARKETING,
						action: before === 'pending' ? 'request_confirmation' : 'opt_in',
						at,
						source: 'user_preferences',
						wording,
						reason:
							'The contact resumed marketing messages in WhatsApp: restores the marketing consent that was in force before their stop there',
					}),
				],
			};
		}
		return {};
	}

	private template(event: WhatsAppEvent, at: number, context: EffectContext): StoreEffects {
		const t = event.template;
		if (!this.templateState || !t || !event.businessAccountId) return {};
		if (event.kind === 'template_status') {
			if (!t.event) return {};
			const state: TemplateState = {
				account: event.businessAccountId,
				name: t.name,
				language: t.language,
				status: t.event,
				updatedAt: at,
			};
			const category = toCategory(t.category);
			if (category) state.category = category;
			if (t.reason !== undefined) state.reason = t.reason;
			return { templates: [state] };
		}
		// A completed category change carries no status: keep the stored one, and its time, so a
		// newer status update is never overwritten. Unknown templates come with the next list sync.
		const stored = context.templateState;
		const category = toCategory(t.newCategory);
		if (t.previousCategory === undefined || !stored || !category) return {};
		return { templates: [{ ...stored, category }] };
	}

	private consentEvent(event: WhatsAppEvent, input: ConsentEventInput): ConsentEventInput {
		const out: ConsentEventInput = {
			...input,
			recordedBy: this.recordedBy,
			eventKey: `${event.dedupeKey}:${input.purpose}`,
		};
		if (out.wording !== undefined) out.wording = cutWording(out.wording);
		for (const key of Object.keys(out) as (keyof ConsentEventInput)[]) {
			if (out[key] === undefined) delete out[key];
		}
		if (out.evidence) {
			const evidence = { ...out.evidence };
			for (const key of Object.keys(evidence) as (keyof typeof evidence)[]) {
				if (evidence[key] === undefined) delete evidence[key];
			}
			out.evidence = evidence;
		}
		return out;
	}

	/** List price for charged messages, 0 for free ones, undefined when no rate applies. */
	private estimate(
		category: string,
		pricingType: string,
		contact: string | undefined,
	): number | undefined {
		if (pricingType === 'unknown') return undefined;
		if (pricingType !== 'regular') return 0;
		const base = costCategory(category).category;
		const priced = TEMPLATE_CATEGORIES.find((c) => c === base);
		if (!priced) return undefined;
		// The pricing options were validated once, in the constructor.
		const estimate = priceOf(
			{
				category: priced,
				country: this.country(contact),
				windowOpen: false,
				freeEntryPoint: false,
			},
			this.pricing,
		);
		return estimate.estimatedPrice;
	}

	/** The country of a wa_id or BSUID, cached: statuses repeat the same contacts. */
	private country(contact: string | undefined): string | undefined {
		if (!contact) return undefined;
		if (this.countries.has(contact)) return this.countries.get(contact);
		const bsuid = BSUID_COUNTRY.exec(contact);
		const country = bsuid ? bsuid[1] : /^\d+$/.test(contact) ? countryOf(contact) : undefined;
		if (this.countries.size >= COUNTRY_CACHE_LIMIT) this.countries.clear();
		this.countries.set(contact, country);
		return country;
	}
}

const compiled = new WeakMap<WebhookEffectOptions, WebhookEffectRules>();
/** By content too: a trigger builds a new options object per request from the same parameters. */
const compiledByContent = new Map<string, WebhookEffectRules>();
const COMPILED_LIMIT = 64;

/**
 * The rules for `options`, compiled once per options object and per distinct content (compiling
 * the keyword lists costs more than handling a small POST).
 */
export function effectRules(
	options: WebhookEffectOptions | WebhookEffectRules = {},
): WebhookEffectRules {
	if (options instanceof WebhookEffectRules) return options;
	let rules = compiled.get(options);
	if (rules) return rules;
	const key = canonicalJson(options);
	rules = compiledByContent.get(key);
	if (!rules) {
		rules = new WebhookEffectRules(options);
		if (compiledByContent.size >= COMPILED_LIMIT) compiledByContent.clear();
		compiledByContent.set(key, rules);
	}
	compiled.set(options, rules);
	return rules;
}

/** The store changes of one event (see the list at the top of this file). */
export function deriveEffects(
	event: WhatsAppEvent,
	options: WebhookEffectOptions | WebhookEffectRules,
	context: EffectContext,
): StoreEffects {
	return effectRules(options).derive(event, context);
}

/**
 * The marketing status a WhatsApp-setting resume restores: the contact's latest applied marketing
 * change must be a stop from WhatsApp's setting (user_preferences, or a 131050 failure); the status
 * before that run of stops is returned when it was opted in or pending. Undefined otherwise: the
 * contact is not stopped there, or had no marketing consent to restore.
 */
export function marketingBeforeWhatsAppStop(
	history: readonly ConsentEvent[],
): Exclude<ConsentStatus, 'opted_out'> | undefined {
	const marketing = history
		.filter((e) => e.purpose === MARKETING && e.applied)
		.sort((a, b) => effectiveTime(a) - effectiveTime(b) || a.id - b.id);
	const isSettingStop = (e: ConsentEvent) =>
		e.action === 'opt_out' && WHATSAPP_SETTING_SOURCES.includes(e.source);
	let i = marketing.length - 1;
	if (i < 0 || !isSettingStop(marketing[i])) return undefined;
	while (i >= 0 && isSettingStop(marketing[i])) i--;
	if (i < 0) return undefined;
	const before = marketing[i].statusAfter;
	return before === 'opted_in' || before === 'pending' ? before : undefined;
}

/** Purposes waiting for the contact's confirmation (a full opt-out newer than the request wins). */
function pendingPurposes(consents: readonly ConsentRecord[]): Purpose[] {
	const purposes = new Set(consents.map((c) => c.purpose));
	return [...purposes]
		.filter((p) => p !== ALL_PURPOSES && effectiveConsent(consents, p)?.status === 'pending')
		.sort();
}

/**
 * The wording kept with a consent change: at most MAX_EFFECT_TEXT_LENGTH characters (Meta's
 * longest text), so an opt-out with an absurdly long button title or preference detail is still
 * recorded, without a megabyte of it.
 */
function cutWording(wording: string): string {
	if (wording.length <= MAX_EFFECT_TEXT_LENGTH) return wording;
	const note = ` [cut from ${wording.length} characters]`;
	let end = MAX_EFFECT_TEXT_LENGTH - note.length;
	// Not between the two halves of a surrogate pair.
	if (/[\ud800-\udbff]/.test(wording[end - 1])) end--;
	return wording.slice(0, end) + note;
}

function matcher(
	option: readonly string[] | false | undefined,
	defaults: readonly string[],
	fillers: readonly string[],
	field: string,
): KeywordMatcher | undefined {
	if (option === false) return undefined;
	return new KeywordMatcher(option ?? defaults, fillers, field);
}

function payloads(
	option: readonly string[] | false | undefined,
	defaults: readonly string[],
	field: string,
): Set<string> {
	if (option === false) return new Set();
	const list = option ?? defaults;
	if (!Array.isArray(list)) {
		throw new WebhookOptionError(
			field,
			`${field} must be a list of payloads or false, got ${typeof list}.`,
		);
	}
	return new Set(
		list.map((payload, i) => {
			const normalized = typeof payload === 'string' ? normalizePayload(payload) : '';
			if (normalized === '') {
				throw new WebhookOptionError(
					`${field}[${i}]`,
					`${field}[${i}] (${JSON.stringify(payload)}) has no letters or digits: use the payload set on the button, e.g. "STOP_PROMOTIONS".`,
				);
			}
			return normalized;
		}),
	);
}

function toCategory(value: string | undefined): TemplateCategory | undefined {
	const lower = value?.toLowerCase();
	return TEMPLATE_CATEGORIES.find((c) => c === lower);
}
