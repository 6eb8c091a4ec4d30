/**
 * Store benchmark: snapshot lookups, batch writes, file size, memory and round trips of both
 * backends at 10k, 100k and 1M contacts (each with 1-2 consent records, their history, a window,
 * and a marketing send for every 10th contact).
 *
 * Run (no build needed; the hook compiles the TypeScript sources as Jest does):
 *   node --require ./scripts/register-ts.js bench/store.ts
 * Environment:
 *   BENCH_SIZES=10000,100000   contact counts (default 10000,100000,1000000)
 *   BENCH_BACKENDS=sqlite      backends (default sqlite,postgres)
 *   WA_TEST_PG_URL=postgres:// the PostgreSQL server (scripts/test-postgres.sh start prints one);
 *                              without it the PostgreSQL rows are skipped
 *   BENCH_DIR=/tmp             where the SQLite files go (default the OS temp folder)
 * Prints a markdown table and writes it to bench/results/store.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import { Pool, type PoolClient } from 'pg';

import type { ConsentEventInput } from '../nodes/core/model';
import { PostgresNames } from '../nodes/core/store/postgres/names';
import { PostgresComplianceStore } from '../nodes/core/store/postgres';
import { SqliteComplianceStore } from '../nodes/core/store/sqlite';
import type { ComplianceStore, SendReservation } from '../nodes/core/store/types';
import { nodeSqlite } from '../nodes/core/store/sqlite/nodeSqlite';
import { BENCH_ERASURE_KEY } from './report';

const { DatabaseSync } = nodeSqlite();

/** Statements of one recordConsent batch on PostgreSQL, as test/core/store/postgres.test.ts pins. */
const CONSENT_STATEMENTS = 5;
const SIZES = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'sqlite,postgres').split(',');
const PG_URL = process.env.WA_TEST_PG_URL;
const SENDER = '106540352242922';
const T0 = Date.UTC(2025, 5, 1);
const SINGLE_LOOKUPS = 20000;
const BATCH_LOOKUPS = 500;
const BATCH = 100;
const WRITE_BATCH = 1000;
const WRITE_BATCHES = 10;

/** Contact i: E.164 digits, zero-padded so that index order is insertion order. */
const contactOf = (i: number) => `4917${String(i).padStart(9, '0')}`;

interface Result {
	backend: string;
	contacts: number;
	seedSeconds: number;
	single: Latency;
	batch: Latency;
	consentRowsPerSecond: number;
	reserveRowsPerSecond: number;
	roundTrips?: { snapshot: number; recordConsent: number; reserveSends: number };
	fileBytes?: number;
	rssBytes: number;
}

interface Latency {
	p50: number;
	p99: number;
}

/** Nearest-rank percentiles, in microseconds. */
function latency(samplesNs: bigint[]): Latency {
	const us = samplesNs.map((ns) => Number(ns) / 1000).sort((a, b) => a - b);
	const at = (p: number) => us[Math.max(0, Math.ceil(p * us.length) - 1)];
	return { p50: at(0.5), p99: at(0.99) };
}

/** A small deterministic PRNG: every run looks up the same contacts. */
function prng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

