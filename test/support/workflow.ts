/**
 * An in-process workflow runner on n8n-core's execution engine (WorkflowExecute): between the
 * unit tests of one node with a mocked context and the e2e tests in a real n8n. The workflow is
 * plain n8n JSON (nodes + connections); node classes are handed in directly (our nodes imported
 * from nodes/..., plus test-only nodes such as EmitItems below); credentials are given in clear
 * text by type. Parameters, expressions, outputs, pairedItem, continueOnFail and the error
 * handling are n8n's own.
 *
 *   const run = await runWorkflow({ nodes, connections }, {
 *     nodeTypes: { [EMIT_ITEMS]: new EmitItems(), [OPT_IN]: new WhatsAppOptInManager() },
 *     credentials: { whatsAppComplianceStoreApi: { backend: 'sqlite', sqlitePath } },
 *   });
 *   run.output('Check', 0); // the items of Check's first output
 *
 * The start node gets one empty item, as a Manual Trigger would emit; EmitItems turns it into the
 * items it is given. Binary data stays inline (base64 in `data`): n8n-core's BinaryDataService is
 * not initialised, so nothing is written to disk.
 *
 * n8n-core's InstanceSettings (a DI singleton every node context reads) writes
 * <N8N_USER_FOLDER>/.n8n/config. So that tests never touch ~/.n8n, a test file without
 * N8N_USER_FOLDER gets a temp folder, removed after its tests; the embedded compliance store's
 * default file then lands there too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import {
	ICredentialsHelper,
	NodeConnectionTypes,
	NodeHelpers,
	Workflow,
	type ExecutionError,
	type ICredentialDataDecryptedObject,
	type ICredentials,
	type IConnections,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
	type INodeTypes,
	type IRun,
	type IRunData,
	type IVersionedNodeType,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';

/** Package prefix of our node types, as n8n names community nodes. */
export const PACKAGE = 'n8n-nodes-whatsapp-compliance';
/** The type name of the test-only EmitItems node. */
export const EMIT_ITEMS = 'test.emitItems';

/**
 * Test-only start node: emits the items in its `items` parameter (a JSON array of objects, or an
 * expression returning one), each paired with the one item the start node receives.
 */
export class EmitItems implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Emit Items',
		name: 'emitItems',
		group: ['input'],
		version: 1,
		description: 'Emits the given items (tests only)',
		defaults: { name: 'Emit Items' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Items', name: 'items', type: 'json', default: '[]' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const raw = this.getNodeParameter('items', 0) as unknown;
		const parsed = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
		const list = (Array.isArray(parsed) ? parsed : [parsed]) as IDataObject[];
		return [list.map((json) => ({ json, pairedItem: { item: 0 } }))];
	}
}

/** The node classes of a run, by type name (as in the workflow JSON's `type`). */
class NodeTypes implements INodeTypes {
	constructor(private readonly types: Record<string, INodeType | IVersionedNodeType>) {}

	getByName(type: string): INodeType | IVersionedNodeType {
		const found = this.types[type];
		if (!found) {
			throw new Error(
				`runWorkflow: no node class for type "${type}"; pass it in options.nodeTypes`,
			);
		}
		return found;
	}

	getByNameAndVersion(type: string, version?: number): INodeType {
		return NodeHelpers.getVersionedNodeType(this.getByName(type), version);
	}

	getKnownTypes(): IDataObject {
		return Object.fromEntries(Object.keys(this.types).map((type) => [type, {}]));
	}
}

/** Hands out the clear-text credentials of a run by credential type. */
class ClearTextCredentials extends ICredentialsHelper {
	constructor(private readonly byType: Record<string, ICredentialDataDecryptedObject>) {
		super();
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const data = this.byType[type];
		if (!data) throw new Error(`runWorkflow: no credentials of type "${type}" were given`);
		return structuredClone(data);
	}

