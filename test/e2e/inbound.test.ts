/**
 * The inbound side and consent in a real n8n: Meta's handshake and signatures through n8n's
 * production webhook, one execution per event however often Meta delivers it, a contact's STOP
 * confirmed by the "Handle STOP" example, and the double opt-in of the "web form" example from
 * the form post to the contact's tap. The examples are imported unchanged from examples/; two
 * small test-only workflows ask the Opt-in Manager what the store now says about a contact.
 * Meta's 16 webhook examples (its OpenAPI spec) go to a third one, a trigger on every kind.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { metaJson, signatureOf, startSandbox, type Sandbox } from '../../sandbox/server';
import {
	nodeOutput,
	startN8n,
	type N8nExecution,
	type CredentialFixture,
	type N8nInstance,
	type WorkflowFixture,
} from '../../tools/n8n/n8n';
import { WHATSAPP_EVENT_KINDS } from '../../nodes/core/webhook/events';
import { control, sandboxCredential, SANDBOX_CREDENTIAL_ID } from '../../tools/n8n/fixtures';
import { describeWithMetaSpec, metaWebhookExamples } from '../support/metaSpec';
import { webhookPosts } from '../support/metaWebhooks';
import { outputItems } from '../../tools/n8n/n8n';

const EXAMPLES_DIR = path.resolve(__dirname, '..', '..', 'examples');
const STOP_EXAMPLE = 'handle-stop-and-confirm-opt-out.json';
const DOI_EXAMPLE = 'opt-in-from-web-form-with-double-opt-in.json';
const TRIGGER_PATH = 'whatsapp-optout';
const SECOND_WORKFLOW_PATH = 'whatsapp-optout-second';
const FORM_PATH = 'newsletter-signup';
const STATUS_PATH = 'e2e-consent-status';
const HISTORY_PATH = 'e2e-consent-history';
const META_EXAMPLES_PATH = 'e2e-meta-webhook-examples';
/**
 * Meta's examples come from an app of their own: a credential with another app secret, so the
 * trigger that gets them shares no events with the STOP example's app (every trigger of one app
 * gets each of its events), and their signatures are made with this secret.
 */
const META_EXAMPLES_CREDENTIAL = { id: 'e2eMetaExamplesApp', name: "Meta's examples app" };
const META_EXAMPLES_APP_SECRET = 'meta-examples-app-secret';
const TRIGGER_NODE = 'WhatsApp Webhook Trigger';
/** The verify token of the sandbox credential (tools/n8n/fixtures.ts). */
const VERIFY_TOKEN = 'sandbox-verify-token';

/** Seed contacts (sandbox/seed.json). */
const LENA = '4915112345601';
const JONAS = '4917612345602';
const JUERGEN = '4915208765403';
const JOAO = '5511987654321';

const STOP_REPLY = /^You're unsubscribed/;
const CONSENT_TEXT =
	'Yes, send me news and offers from Sandbox Shop on WhatsApp. I can unsubscribe at any time.';

const ENDED = new Set(['success', 'error', 'canceled', 'crashed']);

function nodeRan(execution: N8nExecution, nodeName: string): boolean {
	return (execution.data?.resultData.runData[nodeName]?.length ?? 0) > 0;
}

function loadExample(file: string): WorkflowFixture {
	return JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8')) as WorkflowFixture;
}

/** The STOP example once more in a second workflow of the same app: its own trigger, the same reply. */
function secondWorkflowCopy(example: WorkflowFixture): WorkflowFixture {
	return {
		...example,
		id: 'e2eHandleStop2nd',
		name: `${example.name} (second workflow)`,
		nodes: example.nodes.map((node) =>
			node.name === TRIGGER_NODE
				? {
						...node,
						webhookId: 'e2e-second-workflow-trigger',
						parameters: { ...(node.parameters as IDataObject), path: SECOND_WORKFLOW_PATH },
					}
				: node,
		),
	};
}

/**
 * A Webhook node (POST { contact }) answered with the first item of one Opt-in Manager operation
 * on the embedded store, the store every workflow of the instance shares.
 */