async function measure(
	backend: string,
	size: number,
	store: ComplianceStore,
	seedSeconds: number,
	counter?: { statements: number },
): Promise<Result> {
	const random = prng(size);
	const pick = () => contactOf(Math.floor(random() * size));
	const since = T0 - 30 * 86_400_000;

	// Warm up caches and prepared statements, as a running instance would have them.
	for (let i = 0; i < 500; i++) {
		await store.getSnapshot({ sender: SENDER, contacts: [pick()], marketingSince: since });
	}
	const single: bigint[] = [];
	for (let i = 0; i < SINGLE_LOOKUPS; i++) {
		const contact = pick();
		const start = process.hrtime.bigint();
		await store.getSnapshot({ sender: SENDER, contacts: [contact], marketingSince: since });
		single.push(process.hrtime.bigint() - start);
	}
	const batch: bigint[] = [];
	let roundTripsSnapshot = 0;
	for (let i = 0; i < BATCH_LOOKUPS; i++) {
		const contacts = Array.from({ length: BATCH }, pick);
		if (counter) counter.statements = 0;
		const start = process.hrtime.bigint();
		await store.getSnapshot({ sender: SENDER, contacts, marketingSince: since });
		batch.push(process.hrtime.bigint() - start);
		if (counter) roundTripsSnapshot = Math.max(roundTripsSnapshot, counter.statements);
	}

	let roundTripsConsent = 0;
	let start = process.hrtime.bigint();
	for (let b = 0; b < WRITE_BATCHES; b++) {
		const events: ConsentEventInput[] = Array.from({ length: WRITE_BATCH }, (_, i) => ({
			contact: pick(),
			purpose: 'marketing',
			action: i % 2 === 0 ? 'opt_out' : 'opt_in',
			at: T0 + 86_400_000 + b * WRITE_BATCH + i,
			source: 'import',
			eventKey: `bench-${b}-${i}`,
		}));
		if (counter) counter.statements = 0;
		await store.recordConsent(events);
		if (counter) roundTripsConsent = Math.max(roundTripsConsent, counter.statements);
	}
	const consentRowsPerSecond =
		(WRITE_BATCHES * WRITE_BATCH) / (Number(process.hrtime.bigint() - start) / 1e9);

	let roundTripsReserve = 0;
	start = process.hrtime.bigint();
	for (let b = 0; b < WRITE_BATCHES; b++) {
		const reservations: SendReservation[] = Array.from({ length: WRITE_BATCH }, (_, i) => ({
			idempotencyKey: `bench-${b}-${i}`,
			sender: SENDER,
			contact: pick(),
			kind: 'template:spring_sale',
			category: 'marketing',
			at: T0 + 86_400_000,
		}));
		if (counter) counter.statements = 0;
		await store.reserveSends(reservations);
		if (counter) roundTripsReserve = Math.max(roundTripsReserve, counter.statements);
	}
	const reserveRowsPerSecond =
		(WRITE_BATCHES * WRITE_BATCH) / (Number(process.hrtime.bigint() - start) / 1e9);

	return {
		backend,
		contacts: size,
		seedSeconds,
		single: latency(single),
		batch: latency(batch),
		consentRowsPerSecond,
		reserveRowsPerSecond,
		roundTrips: counter
			? {
					snapshot: roundTripsSnapshot,
					recordConsent: roundTripsConsent,
					reserveSends: roundTripsReserve,
				}
			: undefined,
		rssBytes: process.memoryUsage().rss,
	};
}

