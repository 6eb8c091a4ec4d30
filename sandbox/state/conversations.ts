/**
 * What a chat (a business number and a contact) is open for: the 24-hour customer service window
 * that each message of the contact opens, and the 72-hour free entry point window that the first
 * reply to a contact who came from a click-to-WhatsApp ad opens. Both decide what a send costs.
 */
import { randomBytes } from 'node:crypto';
import { HOUR } from '../../nodes/core/clock';
import { iso } from './format';

const WINDOW_MS = 24 * HOUR;
const FEP_MS = 72 * HOUR;

export interface PricingInfo {
	readonly billable: boolean;
	readonly pricing_model: 'PMP';
	readonly type: 'regular' | 'free_customer_service' | 'free_entry_point';
	readonly category: string;
}

/** A free entry point window, with the conversation id its statuses carry. */
export interface FreeEntryPoint {
	readonly id: string;
	readonly startMs: number;
	readonly endMs: number;
}

interface FepState {
	/** Time of the last inbound message that came from an ad. */
	referralAtMs?: number;
	window?: FreeEntryPoint;
}

/** Chats by chatKey (format.ts). */
export class Conversations {
	/** Last inbound message time per chat. */
	readonly #lastInbound = new Map<string, number>();
	readonly #fep = new Map<string, FepState>();

	/** Whether the chat's 24-hour window is open at `now`. */
	windowOpen(key: string, now: number): boolean {
		const last = this.#lastInbound.get(key);
		return last !== undefined && now < last + WINDOW_MS;
	}

	/** Why a free-form message outside the window fails (131047). */
	reengagementDetails(key: string): string {
		const last = this.#lastInbound.get(key);
		return last === undefined
			? 'Message failed to send because the customer has not messaged this number yet: outside the 24-hour customer service window only templates can be sent.'
			: `Message failed to send because more than 24 hours have passed since the customer last replied to this number (last message ${iso(last)}). Send a template instead.`;
	}

	/** A message of the contact at `atMs` (perhaps backdated), from an ad or not. */
	inbound(key: string, atMs: number, fromAd: boolean): void {
		this.#lastInbound.set(key, Math.max(this.#lastInbound.get(key) ?? atMs, atMs));
		if (fromAd) {
			const state = this.#fep.get(key) ?? {};
			const open = state.window && atMs < state.window.endMs;
			if (!open) state.referralAtMs = atMs;
			this.#fep.set(key, state);
		}
	}

	/**
	 * The free entry point window this message goes out in, opening one when this is the first
	 * reply within 24 hours to a contact who came from a click-to-WhatsApp ad.
	 */
	freeEntryPoint(key: string, now: number): FreeEntryPoint | undefined {
		const state = this.#fep.get(key);
		if (!state) return undefined;
		if (state.window && now >= state.window.startMs && now < state.window.endMs)
			return state.window;
		if (
			state.referralAtMs !== undefined &&
			now >= state.referralAtMs &&
			now < state.referralAtMs + WINDOW_MS
		) {
			state.window = { id: randomBytes(16).toString('hex'), startMs: now, endMs: now + FEP_MS };
			state.referralAtMs = undefined;
			return state.window;
		}
		return undefined;
	}
}

/**
 * Meta's pricing of a message (per-message pricing, July 2025): everything is free in a free entry
 * point window; free-form messages (only possible in the window) and utility templates inside the
 * window are free customer service; every other template is charged at its category.
 */
export function pricingOf(
	category: string | undefined,
	windowOpen: boolean,
	fep: boolean,
): PricingInfo {
	if (fep) {
		return {
			billable: false,
			pricing_model: 'PMP',
			type: 'free_entry_point',
			category: 'referral_conversion',
		};
	}
	if (category === undefined) {
		return {
			billable: false,
			pricing_model: 'PMP',
			type: 'free_customer_service',
			category: 'service',
		};
	}
	if (category === 'UTILITY' && windowOpen) {
		return {
			billable: false,
			pricing_model: 'PMP',
			type: 'free_customer_service',
			category: 'utility',
		};
	}
	return {
		billable: true,
		pricing_model: 'PMP',
		type: 'regular',
		category: category.toLowerCase(),
	};
}