	getParentTypes(): string[] {
		return [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(
		_credentials: ICredentialDataDecryptedObject,
		_typeName: string,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		// Our nodes authenticate inside their own clients, not through n8n's request helpers.
		return requestOptions;
	}

	async preAuthentication(): Promise<undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<undefined> {
		return undefined;
	}

	async getCredentials(): Promise<ICredentials> {
		throw new Error('runWorkflow: encrypted credentials are not available in tests');
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(): INodeProperties[] {
		return [];
	}
}

export interface RunWorkflowOptions {
	/** Node classes by type name; every type of the workflow must be here. */
	nodeTypes: Record<string, INodeType | IVersionedNodeType>;
	/** Credentials in clear text by credential type name (e.g. whatsAppComplianceStoreApi). */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	/** The node to start from. @default the first node of the workflow */
	startNode?: string;
}

export interface WorkflowRun {
	/** The engine's result: status, runData of every node, the error that stopped the run. */
	result: IRun;
	/** The error that stopped the run, if any. */
	error?: ExecutionError;
	/** Nodes in the order they ran. */
	order: string[];
	/** The items of one output of a node's first run; [] when the node did not run or sent none. */
	output(nodeName: string, outputIndex?: number): INodeExecutionData[];
	/** The json of one output's items. */
	json(nodeName: string, outputIndex?: number): IDataObject[];
}

/** Runs a workflow to the end in this process and returns what every node put out. */
export async function runWorkflow(
	workflow: { nodes: INode[]; connections: IConnections; name?: string },
	options: RunWorkflowOptions,
): Promise<WorkflowRun> {
	userFolder();
	// n8n's logger prints every node error to the console; tests read errors from the result.
	process.env.N8N_LOG_LEVEL ??= 'silent';
	const nodeTypes = new NodeTypes(options.nodeTypes);
	const instance = new Workflow({
		id: 'test-workflow',
		name: workflow.name ?? 'Test workflow',
		nodes: workflow.nodes,
		connections: workflow.connections,
		active: false,
		nodeTypes,
		settings: { executionOrder: 'v1' },
	});
	const workflowData: IWorkflowBase = {
		id: instance.id,
		name: instance.name ?? '',
		active: false,
		isArchived: false,
		nodes: workflow.nodes,
		connections: workflow.connections,
		createdAt: new Date(),
		updatedAt: new Date(),
		activeVersionId: null,
	};
	const hooks = new ExecutionLifecycleHooks('manual', 'test-execution', workflowData);
	const order: string[] = [];
	hooks.addHandler('nodeExecuteAfter', (nodeName) => {
		order.push(nodeName);
	});

	const additionalData = minimalAdditionalData(
		new ClearTextCredentials(options.credentials ?? {}),
		hooks,
	);
	const startName = options.startNode ?? workflow.nodes[0]?.name;
	const startNode = startName ? instance.getNode(startName) : null;
	if (!startNode) throw new Error(`runWorkflow: start node "${startName}" is not in the workflow`);

	const result = await new WorkflowExecute(additionalData, 'manual').run({
		workflow: instance,
		startNode,
	});
	const runData: IRunData = result.data.resultData.runData;
	const output = (nodeName: string, outputIndex = 0): INodeExecutionData[] =>
		runData[nodeName]?.[0]?.data?.[NodeConnectionTypes.Main]?.[outputIndex] ?? [];
	return {
		result,
		error: result.data.resultData.error,
		order,
		output,
		json: (nodeName, outputIndex) => output(nodeName, outputIndex).map((item) => item.json),
	};
}

/**
 * What the engine needs from the instance around it. Anything a node of ours does not use
 * (sub-workflows, task runners, AI events) fails loudly instead of pretending to work.
 */
function minimalAdditionalData(
	credentialsHelper: ICredentialsHelper,
	hooks: ExecutionLifecycleHooks,
): IWorkflowExecuteAdditionalData {
	const unsupported = (what: string) => () => {
		throw new Error(`runWorkflow: ${what} is not supported in in-process tests`);
	};
	const data: Partial<IWorkflowExecuteAdditionalData> = {
		credentialsHelper,
		hooks,
		executeWorkflow: unsupported('executing a sub-workflow'),
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		currentNodeExecutionIndex: 0,
		restApiUrl: 'http://localhost:5678/rest',
		instanceBaseUrl: 'http://localhost:5678/',
		formWaitingBaseUrl: 'http://localhost:5678/form-waiting',
		webhookBaseUrl: 'http://localhost:5678/webhook',
		webhookWaitingBaseUrl: 'http://localhost:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://localhost:5678/webhook-test',
		mcpBaseUrl: 'http://localhost:5678/mcp',
		mcpTestBaseUrl: 'http://localhost:5678/mcp-test',
		variables: {},
		logAiEvent: () => undefined,
		startRunnerTask: unsupported('running code in a task runner'),
	};
	return data as IWorkflowExecuteAdditionalData;
}

/**
 * The n8n user folder of this test file's runs. Without N8N_USER_FOLDER, importing this module
 * creates a temp folder and removes it after the file's tests (jest's afterAll; jest gives every
 * test file its own module registry and environment).
 */
const createdUserFolder = process.env.N8N_USER_FOLDER
	? undefined
	: mkdtempSync(join(tmpdir(), 'n8n-user-'));
if (createdUserFolder) {
	process.env.N8N_USER_FOLDER = createdUserFolder;
	if (typeof afterAll === 'function') {
		afterAll(() => rmSync(createdUserFolder, { recursive: true, force: true }));
	}
}

/** N8N_USER_FOLDER, as the runs of this test file see it. */
export function userFolder(): string {
	if (!process.env.N8N_USER_FOLDER) throw new Error('runWorkflow: N8N_USER_FOLDER was unset');
	return process.env.N8N_USER_FOLDER;
}
