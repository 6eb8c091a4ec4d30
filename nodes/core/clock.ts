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
