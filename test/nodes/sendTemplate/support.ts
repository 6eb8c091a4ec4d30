/**
 * What the Send Template tests share: the sandbox (a real HTTP server speaking the Cloud API, with
 * the bundled seed's templates and contacts), a real SQLite compliance store on a temp file, and
 * n8n contexts (jest-mock-extended) whose parameters start from the node's own defaults.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mock } from 'jest-mock-extended';
import type {
	IDataObject,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INode,
	INodeExecutionData,
} from 'n8n-workflow';

import { DAY, type Clock } from '../../../nodes/core/clock';
import type { ConsentAction } from '../../../nodes/core/model';
import type { ComplianceStore } from '../../../nodes/core/store/types';
import { closeAllStores, openStore } from '../../../nodes/shared/store';
import { defaultsFor } from '../../support/parameters';
import { toolDataProxy, toolInput } from '../../support/tool';
import { execute } from '../../../nodes/WhatsAppSendTemplate/execute';
import { WhatsAppSendTemplate } from '../../../nodes/WhatsAppSendTemplate/WhatsAppSendTemplate.node';
import { startSandbox, type Sandbox } from '../../../sandbox/server';

/** The bundled seed's business account, first phone number and contacts. */
export const ACCOUNT = '240117385066184';
export const SENDER = '731950246618093';
export const TOKEN = 'sandbox-token';
export const LENA = { waId: '4915112345601', e164: '+4915112345601', written: '0151 12345601' };
export const JONAS = { waId: '4917612345602', e164: '+4917612345602' };
export const JUERGEN = { waId: '4915208765403', e164: '+4915208765403' };
export const AVERY_US = { waId: '14155550123', e164: '+14155550123' };
export const JOAO_BR = { waId: '5511987654321', e164: '+5511987654321' };
export const ANA_BR = { waId: '5521998765432', e164: '+5521998765432' };

export interface TestEnv {
	sandbox: Sandbox;
	store: ComplianceStore;
	sqlitePath: string;
	dispose(): Promise<void>;
}

