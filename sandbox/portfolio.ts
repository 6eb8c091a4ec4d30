/**
 * The business portfolio's standing with Meta, as the sandbox models it:
 *
 * - The messaging limit: how many unique WhatsApp users the portfolio may reach with messages
 *   outside a customer service window in a moving 24 hours, shared by all its numbers (Meta
 *   since October 7, 2025: 250, 2,000, 10,000, 100,000 or unlimited; messaging-limits, Nov 26,
 *   2025). A user counts for 24 hours from the last such message. Meta documents no error code
 *   for going past it; the sandbox fails those messages later, with a failed status carrying
 *   131048 ("Spam rate limit hit: ... restrictions on how many messages can be sent from this
 *   phone number"), the closest code Meta documents.
 * - Each number's quality rating (GREEN, YELLOW, RED, NA), as GET /<PHONE_NUMBER_ID> returns it.
 *   Meta's current phone_number_quality_update reference (Nov 14, 2025) lists only ONBOARDING and
 *   THROUGHPUT_UPGRADE events and says the Flagged state is gone; a drop to RED is announced
 *   here with that webhook's event FLAGGED, and the recovery with UNFLAGGED, as Meta did before
 *   October 2025, so a receiver can react without polling.
 * - Each template's quality score (GREEN, YELLOW, RED, UNKNOWN), with the
 *   message_template_quality_update webhook on a change.
 *
 * Quality alone changes no send: Meta still sends for a RED number or template (pausing is a
 * template status, scripted on its own).
 */
import { DAY } from '../nodes/core/clock';
import type { Json } from './checks/fields';
import type { SeedPhoneNumber, SeedTemplate } from './seedLoader';

export type SandboxMessagingLimit = 50 | 250 | 1000 | 2000 | 10000 | 100000 | 'unlimited';
export type NumberQuality = 'GREEN' | 'YELLOW' | 'RED' | 'NA';
export type TemplateQuality = 'GREEN' | 'YELLOW' | 'RED' | 'UNKNOWN';

/**
 * Meta's names of the limits. TIER_50 and TIER_1K are the per-number tiers from before October
 * 2025, still listed in the phone_number_quality_update reference.
 */
const TIERS: ReadonlyArray<[string, SandboxMessagingLimit]> = [
	['TIER_50', 50],
	['TIER_250', 250],
	['TIER_1K', 1000],
	['TIER_2K', 2000],
	['TIER_10K', 10000],
	['TIER_100K', 100000],
	['TIER_UNLIMITED', 'unlimited'],
];

const NUMBER_QUALITIES: readonly NumberQuality[] = ['GREEN', 'YELLOW', 'RED', 'NA'];
const TEMPLATE_QUALITIES: readonly TemplateQuality[] = ['GREEN', 'YELLOW', 'RED', 'UNKNOWN'];

/**
 * A limit as a number (250), its text ("2000", "unlimited") or Meta's tier name ("TIER_2K").
 * @throws RangeError naming what is accepted.
 */
export function parseMessagingLimit(
	value: unknown,
	name = 'messagingLimit',
): SandboxMessagingLimit {
	const text = String(value ?? '')
		.trim()
		.toUpperCase();
	const tier = TIERS.find(([name, limit]) => name === text || String(limit).toUpperCase() === text);
	if (!tier) {
		throw new RangeError(
			`${name} must be one of Meta's messaging limits: ${TIERS.map(([, l]) => l).join(', ')} (or its tier name, e.g. TIER_2K); got ${JSON.stringify(value)}.`,
		);
	}
	return tier[1];
}

export function tierOf(limit: SandboxMessagingLimit): string {
	return TIERS.find(([, l]) => l === limit)![0];
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
	const text = String(value ?? '')
		.trim()
		.toUpperCase();
	const found = allowed.find((a) => a === text);
	if (!found) {
		throw new RangeError(`${what} must be ${allowed.join(', ')}; got ${JSON.stringify(value)}.`);
	}
	return found;
}

/** A webhook the state posts: the change's field and value. */
export interface PortfolioChange {
	readonly field: string;
	readonly value: Json;
	readonly summary: string;
}

export class Portfolio {
	#limit: SandboxMessagingLimit;
	/** Last time each wa_id was reached outside a customer service window, by any number. */
	#reached = new Map<string, number>();
	#numberQuality = new Map<string, NumberQuality>();
	/** Set by the control API, by template id; the others keep the seed's quality_score. */
	#templateQuality = new Map<string, { score: TemplateQuality; date: number }>();

	constructor(limit: SandboxMessagingLimit, phoneNumbers: readonly SeedPhoneNumber[]) {
		this.#limit = limit;
		for (const phone of phoneNumbers) this.#numberQuality.set(phone.id, phone.quality_rating);
	}

	get messagingLimit(): SandboxMessagingLimit {
		return this.#limit;
	}

