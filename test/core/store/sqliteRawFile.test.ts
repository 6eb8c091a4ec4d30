/**
 * Erasure as an auditor checks it: the bytes of the SQLite file and of its write-ahead log, not
 * the rows a query returns. A store with ordinary churn (consent given, withdrawn and given again,
 * sends, windows, costs) splits and rewrites pages many times; every freed page or cell that is
 * not overwritten keeps the numbers it held.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DAY, HOUR } from '../../../nodes/core/clock';
import type { ConsentEventInput } from '../../../nodes/core/model';
import { SqliteComplianceStore } from '../../../nodes/core/store/sqlite';
import { TEST_ERASURE_KEY } from '../../support/erasureKey';

const T0 = Date.UTC(2025, 5, 1, 12);
const SENDER = '106540352242922';
const CONTACTS = 5000;
const BATCH = 250;

/** 4915100000000 + i: German mobile numbers, the erased one in the middle of the key range. */
function contactOf(i: number): string {
	return String(4915100000000 + i * 7919);
}

/** How often each spelling of the number occurs in the bytes of `files`. */
function copiesIn(files: string[], contact: string): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const spelling of [contact, `+${contact}`]) {
		const needle = Buffer.from(spelling, 'utf8');
		let n = 0;
		for (const file of files) {
			if (!existsSync(file)) continue;
			const bytes = readFileSync(file);
			for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + 1)) n++;
		}
		counts[spelling] = n;
	}
	return counts;
}

async function churn(store: SqliteComplianceStore, contacts: string[]): Promise<void> {
	const event = (contact: string, action: ConsentEventInput['action'], at: number) =>
		({
			contact,
			purpose: 'marketing',
			action,
			at,
			source: 'web_form',
			wording: 'Yes, send me offers on WhatsApp',
			evidence: { ip: '203.0.113.7', note: 'signup form' },
		}) satisfies ConsentEventInput;
	for (let start = 0; start < contacts.length; start += BATCH) {
		const batch = contacts.slice(start, start + BATCH);
		await store.recordConsent(batch.map((c) => event(c, 'opt_in', T0)));
		await store.touchWindows(batch.map((c) => ({ sender: SENDER, contact: c, at: T0 + HOUR })));
		const keys = batch.map((c) => `+${c}-spring`);
		const wamids = batch.map((_, i) => `wamid.spring.${start + i}`);
		await store.reserveSends(
			batch.map((c, i) => ({
				idempotencyKey: keys[i],
				sender: SENDER,
				contact: c,
				kind: 'template:spring_sale',
				category: 'marketing',
				at: T0 + 2 * HOUR,
			})),
		);
		await store.completeSends(
			keys.map((key, i) => ({
				idempotencyKey: key,
				state: 'accepted' as const,
				wamid: wamids[i],
				at: T0 + 2 * HOUR,
			})),
		);
		await store.applyWebhookEvents(
			batch.map((c, i) => ({
				key: `status:${wamids[i]}:delivered`,
				effects: {
					costs: [
						{
							wamid: wamids[i],
							sender: SENDER,
							contact: c,
							category: 'marketing',
							pricingType: 'regular',
							billable: true,
							at: T0 + 3 * HOUR,
							estimatedPrice: 0.1,
							currency: 'EUR',
							market: 'Germany',
						},
					],
				},
			})),
			T0 + 3 * HOUR,
		);
		await store.recordConsent(batch.map((c) => event(c, 'opt_out', T0 + DAY)));
		await store.applyWebhookEvents(
			batch.map((c, i) => ({
				key: `msg:${SENDER}:wamid.in.${start + i}`,
				effects: {
					windows: [{ sender: SENDER, contact: c, at: T0 + 2 * DAY }],
					consent: [
						{ ...event(c, 'opt_in', T0 + 2 * DAY), source: 'keyword', eventKey: `in.${start + i}` },
					],
				},
			})),
			T0 + 2 * DAY,
		);
	}
}

describe('sqlite store file after an erasure', () => {
	let dir: string;
	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), 'wa-raw-'));
	});
	afterEach(() => {
		rmSync(dir, { recursive: true, force: true });
	});

	it('holds no copy of the erased number, in the file or its WAL, after churn', async () => {
		const path = join(dir, 'store.sqlite');
		const store = new SqliteComplianceStore({ erasureKey: TEST_ERASURE_KEY, path });
		const contacts = Array.from({ length: CONTACTS }, (_, i) => contactOf(i));
		const erased = contacts[CONTACTS / 2];
		await churn(store, contacts);
		const files = [path, `${path}-wal`];
		// The churn really left the number around: the scan can find it.
		expect(copiesIn(files, erased)[erased]).toBeGreaterThan(0);

		await store.eraseContact(erased, T0 + 3 * DAY);
		// While the store is open (a copy taken from a running n8n), and after it closed.
		expect(copiesIn(files, erased)).toEqual({ [erased]: 0, [`+${erased}`]: 0 });
		await store.close();
		expect(copiesIn(files, erased)).toEqual({ [erased]: 0, [`+${erased}`]: 0 });
		// A neighbour that was not erased is still there.
		expect(copiesIn(files, contacts[CONTACTS / 2 + 1])[contacts[CONTACTS / 2 + 1]]).toBeGreaterThan(
			0,
		);
	}, 120_000);
});
