/**
 * Trigger -> Reply in Window in n8n's own execution engine: the items the trigger's webhook()
 * emits (not hand-made ones) go into a workflow, and the window the trigger recorded is what
 * lets the reply through. The start node replays the trigger's items (the in-process runner
 * starts workflows like a Manual Trigger).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IConnections, IDataObject, INode, INodeParameters } from 'n8n-workflow';

import { WhatsAppReplyInWindow } from '../../../nodes/WhatsAppReplyInWindow/WhatsAppReplyInWindow.node';
import { EMIT_ITEMS, EmitItems, PACKAGE, runWorkflow } from '../../support/workflow';
import { CONTACT_WA_ID, PHONE_NUMBER_ID, textMessageWebhook } from '../../core/wire/fixtures';
import { callWebhook, itemsOf, signedPost, tempStore } from './support';

const REPLY = `${PACKAGE}.whatsAppReplyInWindow`;
const TOKEN = 'workflow-test-token';

let temp: ReturnType<typeof tempStore>;
let graph: http.Server;
let graphUrl: string;
const sends: Array<Record<string, unknown>> = [];

beforeAll(async () => {
	graph = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<
				string,
				unknown
			>;
			sends.push({ path: req.url, ...body });
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(
				JSON.stringify({
					messaging_product: 'whatsapp',
					contacts: [{ input: body.to, wa_id: CONTACT_WA_ID }],
					messages: [{ id: `wamid.reply-${sends.length}` }],
				}),
			);
		});
	});
	await new Promise<void>((resolve) => graph.listen(0, '127.0.0.1', resolve));
	graphUrl = `http://127.0.0.1:${(graph.address() as AddressInfo).port}`;
});

afterAll(async () => {
	graph.closeAllConnections();
	await new Promise<void>((resolve) => graph.close(() => resolve()));
});

beforeEach(() => {
	temp = tempStore();
	sends.length = 0;
});

afterEach(async () => {
	await temp.cleanUp();
});

/** What the trigger emits for a contact's text, sent now. */
async function triggerItems(text: string): Promise<IDataObject[]> {
	const body = textMessageWebhook({ text, timestamp: String(Math.floor(Date.now() / 1000)) });
	const call = await callWebhook(signedPost(body), { storePath: temp.path });
	return itemsOf(call) as IDataObject[];
}

async function run(items: IDataObject[], reply: INodeParameters) {
	const nodes: INode[] = [
		{
			id: '1',
			name: 'WhatsApp Webhook Trigger',
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
			parameters: reply,
			credentials: {
				whatsAppCloudApi: { id: '1', name: 'Cloud API' },
				whatsAppComplianceStoreApi: { id: '2', name: 'Store' },
			},
		},
	];
	const connections: IConnections = {
		'WhatsApp Webhook Trigger': { main: [[{ node: 'Reply', type: 'main', index: 0 }]] },
	};
	return await runWorkflow(
		{ nodes, connections },
		{
			nodeTypes: { [EMIT_ITEMS]: new EmitItems(), [REPLY]: new WhatsAppReplyInWindow() },
			credentials: {
				whatsAppCloudApi: {
					accessToken: TOKEN,
					businessAccountId: '318447201993512',
					phoneNumberId: '106540352242922',
					apiVersion: 'v25.0',
					baseUrl: graphUrl,
				},
				whatsAppComplianceStoreApi: { backend: 'sqlite', sqlitePath: temp.path },
			},
		},
	);
}

describe('webhook trigger in a workflow', () => {
	it('a message opens the window the next node replies in, from the number it was sent to', async () => {
		const items = await triggerItems('Is the blue jacket back?');
		const result = await run(items, { text: 'Yes, in all sizes!' });
		expect(result.error).toBeUndefined();
		expect(result.output('Reply', 0)).toHaveLength(1);
		expect(sends).toEqual([
			expect.objectContaining({
				path: `/v25.0/${PHONE_NUMBER_ID}/messages`,
				to: `+${CONTACT_WA_ID}`,
				text: { body: 'Yes, in all sizes!' },
			}),
		]);
	});

	it('after STOP, only the opt-out confirmation goes out', async () => {
		const items = await triggerItems('STOP');
		expect(items[0].consentAfter).toMatchObject({ fullOptOut: { source: 'keyword' } });
		const plain = await run(items, { text: 'Our new collection is here' });
		expect(plain.output('Reply', 0)).toEqual([]);
		expect(sends).toEqual([]);
		const confirmation = await run(items, {
			text: 'You will get no more messages from us.',
			options: { optOutConfirmation: true },
		});
		expect(confirmation.output('Reply', 0)).toHaveLength(1);
		expect(sends).toHaveLength(1);
	});
});
