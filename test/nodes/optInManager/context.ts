/**
 * The Opt-in Manager's unit tests run the node's execute() against a real SQLite store in a temp
 * folder, through an n8n execute context mocked with jest-mock-extended. Parameters get the node's
 * own defaults (NodeHelpers.getNodeParameters, as n8n fills them), so a test names only what it
 * sets; per-item values (what expressions would give) come from a function of the item index.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mock } from 'jest-mock-extended';
import {
	NodeHelpers,
	type IBinaryData,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeParameters,
} from 'n8n-workflow';

import type { ComplianceStore } from '../../../nodes/core/store/types';
import { closeAllStores, openStore } from '../../../nodes/shared/store';
import { WhatsAppOptInManager } from '../../../nodes/WhatsAppOptInManager/WhatsAppOptInManager.node';

export const node = new WhatsAppOptInManager();

/** A valid German mobile number per n: +49 151 234567nn. */
export function contactNo(n: number): { waId: string; e164: string; national: string } {
	const suffix = String(n).padStart(2, '0');
	return {
		waId: `49151234567${suffix}`,
		e164: `+49151234567${suffix}`,
		national: `0151 234567${suffix}`,
	};
}

/** A temp folder with one SQLite store file per test file. */
export function tempStore() {
	const dir = mkdtempSync(join(tmpdir(), 'optin-'));
	const path = join(dir, 'store.sqlite');
	return {
		path,
		/** The same store the node opens (nodes/shared caches one per configuration). */
		open: (): Promise<ComplianceStore> => openStore({ backend: 'sqlite', path }),
		async cleanUp() {
			await closeAllStores();
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

export interface RunOptions {
	/** Parameters set on the node; the rest get the node's defaults. */
	parameters: INodeParameters;
	/** Per-item overrides, e.g. what `{{ $json.phone }}` gives for item i. */
	perItem?: (itemIndex: number) => INodeParameters;
	/** Input items (plain json or full items). @default one empty item */
	items?: Array<IDataObject | INodeExecutionData>;
	continueOnFail?: boolean;
	/** The SQLite file of the store credential. */
	storePath: string;
	/** @default 'UTC' */
	timezone?: string;
	/** Runs the node as an AI agent's tool ("WhatsApp Opt-in Manager Tool"); the model passed nothing. */
	tool?: boolean;
}

function isItem(value: IDataObject | INodeExecutionData): value is INodeExecutionData {
	return typeof value.json === 'object' && value.json !== null && !Array.isArray(value.json);
}

/** Reads "options.time" from nested parameters, as n8n's getNodeParameter does. */
function pathGet(source: unknown, path: string): unknown {
	let value = source;
	for (const key of path.split('.')) {
		if (value === null || typeof value !== 'object') return undefined;
		value = (value as Record<string, unknown>)[key];
	}
	return value;
}

export function makeContext(options: RunOptions) {
	const items: INodeExecutionData[] = (options.items ?? [{}]).map((item) =>
		isItem(item) ? item : { json: item },
	);
	// The tool variant's type name ends in "Tool": n8n shows its tool-only parameters by that.
	const description = options.tool
		? { ...node.description, name: `${node.description.name}Tool` }
		: node.description;
	const withDefaults = (parameters: INodeParameters) =>
		NodeHelpers.getNodeParameters(
			node.description.properties,
			parameters,
			true,
			false,
			{ typeVersion: 1 },
			description,
		) ?? {};
	const base = withDefaults(options.parameters);
	// Per-item values override top-level parameters on the defaults, once per item:
	// getNodeParameters is far too slow to call for every parameter read of 1,000 items.
	const perItem = new Map<number, INodeParameters>();
	const forItem = (itemIndex: number): INodeParameters => {
		if (!options.perItem) return base;
		let parameters = perItem.get(itemIndex);
		if (!parameters) {
			parameters = { ...base, ...options.perItem(itemIndex) };
			perItem.set(itemIndex, parameters);
		}
		return parameters;
	};
	const nodeData: INode = {
		id: 'opt-in-node',
		name: 'Opt-in Manager',
		type: `n8n-nodes-whatsapp-compliance.${description.name}`,
		typeVersion: 1,
		position: [0, 0],
		parameters: base,
		credentials: { whatsAppComplianceStoreApi: { id: 'store-1', name: 'Test store' } },
	};
	// What the node calls per item are plain own functions (a read through the mock's proxy and
	// its call recording cost far more, times thousands of rows); anything else falls through to
	// the jest-mock-extended mock, the prototype.
	const helpers = mock<IExecuteFunctions['helpers']>();
	helpers.prepareBinaryData.mockImplementation(async (data, fileName, mimeType) => {
		// As n8n does: a stream is read to its end (a failed stream rejects).
		const buffer = Buffer.isBuffer(data) ? data : Buffer.concat(await data.toArray());
		const binary: IBinaryData = {
			data: buffer.toString('base64'),
			mimeType: mimeType ?? 'application/octet-stream',
			fileName,
			fileSize: `${buffer.length} B`,
			bytes: buffer.length,
		};
		return binary;
	});
	const own: Partial<IExecuteFunctions> = {
		getInputData: () => items,
		getNode: () => nodeData,
		getWorkflow: () => ({ id: 'wf-1', name: 'Consent tests', active: false }),
		getTimezone: () => options.timezone ?? 'UTC',
		continueOnFail: () => options.continueOnFail ?? false,
		getCredentials: (async (type: string) => {
			if (type !== 'whatsAppComplianceStoreApi') throw new Error(`unexpected credential ${type}`);
			return { backend: 'sqlite', sqlitePath: options.storePath };
		}) as IExecuteFunctions['getCredentials'],
		getWorkflowDataProxy: ((itemIndex: number) => ({
			$json: items[itemIndex]?.json,
			$fromAI: (_key: string, _d?: string, _t?: string, fallback?: unknown) => fallback,
		})) as unknown as IExecuteFunctions['getWorkflowDataProxy'],
		getNodeParameter: ((name: string, itemIndex: number, fallback?: unknown) => {
			const value = pathGet(forItem(itemIndex), name);
			return value === undefined ? fallback : value;
		}) as IExecuteFunctions['getNodeParameter'],
		helpers,
	};
	const ctx = Object.setPrototypeOf(own, mock<IExecuteFunctions>()) as IExecuteFunctions;
	return ctx;
}

/** Runs the node's execute() once and returns its outputs. */
export async function run(options: RunOptions): Promise<INodeExecutionData[][]> {
	const ctx = makeContext(options);
	return await node.execute.call(ctx);
}

/** The text of a binary file from an output item. */
export function binaryText(item: INodeExecutionData, property = 'data'): string {
	const binary = item.binary?.[property];
	if (!binary) throw new Error(`no binary "${property}" on the item`);
	return Buffer.from(binary.data, 'base64').toString('utf8');
}
