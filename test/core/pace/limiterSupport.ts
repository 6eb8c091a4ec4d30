import { ManualClock } from '../../../nodes/core/clock';
import type { Sleep } from '../../../nodes/core/pace/sleep';

/**
 * A clock and a sleep that moves it: waiting costs no real time, and every wait is recorded.
 * The sleep lets every pending callback run before time moves (one turn of the event loop), as
 * a real timer would, so callers that arrive meanwhile queue up and grants are seen at their time.
 */
export function manualTime(start = Date.UTC(2026, 10, 21, 9, 0, 0)) {
	const clock = new ManualClock(start);
	const sleeps: number[] = [];
	const sleep: Sleep = async (ms, signal) => {
		sleeps.push(ms);
		await new Promise((resolve) => setImmediate(resolve));
		if (signal?.aborted) throw signal.reason;
		clock.advance(ms);
	};
	return { clock, sleep, sleeps, start };
}

/** Lets every pending promise callback run (limiters resolve waiters in microtasks). */
export async function settle(rounds = 50): Promise<void> {
	for (let i = 0; i < rounds; i++) await Promise.resolve();
}
