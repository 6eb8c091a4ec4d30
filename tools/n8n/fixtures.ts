/**
 * What the demo, the benchmarks and the e2e tests share besides the n8n harness: the example
 * workflows as users import them, the sandbox credential they refer to, the sandbox's control API
 * and a JSON POST to a production webhook.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { DAY } from '../../nodes/core/clock';
import type { Sandbox } from '../../sandbox/server';
import { PACKAGE_NAME, type CredentialFixture, type WorkflowFixture } from './prepare';
import { QUEUE_STORE_CREDENTIAL } from './queue';

const EXAMPLES_DIR = path.resolve(__dirname, '..', '..', 'examples');

/** The credential the example workflows refer to (scripts/demo.ts imports the same one). */
export const SANDBOX_CREDENTIAL_ID = 'waSandboxCloudApi';
export const SANDBOX_CREDENTIAL_NAME = 'WhatsApp Sandbox';

/** The WhatsApp Cloud API credential for a running sandbox, sending from its first number. */
export function sandboxCredential(sandbox: Sandbox): CredentialFixture {
	const { state } = sandbox;
	return {
		id: SANDBOX_CREDENTIAL_ID,
		name: SANDBOX_CREDENTIAL_NAME,
		type: 'whatsAppCloudApi',
		data: {
			accessToken: state.options.accessToken,
			businessAccountId: state.businessAccount.id,
			phoneNumberId: state.phoneNumbers[0].id,
			appSecret: state.options.appSecret,
			verifyToken: 'sandbox-verify-token',
			apiVersion: 'v25.0',
			baseUrl: sandbox.url,
		},
	};
}

/**
 * A WhatsApp Cloud API credential for the sandbox that sends from another of its numbers, with
 * that number's throughput as Messages Per Second (for the 1,000 msg/s tier; versions of the
 * package without that credential field ignore it and take the node's Rate Limit).
 */
export function sandboxTierCredential(
	sandbox: Sandbox,
	sender: string,
	messagesPerSecond: number,
): CredentialFixture {
	const base = sandboxCredential(sandbox);
	return {
		...base,
		id: `waSandbox${sender}`,
		name: `${SANDBOX_CREDENTIAL_NAME} (${sender}, ${messagesPerSecond}/s)`,
		data: { ...base.data, phoneNumberId: sender, messagesPerSecond },
	};
}

/**
 * The workflow with `store` as the WhatsApp Compliance Store credential of every node of the
 * package, as a user selects it in each node for queue mode. Everything else unchanged.
 */
export function withStore(
	workflow: WorkflowFixture,
	store: { readonly id: string; readonly name: string } = QUEUE_STORE_CREDENTIAL,
): WorkflowFixture {
	return {
		...workflow,
		nodes: workflow.nodes.map((node) =>
			String(node.type).startsWith(`${PACKAGE_NAME}.`)
				? {
						...node,
						credentials: {
							...(node.credentials as IDataObject | undefined),
							whatsAppComplianceStoreApi: { id: store.id, name: store.name },
						},
					}
				: node,
		),
	};
}

/**
 * Every examples/*.json, unchanged, as `n8n import:workflow` reads it. An example saved with
 * `"active": false` is imported but not published: it needs something the demo does not have
 * (the AI agent example: an OpenAI API key).
 */
export function loadExamples(): WorkflowFixture[] {
	return fs
		.readdirSync(EXAMPLES_DIR)
		.filter((file) => file.endsWith('.json'))
		.sort()
		.map((file) => {
			const workflow = JSON.parse(
				fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8'),
			) as WorkflowFixture & { active?: boolean };
			return workflow.active === false ? { ...workflow, publish: false } : workflow;
		});
}

/** The OpenAI credential the AI agent example refers to (examples/ai-support-agent-on-whatsapp.json). */
export const EXAMPLE_OPENAI_CREDENTIAL_ID = 'waExampleOpenAi';
export const EXAMPLE_OPENAI_CREDENTIAL_NAME = 'OpenAI (add your API key)';

/**
 * That credential as the user fills it in: OpenAI's own URL and no key until they add theirs (the
 * demo), or an OpenAI-compatible server's base URL and key.
 */
