import { setTimeout as delay } from 'node:timers/promises';

/**
 * Waits `ms` milliseconds, or rejects with the signal's reason when it aborts. Injected everywhere a
 * limiter or a retry waits, so tests drive time with a ManualClock instead of waiting for real.
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = async (ms, signal) => {
	await delay(Math.max(0, ms), undefined, signal ? { signal } : undefined);
};

/** Rejects with the signal's reason if it has already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
	if (signal?.aborted) throw signal.reason ?? new Error('The operation was aborted');
}