function consentLookup(
	id: string,
	name: string,
	webhookPath: string,
	manager: IDataObject,
): WorkflowFixture {
	return {
		id,
		name,
		nodes: [
			{
				id: `${id}-webhook`,
				name: 'Lookup',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: `${id}-webhook-id`,
				parameters: {
					httpMethod: 'POST',
					path: webhookPath,
					responseMode: 'lastNode',
					options: {},
				},
			},
			{
				id: `${id}-manager`,
				name: 'Opt-in Manager',
				type: 'n8n-nodes-whatsapp-compliance.whatsAppOptInManager',
				typeVersion: 1,
				position: [220, 0],
				parameters: { contact: '={{ $json.body.contact }}', ...manager },
			},
		],
		connections: { Lookup: { main: [[{ node: 'Opt-in Manager', type: 'main', index: 0 }]] } },
	};
}

function metaExamplesCredential(sandbox: Sandbox): CredentialFixture {
	const credential = sandboxCredential(sandbox);
	return {
		...credential,
		...META_EXAMPLES_CREDENTIAL,
		data: { ...credential.data, appSecret: META_EXAMPLES_APP_SECRET },
	};
}

/** A WhatsApp Webhook Trigger on every event kind, alone: its executions show what it emitted. */
function everyKindTrigger(id: string, webhookPath: string): WorkflowFixture {
	return {
		id,
		name: `e2e: trigger on every kind (${webhookPath})`,
		nodes: [
			{
				id: `${id}-trigger`,
				name: TRIGGER_NODE,
				type: 'n8n-nodes-whatsapp-compliance.whatsAppWebhookTrigger',
				typeVersion: 1,
				position: [0, 0],
				webhookId: `${id}-trigger-id`,
				parameters: { path: webhookPath, triggerOn: [...WHATSAPP_EVENT_KINDS], options: {} },
				credentials: { whatsAppCloudApi: META_EXAMPLES_CREDENTIAL },
			},
		],
		connections: {},
	};
}

async function waitFor<T>(
	probe: () => T | undefined | Promise<T | undefined>,
	what: string,
	timeoutMs = 60_000,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined && value !== false) return value;
		if (Date.now() > deadline)
			throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

interface Envelope {
	readonly body: string;
	readonly messageIds: string[];
}

/** A `messages` webhook with one text message per entry of `texts`, as Meta escapes it. */
function messagesWebhook(
	sandbox: Sandbox,
	texts: ReadonlyArray<{ from: string; name: string; text: string }>,
): Envelope {
	const phone = sandbox.state.phoneNumbers[0];
	const timestamp = String(Math.floor(Date.now() / 1000));
	const messages = texts.map(({ from, text }) => ({
		from,
		id: `wamid.e2e${randomBytes(12).toString('hex')}`,
		timestamp,
		type: 'text',
		text: { body: text },
	}));
	const envelope = {
		object: 'whatsapp_business_account',
		entry: [
			{
				id: sandbox.state.businessAccount.id,
				changes: [
					{
						field: 'messages',
						value: {
							messaging_product: 'whatsapp',
							metadata: {
								display_phone_number: phone.display_phone_number.replace(/\D/g, ''),
								phone_number_id: phone.id,
							},
							contacts: texts.map(({ from, name }) => ({ profile: { name }, wa_id: from })),
							messages,
						},
					},
				],
			},
		],
	};
	return { body: metaJson(envelope), messageIds: messages.map((m) => m.id) };
}

