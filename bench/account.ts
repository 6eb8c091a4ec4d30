/**
 * Account benchmark (issue 10): what protecting the account costs.
 *
 * 1. Rules per item with every rule of Send Template, in this process, over a batch of
 *    BENCH_ITEMS marketing templates: evaluateTemplateBatchWithBudget (idempotency, erasure,
 *    template status, consent, US marketing, quality, frequency cap, quiet hours, messaging limit)
 *    with the inputs the node gives it, from one snapshot of the store (per backend) that also
 *    reads the portfolio's usage and the sender's standing. Also per item: that snapshot, and the
 *    batch's reservation of its places (reserveReach). Every contact is opted in; every 10th
 *    stopped marketing, every 7th had 2 marketing templates yesterday, every 3rd was reached in
 *    the last 24 hours; the limit is 100,000.
 * 2. The store's 24-hour count at BENCH_RECIPIENTS recipients reached in the last 24 hours, per
 *    backend: a snapshot of 100 contacts without and with the usage (count, oldest reach times,
 *    each contact's last reach), reserveReach of 100 contacts (half counted, half new), and
 *    getAccountStanding; p50 / p99 of BENCH_ROUNDS calls each.
 *
 * Run (no build needed; the hook compiles the TypeScript sources as Jest does; --expose-gc lets
 * each timed phase start after a full collection):
 *   node --expose-gc --require ./scripts/register-ts.js bench/account.ts
 * Environment:
 *   BENCH_ITEMS=100000         items of the rule evaluation (default 100000)
 *   BENCH_RECIPIENTS=100000    recipients counted in the store (default 100000)
 *   BENCH_ROUNDS=500           calls per store measurement (default 500)
 *   BENCH_BACKENDS=sqlite      backends of part 2 (default sqlite,postgres)
 *   WA_TEST_PG_URL=postgres:// PostgreSQL; without it those rows are skipped
 * Prints markdown tables and writes them to bench/results/account.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Pool } from 'pg';

import { DAY, HOUR } from '../nodes/core/clock';
import type { ConsentEventInput, TemplateState } from '../nodes/core/model';
import {
	evaluateTemplateBatchWithBudget,
	META_RATE_CARD_2026_01_USD,
	type PolicyOptions,
	type TemplateBatchItem,
} from '../nodes/core/policy';
import { PORTFOLIO, senderStanding, type StandingEntry } from '../nodes/core/standing';
import { PostgresComplianceStore } from '../nodes/core/store/postgres';
import { SqliteComplianceStore } from '../nodes/core/store/sqlite';
import type { ComplianceStore } from '../nodes/core/store/types';
import { contactRuleFacts } from '../nodes/core/store/snapshot';
import { resolveRecipient } from '../nodes/shared/recipient';
import {
	elapsedUs,
	collectGarbage,
	fixed,
	machineLine,
	median,
	publishReport,
	runBenchmark,
	thousands,
	BENCH_ERASURE_KEY,
} from './report';
import { marketingConsents, seedMarketingSent } from './seed';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 100000);
const RECIPIENTS = Number(process.env.BENCH_RECIPIENTS ?? 100000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 500);
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'sqlite,postgres').split(',');
const PG_URL = process.env.WA_TEST_PG_URL;

const SENDER = '731950246618093';
const ACCOUNT = '240117385066184';
/** A fixed noon (UTC), so quiet hours and the cap decide the same way on every run. */
const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const LIMIT = 100000;
const BATCH = 100;
/** Passes of part 1; the median is reported. */
const PASSES = 5;
const CHUNK = 5000;

const phoneOf = (i: number) => `+49 171 ${String(3000000 + i)}`;
/** Recipients of part 2: digits only, none of them a contact of part 1. */
const recipientOf = (i: number) => `4917${String(i).padStart(9, '0')}`;

const TEMPLATE: TemplateState = {
	account: ACCOUNT,
	name: 'back_in_stock',
	language: 'en',
	status: 'APPROVED',
	category: 'marketing',
	quality: 'GREEN',
	updatedAt: NOW - DAY,
};
const STANDING: StandingEntry[] = [
	{
		subject: PORTFOLIO,
		name: 'messaging_limit',
		value: String(LIMIT),
		at: NOW - HOUR,
		source: 'graph',
	},
	{ subject: SENDER, name: 'quality_rating', value: 'GREEN', at: NOW - HOUR, source: 'graph' },
	{ subject: SENDER, name: 'checked', value: 'graph', at: NOW - HOUR, source: 'graph' },
];