export function exampleOpenAiCredential(
	baseUrl = 'https://api.openai.com/v1',
	apiKey = '',
): CredentialFixture {
	return {
		id: EXAMPLE_OPENAI_CREDENTIAL_ID,
		name: EXAMPLE_OPENAI_CREDENTIAL_NAME,
		type: 'openAiApi',
		data: { apiKey, url: baseUrl },
	};
}

/** One call of the sandbox's control API (/_sandbox/...); throws with its message unless 2xx. */
export async function control<T = IDataObject>(
	sandbox: Sandbox,
	method: 'GET' | 'POST' | 'PUT',
	route: string,
	body?: IDataObject,
): Promise<T> {
	const response = await fetch(`${sandbox.url}/_sandbox/${route.replace(/^\/+/, '')}`, {
		method,
		headers: body ? { 'content-type': 'application/json' } : undefined,
		body: body ? JSON.stringify(body) : undefined,
	});
	const json = (await response.json()) as T & { error?: { message?: string } };
	if (!response.ok) {
		throw new Error(
			`Sandbox control ${method} ${route} answered ${response.status}: ${json.error?.message ?? ''}`,
		);
	}
	return json;
}

/**
 * Graph API answers per Meta error code, counted from the sandbox's request log: pass `line` as
 * the sandbox's `log` option. Counts every answer, retried ones included (130429 answers...).
 */
