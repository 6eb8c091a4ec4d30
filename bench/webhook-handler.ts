/**
 * Webhook handler benchmark: events per second through handleWebhookPost (signature check, parse,
 * normalise, effects, dedupe and store write in one transaction, consentAfter read) with the
 * embedded SQLite store on a temp file, in one process on one core. Target: >= 5,000 events/s.
 *
 * Workload, shaped like Meta's traffic (about 3 status webhooks per outgoing message plus the
 * inbound messages): POSTs of 1 to 10 events, a quarter inbound messages (text, 1 in 50 a STOP or
 * START, some button taps, some from ads) and three quarters statuses (sent and delivered with
 * pricing, read without, 1 in 100 failed with 131050 or 131047), over 10,000 contacts; 5 % of
 * POSTs are re-deliveries of an earlier one (duplicates). Bodies are signed before the clock starts
 * (Meta signs, we verify).
 *
 * Run (no build needed; the hook compiles the TypeScript sources with @swc/core, as Jest does):
 *   node --require ./scripts/register-ts.js bench/webhook-handler.ts
 * Environment:
 *   BENCH_POSTS=20000   POSTs in the timed run (default 20000)
 *   BENCH_DIR=/tmp      where the SQLite file goes (default the OS temp folder)
 * Prints a markdown summary and writes it to bench/results/webhook-handler.md.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { SqliteComplianceStore } from '../nodes/core/store/sqlite';
import { handleWebhookPost, type WebhookHandlerOptions } from '../nodes/core/webhook/handler';
import { computeSignature } from '../nodes/core/webhook/verify';
import { BENCH_ERASURE_KEY } from './report';

const POSTS = Number(process.env.BENCH_POSTS ?? 20000);
const WARMUP_POSTS = 500;
const CONTACTS = 10_000;
const TARGET_EVENTS_PER_SECOND = 5000;
const APP_SECRET = 'bench-app-secret-5f2b9c0e7d1a43f8';
const WABA = '318447201993512';
const SENDER = '774120593381042';
const T0_SECONDS = 1764241200;

/** A deterministic generator, so every run posts the same bodies. */
function random(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state * 1664525 + 1013904223) >>> 0;
		return state / 2 ** 32;
	};
}

interface Post {
	body: Buffer;
	signature: string;
	events: number;
}

function makePosts(count: number, seed: number): Post[] {
	const next = random(seed);
	const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
	const contactOf = (i: number) => `4917${String(i).padStart(9, '0')}`;
	let sequence = 0;
	const id = () =>
		`wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYFDNBR${String(seed).padStart(3, '0')}${String(++sequence).padStart(9, '0')}AA==`;
	const texts = [
		'Hallo, habt ihr heute offen?',
		'Wo ist meine Bestellung?',
		'Danke!',
		'Grüße 🙏',
		'Ist die Jacke in M da?',
	];
	const posts: Post[] = [];
	for (let p = 0; p < count; p++) {
		const size = 1 + Math.floor(next() * 10);
		const messages: unknown[] = [];
		const statuses: unknown[] = [];
		const contacts = new Map<string, unknown>();
		for (let e = 0; e < size; e++) {
			const contact = contactOf(Math.floor(next() * CONTACTS));
			const timestamp = String(T0_SECONDS + p);
			if (next() < 0.25) {
				contacts.set(contact, { profile: { name: 'Kundin' }, wa_id: contact });
				const roll = next();
				const message: Record<string, unknown> = { from: contact, id: id(), timestamp };
				if (roll < 0.02)
					Object.assign(message, {
						type: 'text',
						text: { body: pick(['STOP', 'Stop bitte', 'START']) },
					});
				else if (roll < 0.1)
					Object.assign(message, {
						type: 'button',
						button: { payload: pick(['STOP_PROMOTIONS', 'MORE_INFO']), text: 'Mehr' },
						context: { from: SENDER, id: id() },
					});
				else Object.assign(message, { type: 'text', text: { body: pick(texts) } });
				if (next() < 0.05)
					message.referral = {
						source_type: 'ad',
						source_id: '120228331771420615',
						ctwa_clid: 'ARAkQ7vYw0cLx2m8',
					};
				messages.push(message);
			} else {
				const roll = next();
				const status =
					roll < 0.01 ? 'failed' : roll < 0.4 ? 'sent' : roll < 0.75 ? 'delivered' : 'read';
				const entry: Record<string, unknown> = {
					id: id(),
					status,
					timestamp,
					recipient_id: contact,
				};
				if (status === 'sent' || status === 'delivered') {
					entry.pricing = {
						billable: true,
						pricing_model: 'PMP',
						type: 'regular',
						category: pick(['marketing', 'utility', 'utility']),
					};
				}
				if (status === 'failed')
					entry.errors = [
						{
							code: pick([131050, 131047]),
							title: 'Failed',
							message: 'Failed',
							error_data: { details: 'Failed' },
						},
					];
				statuses.push(entry);
			}
		}
		const value: Record<string, unknown> = {
			messaging_product: 'whatsapp',
			metadata: { display_phone_number: '4930901820', phone_number_id: SENDER },
		};
		if (contacts.size > 0) value.contacts = [...contacts.values()];
		if (messages.length > 0) value.messages = messages;
		if (statuses.length > 0) value.statuses = statuses;
		const body = Buffer.from(
			JSON.stringify({
				object: 'whatsapp_business_account',
				entry: [{ id: WABA, changes: [{ field: 'messages', value }] }],
			}),
		);
		posts.push({ body, signature: computeSignature(body, APP_SECRET), events: size });
	}
	// Re-deliveries: 5 % of POSTs repeat an earlier one.
	for (let p = 0; p < count; p++) {
		if (p > 0 && next() < 0.05) posts[p] = posts[Math.floor(next() * p)];
	}
	return posts;
}

