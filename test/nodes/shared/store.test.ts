/**
 * Which store a node opens: the credential's fields, and the refusal of SQLite in n8n's queue mode
 * (main, webhook processors and workers would each write their own file), on every node through
 * n8n's own execution engine.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mock } from 'jest-mock-extended';
import type {
	ICredentialTestFunctions,
	IExecuteFunctions,
	INode,
	INodeParameters,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { DEFAULT_APPLICATION_NAME, DEFAULT_POOL_SIZE } from '../../../nodes/core/store/postgres';
import {
	closeAllStores,
	getComplianceStore,
	isQueueMode,
	queueModeRefusal,
	storeConfigFrom,
	testComplianceStore,
} from '../../../nodes/shared/store';
import { WhatsAppOptInManager } from '../../../nodes/WhatsAppOptInManager/WhatsAppOptInManager.node';
import { WhatsAppReplyInWindow } from '../../../nodes/WhatsAppReplyInWindow/WhatsAppReplyInWindow.node';
import { WhatsAppSendTemplate } from '../../../nodes/WhatsAppSendTemplate/WhatsAppSendTemplate.node';
import { EMIT_ITEMS, EmitItems, PACKAGE, runWorkflow } from '../../support/workflow';

const REFUSED = 'Queue mode needs a WhatsApp Compliance Store credential with PostgreSQL';
const POSTGRES_CREDENTIAL = {
	backend: 'postgres',
	host: 'db.internal',
	port: 5433,
	database: 'n8n',
	user: 'n8n',
	password: 'pw',
	ssl: 'disable',
	schema: 'whatsapp',
	tablePrefix: 'wa_',
};

const dir = mkdtempSync(join(tmpdir(), 'wa-store-config-'));
const sqlitePath = join(dir, 'store.sqlite');
const savedMode = process.env.EXECUTIONS_MODE;

function setQueueMode(on: boolean): void {
	if (on) process.env.EXECUTIONS_MODE = 'queue';
	else delete process.env.EXECUTIONS_MODE;
}

afterEach(() => {
	if (savedMode === undefined) delete process.env.EXECUTIONS_MODE;
	else process.env.EXECUTIONS_MODE = savedMode;
});
afterAll(async () => {
	await closeAllStores();
	rmSync(dir, { recursive: true, force: true });
});

describe('queue mode detection', () => {
	it('is on with EXECUTIONS_MODE=queue, whatever the command', () => {
		expect(isQueueMode({ EXECUTIONS_MODE: 'queue' }, ['node', '/usr/bin/n8n', 'start'])).toBe(true);
	});

	it('is on in `n8n worker` and `n8n webhook`, which run in queue mode without the variable', () => {
		expect(isQueueMode({}, ['node', '/usr/local/bin/n8n', 'worker', '--concurrency=10'])).toBe(
			true,
		);
		expect(isQueueMode({}, ['node', '/usr/local/bin/n8n', 'webhook'])).toBe(true);
	});

	it('is off for `n8n start` in the default (regular) mode', () => {
		expect(isQueueMode({}, ['node', '/usr/bin/n8n', 'start'])).toBe(false);
		expect(isQueueMode({ EXECUTIONS_MODE: 'regular' }, ['node', '/usr/bin/n8n', 'start'])).toBe(
			false,
		);
	});
});

describe('queue mode store rule', () => {
	const embedded = storeConfigFrom(undefined);
	const namedFile = storeConfigFrom({ backend: 'sqlite', sqlitePath });
	const postgres = storeConfigFrom(POSTGRES_CREDENTIAL);

	it('refuses the embedded default, saying how to set up PostgreSQL', () => {
		const refusal = queueModeRefusal(embedded, true);
		expect(refusal?.message).toBe(REFUSED);
		expect(refusal?.description).toMatch(/^This node has no WhatsApp Compliance Store credential/);
		expect(refusal?.description).toContain('Backend PostgreSQL');
		expect(refusal?.description).toContain('every WhatsApp node and the WhatsApp Webhook Trigger');
	});

	it('refuses a credential that names a SQLite file too, naming the credential and the file', () => {
		const refusal = queueModeRefusal(namedFile, true, 'Shop store');
		expect(refusal?.message).toBe(REFUSED);
		expect(refusal?.description).toMatch(
			`The WhatsApp Compliance Store credential "Shop store" uses SQLite (${sqlitePath})`,
		);
		expect(refusal?.description).toContain('each have their own files');
	});

	it('accepts PostgreSQL in queue mode', () => {
		expect(queueModeRefusal(postgres, true, 'Shared store')).toBeUndefined();
	});

	it('accepts SQLite outside queue mode', () => {
		expect(queueModeRefusal(embedded, false)).toBeUndefined();
		expect(queueModeRefusal(namedFile, false, 'Shop store')).toBeUndefined();
	});
});

describe('PostgreSQL credential', () => {
	it('opens a small pool per process by default, named after the package', () => {
		const config = storeConfigFrom(POSTGRES_CREDENTIAL);
		expect(config).toMatchObject({
			backend: 'postgres',
			connection: { host: 'db.internal', port: 5433, database: 'n8n', user: 'n8n' },
			schema: 'whatsapp',
			poolSize: DEFAULT_POOL_SIZE,
			applicationName: expect.stringMatching(new RegExp(`^${DEFAULT_APPLICATION_NAME}`)),
		});
		expect(DEFAULT_POOL_SIZE).toBe(5);
	});

	it('takes Max Connections from the credential', () => {
		expect(storeConfigFrom({ ...POSTGRES_CREDENTIAL, poolSize: 2 })).toMatchObject({
			poolSize: 2,
		});
	});
});

function executeContext(credentialName?: string): IExecuteFunctions {
	const ctx = mock<IExecuteFunctions>();
	ctx.getNode.mockReturnValue({
		id: 'n1',
		name: 'Send',
		type: `${PACKAGE}.whatsAppSendTemplate`,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		credentials: credentialName
			? { whatsAppComplianceStoreApi: { id: 's1', name: credentialName } }
			: {},
	});
	ctx.getCredentials.mockResolvedValue({ backend: 'sqlite', sqlitePath } as never);
	return ctx;
}

describe('opening the store', () => {
	it('throws a node error with the fix in queue mode, before any file is created', async () => {
		setQueueMode(true);
		const error = await getComplianceStore(executeContext('Shop store')).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).message).toBe(REFUSED);
		expect((error as NodeOperationError).description).toContain('"Shop store" uses SQLite');
		expect(existsSync(sqlitePath)).toBe(false);
	});

	it('opens the SQLite file outside queue mode', async () => {
		setQueueMode(false);
		const store = await getComplianceStore(executeContext('Shop store'));
		expect(store.backend).toBe('sqlite');
		expect(existsSync(sqlitePath)).toBe(true);
	});

	it('has the credential test say the same in queue mode', async () => {
		setQueueMode(true);
		const result = await testComplianceStore.call(mock<ICredentialTestFunctions>(), {
			id: 's1',
			name: 'Shop store',
			type: 'whatsAppComplianceStoreApi',
			data: { backend: 'sqlite', sqlitePath },
		});
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(new RegExp(`^${REFUSED}\\. The WhatsApp Compliance Store`));
	});
});

describe('every node in queue mode without a PostgreSQL store', () => {
	const nodeTypes = {
		[EMIT_ITEMS]: new EmitItems(),
		[`${PACKAGE}.whatsAppSendTemplate`]: new WhatsAppSendTemplate(),
		[`${PACKAGE}.whatsAppReplyInWindow`]: new WhatsAppReplyInWindow(),
		[`${PACKAGE}.whatsAppOptInManager`]: new WhatsAppOptInManager(),
	};
	const cloudApi = {
		accessToken: 'test-token',
		businessAccountId: '318447201993512',
		phoneNumberId: '774120593381042',
		appSecret: 'secret',
		verifyToken: 'verify',
		apiVersion: 'v25.0',
		// Nothing listens here: the node must fail before it calls the Cloud API.
		baseUrl: 'http://127.0.0.1:9',
	};

	async function run(type: string, parameters: INodeParameters) {
		const node: INode = {
			id: 'n',
			name: 'WhatsApp',
			type: `${PACKAGE}.${type}`,
			typeVersion: 1,
			position: [200, 0],
			parameters,
			credentials:
				type === 'whatsAppOptInManager' ? {} : { whatsAppCloudApi: { id: 'c', name: 'Cloud API' } },
		};
		const start: INode = {
			id: 's',
			name: 'Start',
			type: EMIT_ITEMS,
			typeVersion: 1,
			position: [0, 0],
			parameters: { items: JSON.stringify([{ phone: '+49 151 12345601' }]) },
		};
		setQueueMode(true);
		return await runWorkflow(
			{
				nodes: [start, node],
				connections: { Start: { main: [[{ node: 'WhatsApp', type: 'main', index: 0 }]] } },
			},
			{ nodeTypes, credentials: { whatsAppCloudApi: cloudApi } },
		);
	}

	it.each([
		[
			'whatsAppSendTemplate',
			{
				recipient: '={{ $json.phone }}',
				template: { __rl: true, mode: 'name', value: 'order_update' },
				language: 'en',
			},
		],
		['whatsAppReplyInWindow', { recipient: '={{ $json.phone }}', text: 'Thanks!' }],
		[
			'whatsAppOptInManager',
			{ resource: 'consent', operation: 'getStatus', contact: '={{ $json.phone }}' },
		],
	])('%s stops with the setup instructions', async (type, parameters) => {
		const { error, output } = await run(type, parameters as INodeParameters);
		expect(error?.message).toBe(REFUSED);
		expect(error?.description).toMatch(/^This node has no WhatsApp Compliance Store credential/);
		expect(output('WhatsApp')).toEqual([]);
	});
});