export class SandboxErrorCounts {
	counts = new Map<number, number>();
	line = (line: string): void => {
		const match = /-> \d{3} \(#(\d+)\)/.exec(line);
		if (!match) return;
		const code = Number(match[1]);
		this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
	};
	/** The counts since the last take(), and starts counting afresh. */
	take(): Map<number, number> {
		const counts = this.counts;
		this.counts = new Map();
		return counts;
	}
}

/**
 * Polls `probe` every 250 ms until it returns something other than undefined, and returns that;
 * throws after `timeoutMs` naming `what`, with `context()` (e.g. the last log lines).
 */
export async function waitFor<T>(
	probe: () => T | undefined | Promise<T | undefined>,
	what: string,
	timeoutMs = 60_000,
	context: () => string = () => '',
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) {
			throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}. ${context()}`.trim());
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

/** POSTs JSON to a production webhook of n8n and returns the status and the parsed answer. */
export async function postJson(
	url: string,
	body: unknown,
): Promise<{ status: number; json: unknown }> {
	const response = await fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	const text = await response.text();
	let json: unknown = text;
	try {
		json = JSON.parse(text);
	} catch {
		// n8n answers some webhooks with plain text.
	}
	return { status: response.status, json };
}

/**
 * The Webhook node that starts workflow `id` on POST `webhookPath`: answered at once
 * (`onReceived`) or with the last node's output (`lastNode`).
 */
function webhookNode(
	id: string,
	name: string,
	webhookPath: string,
	responseMode: 'onReceived' | 'lastNode',
): IDataObject {
	return {
		id: `${id}-webhook`,
		name,
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 0],
		webhookId: `${id}-webhook-id`,
		parameters: { httpMethod: 'POST', path: webhookPath, responseMode, options: {} },
	};
}

/** One consent change as the import workflow takes it (a row of a CRM export). */
export interface ConsentRow {
	/** A phone number in any common format. */
	readonly phone: string;
	/** Comma-separated purposes and topics, e.g. "marketing, back_in_stock". */
	readonly purposes: string;
	readonly status: 'opted_in' | 'pending' | 'opted_out';
	/** ISO 8601; of two changes of a purpose, the later one decides. */
	readonly time: string;
}

/**
 * A workflow that records consent the way users import it: a Webhook node (POST `{ "rows":
 * [ConsentRow...] }`, answered with the Opt-in Manager's summary once it has run), a Split Out
 * node, and the WhatsApp Opt-in Manager's Bulk > Import on the embedded store.
 */
export function consentImportWorkflow(
	id: string,
	name: string,
	webhookPath: string,
): WorkflowFixture {
	return {
		id,
		name,
		nodes: [
			webhookNode(id, 'Consent Rows', webhookPath, 'lastNode'),
			{
				id: `${id}-split`,
				name: 'One Item Per Row',
				type: 'n8n-nodes-base.splitOut',
				typeVersion: 1,
				position: [220, 0],
				parameters: { fieldToSplitOut: 'body.rows', options: {} },
			},
			{
				id: `${id}-import`,
				name: 'Import Consent',
				type: 'n8n-nodes-whatsapp-compliance.whatsAppOptInManager',
				typeVersion: 1,
				position: [440, 0],
				parameters: {
					resource: 'bulk',
					operation: 'import',
					contact: '={{ $json.phone }}',
					purposes: '={{ $json.purposes }}',
					status: '={{ $json.status }}',
					time: '={{ $json.time }}',
					source: 'web_form',
					wording: 'Yes, send me updates and offers on WhatsApp. I can unsubscribe at any time.',
				},
			},
		],
		connections: {
			'Consent Rows': { main: [[{ node: 'One Item Per Row', type: 'main', index: 0 }]] },
			'One Item Per Row': { main: [[{ node: 'Import Consent', type: 'main', index: 0 }]] },
		},
	};
}

/** Contact `i` of the batch workflows: a German mobile number ("+49170..."); its wa_id without "+". */
export const batchPhone = (i: number): string => `+49170${String(2000000 + i)}`;

/**
 * Consent rows for batch contacts `first` to `first + count - 1` (batchPhone): transactional
 * opt-ins of a day ago, for consentImportWorkflow.
 */
export function batchConsentRows(count: number, first = 0): ConsentRow[] {
	const time = new Date(Date.now() - DAY).toISOString();
	return Array.from({ length: count }, (_, i) => ({
		phone: batchPhone(first + i),
		purposes: 'transactional',
		status: 'opted_in',
		time,
	}));
}

/** How many messages each recipient (wa_id) got, of the messages the sandbox accepted. */
export function messagesPerContact(messages: ReadonlyArray<{ to: string }>): Map<string, number> {
	const perContact = new Map<string, number>();
	for (const message of messages) {
		perContact.set(message.to, (perContact.get(message.to) ?? 0) + 1);
	}
	return perContact;
}

/**
 * The body of a batch workflow's webhook: contacts `first` to `first + count - 1` (batchPhone),
 * idempotency keys `<runId>-<i>`, sent from `sender`. `rate` sets the node's Rate Limit where the
 * node reads it; `withPayload` adds the Cloud API payload for the HTTP Request node.
 */
export interface BatchRequest {
	readonly count: number;
	/** @default 0 */
	readonly first?: number;
	readonly sender: string;
	readonly runId: string;
	readonly rate?: number;
	readonly withPayload?: boolean;
}

/** Code node: the batch, as a CRM export would give it; with `payload` for the HTTP Request node. */
const GENERATE_ITEMS = `const { count, first = 0, sender, rate, runId, withPayload } = $input.first().json.body;
const items = [];
for (let i = first; i < first + count; i++) {
  const phone = '+49170' + String(2000000 + i);
  const orderId = runId + '-' + i;
  const json = { phone, orderId, firstName: 'Kim', deliveryDate: 'Friday, 14 March', sender, rate };
  if (withPayload) {
    json.payload = {
      messaging_product: 'whatsapp',
      to: phone,
      type: 'template',
      template: {
        name: 'order_update',
        language: { code: 'en' },
        components: [
          { type: 'header', parameters: [{ type: 'text', text: orderId }] },
          { type: 'body', parameters: [
            { type: 'text', text: 'Kim' },
            { type: 'text', text: orderId },
            { type: 'text', text: 'Friday, 14 March' },
          ] },
          { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: orderId }] },
        ],
      },
    };
  }
  items.push({ json });
}
return items;`;

/**
 * Webhook (POST a BatchRequest, answered at once) -> Code (one item per contact) -> `send`, the
 * node under test (its type, parameters and credentials; id, name and position are set here as
 * "Send").
 */
export function batchWorkflow(
	id: string,
	name: string,
	webhookPath: string,
	send: IDataObject,
): WorkflowFixture {
	return {
		id,
		name,
		nodes: [
			webhookNode(id, 'Start', webhookPath, 'onReceived'),
			{
				id: `${id}-code`,
				name: 'Items',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: [220, 0],
				parameters: { jsCode: GENERATE_ITEMS },
			},
			{ ...send, id: `${id}-send`, name: 'Send', position: [440, 0] },
		],
		connections: {
			Start: { main: [[{ node: 'Items', type: 'main', index: 0 }]] },
			Items: { main: [[{ node: 'Send', type: 'main', index: 0 }]] },
		},
	};
}

/**
 * WhatsApp Send Template with the seed's utility template order_update to `$json.phone`, from
 * `$json.sender`, Idempotency Key `$json.orderId`. With `rateLimit: 'fromItem'` its Rate Limit is
 * `$json.rate`; by default the option is left out, as most users leave it. Its Cloud API
 * credential is `credential` (default: sandboxCredential's).
 */
export function sendTemplateNode(
	options: {
		rateLimit?: 'fromItem';
		credential?: CredentialFixture;
		dryRun?: boolean;
		/** Options > Sent Output. @default the node's (everyItem) */
		sentOutput?: string;
	} = {},
): IDataObject {
	const credential = options.credential ?? {
		id: SANDBOX_CREDENTIAL_ID,
		name: SANDBOX_CREDENTIAL_NAME,
	};
	return {
		type: `${PACKAGE_NAME}.whatsAppSendTemplate`,
		typeVersion: 1,
		parameters: {
			senderNumber: { __rl: true, mode: 'id', value: '={{ $json.sender }}' },
			recipient: '={{ $json.phone }}',
			template: { __rl: true, mode: 'list', value: 'order_update|en' },
			variables: {
				mappingMode: 'defineBelow',
				value: {
					'header.text.1': '={{ $json.orderId }}',
					'body.1': '={{ $json.firstName }}',
					'body.2': '={{ $json.orderId }}',
					'body.3': '={{ $json.deliveryDate }}',
					'button.0.url': '={{ $json.orderId }}',
				},
				matchingColumns: [],
				schema: [],
			},
			options: {
				idempotencyKey: '={{ $json.orderId }}',
				...(options.rateLimit === 'fromItem' ? { rateLimit: '={{ $json.rate }}' } : {}),
				...(options.dryRun ? { dryRun: true } : {}),
				...(options.sentOutput ? { sentOutput: options.sentOutput } : {}),
			},
		},
		credentials: { whatsAppCloudApi: { id: credential.id, name: credential.name } },
	};
}

/** One node of a fixture workflow: its name, type and parameters (expressions allowed). */
export interface NodeFixture {
	readonly name: string;
	/** e.g. `n8n-nodes-whatsapp-compliance.whatsAppReplyInWindow` */
	readonly type: string;
	readonly parameters: IDataObject;
}

/**
 * A workflow that runs `node` once per POST of a JSON object to `webhookPath` (its fields under
 * `$json.body`), answering 200 at once: what the node put out is read from the execution n8n
 * saved (outputItems), which also shows a second output such as Skipped.
 */
export function webhookWorkflow(
	id: string,
	name: string,
	webhookPath: string,
	node: NodeFixture,
): WorkflowFixture {
	const cloudApi = /whatsApp(SendTemplate|ReplyInWindow|WebhookTrigger)$/.test(node.type);
	return {
		id,
		name,
		nodes: [
			webhookNode(id, 'Request', webhookPath, 'onReceived'),
			{
				id: `${id}-node`,
				name: node.name,
				type: node.type,
				typeVersion: 1,
				position: [220, 0],
				parameters: node.parameters,
				// The package's nodes that call the Cloud API use the sandbox credential.
				...(cloudApi
					? {
							credentials: {
								whatsAppCloudApi: { id: SANDBOX_CREDENTIAL_ID, name: SANDBOX_CREDENTIAL_NAME },
							},
						}
					: {}),
			},
		],
		connections: { Request: { main: [[{ node: node.name, type: 'main', index: 0 }]] } },
	};
}
