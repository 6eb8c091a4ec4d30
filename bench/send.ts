/**
 * Send benchmark: how fast WhatsApp Send Template delivers a batch through a real n8n, against the
 * rate it is configured for, and what the rules cost per item.
 *
 * 1. A real n8n (the e2e harness: the packed package installed in `.n8n/nodes`) and the Cloud API
 *    sandbox in this process with 150 ms latency before every Graph API answer. 5,000 contacts are
 *    added to the sandbox (control API) and opted in through the Opt-in Manager's Bulk > Import in
 *    a workflow. Then, one after the other, a Webhook -> Code (5,000 items) -> ... workflow sends
 *    the utility template order_update to all of them:
 *      - n8n's HTTP Request node with Options > Batching at its defaults (50 items per 1,000 ms),
 *        the baseline users have today;
 *      - Send Template with Rate Limit 80, from the seed's number with throughput 80;
 *      - Send Template with Rate Limit 1000, from the seed's number with throughput 1000.
 *    Achieved messages/s come from the sandbox's accepted-send timestamps (first to last); every
 *    130429 the sandbox answered is counted from its request log.
 * 2. Before n8n starts, in a child process per store: the rules over a batch of 100,000 items the
 *    way the node runs them (normalise each number, one snapshot read for the batch from the
 *    embedded SQLite store or PostgreSQL, then evaluateTemplateBatch, which calls
 *    evaluateTemplateSend item by item), in µs per item, and the process memory with the batch
 *    held.
 *
 * Run (after `npm run build`: the harness packs dist/; the first run installs n8n, about 5 min):
 *   source /tmp/pg-env.sh   # or: eval "$(scripts/test-postgres.sh start)"  (sets WA_TEST_PG_URL)
 *   node --require ./scripts/register-ts.js bench/send.ts
 * Environment:
 *   BENCH_MESSAGES=5000        messages per n8n run (default 5000)
 *   BENCH_LATENCY_MS=150       sandbox latency per Graph API call (default 150)
 *   BENCH_EVAL_ITEMS=100000    items of the in-process rule evaluation (default 100000)
 *   BENCH_PARTS=eval,n8n       which parts run (default both)
 *   BENCH_RUNS=http,80,1000    which n8n runs (default all three)
 *   WA_TEST_PG_URL=postgres:// PostgreSQL for the evaluation; without it that row is skipped
 * Prints markdown tables and writes them to bench/results/send.md.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Pool } from 'pg';

import { DAY } from '../nodes/core/clock';
import type { ConsentEventInput, TemplateState } from '../nodes/core/model';
import {
	evaluateTemplateBatch,
	type TemplateBatchItem,
	type TemplateSendDecision,
} from '../nodes/core/policy';
import { PostgresComplianceStore } from '../nodes/core/store/postgres';
import { SqliteComplianceStore } from '../nodes/core/store/sqlite';
import type { ComplianceStore } from '../nodes/core/store/types';
import { contactRuleFacts } from '../nodes/core/store/snapshot';
import { resolveRecipient, type Recipient } from '../nodes/shared/recipient';
import { startSandbox, type Sandbox } from '../sandbox/server';
import { marketingConsents, seedMarketingSent } from './seed';
import { runDir } from '../tools/n8n/commands';
import { ensureN8nInstalled } from '../tools/n8n/install';
import { startN8n, type N8nInstance, type WorkflowFixture } from '../tools/n8n/n8n';
import { endRunOnExit } from '../tools/n8n/processes';
import {
	batchPhone,
	batchWorkflow,
	consentImportWorkflow,
	control,
	postJson,
	sandboxCredential,
	SandboxErrorCounts,
	sendTemplateNode,
} from '../tools/n8n/fixtures';
import {
	elapsedUs,
	fixed,
	loadAverages,
	machineLine,
	median,
	publishReport,
	runBenchmark,
	thousands,
	BENCH_ERASURE_KEY,
} from './report';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 5000);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 150);
const EVAL_ITEMS = Number(process.env.BENCH_EVAL_ITEMS ?? 100000);
const PARTS = (process.env.BENCH_PARTS ?? 'eval,n8n').split(',');
const RUNS = (process.env.BENCH_RUNS ?? 'http,80,1000').split(',');
const PG_URL = process.env.WA_TEST_PG_URL;
const RESULTS = 'send.md';
/** Set for the child process that evaluates one backend. */
const CHILD_ENV = 'WA_BENCH_SEND_EVAL_BACKEND';

