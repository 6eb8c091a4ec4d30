/**
 * The webhook fuzzer: fuzzed bodies (mutate.ts), signed and unsigned, through handleWebhookPost
 * with a real SQLite store, the way the trigger calls it (its store opened only when needed, the
 * app's dedupe scope, a quarter of the bodies with fan-out to two other subscriptions). Counts
 * crashes (the handler throws: the trigger would answer 500 and Meta would retry the body for
 * days), items that cannot be serialised, and the time each body takes (CPU and wall clock).
 *
 * Run: node --require ./scripts/register-ts.js tools/webhook-fuzz/run.ts
 * Environment:
 *   FUZZ_BODIES=100000  how many bodies (default 100000)
 *   FUZZ_SEED=1         the run's seed (default 1); body i of a seed is always the same
 *   FUZZ_ONLY=1234      run body 1234 alone and print what it did
 *   FUZZ_DIR=/tmp       where the SQLite file goes (default the OS temp folder)
 *   FUZZ_PROFILE=1234   write a CPU profile of body 1234 to bench/results/webhook-fuzz/
 * Prints a summary, writes it to bench/results/webhook-fuzz.md and the crashing bodies to
 * bench/results/webhook-fuzz/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

import { SqliteComplianceStore } from '../../nodes/core/store/sqlite';
import { ErasureKey } from '../../nodes/core/store/erasureKey';
import type { ComplianceStore } from '../../nodes/core/store/types';
import { appKey } from '../../nodes/core/webhook/fanout';
import { handleWebhookPost, type WebhookPostResult } from '../../nodes/core/webhook/handler';
import { fuzzBody, type FuzzBody } from './mutate';
import { metaSeeds, ownSeeds } from './seeds';

/** The fuzzer's stores are throwaway: a fixed erasure key of their own. */
const FUZZ_ERASURE_KEY = ErasureKey.fromSecret('fuzzed stores: a throwaway secret');

export const FUZZ_APP_SECRET = 'fuzz-app-secret-2b7e151628aed2a6';
/** The time budget of one body (issue 18, point 6). */
export const BODY_BUDGET_MS = 100;

export interface FuzzOptions {
	readonly bodies: number;
	readonly seed: number;
	/** An open, migrated store. */
	readonly store: ComplianceStore;
	/** Passed to fuzzBody. @default 3 MB less 4 KB */
	readonly maxBytes?: number;
	/** Run only these body indexes. @default all */
	readonly only?: readonly number[];
	/** Called after each body (progress). */
	readonly onBody?: (done: number) => void;
	/** Wraps the handler call of one body (e.g. a CPU profile of it). */
	readonly around?: (index: number, call: () => Promise<void>) => Promise<void>;
}

export interface FuzzFailure {
	readonly index: number;
	readonly seed: string;
	readonly mutations: readonly string[];
	readonly bytes: number;
	readonly error: string;
}

export interface FuzzTiming {
	readonly index: number;
	readonly cpuMs: number;
	readonly wallMs: number;
	readonly bytes: number;
	readonly events: number;
	readonly status: number;
	readonly seed: string;
	readonly mutations: readonly string[];
}

export interface FuzzReport {
	readonly bodies: number;
	readonly signed: number;
	readonly statuses: Readonly<Record<string, number>>;
	/** The handler threw (the trigger would answer 500). */
	readonly crashes: readonly FuzzFailure[];
	/** Emitted events that JSON.stringify refuses (n8n could not store the execution). */
	readonly unserialisable: readonly FuzzFailure[];
	readonly events: number;
	readonly dropped: number;
	readonly cpuMs: Percentiles;
	readonly wallMs: Percentiles;
	readonly overBudgetCpu: number;
	/** The indexes of the bodies over BODY_BUDGET_MS of CPU. */
	readonly overBudgetBodies: readonly number[];
	readonly overBudgetWall: number;
	/** The slowest bodies by CPU time, slowest first. */
	readonly slowest: readonly FuzzTiming[];
	/** Largest body (bytes) and its CPU time, for the ms-per-MB figure. */
	readonly cpuMsPerMb: number;
}

export interface Percentiles {
	readonly p50: number;
	readonly p99: number;
	readonly max: number;
}

