/**
 * Webhook ack latency through a real n8n: how long Meta waits for the 200 when it posts to the
 * WhatsApp Webhook Trigger of a published workflow. Targets: median <= 50 ms, p99 <= 250 ms at
 * 50 and 200 requests/s.
 *
 * Setup: the pinned n8n (tools/n8n, installed into ~/.cache once) with the packed package
 * in .n8n/nodes as users install it, one published workflow whose only node is the trigger
 * (Trigger On: messages and statuses, every side effect on, the embedded SQLite store), n8n's own
 * SQLite database, executions saved as the e2e harness saves them (all). With 3 workflows (one
 * Meta app, many workflows), two more published workflows of the same app, each a trigger alone:
 * one on messages (a STOP handler), one on statuses (a status tracker); Meta still calls only the
 * first one's URL, which records their deliveries with each event and hands them over after its
 * answer. A fresh n8n per number of workflows.
 * Load: signed POSTs at a fixed rate (open loop: a request leaves at its time whether or not the
 * earlier ones were answered, so a slow answer cannot hide the queue behind it), each with one new
 * event: 1 in 4 an inbound text from one of 2,000 contacts, the others a sent or delivered status
 * with pricing. Bodies are signed before the clock starts (Meta signs, we verify). Latency is from
 * the request leaving to the last byte of the answer, over keep-alive connections. Each rate runs
 * ~20 s after 5 s of warm-up at 20 requests/s.
 *
 * Run (build first: the harness packs dist/):
 *   export PATH=$PWD/node_modules/.bin:$PATH && npm run build
 *   node --require ./scripts/register-ts.js bench/webhook-n8n.ts
 * Environment:
 *   BENCH_RATES=50,200      requests per second (default 50,200)
 *   BENCH_SECONDS=20        seconds per rate (default 20)
 *   BENCH_WORKFLOWS=1,3     subscribed workflows of the app, one n8n run each (default 1,3)
 * Prints a markdown summary and writes it to bench/results/webhook-n8n.md.
 *
 * Until package.json lists the trigger in "n8n.nodes", the bench packs a copy of package.json
 * that lists it (same dist/), so n8n loads it; once listed, the repository is packed as is.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';

import { SQLITE_FILE_NAME } from '../nodes/core/store/sqlite';
import { computeSignature } from '../nodes/core/webhook/verify';
import { packPackage, startN8n, type N8nInstance } from '../tools/n8n/n8n';
import { createRunDir, currentRunDir, RUN_DIR_ENV } from '../tools/n8n/processes';
import { nodeSqlite } from '../nodes/core/store/sqlite/nodeSqlite';

const { DatabaseSync } = nodeSqlite();

const ROOT = path.resolve(__dirname, '..');
const RATES = (process.env.BENCH_RATES ?? '50,200').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const WORKFLOW_COUNTS = (process.env.BENCH_WORKFLOWS ?? '1,3').split(',').map(Number);
const WARMUP_RATE = 20;
const WARMUP_SECONDS = 5;
const TARGET_MEDIAN_MS = 50;
const TARGET_P99_MS = 250;
const TRIGGER_DIST = 'dist/nodes/WhatsAppWebhookTrigger/WhatsAppWebhookTrigger.node.js';

const APP_SECRET = 'bench-n8n-app-secret-4e1d7a9c';
const WABA = '318447201993512';
const SENDER = '774120593381042';
const CREDENTIAL_ID = 'benchCloudApi';
const WORKFLOW_ID = 'benchWebhookTrigger1';
const WEBHOOK_PATH = 'whatsapp-bench';
const CONTACTS = 2000;

interface Post {
	body: Buffer;
	signature: string;
}

let sequence = 0;

/** One POST with one new event, shaped as Meta sends it. */
function makePost(): Post {
	const n = ++sequence;
	const contact = `4917${String(n % CONTACTS).padStart(9, '0')}`;
	const timestamp = String(Math.floor(Date.now() / 1000));
	const id = `wamid.HBgNNDkxNzBCRU5DSBUCABIYFDNB${String(n).padStart(12, '0')}AA==`;
	const metadata = { display_phone_number: '4930901820', phone_number_id: SENDER };
	const value =
		n % 4 === 0
			? {
					messaging_product: 'whatsapp',
					metadata,
					contacts: [{ profile: { name: 'Kundin' }, wa_id: contact }],
					messages: [
						{ from: contact, id, timestamp, type: 'text', text: { body: 'Ist die Jacke da?' } },
					],
				}
			: {
					messaging_product: 'whatsapp',
					metadata,
					statuses: [
						{
							id,
							status: n % 4 === 1 ? 'sent' : 'delivered',
							timestamp,
							recipient_id: contact,
							pricing: {
								billable: true,
								pricing_model: 'PMP',
								type: 'regular',
								category: 'utility',
							},
						},
					],
				};
	const body = Buffer.from(
		JSON.stringify({
			object: 'whatsapp_business_account',
			entry: [{ id: WABA, changes: [{ field: 'messages', value }] }],
		}),
	);
	return { body, signature: computeSignature(body, APP_SECRET) };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

interface Sample {
	ms: number;
	status: number | string;
}

function send(url: URL, post: Post): Promise<Sample> {
	return new Promise((resolve) => {
		const started = process.hrtime.bigint();
		const req = http.request(
			url,
			{
				method: 'POST',
				agent,
				headers: {
					'content-type': 'application/json',
					'content-length': post.body.length,
					'x-hub-signature-256': post.signature,
				},
			},
			(res) => {
				res.resume();
				res.on('end', () =>
					resolve({
						ms: Number(process.hrtime.bigint() - started) / 1e6,
						status: res.statusCode ?? 0,
					}),
				);
			},
		);
		req.on('error', (error) =>
			resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, status: error.message }),
		);
		req.end(post.body);
	});
}

