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
	checkMessagingLimit,
	lowerMessagingLimit,
	messagingLimitBudget,
	resolveMessagingLimitOptions,
	stillCounted,
	type BatchTally,
	type MessagingLimit,
	type MessagingLimitBudget,
	type MessagingLimitOptions,
	type MessagingLimitUsage,
} from './messagingLimit';
import {
	priceOf,
	validatePricingOptions,
	type PriceEstimate,
	type PricingOptions,
} from './pricing';
import { checkQuality, resolveQualityOptions, type QualityOptions } from './quality';
import { checkQuietHours, resolveQuietHoursOptions, type QuietHoursOptions } from './quietHours';
import { checkTemplateStatus } from './templateStatus';
import { ALLOW, type Allow, type Decision, type Hold, type RuleId } from './types';
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
	/** @default { enabled: true } */
	readonly quality?: QualityOptions;
	/** @default { enabled: true }: Meta's limit only */
	readonly messagingLimit?: MessagingLimitOptions;
}

/** Checks every option up front, so a bad option fails the batch, not only the items it reaches. */
export function validatePolicyOptions(options: PolicyOptions): void {
	resolveFrequencyCapOptions(options.frequencyCap);
	resolveQuietHoursOptions(options.quietHours);
	resolveUsMarketingOptions(options.usMarketing);
	validatePricingOptions(options.pricing ?? {});
	resolveQualityOptions(options.quality);
	resolveMessagingLimitOptions(options.messagingLimit);
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
	/**
	 * The sending number's quality rating as last read from Meta (GREEN, YELLOW, RED, NA; FLAGGED
	 * before October 2025). Absent: unknown, only the template's quality is checked.
	 */
	numberQuality?: string;
	/** The portfolio's messaging limit and usage. Absent: the messaging limit rule is not applied. */
	messagingLimit?: MessagingLimitSendInput;
}

/** What the messaging limit rule needs about one template send, from one store read. */
export interface MessagingLimitSendInput {
	/** The portfolio's limit as Meta last reported it (messagingLimitFromMeta); undefined when unknown. */
	limit: MessagingLimit | undefined;
	/** Unique recipients reached outside the window in the 24 hours before now, portfolio-wide. */
	usage: MessagingLimitUsage;
	/** When this contact was last reached with a business-initiated message, from any number. */
	recipientReachedAt?: number;
	/** Set by evaluateTemplateBatch: the batch's new recipients before this item. */
	batch?: BatchTally;
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
			/**
			 * Business-initiated (a template while the customer service window is closed): the
			 * contact counts toward the portfolio's messaging limit for 24 hours from the send.
			 */
			countsTowardMessagingLimit: boolean;
	  })
	| (Hold & { category?: TemplateCategory });

/** The rules of a template send (TEMPLATE_SEND_CHECKS has one check each). */
type TemplateSendRule = Extract<
	RuleId,
	| 'idempotency'
	| 'erasure'
	| 'template status'
	| 'consent'
	| 'us marketing'
	| 'quality'
	| 'frequency cap'
	| 'quiet hours'
	| 'messaging limit'
>;

