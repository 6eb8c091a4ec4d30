/**
 * One Meta app, many workflows, through the node's own code: three triggers of one app (a support
 * inbox, a STOP handler, a status tracker) activated with their hooks, Meta's webhook posted to
 * the inbox only, and the others woken over HTTP the way the node does it in n8n. A small HTTP
 * server stands in for n8n's webhook routing (POST /webhook/<path> and /webhook-test/<path> call
 * the trigger of that path with the request as n8n hands it over); everything else is the real
 * node, store and deliverer. The e2e suite does the same in a real n8n (test/e2e/fanout.test.ts).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { ComplianceStore } from '../../../nodes/core/store/types';
import { SWEEP_MS } from '../../../nodes/WhatsAppWebhookTrigger/deliverer';
import { statusWebhook, textMessageWebhook, wamid } from '../../core/wire/fixtures';
import {
	callHook,
	callWebhook,
	signedPost,
	tempStore,
	type ContextOptions,
	type WebhookCall,
} from './support';

interface Workflow {
	readonly name: string;
	readonly options: ContextOptions;
	readonly path: string;
}

let temp: ReturnType<typeof tempStore>;
let store: ComplianceStore;
let server: http.Server;
/** Items each workflow emitted, by workflow name ("<name> (test)" for the test listener). */
let emitted: Map<string, Record<string, unknown>[]>;
/** Paths the "n8n" answers 404 for, as n8n does for a workflow that is not published yet. */
let unpublished: Set<string>;
let workflows: Workflow[];
const savedEnv = { ...process.env };

function workflow(
	name: string,
	parameters: ContextOptions['parameters'],
	extra: Partial<ContextOptions> = {},
): Workflow {
	const path = `whatsapp-${name}`;
	return {
		name,
		path,
		options: {
			storePath: temp.path,
			workflowId: `wf-${name}`,
			nodeId: `node-${name}`,
			webhookId: `hook-${name}`,
			parameters: { path, ...parameters },
			...extra,
		},
	};
}

/** n8n's webhook routing, in small: the trigger of the path runs with the request. */
function startN8nStandIn(): Promise<number> {
	server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			void (async () => {
				const [, endpoint, path] = req.url?.split('/') ?? [];
				const test = endpoint === 'webhook-test';
				const target = workflows.find((w) => w.path === path);
				if (!target || unpublished.has(path) || (endpoint !== 'webhook' && !test)) {
					res.writeHead(404).end();
					return;
				}
				const call = await callWebhook(
					{ webhookName: 'default', rawBody: Buffer.concat(chunks), headers: req.headers },
					{ ...target.options, mode: test ? 'test' : 'production' },
					res,
				);
				record(test ? `${target.name} (test)` : target.name, call);
			})();
		});
	});
	return new Promise((resolve) =>
		server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
	);
}

function record(name: string, call: WebhookCall<unknown>): void {
	const items = (call.result.workflowData?.[0] ?? []).map((item) => item.json);
	if (items.length > 0) emitted.set(name, [...(emitted.get(name) ?? []), ...items]);
}

