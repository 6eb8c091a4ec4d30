/** Helpers for tests that watch a batch of sends while it runs. */
import type { SendState } from '../../nodes/core/model';
import type { ComplianceStore } from '../../nodes/core/store/types';

/** Waits for `condition`, checking every 10 ms, at most `tries` times; throws if it never holds. */
export async function until(
	condition: () => boolean | Promise<boolean>,
	tries = 500,
): Promise<void> {
	for (let i = 0; i < tries; i++) {
		if (await condition()) return;
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
	throw new Error('The condition never came true');
}

/** The state the store has for the send under `key`, or undefined when it has none. */
export async function sendStateOf(
	store: ComplianceStore,
	sender: string,
	key: string,
): Promise<SendState | undefined> {
	const snapshot = await store.getSnapshot({
		sender,
		contacts: [],
		marketingSince: 0,
		idempotencyKeys: [key],
	});
	return snapshot.sends.get(key)?.state;
}