/** The order evaluateTemplateSend applies the rules in; the first hold wins. */
export const TEMPLATE_SEND_RULES: readonly TemplateSendRule[] = Object.freeze([
	// First, so a re-run reports an earlier send even if a later rule would hold it now; only a
	// contact who withdrew since that send is held instead (unlessWithdrawnSince).
	'idempotency',
	'erasure',
	// Before consent: the category Meta has now decides which consent is needed.
	'template status',
	'consent',
	// The contact-specific holds that no waiting lifts come before the ones that end by themselves,
	// so a workflow that retries at retryAt is not sent back for a hold that never ends.
	'us marketing',
	// Account-wide until Meta rates the number or template better (no retryAt): after the holds
	// that never end, before the per-contact waits it would outlast. After template status, which
	// already names a RED template that Meta paused.
	'quality',
	'frequency cap',
	'quiet hours',
	// Last: only a send every other rule allows takes one of the portfolio's places, and in a batch
	// the held items do not count against the items after them.
	'messaging limit',
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
	return templateSendDecision(input, options, now);
}

/** One template send as its rules see it: the input, and what the rules before them found. */
interface TemplateSendCheck {
	readonly input: TemplateSendInput;
	readonly options: PolicyOptions;
	readonly now: number;
	/**
	 * Meta's current category of the template, and whether it differs from the one assumed: found
	 * by the template status rule, for the rules after it.
	 */
	template?: { category: TemplateCategory; categoryChanged: boolean };
}

/** Meta counts the unique users it delivers to outside a customer service window. */
function businessInitiated({ input, now }: TemplateSendCheck): boolean {
	return !windowStatus(input.window, now).open;
}

/** Meta's category, for the rules after template status (TEMPLATE_SEND_RULES puts them there). */
function categoryOf(send: TemplateSendCheck): TemplateCategory {
	return send.template!.category;
}

/** Each rule of TEMPLATE_SEND_RULES, as its check of one send. */
const TEMPLATE_SEND_CHECKS: Readonly<
	Record<TemplateSendRule, (send: TemplateSendCheck) => Decision>
> = {
	idempotency: ({ input, now }) => {
		const category = input.templateState?.category ?? input.template.category;
		return checkRepeat(input, now, () =>
			category === undefined
				? ALLOW
				: checkConsent({
						contact: input.contact,
						category,
						consents: input.consents,
						topic: input.topic,
					}),
		);
	},
	erasure: ({ input }) => checkErasure({ contact: input.contact, suppressed: input.suppressed }),
	'template status': (send) => {
		const { input } = send;
		const decision = checkTemplateStatus({
			contact: input.contact,
			template: input.template,
			state: input.templateState,
		});
		if (decision.allowed) {
			send.template = { category: decision.category, categoryChanged: decision.categoryChanged };
		}
		return decision;
	},
	consent: (send) =>
		checkConsent({
			contact: send.input.contact,
			category: categoryOf(send),
			consents: send.input.consents,
			topic: send.input.topic,
			doiConfirmation: send.input.doiConfirmation,
		}),
	'us marketing': (send) =>
		checkUsMarketing(
			{ contact: send.input.contact, country: send.input.country, category: categoryOf(send) },
			send.options.usMarketing,
		),
	quality: (send) =>
		checkQuality(
			{
				contact: send.input.contact,
				category: categoryOf(send),
				template: send.input.template,
				numberQuality: send.input.numberQuality,
				templateQuality: send.input.templateState?.quality,
			},
			send.options.quality,
		),
	'frequency cap': (send) =>
		checkFrequencyCap(
			{
				contact: send.input.contact,
				category: categoryOf(send),
				marketingSentAt: send.input.marketingSentAt,
			},
			send.options.frequencyCap ?? {},
			send.now,
		),
	'quiet hours': (send) =>
		checkQuietHours(
			{ contact: send.input.contact, category: categoryOf(send), timeZones: send.input.timeZones },
			send.options.quietHours ?? {},
			send.now,
		),
	'messaging limit': (send) => {
		const limit = send.input.messagingLimit;
		if (limit === undefined) return ALLOW;
		return checkMessagingLimit(
			{
				contact: send.input.contact,
				limit: limit.limit,
				businessInitiated: businessInitiated(send),
				recipientReachedAt: limit.recipientReachedAt,
				usage: limit.usage,
				batch: limit.batch,
			},
			send.options.messagingLimit ?? {},
			send.now,
		);
	},
};

/** evaluateTemplateSend for options already validated (a batch checks each options object once). */
function templateSendDecision(
	input: TemplateSendInput,
	options: PolicyOptions,
	now: number,
): TemplateSendDecision {
	const send: TemplateSendCheck = { input, options, now };
	for (const rule of TEMPLATE_SEND_RULES) {
		const decision = TEMPLATE_SEND_CHECKS[rule](send);
		if (!decision.allowed) {
			// A hold after template status says which category it held.
			return send.template ? { ...decision, category: send.template.category } : decision;
		}
	}
	const { category, categoryChanged } = send.template!;
	const windowOpen = !businessInitiated(send);
	return {
		allowed: true,
		category,
		categoryChanged,
		price: priceOf(
			{
				category,
				country: input.country,
				windowOpen,
				freeEntryPoint: isFreeEntryPoint(input.window, now),
			},
			options.pricing,
		),
		startsFreeEntryPoint: startsFreeEntryPoint(input.window, now),
		countsTowardMessagingLimit: !windowOpen,
	};
}

/**
 * The idempotency rule, with a withdrawal since the earlier send as the answer instead of the
 * duplicate (unlessWithdrawnSince); `optOut` is the opt-out rule of the kind of message.
 */
function checkRepeat(
	input: {
		contact: string;
		idempotencyKey?: string;
		existingSend: SentMessage | undefined;
		suppressed: boolean;
		consents: readonly ConsentRecord[];
	},
	now: number,
	optOut: () => Allow | Hold,
): Decision {
	const duplicate = checkIdempotency(
		{ contact: input.contact, idempotencyKey: input.idempotencyKey, existing: input.existingSend },
		now,
	);
	return duplicate.allowed
		? duplicate
		: unlessWithdrawnSince(duplicate, input.existingSend, input, optOut);
}

/**
 * The idempotency rule meets a withdrawal: a re-run reports an earlier send as a duplicate (the
 * Sent output, with its first wamid), unless the contact has withdrawn since that send (was erased,
 * or opted out after it). Then the withdrawal is the answer, naming the earlier send, so a re-run
 * does not list someone who opted out among what was sent. An opt-out before the earlier send (the
 * confirmation of that very opt-out) leaves the duplicate as it is.
 */
function unlessWithdrawnSince(
	duplicate: Hold,
	earlier: SentMessage | undefined,
	input: { contact: string; suppressed: boolean; consents: readonly ConsentRecord[] },
	optOut: () => Allow | Hold,
): Hold {
	if (duplicate.reason !== 'duplicate' || !earlier) return duplicate;
	const sentAt = earlier.sentAt ?? earlier.createdAt;
	const erased = checkErasure({ contact: input.contact, suppressed: input.suppressed });
	const withdrawal = !erased.allowed
		? erased
		: latestOptOutAt(input.consents) > sentAt
			? optOut()
			: ALLOW;
	if (withdrawal.allowed || (withdrawal.rule !== 'erasure' && withdrawal.rule !== 'opt-out wins')) {
		return duplicate;
	}
	return {
		...withdrawal,
		message: `${withdrawal.message} A message with the same idempotency key had gone to them before${duplicate.wamid === undefined ? '' : ` (WhatsApp message id ${duplicate.wamid})`}; nothing was sent now.`,
	};
}

/** When the contact last opted out of anything (0: never). */
function latestOptOutAt(consents: readonly ConsentRecord[]): number {
	let latest = 0;
	for (const record of consents) {
		if (record.status === 'opted_out' && record.changedAt > latest) latest = record.changedAt;
	}
	return latest;
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

/** What a batch evaluation answers for one item. */
export type BatchResult<D> =
	| { readonly kind: 'decision'; readonly decision: D }
	/** An earlier item of the batch with the same idempotency key was allowed: this one is its send. */
	| { readonly kind: 'same_key'; readonly first: number };

export type TemplateBatchResult = BatchResult<TemplateSendDecision>;

/**
 * The idempotency rule inside one batch: an item repeating the idempotency key of an earlier
 * allowed item is not evaluated again, since it is the same message (it shares that item's send).
 * `decide` sees the items in order.
 */
function inOrderSharingKeys<T, D extends { allowed: boolean }>(
	items: readonly T[],
	keyOf: (item: T) => string | undefined,
	decide: (item: T) => D,
): BatchResult<D>[] {
	const firstAllowedWithKey = new Map<string, number>();
	return items.map((item, index): BatchResult<D> => {
		const key = keyOf(item);
		const first = key === undefined ? undefined : firstAllowedWithKey.get(key);
		if (first !== undefined) return { kind: 'same_key', first };
		const decision = decide(item);
		if (decision.allowed && key !== undefined) firstAllowedWithKey.set(key, index);
		return { kind: 'decision', decision };
	});
}

/**
 * Runs evaluateTemplateSend over a batch, item by item in order, as if every allowed item were
 * sent at `now`: an allowed marketing template counts against the frequency cap of the later items
 * to the same contact, and an item repeating the idempotency key of an earlier allowed item shares
 * that item's send. Every item's options are checked first, so a bad option fails the batch before
 * any decision.
 */
export function evaluateTemplateBatch(
	items: readonly TemplateBatchItem[],
	now: number,
): TemplateBatchResult[] {
	return evaluateTemplateBatchWithBudget(items, now).results;
}

export interface TemplateBatchOutcome {
	readonly results: TemplateBatchResult[];
	/**
	 * The portfolio's messaging limit after the batch; absent when no item carried the messaging
	 * limit input, or its limit is unknown.
	 */
	readonly messagingLimit?: MessagingLimitBudget;
}

/**
 * evaluateTemplateBatch, and what the batch does to the portfolio's messaging limit. An allowed
 * business-initiated template to a contact the portfolio has not reached in the last 24 hours
 * takes a place for the later items (a second item to that contact then reaches nobody new), and
 * each item held by the limit waits behind the ones held before it, so their retryAt follow the
 * order in which places free up. Items carry the same portfolio usage (one store read).
 */
export function evaluateTemplateBatchWithBudget(
	items: readonly TemplateBatchItem[],
	now: number,
): TemplateBatchOutcome {
	// Each distinct options object once: the items of a batch share them.
	for (const options of new Set(items.map((item) => item.options))) validatePolicyOptions(options);
	const marketingInBatch = new Map<string, number[]>();
	const reachedInBatch = new Set<string>();
	/** Contacts held by the limit, with how many were held before each: its place in the queue. */
	const heldByLimit = new Map<string, number>();
	let usage: MessagingLimitUsage | undefined;
	let limit: MessagingLimit | undefined;
	const results = inOrderSharingKeys(
		items,
		(item) => item.input.idempotencyKey,
		(item) => {
			const earlier = marketingInBatch.get(item.contactKey) ?? [];
			const m = item.input.messagingLimit;
			if (m) {
				usage ??= m.usage;
				limit = lowerMessagingLimit(
					limit,
					lowerMessagingLimit(
						m.limit,
						resolveMessagingLimitOptions(item.options.messagingLimit).limit,
					),
				);
			}
			const decision = templateSendDecision(
				{
					...item.input,
					marketingSentAt: [...item.input.marketingSentAt, ...earlier],
					...(m && {
						messagingLimit: {
							...m,
							usage: usage ?? m.usage,
							recipientReachedAt: reachedInBatch.has(item.contactKey) ? now : m.recipientReachedAt,
							batch: {
								reached: reachedInBatch.size,
								held: heldByLimit.get(item.contactKey) ?? heldByLimit.size,
							},
						},
					}),
				},
				item.options,
				now,
			);
			if (decision.allowed) {
				if (decision.category === 'marketing') {
					marketingInBatch.set(item.contactKey, [...earlier, now]);
				}
				if (m && decision.countsTowardMessagingLimit && !stillCounted(m.recipientReachedAt, now)) {
					reachedInBatch.add(item.contactKey);
				}
			} else if (decision.reason === 'messaging_limit' && !heldByLimit.has(item.contactKey)) {
				heldByLimit.set(item.contactKey, heldByLimit.size);
			}
			return decision;
		},
	);
	if (usage === undefined || limit === undefined) return { results };
	return {
		results,
		messagingLimit: messagingLimitBudget(
			limit,
			usage,
			{ reached: reachedInBatch.size, held: heldByLimit.size },
			now,
		),
	};
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

/** The rules of a free-form reply (FREE_FORM_CHECKS has one check each). */
type FreeFormRule = Extract<RuleId, 'idempotency' | 'window' | 'erasure' | 'opt-out wins'>;

/** The order evaluateFreeForm applies the rules in; the first hold wins. */
export const FREE_FORM_RULES: readonly FreeFormRule[] = Object.freeze([
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
	return freeFormDecision(input, now, options);
}

/** One free-form reply as its rules see it: the input, and what the rules before them found. */
interface FreeFormCheck {
	readonly input: FreeFormInput;
	readonly now: number;
	/** The window the rules and the price see: the store's, or the one the item's message opens. */
	readonly window: WindowState | undefined;
	/** When the customer service window closes: found by the window rule. */
	openUntil?: number;
}

/** Each rule of FREE_FORM_RULES, as its check of one reply. */
const FREE_FORM_CHECKS: Readonly<Record<FreeFormRule, (reply: FreeFormCheck) => Decision>> = {
	idempotency: ({ input, now }) =>
		checkRepeat(input, now, () =>
			checkReplyAfterOptOut({
				contact: input.contact,
				consents: input.consents,
				lastInboundAt: input.window?.lastInboundAt,
			}),
		),
	window: (reply) => {
		const decision = checkWindow({ contact: reply.input.contact, window: reply.window }, reply.now);
		if (decision.allowed) reply.openUntil = decision.openUntil;
		return decision;
	},
	erasure: ({ input }) => checkErasure({ contact: input.contact, suppressed: input.suppressed }),
	'opt-out wins': ({ input }) =>
		checkReplyAfterOptOut({
			contact: input.contact,
			consents: input.consents,
			// The store's messages only: an item's timestamp is not proof the contact wrote again.
			lastInboundAt: input.window?.lastInboundAt,
			optOutConfirmation: input.optOutConfirmation,
			optOutConfirmationsSentAt: input.optOutConfirmationsSentAt,
		}),
};

/** evaluateFreeForm for pricing options already validated (a batch checks each once). */
function freeFormDecision(
	input: FreeFormInput,
	now: number,
	options: PolicyOptions,
): FreeFormDecision {
	const { window } = effectiveWindow(input.window, input.itemInbound);
	const reply: FreeFormCheck = { input, now, window };
	for (const rule of FREE_FORM_RULES) {
		const decision = FREE_FORM_CHECKS[rule](reply);
		if (!decision.allowed) return decision;
	}
	return {
		allowed: true,
		openUntil: reply.openUntil!,
		price: priceOf(
			{
				category: 'service',
				country: input.country,
				windowOpen: true,
				freeEntryPoint: isFreeEntryPoint(window, now),
			},
			options.pricing,
		),
		startsFreeEntryPoint: startsFreeEntryPoint(window, now),
	};
}

/** One item of a batch of free-form replies. */
export interface FreeFormBatchItem {
	readonly input: FreeFormInput;
	readonly options?: PolicyOptions;
	/** The store's key of the contact: opt-out confirmations count per contact. */
	readonly contactKey: string;
}

/**
 * Runs evaluateFreeForm over a batch in order, as if every allowed reply were sent at `now`: an
 * allowed opt-out confirmation counts against the later confirmations to the same contact (one per
 * opt-out), and an item repeating the idempotency key of an earlier allowed item shares that
 * item's send, as in evaluateTemplateBatch.
 */
export function evaluateFreeFormBatch(
	items: readonly FreeFormBatchItem[],
	now: number,
): BatchResult<FreeFormDecision>[] {
	for (const pricing of new Set(items.map((item) => item.options?.pricing))) {
		validatePricingOptions(pricing ?? {});
	}
	const confirmationsInBatch = new Map<string, number[]>();
	return inOrderSharingKeys(
		items,
		(item) => item.input.idempotencyKey,
		(item) => {
			const earlier = confirmationsInBatch.get(item.contactKey) ?? [];
			const decision = freeFormDecision(
				{
					...item.input,
					optOutConfirmationsSentAt: [...(item.input.optOutConfirmationsSentAt ?? []), ...earlier],
				},
				now,
				item.options ?? {},
			);
			if (decision.allowed && item.input.optOutConfirmation === true) {
				confirmationsInBatch.set(item.contactKey, [...earlier, now]);
			}
			return decision;
		},
	);
}