async function waitFor<T>(probe: () => T | undefined, what: string, ms = 5_000): Promise<T> {
	const deadline = Date.now() + ms;
	for (;;) {
		const value = probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

const itemsOf = (name: string) => emitted.get(name) ?? [];
const settled = () => new Promise((resolve) => setTimeout(resolve, 300));

async function activate(target: Workflow, mode: 'production' | 'test' = 'production') {
	const call = await callHook('checkExists', { ...target.options, mode });
	if (call.error) throw call.error;
}

/** Meta's webhook, posted to the inbox's URL only (the one Callback URL of the app). */
async function metaPosts(body: unknown): Promise<WebhookCall> {
	const call = await callWebhook(signedPost(body), workflows[0].options);
	record('inbox', call);
	return call;
}

beforeEach(async () => {
	temp = tempStore();
	store = await temp.open();
	emitted = new Map();
	unpublished = new Set();
	const port = await startN8nStandIn();
	process.env.N8N_PORT = String(port);
	process.env.N8N_LISTEN_ADDRESS = '127.0.0.1';
	workflows = [
		workflow('inbox', { triggerOn: ['message'] }),
		workflow('stop', { triggerOn: ['message'], options: { optOutKeywords: 'HALT' } }),
		workflow('tracker', { triggerOn: ['status'] }),
	];
	for (const target of workflows) await activate(target);
});

afterEach(async () => {
	process.env = { ...savedEnv };
	await temp.cleanUp();
	server.closeAllConnections();
	await new Promise((resolve) => server.close(resolve));
});

describe('webhook trigger: one Meta app, many workflows', () => {
	it('every workflow of the app gets its events once, from the one URL Meta calls', async () => {
		const message = textMessageWebhook({ text: 'Where is my order?' });
		const status = statusWebhook({ status: 'delivered', id: wamid() });
		expect((await metaPosts(message)).res.status).toBe(200);
		expect((await metaPosts(status)).res.status).toBe(200);
		await waitFor(() => (itemsOf('tracker').length > 0 ? true : undefined), 'the tracker');
		await waitFor(() => (itemsOf('stop').length > 0 ? true : undefined), 'the STOP handler');
		await settled();
		expect(itemsOf('inbox').map((i) => i.text)).toEqual(['Where is my order?']);
		expect(itemsOf('stop').map((i) => i.text)).toEqual(['Where is my order?']);
		expect(itemsOf('tracker').map((i) => i.status)).toEqual(['delivered']);
	});

	it('Meta’s re-deliveries, also to another trigger’s URL, start nothing anywhere', async () => {
		const message = textMessageWebhook({ text: 'Hallo' });
		await metaPosts(message);
		await metaPosts(message);
		const again = await callWebhook(signedPost(message), workflows[1].options);
		expect(again.res.json()).toEqual({ received: 0, duplicates: 1 });
		await waitFor(() => (itemsOf('stop').length > 0 ? true : undefined), 'the STOP handler');
		await settled();
		expect(itemsOf('inbox')).toHaveLength(1);
		expect(itemsOf('stop')).toHaveLength(1);
	});

	it('the STOP handler’s own keyword is honoured although Meta calls the inbox’s URL', async () => {
		await metaPosts(textMessageWebhook({ text: 'HALT' }));
		const [item] = await waitFor(
			() => (itemsOf('stop').length > 0 ? itemsOf('stop') : undefined),
			'the STOP handler',
		);
		expect(item.consentChanges).toEqual(
			expect.arrayContaining([expect.objectContaining({ action: 'opt_out' })]),
		);
		expect(item.consentAfter).toEqual(
			expect.objectContaining({ fullOptOut: expect.objectContaining({ source: 'keyword' }) }),
		);
	});

	it('a deactivated workflow gets nothing more; activated again, it gets new events', async () => {
		await callHook('delete', workflows[1].options);
		await metaPosts(textMessageWebhook({ text: 'first' }));
		await waitFor(() => (itemsOf('inbox').length > 0 ? true : undefined), 'the inbox');
		await settled();
		expect(itemsOf('stop')).toEqual([]);
		await activate(workflows[1]);
		await metaPosts(textMessageWebhook({ text: 'second' }));
		await waitFor(() => (itemsOf('stop').length > 0 ? true : undefined), 'the STOP handler');
		expect(itemsOf('stop').map((i) => i.text)).toEqual(['second']);
	});

	it(
		'a workflow whose webhook cannot be reached when the event arrives gets it later, in order',
		async () => {
			unpublished.add(workflows[1].path);
			await metaPosts(textMessageWebhook({ text: 'one' }));
			await metaPosts(textMessageWebhook({ text: 'two' }));
			await settled();
			expect(itemsOf('stop')).toEqual([]);
			unpublished.clear();
			await waitFor(
				() => (itemsOf('stop').length === 2 ? true : undefined),
				'the sweep to deliver what waited',
				SWEEP_MS * 3,
			);
			expect(itemsOf('stop').map((i) => i.text)).toEqual(['one', 'two']);
		},
		SWEEP_MS * 4,
	);

	it('a test listener gets the next matching event while it listens, and nothing after', async () => {
		await activate(workflows[2], 'test');
		await metaPosts(statusWebhook({ status: 'read', id: wamid() }));
		await waitFor(
			() => (itemsOf('tracker (test)').length > 0 ? true : undefined),
			'the test listener',
		);
		expect(itemsOf('tracker (test)').map((i) => i.status)).toEqual(['read']);
		// n8n removes the test webhook once it received its event.
		await callHook('delete', { ...workflows[2].options, mode: 'test' });
		await metaPosts(statusWebhook({ status: 'read', id: wamid() }));
		await waitFor(() => (itemsOf('tracker').length === 2 ? true : undefined), 'the tracker');
		await settled();
		expect(itemsOf('tracker (test)')).toHaveLength(1);
	});

	it('a wake-up not signed with the app secret is refused and claims nothing', async () => {
		unpublished.add(workflows[1].path);
		await metaPosts(textMessageWebhook({ text: 'kept' }));
		const forged = await callWebhook(
			{
				webhookName: 'default',
				rawBody: Buffer.from('{"object":"whatsapp_compliance_wake_up","subscription":"x"}'),
				headers: { 'x-whatsapp-compliance-wake-up': 'sha256=00' },
			},
			workflows[1].options,
		);
		expect(forged.res.status).toBe(401);
		expect(await store.waitingDeliveries(Date.now() + 1, Date.now())).toHaveLength(1);
	});
});
