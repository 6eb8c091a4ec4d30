/**
 * Send Template inside n8n's own execution engine: expressions, the resource locator and resource
 * mapper values, two outputs, pairedItem and the error output are n8n's, not a mock's.
 */
import type { IConnections, INode, INodeParameters } from 'n8n-workflow';

import { WhatsAppSendTemplate } from '../../../nodes/WhatsAppSendTemplate/WhatsAppSendTemplate.node';
import { EMIT_ITEMS, EmitItems, PACKAGE, runWorkflow } from '../../support/workflow';
import { ACCOUNT, JONAS, LENA, SENDER, TOKEN, consent, startEnv, type TestEnv } from './support';

const SEND = `${PACKAGE}.whatsAppSendTemplate`;

let env: TestEnv;
beforeEach(async () => {
	env = await startEnv();
});
afterEach(async () => {
	await env.dispose();
});

const contacts = [
	{ phone: LENA.e164, firstName: 'Lena', orderId: 'A-1' },
	{ phone: 'not a phone', firstName: 'Nobody', orderId: 'A-2' },
	{ phone: JONAS.e164, firstName: 'Jonas', orderId: 'A-3' },
];

function workflow(onError?: INode['onError'], byName = false) {
	const parameters: INodeParameters = {
		recipient: '={{ $json.phone }}',
		template: byName
			? { __rl: true, mode: 'name', value: 'back_in_stock' }
			: { __rl: true, mode: 'list', value: 'back_in_stock|de' },
		...(byName ? { language: 'de' } : {}),
		variables: {
			mappingMode: 'defineBelow',
			value: {
				'header.image': 'https://shop.example.com/img/trail-runner-2.jpg',
				'body.first_name': '={{ $json.firstName }}',
				'body.product': 'der Trail Runner 2',
				'body.ship_date': 'Freitag',
			},
			matchingColumns: [],
			schema: [],
		},
		options: {
			idempotencyKey: '={{ $json.orderId }}',
			quietHours: { settings: { enabled: false } },
		},
	};
	const nodes: INode[] = [
		{
			id: '1',
			name: 'Contacts',
			type: EMIT_ITEMS,
			typeVersion: 1,
			position: [0, 0],
			parameters: { items: JSON.stringify(contacts) },
		},
		{
			id: '2',
			name: 'Send',
			type: SEND,
			typeVersion: 1,
			position: [200, 0],
			parameters,
			credentials: {
				whatsAppCloudApi: { id: '1', name: 'Cloud API' },
				whatsAppComplianceStoreApi: { id: '2', name: 'Store' },
			},
			...(onError ? { onError } : {}),
		},
	];
	const connections: IConnections = {
		Contacts: { main: [[{ node: 'Send', type: 'main', index: 0 }]] },
	};
	return { nodes, connections };
}

async function runIt(onError?: INode['onError'], byName = false) {
	return await runWorkflow(workflow(onError, byName), {
		nodeTypes: { [EMIT_ITEMS]: new EmitItems(), [SEND]: new WhatsAppSendTemplate() },
		credentials: {
			whatsAppCloudApi: {
				accessToken: TOKEN,
				businessAccountId: ACCOUNT,
				phoneNumberId: SENDER,
				apiVersion: 'v25.0',
				baseUrl: env.sandbox.url,
			},
			whatsAppComplianceStoreApi: { backend: 'sqlite', sqlitePath: env.sqlitePath },
		},
	});
}

describe('Send Template in a workflow', () => {
	it('sends to the opted-in contacts, skips the others and routes the bad number to the error output', async () => {
		await consent(env, LENA.waId, 'opt_in');

		const run = await runIt('continueErrorOutput');

		expect(run.error).toBeUndefined();
		expect(run.json('Send', 0)).toEqual([
			expect.objectContaining({ result: 'sent', to: LENA.e164, template: 'back_in_stock' }),
		]);
		expect(run.json('Send', 1)).toEqual([
			expect.objectContaining({ result: 'skipped', reason: 'no_consent', to: JONAS.e164 }),
		]);
		expect(run.output('Send', 2)).toEqual([
			expect.objectContaining({
				json: expect.objectContaining({ error: expect.stringContaining('[item 1]') }),
				pairedItem: { item: 1 },
			}),
		]);
		expect(run.output('Send', 0)[0].pairedItem).toEqual({ item: 0 });
		expect(run.output('Send', 1)[0].pairedItem).toEqual({ item: 2 });
		expect(env.sandbox.state.sentMessages().map((m) => m.rendered?.body)).toEqual([
			'Hallo Lena, der Trail Runner 2 ist wieder da. Bestellst du heute, versenden wir bis Freitag.',
		]);
	});

	it('stops the workflow on the bad number before sending anything when errors stop it', async () => {
		await consent(env, LENA.waId, 'opt_in');

		const run = await runIt();

		expect(run.error?.message).toMatch(/^\[item 1\] /);
		expect(env.sandbox.state.sentMessages()).toEqual([]);
	});

	it('sends nothing again when the workflow runs again with the same order ids', async () => {
		await consent(env, LENA.waId, 'opt_in');

		const first = await runIt('continueErrorOutput');
		const second = await runIt('continueErrorOutput');

		expect(env.sandbox.state.sentMessages()).toHaveLength(1);
		expect(second.json('Send', 0)).toEqual([
			expect.objectContaining({ result: 'duplicate', wamid: first.json('Send', 0)[0].wamid }),
		]);
	});

	it('reads a template chosen by name with its Language', async () => {
		await consent(env, LENA.waId, 'opt_in');

		const run = await runIt('continueErrorOutput', true);

		expect(run.json('Send', 0)).toEqual([
			expect.objectContaining({ result: 'sent', template: 'back_in_stock', language: 'de' }),
		]);
	});
});
