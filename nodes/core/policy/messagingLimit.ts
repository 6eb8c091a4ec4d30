import { DAY } from '../clock';
import { formatUtc } from './format';
import { ALLOW, PolicyOptionError, type Decision } from './types';

/*
 * The messaging limit rule. Meta's messaging limit is "the maximum number of unique WhatsApp user
 * phone numbers your business can deliver messages to, outside of a customer service window,
 * within a moving 24-hour period". Since October 7, 2025 it is set per business portfolio and
 * shared by every phone number in it: 250 for a new portfolio, then 2,000, 10,000, 100,000 or
 * unlimited. Meta documents no error for it (sends past it fail later, one by one), so the pack
 * counts for itself and holds a template that would reach a new recipient past the limit.
 * Sources: developers.facebook.com/documentation/business-messaging/whatsapp/messaging-limits
 * (Nov 26, 2025) and .../upcoming-messaging-limits-changes (Oct 26, 2025).
 *
 * A recipient counts while a business-initiated message reached them in the last 24 hours: from
 * their LAST such message, since a moving 24-hour window still contains it; a second template to a
 * recipient already counted reaches nobody new, so it is never held.
 */

/** A portfolio's messaging limit: unique recipients per moving 24 hours, or no limit. */
export type MessagingLimit = number | 'unlimited';

/** The moving period the limit counts over. */
export const MESSAGING_LIMIT_PERIOD_MS = DAY;

/** The limits Meta gives a portfolio since October 7, 2025, lowest first. */
export const MESSAGING_LIMIT_TIERS: readonly MessagingLimit[] = Object.freeze([
	250,
	2000,
	10000,
	100000,
	'unlimited',
]);

/**
 * Meta's names of the limits: `whatsapp_business_manager_messaging_limit` and the webhooks'
 * `max_daily_conversations_per_business` / `current_limit`. TIER_50 and TIER_1K are the per-number
 * tiers from before October 2025, still listed in the phone_number_quality_update reference.
 */
const META_TIERS: Readonly<Record<string, MessagingLimit>> = Object.freeze({
	TIER_50: 50,
	TIER_250: 250,
	TIER_1K: 1000,
	TIER_2K: 2000,
	TIER_10K: 10000,
	TIER_100K: 100000,
	TIER_UNLIMITED: 'unlimited',
	UNLIMITED: 'unlimited',
});

/**
 * The limit in any of the forms Meta sends it, or undefined when it says none (TIER_NOT_SET: the
 * number has not sent yet) or the value is not one of them: "TIER_2K" (the field and the
 * webhooks' documented form), 2000 (business_capability_update's example; its older
 * `max_daily_conversation_per_phone` is an integer with -1 for unlimited), "UNLIMITED".
 */
export function messagingLimitFromMeta(value: unknown): MessagingLimit | undefined {
	if (typeof value === 'number') {
		if (value === -1) return 'unlimited';
		return Number.isInteger(value) && value > 0 ? value : undefined;
	}
	if (typeof value !== 'string') return undefined;
	const text = value.trim().toUpperCase();
	if (Object.hasOwn(META_TIERS, text)) return META_TIERS[text];
	if (/^-1$|^\d+$/.test(text)) return messagingLimitFromMeta(Number(text));
	return undefined;
}

/** Meta's name of a limit: 2000 -> "TIER_2K"; undefined for a number Meta has no tier for. */
export function metaTierOf(limit: MessagingLimit): string | undefined {
	return Object.entries(META_TIERS).find(([, value]) => value === limit)?.[0];
}

export interface MessagingLimitOptions {
	/**
	 * Whether a template that would reach a new recipient past the portfolio's messaging limit is
	 * held back.
	 * @default true
	 */
	readonly enabled?: boolean;
	/**
	 * A limit set by hand (a whole number of at least 1, or 'unlimited'): used when it is lower
	 * than Meta's, or when Meta's is not known yet. E.g. 1800 of a 2,000 limit keeps room for
	 * another tool that sends from the same portfolio.
	 * @default none: Meta's limit only
	 */
	readonly limit?: MessagingLimit;
}

