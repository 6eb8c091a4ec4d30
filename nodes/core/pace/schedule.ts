/**
 * The throughput and pair limit rules as one pure schedule: when may the next messages of a sender
 * number leave? Both are GCRA ("virtual scheduling", the token bucket written as one number per
 * limit: its theoretical arrival time, TAT). A message may leave at t when t >= TAT - tolerance; it
 * then moves TAT to max(TAT, t) + interval. Tolerance = (burst - 1) x interval, so after a quiet
 * spell `burst` messages may leave back to back, and over any window of length w at most
 * w / interval + burst leave: exactly what a token bucket of size `burst` allows.
 *
 * One number per limit is why the budget can live in the store and be shared by every n8n process:
 * a lease reads the sender's TAT (and the TATs of the contacts asked for), runs this function and
 * writes the new TATs back in one short transaction (see LeasedSendBudget). The numbers are times
 * of the clock the caller passes in (the store's clock in a lease), so processes whose clocks
 * differ still share one schedule.
 */
import { SECOND } from '../clock';
import { pairBackoffMs } from './backoff';

/** Meta's default throughput per business phone number. */
export const DEFAULT_MESSAGES_PER_SECOND = 80;
/** Meta's highest throughput tier. */
export const MAX_MESSAGES_PER_SECOND = 1000;

/**
 * The share of a sender number's rate that the schedule uses. Meta counts requests as they arrive;
 * they leave here evenly but arrive with network and event-loop jitter, so pacing at exactly the
 * limit lets a few arrive too close together (130429). 3 % under the limit lets Meta's own bucket
 * keep a few tokens spare for that jitter and stays above 95 % of the rate (measured, BENCHMARKS.md).
 */
export const SENDER_PACE = 0.97;

/**
 * A sender's burst, in seconds of its rate. Meta's own bucket allows about a second's worth; after
 * an event-loop stall a full second's burst here would land on top of requests still on their way
 * (130429 at 1000/s). A tenth of a second keeps every window well under Meta's allowance.
 */
export const SENDER_BURST_SECONDS = 0.1;

/** Meta's sustained pace per contact: one message every 6 seconds. */
export const PAIR_INTERVAL_MS = 6 * SECOND;
/** The largest burst Meta tolerates to one contact (45 messages in 6 s). */
export const MAX_PAIR_BURST = 45;
/**
 * Back-to-back messages to one contact before the 6 s pace applies. Far below Meta's 45, because a
 * burst must be paid back; a short sequence (text, image, buttons) still goes out at once.
 */
export const DEFAULT_PAIR_BURST = 10;

/** One GCRA limit: a message per `intervalMs`, `toleranceMs` of burst. */
export interface Pace {
	readonly intervalMs: number;
	readonly toleranceMs: number;
}

/** The pace of `ratePerSecond` with bursts of `burst` messages. */
export function paceOf(ratePerSecond: number, burst: number): Pace {
	assertRate(ratePerSecond);
	if (!Number.isInteger(burst) || burst < 1) {
		throw new RangeError(`burst must be a whole number of messages >= 1; got ${String(burst)}.`);
	}
	const intervalMs = SECOND / ratePerSecond;
	return { intervalMs, toleranceMs: (burst - 1) * intervalMs };
}

/**
 * The sender number's pace for its configured rate: SENDER_PACE of the rate, with a burst of
 * SENDER_BURST_SECONDS of it.
 */
export function senderPace(ratePerSecond: number = DEFAULT_MESSAGES_PER_SECOND): Pace {
	assertRate(ratePerSecond);
	const paced = ratePerSecond * SENDER_PACE;
	return paceOf(paced, Math.max(1, Math.ceil(paced * SENDER_BURST_SECONDS)));
}

/** The pair limit's pace: one message per 6 s to one contact, bursts of `burst`. */
export function pairPace(burst: number = DEFAULT_PAIR_BURST): Pace {
	if (!Number.isInteger(burst) || burst < 1 || burst > MAX_PAIR_BURST) {
		throw new RangeError(
			`burst must be a whole number of messages from 1 to ${MAX_PAIR_BURST} (Meta's largest burst to one contact); got ${String(burst)}.`,
		);
	}
	return { intervalMs: PAIR_INTERVAL_MS, toleranceMs: (burst - 1) * PAIR_INTERVAL_MS };
}