const SUBSCRIPTIONS = ['fuzz:other:production', 'fuzz:listener:test'];

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
	const seeds = [...ownSeeds(), ...metaSeeds()];
	const app = appKey(FUZZ_APP_SECRET);
	const startedAt = Date.UTC(2025, 10, 27, 12);
	for (const [i, id] of SUBSCRIPTIONS.entries()) {
		await options.store.registerSubscription({
			id,
			app,
			instance: 'fuzz',
			mode: i === 0 ? 'production' : 'test',
			path: `fuzz-${i}`,
			workflowId: `wf-${i}`,
			node: 'WhatsApp Webhook Trigger',
			filter: i === 0 ? { triggerOn: ['message', 'status'] } : {},
			effects: {},
			registeredAt: startedAt,
			...(i === 1 ? { expiresAt: startedAt + 400 * 24 * 3600 * 1000 } : {}),
		});
	}
	const indexes = options.only ?? Array.from({ length: options.bodies }, (_, i) => i);
	const crashes: FuzzFailure[] = [];
	const unserialisable: FuzzFailure[] = [];
	const timings: FuzzTiming[] = [];
	const statuses: Record<string, number> = {};
	let signed = 0;
	let events = 0;
	let dropped = 0;
	let done = 0;
	for (const index of indexes) {
		const body = fuzzBody(options.seed, index, {
			appSecret: FUZZ_APP_SECRET,
			seeds,
			...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
		});
		if (body.signed) signed++;
		const now = startedAt + (index + 1) * 1000;
		const fanOut = index % 4 === 0;
		const cpu = process.cpuUsage();
		const wall = process.hrtime.bigint();
		let result: WebhookPostResult | undefined;
		let error: unknown;
		const call = async () => {
			result = await handleWebhookPost({
				rawBody: body.rawBody,
				signatureHeader: body.signatureHeader,
				appSecret: FUZZ_APP_SECRET,
				store: async () => options.store,
				options: {
					dedupeScope: app,
					...(fanOut ? { fanOut: { app, receiver: 'fuzz:receiver:production' } } : {}),
				},
				now,
			});
		};
		try {
			await (options.around ? options.around(index, call) : call());
		} catch (thrown) {
			error = thrown;
		}
		const wallMs = Number(process.hrtime.bigint() - wall) / 1e6;
		const used = process.cpuUsage(cpu);
		const cpuMs = (used.user + used.system) / 1000;
		result = result as WebhookPostResult | undefined;
		const status = result ? String(result.status) : 'threw';
		statuses[status] = (statuses[status] ?? 0) + 1;
		if (error !== undefined) crashes.push(failure(body, error));
		if (result) {
			events += result.events.length;
			dropped += result.dropped?.length ?? 0;
			try {
				JSON.stringify(result.events);
			} catch (thrown) {
				unserialisable.push(failure(body, thrown));
			}
		}
		timings.push({
			index,
			cpuMs,
			wallMs,
			bytes: body.rawBody.byteLength,
			events: result?.events.length ?? 0,
			status: result?.status ?? 500,
			seed: body.seed,
			mutations: body.mutations,
		});
		options.onBody?.(++done);
	}
	const byCpu = [...timings].sort((a, b) => b.cpuMs - a.cpuMs);
	const big = timings.filter((t) => t.bytes >= 1024 * 1024);
	return {
		bodies: indexes.length,
		signed,
		statuses,
		crashes,
		unserialisable,
		events,
		dropped,
		cpuMs: percentiles(timings.map((t) => t.cpuMs)),
		wallMs: percentiles(timings.map((t) => t.wallMs)),
		overBudgetCpu: timings.filter((t) => t.cpuMs > BODY_BUDGET_MS).length,
		overBudgetBodies: timings.filter((t) => t.cpuMs > BODY_BUDGET_MS).map((t) => t.index),
		overBudgetWall: timings.filter((t) => t.wallMs > BODY_BUDGET_MS).length,
		slowest: byCpu.slice(0, 10),
		cpuMsPerMb:
			big.length === 0 ? 0 : Math.max(...big.map((t) => t.cpuMs / (t.bytes / (1024 * 1024)))),
	};
}

function failure(body: FuzzBody, error: unknown): FuzzFailure {
	return {
		index: body.index,
		seed: body.seed,
		mutations: body.mutations,
		bytes: body.rawBody.byteLength,
		error: error instanceof Error ? (error.stack ?? error.message) : String(error),
	};
}

function percentiles(values: number[]): Percentiles {
	if (values.length === 0) return { p50: 0, p99: 0, max: 0 };
	const sorted = [...values].sort((a, b) => a - b);
	const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
	return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
}

function describe(t: FuzzTiming): string {
	return `| ${t.index} | ${(t.bytes / 1024).toFixed(0)} KB | ${t.events} | ${t.status} | ${t.cpuMs.toFixed(1)} | ${t.wallMs.toFixed(1)} | ${t.seed}: ${t.mutations.join('; ').slice(0, 160)} |`;
}