/** A fresh sandbox and a fresh store file. */
export async function startEnv(): Promise<TestEnv> {
	const sandbox = await startSandbox({ undeliverable: 'sync' });
	const dir = mkdtempSync(join(tmpdir(), 'wa-send-template-'));
	const sqlitePath = join(dir, 'store.sqlite');
	const store = await openStore({ backend: 'sqlite', path: sqlitePath });
	return {
		sandbox,
		store,
		sqlitePath,
		async dispose() {
			await sandbox.close();
			await closeAllStores();
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

/** Records consent as the Opt-in Manager or a webhook would. */
export async function consent(
	env: TestEnv,
	contact: string,
	action: ConsentAction,
	purpose = 'marketing',
	at = Date.now() - DAY,
): Promise<void> {
	await env.store.recordConsent([{ contact, purpose, action, at, source: 'web_form' }]);
}

/** Marketing templates the store already recorded as sent to `contact`, `ago` ms back each. */
export async function sentBefore(env: TestEnv, contact: string, agos: number[]): Promise<void> {
	const now = Date.now();
	await env.store.reserveSends(
		agos.map((ago, i) => ({
			idempotencyKey: `earlier-${contact}-${i}`,
			sender: SENDER,
			contact,
			kind: 'template:back_in_stock',
			category: 'marketing' as const,
			at: now - ago,
		})),
	);
	await env.store.completeSends(
		agos.map((ago, i) => ({
			idempotencyKey: `earlier-${contact}-${i}`,
			state: 'accepted' as const,
			wamid: `wamid.earlier-${i}`,
			at: now - ago,
		})),
	);
}

// ---------------------------------------------------------------------------------------------
// Parameter values as the editor stores them

export function template(value: string, mode = 'list') {
	return { __rl: true, mode, value };
}

export function variables(value: IDataObject) {
	return { mappingMode: 'defineBelow', value, matchingColumns: [], schema: [] };
}

/** back_in_stock (de): image header, three named body variables, a quick reply, a static URL. */
export function backInStock(firstName: string): IDataObject {
	return {
		'header.image': 'https://shop.example.com/img/trail-runner-2.jpg',
		'body.first_name': firstName,
		'body.product': 'der Trail Runner 2',
		'body.ship_date': 'Freitag',
	};
}

/** The options that keep tests independent of the time of day: no quiet hours. */
export const NO_QUIET_HOURS = { quietHours: { settings: { enabled: false } } };

// ---------------------------------------------------------------------------------------------
// The n8n side

/** A parameter value, or one per item. */
export type Param = unknown | ((itemIndex: number) => unknown);

export interface RunOptions {
	/** Parameters set in the node; everything else keeps the node's default. */
	params?: Record<string, Param>;
	continueOnFail?: boolean;
	executionId?: string;
	/** The workflow's time zone. @default 'Europe/Berlin' */
	timeZone?: string;
	/** Where the Graph API is. @default the sandbox */
	baseUrl?: string;
	/** The credential's business account ID. @default ACCOUNT */
	account?: string;
	/** The execution's cancel signal. @default none */
	signal?: AbortSignal;
	/** The node's clock. @default the system clock */
	clock?: Clock;
	/**
	 * Runs the node as an AI agent's tool ("WhatsApp Send Template Tool"), as n8n's AI Agent does:
	 * the model's arguments spread over the incoming item, readable with `$fromAI`.
	 */
	tool?: { args: IDataObject };
}

const nodeType = new WhatsAppSendTemplate();
const defaultsOfNode = defaultsFor(nodeType.description.properties, { tool: false });
const toolDefaults = defaultsFor(nodeType.description.properties, { tool: true });

const node: INode = {
	id: 'node-send-template-1',
	name: 'WhatsApp Send Template',
	type: 'n8n-nodes-whatsapp-compliance.whatsAppSendTemplate',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
	credentials: {
		whatsAppCloudApi: { id: '1', name: 'Cloud API' },
		whatsAppComplianceStoreApi: { id: '2', name: 'Store' },
	},
};

function credentials(env: TestEnv, baseUrl = env.sandbox.url, account = ACCOUNT) {
	return async (type: string) => {
		if (type === 'whatsAppCloudApi') {
			return {
				accessToken: TOKEN,
				businessAccountId: account,
				phoneNumberId: SENDER,
				apiVersion: 'v25.0',
				baseUrl,
				appSecret: 'sandbox-app-secret',
				verifyToken: 'verify',
			} as never;
		}
		if (type === 'whatsAppComplianceStoreApi') {
			return { backend: 'sqlite', sqlitePath: env.sqlitePath } as never;
		}
		throw new Error(`No credential ${type}`);
	};
}

function parameter(
	params: Record<string, Param>,
	name: string,
	itemIndex: number,
	fallback: unknown,
	extractValue: boolean | undefined,
	tool?: { args: IDataObject; items: INodeExecutionData[] },
): unknown {
	const defaults = tool ? toolDefaults : defaultsOfNode;
	// "variables.value": a path into a parameter, as n8n reads it (lodash get).
	const dot = name.indexOf('.');
	if (dot > 0 && !Object.hasOwn(params, name) && !defaults.has(name)) {
		const whole = parameter(params, name.slice(0, dot), itemIndex, undefined, false, tool);
		let value: unknown = whole;
		for (const key of name.slice(dot + 1).split('.')) {
			value = value !== null && typeof value === 'object' ? (value as IDataObject)[key] : undefined;
		}
		return value === undefined ? fallback : value;
	}
	let value: unknown;
	if (Object.hasOwn(params, name)) {
		const given = params[name];
		value = typeof given === 'function' ? (given as (i: number) => unknown)(itemIndex) : given;
	} else if (defaults.has(name)) {
		value = defaults.get(name);
	} else {
		value = fallback;
	}
	if (tool && typeof value === 'string' && value.startsWith('=')) {
		// The tool's defaults: `$fromAI('key', ...)` and `$json.<field>`, as n8n evaluates them.
		const fromAi = /\$fromAI\('([\w-]+)'/.exec(value);
		const field = /^=\{\{\s*\$json\.(\w+)\s*\}\}$/.exec(value);
		if (fromAi) return tool.args[fromAi[1]];
		if (field) return tool.items[itemIndex].json[field[1]] ?? '';
	}
	if (value === undefined) throw new Error(`Could not get parameter "${name}"`);
	if (extractValue && value && typeof value === 'object' && 'mode' in value && 'value' in value) {
		return (value as { value: unknown }).value;
	}
	return structuredClone(value);
}

export function executeContext(
	env: TestEnv,
	given: INodeExecutionData[],
	options: RunOptions = {},
): IExecuteFunctions {
	const args = options.tool?.args ?? {};
	// n8n's engine: the agent's item with the model's arguments over it, and the call's id.
	const items = options.tool ? toolInput(given, args) : given;
	const tool = options.tool ? { args, items } : undefined;
	const ctx = mock<IExecuteFunctions>();
	ctx.getInputData.mockReturnValue(items);
	ctx.getNode.mockReturnValue(
		options.tool ? { ...node, name: 'Send Template', type: `${node.type}Tool` } : node,
	);
	ctx.getExecutionId.mockReturnValue(options.executionId ?? 'execution-1');
	ctx.continueOnFail.mockReturnValue(options.continueOnFail ?? false);
	ctx.getTimezone.mockReturnValue(options.timeZone ?? 'Europe/Berlin');
	ctx.getExecutionCancelSignal.mockReturnValue(options.signal);
	ctx.getWorkflowDataProxy.mockImplementation(toolDataProxy(items, args) as never);
	ctx.getCredentials.mockImplementation(credentials(env, options.baseUrl, options.account));
	ctx.getNodeParameter.mockImplementation(((
		name: string,
		itemIndex: number,
		fallback?: unknown,
		extra?: { extractValue?: boolean },
	) =>
		parameter(
			options.params ?? {},
			name,
			itemIndex,
			fallback,
			extra?.extractValue,
			tool,
		)) as never);
	return ctx;
}

export interface Outputs {
	sent: INodeExecutionData[];
	skipped: INodeExecutionData[];
}

/** Runs the node class's execute() the way n8n does. */
export async function run(
	env: TestEnv,
	items: INodeExecutionData[],
	options: RunOptions = {},
): Promise<Outputs> {
	const ctx = executeContext(env, items, options);
	const [sent, skipped] = options.clock
		? await execute.call(ctx, options.clock)
		: await nodeType.execute.call(ctx);
	return { sent, skipped };
}

/** A load-options context for the Template list and the Variables fields. */
export function loadOptionsContext(env: TestEnv, params: Record<string, unknown>) {
	const ctx = mock<ILoadOptionsFunctions>();
	ctx.getNode.mockReturnValue(node);
	ctx.getCredentials.mockImplementation(credentials(env));
	ctx.getNodeParameter.mockImplementation(((
		name: string,
		fallback?: unknown,
		extra?: { extractValue?: boolean },
	) => parameter(params, name, 0, fallback, extra?.extractValue)) as never);
	return ctx;
}

export { nodeType };

/** Items with a `phone` field, as a spreadsheet or CRM would give them. */
export function itemsOf(...rows: IDataObject[]): INodeExecutionData[] {
	return rows.map((json) => ({ json }));
}