/** What a schedule reads and writes: the TAT of the sender and of each contact asked for. */
export interface ScheduleState {
	/** Undefined: nothing sent lately (the same as a TAT in the past). */
	senderTat: number | undefined;
	/** By contact; a contact missing has sent nothing lately. */
	readonly pairTats: Map<string, number>;
}

export interface ScheduleRequest {
	/** One entry per message, in order: its contact, or undefined for a request to no contact (mark as read). */
	readonly recipients: ReadonlyArray<string | undefined>;
	readonly sender: Pace;
	readonly pair: Pace;
	/**
	 * A message whose contact may not receive it within this many milliseconds gets no slot (it
	 * would hold the slot of others): it is told when to ask again.
	 */
	readonly horizonMs: number;
}

export type Slot = { readonly at: number } | { readonly deferUntil: number };

/**
 * Gives each message, in order, the time it may leave (`at`, possibly already past: now), or, when
 * its contact's pair limit keeps it back past the horizon, when to ask again (`deferUntil`; nothing
 * is reserved for it). Updates `state` in place with the reservations made.
 */
export function scheduleSends(state: ScheduleState, request: ScheduleRequest, now: number): Slot[] {
	const { sender, pair } = request;
	return request.recipients.map((contact): Slot => {
		const pairTat = contact === undefined ? undefined : state.pairTats.get(contact);
		const pairReady = pairTat === undefined ? now : Math.max(now, pairTat - pair.toleranceMs);
		if (pairReady > now + request.horizonMs) return { deferUntil: pairReady };
		const senderTat = state.senderTat ?? now;
		const at = Math.max(now, senderTat - sender.toleranceMs, pairReady);
		state.senderTat = Math.max(senderTat, at) + sender.intervalMs;
		if (contact !== undefined) {
			state.pairTats.set(contact, Math.max(pairTat ?? at, at) + pair.intervalMs);
		}
		return { at };
	});
}

/**
 * 130429 (throughput exceeded): no message of the sender leaves before `now + forMs`, and the
 * burst allowance is spent. Returns the new TAT.
 */
export function holdSender(
	tat: number | undefined,
	sender: Pace,
	now: number,
	forMs: number,
): number {
	return Math.max(tat ?? now, now + forMs + sender.toleranceMs);
}

/** A contact's strikes of 131056 in a row, with when the last one came. */
export interface PairStrikes {
	readonly strikes: number;
	readonly lastAt: number | undefined;
}

/**
 * 131056 (pair rate limit): Meta wants the burst paid back, so the contact is blocked for 4^n s
 * (n = 131056 answers in a row before this one, from 0) and then gets one message per interval.
 * Strikes in a row are those that came before the previous block ended plus a minute (a message
 * accepted in between, which nobody records, would have reset them: the minute stands in for it).
 */
export function holdPair(
	tat: number | undefined,
	previous: PairStrikes,
	pair: Pace,
	now: number,
): { tat: number; strikes: PairStrikes; blockMs: number } {
	const previousBlock = previous.strikes > 0 ? pairBackoffMs(previous.strikes - 1) : 0;
	const inARow =
		previous.lastAt !== undefined && now - previous.lastAt <= previousBlock + 60 * SECOND
			? previous.strikes
			: 0;
	const blockMs = pairBackoffMs(inARow);
	return {
		tat: Math.max(tat ?? now, now + blockMs + pair.toleranceMs),
		strikes: { strikes: inARow + 1, lastAt: now },
		blockMs,
	};
}

function assertRate(rate: number): void {
	if (
		typeof rate !== 'number' ||
		!Number.isFinite(rate) ||
		rate <= 0 ||
		rate > MAX_MESSAGES_PER_SECOND
	) {
		throw new RangeError(
			`The rate must be a number of messages per second above 0 and at most ${MAX_MESSAGES_PER_SECOND} (Meta's highest throughput); got ${String(rate)}. Meta's default is ${DEFAULT_MESSAGES_PER_SECOND}.`,
		);
	}
}
