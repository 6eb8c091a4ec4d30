/**
 * Consent you can defend, in a real n8n with the sandbox posting Meta's signed webhooks to the
 * Webhook Trigger (the "Handle STOP" example, imported unchanged):
 * - a STOP that Meta stamps in the same second as an opt-in the n8n host recorded with
 *   milliseconds wins: Send Template holds marketing, Reply in Window holds an ordinary text, and
 *   only one opt-out confirmation goes out;
 * - a delivered status that Meta sends after Contact > Erase leaves no plain number in any table
 *   of the store file in the n8n user folder.
 * Small test-only workflows run one node of the package for a POSTed body.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { startSandbox, type Sandbox, type SentMessage } from '../../sandbox/server';
import { control, postJson, sandboxCredential, webhookWorkflow } from '../../tools/n8n/fixtures';
import {
	nodeOutput,
	outputItems,
	startN8n,
	type N8nExecution,
	type N8nInstance,
	type WorkflowFixture,
} from '../../tools/n8n/n8n';
import { nodeSqlite } from '../../nodes/core/store/sqlite/nodeSqlite';

const { DatabaseSync } = nodeSqlite();

const EXAMPLES_DIR = path.resolve(__dirname, '..', '..', 'examples');
const STOP_EXAMPLE = JSON.parse(
	fs.readFileSync(path.join(EXAMPLES_DIR, 'handle-stop-and-confirm-opt-out.json'), 'utf8'),
) as WorkflowFixture;
const TRIGGER_PATH = 'whatsapp-optout';
const MANAGER = 'n8n-nodes-whatsapp-compliance.whatsAppOptInManager';
const CONFIRMATION =
	"You're unsubscribed: Sandbox Shop will not send you any more messages on WhatsApp. Changed your mind? Reply START.";
/** Meta's delivered status for a reply comes this long after it: after the erasure. */
const DELIVERED_AFTER_MS = 8000;

const anna = { phone: '+4915112348801', waId: '4915112348801', name: 'Anna' };
const ben = { phone: '+4915112348802', waId: '4915112348802', name: 'Ben' };

/** The test-only workflows, one node of the package each. */
const nodes = {
	optIn: webhookWorkflow('e2eConsentOptIn', 'e2e: opt in', 'e2e-consent-opt-in', {
		name: 'Opt-in Manager',
		type: MANAGER,
		parameters: {
			resource: 'consent',
			operation: 'optIn',
			contact: '={{ $json.body.contact }}',
			purposes: ['marketing', 'transactional'],
			wording: 'Yes, send me news and offers from Sandbox Shop on WhatsApp.',
			options: { time: '={{ $json.body.time }}' },
		},
	}),
	erase: webhookWorkflow('e2eConsentErase', 'e2e: erase', 'e2e-consent-erase', {
		name: 'Opt-in Manager',
		type: MANAGER,
		parameters: { resource: 'contact', operation: 'erase', contact: '={{ $json.body.contact }}' },
	}),
	marketing: webhookWorkflow('e2eConsentRestock', 'e2e: back in stock', 'e2e-consent-restock', {
		name: 'Send Template',
		type: 'n8n-nodes-whatsapp-compliance.whatsAppSendTemplate',
		parameters: {
			recipient: '={{ $json.body.contact }}',
			template: { __rl: true, mode: 'list', value: 'back_in_stock|en' },
			variables: {
				mappingMode: 'defineBelow',
				value: {
					'header.image': 'https://shop.example/trail-runner.jpg',
					'body.first_name': 'Anna',
					'body.product': 'the Trail Runner 2',
					'body.ship_date': 'tomorrow',
				},
				matchingColumns: [],
				schema: [],
			},
			options: { idempotencyKey: '={{ $json.body.key }}' },
		},
	}),
	reply: webhookWorkflow('e2eConsentReply', 'e2e: reply', 'e2e-consent-reply', {
		name: 'Reply in Window',
		type: 'n8n-nodes-whatsapp-compliance.whatsAppReplyInWindow',
		parameters: {
			recipient: '={{ $json.body.contact }}',
			messageType: 'text',
			text: '={{ $json.body.text }}',
			options: {
				idempotencyKey: '={{ $json.body.key }}',
				optOutConfirmation: '={{ $json.body.confirmation === true }}',
			},
		},
	}),
};

