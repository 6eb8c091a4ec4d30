/**
 * What the demo, the benchmarks and the e2e tests share besides the n8n harness: the example
 * workflows as users import them, the sandbox credential they refer to, the sandbox's control API
 * and a JSON POST to a production webhook.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import type { Sandbox } from '../../sandbox/server';
import type { CredentialFixture, WorkflowFixture } from './n8n';

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

/** Every examples/*.json, unchanged, as `n8n import:workflow` reads it. */
export function loadExamples(): WorkflowFixture[] {
	return fs
		.readdirSync(EXAMPLES_DIR)
		.filter((file) => file.endsWith('.json'))
		.sort()
		.map(
			(file) =>
				JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8')) as WorkflowFixture,
		);
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
			{
				id: `${id}-webhook`,
				name: 'Consent Rows',
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
			{
				id: `${id}-webhook`,
				name: 'Request',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: `${id}-webhook-id`,
				parameters: { httpMethod: 'POST', path: webhookPath, options: {} },
			},
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
