import { DAY, HOUR, MINUTE } from '../../../nodes/core/clock';
import type { ComplianceStore } from '../../../nodes/core/store/types';
import { SeenEventPruner, seenEventPruner } from '../../../nodes/WhatsAppWebhookTrigger/prune';
import { callWebhook, signedPost, tempStore } from './support';
import { textMessageWebhook } from '../../core/wire/fixtures';

const NOW = Date.UTC(2026, 10, 21, 12);

let temp: ReturnType<typeof tempStore>;
let store: ComplianceStore;

beforeEach(async () => {
	temp = tempStore();
	store = await temp.open();
});

afterEach(async () => {
	expect(errors.splice(0)).toEqual([]);
	await temp.cleanUp();
});

/** Records seen keys at the given times; returns which of them are still known afterwards. */
async function seen(keys: Record<string, number>) {
	for (const [key, at] of Object.entries(keys)) {
		await store.applyWebhookEvents([{ key, effects: {} }], at);
	}
	return async () => {
		const known: string[] = [];
		for (const [key, at] of Object.entries(keys)) {
			// A key still known is not new again.
			if ((await store.applyWebhookEvents([{ key, effects: {} }], at)).length === 0)
				known.push(key);
		}
		return known;
	};
}

describe('seen-event pruning', () => {
	it('forgets keys older than eight days, a day past Meta’s retries, and keeps newer ones', async () => {
		const pruner = new SeenEventPruner();
		const stillKnown = await seen({
			old: NOW - 8 * DAY - MINUTE,
			lastRetry: NOW - 7 * DAY - MINUTE,
			recent: NOW - 6 * DAY,
		});
		expect(pruner.schedule(store, NOW, fail)).toBe(true);
		await pruner.idle();
		expect(await stillKnown()).toEqual(['lastRetry', 'recent']);
	});

	it('prunes a store at most once per hour', async () => {
		const pruner = new SeenEventPruner();
		expect(pruner.schedule(store, NOW, fail)).toBe(true);
		expect(pruner.schedule(store, NOW + 59 * MINUTE, fail)).toBe(false);
		expect(pruner.schedule(store, NOW + HOUR, fail)).toBe(true);
		await pruner.idle();
	});

	it('does not prune on the request path: the prune starts after the caller has gone on', async () => {
		const pruner = new SeenEventPruner();
		const stillKnown = await seen({ old: NOW - 8 * DAY });
		pruner.schedule(store, NOW, fail);
		expect(await stillKnown()).toEqual(['old']);
		await pruner.idle();
	});

	it('reports a failed prune to the callback instead of throwing, and tries again an hour later', async () => {
		const pruner = new SeenEventPruner();
		const errors: unknown[] = [];
		await store.close();
		expect(pruner.schedule(store, NOW, (e) => errors.push(e))).toBe(true);
		await pruner.idle();
		expect(errors).toHaveLength(1);
		expect(pruner.schedule(store, NOW + HOUR, (e) => errors.push(e))).toBe(true);
		await pruner.idle();
		expect(errors).toHaveLength(2);
	});

	it('refuses intervals that are not positive', () => {
		expect(() => new SeenEventPruner({ intervalMs: 0 })).toThrow(/intervalMs must be a positive/);
	});

	it('the trigger prunes the store it recorded to, after answering a POST', async () => {
		const stillKnown = await seen({ ancient: Date.now() - 30 * DAY, fresh: Date.now() - DAY });
		const body = textMessageWebhook({
			text: 'Hallo',
			timestamp: String(Math.floor(Date.now() / 1000)),
		});
		const call = await callWebhook(signedPost(body), { storePath: temp.path });
		expect(call.res.status).toBe(200);
		await seenEventPruner.idle();
		expect(await stillKnown()).toEqual(['fresh']);
		expect(call.logs.filter((l) => l.level === 'error')).toEqual([]);
	});
});

const errors: unknown[] = [];
/** The error callback of the tests that expect no error (checked after each test). */
function fail(error: unknown): void {
	errors.push(error);
}