function percentile(sorted: readonly number[], q: number): number {
	return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function main(): Promise<void> {
	const base = process.env.BENCH_DIR ?? tmpdir();
	mkdirSync(base, { recursive: true });
	const dir = mkdtempSync(join(base, 'wa-bench-webhook-'));
	const path = join(dir, 'store.sqlite');
	const store = new SqliteComplianceStore({ erasureKey: BENCH_ERASURE_KEY, path });
	await store.migrate();
	const options: WebhookHandlerOptions = { effects: {}, filter: {} };
	try {
		const warmup = makePosts(WARMUP_POSTS, 1);
		const posts = makePosts(POSTS, 2);
		let now = Date.UTC(2025, 10, 27, 12);
		const run = async (post: Post) => {
			now += 1;
			const result = await handleWebhookPost({
				rawBody: post.body,
				signatureHeader: post.signature,
				appSecret: APP_SECRET,
				store,
				options,
				now,
			});
			if (result.status !== 200)
				throw new Error(`benchmark POST answered ${result.status}: ${result.error}`);
			return result;
		};
		for (const post of warmup) await run(post);

		const latencies: number[] = [];
		let events = 0;
		let emitted = 0;
		let duplicates = 0;
		const started = process.hrtime.bigint();
		const cpuStarted = process.cpuUsage();
		for (const post of posts) {
			const t = process.hrtime.bigint();
			const result = await run(post);
			latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
			events += post.events;
			emitted += result.events.length;
			duplicates += result.duplicates;
		}
		const seconds = Number(process.hrtime.bigint() - started) / 1e9;
		const cpu = process.cpuUsage(cpuStarted);
		const cpuSeconds = (cpu.user + cpu.system) / 1e6;
		const load = loadavg()[0];
		latencies.sort((a, b) => a - b);
		const eventsPerSecond = events / seconds;
		const fileBytes = statSync(path).size + safeSize(`${path}-wal`);
		const lines = [
			`Webhook handler benchmark, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ` +
				`${cpus().length} CPU cores (${cpus()[0]?.model ?? 'unknown'}), one process (one core), SQLite store on a temp file.`,
			`Workload: ${POSTS.toLocaleString('en-US')} POSTs of 1-10 events (${events.toLocaleString('en-US')} events: ~25 % messages, ~75 % statuses, 5 % of POSTs re-delivered), ${CONTACTS.toLocaleString('en-US')} contacts, after ${WARMUP_POSTS} warm-up POSTs.`,
			`Each POST: signature check (HMAC-SHA256), parse, normalise, effects, one applyWebhookEvents transaction (dedupe + windows, consent, costs, failures), one getConsents for consentAfter.`,
			'',
			'| Metric | Value |',
			'|---|---:|',
			`| Events/s through the handler | ${Math.round(eventsPerSecond).toLocaleString('en-US')} |`,
			`| Events per CPU second (user + system; robust when other processes share the cores) | ${Math.round(events / cpuSeconds).toLocaleString('en-US')} |`,
			`| POSTs/s | ${Math.round(POSTS / seconds).toLocaleString('en-US')} |`,
			`| Latency per POST p50 / p99 / max | ${percentile(latencies, 0.5).toFixed(2)} ms / ${percentile(latencies, 0.99).toFixed(2)} ms / ${latencies[latencies.length - 1].toFixed(2)} ms |`,
			`| Events emitted / seen before | ${emitted.toLocaleString('en-US')} / ${duplicates.toLocaleString('en-US')} |`,
			`| Store file after the run | ${(fileBytes / 1024 / 1024).toFixed(1)} MB |`,
			`| Load average (1 min) at the end, on ${cpus().length} cores | ${load.toFixed(2)} |`,
			`| Process RSS | ${Math.round(process.memoryUsage().rss / 1024 / 1024)} MB |`,
			'',
			`- Target >= ${TARGET_EVENTS_PER_SECOND.toLocaleString('en-US')} events/s: ${eventsPerSecond >= TARGET_EVENTS_PER_SECOND ? 'met' : 'NOT met'} (${Math.round(eventsPerSecond).toLocaleString('en-US')}).`,
			'',
			'Run: `node --require ./scripts/register-ts.js bench/webhook-handler.ts` (BENCH_POSTS to change the size).',
		];
		const report = lines.join('\n');
		console.log(report);
		const results = join(__dirname, 'results');
		mkdirSync(results, { recursive: true });
		writeFileSync(join(results, 'webhook-handler.md'), `${report}\n`);
	} finally {
		await store.close();
		rmSync(dir, { recursive: true, force: true });
	}
}

function safeSize(file: string): number {
	try {
		return statSync(file).size;
	} catch {
		return 0;
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
