/** Webhook effects: the options compiled once, and the effects of each event kind (see index.ts). */

import {
	ALL_PURPOSES,
	MARKETING,
	type ConsentAction,
	type ConsentEventInput,
	type CostEntry,
	type Purpose,
	type TemplateCategory,
	type TemplateState,
} from '../../model';
import { countryOf } from '../../phone';
import { messagingLimitFromMeta } from '../../policy/messagingLimit';
import { numberQualityRating } from '../../policy/quality';
import {
	marketOf,
	META_RATE_CARD_2026_01_USD,
	priceOf,
	validatePricingOptions,
	type PricingOptions,
} from '../../policy/pricing';
import {
	displaySubject,
	PORTFOLIO,
	templateSubject,
	type StandingEntry,
	type StandingName,
} from '../../standing';
import { costCategory } from '../../report/costReport';
import type { StoreEffects } from '../../store/types';
import type { WhatsAppEvent } from '../events';
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
} from '../keywords';
import {
	DEFAULT_CONFIRMATION_PAYLOADS,
	DEFAULT_OPT_OUT_PAYLOADS,
	ERROR_MARKETING_STOPPED,
	ERROR_WINDOW_CLOSED,
	matcher,
	payloads,
	WebhookOptionError,
	type EffectContext,
	type EffectNeeds,
	type WebhookEffectOptions,
} from './options';
import { cutWording, marketingBeforeWhatsAppStop, pendingPurposes } from './consent';

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

function toCategory(value: string | undefined): TemplateCategory | undefined {
	const lower = value?.toLowerCase();
	return TEMPLATE_CATEGORIES.find((c) => c === lower);
}