/** Seeds with set-based SQL in one transaction: the API would spend minutes on 1M contacts. */
function seedSqlite(path: string, size: number): void {
	const db = new DatabaseSync(path);
	const series = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${size - 1})`;
	const contact = `'4917' || printf('%09d', i)`;
	db.exec('BEGIN IMMEDIATE');
	db.exec(`${series}
		INSERT INTO consent (contact, purpose, status, changed_at, source, wording, opted_in_at)
		SELECT ${contact}, p.purpose, 'opted_in', ${T0}, 'import', 'Yes, send me offers', ${T0}
		FROM n JOIN (SELECT 'marketing' AS purpose UNION ALL SELECT 'transactional') AS p
			ON p.purpose = 'marketing' OR i % 2 = 0
		ORDER BY 1, 2`);
	db.exec(`INSERT INTO consent_events (contact, purpose, action, at, source, wording, evidence,
			recorded_at, status_after, applied)
		SELECT contact, purpose, 'opt_in', changed_at, source, wording, '{"url":"https://shop.example/form"}',
			${T0}, 'opted_in', 1
		FROM consent`);
	db.exec(`${series}
		INSERT INTO windows (sender, contact, last_inbound_at) SELECT '${SENDER}', ${contact}, ${T0} FROM n`);
	db.exec(`${series}
		INSERT INTO sent_messages (idempotency_key, sender, contact, kind, category, state, created_at, wamid)
		SELECT 'seed-' || i, '${SENDER}', ${contact}, 'template:spring_sale', 'marketing', 'accepted',
			${T0}, 'wamid.seed-' || i
		FROM n WHERE i % 10 = 0`);
	db.exec('COMMIT');
	db.exec('ANALYZE');
	db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
	db.close();
}

async function seedPostgres(pool: Pool, n: PostgresNames, size: number): Promise<void> {
	const contact = `'4917' || lpad(i::text, 9, '0')`;
	const series = `generate_series(0, ${size - 1}) AS i`;
	await pool.query(`INSERT INTO ${n.qualified('consent')}
		(contact, purpose, status, changed_at, source, wording, opted_in_at)
		SELECT ${contact}, p.purpose, 'opted_in', ${T0}, 'import', 'Yes, send me offers', ${T0}
		FROM ${series} JOIN (VALUES ('marketing'), ('transactional')) AS p(purpose)
			ON p.purpose = 'marketing' OR i % 2 = 0
		ORDER BY 1, 2`);
	await pool.query(`INSERT INTO ${n.qualified('consent_events')}
		(contact, purpose, action, at, source, wording, evidence, recorded_at, status_after, applied)
		SELECT contact, purpose, 'opt_in', changed_at, source, wording, '{"url":"https://shop.example/form"}',
			${T0}, 'opted_in', true
		FROM ${n.qualified('consent')}`);
	await pool.query(`INSERT INTO ${n.qualified('windows')} (sender, contact, last_inbound_at)
		SELECT '${SENDER}', ${contact}, ${T0} FROM ${series}`);
	await pool.query(`INSERT INTO ${n.qualified('sent_messages')}
		(idempotency_key, sender, contact, kind, category, state, created_at, wamid)
		SELECT 'seed-' || i, '${SENDER}', ${contact}, 'template:spring_sale', 'marketing', 'accepted',
			${T0}, 'wamid.seed-' || i
		FROM ${series} WHERE i % 10 = 0`);
	await pool.query(`VACUUM ANALYZE`);
}

async function runSqlite(size: number): Promise<Result> {
	const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'wa-bench-'));
	const path = join(dir, 'store.sqlite');
	try {
		const setup = new SqliteComplianceStore({ erasureKey: BENCH_ERASURE_KEY, path });
		await setup.migrate();
		await setup.close();
		const seedStart = process.hrtime.bigint();
		seedSqlite(path, size);
		const seedSeconds = Number(process.hrtime.bigint() - seedStart) / 1e9;
		const store = new SqliteComplianceStore({ erasureKey: BENCH_ERASURE_KEY, path });
		const result = await measure('SQLite (embedded)', size, store, seedSeconds);
		await store.close();
		const size_ = (file: string) => {
			try {
				return statSync(file).size;
			} catch {
				return 0;
			}
		};
		result.fileBytes = size_(path) + size_(`${path}-wal`);
		return result;
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

async function runPostgres(size: number): Promise<Result> {
	const schema = `wa_bench_${randomBytes(4).toString('hex')}`;
	const pool = new Pool({ connectionString: PG_URL, max: 4 });
	// Counts the statements the store sends: one per round trip.
	const counter = { statements: 0 };
	pool.on('connect', (client: PoolClient) => {
		const query = client.query.bind(client) as (...args: unknown[]) => unknown;
		(client as unknown as { query: typeof query }).query = (...args: unknown[]) => {
			counter.statements++;
			return query(...args);
		};
	});
	const store = new PostgresComplianceStore({ erasureKey: BENCH_ERASURE_KEY, pool, schema });
	try {
		await store.migrate();
		const seedStart = process.hrtime.bigint();
		await seedPostgres(pool, new PostgresNames(schema, 'wa_'), size);
		const seedSeconds = Number(process.hrtime.bigint() - seedStart) / 1e9;
		return await measure('PostgreSQL', size, store, seedSeconds, counter);
	} finally {
		await store.close();
		await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
		await pool.end();
	}
}

const us = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} ms` : `${v.toFixed(1)} µs`);
const count = (v: number) => Math.round(v).toLocaleString('en-US');
const mb = (v: number) => `${(v / 1024 / 1024).toFixed(0)} MB`;

