/**
 * Opt-in Manager Import benchmark: rows per second through the Import operation's own code
 * (parameters read per row, phone numbers normalised, event keys hashed, store calls of
 * RECORD_CHUNK rows through the store the node opens from its credential), for the embedded
 * SQLite store and PostgreSQL, at 10k and 100k rows. Each size runs twice on a fresh store: the
 * first import (every row new) and the same import again (every row a duplicate, the idempotent
 * path). n8n's own cost of evaluating expressions per row is not included: the context hands the
 * row's values straight to the operation.
 *
 * Run (no build needed; the hook compiles the TypeScript sources as Jest does):
 *   node --require ./scripts/register-ts.js bench/optin-import.ts
 * Environment:
 *   BENCH_SIZES=10000,100000   row counts (default 10000,100000)
 *   BENCH_BACKENDS=sqlite      backends (default sqlite,postgres)
 *   WA_TEST_PG_URL=postgres:// the PostgreSQL server; without it the PostgreSQL rows are skipped
 * Prints a markdown table and writes it to bench/results/optin-import.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	INode,
	INodeExecutionData,
} from 'n8n-workflow';
import { Pool } from 'pg';

import type { ComplianceStore } from '../nodes/core/store/types';
import { closeAllStores, openStore, storeConfigFrom } from '../nodes/shared/store';
import { RECORD_CHUNK } from '../nodes/WhatsAppOptInManager/actions/common';
import { router } from '../nodes/WhatsAppOptInManager/actions/router';

const SIZES = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'sqlite,postgres').split(',');
const PG_URL = process.env.WA_TEST_PG_URL;
const T0 = Date.UTC(2025, 0, 1);

interface Phase {
	rows: number;
	seconds: number;
	storeSeconds: number;
	recordCalls: number;
	snapshotCalls: number;
	summary: IDataObject;
}

interface Result {
	backend: string;
	rows: number;
	first: Phase;
	again: Phase;
	rssBytes: number;
}

/** Row i as a CRM export gives it: a national German mobile number, two purposes, a time. */
function rowOf(i: number): IDataObject {
	return {
		phone: `0170 ${String(1000000 + i)}`,
		purposes: i % 3 === 0 ? 'marketing, back_in_stock' : 'marketing',
		time: new Date(T0 + i * 1000).toISOString(),
		source: i % 2 === 0 ? 'web_form' : 'checkout',
		wording: 'Yes, send me offers on WhatsApp. I can unsubscribe at any time.',
		url: 'https://shop.example.com/newsletter',
	};
}

/** The row's values as the import's expressions would give them. */
function parameterOf(row: IDataObject, name: string): unknown {
	switch (name) {
		case 'resource':
			return 'bulk';
		case 'operation':
			return 'import';
		case 'contact':
			return row.phone;
		case 'purposes':
			return row.purposes;
		case 'topics':
		case 'reason':
			return '';
		case 'status':
			return 'opted_in';
		case 'time':
			return row.time;
		case 'source':
			return row.source;
		case 'wording':
			return row.wording;
		case 'evidence':
			return { url: row.url };
		case 'options.defaultCountry':
			return 'DE';
		default:
			return undefined;
	}
}

/** The few context functions the operation uses, without n8n around it. */
function contextFor(items: INodeExecutionData[], credentials: ICredentialDataDecryptedObject) {
	const node: INode = {
		id: 'bench',
		name: 'Import',
		type: 'n8n-nodes-whatsapp-compliance.whatsAppOptInManager',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		credentials: { whatsAppComplianceStoreApi: { id: 'bench', name: 'Bench store' } },
	};
	const ctx: Partial<IExecuteFunctions> = {
		getInputData: () => items,
		getNode: () => node,
		getWorkflow: () => ({ id: 'bench', name: 'Import benchmark', active: false }),
		getTimezone: () => 'UTC',
		continueOnFail: () => false,
		getCredentials: (async () => credentials) as IExecuteFunctions['getCredentials'],
		getNodeParameter: ((name: string, itemIndex: number, fallback?: unknown) =>
			parameterOf(items[itemIndex].json, name) ??
			fallback) as IExecuteFunctions['getNodeParameter'],
	};
	return ctx as IExecuteFunctions;
}

/** Wraps the store's batch methods to count calls and the time spent in them. */
function meter(store: ComplianceStore) {
	const counts = { recordCalls: 0, snapshotCalls: 0, storeSeconds: 0 };
	const record = store.recordConsent.bind(store);
	const snapshot = store.getSnapshot.bind(store);
	const timed = async <T>(work: () => Promise<T>): Promise<T> => {
		const start = process.hrtime.bigint();
		try {
			return await work();
		} finally {
			counts.storeSeconds += Number(process.hrtime.bigint() - start) / 1e9;
		}
	};
	store.recordConsent = (events) => {
		counts.recordCalls++;
		return timed(() => record(events));
	};
	store.getSnapshot = (request) => {
		counts.snapshotCalls++;
		return timed(() => snapshot(request));
	};
	return {
		take(): typeof counts {
			const taken = { ...counts };
			Object.assign(counts, { recordCalls: 0, snapshotCalls: 0, storeSeconds: 0 });
			return taken;
		},
	};
}