let sandbox: Sandbox;
let n8n: N8nInstance;

beforeAll(async () => {
	sandbox = await startSandbox({
		statusDelaysMs: { sent: 50, delivered: DELIVERED_AFTER_MS, read: null },
	});
	n8n = await startN8n({
		credentials: [sandboxCredential(sandbox)],
		workflows: [STOP_EXAMPLE, ...Object.values(nodes)],
	});
	sandbox.state.webhookUrl = n8n.webhookUrl(TRIGGER_PATH);
	for (const person of [anna, ben]) {
		await control(sandbox, 'POST', 'contacts', {
			wa_id: person.waId,
			name: person.name,
			country: 'DE',
		});
	}
}, 6 * 60_000);

afterAll(async () => {
	await n8n?.stop();
	await sandbox?.close();
});

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 60_000) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

/** Does `action` and returns the execution of `workflowId` it started, ended in success. */
async function executionOf(
	workflowId: string,
	action: () => Promise<unknown>,
): Promise<N8nExecution> {
	const before = n8n.executions(workflowId).length;
	await action();
	const ended = await n8n.waitForExecutions(workflowId, before + 1, 60_000);
	const execution = ended[before];
	expect({ workflowId, status: execution.status }).toEqual({ workflowId, status: 'success' });
	return execution;
}

/** Runs one of the test-only workflows for `body`. */
async function run(workflow: WorkflowFixture, body: IDataObject): Promise<N8nExecution> {
	const webhookPath = String((workflow.nodes[0].parameters as IDataObject).path);
	return await executionOf(workflow.id, async () => {
		const answer = await postJson(n8n.webhookUrl(webhookPath), body);
		expect(answer.status).toBe(200);
	});
}

/** The contact writes `text`, stamped by the sandbox as Meta stamps it: in whole seconds. */
async function says(waId: string, text: string, agoMs = 0): Promise<N8nExecution> {
	return await executionOf(STOP_EXAMPLE.id, () =>
		control(sandbox, 'POST', `contacts/${waId}/say`, { text, ago: agoMs }),
	);
}

function sentTo(waId: string): SentMessage[] {
	return sandbox.state.sentMessages({ to: waId });
}

/** Every row of every table of the store file in the n8n user folder, through a reader. */
function storeTables(): Record<string, Array<Record<string, unknown>>> {
	const file = path.join(n8n.userFolder, '.n8n', 'whatsapp-compliance.sqlite');
	const db = new DatabaseSync(file, { readOnly: true });
	try {
		const tables = db
			.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
			.all()
			.map((row) => String(row.name));
		return Object.fromEntries(
			tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}"`).all() as Record<string, unknown>[]]),
		);
	} finally {
		db.close();
	}
}