/** The seed's numbers: throughput 80 (the credential's default sender) and 1000. */
const SENDER_80 = '731950246618093';
const SENDER_1000 = '582204917733610';

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

// -----------------------------------------------------------------------------------------------
// Part 2: rule evaluation in this process

interface EvalResult {
	backend: string;
	items: number;
	seedSeconds: number;
	/** µs per item, median of 3 passes. */
	normalise: number;
	snapshot: number;
	rulesMarketing: number;
	rulesUtility: number;
	allowedMarketing: number;
	allowedUtility: number;
	/** Before the store is opened. */
	rssBefore: number;
	/** Right after one 100k batch, with its inputs, snapshot and decisions still referenced. */
	rssAt: number;
	heapAt: number;
	/** Heap still referenced after a full GC, with the batch alive: what 100k items really hold. */
	liveHeap: number;
	/** The highest RSS of the process (it runs one backend only). */
	maxRss: number;
}

const EVAL_SENDER = SENDER_80;
const EVAL_ACCOUNT = '240117385066184';
/** A fixed noon (UTC), so quiet hours and the cap decide the same way on every run. */
const EVAL_NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const evalPhone = (i: number) => `+49 171 ${String(3000000 + i)}`;

const TEMPLATES: TemplateState[] = [
	{
		account: EVAL_ACCOUNT,
		name: 'back_in_stock',
		language: 'en',
		status: 'APPROVED',
		category: 'marketing',
		updatedAt: EVAL_NOW - DAY,
	},
	{
		account: EVAL_ACCOUNT,
		name: 'order_update',
		language: 'en',
		status: 'APPROVED',
		category: 'utility',
		updatedAt: EVAL_NOW - DAY,
	},
];

/**
 * Every contact opted in to marketing and transactional 30 days ago; every 10th opted out of
 * marketing since, every 5th is pending for back_in_stock, every 7th got 2 marketing templates
 * yesterday (so the frequency cap holds it).
 */
async function seedEvalStore(store: ComplianceStore, contacts: string[]): Promise<void> {
	const CHUNK = 5000;
	for (let start = 0; start < contacts.length; start += CHUNK) {
		const events: ConsentEventInput[] = [];
		const slice = contacts.slice(start, start + CHUNK);
		slice.forEach((contact, offset) => {
			const i = start + offset;
			const at = EVAL_NOW - 30 * DAY;
			events.push(...marketingConsents(contact, i, EVAL_NOW));
			events.push({ contact, purpose: 'transactional', action: 'opt_in', at, source: 'web_form' });
			if (i % 5 === 0) {
				events.push({
					contact,
					purpose: 'back_in_stock',
					action: 'request_confirmation',
					at: EVAL_NOW - 3 * DAY,
					source: 'web_form',
				});
			}
		});
		await store.recordConsent(events);
		const capped = slice.filter((_, offset) => (start + offset) % 7 === 0);
		await seedMarketingSent(store, EVAL_SENDER, capped, EVAL_NOW);
	}
	await store.upsertTemplateStates(TEMPLATES);
}