export type ResolvedMessagingLimitOptions = {
	readonly enabled: boolean;
	readonly limit: MessagingLimit | undefined;
};

/** Fills in the defaults and checks the values; throws PolicyOptionError naming the field. */
export function resolveMessagingLimitOptions(
	options: MessagingLimitOptions = {},
): ResolvedMessagingLimitOptions {
	const enabled = options.enabled ?? true;
	if (typeof enabled !== 'boolean') {
		throw new PolicyOptionError(
			'messagingLimit.enabled',
			'messagingLimit.enabled must be true or false.',
		);
	}
	const { limit } = options;
	if (limit !== undefined && limit !== 'unlimited' && !(Number.isInteger(limit) && limit >= 1)) {
		throw new PolicyOptionError(
			'messagingLimit.limit',
			`messagingLimit.limit must be a whole number of at least 1 or 'unlimited', got ${JSON.stringify(limit)}: set how many unique contacts this portfolio may reach outside the customer service window in 24 hours, e.g. 250 or 2000.`,
		);
	}
	return { enabled, limit };
}

/** The lower of two limits; undefined when neither is known. */
export function lowerMessagingLimit(
	a: MessagingLimit | undefined,
	b: MessagingLimit | undefined,
): MessagingLimit | undefined {
	if (a === undefined || a === 'unlimited') return b ?? a;
	if (b === undefined || b === 'unlimited') return a;
	return Math.min(a, b);
}

/**
 * How many of the oldest reach times a usage must carry for a batch of `oldest` more recipients
 * (what a store reads into MessagingLimitUsage.oldestReachedAt): a hold's retryAt reads the reach
 * time at index count - limit + (its place among the held), so none while the batch fits, and
 * all of them at most. Without a known limit (or with none), `oldest`.
 */
export function reachListLength(
	count: number,
	limit: MessagingLimit | undefined,
	oldest: number,
): number {
	const needed = typeof limit === 'number' ? Math.max(0, count - limit + oldest) : oldest;
	return Math.min(count, needed);
}

const NO_BATCH: BatchTally = Object.freeze({ reached: 0, held: 0 });

/** The portfolio's reached recipients, as one store read sees them at `now`. */
export interface MessagingLimitUsage {
	/** Unique recipients reached with a business-initiated message in the 24 hours before now. */
	readonly count: number;
	/**
	 * When those recipients were last reached, oldest first; each one stops counting 24 hours
	 * later. Every one of them, or at least the oldest `count - limit + 1` plus as many as a batch
	 * may hold back (a store may cut the list there): a hold's retryAt is read from it.
	 */
	readonly oldestReachedAt: readonly number[];
}

/** Whether a recipient last reached at `reachedAt` still counts at `now`. */
/**
 * New contacts the portfolio may still reach in the moving 24 hours: none below zero; null when
 * the limit is unlimited or not known.
 */
export function placesLeft(
	limit: MessagingLimit | null | undefined,
	reachedLast24h: number,
): number | null {
	return typeof limit === 'number' ? Math.max(0, limit - reachedLast24h) : null;
}

export function stillCounted(reachedAt: number | undefined, now: number): boolean {
	return reachedAt !== undefined && reachedAt > now - MESSAGING_LIMIT_PERIOD_MS;
}

/**
 * The usage at `now` from the time each recipient was last reached (one entry per recipient, in
 * any order): the definition a store's count must match.
 */
export function messagingLimitUsage(
	lastReachedAt: readonly number[],
	now: number,
): MessagingLimitUsage {
	const counted = lastReachedAt.filter((at) => stillCounted(at, now)).sort((a, b) => a - b);
	return { count: counted.length, oldestReachedAt: counted };
}