/** Posts `rate` requests per second for `seconds`, each at its own time; returns every sample. */
async function runAt(url: URL, rate: number, seconds: number): Promise<Sample[]> {
	const total = Math.round(rate * seconds);
	const posts = Array.from({ length: total }, makePost);
	const interval = 1000 / rate;
	const pending: Promise<Sample>[] = [];
	const start = performance.now();
	for (let i = 0; i < total; i++) {
		const wait = start + i * interval - performance.now();
		if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
		pending.push(send(url, posts[i]));
	}
	return await Promise.all(pending);
}

function percentile(sorted: number[], p: number): number {
	if (sorted.length === 0) return NaN;
	const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
	return sorted[Math.max(0, index)];
}

/** Counts in the trigger's store (the embedded SQLite file in the n8n user folder). */
function storeCounts(n8n: N8nInstance): Record<string, number> {
	const file = path.join(n8n.userFolder, '.n8n', SQLITE_FILE_NAME);
	const db = new DatabaseSync(file, { readOnly: true });
	try {
		const count = (table: string) =>
			Number((db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n);
		return {
			seenEvents: count('seen_events'),
			windows: count('windows'),
			costLedger: count('cost_ledger'),
			deliveriesWaiting: count('webhook_deliveries'),
		};
	} finally {
		db.close();
	}
}

/** n8n's executions by workflow and status, from its SQLite database (a count, no data). */
function executionCounts(n8n: N8nInstance): Record<string, Record<string, number>> {
	const db = new DatabaseSync(path.join(n8n.userFolder, '.n8n', 'database.sqlite'), {
		readOnly: true,
	});
	try {
		const rows = db
			.prepare(
				'SELECT workflowId AS workflow, status, count(*) AS n FROM execution_entity GROUP BY workflowId, status',
			)
			.all() as Array<{ workflow: string; status: string; n: number }>;
		const counts: Record<string, Record<string, number>> = {};
		for (const row of rows) (counts[row.workflow] ??= {})[row.status] = Number(row.n);
		return counts;
	} finally {
		db.close();
	}
}

/** Waits (up to 2 minutes) until n8n has no execution still new or running. */
async function executionsSettled(
	n8n: N8nInstance,
): Promise<Record<string, Record<string, number>>> {
	const busy = (counts: Record<string, Record<string, number>>) =>
		Object.values(counts).some((byStatus) => byStatus.new || byStatus.running);
	for (let i = 0; i < 120; i++) {
		const counts = executionCounts(n8n);
		if (!busy(counts)) return counts;
		await new Promise((resolve) => setTimeout(resolve, 1000));
	}
	return executionCounts(n8n);
}

/** A published workflow whose only node is the trigger of the bench's app. */
function triggerWorkflow(id: string, name: string, webhookPath: string, triggerOn: string[]) {
	const suffix = id.slice(-2);
	return {
		id,
		name,
		nodes: [
			{
				id: `0c5e2d7a-8b1f-4c3e-9a6d-2f4b8e1c7a${suffix}`,
				name: 'WhatsApp Webhook Trigger',
				type: 'n8n-nodes-whatsapp-compliance.whatsAppWebhookTrigger',
				typeVersion: 1,
				position: [0, 0],
				webhookId: `0c5e2d7a-8b1f-4c3e-9a6d-2f4b8e1c7b${suffix}`,
				parameters: { path: webhookPath, triggerOn },
				credentials: { whatsAppCloudApi: { id: CREDENTIAL_ID, name: 'WhatsApp bench' } },
			},
		],
		connections: {},
	};
}

/** The receiver first: Meta calls its URL. */
const WORKFLOWS = [
	triggerWorkflow(WORKFLOW_ID, 'bench: WhatsApp Webhook Trigger', WEBHOOK_PATH, [
		'message',
		'status',
	]),
	triggerWorkflow('benchStopHandler02', 'bench: STOP handler', 'whatsapp-bench-stop', ['message']),
	triggerWorkflow('benchStatusTrack03', 'bench: status tracker', 'whatsapp-bench-status', [
		'status',
	]),
];

/** The tarball n8n installs: the repository, or a copy whose package.json lists the trigger. */
async function tarball(): Promise<string> {
	const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
		n8n: { nodes: string[] };
	};
	if (!fs.existsSync(path.join(ROOT, TRIGGER_DIST))) {
		throw new Error(`${TRIGGER_DIST} is missing: run \`npm run build\` first`);
	}
	if (!currentRunDir()) process.env[RUN_DIR_ENV] = createRunDir(process.pid);
	if (pkg.n8n.nodes.includes(TRIGGER_DIST)) return await packPackage();
	const stage = fs.mkdtempSync(path.join(tmpdir(), 'wa-bench-pack-'));
	try {
		pkg.n8n.nodes = [...pkg.n8n.nodes, TRIGGER_DIST];
		fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify(pkg, null, '\t'));
		fs.cpSync(path.join(ROOT, 'dist'), path.join(stage, 'dist'), { recursive: true });
		// packPackage() takes a tarball already in the run folder's pack/ instead of packing again.
		const destination = path.join(currentRunDir() as string, 'pack');
		fs.mkdirSync(destination, { recursive: true });
		execFileSync('npm', ['pack', '--pack-destination', destination], {
			cwd: stage,
			stdio: 'ignore',
		});
		return await packPackage();
	} finally {
		fs.rmSync(stage, { recursive: true, force: true });
	}
}