	/** Meta's name of the current limit, as whatsapp_business_manager_messaging_limit returns it. */
	get messagingLimitTier(): string {
		return tierOf(this.#limit);
	}

	/** Unique users reached outside a customer service window in the 24 hours before `now`. */
	reachedCount(now: number): number {
		let count = 0;
		for (const at of this.#reached.values()) if (at > now - DAY) count++;
		return count;
	}

	/**
	 * A message that reaches `waId` outside a customer service window at `now`: undefined when it
	 * fits the limit (it is then counted), or the failure its status will carry.
	 */
	reach(waId: string, now: number): { code: number; details: string } | undefined {
		const last = this.#reached.get(waId);
		const counted = last !== undefined && last > now - DAY;
		if (!counted && this.#limit !== 'unlimited') {
			const reached = this.reachedCount(now);
			if (reached >= this.#limit) {
				return {
					code: 131048,
					details: `Message failed to send because the business portfolio reached its messaging limit: ${reached} of ${this.#limit} unique WhatsApp users outside a customer service window in the last 24 hours (${this.messagingLimitTier}), and ${waId} is not one of them. Meta documents no code of its own for this limit; the sandbox uses 131048.`,
				};
			}
		}
		this.#reached.set(waId, now);
		if (this.#reached.size > 2 * (this.#limit === 'unlimited' ? 100_000 : this.#limit)) {
			for (const [id, at] of this.#reached) if (at <= now - DAY) this.#reached.delete(id);
		}
		return undefined;
	}

	/** Sets the limit; the change is announced with business_capability_update. */
	setMessagingLimit(value: unknown): PortfolioChange {
		this.#limit = parseMessagingLimit(value, 'limit');
		const tier = this.messagingLimitTier;
		return {
			field: 'business_capability_update',
			// The reference lists TIER_ names for this field (its example shows a number); a 250
			// portfolio gets max_phone_numbers_per_business, the others max_phone_numbers_per_waba.
			value: {
				max_daily_conversations_per_business: tier,
				...(this.#limit === 250
					? { max_phone_numbers_per_business: 2 }
					: { max_phone_numbers_per_waba: 25 }),
			},
			summary: `business_capability_update: messaging limit ${tier}`,
		};
	}

	numberQuality(phoneNumberId: string): NumberQuality | undefined {
		return this.#numberQuality.get(phoneNumberId);
	}

	/**
	 * Sets a number's rating. A drop to RED is announced as FLAGGED and a recovery from RED as
	 * UNFLAGGED (phone_number_quality_update, as before October 2025); other changes have no
	 * webhook, as with Meta: read quality_rating.
	 */
	setNumberQuality(phone: SeedPhoneNumber, value: unknown): PortfolioChange | undefined {
		const rating = oneOf(value, NUMBER_QUALITIES, 'rating');
		const before = this.#numberQuality.get(phone.id);
		this.#numberQuality.set(phone.id, rating);
		const event =
			rating === 'RED' && before !== 'RED'
				? 'FLAGGED'
				: before === 'RED' && rating !== 'RED'
					? 'UNFLAGGED'
					: undefined;
		if (!event) return undefined;
		const tier = this.messagingLimitTier;
		return {
			field: 'phone_number_quality_update',
			value: {
				display_phone_number: phone.display_phone_number.replace(/\D/g, ''),
				event,
				current_limit: tier,
				max_daily_conversations_per_business: tier,
			},
			summary: `phone_number_quality_update ${event} for ${phone.id} (quality ${rating})`,
		};
	}

	/** The template's quality_score as the template endpoints return it, if it has one. */
	templateQuality(template: SeedTemplate): Json | undefined {
		const set = this.#templateQuality.get(template.definition.id);
		if (set) return { score: set.score, date: Math.floor(set.date / 1000) };
		const seeded = template.raw.quality_score;
		return typeof seeded === 'object' && seeded !== null ? (seeded as Json) : undefined;
	}

	/** Sets a template's quality score; a change is announced with message_template_quality_update. */
	setTemplateQuality(
		template: SeedTemplate,
		value: unknown,
		now: number,
	): PortfolioChange | undefined {
		const score = oneOf(value, TEMPLATE_QUALITIES, 'score');
		const before = this.templateQuality(template)?.score;
		const previous = typeof before === 'string' ? before.toUpperCase() : 'UNKNOWN';
		this.#templateQuality.set(template.definition.id, { score, date: now });
		if (previous === score) return undefined;
		const { definition } = template;
		return {
			field: 'message_template_quality_update',
			value: {
				previous_quality_score: previous,
				new_quality_score: score,
				message_template_id: Number(definition.id),
				message_template_name: definition.name,
				message_template_language: definition.language,
			},
			summary: `template ${definition.name} (${definition.language}) quality ${previous} -> ${score}`,
		};
	}
}
