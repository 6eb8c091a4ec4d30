import { HOUR } from './clock';
import { messagingLimitFromMeta, type MessagingLimit } from './policy/messagingLimit';

/*
 * The account's standing with Meta, as the store keeps it: the business portfolio's messaging
 * limit, each business phone number's quality rating and each template's quality, every value
 * with the time Meta said it and where it came from (a webhook field, or "graph" for a read of
 * the Cloud API). Of two values of one thing, the newer one counts, whichever arrived last.
 *
 * One compliance store counts for one business portfolio: the messaging limit is the portfolio's,
 * shared by every number in it (messaging-limits, Nov 2025). A store serving two portfolios would
 * hold both to the lower count; give each portfolio its own store.
 *
 * Numbers: phone_number_quality_update names a number by its display phone number only, so what
 * it says is kept under that number ("display:<digits>"); a read of the number through the Cloud
 * API records its display phone number under its id, which joins the two.
 */

/** The subject of the portfolio's own values (the messaging limit). */
export const PORTFOLIO = 'portfolio';

/** What a standing entry says. */
export type StandingName =
	/** The portfolio's messaging limit: a whole number as text, or "unlimited". */
	| 'messaging_limit'
	/** A number's quality rating (GREEN, YELLOW, RED, NA; FLAGGED / UNFLAGGED from webhooks before
	 * October 2025) or a template's quality score (GREEN, YELLOW, RED, UNKNOWN). */
	| 'quality_rating'
	/** A number's display phone number, digits only. */
	| 'display_phone_number'
	/** When the number was last read from the Cloud API (value "graph"). */
	| 'checked';

export const STANDING_NAMES: readonly StandingName[] = [
	'messaging_limit',
	'quality_rating',
	'display_phone_number',
	'checked',
];

/** One value of the account's standing. */
export interface StandingEntry {
	/** PORTFOLIO, a phone number id, displaySubject(...) or templateSubject(...). */
	subject: string;
	name: StandingName;
	value: string;
	/** When Meta said it (ms): a webhook's own time, or when the Cloud API was read. */
	at: number;
	/** A webhook field (e.g. "business_capability_update") or "graph". */
	source: string;
}

/** Where a value read from the Cloud API comes from. */
export const GRAPH_SOURCE = 'graph';

/** A stored value older than this is read from Meta again before a batch of templates. */
export const STANDING_REFRESH_MS = HOUR;

/** The fields Send Template reads of its sender number (GET /<PHONE_NUMBER_ID>). */
export const STANDING_FIELDS = [
	'whatsapp_business_manager_messaging_limit',
	'quality_rating',
	'display_phone_number',
] as const;

/** The subject of what a webhook says about the number shown as `displayPhoneNumber`. */
export function displaySubject(displayPhoneNumber: string): string {
	return `display:${displayPhoneNumber.replace(/\D/g, '')}`;
}

/** The subject of a template's quality (names and language codes hold no ":"). */
export function templateSubject(key: { account: string; name: string; language: string }): string {
	return `template:${key.account}:${key.name}:${key.language}`;
}

/** A value with when and where it came from. */
export interface Stated<T> {
	readonly value: T;
	readonly at: number;
	readonly source: string;
}

/** What the rules need to know of the standing of one sender number. */
export interface SenderStanding {
	/** The portfolio's messaging limit as Meta last stated it. */
	readonly messagingLimit?: Stated<MessagingLimit>;
	/** The number's quality rating: the newer of what was said under its id and its display number. */
	readonly numberQuality?: Stated<string>;
	/** When the number was last read from the Cloud API. */
	readonly checkedAt?: number;
}

