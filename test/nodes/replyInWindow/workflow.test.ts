/**
 * Reply in Window inside n8n's own execution engine: expressions in the defaults, the resource
 * locator, two outputs, pairedItem and the error output are n8n's, not a mock's.
 */
import {
	NodeConnectionTypes,
	type IConnections,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { WhatsAppReplyInWindow } from '../../../nodes/WhatsAppReplyInWindow/WhatsAppReplyInWindow.node';
import { EMIT_ITEMS, EmitItems, PACKAGE, runWorkflow } from '../../support/workflow';
import {
	ago,
	API_VERSION,
	contactNo,
	SENDER,
	startEnv,
	TOKEN,
	triggerItem,
	type TestEnv,
} from './support';

const REPLY = `${PACKAGE}.whatsAppReplyInWindow`;
const TAKE_OVER = 'test.takeOver';

/** Stands in for a Send Template node: passes on what it would send to. */
class TakeOver implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Take Over',
		name: 'takeOver',
		group: ['transform'],
		version: 1,
		description: 'Records the recipient and sender number it would use (tests only)',
		defaults: { name: 'Take Over' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [
			{
				displayName: 'Recipient',
				name: 'recipient',
				type: 'string',
				default: '={{ $json.contact }}',
			},
			{
				displayName: 'Sender',
				name: 'sender',
				type: 'string',
				default: '={{ $json.phoneNumberId }}',
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [
			this.getInputData().map((_item, i) => ({
				json: {
					recipient: this.getNodeParameter('recipient', i) as string,
					sender: this.getNodeParameter('sender', i) as string,
				},
				pairedItem: { item: i },
			})),
		];
	}
}

let env: TestEnv;
beforeAll(async () => {
	env = await startEnv();
});
afterAll(async () => {
	await env.dispose();
});

function workflow(
	items: IDataObject[],
	replyParameters: INodeParameters,
	extra: Partial<INode> = {},
) {
	const nodes: INode[] = [
		{
			id: '1',
			name: 'WhatsApp Trigger',
			type: EMIT_ITEMS,
			typeVersion: 1,
			position: [0, 0],
			parameters: { items: JSON.stringify(items) },
		},
		{
			id: '2',
			name: 'Reply',
			type: REPLY,
			typeVersion: 1,
			position: [200, 0],
			parameters: replyParameters,
			credentials: {
				whatsAppCloudApi: { id: '1', name: 'Cloud API' },
				whatsAppComplianceStoreApi: { id: '2', name: 'Store' },
			},
			...extra,
		},
		{
			id: '3',
			name: 'Send Template',
			type: TAKE_OVER,
			typeVersion: 1,
			position: [400, 100],
			parameters: {},
		},
	];
	const connections: IConnections = {
		'WhatsApp Trigger': { main: [[{ node: 'Reply', type: 'main', index: 0 }]] },
		Reply: { main: [[], [{ node: 'Send Template', type: 'main', index: 0 }]] },
	};
	return { nodes, connections };
}

const options = () => ({
	nodeTypes: {
		[EMIT_ITEMS]: new EmitItems(),
		[REPLY]: new WhatsAppReplyInWindow(),
		[TAKE_OVER]: new TakeOver(),
	},
	credentials: {
		whatsAppCloudApi: {
			accessToken: TOKEN,
			businessAccountId: '102290129340398',
			phoneNumberId: SENDER,
			apiVersion: API_VERSION,
			baseUrl: env.graph.baseUrl,
		},
		whatsAppComplianceStoreApi: { backend: 'sqlite', sqlitePath: env.sqlitePath },
	},
});

describe('reply in window in a workflow', () => {
	it('answers in-window contacts and hands closed windows to the next node with contact and number', async () => {
		const open = contactNo(80);
		const stale = contactNo(81);
		await env.store.touchWindows([{ sender: SENDER, contact: stale.waId, at: ago(30) }]);
		const items = [triggerItem(open.waId, ago(0.5)).json, triggerItem(stale.waId, ago(30)).json];

		const run = await runWorkflow(workflow(items, { text: 'Thanks, we are on it!' }), options());

		expect(run.error).toBeUndefined();
		const sent = run.output('Reply', 0);
		expect(sent).toHaveLength(1);
		expect(sent[0].pairedItem).toEqual({ item: 0 });
		expect(sent[0].json).toMatchObject({ result: 'sent', to: open.e164 });
		expect(env.graph.sends().at(-1)!.json).toMatchObject({
			to: open.e164,
			text: { body: 'Thanks, we are on it!' },
		});
		expect(run.json('Reply', 1)).toEqual([
			expect.objectContaining({
				contact: stale.waId,
				reason: 'window_closed',
			}),
		]);
		expect(run.json('Send Template')).toEqual([{ recipient: stale.waId, sender: SENDER }]);
	});

	it('puts an item error on the error output when the node continues on errors', async () => {
		const contact = contactNo(82);
		await env.store.touchWindows([{ sender: SENDER, contact: contact.waId, at: ago(1) }]);
		const items = [triggerItem(contact.waId, ago(1)).json];
		const run = await runWorkflow(
			workflow(
				items,
				{
					messageType: 'buttons',
					bodyText: 'Choose',
					buttons: {
						button: ['a', 'b', 'c', 'd'].map((id) => ({ id, title: id.toUpperCase() })),
					},
				},
				{ onError: 'continueErrorOutput' },
			),
			options(),
		);
		expect(run.error).toBeUndefined();
		expect(run.output('Reply', 0)).toEqual([]);
		expect(run.output('Reply', 1)).toEqual([]);
		const errors = run.json('Reply', 2);
		expect(errors).toHaveLength(1);
		expect(errors[0].error).toContain('Reply buttons: 4 given; WhatsApp allows 1 to 3');
	});
});
