/**
 * The trigger against the Cloud API sandbox: activation subscribing the app (subscribed_apps),
 * the sender number list, and signed webhooks the sandbox posts (Meta's own escaping) through a
 * real local HTTP server into the node's webhook(), answered on a real http.ServerResponse.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mock } from 'jest-mock-extended';
import { NodeApiError, NodeOperationError, type ILoadOptionsFunctions } from 'n8n-workflow';

import { ALL_PURPOSES } from '../../../nodes/core/model';
import { startSandbox, type Sandbox } from '../../../sandbox/server';
import { WhatsAppWebhookTrigger } from '../../../nodes/WhatsAppWebhookTrigger/WhatsAppWebhookTrigger.node';
import {
	callHook,
	callWebhook,
	tempStore,
	VERIFY_TOKEN,
	type ContextOptions,
	type WebhookCall,
} from './support';

let sandbox: Sandbox;
let temp: ReturnType<typeof tempStore>;

beforeEach(async () => {
	sandbox = await startSandbox({ webhookRetryScheduleMs: [100] });
	temp = tempStore();
});

afterEach(async () => {
	await sandbox.close();
	await temp.cleanUp();
});

function options(extra: Partial<ContextOptions> = {}): ContextOptions {
	const { state } = sandbox;
	return {
		storePath: temp.path,
		...extra,
		cloudApi: {
			accessToken: state.options.accessToken,
			businessAccountId: state.businessAccount.id,
			phoneNumberId: state.phoneNumbers[0].id,
			appSecret: state.options.appSecret,
			verifyToken: VERIFY_TOKEN,
			baseUrl: sandbox.url,
			...extra.cloudApi,
		},
	};
}

const subscribing = { parameters: { options: { subscribeApp: true } } };

describe('webhook trigger activation', () => {
	it('subscribes the app to the business account when Subscribe App On Activation is on', async () => {
		sandbox.state.subscribed = false;
		const exists = await callHook('checkExists', options(subscribing));
		expect(exists.value).toBe(false);
		const created = await callHook('create', options(subscribing));
		expect(created.value).toBe(true);
		expect(sandbox.state.subscribed).toBe(true);
		expect(created.logs.map((l) => l.message)).toEqual([
			`Subscribed the Meta app to the webhooks of WhatsApp Business Account ${sandbox.state.businessAccount.id}`,
		]);
	});

	it('leaves the subscription alone when the option is off', async () => {
		sandbox.state.subscribed = false;
		expect((await callHook('checkExists', options())).value).toBe(true);
		expect((await callHook('create', options())).value).toBe(true);
		expect(sandbox.state.subscribed).toBe(false);
	});

	it('does not unsubscribe the app when the workflow is unpublished', async () => {
		expect((await callHook('delete', options(subscribing))).value).toBe(true);
		expect(sandbox.state.subscribed).toBe(true);
	});

	it('fails activation with Meta’s answer, without the token, when subscribing is refused', async () => {
		sandbox.state.subscribed = false;
		const wrongToken = 'EAAG-not-the-sandbox-token';
		const created = await callHook(
			'create',
			options({ ...subscribing, cloudApi: { accessToken: wrongToken } }),
		);
		expect(created.error).toBeInstanceOf(NodeApiError);
		expect(JSON.stringify(created.error)).not.toContain(wrongToken);
		expect(String((created.error as Error).message)).not.toContain(wrongToken);
		expect(sandbox.state.subscribed).toBe(false);
	});

	it('refuses activation without an App Secret, with or without subscribing, and says how to fix it', async () => {
		for (const appSecret of ['', '  ']) {
			for (const extra of [{}, subscribing]) {
				sandbox.state.subscribed = false;
				const checked = await callHook(
					'checkExists',
					options({ ...extra, cloudApi: { appSecret } }),
				);
				expect(checked.error).toBeInstanceOf(NodeOperationError);
				expect((checked.error as NodeOperationError).message).toBe(
					'The WhatsApp Cloud API credential has no App Secret, so this trigger cannot check that webhooks come from Meta',
				);
				expect((checked.error as NodeOperationError).description).toMatch(
					/^Enter the app secret of the Meta app .*App Dashboard > App settings > Basic/,
				);
				expect(sandbox.state.subscribed).toBe(false);
			}
		}
	});

	it("refuses activation when the store credential's SQLite File is n8n's own database", async () => {
		const saved = process.env.N8N_USER_FOLDER;
		process.env.N8N_USER_FOLDER = temp.dir;
		try {
			const checked = await callHook(
				'checkExists',
				options({ storePath: `${temp.dir}/.n8n/database.sqlite` }),
			);
			expect(checked.error).toBeInstanceOf(NodeOperationError);
			expect((checked.error as Error).message).toMatch(/is n8n's own database/);
		} finally {
			if (saved === undefined) delete process.env.N8N_USER_FOLDER;
			else process.env.N8N_USER_FOLDER = saved;
		}
	});

	it('fails activation on a keyword list the core refuses, naming the option', async () => {
		const checked = await callHook(
			'checkExists',
			options({ parameters: { options: { confirmationKeywords: 'YES, ?' } } }),
		);
		expect(checked.error).toBeInstanceOf(NodeOperationError);
		expect((checked.error as Error).message).toMatch(/^"Confirmation Keywords":/);
	});
});

describe('webhook trigger sender numbers list', () => {
	it('lists the business phone numbers of the credential’s account', async () => {
		const ctx = mock<ILoadOptionsFunctions>();
		const { cloudApi } = options();
		ctx.getCredentials.mockResolvedValue(cloudApi as never);
		ctx.getNode.mockReturnValue({ name: 'WhatsApp Webhook Trigger' } as never);
		const list = await new WhatsAppWebhookTrigger().methods.loadOptions.getSenderNumbers.call(ctx);
		expect(list.map((o) => o.value)).toEqual(sandbox.state.phoneNumbers.map((p) => p.id));
		expect(list[0].name).toContain(sandbox.state.phoneNumbers[0].display_phone_number);
	});
});

describe('webhook trigger with webhooks the sandbox signs and posts', () => {
	/** n8n's part: route GET/POST to the node with the raw body, answer on the real response. */
	async function startTriggerServer(context: ContextOptions) {
		const calls: WebhookCall<http.ServerResponse>[] = [];
		const server = http.createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', () => {
				const url = new URL(req.url ?? '/', 'http://127.0.0.1');
				const request = {
					webhookName: req.method === 'GET' ? ('setup' as const) : ('default' as const),
					rawBody: Buffer.concat(chunks),
					headers: req.headers,
					query: Object.fromEntries(url.searchParams),
				};
				callWebhook(request, context, res).then(
					(call) => calls.push(call),
					(error: unknown) => {
						res.writeHead(500).end(String(error));
					},
				);
			});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const { port } = server.address() as AddressInfo;
		return {
			url: `http://127.0.0.1:${port}/webhook/whatsapp-inbox`,
			calls,
			close: () => new Promise<void>((resolve) => server.close(() => resolve())),
		};
	}

	async function delivered(count: number) {
		for (let i = 0; i < 200; i++) {
			const done = sandbox.state.webhookDeliveries().filter((d) => d.state !== 'pending');
			if (done.length >= count) return done;
			await new Promise((resolve) => setTimeout(resolve, 25));
		}
		throw new Error('the sandbox did not finish its deliveries');
	}

	it('a contact’s STOP arrives signed, is answered 200, emitted once and recorded', async () => {
		const server = await startTriggerServer(options());
		try {
			sandbox.state.webhookUrl = server.url;
			const contact = sandbox.state.contacts()[0];
			sandbox.state.say(contact.wa_id, 'Stopp, danke');
			const [delivery] = await delivered(1);
			expect(delivery.state).toBe('delivered');
			expect(delivery.attempts.map((a) => a.status)).toEqual([200]);
			const items = server.calls.flatMap((c) => c.result.workflowData?.[0] ?? []);
			expect(items.map((i) => [i.json.kind, i.json.contact, i.json.text])).toEqual([
				['message', contact.wa_id, 'Stopp, danke'],
			]);
			const store = await temp.open();
			const consents = (await store.getConsents([contact.wa_id])).get(contact.wa_id) ?? [];
			expect(consents.find((c) => c.purpose === ALL_PURPOSES)?.status).toBe('opted_out');
		} finally {
			await server.close();
		}
	});

	it('a signature made with another app secret is refused with 401 and retried by the sender', async () => {
		const server = await startTriggerServer(options({ cloudApi: { appSecret: 'another-secret' } }));
		try {
			sandbox.state.webhookUrl = server.url;
			sandbox.state.say(sandbox.state.contacts()[0].wa_id, 'Hallo');
			const [delivery] = await delivered(1);
			expect(delivery.state).toBe('failed');
			expect(delivery.attempts.map((a) => a.status)).toEqual([401, 401]);
			expect(server.calls.every((c) => c.result.workflowData === undefined)).toBe(true);
		} finally {
			await server.close();
		}
	});
});