interface RateResult {
	workflows: number;
	rate: number;
	sent: number;
	ok: number;
	failures: Record<string, number>;
	median: number;
	p90: number;
	p99: number;
	max: number;
	achievedRate: number;
	loadBefore: number;
	loadAfter: number;
}

/** One fresh n8n with `workflows` published workflows of the app; every rate against it. */
async function runWith(
	workflows: number,
	runs: Array<{
		workflows: number;
		counts: Record<string, number>;
		executions: Record<string, Record<string, number>>;
	}>,
): Promise<RateResult[]> {
	console.log(`Starting n8n with ${workflows} workflow(s) of the app (about 30 s)...`);
	const n8n = await startN8n({
		credentials: [
			{
				id: CREDENTIAL_ID,
				name: 'WhatsApp bench',
				type: 'whatsAppCloudApi',
				data: {
					accessToken: 'bench-token',
					businessAccountId: WABA,
					phoneNumberId: SENDER,
					appSecret: APP_SECRET,
					verifyToken: 'bench-verify-token',
					apiVersion: 'v25.0',
					baseUrl: 'http://127.0.0.1:9',
				},
			},
		],
		workflows: WORKFLOWS.slice(0, workflows),
	});
	const results: RateResult[] = [];
	try {
		const url = new URL(n8n.webhookUrl(WEBHOOK_PATH));
		console.log(`Warming up at ${WARMUP_RATE}/s for ${WARMUP_SECONDS} s...`);
		const warmup = await runAt(url, WARMUP_RATE, WARMUP_SECONDS);
		const warmFailures = warmup.filter((s) => s.status !== 200);
		if (warmFailures.length > 0) {
			throw new Error(
				`Warm-up answers other than 200: ${JSON.stringify(warmFailures.slice(0, 3))}\n${n8n.logs().slice(-3000)}`,
			);
		}
		let executions: Record<string, Record<string, number>> = {};
		for (const rate of RATES) {
			console.log(`${rate} requests/s for ${SECONDS} s...`);
			const loadBefore = loadavg()[0];
			const started = performance.now();
			const samples = await runAt(url, rate, SECONDS);
			const elapsed = (performance.now() - started) / 1000;
			const ok = samples.filter((s) => s.status === 200).map((s) => s.ms);
			ok.sort((a, b) => a - b);
			const failures: Record<string, number> = {};
			for (const s of samples.filter((x) => x.status !== 200)) {
				failures[String(s.status)] = (failures[String(s.status)] ?? 0) + 1;
			}
			results.push({
				workflows,
				rate,
				sent: samples.length,
				ok: ok.length,
				failures,
				median: percentile(ok, 50),
				p90: percentile(ok, 90),
				p99: percentile(ok, 99),
				max: ok[ok.length - 1] ?? NaN,
				achievedRate: samples.length / elapsed,
				loadBefore,
				loadAfter: loadavg()[0],
			});
			// Let the executions of this rate finish before the next one starts.
			executions = await executionsSettled(n8n);
		}
		runs.push({ workflows, counts: storeCounts(n8n), executions });
	} finally {
		await n8n.stop();
	}
	return results;
}

