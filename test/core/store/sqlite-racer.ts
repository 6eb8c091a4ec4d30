/**
 * One racer of the SQLite concurrency tests: a worker thread with its own connection to the
 * store file. node:sqlite is synchronous, so real overlap needs threads; every racer waits at a
 * shared barrier and then calls the store method at the same moment as the others.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { SqliteComplianceStore } from '../../../nodes/core/store/sqlite';
import { TEST_ERASURE_KEY } from '../../support/erasureKey';

export interface RaceRequest {
	method: string;
	args: unknown[];
	/** An Int32Array counter: every racer adds one and waits until all have arrived. */
	barrier: SharedArrayBuffer;
	parties: number;
}

export type RaceReply =
	| { ok: true; result: unknown }
	| { ok: false; error: string }
	| { ready: true };

const port = parentPort!;
const store = new SqliteComplianceStore({
	erasureKey: TEST_ERASURE_KEY,
	path: (workerData as { path: string }).path,
});

function awaitOthers(barrier: SharedArrayBuffer, parties: number): void {
	const gate = new Int32Array(barrier);
	Atomics.add(gate, 0, 1);
	Atomics.notify(gate, 0);
	for (;;) {
		const arrived = Atomics.load(gate, 0);
		if (arrived >= parties) return;
		Atomics.wait(gate, 0, arrived, 100);
	}
}

port.on('message', async (message: RaceRequest | 'close') => {
	if (message === 'close') {
		await store.close();
		port.close();
		return;
	}
	awaitOthers(message.barrier, message.parties);
	try {
		const method = (store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[
			message.method
		];
		const result = await method.apply(store, message.args);
		port.postMessage({ ok: true, result } satisfies RaceReply);
	} catch (error) {
		port.postMessage({
			ok: false,
			error: String((error as Error)?.stack ?? error),
		} satisfies RaceReply);
	}
});
port.postMessage({ ready: true } satisfies RaceReply);