/** What the node does per batch after reading the parameters: as in WhatsAppSendTemplate/execute.ts. */
async function evaluateBatch(
	store: ComplianceStore,
	phones: string[],
	templateName: 'back_in_stock' | 'order_update',
	topic: string | undefined,
): Promise<{
	normaliseUs: number;
	snapshotUs: number;
	rulesUs: number;
	decisions: TemplateSendDecision[];
	/** What the node holds during the batch: the inputs and the snapshot, kept for the memory figures. */
	held: unknown[];
}> {
	let start = process.hrtime.bigint();
	const recipients: Recipient[] = phones.map((phone) => resolveRecipient(phone));
	const normaliseUs = elapsedUs(start);
	const keys = recipients.map((r, i) => `bench-${templateName}-${i}#${r.contact}`);

	start = process.hrtime.bigint();
	const snapshot = await store.getSnapshot({
		sender: EVAL_SENDER,
		contacts: recipients.map((r) => r.contact),
		marketingSince: EVAL_NOW - 7 * DAY,
		idempotencyKeys: keys,
		templates: TEMPLATES.map(({ account, name, language }) => ({ account, name, language })),
	});
	const snapshotUs = elapsedUs(start);

	start = process.hrtime.bigint();
	const state = snapshot.templates.find((t) => t.name === templateName);
	const batch = recipients.map((recipient, i): TemplateBatchItem => {
		const contact = snapshot.contacts.get(recipient.contact);
		return {
			contactKey: recipient.contact,
			options: {},
			input: {
				contact: recipient.input,
				country: recipient.country,
				timeZones: recipient.timeZones,
				template: { name: templateName, language: 'en' },
				templateState: state,
				...contactRuleFacts(contact),
				idempotencyKey: keys[i],
				existingSend: snapshot.sends.get(keys[i]),
				topic,
			},
		};
	});
	const decisions = evaluateTemplateBatch(batch, EVAL_NOW).map((result) => {
		if (result.kind !== 'decision') throw new Error('every item has its own idempotency key');
		return result.decision;
	});
	const rulesUs = elapsedUs(start);
	return { normaliseUs, snapshotUs, rulesUs, decisions, held: [recipients, snapshot, batch] };
}

async function evaluationRun(backend: 'sqlite' | 'postgres'): Promise<EvalResult> {
	const rssBefore = process.memoryUsage().rss;
	let store: ComplianceStore;
	let cleanUp: () => Promise<void>;
	if (backend === 'sqlite') {
		const dir = mkdtempSync(join(tmpdir(), 'wa-bench-send-'));
		store = new SqliteComplianceStore({
			erasureKey: BENCH_ERASURE_KEY,
			path: join(dir, 'store.sqlite'),
		});
		cleanUp = async () => {
			await store.close();
			rmSync(dir, { recursive: true, force: true });
		};
	} else {
		const schema = `wa_bench_send_${randomBytes(4).toString('hex')}`;
		const pg = new PostgresComplianceStore({
			erasureKey: BENCH_ERASURE_KEY,
			connectionString: PG_URL,
			schema,
		});
		store = pg;
		cleanUp = async () => {
			await store.close();
			const pool = new Pool({ connectionString: PG_URL, max: 1 });
			await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
			await pool.end();
		};
	}
	try {
		await store.migrate();
		const phones = Array.from({ length: EVAL_ITEMS }, (_, i) => evalPhone(i));
		const seedStart = process.hrtime.bigint();
		await seedEvalStore(
			store,
			phones.map((phone) => resolveRecipient(phone).contact),
		);
		const seedSeconds = elapsedUs(seedStart) / 1e6;

		const normalise: number[] = [];
		const snapshot: number[] = [];
		const marketing: number[] = [];
		const utility: number[] = [];
		let allowedMarketing = 0;
		let allowedUtility = 0;
		let rssAt = 0;
		let heapAt = 0;
		let liveHeap = 0;
		for (let pass = 0; pass < 3; pass++) {
			const m = await evaluateBatch(store, phones, 'back_in_stock', undefined);
			// One batch (inputs, snapshot, decisions) is referenced here, as in the node.
			const usage = process.memoryUsage();
			rssAt = Math.max(rssAt, usage.rss);
			heapAt = Math.max(heapAt, usage.heapUsed);
			if (pass === 0 && typeof global.gc === 'function') {
				global.gc();
				liveHeap = process.memoryUsage().heapUsed;
				// Keeps the batch referenced until after the collection.
				if (m.decisions.length !== EVAL_ITEMS || m.held.length !== 3) {
					throw new Error('a decision is missing');
				}
			}
			const u = await evaluateBatch(store, phones, 'order_update', undefined);
			normalise.push(m.normaliseUs / EVAL_ITEMS, u.normaliseUs / EVAL_ITEMS);
			snapshot.push(m.snapshotUs / EVAL_ITEMS, u.snapshotUs / EVAL_ITEMS);
			marketing.push(m.rulesUs / EVAL_ITEMS);
			utility.push(u.rulesUs / EVAL_ITEMS);
			allowedMarketing = m.decisions.filter((d) => d.allowed).length;
			allowedUtility = u.decisions.filter((d) => d.allowed).length;
		}
		return {
			backend: backend === 'sqlite' ? 'SQLite (embedded)' : 'PostgreSQL',
			items: EVAL_ITEMS,
			seedSeconds,
			normalise: median(normalise),
			snapshot: median(snapshot),
			rulesMarketing: median(marketing),
			rulesUtility: median(utility),
			allowedMarketing,
			allowedUtility,
			rssBefore,
			rssAt,
			heapAt,
			liveHeap,
			maxRss: process.resourceUsage().maxRSS * 1024,
		};
	} finally {
		await cleanUp();
	}
}