async function main(): Promise<void> {
	await tarball();
	const results: RateResult[] = [];
	const runs: Array<{
		workflows: number;
		counts: Record<string, number>;
		executions: Record<string, Record<string, number>>;
	}> = [];
	for (const workflows of WORKFLOW_COUNTS) {
		results.push(...(await runWith(workflows, runs)));
	}
	agent.destroy();

	const ms = (v: number) => `${v.toFixed(1)} ms`;
	const verdict = (r: RateResult) =>
		r.median <= TARGET_MEDIAN_MS && r.p99 <= TARGET_P99_MS && r.ok === r.sent ? 'met' : 'NOT met';
	const lines = [
		`Webhook ack latency through n8n, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} CPU cores (${cpus()[0]?.model.trim() ?? 'unknown'}), shared with other work.`,
		'n8n 2.30.7 (`n8n start`, regular mode, SQLite database, executions saved), the packed package in .n8n/nodes. 1 workflow: the WhatsApp Webhook Trigger alone (Trigger On: messages, statuses; every side effect on; embedded SQLite compliance store). 3 workflows: two more triggers of the same app (messages; statuses), Meta still calling only the first one. A fresh n8n per number of workflows. The load generator runs on the same machine.',
		`Each POST: one new signed event (1 in 4 an inbound text, else a sent/delivered status with pricing); open loop at a fixed rate for ${SECONDS} s after ${WARMUP_SECONDS} s at ${WARMUP_RATE}/s; latency from sending to the last byte of the answer (keep-alive).`,
		'',
		'| Workflows | Rate (req/s) | Sent | 200s | Other answers | Median | p90 | p99 | Max | Achieved rate | Load avg (1 min) before / after |',
		'|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|',
		...results.map(
			(r) =>
				`| ${r.workflows} | ${r.rate} | ${r.sent} | ${r.ok} | ${
					Object.entries(r.failures)
						.map(([k, v]) => `${k}: ${v}`)
						.join(', ') || 'none'
				} | ${ms(r.median)} | ${ms(r.p90)} | ${ms(r.p99)} | ${ms(r.max)} | ${r.achievedRate.toFixed(1)}/s | ${r.loadBefore.toFixed(2)} / ${r.loadAfter.toFixed(2)} |`,
		),
		'',
		...runs.map(
			(run) =>
				`${run.workflows} workflow(s): ${run.counts.seenEvents} seen events in the compliance store, ${run.counts.windows} windows, ${run.counts.costLedger} cost ledger rows, ${run.counts.deliveriesWaiting} deliveries still waiting. Executions by workflow and status: ${Object.entries(
					run.executions,
				)
					.map(
						([workflow, byStatus]) =>
							`${workflow} ${Object.entries(byStatus)
								.map(([status, n]) => `${status} ${n}`)
								.join(', ')}`,
					)
					.join('; ')}.`,
		),
		'',
		...results.map(
			(r) =>
				`- ${r.workflows} workflow(s), ${r.rate}/s: target median <= ${TARGET_MEDIAN_MS} ms and p99 <= ${TARGET_P99_MS} ms ${verdict(r)} (median ${ms(r.median)}, p99 ${ms(r.p99)}).`,
		),
		'',
		'Run: `npm run build && node --require ./scripts/register-ts.js bench/webhook-n8n.ts` (BENCH_RATES, BENCH_SECONDS, BENCH_WORKFLOWS to change the load).',
	];
	const text = lines.join('\n');
	console.log(`\n${text}`);
	fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
	fs.writeFileSync(path.join(ROOT, 'bench', 'results', 'webhook-n8n.md'), `${text}\n`);
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? (error.stack ?? error.message) : error);
	process.exit(1);
});
