import type {
	ConsentRecord,
	Purpose,
	SentMessage,
	TemplateCategory,
	TemplateState,
	WindowState,
} from '../model';
import { checkConsent, checkReplyAfterOptOut } from './consent';
import { checkErasure } from './erasure';
import { isFreeEntryPoint, startsFreeEntryPoint } from './fep';
import {
	checkFrequencyCap,
	resolveFrequencyCapOptions,
	type FrequencyCapOptions,
} from './frequencyCap';
import { checkIdempotency } from './idempotency';
import {
	estimatePrice,
	validatePricingOptions,
	type PriceEstimate,
	type PricingOptions,
} from './pricing';
import { checkQuietHours, resolveQuietHoursOptions, type QuietHoursOptions } from './quietHours';
import { checkTemplateStatus } from './templateStatus';
import type { Allow, Hold, RuleId } from './types';
import {
	checkUsMarketing,
	resolveUsMarketingOptions,
	type UsMarketingOptions,
} from './usMarketing';
import { checkWindow, effectiveWindow, windowStatus, type ItemInbound } from './window';

export interface PolicyOptions {
	/** @default { enabled: true, max: 2, periodMs: 7 days } */
	readonly frequencyCap?: FrequencyCapOptions;
	/** @default { enabled: true, start: '21:00', end: '08:00', fallbackTimeZone: 'UTC' } */
	readonly quietHours?: QuietHoursOptions;
	/** @default { enabled: true } */
	readonly usMarketing?: UsMarketingOptions;
	/** @default Meta's USD rate card of January 1, 2026 */
	readonly pricing?: PricingOptions;
}

/** Checks every option up front, so a bad option fails the batch, not only the items it reaches. */
export function validatePolicyOptions(options: PolicyOptions): void {
	resolveFrequencyCapOptions(options.frequencyCap);
	resolveQuietHoursOptions(options.quietHours);
	resolveUsMarketingOptions(options.usMarketing);
	validatePricingOptions(options.pricing ?? {});
}

/** What the rules need to know about one template send: plain data from one store snapshot. */
export interface TemplateSendInput {
	/** The contact as the user gave it (e.g. "+49 151 2345678"), used in messages. */
	contact: string;
	/** ISO 3166 country of the number (phone.ts); undefined when unknown. */
	country?: string;
	/** IANA time zones the number may be in (phone.ts); empty or undefined when unknown. */
	timeZones?: readonly string[];
	template: { name: string; language: string; category?: TemplateCategory };
	/** The template as Meta last reported it (Snapshot.templates); undefined when not found. */
	templateState: TemplateState | undefined;
	consents: readonly ConsentRecord[];
	suppressed: boolean;
	/** The window between this sender number and the contact (ContactSnapshot.window). */
	window: WindowState | undefined;
	marketingSentAt: readonly number[];
	idempotencyKey?: string;
	/** The stored send under idempotencyKey (Snapshot.sends). */
	existingSend: SentMessage | undefined;
	/** Marketing only: the user-defined consent topic of the template. */
	topic?: Purpose;
	/** The template is the double opt-in confirmation request (utility only). */
	doiConfirmation?: boolean;
}

export type TemplateSendDecision =
	| (Allow & {
			/** Meta's current category of the template. */
			category: TemplateCategory;
			/** Meta's category differs from the one the caller assumed. */
			categoryChanged: boolean;
			price: PriceEstimate;
			/** This send opens a free entry point window: record it (startFreeEntryPoints). */
			startsFreeEntryPoint: boolean;
	  })
	| (Hold & { category?: TemplateCategory });

/** The order evaluateTemplateSend applies the rules in; the first hold wins. */
export const TEMPLATE_SEND_RULES: readonly RuleId[] = Object.freeze([
	// First, so a re-run reports an earlier send even if a later rule would hold it now.
	'idempotency',
	'erasure',
	// Before consent: the category Meta has now decides which consent is needed.
	'template status',
	'consent',
	'us marketing',
	'frequency cap',
	'quiet hours',
]);

/**
 * Runs the rules for one business-initiated template in the order of TEMPLATE_SEND_RULES
 * (consent includes opt-out wins and double opt-in) and returns the first hold, or an allow with
 * the category Meta has now and the estimated price.
 */
export function evaluateTemplateSend(
	input: TemplateSendInput,
	options: PolicyOptions,
	now: number,
): TemplateSendDecision {
	validatePolicyOptions(options);
	const { contact } = input;
	const duplicate = checkIdempotency(
		{
			contact,
			idempotencyKey: input.idempotencyKey,
			existing: input.existingSend,
		},
		now,
	);
	if (!duplicate.allowed) return duplicate;
	const erased = checkErasure({ contact, suppressed: input.suppressed });
	if (!erased.allowed) return erased;
	const template = checkTemplateStatus({
		contact,
		template: input.template,
		state: input.templateState,
	});
	if (!template.allowed) return template;
	const { category } = template;
	const holds = [
		() =>
			checkConsent({
				contact,
				category,
				consents: input.consents,
				topic: input.topic,
				doiConfirmation: input.doiConfirmation,
			}),
		() => checkUsMarketing({ contact, country: input.country, category }, options.usMarketing),
		() =>
			checkFrequencyCap(
				{ contact, category, marketingSentAt: input.marketingSentAt },
				options.frequencyCap ?? {},
				now,
			),
		() =>
			checkQuietHours(
				{ contact, category, timeZones: input.timeZones },
				options.quietHours ?? {},
				now,
			),
	];
	for (const check of holds) {
		const decision = check();
		if (!decision.allowed) return { ...decision, category };
	}
	const freeEntryPoint = isFreeEntryPoint(input.window, now);
	return {
		allowed: true,
		category,
		categoryChanged: template.categoryChanged,
		price: estimatePrice(
			{
				category,
				country: input.country,
				windowOpen: windowStatus(input.window, now).open,
				freeEntryPoint,
			},
			options.pricing,
		),
		startsFreeEntryPoint: startsFreeEntryPoint(input.window, now),
	};
}