function table(results: Result[]): string {
	const lines = [
		'| Backend | Contacts | Seed | Single lookup p50 / p99 | Batch of 100: per call p50 / p99 | per contact p50 / p99 | recordConsent rows/s | reserveSends rows/s | Round trips per batch (snapshot / consent / reserve) | File size | Process RSS |',
		'|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
	];
	for (const r of results) {
		lines.push(
			[
				'',
				r.backend,
				count(r.contacts),
				`${r.seedSeconds.toFixed(1)} s`,
				`${us(r.single.p50)} / ${us(r.single.p99)}`,
				`${us(r.batch.p50)} / ${us(r.batch.p99)}`,
				`${us(r.batch.p50 / BATCH)} / ${us(r.batch.p99 / BATCH)}`,
				count(r.consentRowsPerSecond),
				count(r.reserveRowsPerSecond),
				r.roundTrips
					? `${r.roundTrips.snapshot} / ${r.roundTrips.recordConsent} / ${r.roundTrips.reserveSends}`
					: 'in-process',
				r.fileBytes !== undefined ? mb(r.fileBytes) : '(server)',
				mb(r.rssBytes),
				'',
			]
				.join(' | ')
				.trim(),
		);
	}
	return lines.join('\n');
}

function verdicts(results: Result[]): string[] {
	const lines: string[] = [];
	const largest = results
		.filter((r) => r.backend.startsWith('SQLite'))
		.sort((a, b) => b.contacts - a.contacts)[0];
	if (largest) {
		const met = largest.single.p99 <= 100;
		lines.push(
			`- Embedded single-contact snapshot p99 <= 100 µs at ${count(largest.contacts)} contacts: ` +
				`${met ? 'met' : 'NOT met'} (${us(largest.single.p99)})` +
				(largest.contacts < 1_000_000
					? ' (the target is stated for 1,000,000 contacts; not run at that size)'
					: ''),
		);
	}
	const pg = results.filter((r) => r.roundTrips);
	if (pg.length > 0) {
		const reads = Math.max(
			...pg.flatMap((r) => [r.roundTrips!.snapshot, r.roundTrips!.reserveSends]),
		);
		const consent = Math.max(...pg.map((r) => r.roundTrips!.recordConsent));
		lines.push(
			`- PostgreSQL: 1 round trip per batch for getSnapshot and reserveSends: ${reads === 1 ? 'met' : 'NOT met'} (max ${reads})`,
			// The consent decision is the core's pure function, so a consent batch reads the
			// contacts' state under their locks before it writes: BEGIN, lock, read, write, COMMIT.
			`- PostgreSQL: recordConsent in at most ${CONSENT_STATEMENTS} statements per batch (BEGIN, lock, read, write, COMMIT), whatever its size: ${consent <= CONSENT_STATEMENTS ? 'met' : 'NOT met'} (max ${consent})`,
		);
	}
	return lines;
}

async function main(): Promise<void> {
	const results: Result[] = [];
	const started = Date.now();
	for (const size of SIZES) {
		if (!Number.isInteger(size) || size < 1000)
			throw new Error(`BENCH_SIZES: ${size} is not a whole number >= 1000`);
		for (const backend of BACKENDS) {
			if (backend === 'postgres' && !PG_URL) {
				console.error(`skipping PostgreSQL at ${size}: WA_TEST_PG_URL is not set`);
				continue;
			}
			console.error(`${backend} at ${count(size)} contacts...`);
			const result = backend === 'sqlite' ? await runSqlite(size) : await runPostgres(size);
			results.push(result);
			console.error(table([result]).split('\n')[2]);
		}
	}
	const report = [
		`Store benchmark, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ` +
			`${cpus().length} CPU cores (${cpus()[0]?.model ?? 'unknown'}), ${((Date.now() - started) / 1000).toFixed(0)} s in all.`,
		`Single lookups: ${SINGLE_LOOKUPS} calls of getSnapshot for 1 random contact; batches: ${BATCH_LOOKUPS} calls for ${BATCH} random contacts; ` +
			`writes: ${WRITE_BATCHES} batches of ${WRITE_BATCH}. Latencies are per call unless marked per contact.`,
		'',
		table(results),
		'',
		...verdicts(results),
		'',
	].join('\n');
	console.log(report);
	const out = join(__dirname, 'results');
	mkdirSync(out, { recursive: true });
	writeFileSync(join(out, 'store.md'), report);
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
