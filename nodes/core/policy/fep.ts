import { HOUR } from '../clock';
import type { WindowState } from '../model';

/** The first reply must come within 24 h of the message from the ad or Page button. */
export const FREE_ENTRY_POINT_REPLY_MS = 24 * HOUR;
/** The free entry point window lasts 72 h from that reply. */
export const FREE_ENTRY_POINT_WINDOW_MS = 72 * HOUR;

/*
 * The fep rule is about pricing only: inside the 72 h every message (templates included) is free,
 * but free-form content still needs the 24 h customer service window (see window.ts).
 */

/**
 * Whether a send now would be the reply that starts the free entry point window: the contact's
 * message came from a click-to-WhatsApp ad or a Page button (`referralAt`), less than 24 h ago, no
 * free entry point window was started for that referral yet, and none is open. Any message type
 * qualifies.
 */
export function startsFreeEntryPoint(window: WindowState | undefined, now: number): boolean {
	if (!window || window.referralAt === undefined) return false;
	const { referralAt, fepStartedAt } = window;
	if (now < referralAt || now >= referralAt + FREE_ENTRY_POINT_REPLY_MS) return false;
	if (fepStartedAt === undefined) return true;
	// Only the first reply to a referral starts a window, and an open window is not extended by
	// a newer referral (Meta counts 72 h from the reply that opened it).
	return fepStartedAt < referralAt && now >= fepStartedAt + FREE_ENTRY_POINT_WINDOW_MS;
}

/**
 * When the free entry point window started, after replies that left at `times` (in any order):
 * each reply that starts one (startsFreeEntryPoint, against the window as the replies before it
 * left it) sets the start. Undefined when none of them started one. What a store records for the
 * replies it is told of, against the window it has.
 */
export function freeEntryPointStartedBy(
	window: WindowState | undefined,
	times: readonly number[],
): number | undefined {
	let current = window;
	let started: number | undefined;
	for (const at of [...times].sort((a, b) => a - b)) {
		if (current && startsFreeEntryPoint(current, at)) {
			started = at;
			current = { ...current, fepStartedAt: at };
		}
	}
	return started;
}

export interface FreeEntryPointStatus {
	open: boolean;
	/** When the free entry point window ends (or ended); absent when none was started. */
	openUntil?: number;
}

/** Whether a free entry point window is open now: fepStartedAt <= now < fepStartedAt + 72 h. */
export function freeEntryPointStatus(
	window: WindowState | undefined,
	now: number,
): FreeEntryPointStatus {
	if (!window || window.fepStartedAt === undefined) return { open: false };
	const openUntil = window.fepStartedAt + FREE_ENTRY_POINT_WINDOW_MS;
	return { open: now >= window.fepStartedAt && now < openUntil, openUntil };
}

/** A send now is free under the fep rule: the window is open, or this send opens it. */
export function isFreeEntryPoint(window: WindowState | undefined, now: number): boolean {
	return freeEntryPointStatus(window, now).open || startsFreeEntryPoint(window, now);
}
