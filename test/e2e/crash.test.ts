/**
 * A crash mid-campaign loses only what was in flight, and a re-run finishes the campaign (issue
 * 12): a real n8n sends a utility template to 2,000 opted-in contacts (Idempotency Key per
 * contact) and is killed with SIGKILL while sending, then restarted and the same campaign posted
 * again. Keys are claimed as each request leaves, so after the kill only the requests under way
 * are uncertain (a claim whose request had not left is taken over once its lease is over); the
 * Webhook Trigger (the Handle STOP example, which records send statuses) settles the uncertain
 * ones from the sandbox's status webhooks, which carry the send's callback id; the re-run sends
 * every other contact. Counted at the sandbox: every contact exactly one message. Once with
 * the embedded SQLite store, once with PostgreSQL.
 */
import { CLAIM_LEASE_MS } from '../../nodes/core/policy/idempotency';
import { PostgresComplianceStore } from '../../nodes/core/store/postgres';
import { SqliteComplianceStore, defaultSqlitePath } from '../../nodes/core/store/sqlite';
import type { ComplianceStore } from '../../nodes/core/store/types';
import { sendsInFlight } from '../../nodes/shared/send/options';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { runDir } from '../../tools/n8n/commands';
import {
	batchConsentRows,
	batchPhone,
	batchWorkflow,
	consentImportWorkflow,
	loadExamples,
	messagesPerContact,
	postJson,
	sandboxCredential,
	SandboxErrorCounts,
	sendTemplateNode,
	waitFor,
	withStore,
} from '../../tools/n8n/fixtures';
import { startN8n, type CredentialFixture, type N8nInstance } from '../../tools/n8n/n8n';
import { startPostgres, type PostgresServer } from '../../tools/n8n/services';
import { n8nErasureKey } from '../../nodes/shared/erasureKey';

const CONTACTS = 2000;
/** The seed's number with throughput 80 (the credential's Messages Per Second too). */
const SENDER = '731950246618093';
const RATE = 80;
const STOP_EXAMPLE = 'waExHandleStop01';
const TRIGGER_PATH = 'whatsapp-optout';
const CONSENT_PATH = 'e2e-crash-consent';
const BATCH = 'e2eCrashBatch';
const BATCH_PATH = 'e2e-crash-batch';
const DAY_MS = 24 * 60 * 60 * 1000;
const PG_STORE = { id: 'e2eCrashStore', name: 'Crash test store (PostgreSQL)' };

const wa = (i: number) => batchPhone(i).slice(1);

interface Backend {
	readonly name: 'sqlite' | 'postgres';
	/** Kill n8n once the sandbox has accepted this many messages. */
	readonly killAfter: number;
}

const BACKENDS: Backend[] = [
	{ name: 'sqlite', killAfter: 700 },
	{ name: 'postgres', killAfter: 1300 },
];

