/**
 * What the Reply in Window tests share: a real HTTP server that answers like the Graph API, and an
 * n8n execute context (jest-mock-extended) whose parameters come from the node's own defaults, so
 * "Trigger -> Reply" is tested with nothing typed in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mock } from 'jest-mock-extended';
import {
	NodeOperationError,
	type IBinaryData,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
} from 'n8n-workflow';

import { HOUR, type Clock } from '../../../nodes/core/clock';
import { decodeCallbackData } from '../../../nodes/core/wire/callback';
import type { ComplianceStore } from '../../../nodes/core/store/types';
import { execute } from '../../../nodes/WhatsAppReplyInWindow/execute';
import { WhatsAppReplyInWindow } from '../../../nodes/WhatsAppReplyInWindow/WhatsAppReplyInWindow.node';
import { closeAllStores, openStore } from '../../../nodes/shared/store';
import { defaultsFor } from '../../support/parameters';
import { toolDataProxy, toolInput } from '../../support/tool';

export const SENDER = '106540352242922';
export const OTHER_SENDER = '106540352249999';
export const TOKEN = 'test-token-reply';
export const API_VERSION = 'v25.0';

/** A valid German mobile number per test, so pair limits never slow a test down. */
export function contactNo(n: number): { waId: string; e164: string } {
	const suffix = String(n).padStart(2, '0');
	return { waId: `49151234567${suffix}`, e164: `+49151234567${suffix}` };
}

// ---------------------------------------------------------------------------------------------
// The Graph API stand-in

export interface Received {
	method: string;
	path: string;
	contentType: string;
	authorization: string | undefined;
	body: Buffer;
	/** The JSON body, with biz_opaque_callback_data as the user set it (the send's id apart). */
	json: Record<string, unknown> | undefined;
	/** The id the pipeline put in front of biz_opaque_callback_data. */
	callbackId: string | undefined;
}

export interface Answer {
	status?: number;
	json: unknown;
}

/** A request the server holds unanswered until the test releases it. */
export interface Held {
	request: Received;
	/** Answers it as the server would have (or with `answer`). */
	release(answer?: Answer): void;
}

/** Meta's error envelope. */
export function metaError(code: number, title: string, details = 'details'): Answer {
	return {
		status: 400,
		json: {
			error: {
				message: `(#${code}) ${title}`,
				type: 'OAuthException',
				code,
				error_data: { messaging_product: 'whatsapp', details },
				fbtrace_id: 'TraceReply123',
			},
		},
	};
}

/**
 * Answers sends with a new wamid, uploads with a new media id and reads with success, like Meta;
 * `answer` can override any request (e.g. 131047 for one contact).
 */