describe('opt-out wins within the clock allowance, in a real n8n', () => {
	it('lets a STOP stamped in the same second as the opt-in win: marketing and an ordinary reply are held, one confirmation goes out', async () => {
		// The host records the opt-in at .900 of this second; Meta stamps the STOP the contact sends
		// right after it with the same second, .000: it looks 900 ms older than the opt-in.
		const second = Math.floor(Date.now() / 1000) * 1000;
		const optIn = await run(nodes.optIn, {
			contact: anna.phone,
			time: new Date(second + 900).toISOString(),
		});
		expect(outputItems(optIn, 'Opt-in Manager', 0)).toEqual([
			expect.objectContaining({ applied: true, status: 'opted_in' }),
		]);

		const stop = await says(anna.waId, 'STOP', Math.max(0, Date.now() - (second + 100)));
		const [message] = nodeOutput(stop, 'WhatsApp Webhook Trigger');
		expect(message.timestampMs).toBe(second);
		expect(message.consentAfter).toMatchObject({
			fullOptOut: { at: second + 900, source: 'keyword' },
			canReceive: { marketing: false, utility: false },
		});
		expect(outputItems(stop, 'Confirm Opt-Out', 0)).toEqual([
			expect.objectContaining({ result: 'sent' }),
		]);

		const restock = await run(nodes.marketing, { contact: anna.phone, key: 'restock-anna' });
		expect(outputItems(restock, 'Send Template', 0)).toEqual([]);
		expect(outputItems(restock, 'Send Template', 1)).toEqual([
			expect.objectContaining({ result: 'skipped', reason: 'opted_out', to: anna.phone }),
		]);

		const reply = await run(nodes.reply, {
			contact: anna.phone,
			key: 'reply-anna',
			text: 'Our spring sale starts today!',
		});
		expect(outputItems(reply, 'Reply in Window', 0)).toEqual([]);
		expect(outputItems(reply, 'Reply in Window', 1)).toEqual([
			expect.objectContaining({ result: 'skipped', reason: 'opted_out', rule: 'opt-out wins' }),
		]);

		// The one confirmation per opt-out went out above; another one is held.
		const again = await run(nodes.reply, {
			contact: anna.phone,
			key: 'confirm-anna-again',
			text: 'Really, you are unsubscribed.',
			confirmation: true,
		});
		expect(outputItems(again, 'Reply in Window', 1)).toEqual([
			expect.objectContaining({
				reason: 'opt_out_confirmed',
			}),
		]);

		const sent = sentTo(anna.waId);
		expect(sent.map((m) => (m.payload as { text?: { body?: string } }).text?.body)).toEqual([
			CONFIRMATION,
		]);
	}, 120_000);
});

describe('erasure stays erased, in a real n8n', () => {
	it('keeps a delivered status Meta sends after Contact > Erase without the plain number, in every table', async () => {
		await run(nodes.optIn, { contact: ben.phone, time: new Date().toISOString() });
		await says(ben.waId, 'Hi, where is my parcel?');
		const reply = await run(nodes.reply, {
			contact: ben.phone,
			key: 'reply-ben',
			text: 'It ships today.',
		});
		const [sent] = outputItems(reply, 'Reply in Window', 0);
		const wamid = String(sent.wamid);
		expect(JSON.stringify(storeTables())).toContain(ben.waId);

		const erase = await run(nodes.erase, { contact: ben.phone });
		const [report] = outputItems(erase, 'Opt-in Manager', 0);
		expect(report).toMatchObject({ erased: true, alreadySuppressed: false });
		const erasedAt = erase.stoppedAt!.getTime();

		// Meta's delivered status of the reply, with its pricing, arrives after the erasure.
		const delivered = await waitFor(
			() =>
				sandbox.state
					.webhookDeliveries()
					.find(
						(d) => d.summary.startsWith(`status delivered of ${wamid}`) && d.state === 'delivered',
					),
			`the delivered status of ${wamid}`,
			DELIVERED_AFTER_MS + 30_000,
		);
		expect(Date.parse(delivered.attempts[0].at)).toBeGreaterThan(erasedAt);
		expect(delivered.attempts.map((a) => a.status)).toEqual([200]);

		const tables = storeTables();
		expect(JSON.stringify(tables)).not.toContain(ben.waId);
		// Recorded for the bill under the salted hash only.
		expect(tables.cost_ledger.filter((row) => row.wamid === wamid)).toEqual([
			expect.objectContaining({ contact: report.contactHash }),
		]);
		expect(tables.suppression.map((row) => row.contact_hash)).toContain(report.contactHash);
	}, 120_000);
});

describe('the embedded store on the Node n8n runs on', () => {
	it("prints no warning about node:sqlite in n8n's output (Node 22 marks it experimental)", async () => {
		// An opt-in opens the SQLite store in the n8n user folder, in n8n's own process.
		await run(nodes.optIn, { contact: '+4915112348803', time: new Date().toISOString() });
		expect(fs.existsSync(path.join(n8n.userFolder, '.n8n', 'whatsapp-compliance.sqlite'))).toBe(
			true,
		);
		expect(n8n.logs()).not.toMatch(/SQLite is an experimental feature|ExperimentalWarning/);
	}, 60_000);
});
