import { IANAZone } from 'luxon';

/** Milliseconds since the epoch. Every rule takes `now` from a clock so tests can move time. */
export interface Clock {
	now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock for tests and simulations: starts at `start` and moves only when told. */
export class ManualClock implements Clock {
	constructor(private current: number) {}

	now(): number {
		return this.current;
	}

	set(ms: number): void {
		this.current = ms;
	}

	advance(ms: number): void {
		this.current += ms;
	}
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * How far two clocks that stamp consent changes may disagree. Meta stamps a contact's messages in
 * whole seconds, so a STOP sent in the same second as an opt-in the n8n host stamped with
 * milliseconds looks up to a second older than it is; and the host's clock may run ahead of
 * Meta's. Within this allowance the store does not trust the order the times suggest: an opt-out
 * wins over a change stamped up to this much later, and a double opt-in confirmation stamped up to
 * this much before its request still answers it (policy/consentChange.ts).
 */
export const CLOCK_SKEW_ALLOWANCE = 5 * MINUTE;

/**
 * Zones already found valid. Luxon checks a zone by building an Intl.DateTimeFormat (about 40 µs
 * and native memory the GC frees late); every send checks the same few zones, several times.
 */
const validZones = new Set<string>();

/** Whether `zone` is an IANA time zone such as "Europe/Berlin". */
export function isTimeZone(zone: unknown): zone is string {
	if (typeof zone !== 'string') return false;
	if (validZones.has(zone)) return true;
	if (!IANAZone.isValidZone(zone)) return false;
	validZones.add(zone);
	return true;
}