export interface MessagingLimitInput {
	/** The contact as the user gave it, used in the message. */
	contact: string;
	/** The portfolio's limit as Meta reports it (messagingLimitFromMeta); undefined when unknown. */
	limit: MessagingLimit | undefined;
	/**
	 * A template sent while this sender number's customer service window with the contact is
	 * closed. Only these count: a reply inside the window is never held.
	 */
	businessInitiated: boolean;
	/** When this recipient was last reached with a business-initiated message, from any number of the portfolio. */
	recipientReachedAt: number | undefined;
	/** The portfolio's usage as the store read it, before the batch. */
	usage: MessagingLimitUsage;
	/**
	 * The new recipients of earlier items of the same batch (evaluateTemplateBatch): `reached` at
	 * `now` by allowed items, and `held` by this rule, who wait for the earlier free places.
	 * @default { reached: 0, held: 0 }
	 */
	batch?: BatchTally;
}

/** New recipients of a batch so far: allowed (reached at `now`) and held by the limit. */
export interface BatchTally {
	readonly reached: number;
	readonly held: number;
}

/**
 * When a waiting new recipient fits, with `batch.reached` recipients reached at `now` on top of
 * `usage` and `batch.held` others waiting before it. Every counted recipient leaves 24 hours
 * after it was reached, oldest first (the batch's own are the newest, reached at `now`); the
 * waiting ones take the freed places in turn, and each of them counts again for 24 hours from
 * then. Undefined while there is room, or when the store cut the list before the one needed.
 */
export function nextSlotAt(
	usage: MessagingLimitUsage,
	limit: number,
	batch: BatchTally,
	now: number,
): number | undefined {
	const count = usage.count + batch.reached;
	if (count < limit) return undefined;
	// The recipient whose leaving frees this place: the (held + 1)-th after the first count - limit.
	let index = count - limit + batch.held;
	let later = MESSAGING_LIMIT_PERIOD_MS;
	// Past every counted recipient: it leaves a place that an earlier waiting one took first.
	while (index >= count) {
		index -= limit;
		later += MESSAGING_LIMIT_PERIOD_MS;
	}
	const leaving = index < usage.count ? usage.oldestReachedAt[index] : now;
	return leaving === undefined ? undefined : leaving + later;
}

/**
 * The messaging limit rule: a business-initiated template to a recipient not counted in the
 * moving 24 hours is held while the portfolio has already reached `limit` recipients (the lower
 * of Meta's limit and the option's). Replies inside the window, recipients already counted, and
 * portfolios whose limit is unlimited or unknown pass. The hold ends when enough counted
 * recipients have left the 24 hours.
 */
export function checkMessagingLimit(
	input: MessagingLimitInput,
	options: MessagingLimitOptions,
	now: number,
): Decision {
	const resolved = resolveMessagingLimitOptions(options);
	if (!resolved.enabled || !input.businessInitiated) return ALLOW;
	if (stillCounted(input.recipientReachedAt, now)) return ALLOW;
	const limit = lowerMessagingLimit(input.limit, resolved.limit);
	if (limit === undefined || limit === 'unlimited') return ALLOW;
	const batch = input.batch ?? NO_BATCH;
	const count = input.usage.count + batch.reached;
	if (count < limit) return ALLOW;
	const retryAt = nextSlotAt(input.usage, limit, batch, now);
	const when =
		retryAt === undefined
			? 'it can be sent once a contact reached earlier leaves the 24 hours'
			: `it can be sent from ${formatUtc(retryAt)}, when a contact reached earlier leaves the 24 hours`;
	return {
		allowed: false,
		rule: 'messaging limit',
		reason: 'messaging_limit',
		message: `This business portfolio already reached ${count} contact${count === 1 ? '' : 's'} outside the customer service window in the last 24 hours and its messaging limit, shared by all its numbers, is ${limit}, so this template to ${input.contact}, a new contact, waits: ${when}.`,
		...(retryAt === undefined ? {} : { retryAt }),
	};
}

/** What admitRecipients decided for a batch's recipients, each list in batch order. */
export interface Admission<T> {
	/** Counted already: they reach nobody new and count again for 24 hours from now. */
	readonly refreshed: T[];
	/** New recipients that fit the limit: they take a place each. */
	readonly added: T[];
	/** New recipients past the limit: not sent. */
	readonly refused: T[];
}