function evalTable(results: EvalResult[]): string {
	const lines = [
		'| Store | Items | Normalise number | Snapshot (one read) | Rules, marketing template | Rules, utility template | Total per item (marketing) | Allowed (marketing / utility) | RSS before / after one batch | Heap used after one batch (live after GC) | Peak RSS |',
		'|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
	];
	for (const r of results) {
		lines.push(
			[
				'',
				r.backend,
				thousands(r.items),
				`${fixed(r.normalise)} µs`,
				`${fixed(r.snapshot)} µs`,
				`${fixed(r.rulesMarketing)} µs`,
				`${fixed(r.rulesUtility)} µs`,
				`${fixed(r.normalise + r.snapshot + r.rulesMarketing)} µs`,
				`${thousands(r.allowedMarketing)} / ${thousands(r.allowedUtility)}`,
				`${mb(r.rssBefore)} / ${mb(r.rssAt)}`,
				`${mb(r.heapAt)} (${mb(r.liveHeap)})`,
				mb(r.maxRss),
				'',
			].join(' | '),
		);
	}
	return lines.join('\n').replace(/^ /gm, '').replace(/ $/gm, '');
}

// -----------------------------------------------------------------------------------------------
// Part 1: 5,000 sends through a real n8n

interface SendRun {
	label: string;
	configured: number;
	sender: string;
	accepted: number;
	firstToLastSeconds: number;
	messagesPerSecond: number;
	/**
	 * From the first send accepted a second after the first one, to the last: the rate once the
	 * initial burst is spent (a full token bucket lets one second of messages out at once, as fast
	 * as the sends in flight allow; the HTTP Request node starts its first batch of 50 at once).
	 */
	steadyPerSecond: number;
	errors: Map<number, number>;
	executionSeconds: number;
	executionStatus: string;
	loadBefore: string;
	loadAfter: string;
}

function httpRequestNode(sandboxUrl: string) {
	return {
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		parameters: {
			method: 'POST',
			url: `=${sandboxUrl}/v25.0/{{ $json.sender }}/messages`,
			authentication: 'predefinedCredentialType',
			nodeCredentialType: 'whatsAppCloudApi',
			sendBody: true,
			specifyBody: 'json',
			jsonBody: '={{ JSON.stringify($json.payload) }}',
			// What Options > Batching sets when added in the editor: 50 items per 1,000 ms.
			options: { batching: { batch: { batchSize: 50, batchInterval: 1000 } } },
		},
		credentials: { whatsAppCloudApi: { id: 'waSandboxCloudApi', name: 'WhatsApp Sandbox' } },
	};
}

