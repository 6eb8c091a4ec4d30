/**
 * The webhook fuzzer (tools/webhook-fuzz) in small: 2,000 seeded bodies, signed and unsigned,
 * through handleWebhookPost with a real SQLite store. Any crash (the handler throws: the trigger
 * would answer 500 and Meta would retry the body for days) or emitted event JSON cannot write
 * fails the suite. The full run (100,000 bodies, with times) is `tools/webhook-fuzz/run.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SqliteComplianceStore } from '../../../nodes/core/store/sqlite';
import { ErasureKey } from '../../../nodes/core/store/erasureKey';
import { runFuzz } from '../../../tools/webhook-fuzz/run';

const BODIES = 2000;
const SEED = 20251207;

it(`handles ${BODIES} fuzzed webhook bodies without a crash`, async () => {
	const dir = mkdtempSync(join(tmpdir(), 'wa-webhook-fuzz-'));
	const store = new SqliteComplianceStore({
		erasureKey: ErasureKey.fromSecret('fuzzed stores: a throwaway secret'),
		path: join(dir, 'store.sqlite'),
	});
	await store.migrate();
	try {
		// Bodies up to 256 KB keep the run short; the caps on larger ones have their own tests.
		const report = await runFuzz({ bodies: BODIES, seed: SEED, store, maxBytes: 256 * 1024 });
		const failures = [...report.crashes, ...report.unserialisable].map(
			(f) => `body ${f.index} (${f.seed}: ${f.mutations.join('; ')}): ${f.error.split('\n')[0]}`,
		);
		expect(failures).toEqual([]);
		// Every kind of answer is reached: the mutations do what they should.
		expect(Object.keys(report.statuses).sort()).toEqual(['200', '400', '401', '413']);
		expect(report.dropped).toBeGreaterThan(0);
	} finally {
		await store.close();
		rmSync(dir, { recursive: true, force: true });
	}
}, 300_000);