const us = (value: number) =>
	value >= 1000 ? `${fixed(value / 1000, 2)} ms` : `${fixed(value)} µs`;

/** Nearest-rank percentile of µs samples. */
function percentile(samples: number[], p: number): number {
	const sorted = [...samples].sort((a, b) => a - b);
	return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

/** Reaches `contacts` spread over the 24 hours before NOW, oldest first, in chunks. */
async function reach(store: ComplianceStore, contacts: string[]): Promise<void> {
	for (let start = 0; start < contacts.length; start += CHUNK) {
		const slice = contacts.slice(start, start + CHUNK);
		await store.reserveReach({
			now: NOW - DAY + Math.floor(((start + CHUNK / 2) / contacts.length) * (DAY - HOUR)),
			limit: undefined,
			recipients: slice.map((contact, i) => ({ contact, key: `seed-${start + i}` })),
			oldest: 0,
		});
	}
}

// -----------------------------------------------------------------------------------------------
// Part 1: every rule, per item

interface RulesResult {
	backend: string;
	items: number;
	snapshot: number;
	rules: number;
	/** The same with a rate card of the user's own (Meta's whole card, given as an option). */
	rulesOwnCard: number;
	reserve: number;
	allowed: number;
	held: Record<string, number>;
}

async function seedRules(store: ComplianceStore, contacts: string[]): Promise<void> {
	for (let start = 0; start < contacts.length; start += CHUNK) {
		const events: ConsentEventInput[] = [];
		contacts.slice(start, start + CHUNK).forEach((contact, offset) => {
			events.push(...marketingConsents(contact, start + offset, NOW));
		});
		await store.recordConsent(events);
	}
	const capped = contacts.filter((_, i) => i % 7 === 0);
	for (let start = 0; start < capped.length; start += CHUNK) {
		await seedMarketingSent(store, SENDER, capped.slice(start, start + CHUNK), NOW);
	}
	await reach(
		store,
		contacts.filter((_, i) => i % 3 === 0),
	);
	await store.upsertTemplateStates([TEMPLATE]);
	await store.recordStanding(STANDING);
}

async function rulesRun(backend: string, store: ComplianceStore): Promise<RulesResult> {
	const recipients = Array.from({ length: ITEMS }, (_, i) => resolveRecipient(phoneOf(i)));
	await seedRules(
		store,
		recipients.map((r) => r.contact),
	);
	const snapshotUs: number[] = [];
	const rulesUs: number[] = [];
	const rulesOwnCardUs: number[] = [];
	const reserveUs: number[] = [];
	let allowed = 0;
	const held: Record<string, number> = {};
	for (let pass = 0; pass < PASSES; pass++) {
		const keys = recipients.map((_, i) => `bench-${pass}-${i}`);
		collectGarbage();
		let start = process.hrtime.bigint();
		const snapshot = await store.getSnapshot({
			sender: SENDER,
			contacts: recipients.map((r) => r.contact),
			marketingSince: NOW - 7 * DAY,
			idempotencyKeys: keys,
			templates: [{ account: ACCOUNT, name: TEMPLATE.name, language: TEMPLATE.language }],
			reach: { now: NOW, oldest: ITEMS },
			standing: true,
		});
		snapshotUs.push(elapsedUs(start) / ITEMS);

		const batchWith = (options: PolicyOptions) => {
			const standing = senderStanding(snapshot.standing ?? [], SENDER);
			return recipients.map((recipient, i): TemplateBatchItem => {
				const contact = snapshot.contacts.get(recipient.contact);
				return {
					contactKey: recipient.contact,
					options,
					input: {
						contact: recipient.input,
						country: recipient.country,
						timeZones: recipient.timeZones,
						template: { name: TEMPLATE.name, language: TEMPLATE.language },
						templateState: snapshot.templates[0],
						...contactRuleFacts(contact),
						idempotencyKey: keys[i],
						existingSend: snapshot.sends.get(keys[i]),
						numberQuality: standing.numberQuality?.value,
						messagingLimit: {
							limit: standing.messagingLimit?.value,
							usage: snapshot.reach!,
							recipientReachedAt: contact?.reachedAt,
						},
					},
				};
			});
		};
		collectGarbage();
		start = process.hrtime.bigint();
		const outcome = evaluateTemplateBatchWithBudget(batchWith({}), NOW);
		rulesUs.push(elapsedUs(start) / ITEMS);
		collectGarbage();
		start = process.hrtime.bigint();
		evaluateTemplateBatchWithBudget(
			batchWith({ pricing: { rateCard: META_RATE_CARD_2026_01_USD } }),
			NOW,
		);
		rulesOwnCardUs.push(elapsedUs(start) / ITEMS);

		const reached = outcome.results.flatMap((result, i) =>
			result.kind === 'decision' &&
			result.decision.allowed &&
			result.decision.countsTowardMessagingLimit
				? [{ contact: recipients[i].contact, key: keys[i] }]
				: [],
		);
		collectGarbage();
		start = process.hrtime.bigint();
		await store.reserveReach({ now: NOW, limit: LIMIT, recipients: reached, oldest: 1 });
		reserveUs.push(elapsedUs(start) / ITEMS);
		// Each pass starts from the same count: the places it took are given back.
		await store.releaseReach(reached.map((r) => r.key));

		allowed = 0;
		for (const key of Object.keys(held)) delete held[key];
		for (const result of outcome.results) {
			if (result.kind !== 'decision') continue;
			if (result.decision.allowed) allowed++;
			else held[result.decision.reason] = (held[result.decision.reason] ?? 0) + 1;
		}
	}
	return {
		backend,
		items: ITEMS,
		snapshot: median(snapshotUs),
		rules: median(rulesUs),
		rulesOwnCard: median(rulesOwnCardUs),
		reserve: median(reserveUs),
		allowed,
		held,
	};
}

// -----------------------------------------------------------------------------------------------
// Part 2: the 24-hour count in the store

interface CountResult {
	backend: string;
	recipients: number;
	seedSeconds: number;
	snapshotWithout: number[];
	snapshotWith: number[];
	reserve: number[];
	standing: number[];
	count: number;
}

async function countRun(backend: string, store: ComplianceStore): Promise<CountResult> {
	await store.migrate();
	await store.recordStanding(STANDING);
	const contacts = Array.from({ length: RECIPIENTS }, (_, i) => recipientOf(i));
	const seedStart = process.hrtime.bigint();
	await reach(store, contacts);
	const seedSeconds = elapsedUs(seedStart) / 1e6;
	const pick = (round: number) =>
		Array.from({ length: BATCH }, (_, i) => contacts[(round * 7919 + i * 104729) % RECIPIENTS]);
	const without: number[] = [];
	const withUsage: number[] = [];
	const reserve: number[] = [];
	const standing: number[] = [];
	let count = 0;
	for (let round = 0; round < 50; round++) {
		// Warm-up: prepared statements and caches, as a running instance has them.
		await store.getSnapshot({
			sender: SENDER,
			contacts: pick(round),
			marketingSince: NOW - 7 * DAY,
			reach: { now: NOW, oldest: BATCH },
			standing: true,
		});
	}
	for (let round = 0; round < ROUNDS; round++) {
		const batch = pick(round);
		let start = process.hrtime.bigint();
		await store.getSnapshot({ sender: SENDER, contacts: batch, marketingSince: NOW - 7 * DAY });
		without.push(elapsedUs(start));
		start = process.hrtime.bigint();
		const snapshot = await store.getSnapshot({
			sender: SENDER,
			contacts: batch,
			marketingSince: NOW - 7 * DAY,
			reach: { now: NOW, oldest: BATCH },
			standing: true,
		});
		withUsage.push(elapsedUs(start));
		count = snapshot.reach!.count;

		// Half counted already, half new; given back at once so every round sees the same count.
		const recipients = batch.map((contact, i) => ({
			contact: i % 2 === 0 ? contact : `4918${String(round * BATCH + i).padStart(9, '0')}`,
			key: `round-${round}-${i}`,
		}));
		start = process.hrtime.bigint();
		await store.reserveReach({ now: NOW, limit: 'unlimited', recipients, oldest: 1 });
		reserve.push(elapsedUs(start));
		await store.releaseReach(recipients.map((r) => r.key));

		start = process.hrtime.bigint();
		await store.getAccountStanding(NOW);
		standing.push(elapsedUs(start));
	}
	return {
		backend,
		recipients: RECIPIENTS,
		seedSeconds,
		snapshotWithout: without,
		snapshotWith: withUsage,
		reserve,
		standing,
		count,
	};
}

/** `run` once per backend of BENCH_BACKENDS, each on a new store that is removed afterwards. */
async function perBackend<T>(
	run: (backend: string, store: ComplianceStore) => Promise<T>,
): Promise<T[]> {
	const results: T[] = [];
	for (const backend of BACKENDS) {
		if (backend === 'sqlite') {
			const dir = mkdtempSync(join(tmpdir(), 'wa-bench-account-'));
			const store = new SqliteComplianceStore({
				erasureKey: BENCH_ERASURE_KEY,
				path: join(dir, 'store.sqlite'),
			});
			try {
				results.push(await run('SQLite (embedded)', store));
			} finally {
				await store.close();
				rmSync(dir, { recursive: true, force: true });
			}
		} else if (backend === 'postgres') {
			if (!PG_URL) {
				console.error('skipping PostgreSQL: WA_TEST_PG_URL is not set');
				continue;
			}
			const schema = `wa_bench_account_${randomBytes(4).toString('hex')}`;
			const store = new PostgresComplianceStore({
				erasureKey: BENCH_ERASURE_KEY,
				connectionString: PG_URL,
				schema,
			});
			try {
				results.push(await run('PostgreSQL', store));
			} finally {
				await store.close();
				const pool = new Pool({ connectionString: PG_URL, max: 1 });
				await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
				await pool.end();
			}
		}
	}
	return results;
}

// -----------------------------------------------------------------------------------------------

/** What the issue of large campaigns asks of the whole decision per item (rules, snapshot, reservation). */
const DECISION_BUDGET_US = 20;

function rulesTable(results: RulesResult[]): string {
	const heldOf = (r: RulesResult) =>
		Object.entries(r.held)
			.sort(([a], [b]) => a.localeCompare(b))
			.map(([reason, n]) => `${reason} ${thousands(n)}`)
			.join(', ');
	return [
		'| Store | Items | Rules, all of them (per item) | The same with a rate card of your own | Snapshot with usage and standing (per item) | Reservation of the batch (per item) | The whole decision (per item) | Allowed | Held |',
		'|---|---:|---:|---:|---:|---:|---:|---:|---|',
		...results.map((r) => {
			const whole = r.rules + r.snapshot + r.reserve;
			return `| ${r.backend} | ${thousands(r.items)} | ${fixed(r.rules, 2)} µs | ${fixed(r.rulesOwnCard, 2)} µs | ${fixed(r.snapshot, 2)} µs | ${fixed(r.reserve, 2)} µs | ${fixed(whole, 2)} µs (${fixed(whole / DECISION_BUDGET_US, 2)} of ${DECISION_BUDGET_US} µs) | ${thousands(r.allowed)} | ${heldOf(r)} |`;
		}),
	].join('\n');
}

function countTable(results: CountResult[]): string {
	const p = (samples: number[]) =>
		`${us(percentile(samples, 0.5))} / ${us(percentile(samples, 0.99))}`;
	return [
		`| Store | Counted | Seed | Snapshot of ${BATCH}, p50 / p99 | Same with usage and standing | reserveReach of ${BATCH} (half new) | getAccountStanding |`,
		'|---|---:|---:|---:|---:|---:|---:|',
		...results.map(
			(r) =>
				`| ${r.backend} | ${thousands(r.count)} | ${fixed(r.seedSeconds)} s | ${p(r.snapshotWithout)} | ${p(r.snapshotWith)} | ${p(r.reserve)} | ${p(r.standing)} |`,
		),
	].join('\n');
}

async function main(): Promise<void> {
	const rules = await perBackend(rulesRun);
	const counts = await perBackend(countRun);
	const report = [
		'# Account benchmark',
		'',
		machineLine(),
		'',
		`## Every rule of Send Template, per item (median of ${PASSES} passes)`,
		'',
		rulesTable(rules),
		'',
		`## The 24-hour count at ${thousands(RECIPIENTS)} recipients (${ROUNDS} calls each)`,
		'',
		countTable(counts),
		'',
	].join('\n');
	publishReport('account.md', report);
}

runBenchmark(main);