describe('inbound webhooks and consent in a real n8n', () => {
	let sandbox: Sandbox;
	let n8n: N8nInstance;
	const stopExample = loadExample(STOP_EXAMPLE);
	const doiExample = loadExample(DOI_EXAMPLE);
	const secondWorkflow = secondWorkflowCopy(stopExample);
	const metaExamples = everyKindTrigger('e2eMetaWebhookExamples', META_EXAMPLES_PATH);

	beforeAll(async () => {
		sandbox = await startSandbox();
		n8n = await startN8n({
			credentials: [sandboxCredential(sandbox), metaExamplesCredential(sandbox)],
			workflows: [
				stopExample,
				doiExample,
				secondWorkflow,
				metaExamples,
				consentLookup('e2eConsentStatus', 'e2e: consent status', STATUS_PATH, {
					resource: 'consent',
					operation: 'getStatus',
				}),
				consentLookup('e2eConsentTrail1', 'e2e: consent history', HISTORY_PATH, {
					resource: 'contact',
					operation: 'getHistory',
					output: 'trail',
				}),
			],
		});
		// Meta posts to the callback URL of the app: here the Handle STOP example's trigger.
		sandbox.state.webhookUrl = n8n.webhookUrl(TRIGGER_PATH);
	}, 6 * 60_000);

	afterAll(async () => {
		await n8n?.stop();
		await sandbox?.close();
	});

	/** POSTs a body to the trigger as Meta would, signed with `secret` (the app secret unless given). */
	async function deliver(
		body: string,
		secret = sandbox.state.options.appSecret,
	): Promise<{ status: number; json: IDataObject }> {
		const response = await fetch(n8n.webhookUrl(TRIGGER_PATH), {
			method: 'POST',
			headers: {
				'content-type': 'application/json',
				'x-hub-signature-256': signatureOf(body, secret),
			},
			body,
		});
		return { status: response.status, json: (await response.json()) as IDataObject };
	}

	/** The ended executions of the STOP example (or `workflowId`) whose trigger emitted this message. */
	function executionsWith(messageId: string, workflowId = stopExample.id): N8nExecution[] {
		return n8n
			.executions(workflowId)
			.filter((e) => ENDED.has(e.status))
			.filter((e) => triggerItems(e).some((item) => item.messageId === messageId));
	}

	function triggerItems(execution: N8nExecution): IDataObject[] {
		return nodeRan(execution, TRIGGER_NODE) ? nodeOutput(execution, TRIGGER_NODE) : [];
	}

	async function executionWith(
		messageId: string,
		workflowId = stopExample.id,
	): Promise<N8nExecution> {
		const [execution] = await waitFor(() => {
			const found = executionsWith(messageId, workflowId);
			return found.length > 0 ? found : undefined;
		}, `an execution of workflow ${workflowId} with message ${messageId}`);
		return execution;
	}

	async function lookup(webhookPath: string, contact: string): Promise<IDataObject> {
		const response = await fetch(n8n.webhookUrl(webhookPath), {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ contact }),
		});
		expect(response.status).toBe(200);
		return (await response.json()) as IDataObject;
	}

	describe("Meta's handshake", () => {
		it('answers the verification GET with hub.challenge as plain text', async () => {
			const url = new URL(n8n.webhookUrl(TRIGGER_PATH));
			url.search = new URLSearchParams({
				'hub.mode': 'subscribe',
				'hub.verify_token': VERIFY_TOKEN,
				'hub.challenge': '1158201444',
			}).toString();
			const response = await fetch(url);
			expect(response.status).toBe(200);
			expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
			expect(await response.text()).toBe('1158201444');
		});

		it('refuses a verification GET with the wrong verify token with 403', async () => {
			const url = new URL(n8n.webhookUrl(TRIGGER_PATH));
			url.search = new URLSearchParams({
				'hub.mode': 'subscribe',
				'hub.verify_token': 'not-the-token',
				'hub.challenge': '1158201444',
			}).toString();
			const response = await fetch(url);
			expect(response.status).toBe(403);
			expect(await response.text()).not.toContain('1158201444');
		});
	});

	describe('signatures', () => {
		it('refuses a forged signature with 401, records nothing and starts no execution', async () => {
			const forged = messagesWebhook(sandbox, [
				{ from: '4915799990001', name: 'Mallory', text: 'Forged hello' },
			]);
			const before = n8n.executions(stopExample.id).map((e) => e.id);

			const answer = await deliver(forged.body, 'not-the-app-secret');
			expect(answer.status).toBe(401);
			const unsigned = await fetch(n8n.webhookUrl(TRIGGER_PATH), {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: forged.body,
			});
			expect(unsigned.status).toBe(401);

			// The same bytes correctly signed are new to the trigger (nothing was recorded) and start
			// the one execution after the refused ones.
			const genuine = await deliver(forged.body);
			expect(genuine).toEqual({ status: 200, json: { received: 1, duplicates: 0 } });
			const execution = await executionWith(forged.messageIds[0]);
			expect(n8n.executions(stopExample.id).map((e) => e.id)).toEqual([...before, execution.id]);
		});

		it('starts one execution with one item per event for a validly signed webhook', async () => {
			const webhook = messagesWebhook(sandbox, [
				{ from: '4915799990002', name: 'Ada', text: 'Is the shop open on Sunday?' },
				{ from: '4915799990003', name: 'Grace', text: 'Do you ship to Austria?' },
			]);
			expect(await deliver(webhook.body)).toEqual({
				status: 200,
				json: { received: 2, duplicates: 0 },
			});
			const execution = await executionWith(webhook.messageIds[0]);
			expect(execution.status).toBe('success');
			expect(triggerItems(execution)).toEqual([
				expect.objectContaining({
					kind: 'message',
					messageId: webhook.messageIds[0],
					contact: '4915799990002',
					contactName: 'Ada',
					text: 'Is the shop open on Sunday?',
				}),
				expect.objectContaining({
					kind: 'message',
					messageId: webhook.messageIds[1],
					contact: '4915799990003',
					contactName: 'Grace',
					text: 'Do you ship to Austria?',
				}),
			]);
			// Neither message is an opt-out: the IF sends both to its false output, nothing is sent.
			expect(nodeRan(execution, 'Confirm Opt-Out')).toBe(false);
		});

		it("passes a non-ASCII message signed over Meta's escaped bytes through intact", async () => {
			const text = 'Grüße 👋 aus Köln / Straße 5, 100% <sicher> @home';
			const sent = await control<{ id: string }>(sandbox, 'POST', `contacts/${JUERGEN}/say`, {
				text,
			});
			const execution = await executionWith(sent.id);
			// The sandbox records n8n's answer once it has read it, which may be after the execution.
			const delivery = await waitFor(
				() =>
					sandbox.state
						.webhookDeliveries()
						.find((d) => d.body.includes(sent.id) && d.state !== 'pending'),
				'the delivery to be answered',
			);
			// What was signed: Meta's escapes, ASCII only.
			expect(delivery.body).toContain('Gr\\u00fc\\u00dfe \\ud83d\\udc4b aus K\\u00f6ln \\/ Stra');
			expect(delivery.body).toContain('J\\u00fcrgen M\\u00fcller');
			expect(delivery.attempts.map((a) => a.status)).toEqual([200]);
			expect(triggerItems(execution)).toEqual([
				expect.objectContaining({ messageId: sent.id, text, contactName: 'Jürgen Müller' }),
			]);
		});
	});

	describe('a change with an invalid field', () => {
		it('records and emits the rest of the webhook, answers 200 and logs the change it dropped', async () => {
			const webhook = messagesWebhook(sandbox, [
				{ from: '4915799990006', name: 'Hedy', text: 'Is my order on its way?' },
			]);
			// A blank quality rating: the store refuses it (before: the whole body answered 500, and
			// Meta retried it for days).
			const envelope = JSON.parse(webhook.body) as {
				entry: Array<{ changes: Array<{ field: string; value: IDataObject }> }>;
			};
			envelope.entry[0].changes.push({
				field: 'message_template_quality_update',
				value: {
					previous_quality_score: 'GREEN',
					new_quality_score: ' ',
					message_template_id: 1689556908129832,
					message_template_name: 'winter_sale',
					message_template_language: 'de',
				},
			});
			// The STOP example triggers on messages only: the quality event is recorded, not emitted.
			expect(await deliver(metaJson(envelope))).toEqual({
				status: 200,
				json: { received: 2, duplicates: 0 },
			});
			const execution = await executionWith(webhook.messageIds[0]);
			expect(execution.status).toBe('success');
			expect(triggerItems(execution)).toEqual([
				expect.objectContaining({
					kind: 'message',
					messageId: webhook.messageIds[0],
					text: 'Is my order on its way?',
				}),
			]);
			await waitFor(
				() =>
					/WhatsApp webhook recorded, but 1 change has an invalid field and changed nothing in the compliance store; the rest of the webhook was recorded: message_template_quality_update \[template_quality, evt:[^\]]+\]: standing value must be a non-empty string, got ""/.test(
						n8n.logs(),
					) || undefined,
				'the log line naming the dropped change',
			);
			// Meta's re-delivery is all duplicates, and an execution after it shows it started none.
			expect((await deliver(metaJson(envelope))).json).toEqual({ received: 0, duplicates: 2 });
			const barrier = messagesWebhook(sandbox, [
				{ from: '4915799990006', name: 'Hedy', text: 'Thanks' },
			]);
			await deliver(barrier.body);
			await executionWith(barrier.messageIds[0]);
			expect(executionsWith(webhook.messageIds[0])).toHaveLength(1);
		});
	});

	describe('duplicate deliveries', () => {
		it('starts one execution when the same delivery arrives twice', async () => {
			const webhook = messagesWebhook(sandbox, [
				{ from: '4915799990004', name: 'Linus', text: 'Hello twice' },
			]);
			expect((await deliver(webhook.body)).json).toEqual({ received: 1, duplicates: 0 });
			expect((await deliver(webhook.body)).json).toEqual({ received: 0, duplicates: 1 });
			await executionWith(webhook.messageIds[0]);

			// An execution after the duplicate proves the duplicate started none of its own.
			const barrier = messagesWebhook(sandbox, [
				{ from: '4915799990004', name: 'Linus', text: 'And once more' },
			]);
			await deliver(barrier.body);
			await executionWith(barrier.messageIds[0]);
			expect(executionsWith(webhook.messageIds[0])).toHaveLength(1);
		});

		it('starts one execution when copies of a delivery arrive at the same moment', async () => {
			const webhook = messagesWebhook(sandbox, [
				{ from: '4915799990005', name: 'Margaret', text: 'Hello from five copies' },
			]);
			const answers = await Promise.all(Array.from({ length: 5 }, () => deliver(webhook.body)));
			expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
			expect(answers.filter((a) => a.json.received === 1)).toHaveLength(1);
			expect(answers.filter((a) => a.json.duplicates === 1)).toHaveLength(4);
			await executionWith(webhook.messageIds[0]);

			const barrier = messagesWebhook(sandbox, [
				{ from: '4915799990005', name: 'Margaret', text: 'After the copies' },
			]);
			await deliver(barrier.body);
			await executionWith(barrier.messageIds[0]);
			expect(executionsWith(webhook.messageIds[0])).toHaveLength(1);
		});
	});

	describe('STOP (the "Handle STOP and confirm the opt-out" example)', () => {
		it('records the opt-out, confirms it to the contact and the Opt-in Manager reports it', async () => {
			const stop = await control<{ id: string }>(sandbox, 'POST', `contacts/${LENA}/say`, {
				text: 'STOP',
			});
			const execution = await executionWith(stop.id);
			expect(execution.status).toBe('success');
			expect(triggerItems(execution)).toEqual([
				expect.objectContaining({
					messageId: stop.id,
					consentChanges: [
						{ purpose: '*', action: 'opt_out', source: 'keyword' },
						{ purpose: 'marketing', action: 'opt_out', source: 'keyword' },
					],
					consentAfter: expect.objectContaining({
						fullOptOut: expect.objectContaining({ source: 'keyword' }),
					}),
				}),
			]);
			const [confirmation] = nodeOutput(execution, 'Confirm Opt-Out');
			expect(confirmation).toMatchObject({ result: 'sent', messageType: 'text' });
			const wamid = confirmation.wamid;

			// The confirmation reached the contact, and it is the only message they got.
			const sent = sandbox.state.sentMessages({ to: LENA });
			expect(sent).toHaveLength(1);
			expect(sent[0]).toMatchObject({ id: wamid, type: 'text', window_open: true });
			expect((sent[0].payload.text as IDataObject).body).toMatch(STOP_REPLY);

			const status = await lookup(STATUS_PATH, `+${LENA}`);
			expect(status).toMatchObject({
				contact: LENA,
				fullOptOut: { source: 'keyword' },
				canReceive: { marketing: false, utility: false },
			});
			expect(status.purposes).toEqual(
				expect.arrayContaining([
					expect.objectContaining({ purpose: '*', status: 'opted_out', source: 'keyword' }),
					expect.objectContaining({ purpose: 'marketing', status: 'opted_out' }),
				]),
			);
		});
	});

	describe('one app, two workflows', () => {
		it('confirms a STOP once when two workflows with the same reply both receive it', async () => {
			// Meta posts to the app's one callback URL (the example's trigger); the copy's trigger
			// gets the same event from it.
			expect(sandbox.state.webhookUrls).toEqual([n8n.webhookUrl(TRIGGER_PATH)]);
			try {
				const stop = await control<{ id: string }>(sandbox, 'POST', `contacts/${JOAO}/say`, {
					text: 'Parar, por favor',
				});
				const executions = [
					await executionWith(stop.id),
					await executionWith(stop.id, secondWorkflow.id),
				];
				expect(executions.map((e) => e.status)).toEqual(['success', 'success']);
				// Each trigger emitted its copy once, and both saw the opt-out it caused.
				for (const execution of executions) {
					expect(triggerItems(execution)).toEqual([
						expect.objectContaining({
							messageId: stop.id,
							consentChanges: expect.arrayContaining([
								{ purpose: '*', action: 'opt_out', source: 'keyword' },
							]),
						}),
					]);
				}
				const sent = sandbox.state.sentMessages({ to: JOAO });
				expect(sent).toHaveLength(1);
				expect((sent[0].payload.text as IDataObject).body).toMatch(STOP_REPLY);
				// The other reply found the idempotency key taken: already sent, or held while the
				// first was on its way.
				const outcomes = executions.flatMap((e) => [
					...outputItems(e, 'Confirm Opt-Out', 0).map((i) => String(i.result)),
					...outputItems(e, 'Confirm Opt-Out', 1).map((i) => `held: ${String(i.reason)}`),
				]);
				expect(outcomes).toHaveLength(2);
				expect(outcomes.filter((o) => o === 'sent')).toHaveLength(1);
				expect(outcomes.filter((o) => o !== 'sent')).toEqual([
					expect.stringMatching(/^duplicate$|^held: /),
				]);
			} finally {
				sandbox.state.webhookUrl = n8n.webhookUrl(TRIGGER_PATH);
			}
		});
	});

	describe('double opt-in (the "Opt-in from a web form" example)', () => {
		it('answers a form post with an invalid number with 422', async () => {
			const response = await fetch(n8n.webhookUrl(FORM_PATH), {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ phone: '12', name: 'Nobody', consentText: CONSENT_TEXT }),
			});
			expect(response.status).toBe(422);
			expect(await response.json()).toMatchObject({ status: 'invalid' });
		});

		it('goes from the form post to pending, the confirmation request, the tap and the opt-in', async () => {
			const form = {
				phone: '+49 176 12345602',
				name: 'Jonas Weber',
				consentText: CONSENT_TEXT,
				pageUrl: 'https://shop.example.com/newsletter',
			};
			const userAgent = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
			const response = await fetch(n8n.webhookUrl(FORM_PATH), {
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					'user-agent': userAgent,
					'x-forwarded-for': '203.0.113.7, 10.0.0.2',
				},
				body: JSON.stringify(form),
			});
			expect(response.status).toBe(200);
			expect(await response.json()).toMatchObject({ status: 'pending' });

			// The workflow answered after the send: the sandbox has the confirmation request.
			const [request] = sandbox.state.sentMessages({ to: JONAS });
			expect(request).toMatchObject({
				type: 'template',
				template: { name: 'consent_confirmation', language: 'en', category: 'UTILITY' },
				quick_replies: [
					{ index: 0, text: 'Yes, subscribe', payload: 'CONFIRM_OPT_IN' },
					{ index: 1, text: 'No', payload: 'No' },
				],
			});
			expect(JSON.stringify(request.rendered)).toContain('Hi Jonas');

			const pending = await lookup(STATUS_PATH, form.phone);
			expect(pending).toMatchObject({ contact: JONAS, canReceive: { marketing: false } });
			expect(pending.purposes).toEqual([
				expect.objectContaining({ purpose: 'marketing', status: 'pending', source: 'web_form' }),
			]);

			// Meta's message timestamps have whole seconds: tap in a later second than the request
			// was recorded, as any person does.
			const signup = await waitFor(
				() =>
					n8n
						.executions(doiExample.id)
						.find((e) => e.status === 'success' && nodeRan(e, 'Send Confirmation Request')),
				'the ended execution of the form post',
			);
			const recordedAt = Date.parse(String(nodeOutput(signup, 'Record Pending Opt-In')[0].time));
			await waitFor(
				() => Math.floor(Date.now() / 1000) * 1000 > recordedAt,
				'the next second',
				5_000,
			);

			const tap = await control<{ id: string }>(sandbox, 'POST', `contacts/${JONAS}/tap`, {
				payload: 'Yes, subscribe',
			});
			const tapExecution = await executionWith(tap.id);
			expect(triggerItems(tapExecution)).toEqual([
				expect.objectContaining({
					messageType: 'button',
					buttonPayload: 'CONFIRM_OPT_IN',
					consentChanges: [{ purpose: 'marketing', action: 'confirm', source: 'button' }],
				}),
			]);
			// A confirmation is no opt-out: the STOP example sends nothing.
			expect(nodeRan(tapExecution, 'Confirm Opt-Out')).toBe(false);

			const confirmed = await lookup(STATUS_PATH, form.phone);
			expect(confirmed).toMatchObject({
				contact: JONAS,
				fullOptOut: null,
				canReceive: { marketing: true, utility: true },
			});
			expect(confirmed.purposes).toEqual([
				expect.objectContaining({
					purpose: 'marketing',
					status: 'opted_in',
					confirmedAt: expect.any(String),
				}),
			]);

			const history = await lookup(HISTORY_PATH, form.phone);
			expect(history.trail).toEqual([
				expect.objectContaining({
					purpose: 'marketing',
					action: 'request_confirmation',
					source: 'web_form',
					wording: CONSENT_TEXT,
					evidence: { url: form.pageUrl, ip: '203.0.113.7', userAgent },
					applied: true,
					statusAfter: 'pending',
				}),
				expect.objectContaining({
					purpose: 'marketing',
					action: 'confirm',
					source: 'button',
					evidence: expect.objectContaining({ messageId: tap.id }),
					applied: true,
					statusAfter: 'opted_in',
				}),
			]);
		});
	});

	describeWithMetaSpec("Meta's webhook examples", (spec) => {
		// The order matters: the 3 examples that repeat the wamid of "Text Message" come after it.
		const posts = webhookPosts(metaWebhookExamples(spec));

		it(
			'accepts each of the 16 (200) and turns each into an item with its kind and fields; the 3 that repeat a wamid are duplicates until they have their own',
			async () => {
				const emitted: IDataObject[][] = [];
				for (const post of posts) {
					const body = metaJson(post.body);
					const answer = await fetch(n8n.webhookUrl(META_EXAMPLES_PATH), {
						method: 'POST',
						headers: {
							'content-type': 'application/json',
							'x-hub-signature-256': signatureOf(body, META_EXAMPLES_APP_SECRET),
						},
						body,
					});
					expect([post.name, answer.status]).toEqual([post.name, 200]);
					if (post.item === undefined) continue;
					// One execution per post that has an item; a duplicate starts none, so the count tells.
					const ended = await n8n.waitForExecutions(metaExamples.id, emitted.length + 1, 60_000);
					emitted.push(triggerItems(ended[emitted.length]));
				}
				const expected = posts.filter((post) => post.item !== undefined);
				expect(n8n.executions(metaExamples.id)).toHaveLength(expected.length);
				expect(emitted.map((items) => items.length)).toEqual(expected.map(() => 1));
				for (const [i, post] of expected.entries()) {
					expect({ name: post.name, item: emitted[i][0] }).toMatchObject({
						name: post.name,
						item: post.item,
					});
				}
			},
			5 * 60_000,
		);
	});

	it('refers to the sandbox credential the demo imports', () => {
		for (const example of [stopExample, doiExample]) {
			for (const node of example.nodes) {
				const credential = (node.credentials as IDataObject | undefined)?.whatsAppCloudApi as
					| IDataObject
					| undefined;
				if (credential) expect(credential.id).toBe(SANDBOX_CREDENTIAL_ID);
			}
		}
	});
});
