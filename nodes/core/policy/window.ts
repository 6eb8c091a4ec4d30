import { HOUR } from '../clock';
import type { WindowState } from '../model';
import { formatUtc } from './format';
import type { Allow, Hold } from './types';

/** Meta's customer service window: 24 hours from the contact's last message to this number. */
export const CUSTOMER_SERVICE_WINDOW_MS = 24 * HOUR;

export interface WindowStatus {
	open: boolean;
	/**
	 * When the window closes (open) or closed (closed); absent when the contact never wrote to this
	 * sender number. Meta's 131047 (`closedAt` after the last inbound) closes it early.
	 */
	openUntil?: number;
}

/**
 * Free-form messages may be sent only while now < last inbound + 24 h. A 131047 answer from Meta
 * (closedAt) after the last inbound message closes the window from then on, whatever our clock
 * says, until the contact writes again.
 */
export function windowStatus(window: WindowState | undefined, now: number): WindowStatus {
	if (!window) return { open: false };
	let openUntil = window.lastInboundAt + CUSTOMER_SERVICE_WINDOW_MS;
	if (window.closedAt !== undefined && window.closedAt > window.lastInboundAt) {
		openUntil = Math.min(openUntil, window.closedAt);
	}
	return { open: now < openUntil, openUntil };
}

export interface WindowInput {
	/** The contact as the user gave it, used in the message. */
	contact: string;
	window: WindowState | undefined;
}

export type WindowDecision = (Allow & { openUntil: number }) | Hold;

/** The window rule: free-form content needs an open customer service window. */
export function checkWindow(input: WindowInput, now: number): WindowDecision {
	const status = windowStatus(input.window, now);
	if (status.open) return { allowed: true, openUntil: status.openUntil as number };
	const fix = 'send an approved template instead (Send Template), or wait until they write again';
	const closedAt = status.openUntil === undefined ? undefined : formatUtc(status.openUntil);
	const message =
		closedAt === undefined
			? `${input.contact} has not written to this WhatsApp number yet, and free-form messages may only answer a contact within 24 hours of their last message: ${fix}.`
			: input.window?.closedAt === status.openUntil
				? `WhatsApp reported the customer service window with ${input.contact} closed at ${closedAt}, so free-form messages cannot be sent: ${fix}.`
				: `The customer service window with ${input.contact} closed at ${closedAt}, 24 hours after their last message, so free-form messages cannot be sent: ${fix}.`;
	return {
		allowed: false,
		rule: 'window',
		reason: 'window_closed',
		message,
	};
}

/**
 * The contact's message as an item carries it (the Webhook Trigger's message item), read by the
 * node but not yet checked: windowFromTriggerItem decides whether it counts.
 */
export interface TriggerItemMessage {
	/** The event kind the item says it is; only "message" (or no kind at all) counts. */
	readonly kind?: string;
	/** The business phone number ID the message was sent to. */
	readonly sender?: string;
	/** The store's contact keys the item names (wa_id, business-scoped user ID), normalised. */
	readonly contacts: readonly string[];
	/** When the contact sent it (ms epoch); undefined or NaN when the item has no readable time. */
	readonly at?: number;
	/** The message came from a click-to-WhatsApp ad or a Page button (it has a referral). */
	readonly referral: boolean;
}

/** A message from `contact` to `sender` that an item proves, accepted by windowFromTriggerItem. */
export interface ItemInbound {
	readonly sender: string;
	readonly contact: string;
	readonly at: number;
	readonly referral: boolean;
}

/**
 * Whether an item's message counts as the contact's message to this sender number: it must be a
 * message (not a status or another event), sent to this sender number, by this contact, at a
 * readable time. A time in the future counts as `now`, so item data cannot keep a window open
 * longer than 24 hours from now.
 */
export function windowFromTriggerItem(
	message: TriggerItemMessage,
	target: { readonly sender: string; readonly contact: string },
	now: number,
): ItemInbound | undefined {
	if (message.kind !== undefined && message.kind !== 'message') return undefined;
	if (message.sender !== target.sender || !message.contacts.includes(target.contact)) {
		return undefined;
	}
	if (message.at === undefined || !Number.isFinite(message.at)) return undefined;
	return {
		sender: target.sender,
		contact: target.contact,
		at: Math.min(message.at, now),
		referral: message.referral,
	};
}

export interface EffectiveWindow {
	/** The window the window rule and the price see. */
	readonly window: WindowState | undefined;
	/**
	 * The item's message is later than the store's last inbound message: it is what the window
	 * rests on, so a close or a free entry point recorded for this send should record it too.
	 */
	readonly fromItem: boolean;
}

/**
 * The window an item's own message opens, with the store's: the later inbound message counts
 * (the trigger may be set not to record windows, or the item may arrive before the store has the
 * message). A referral on the item's message is the referral of the window. This is the window
 * only: an item's message never counts as a message to lift an opt-out (see evaluateFreeForm),
 * since item data is not proof the store has.
 */
export function effectiveWindow(
	stored: WindowState | undefined,
	item: ItemInbound | undefined,
): EffectiveWindow {
	if (!item || (stored && stored.lastInboundAt >= item.at)) {
		return { window: stored, fromItem: false };
	}
	const referralAt = item.referral ? item.at : stored?.referralAt;
	const window: WindowState = {
		...stored,
		sender: item.sender,
		contact: item.contact,
		lastInboundAt: item.at,
	};
	if (referralAt === undefined) delete window.referralAt;
	else window.referralAt = referralAt;
	return { window, fromItem: true };
}