async function sendRun(
	n8n: N8nInstance,
	sandbox: Sandbox,
	errors: SandboxErrorCounts,
	options: {
		label: string;
		workflowId: string;
		webhookPath: string;
		sender: string;
		configured: number;
		withPayload: boolean;
	},
): Promise<SendRun> {
	const from = sandbox.state.sentMessages().length;
	const executions = n8n.executions(options.workflowId).length + 1;
	errors.take();
	const loadBefore = loadAverages();
	const runId = `${options.workflowId}-${randomBytes(3).toString('hex')}`;
	const answer = await postJson(n8n.webhookUrl(options.webhookPath), {
		count: MESSAGES,
		sender: options.sender,
		rate: options.configured,
		runId,
		withPayload: options.withPayload,
	});
	if (answer.status !== 200) throw new Error(`${options.label}: webhook answered ${answer.status}`);
	const ended = await n8n.waitForExecutions(options.workflowId, executions, 20 * 60_000);
	const execution = ended[executions - 1];
	const sent = sandbox.state
		.sentMessages()
		.slice(from)
		.filter((m) => m.phone_number_id === options.sender);
	const times = sent.map((m) => Date.parse(m.accepted_at)).sort((a, b) => a - b);
	const span = (times.at(-1)! - times[0]) / 1000;
	const afterBurst = times.findIndex((t) => t >= times[0] + 1000);
	const steadyFrom = afterBurst > 0 && afterBurst < times.length - 1 ? afterBurst : 0;
	const steadySpan = (times.at(-1)! - times[steadyFrom]) / 1000;
	return {
		label: options.label,
		configured: options.configured,
		sender: options.sender,
		accepted: sent.length,
		firstToLastSeconds: span,
		messagesPerSecond: (sent.length - 1) / span,
		steadyPerSecond: (times.length - 1 - steadyFrom) / steadySpan,
		errors: errors.take(),
		executionSeconds:
			((execution.stoppedAt?.getTime() ?? NaN) - (execution.startedAt?.getTime() ?? NaN)) / 1000,
		executionStatus:
			execution.status === 'success'
				? 'success'
				: `${execution.status}: ${execution.data?.resultData.error?.message ?? 'no error saved'}`,
		loadBefore,
		loadAfter: loadAverages(),
	};
}

function sendTable(runs: SendRun[]): string {
	const lines = [
		'| Run | Configured | Accepted | First to last | Achieved msg/s | Ratio to configured | From 1 s after the first send: msg/s (ratio) | 130429 answers | Other errors | Execution | Load before / after |',
		'|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|',
	];
	for (const r of runs) {
		const other = [...r.errors]
			.filter(([code]) => code !== 130429)
			.map(([code, n]) => `${code}: ${n}`)
			.join(', ');
		lines.push(
			[
				'',
				r.label,
				`${r.configured}/s`,
				`${thousands(r.accepted)} of ${thousands(MESSAGES)}`,
				`${fixed(r.firstToLastSeconds)} s`,
				fixed(r.messagesPerSecond),
				fixed(r.messagesPerSecond / r.configured, 3),
				`${fixed(r.steadyPerSecond)} (${fixed(r.steadyPerSecond / r.configured, 3)})`,
				String(r.errors.get(130429) ?? 0),
				other || 'none',
				`${fixed(r.executionSeconds)} s (${r.executionStatus})`,
				`${r.loadBefore} -> ${r.loadAfter}`,
				'',
			].join(' | '),
		);
	}
	return lines.join('\n').replace(/^ /gm, '').replace(/ $/gm, '');
}

