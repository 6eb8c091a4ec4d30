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