async function main(): Promise<void> {
	const bodies = Number(process.env.FUZZ_BODIES ?? 100_000);
	const seed = Number(process.env.FUZZ_SEED ?? 1);
	const only = process.env.FUZZ_ONLY?.split(',').map(Number);
	const base = process.env.FUZZ_DIR ?? tmpdir();
	mkdirSync(base, { recursive: true });
	const dir = mkdtempSync(join(base, 'wa-webhook-fuzz-'));
	const store = new SqliteComplianceStore({
		erasureKey: FUZZ_ERASURE_KEY,
		path: join(dir, 'store.sqlite'),
	});
	await store.migrate();
	const profiled = process.env.FUZZ_PROFILE ? Number(process.env.FUZZ_PROFILE) : undefined;
	const results = join(__dirname, '..', '..', 'bench', 'results');
	mkdirSync(join(results, 'webhook-fuzz'), { recursive: true });
	const loadBefore = loadavg()[0];
	const started = Date.now();
	try {
		const report = await runFuzz({
			bodies,
			seed,
			store,
			...(only ? { only } : {}),
			around:
				profiled === undefined
					? undefined
					: async (index, call) => {
							if (index !== profiled) return call();
							const session = new Session();
							session.connect();
							await session.post('Profiler.enable');
							await session.post('Profiler.start');
							try {
								await call();
							} finally {
								const { profile } = await session.post('Profiler.stop');
								const file = join(results, 'webhook-fuzz', `body-${seed}-${index}.cpuprofile`);
								writeFileSync(file, JSON.stringify(profile));
								console.error(`CPU profile of body ${index}: ${file}`);
								session.disconnect();
							}
						},
			onBody: (done) => {
				if (done % 5000 === 0)
					console.error(`${done} bodies, ${Math.round((Date.now() - started) / 1000)} s`);
			},
		});
		// On a shared, loaded machine a body can be slow for reasons of its own process (a major GC
		// of a heap grown over the run, another process's load): the bodies over budget are measured
		// again, alone, in a fresh store, and both counts are reported.
		let again: FuzzReport | undefined;
		if (report.overBudgetBodies.length > 0 && !only) {
			const fresh = new SqliteComplianceStore({
				erasureKey: FUZZ_ERASURE_KEY,
				path: join(dir, 'again.sqlite'),
			});
			await fresh.migrate();
			try {
				again = await runFuzz({ bodies, seed, store: fresh, only: report.overBudgetBodies });
			} finally {
				await fresh.close();
			}
		}
		for (const crash of report.crashes) {
			const body = fuzzBody(seed, crash.index, {
				appSecret: FUZZ_APP_SECRET,
				seeds: [...ownSeeds(), ...metaSeeds()],
			});
			writeFileSync(
				join(results, 'webhook-fuzz', `crash-${seed}-${crash.index}.json`),
				body.rawBody,
			);
		}
		const lines = [
			`Webhook fuzz run, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} CPU cores (${cpus()[0]?.model ?? 'unknown'}), load average (1 min) ${loadBefore.toFixed(1)} before and ${loadavg()[0].toFixed(1)} after, ${Math.round((Date.now() - started) / 1000)} s.`,
			`Seed ${seed}: ${report.bodies.toLocaleString('en-US')} bodies (${report.signed.toLocaleString('en-US')} signed), mutations of ${ownSeeds().length} own seeds and ${metaSeeds().length} of Meta's examples, through handleWebhookPost with a SQLite store.`,
			'',
			'| Metric | Value |',
			'|---|---:|',
			`| Crashes (the handler threw: 500) | ${report.crashes.length} |`,
			`| Emitted events JSON cannot serialise | ${report.unserialisable.length} |`,
			`| Answers | ${Object.entries(report.statuses)
				.map(([s, n]) => `${s}: ${n}`)
				.join(', ')} |`,
			`| Events emitted / changes dropped | ${report.events.toLocaleString('en-US')} / ${report.dropped.toLocaleString('en-US')} |`,
			`| CPU per body p50 / p99 / max | ${report.cpuMs.p50.toFixed(2)} / ${report.cpuMs.p99.toFixed(2)} / ${report.cpuMs.max.toFixed(1)} ms |`,
			`| Wall clock per body p50 / p99 / max | ${report.wallMs.p50.toFixed(2)} / ${report.wallMs.p99.toFixed(2)} / ${report.wallMs.max.toFixed(1)} ms |`,
			`| Bodies over ${BODY_BUDGET_MS} ms CPU / wall clock | ${report.overBudgetCpu} / ${report.overBudgetWall} |`,
			...(again
				? [
						`| The same bodies measured again alone: over ${BODY_BUDGET_MS} ms CPU / max | ${again.overBudgetCpu} / ${again.cpuMs.max.toFixed(1)} ms |`,
					]
				: []),
			`| Worst CPU ms per MB (bodies of 1 MB or more) | ${report.cpuMsPerMb.toFixed(1)} |`,
			'',
			'Slowest bodies (CPU):',
			'',
			'| Body | Size | Events | Answer | CPU ms | Wall ms | Seed: mutations |',
			'|---:|---:|---:|---:|---:|---:|---|',
			...report.slowest.map(describe),
			'',
			...report.crashes
				.slice(0, 20)
				.map(
					(c) =>
						`- crash, body ${c.index} (${c.seed}: ${c.mutations.join('; ')}): ${c.error.split('\n').slice(0, 4).join(' | ')}`,
				),
			...report.unserialisable
				.slice(0, 20)
				.map(
					(c) =>
						`- unserialisable, body ${c.index} (${c.seed}: ${c.mutations.join('; ')}): ${c.error.split('\n')[0]}`,
				),
		];
		const text = lines.join('\n');
		console.log(text);
		if (!only) writeFileSync(join(results, 'webhook-fuzz.md'), `${text}\n`);
	} finally {
		await store.close();
		rmSync(dir, { recursive: true, force: true });
	}
}

if (require.main === module) {
	main().catch((error: unknown) => {
		console.error(error);
		process.exitCode = 1;
	});
}