async function importOnce(
	items: INodeExecutionData[],
	credentials: ICredentialDataDecryptedObject,
	metered: ReturnType<typeof meter>,
): Promise<Phase> {
	const start = process.hrtime.bigint();
	const [[summary]] = await router.call(contextFor(items, credentials));
	const seconds = Number(process.hrtime.bigint() - start) / 1e9;
	return { rows: items.length, seconds, ...metered.take(), summary: summary.json };
}

async function runBackend(
	backend: string,
	rows: number,
	credentials: ICredentialDataDecryptedObject,
): Promise<Result> {
	const items = Array.from({ length: rows }, (_, i) => ({ json: rowOf(i) }));
	const store = await openStore(storeConfigFrom(credentials));
	const metered = meter(store);
	// Warm up phone metadata and prepared statements on other contacts.
	await importOnce(
		Array.from({ length: 200 }, (_, i) => ({ json: rowOf(rows + 10_000 + i) })),
		credentials,
		metered,
	);
	const first = await importOnce(items, credentials, metered);
	const again = await importOnce(items, credentials, metered);
	const expected = rows + Math.ceil(rows / 3);
	if (first.summary.imported !== expected || again.summary.duplicates !== expected) {
		throw new Error(
			`${backend} ${rows}: expected ${expected} events imported then skipped, got ${JSON.stringify([first.summary, again.summary])}`,
		);
	}
	return { backend, rows, first, again, rssBytes: process.memoryUsage().rss };
}

async function runSqlite(rows: number): Promise<Result> {
	// The store file is in the temporary folder: allow it, as an n8n configured so would.
	process.env.N8N_RESTRICT_FILE_ACCESS_TO ??= tmpdir();
	const dir = mkdtempSync(join(tmpdir(), 'optin-bench-'));
	try {
		return await runBackend('SQLite (embedded)', rows, {
			backend: 'sqlite',
			sqlitePath: join(dir, 'store.sqlite'),
		});
	} finally {
		await closeAllStores();
		rmSync(dir, { recursive: true, force: true });
	}
}

async function runPostgres(rows: number): Promise<Result> {
	const url = new URL(PG_URL as string);
	const schema = `wa_bench_optin_${randomBytes(4).toString('hex')}`;
	try {
		return await runBackend('PostgreSQL', rows, {
			backend: 'postgres',
			host: url.hostname,
			port: Number(url.port || 5432),
			database: url.pathname.slice(1),
			user: decodeURIComponent(url.username),
			password: decodeURIComponent(url.password),
			ssl: 'disable',
			schema,
			tablePrefix: 'wa_',
		});
	} finally {
		await closeAllStores();
		const pool = new Pool({ connectionString: PG_URL, max: 1 });
		await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
		await pool.end();
	}
}

const count = (v: number) => Math.round(v).toLocaleString('en-US');

function phaseCells(p: Phase): string[] {
	return [
		`${count(p.rows / p.seconds)} rows/s (${p.seconds.toFixed(2)} s)`,
		`${Math.round((100 * p.storeSeconds) / p.seconds)} %`,
		`${p.recordCalls} / ${p.snapshotCalls}`,
	];
}

function table(results: Result[]): string {
	const lines = [
		'| Backend | Rows (events) | First import | in store calls | recordConsent / getSnapshot calls | Same import again (all duplicates) | in store calls | recordConsent / getSnapshot calls | Process RSS |',
		'|---|---:|---:|---:|---:|---:|---:|---:|---:|',
	];
	for (const r of results) {
		lines.push(
			[
				'',
				r.backend,
				`${count(r.rows)} (${count(Number(r.first.summary.events))})`,
				...phaseCells(r.first),
				...phaseCells(r.again),
				`${(r.rssBytes / 1024 / 1024).toFixed(0)} MB`,
				'',
			]
				.join(' | ')
				.trim(),
		);
	}
	return lines.join('\n');
}

async function main(): Promise<void> {
	const started = Date.now();
	const loadBefore = loadavg()[0];
	const results: Result[] = [];
	for (const rows of SIZES) {
		if (BACKENDS.includes('sqlite')) results.push(await runSqlite(rows));
		if (BACKENDS.includes('postgres')) {
			if (PG_URL) results.push(await runPostgres(rows));
			else console.log('WA_TEST_PG_URL is not set: skipping PostgreSQL');
		}
	}
	const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
	const report = [
		`Opt-in Manager Import benchmark, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} CPU cores (${cpu}), ${Math.round((Date.now() - started) / 1000)} s in all, load average ${loadBefore.toFixed(1)} before and ${loadavg()[0].toFixed(1)} after (other processes share the cores: compare rows of one run, not runs).`,
		`Rows go through the Import operation's code (parameters per row, phone normalisation, event keys, store calls of ${RECORD_CHUNK} events); a third of the rows carry two purposes, so events > rows. n8n's expression evaluation per row is not included. "Same import again": every event is a duplicate, skipped by its key; the extra getSnapshot calls tell duplicates from erased contacts.`,
		'',
		table(results),
		'',
	].join('\n');
	console.log(report);
	mkdirSync(join(__dirname, 'results'), { recursive: true });
	writeFileSync(join(__dirname, 'results', 'optin-import.md'), report);
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