describe.each(BACKENDS)('a crash mid-campaign ($name store)', ({ name, killAfter }) => {
	let sandbox: Sandbox;
	let n8n: N8nInstance;
	let postgres: PostgresServer | undefined;
	let store: ComplianceStore;
	const errors = new SandboxErrorCounts();

	beforeAll(async () => {
		sandbox = await startSandbox({
			latencyMs: 150,
			log: errors.line,
			statusDelaysMs: { sent: 100, delivered: 300, read: null },
			// Meta retries webhooks for days; the test needs them back within n8n's restart.
			webhookRetryScheduleMs: [1000, 2000, 4000, 8000, 8000, 8000, 8000, 8000, 8000],
		});
		const credentials: CredentialFixture[] = [sandboxCredential(sandbox)];
		let storeOf = <T>(workflow: T) => workflow;
		if (name === 'postgres') {
			postgres = await startPostgres(runDir());
			const database = await postgres.createDatabase('wa_crash_store');
			credentials.push({
				...PG_STORE,
				type: 'whatsAppComplianceStoreApi',
				data: {
					backend: 'postgres',
					host: postgres.host,
					port: postgres.port,
					database,
					user: postgres.user,
					password: postgres.password,
					ssl: 'disable',
				},
			});
			storeOf = ((workflow: Parameters<typeof withStore>[0]) =>
				withStore(workflow, PG_STORE)) as typeof storeOf;
		}
		const stop = loadExamples().find((w) => w.id === STOP_EXAMPLE);
		if (!stop) throw new Error(`examples/ has no workflow ${STOP_EXAMPLE}`);
		n8n = await startN8n({
			credentials,
			workflows: [
				storeOf(stop),
				storeOf(consentImportWorkflow('e2eCrashConsent', 'e2e: import consent', CONSENT_PATH)),
				storeOf(batchWorkflow(BATCH, 'e2e: order updates', BATCH_PATH, sendTemplateNode())),
			],
		});
		sandbox.state.webhookUrl = n8n.webhookUrl(TRIGGER_PATH);
		store =
			name === 'postgres'
				? new PostgresComplianceStore({
						erasureKey: n8nErasureKey({ N8N_USER_FOLDER: n8n.userFolder }),
						connectionString: postgres!.url('wa_crash_store'),
						poolSize: 2,
					})
				: new SqliteComplianceStore({
						erasureKey: n8nErasureKey({ N8N_USER_FOLDER: n8n.userFolder }),
						path: defaultSqlitePath({ N8N_USER_FOLDER: n8n.userFolder }),
					});
		for (let i = 0; i < CONTACTS; i++) {
			sandbox.state.addContact({ wa_id: wa(i), name: `Kim ${i}` });
		}
		const rows = batchConsentRows(CONTACTS);
		const imported = await postJson(n8n.webhookUrl(CONSENT_PATH), { rows });
		expect(imported).toEqual({
			status: 200,
			json: expect.objectContaining({ rows: CONTACTS, failed: 0 }),
		});
	}, 6 * 60_000);

	afterAll(async () => {
		await store?.close();
		await n8n?.stop();
		await sandbox?.close();
		await postgres?.stop();
	}, 60_000);

	const campaign = () =>
		postJson(n8n.webhookUrl(BATCH_PATH), {
			count: CONTACTS,
			sender: SENDER,
			runId: `promo-${name}`,
		});

	/** Sends claimed whose outcome nobody recorded yet (the request left; no answer, no status). */
	const uncertain = async () => store.listUnconfirmedSends({ before: Date.now() + DAY_MS });

	it(
		'sends every contact exactly one message after a kill -9 and one re-run',
		async () => {
			errors.take();
			expect((await campaign()).status).toBe(200);
			await waitFor(
				() => (sandbox.state.sentMessages().length >= killAfter ? true : undefined),
				`${killAfter} messages at the sandbox`,
				120_000,
			);
			await n8n.kill();
			const killedAt = Date.now();
			const atKill = sandbox.state.sentMessages().length;

			// Only what was on its way is uncertain: never the keys that had not left yet.
			const left = await uncertain();
			console.log(
				`[crash ${name}] killed after ${atKill} messages; ${left.length} sends uncertain (in flight at most ${sendsInFlight(RATE)})`,
			);
			expect(left.length).toBeLessThanOrEqual(sendsInFlight(RATE));

			// The trigger settles them from Meta's (the sandbox's) status webhooks once n8n is back.
			await n8n.restart();
			const accepted = new Set(sandbox.state.sentMessages().map((m) => m.to));
			await waitFor(
				async () => {
					const open = (await uncertain()).filter((s) => accepted.has(s.contact));
					return open.length === 0 ? true : undefined;
				},
				'the status webhooks to settle the uncertain sends the sandbox accepted',
				90_000,
			);

			// A claim whose request had not left when n8n died is free once its lease is over.
			const leaseOver = killedAt + CLAIM_LEASE_MS - Date.now();
			if (leaseOver > 0) await new Promise((resolve) => setTimeout(resolve, leaseOver));

			// The re-run: the same campaign, the same idempotency keys.
			const lastId = Math.max(0, ...n8n.executions(BATCH).map((e) => Number(e.id)));
			expect((await campaign()).status).toBe(200);
			const rerun = await waitFor(
				() =>
					n8n
						.executions(BATCH)
						.find(
							(e) => Number(e.id) > lastId && !['new', 'running', 'waiting'].includes(e.status),
						),
				'the re-run to end',
				5 * 60_000,
			);
			expect(rerun.status).toBe('success');

			const perContact = messagesPerContact(sandbox.state.sentMessages());
			const summary = {
				contactsWithOne: [...perContact.values()].filter((n) => n === 1).length,
				sentTwice: [...perContact.values()].filter((n) => n > 1).length,
				unsent: Array.from({ length: CONTACTS }, (_, i) => wa(i)).filter((w) => !perContact.has(w))
					.length,
				stillUncertain: (await uncertain()).length,
				answers130429: errors.take().get(130429) ?? 0,
			};
			console.log(`[crash ${name}] ${JSON.stringify(summary)}`);
			expect(summary).toEqual({
				contactsWithOne: CONTACTS,
				sentTwice: 0,
				unsent: 0,
				stillUncertain: 0,
				answers130429: 0,
			});
		},
		12 * 60_000,
	);
});