/**
 * The messaging limit rule as the store applies it when a batch reserves its places, in one
 * transaction with the count (the authority between processes sending at once): recipients
 * already counted pass, then new ones in batch order while fewer than `limit` are counted.
 * `count` is the portfolio's count before the batch; a limit that is unknown or unlimited admits
 * everyone. A recipient given twice is taken once (the first).
 */
export function admitRecipients<T>(
	recipients: readonly T[],
	keyOf: (recipient: T) => string,
	isCounted: (key: string) => boolean,
	count: number,
	limit: MessagingLimit | undefined,
): Admission<T> {
	const admission: Admission<T> = { refreshed: [], added: [], refused: [] };
	const seen = new Set<string>();
	let counted = count;
	for (const recipient of recipients) {
		const key = keyOf(recipient);
		if (seen.has(key)) continue;
		seen.add(key);
		if (isCounted(key)) {
			admission.refreshed.push(recipient);
		} else if (limit === undefined || limit === 'unlimited' || counted < limit) {
			admission.added.push(recipient);
			counted++;
		} else {
			admission.refused.push(recipient);
		}
	}
	return admission;
}

/** What a batch of template sends does to the portfolio's messaging limit. */
export interface MessagingLimitBudget {
	/** The limit applied: the lowest of the batch (Meta's, or the option's where lower). */
	readonly limit: MessagingLimit;
	/** Unique recipients reached in the 24 hours before the batch. */
	readonly usedBefore: number;
	/** New recipients the batch reaches (allowed sends). */
	readonly reached: number;
	/** New recipients the batch held back because the limit was reached. */
	readonly held: number;
	/** New recipients that still fit after the batch; null when the limit is unlimited. */
	readonly remaining: number | null;
	/** The batch had more new recipients than were left: `held` of them wait. */
	readonly exceeded: boolean;
	/** When the next new recipient fits, if none does after the batch. */
	readonly nextSlotAt?: number;
}

/**
 * The budget after a batch evaluated at `now`: `usage` as read before it, `reached` and `held`
 * the batch's new recipients that were allowed and held by the limit.
 */
export function messagingLimitBudget(
	limit: MessagingLimit,
	usage: MessagingLimitUsage,
	batch: BatchTally,
	now: number,
): MessagingLimitBudget {
	const base = {
		limit,
		usedBefore: usage.count,
		reached: batch.reached,
		held: batch.held,
		exceeded: batch.held > 0,
	};
	if (limit === 'unlimited') return { ...base, remaining: null };
	const remaining = placesLeft(limit, usage.count + batch.reached)!;
	const next =
		remaining === 0
			? nextSlotAt(usage, limit, { reached: batch.reached, held: 0 }, now)
			: undefined;
	return { ...base, remaining, ...(next === undefined ? {} : { nextSlotAt: next }) };
}

/** A recipient's place as the store keeps it: when it was last reached, and by which send. */
export interface ReachPlace {
	/** The idempotency key of the send that took or last refreshed the place. */
	readonly reservedBy: string | undefined;
	/** When the recipient was reached before that send; undefined when that send was the first. */
	readonly previousAt: number | undefined;
}

/** What becomes of a place when a send certainly reached nobody. */
export type PlaceGivenBack = 'kept' | 'freed' | 'earlier';

/**
 * The given-back rule: Meta counts only messages that reached someone, so a template that
 * certainly reached nobody (refused when sent, or accepted and then failed: a status webhook
 * `failed`, e.g. 131026 not on WhatsApp) gives its place back. Freed when that send took the
 * place (nobody was reached before it in the 24 hours); back to the earlier reach time when it
 * only refreshed it (that earlier message still counts from then); kept when a later send holds
 * the place now (it may have reached the recipient).
 */
export function placeAfterFailedSend(place: ReachPlace, failedKey: string): PlaceGivenBack {
	if (place.reservedBy !== failedKey) return 'kept';
	return place.previousAt === undefined ? 'freed' : 'earlier';
}