/**
 * The ordering rule of two statements of one value, by Meta's own time: whether `incoming`
 * replaces `stored`. A webhook's time is Meta's, in whole seconds (the entry's `time`); a read of
 * the Cloud API is stamped when it was made, in milliseconds (or, for a template's quality, with
 * the score's own `date`, in seconds). So they are compared to the second: the later second wins;
 * within one second a webhook wins over a read (it reports a change made in that second, which a
 * read in the same second may not have seen yet); of two of one kind, the later (or, on a tie,
 * the one that came last) wins. The stores apply the same rule in SQL (sql.ts
 * STANDING_SUPERSEDES).
 */
export function supersedes(
	incoming: { readonly at: number; readonly source: string },
	stored: { readonly at: number; readonly source: string },
): boolean {
	const incomingSecond = Math.floor(incoming.at / 1000);
	const storedSecond = Math.floor(stored.at / 1000);
	if (incomingSecond !== storedSecond) return incomingSecond > storedSecond;
	const incomingRead = incoming.source === GRAPH_SOURCE;
	const storedRead = stored.source === GRAPH_SOURCE;
	if (incomingRead !== storedRead) return storedRead;
	return incoming.at >= stored.at;
}

function newer<T>(a: Stated<T> | undefined, b: Stated<T> | undefined): Stated<T> | undefined {
	if (!a) return b;
	if (!b) return a;
	return supersedes(b, a) ? b : a;
}

/** The standing of `sender` from the entries a store read (any others are ignored). */
export function senderStanding(entries: readonly StandingEntry[], sender: string): SenderStanding {
	const display = entries.find(
		(e) => e.subject === sender && e.name === 'display_phone_number',
	)?.value;
	const displayed = display === undefined ? undefined : displaySubject(display);
	let messagingLimit: Stated<MessagingLimit> | undefined;
	let numberQuality: Stated<string> | undefined;
	let checkedAt: number | undefined;
	for (const e of entries) {
		if (e.subject === PORTFOLIO && e.name === 'messaging_limit') {
			const limit = messagingLimitFromMeta(e.value);
			if (limit !== undefined) {
				messagingLimit = newer(messagingLimit, { value: limit, at: e.at, source: e.source });
			}
		} else if ((e.subject === sender || e.subject === displayed) && e.name === 'quality_rating') {
			numberQuality = newer(numberQuality, { value: e.value, at: e.at, source: e.source });
		} else if (e.subject === sender && e.name === 'checked') {
			checkedAt = Math.max(checkedAt ?? 0, e.at);
		}
	}
	return {
		...(messagingLimit && { messagingLimit }),
		...(numberQuality && { numberQuality }),
		...(checkedAt !== undefined && { checkedAt }),
	};
}

/** Whether the sender number should be read from Meta before a batch: never read, or an hour ago. */
export function standingIsStale(standing: SenderStanding, now: number): boolean {
	return standing.checkedAt === undefined || now - standing.checkedAt >= STANDING_REFRESH_MS;
}

/** The fields of GET /<PHONE_NUMBER_ID> this module reads; others are ignored. */
export interface PhoneNumberStanding {
	readonly whatsapp_business_manager_messaging_limit?: unknown;
	readonly quality_rating?: unknown;
	readonly display_phone_number?: unknown;
}

/**
 * What a read of the sender number through the Cloud API tells the store: the portfolio's
 * messaging limit (readable on each of its numbers), the number's quality rating and display
 * phone number, and that it was read at `at`. Values Meta did not send, or sent in a form this
 * version does not know (TIER_NOT_SET: not sent yet), are left out.
 */
export function standingFromPhoneNumber(
	sender: string,
	info: PhoneNumberStanding,
	at: number,
): StandingEntry[] {
	const entry = (subject: string, name: StandingName, value: string): StandingEntry => ({
		subject,
		name,
		value,
		at,
		source: GRAPH_SOURCE,
	});
	const entries = [entry(sender, 'checked', GRAPH_SOURCE)];
	const limit = messagingLimitFromMeta(info.whatsapp_business_manager_messaging_limit);
	if (limit !== undefined) entries.push(entry(PORTFOLIO, 'messaging_limit', String(limit)));
	if (typeof info.quality_rating === 'string' && info.quality_rating.trim() !== '') {
		entries.push(entry(sender, 'quality_rating', info.quality_rating.trim().toUpperCase()));
	}
	if (typeof info.display_phone_number === 'string') {
		const digits = info.display_phone_number.replace(/\D/g, '');
		if (digits !== '') entries.push(entry(sender, 'display_phone_number', digits));
	}
	return entries;
}