export async function startGraphServer() {
	const received: Received[] = [];
	let counter = 0;
	let override: ((request: Received) => Answer | 'hold' | undefined) | undefined;
	const held: Held[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const body = Buffer.concat(chunks);
			const contentType = String(req.headers['content-type'] ?? '');
			let json: Record<string, unknown> | undefined;
			let callbackId: string | undefined;
			if (contentType.includes('application/json')) {
				json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
				const decoded = decodeCallbackData(json.biz_opaque_callback_data as string | undefined);
				callbackId = decoded.callbackId;
				if (decoded.userData === undefined) delete json.biz_opaque_callback_data;
				else json.biz_opaque_callback_data = decoded.userData;
			}
			const request: Received = {
				method: req.method ?? '',
				path: new URL(req.url ?? '/', 'http://127.0.0.1').pathname,
				contentType,
				authorization: req.headers.authorization,
				body,
				json,
				callbackId,
			};
			received.push(request);
			const n = ++counter;
			const respond = (answer: Answer) => {
				res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
				res.end(JSON.stringify(answer.json));
			};
			const answer = override?.(request);
			if (answer === 'hold') {
				held.push({ request, release: (given) => respond(given ?? standardAnswer(request, n)) });
				return;
			}
			respond(answer ?? standardAnswer(request, n));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		baseUrl: `http://127.0.0.1:${port}`,
		received,
		/** Message sends (not reads, not uploads) received so far. */
		sends: () =>
			received.filter((r) => r.path.endsWith('/messages') && r.json && r.json.status !== 'read'),
		/** Overrides the answer to a request; 'hold' keeps it unanswered (see `held`). */
		answer(fn: ((request: Received) => Answer | 'hold' | undefined) | undefined) {
			override = fn;
		},
		/** Requests held unanswered, in the order they came. */
		held,
		async close() {
			held.length = 0;
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

export type GraphServer = Awaited<ReturnType<typeof startGraphServer>>;

function standardAnswer(request: Received, n: number): Answer {
	if (request.path.endsWith('/media')) return { json: { id: `media-${n}` } };
	if (request.json?.status === 'read') return { json: { success: true } };
	const to = (request.json?.to ?? request.json?.recipient) as string;
	return {
		json: {
			messaging_product: 'whatsapp',
			contacts: [{ input: to, wa_id: String(to).replace('+', '') }],
			messages: [{ id: `wamid.reply-${n}` }],
		},
	};
}

// ---------------------------------------------------------------------------------------------
// The n8n side

export interface TestEnv {
	graph: GraphServer;
	store: ComplianceStore;
	sqlitePath: string;
	dispose(): Promise<void>;
}

export async function startEnv(): Promise<TestEnv> {
	const graph = await startGraphServer();
	const dir = mkdtempSync(join(tmpdir(), 'wa-reply-'));
	const sqlitePath = join(dir, 'store.sqlite');
	const store = await openStore({ backend: 'sqlite', path: sqlitePath });
	return {
		graph,
		store,
		sqlitePath,
		async dispose() {
			await graph.close();
			await closeAllStores();
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

/** A parameter value, or one per item. */
export type Param = unknown | ((itemIndex: number) => unknown);

export interface RunOptions {
	/** Parameters set in the node; everything else keeps the node's default. */
	params?: Record<string, Param>;
	continueOnFail?: boolean;
	executionId?: string;
	/** The credential's phone number id. */
	credentialSender?: string;
	nodeId?: string;
	/** The execution's cancel signal. @default none */
	signal?: AbortSignal;
	/** The node's clock. @default the system clock */
	clock?: Clock;
	/**
	 * Runs the node as an AI agent's tool ("WhatsApp Reply in Window Tool"), as n8n's AI Agent
	 * does: the model's arguments spread over the incoming item, readable with `$fromAI`.
	 */
	tool?: { args: IDataObject };
}

const nodeType = new WhatsAppReplyInWindow();
const defaults = defaultsFor(nodeType.description.properties, { tool: false });
const toolDefaults = defaultsFor(nodeType.description.properties, { tool: true });

/**
 * Resolves `={{ $json.a }}` and a `$fromAI('key', ...)` default the way n8n would for these
 * tests' defaults.
 */
function resolve(value: unknown, item: INodeExecutionData, args: IDataObject = {}): unknown {
	if (typeof value !== 'string' || !value.startsWith('=')) return value;
	const fromAi = /\$fromAI\('([\w-]+)'/.exec(value);
	if (fromAi) return args[fromAi[1]];
	const match = /^=\{\{\s*\$json\.(\w+)\s*\}\}$/.exec(value);
	if (!match) throw new Error(`The test context cannot evaluate ${value}`);
	return item.json[match[1]] ?? '';
}

export function executeContext(
	env: TestEnv,
	given: INodeExecutionData[],
	options: RunOptions = {},
): IExecuteFunctions {
	const args = options.tool?.args ?? {};
	// n8n's engine: the agent's item with the model's arguments over it, and the call's id.
	const items = options.tool ? toolInput(given, args) : given;
	const node: INode = {
		id: options.nodeId ?? 'node-reply-1',
		name: options.tool ? 'Reply to Customer' : 'WhatsApp Reply in Window',
		type: `n8n-nodes-whatsapp-compliance.whatsAppReplyInWindow${options.tool ? 'Tool' : ''}`,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		credentials: {
			whatsAppCloudApi: { id: '1', name: 'Cloud API' },
			whatsAppComplianceStoreApi: { id: '2', name: 'Store' },
		},
	};
	const ctx = mock<IExecuteFunctions>();
	ctx.getInputData.mockReturnValue(items);
	ctx.getNode.mockReturnValue(node);
	ctx.getExecutionId.mockReturnValue(options.executionId ?? 'execution-1');
	ctx.continueOnFail.mockReturnValue(options.continueOnFail ?? false);
	ctx.getWorkflowDataProxy.mockImplementation(toolDataProxy(items, args) as never);
	ctx.getExecutionCancelSignal.mockReturnValue(options.signal);
	ctx.getCredentials.mockImplementation(async (type: string) => {
		if (type === 'whatsAppCloudApi') {
			return {
				accessToken: TOKEN,
				businessAccountId: '102290129340398',
				phoneNumberId: options.credentialSender ?? SENDER,
				apiVersion: API_VERSION,
				baseUrl: env.graph.baseUrl,
				appSecret: 'app-secret',
				verifyToken: 'verify',
			} as never;
		}
		if (type === 'whatsAppComplianceStoreApi') {
			return { backend: 'sqlite', sqlitePath: env.sqlitePath } as never;
		}
		throw new Error(`No credential ${type}`);
	});
	ctx.getNodeParameter.mockImplementation(((
		name: string,
		itemIndex: number,
		fallback?: unknown,
		extra?: { extractValue?: boolean },
	) => {
		const set = options.params ?? {};
		let value: unknown;
		if (Object.hasOwn(set, name)) {
			const given = set[name];
			value = typeof given === 'function' ? (given as (i: number) => unknown)(itemIndex) : given;
		} else if ((options.tool ? toolDefaults : defaults).has(name)) {
			value = (options.tool ? toolDefaults : defaults).get(name);
		} else {
			value = fallback;
		}
		const item = items[itemIndex];
		if (value && typeof value === 'object' && 'mode' in value && 'value' in value) {
			const locator = value as { mode: string; value: unknown };
			const resolved = resolve(locator.value, item, args);
			return extra?.extractValue ? resolved : { ...locator, value: resolved };
		}
		return resolve(value, item, args);
	}) as never);
	ctx.helpers = {
		assertBinaryData: (itemIndex: number, name: string | IBinaryData) => {
			const binary = items[itemIndex].binary?.[name as string];
			if (!binary) {
				throw new NodeOperationError(
					node,
					`This operation expects the node's input data to contain a binary file '${String(name)}', but none was found [item ${itemIndex}]`,
				);
			}
			return binary;
		},
		getBinaryDataBuffer: async (itemIndex: number, name: string | IBinaryData) =>
			Buffer.from(items[itemIndex].binary![name as string].data, 'base64'),
	} as never;
	return ctx;
}

/** Runs the node class's execute() the way n8n does. */
export async function run(
	env: TestEnv,
	items: INodeExecutionData[],
	options: RunOptions = {},
): Promise<{ sent: INodeExecutionData[]; closed: INodeExecutionData[] }> {
	const ctx = executeContext(env, items, options);
	const [sent, closed] = options.clock
		? await execute.call(ctx, options.clock)
		: await nodeType.execute.call(ctx);
	return { sent, closed };
}

/** An item as the WhatsApp Trigger emits it for an inbound text message. */
export function triggerItem(
	contact: string,
	at: number,
	extra: IDataObject = {},
): INodeExecutionData {
	return {
		json: {
			kind: 'message',
			field: 'messages',
			businessAccountId: '102290129340398',
			phoneNumberId: SENDER,
			contact,
			contactWaId: contact,
			contactName: 'Ada',
			messageId: `wamid.in-${contact}-${at}`,
			messageType: 'text',
			text: 'Hello, is my order on its way?',
			timestamp: new Date(at).toISOString(),
			timestampMs: at,
			dedupeKey: `msg:${SENDER}:wamid.in-${contact}-${at}`,
			...extra,
		},
	};
}

export const ago = (hours: number) => Date.now() - hours * HOUR;
