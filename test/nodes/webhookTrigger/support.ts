/**
 * What the Webhook Trigger tests share: an n8n webhook context (jest-mock-extended) around a
 * request as n8n hands it to the node (rawBody bytes, headers, query) and a response object that
 * records what the node wrote, a hook context for the lifecycle methods, and a real SQLite store
 * in a temp folder (the one the node opens through its store credential).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mock } from 'jest-mock-extended';
import {
	NodeHelpers,
	type ICredentialDataDecryptedObject,
	type IHookFunctions,
	type INode,
	type INodeParameters,
	type IWebhookFunctions,
	type IWebhookResponseData,
	type Logger,
} from 'n8n-workflow';

import type { ComplianceStore } from '../../../nodes/core/store/types';
import { computeSignature } from '../../../nodes/core/webhook/verify';
import { closeAllStores, openStore } from '../../../nodes/shared/store';
import { seenEventPruner } from '../../../nodes/WhatsAppWebhookTrigger/prune';
import { WhatsAppWebhookTrigger } from '../../../nodes/WhatsAppWebhookTrigger/WhatsAppWebhookTrigger.node';
import { nodeSqlite } from '../../../nodes/core/store/sqlite/nodeSqlite';

const { DatabaseSync } = nodeSqlite();

export const trigger = new WhatsAppWebhookTrigger();

export const APP_SECRET = 'a9f3c1e07b5d4e2f8a6c0b1d3e5f7a9c';
export const VERIFY_TOKEN = 'verify-7d1e5b3a9c';
export const WEBHOOK_ID = '3f2a9c1e-5b7d-4e8f-a0c2-6d4b8e1f3a57';

/** A temp folder with one SQLite store file. */
export function tempStore() {
	const dir = mkdtempSync(join(tmpdir(), 'wa-trigger-'));
	const path = join(dir, 'store.sqlite');
	return {
		dir,
		path,
		/** The same store the node opens (nodes/shared caches one per configuration). */
		open: (): Promise<ComplianceStore> => openStore({ backend: 'sqlite', path }),
		async cleanUp() {
			await seenEventPruner.idle();
			await closeAllStores();
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

/** Every row of every table, through a second, read-only connection (sees the WAL). */
export function dumpTables(path: string): string {
	const db = new DatabaseSync(path, { readOnly: true });
	try {
		const tables = db
			.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
			.all()
			.map((row) => String(row.name));
		return JSON.stringify(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}"`).all()]));
	} finally {
		db.close();
	}
}

/** What the node wrote to the response object. */
export class RecordedResponse {
	status?: number;
	headers: Record<string, string | number> = {};
	body?: string;
	writes = 0;

	get headersSent(): boolean {
		return this.status !== undefined;
	}

	writeHead(status: number, headers: Record<string, string | number> = {}): this {
		if (this.headersSent) throw new Error('writeHead called twice');
		this.status = status;
		this.headers = headers;
		return this;
	}

	end(body?: string): this {
		this.writes++;
		this.body = body;
		return this;
	}

	json(): Record<string, unknown> {
		return JSON.parse(this.body ?? 'null') as Record<string, unknown>;
	}
}

export interface LogLine {
	level: 'debug' | 'info' | 'warn' | 'error';
	message: string;
}

export interface ContextOptions {
	/** Parameters set on the node; the rest get the node's defaults as n8n fills them. */
	parameters?: INodeParameters;
	/** The store credential's SQLite file. */
	storePath: string;
	/** Overrides of the Cloud API credential's fields. */
	cloudApi?: ICredentialDataDecryptedObject;
	/** @default WEBHOOK_ID */
	webhookId?: string;
	/** The workflow the trigger is in. @default WORKFLOW_ID */
	workflowId?: string;
	/** The node's id. @default 'trigger-node-1' */
	nodeId?: string;
	/** Published (n8n's production webhook) or the editor's test listener. @default 'production' */
	mode?: 'production' | 'test';
	/** n8n's instance id. @default INSTANCE_ID */
	instanceId?: string;
}

export const WORKFLOW_ID = 'wf-trigger-1';
export const INSTANCE_ID = 'instance-4b1f0e';

export function nodeWith(options: ContextOptions): INode {
	const parameters =
		NodeHelpers.getNodeParameters(
			trigger.description.properties,
			options.parameters ?? {},
			true,
			false,
			{ typeVersion: 1 },
			trigger.description,
		) ?? {};
	return {
		id: options.nodeId ?? 'trigger-node-1',
		name: 'WhatsApp Webhook Trigger',
		type: 'n8n-nodes-whatsapp-compliance.whatsAppWebhookTrigger',
		typeVersion: 1,
		position: [0, 0],
		webhookId: options.webhookId ?? WEBHOOK_ID,
		parameters,
		credentials: {
			whatsAppCloudApi: { id: 'cred-1', name: 'Cloud API' },
			whatsAppComplianceStoreApi: { id: 'cred-2', name: 'Store' },
		},
	};
}

function workflowOf(options: ContextOptions) {
	return {
		id: options.workflowId ?? WORKFLOW_ID,
		name: 'WhatsApp trigger test',
		active: options.mode !== 'test',
	};
}

function credentialsFor(options: ContextOptions) {
	return async (type: string) => {
		if (type === 'whatsAppCloudApi') {
			return {
				accessToken: 'test-access-token',
				businessAccountId: '318447201993512',
				phoneNumberId: '774120593381042',
				appSecret: APP_SECRET,
				verifyToken: VERIFY_TOKEN,
				apiVersion: 'v25.0',
				baseUrl: 'http://127.0.0.1:9',
				...options.cloudApi,
			} as never;
		}
		if (type === 'whatsAppComplianceStoreApi') {
			return { backend: 'sqlite', sqlitePath: options.storePath } as never;
		}
		throw new Error(`No credential ${type}`);
	};
}

function parameterGetter(node: INode) {
	return ((name: string, fallback?: unknown) => {
		let value: unknown = node.parameters;
		for (const key of name.split('.')) {
			value =
				value !== null && typeof value === 'object'
					? (value as Record<string, unknown>)[key]
					: undefined;
		}
		return value === undefined ? fallback : value;
	}) as never;
}

function recordingLogger(lines: LogLine[]): Logger {
	const at = (level: LogLine['level']) => (message: string) => {
		lines.push({ level, message });
	};
	return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as Logger;
}

export interface WebhookRequest {
	webhookName: 'setup' | 'default';
	/** The body bytes as received (POST). */
	rawBody?: Buffer;
	headers?: Record<string, string | string[] | undefined>;
	query?: Record<string, unknown>;
}

export interface WebhookCall<R = RecordedResponse> {
	result: IWebhookResponseData;
	res: R;
	logs: LogLine[];
}

/**
 * Calls the node's webhook() the way n8n does for one request. The response is recorded, or
 * written to `res` (e.g. a real http.ServerResponse).
 */
export async function callWebhook<R = RecordedResponse>(
	request: WebhookRequest,
	options: ContextOptions,
	response?: R,
): Promise<WebhookCall<R>> {
	const node = nodeWith(options);
	const res = response ?? (new RecordedResponse() as R);
	const logs: LogLine[] = [];
	const req = {
		method: request.webhookName === 'setup' ? 'GET' : 'POST',
		headers: { 'content-type': 'application/json', ...request.headers },
		query: request.query ?? {},
		rawBody: request.rawBody,
		body: {},
	};
	const ctx = mock<IWebhookFunctions>();
	ctx.getNode.mockReturnValue(node);
	ctx.getWebhookName.mockReturnValue(request.webhookName);
	ctx.getRequestObject.mockReturnValue(req as never);
	ctx.getResponseObject.mockReturnValue(res as never);
	ctx.getQueryData.mockReturnValue(req.query as object);
	ctx.getHeaderData.mockReturnValue(req.headers as never);
	ctx.getMode.mockReturnValue(options.mode === 'test' ? 'manual' : 'webhook');
	ctx.getWorkflow.mockReturnValue(workflowOf(options));
	ctx.getInstanceId.mockReturnValue(options.instanceId ?? INSTANCE_ID);
	ctx.getCredentials.mockImplementation(credentialsFor(options));
	ctx.getNodeParameter.mockImplementation(parameterGetter(node));
	(ctx as { logger: Logger }).logger = recordingLogger(logs);
	const result = await trigger.webhook.call(ctx);
	return { result, res, logs };
}

/** A signed POST of `body` (JSON text or an object) as Meta sends it. */
export function signedPost(
	body: unknown,
	extra: { signature?: string | null; secret?: string } = {},
): WebhookRequest {
	const text = typeof body === 'string' ? body : JSON.stringify(body);
	const rawBody = Buffer.from(text, 'utf8');
	const signature =
		extra.signature === undefined
			? computeSignature(rawBody, extra.secret ?? APP_SECRET)
			: extra.signature;
	return {
		webhookName: 'default',
		rawBody,
		headers: signature === null ? {} : { 'x-hub-signature-256': signature },
	};
}

/** The items of the first (only) output; [] when no execution is started. */
export function itemsOf(call: WebhookCall): Record<string, unknown>[] {
	return (call.result.workflowData?.[0] ?? []).map((item) => item.json);
}

export interface HookCall<T> {
	value?: T;
	error?: unknown;
	logs: LogLine[];
}

/** Calls one of the node's webhookMethods.default with a hook context. */
export async function callHook(
	method: 'checkExists' | 'create' | 'delete',
	options: ContextOptions,
): Promise<HookCall<boolean>> {
	const node = nodeWith(options);
	const logs: LogLine[] = [];
	const ctx = mock<IHookFunctions>();
	ctx.getNode.mockReturnValue(node);
	ctx.getWebhookName.mockReturnValue('default');
	ctx.getCredentials.mockImplementation(credentialsFor(options));
	ctx.getNodeParameter.mockImplementation(parameterGetter(node));
	ctx.getNodeWebhookUrl.mockReturnValue(`http://127.0.0.1:5678/webhook/${node.webhookId}`);
	// n8n activates a published workflow in trigger mode and a test listener in manual mode with
	// the workflow marked inactive; it removes both in internal mode.
	ctx.getMode.mockReturnValue(
		method === 'delete' ? 'internal' : options.mode === 'test' ? 'manual' : 'trigger',
	);
	ctx.getWorkflow.mockReturnValue(workflowOf(options));
	ctx.getInstanceId.mockReturnValue(options.instanceId ?? INSTANCE_ID);
	(ctx as { logger: Logger }).logger = recordingLogger(logs);
	try {
		return { value: await trigger.webhookMethods.default[method].call(ctx), logs };
	} catch (error) {
		return { error, logs };
	}
}

/** Unix seconds, as Meta sends message and status timestamps. */
export function unixSeconds(ms: number): string {
	return String(Math.floor(ms / 1000));
}