/** One item of a batch of template sends. */
export interface TemplateBatchItem {
	readonly input: TemplateSendInput;
	readonly options: PolicyOptions;
	/**
	 * The store's key of the contact (wa_id or business-scoped user ID): the frequency cap counts
	 * per contact, however the number was written.
	 */
	readonly contactKey: string;
}

export type TemplateBatchResult =
	| { readonly kind: 'decision'; readonly decision: TemplateSendDecision }
	/** An earlier item of the batch with the same idempotency key was allowed: this one is its send. */
	| { readonly kind: 'same_key'; readonly first: number };

/**
 * Runs evaluateTemplateSend over a batch, item by item in order, as if every allowed item were
 * sent at `now`: an allowed marketing template counts against the frequency cap of the later items
 * to the same contact, and an item repeating the idempotency key of an earlier allowed item is
 * not evaluated again, since it is the same message (it shares that item's send). Every item's
 * options are checked first, so a bad option fails the batch before any decision.
 */
export function evaluateTemplateBatch(
	items: readonly TemplateBatchItem[],
	now: number,
): TemplateBatchResult[] {
	for (const item of items) validatePolicyOptions(item.options);
	const firstAllowedWithKey = new Map<string, number>();
	const marketingInBatch = new Map<string, number[]>();
	return items.map((item, index): TemplateBatchResult => {
		const key = item.input.idempotencyKey;
		const first = key === undefined ? undefined : firstAllowedWithKey.get(key);
		if (first !== undefined) return { kind: 'same_key', first };
		const earlier = marketingInBatch.get(item.contactKey) ?? [];
		const decision = evaluateTemplateSend(
			{ ...item.input, marketingSentAt: [...item.input.marketingSentAt, ...earlier] },
			item.options,
			now,
		);
		if (decision.allowed) {
			if (key !== undefined) firstAllowedWithKey.set(key, index);
			if (decision.category === 'marketing')
				marketingInBatch.set(item.contactKey, [...earlier, now]);
		}
		return { kind: 'decision', decision };
	});
}

/** What the rules need to know about one free-form reply (text, media, interactive...). */
export interface FreeFormInput {
	/** The contact as the user gave it, used in messages. */
	contact: string;
	/** ISO 3166 country of the number; only labels the price. */
	country?: string;
	consents: readonly ConsentRecord[];
	suppressed: boolean;
	/** The window as the store has it (ContactSnapshot.window). */
	window: WindowState | undefined;
	/**
	 * The contact's message the item itself carries (windowFromTriggerItem): it may open the
	 * window and start a free entry point, but never lifts an opt-out, which only a message the
	 * store recorded does.
	 */
	itemInbound?: ItemInbound;
	idempotencyKey?: string;
	existingSend: SentMessage | undefined;
	/** The reply confirms the contact's STOP-style opt-out, the one reply allowed after it. */
	optOutConfirmation?: boolean;
	/** See ReplyAfterOptOutInput.optOutConfirmationsSentAt. */
	optOutConfirmationsSentAt?: readonly number[];
}

export type FreeFormDecision =
	| (Allow & {
			/** When the customer service window closes. */
			openUntil: number;
			price: PriceEstimate;
			startsFreeEntryPoint: boolean;
	  })
	| Hold;

/** The order evaluateFreeForm applies the rules in; the first hold wins. */
export const FREE_FORM_RULES: readonly RuleId[] = Object.freeze([
	'idempotency',
	'window',
	'erasure',
	'opt-out wins',
]);

/**
 * Runs the rules for one free-form reply in the order of FREE_FORM_RULES. A reply inside the
 * window needs no opt-in: it answers the contact's own message. After a STOP-style opt-out of
 * everything only the opt-out confirmation may be sent, until the contact writes again (see
 * checkReplyAfterOptOut); a marketing-only opt-out does not affect replies.
 */
export function evaluateFreeForm(
	input: FreeFormInput,
	now: number,
	options: PolicyOptions = {},
): FreeFormDecision {
	validatePricingOptions(options.pricing ?? {});
	const { contact } = input;
	const duplicate = checkIdempotency(
		{
			contact,
			idempotencyKey: input.idempotencyKey,
			existing: input.existingSend,
		},
		now,
	);
	if (!duplicate.allowed) return duplicate;
	const { window: effective } = effectiveWindow(input.window, input.itemInbound);
	const window = checkWindow({ contact, window: effective }, now);
	if (!window.allowed) return window;
	const erased = checkErasure({ contact, suppressed: input.suppressed });
	if (!erased.allowed) return erased;
	const optedOut = checkReplyAfterOptOut({
		contact,
		consents: input.consents,
		// The store's messages only: an item's timestamp is not proof the contact wrote again.
		lastInboundAt: input.window?.lastInboundAt,
		optOutConfirmation: input.optOutConfirmation,
		optOutConfirmationsSentAt: input.optOutConfirmationsSentAt,
	});
	if (!optedOut.allowed) return optedOut;
	return {
		allowed: true,
		openUntil: window.openUntil,
		price: estimatePrice(
			{
				category: 'service',
				country: input.country,
				windowOpen: true,
				freeEntryPoint: isFreeEntryPoint(effective, now),
			},
			options.pricing,
		),
		startsFreeEntryPoint: startsFreeEntryPoint(effective, now),
	};
}
