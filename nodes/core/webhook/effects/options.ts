/** Webhook effects: the options, their defaults and checks (see index.ts). */

import type { ConsentEvent, ConsentRecord, TemplateState } from '../../model';
import type { PricingOptions } from '../../policy/pricing';
import { KeywordMatcher, normalizePayload } from '../keywords';

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

export function matcher(
	option: readonly string[] | false | undefined,
	defaults: readonly string[],
	fillers: readonly string[],
	field: string,
): KeywordMatcher | undefined {
	if (option === false) return undefined;
	return new KeywordMatcher(option ?? defaults, fillers, field);
}

export function payloads(
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