/** A business phone number the store knows the standing of. */
export interface NumberStanding {
	/** Absent for a number only a webhook named (by its display phone number). */
	readonly phoneNumberId?: string;
	readonly displayPhoneNumber?: string;
	readonly quality?: Stated<string>;
	readonly checkedAt?: number;
}

/**
 * Every number in `entries`: those read from Meta by id (with a flag a webhook gave under their
 * display phone number), then the display phone numbers no read has matched to an id yet.
 */
export function numbersOf(entries: readonly StandingEntry[]): NumberStanding[] {
	const ids = new Set(
		entries
			.map((e) => e.subject)
			.filter((s) => s !== PORTFOLIO && !s.startsWith('display:') && !s.startsWith('template:')),
	);
	const numbers: NumberStanding[] = [];
	const matched = new Set<string>();
	for (const id of [...ids].sort()) {
		const display = entries.find(
			(e) => e.subject === id && e.name === 'display_phone_number',
		)?.value;
		if (display !== undefined) matched.add(displaySubject(display));
		const { numberQuality, checkedAt } = senderStanding(entries, id);
		numbers.push({
			phoneNumberId: id,
			...(display !== undefined && { displayPhoneNumber: display }),
			...(numberQuality && { quality: numberQuality }),
			...(checkedAt !== undefined && { checkedAt }),
		});
	}
	for (const e of entries) {
		if (
			!e.subject.startsWith('display:') ||
			matched.has(e.subject) ||
			e.name !== 'quality_rating'
		) {
			continue;
		}
		numbers.push({
			displayPhoneNumber: e.subject.slice('display:'.length),
			quality: { value: e.value, at: e.at, source: e.source },
		});
	}
	return numbers;
}

/** The template a templateSubject names; undefined for any other subject. */
export function templateOfSubject(
	subject: string,
): { account: string; name: string; language: string } | undefined {
	const parts = subject.split(':');
	if (parts.length !== 4 || parts[0] !== 'template') return undefined;
	return { account: parts[1], name: parts[2], language: parts[3] };
}

/** The fields of a template Meta listed that say its quality (GET /<WABA_ID>/message_templates). */
export interface TemplateQualityRead {
	readonly name: string;
	readonly language: string;
	/** Meta's quality_score: GREEN, YELLOW, RED or UNKNOWN, and when it was given (Unix seconds). */
	readonly quality_score?: { readonly score?: string; readonly date?: number };
}

/**
 * What a read of the template list says of each template's quality, as standing entries stamped
 * with Meta's own time: the quality_score's `date` when it has one, else when it was read. Kept
 * beside the webhooks' (message_template_quality_update), the newer by Meta's time counts
 * (supersedes): a list read after a webhook does not undo it with a score Meta gave before.
 */
export function standingFromTemplates(
	account: string,
	templates: readonly TemplateQualityRead[],
	readAt: number,
): StandingEntry[] {
	return templates.flatMap((t) => {
		const score = t.quality_score?.score?.trim().toUpperCase();
		if (!score) return [];
		const date = t.quality_score?.date;
		const at =
			typeof date === 'number' && Number.isInteger(date) && date > 0 ? date * 1000 : readAt;
		const subject = templateSubject({ account, name: t.name, language: t.language });
		const quality: StandingName = 'quality_rating';
		return [{ subject, name: quality, value: score, at, source: GRAPH_SOURCE }];
	});
}