async function n8nPart(): Promise<SendRun[]> {
	await ensureN8nInstalled();
	const errors = new SandboxErrorCounts();
	const sandbox = await startSandbox({
		latencyMs: LATENCY_MS,
		log: errors.line,
		// Statuses are not what is measured: no webhooks (no URL set) and fewer timers.
		statusDelaysMs: { sent: 100, delivered: 100, read: null },
	});
	const CONSENT = 'benchSendConsent';
	const workflows: WorkflowFixture[] = [
		consentImportWorkflow(CONSENT, 'bench: import consent', 'bench-consent'),
		batchWorkflow(
			'benchSendHttp',
			'bench: HTTP Request batching',
			'bench-http',
			httpRequestNode(sandbox.url),
		),
		batchWorkflow(
			'benchSendTemplate',
			'bench: Send Template',
			'bench-template',
			sendTemplateNode({ rateLimit: 'fromItem' }),
		),
	];
	let n8n: N8nInstance | undefined;
	const stop = async () => {
		await n8n?.stop();
		await sandbox.close();
	};
	process.once('SIGINT', () => void stop().then(() => process.exit(130)));
	try {
		// Messages Per Second 1000: the credential holds the highest tier; each run's Rate Limit (from
		// the item) lowers it to the rate under test, as the node's option does.
		const credential = sandboxCredential(sandbox);
		n8n = await startN8n({
			credentials: [{ ...credential, data: { ...credential.data, messagesPerSecond: 1000 } }],
			workflows,
		});
		console.error(`n8n at ${n8n.baseUrl}; adding ${MESSAGES} contacts to the sandbox...`);
		const indexes = Array.from({ length: MESSAGES }, (_, i) => i);
		for (let start = 0; start < indexes.length; start += 50) {
			await Promise.all(
				indexes.slice(start, start + 50).map((i) =>
					control(sandbox, 'POST', 'contacts', {
						wa_id: batchPhone(i).slice(1),
						name: `Kim ${i}`,
						country: 'DE',
					}),
				),
			);
		}
		console.error('recording their opt-ins through the Opt-in Manager (Bulk > Import)...');
		const rows = indexes.map((i) => ({
			phone: batchPhone(i),
			purposes: 'transactional',
			status: 'opted_in',
			time: new Date(Date.now() - DAY).toISOString(),
		}));
		const imported = await postJson(n8n.webhookUrl('bench-consent'), { rows });
		console.error(`import: ${JSON.stringify(imported.json)}`);

		const runs: SendRun[] = [];
		const plan = [
			{
				key: 'http',
				label: 'HTTP Request node, Batching 50 items / 1,000 ms (baseline)',
				workflowId: 'benchSendHttp',
				webhookPath: 'bench-http',
				sender: SENDER_80,
				configured: 50,
				withPayload: true,
			},
			{
				key: '80',
				label: 'WhatsApp Send Template, Rate Limit 80',
				workflowId: 'benchSendTemplate',
				webhookPath: 'bench-template',
				sender: SENDER_80,
				configured: 80,
				withPayload: false,
			},
			{
				key: '1000',
				label: 'WhatsApp Send Template, Rate Limit 1000',
				workflowId: 'benchSendTemplate',
				webhookPath: 'bench-template',
				sender: SENDER_1000,
				configured: 1000,
				withPayload: false,
			},
		];
		for (const step of plan.filter((p) => RUNS.includes(p.key))) {
			console.error(`${step.label}...`);
			const run = await sendRun(n8n, sandbox, errors, step);
			console.error(
				`  ${run.accepted} accepted in ${fixed(run.firstToLastSeconds)} s: ${fixed(run.messagesPerSecond)} msg/s, 130429: ${run.errors.get(130429) ?? 0}`,
			);
			runs.push(run);
		}
		return runs;
	} finally {
		await stop();
	}
}

// -----------------------------------------------------------------------------------------------

/** Runs one backend's evaluation in a fresh process, so its memory figures are its own. */
async function evaluationInChild(backend: 'sqlite' | 'postgres'): Promise<EvalResult> {
	const child = spawn(process.execPath, [...process.execArgv, '--expose-gc', __filename], {
		env: { ...process.env, [CHILD_ENV]: backend },
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	let output = '';
	child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
	if (code !== 0) throw new Error(`the ${backend} evaluation ended with exit code ${code}`);
	return JSON.parse(output) as EvalResult;
}

async function main(): Promise<void> {
	const childBackend = process.env[CHILD_ENV];
	if (childBackend === 'sqlite' || childBackend === 'postgres') {
		const result = JSON.stringify(await evaluationRun(childBackend));
		// A pipe is written asynchronously: wait for it before the process exits.
		await new Promise((resolve) => process.stdout.write(result, resolve));
		return;
	}
	endRunOnExit(runDir());
	const header = [machineLine()];
	const sections: string[] = [];
	if (PARTS.includes('eval')) {
		const results: EvalResult[] = [];
		console.error(`rule evaluation over ${EVAL_ITEMS} items: SQLite...`);
		results.push(await evaluationInChild('sqlite'));
		if (PG_URL) {
			console.error('rule evaluation: PostgreSQL...');
			results.push(await evaluationInChild('postgres'));
		} else {
			console.error('skipping PostgreSQL: WA_TEST_PG_URL is not set');
		}
		sections.push(
			`### Rule evaluation per item (in-process, ${thousands(EVAL_ITEMS)} items, median of 3 passes)\n\n${evalTable(results)}\n\nSeeding (not measured above): ${results.map((r) => `${r.backend} ${fixed(r.seedSeconds)} s`).join(', ')}.`,
		);
	}
	if (PARTS.includes('n8n')) {
		const runs = await n8nPart();
		sections.push(
			`### ${thousands(MESSAGES)} template sends through a real n8n, sandbox latency ${LATENCY_MS} ms\n\n${sendTable(runs)}`,
		);
	}
	const text = `${header.join('\n')}\n\n${sections.join('\n\n')}\n`;
	publishReport(RESULTS, text);
}

runBenchmark(main);
