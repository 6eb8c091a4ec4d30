/** What the window roles of both backends share. */
import type { WindowState } from '../model';
import { freeEntryPointStartedBy } from '../policy/fep';
import type { WindowClose } from './types';

/**
 * The free entry point starts to write for replies that left (startFreeEntryPoints), as
 * policy/fep.ts decides against each contact's stored window (`windowOf`): at most one per sender
 * number and contact, in the order of `starts`.
 */
export function freeEntryPointStarts(
	starts: readonly WindowClose[],
	windowOf: (sender: string, contact: string) => WindowState | undefined,
): WindowClose[] {
	const times = new Map<string, { sender: string; contact: string; times: number[] }>();
	for (const s of starts) {
		const key = JSON.stringify([s.sender, s.contact]);
		const pair = times.get(key) ?? { sender: s.sender, contact: s.contact, times: [] };
		pair.times.push(s.at);
		times.set(key, pair);
	}
	return [...times.values()].flatMap(({ sender, contact, times: at }) => {
		const started = freeEntryPointStartedBy(windowOf(sender, contact), at);
		return started === undefined ? [] : [{ sender, contact, at: started }];
	});
}
