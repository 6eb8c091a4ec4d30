import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { ManualClock, SECOND } from '../../../nodes/core/clock';
import {
	GraphApiError,
	GraphClient,
	IDLE_CONNECTION_MS,
	type GraphClientOptions,
	type RetryInfo,
} from '../../../nodes/core/client/client';
import { LeasedSendBudget, MemorySlotLedger } from '../../../nodes/core/pace/budget';
import { pairPace, senderPace } from '../../../nodes/core/pace/schedule';
import {
	closedPort,
	metaError,
	sent,
	startMetaServer,
	startSilentServer,
	type MetaServer,
} from './metaServer';

/** A canary access token: the tests look for it wherever it must not be. */
const CANARY = 'EAAJBcanary0123456789abcdefCANARY';
const PNID = '106540352242922';
const WABA = '102290129340398';
const TO = '+4915123456789';
const text = (body = 'Hello') => ({ to: TO, type: 'text', text: { body } });

let meta: MetaServer;

beforeEach(async () => {
	meta = await startMetaServer();
});

afterEach(async () => {
	await meta.close();
});

/** A client against the fake server whose waits are recorded instead of slept. */
function makeClient(
	options: Partial<GraphClientOptions> = {},
	clock = new ManualClock(Date.UTC(2026, 10, 21, 12, 0, 0)),
) {
	const sleeps: number[] = [];
	const retries: RetryInfo[] = [];
	const client = new GraphClient({
		accessToken: CANARY,
		baseUrl: meta.baseUrl,
		clock,
		random: () => 0.5,
		sleep: async (ms, signal) => {
			sleeps.push(ms);
			if (signal?.aborted) throw signal.reason;
			clock.advance(ms);
		},
		onRetry: (info) => retries.push(info),
		...options,
	});
	return { client, sleeps, retries, clock };
}

async function failureOf(promise: Promise<unknown>): Promise<GraphApiError> {
	try {
		await promise;
	} catch (error) {
		if (error instanceof GraphApiError) return error;
		throw error;
	}
	throw new Error('the call succeeded');
}

function expectNoToken(value: unknown) {
	const views = [
		JSON.stringify(value),
		inspect(value, { depth: 20, showHidden: true }),
		value instanceof Error ? `${value.message}\n${value.stack}` : String(value),
	];
	for (const view of views) expect(view).not.toContain(CANARY);
}

describe('GraphClient', () => {
	describe('requests', () => {
		it('sends a message to /v25.0/<PHONE_NUMBER_ID>/messages with the bearer token', async () => {
			const { client } = makeClient();
			meta.reply(sent('wamid.1'));
			const result = await client.sendMessage(PNID, text());
			expect(result.messages[0].id).toBe('wamid.1');
			const [request] = meta.received;
			expect(request.method).toBe('POST');
			expect(request.path).toBe(`/v25.0/${PNID}/messages`);
			expect(request.headers.authorization).toBe(`Bearer ${CANARY}`);
			expect(request.headers['content-type']).toMatch(/^application\/json/);
			expect(request.json).toEqual({ messaging_product: 'whatsapp', ...text() });
		});

		it('uses the configured API version and base URL (a trailing slash is fine)', async () => {
			const { client } = makeClient({ apiVersion: 'v24.0', baseUrl: `${meta.baseUrl}/` });
			meta.reply(sent());
			await client.sendMessage(PNID, text());
			expect(meta.received[0].path).toBe(`/v24.0/${PNID}/messages`);
		});

		it('accepts a token pasted with its "Bearer " prefix', async () => {
			const { client } = makeClient({ accessToken: `Bearer ${CANARY}` });
			meta.reply(sent());
			await client.sendMessage(PNID, text());
			expect(meta.received[0].headers.authorization).toBe(`Bearer ${CANARY}`);
		});

		it('marks a message as read, with a typing indicator when asked', async () => {
			const { client } = makeClient();
			meta.reply({ json: { success: true } }, { json: { success: true } });
			await client.markRead(PNID, 'wamid.IN1');
			await expect(client.markRead(PNID, 'wamid.IN2', true)).resolves.toEqual({ success: true });
			expect(meta.received[0].json).toEqual({
				messaging_product: 'whatsapp',
				status: 'read',
				message_id: 'wamid.IN1',
			});
			expect(meta.received[1].json).toEqual({
				messaging_product: 'whatsapp',
				status: 'read',
				message_id: 'wamid.IN2',
				typing_indicator: { type: 'text' },
			});
		});

		it('lists one page of templates with fields, limit, cursor and filters', async () => {
			const { client } = makeClient();
			const page = {
				data: [
					{
						id: '1',
						name: 'order_update',
						language: 'en_US',
						status: 'APPROVED',
						category: 'UTILITY',
					},
				],
				paging: { cursors: { before: 'b0', after: 'a1' }, next: `${meta.baseUrl}/next` },
			};
			meta.reply({ json: page });
			const result = await client.listTemplates(WABA, {
				fields: ['name', 'status', 'components'],
				limit: 50,
				after: 'a0',
				name: 'order_update',
				status: 'APPROVED',
			});
			expect(result).toEqual(page);
			const [request] = meta.received;
			expect(request.method).toBe('GET');
			expect(request.path).toBe(`/v25.0/${WABA}/message_templates`);
			expect(Object.fromEntries(request.query)).toEqual({
				fields: 'name,status,components',
				limit: '50',
				after: 'a0',
				name: 'order_update',
				status: 'APPROVED',
			});
		});

		it('lists all templates by following paging.cursors.after until there is no next page', async () => {
			const { client } = makeClient();
			const template = (n: number) => ({
				id: String(n),
				name: `t${n}`,
				language: 'de',
				status: 'APPROVED',
				category: 'MARKETING',
			});
			meta.reply(
				{
					json: {
						data: [template(1), template(2)],
						paging: { cursors: { after: 'c1' }, next: 'n' },
					},
				},
				{ json: { data: [template(3)], paging: { cursors: { after: 'c2' }, next: 'n' } } },
				{ json: { data: [template(4)], paging: { cursors: { after: 'c3' } } } },
			);
			const all = await client.listAllTemplates(WABA, { limit: 2 });
			expect(all.map((t) => t.name)).toEqual(['t1', 't2', 't3', 't4']);
			expect(meta.received.map((r) => r.query.get('after'))).toEqual([null, 'c1', 'c2']);
		});

		it('stops with a clear error instead of following pages for ever', async () => {
			const { client } = makeClient();
			let n = 0;
			meta.otherwise(() => ({
				json: { data: [{ id: String(++n) }], paging: { cursors: { after: `c${n}` }, next: 'n' } },
			}));
			await expect(client.listAllTemplates(WABA, { maxPages: 3 })).rejects.toThrow(
				'The list has more than 3 pages',
			);
			expect(meta.received).toHaveLength(3);
		});

		it('gets one phone number with fields, and lists all numbers of the account', async () => {
			const { client } = makeClient();
			meta.reply(
				{
					json: {
						id: PNID,
						display_phone_number: '+1 555-078-3881',
						throughput: { level: 'STANDARD' },
					},
				},
				{ json: { data: [{ id: '1' }], paging: { cursors: { after: 'p1' }, next: 'n' } } },
				{ json: { data: [{ id: '2' }], paging: { cursors: { after: 'p2' } } } },
			);
			const number = await client.getPhoneNumber(PNID, ['display_phone_number', 'throughput']);
			expect(number.throughput?.level).toBe('STANDARD');
			expect(meta.received[0].path).toBe(`/v25.0/${PNID}`);
			expect(meta.received[0].query.get('fields')).toBe('display_phone_number,throughput');
			const numbers = await client.listPhoneNumbers(WABA);
			expect(numbers.map((n) => n.id)).toEqual(['1', '2']);
			expect(meta.received[1].path).toBe(`/v25.0/${WABA}/phone_numbers`);
			expect(meta.received[2].query.get('after')).toBe('p1');
		});

		it('uploads media as multipart with file, type and messaging_product', async () => {
			const { client } = makeClient();
			meta.reply({ json: { id: 'media-123' } });
			const data = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);
			await expect(
				client.uploadMedia(PNID, { data, mimeType: 'image/jpeg', fileName: 'photo.jpg' }),
			).resolves.toEqual({ id: 'media-123' });
			const [request] = meta.received;
			expect(request.path).toBe(`/v25.0/${PNID}/media`);
			expect(request.headers.authorization).toBe(`Bearer ${CANARY}`);
			const form = await new Response(new Uint8Array(request.body), {
				headers: { 'content-type': String(request.headers['content-type']) },
			}).formData();
			expect(form.get('messaging_product')).toBe('whatsapp');
			expect(form.get('type')).toBe('image/jpeg');
			const file = form.get('file') as File;
			expect(file.name).toBe('photo.jpg');
			expect(file.type).toBe('image/jpeg');
			expect(Buffer.from(await file.arrayBuffer())).toEqual(data);
		});

		it('gets a media URL and downloads the file with the token', async () => {
			const { client } = makeClient();
			const bytes = Buffer.from('%PDF-1.7 fake');
			meta.reply(
				{
					json: {
						id: 'media-9',
						url: `${meta.baseUrl}/download/media-9?ext=1`,
						mime_type: 'application/pdf',
					},
				},
				{ body: bytes, headers: { 'content-type': 'application/pdf' } },
			);
			const info = await client.getMedia('media-9');
			const file = await client.downloadMedia(info.url);
			expect(file.data).toEqual(bytes);
			expect(file.size).toBe(bytes.length);
			expect(file.mimeType).toBe('application/pdf');
			expect(meta.received[1].path).toBe('/download/media-9');
			expect(meta.received[1].headers.authorization).toBe(`Bearer ${CANARY}`);
		});

		it('refuses to send the token to a host that is neither Meta nor the configured URL', async () => {
			const { client } = makeClient();
			await expect(client.downloadMedia('https://media.example.com/file?x=1')).rejects.toThrow(
				'Refusing to send the access token to "media.example.com"',
			);
			await expect(client.downloadMedia('http://lookaside.fbsbx.com/x')).rejects.toThrow(
				/Refusing/,
			);
			expect(meta.received).toHaveLength(0);
		});

		it('subscribes the app to the account and lists subscribed apps', async () => {
			const { client } = makeClient();
			meta.reply(
				{ json: { success: true } },
				{ json: { data: [{ whatsapp_business_api_data: { id: '42', name: 'n8n' } }] } },
			);
			await expect(client.subscribeApp(WABA)).resolves.toEqual({ success: true });
			const apps = await client.listSubscribedApps(WABA);
			expect(apps[0].whatsapp_business_api_data?.id).toBe('42');
			expect(meta.received.map((r) => `${r.method} ${r.path}`)).toEqual([
				`POST /v25.0/${WABA}/subscribed_apps`,
				`GET /v25.0/${WABA}/subscribed_apps`,
			]);
		});
	});

	describe('errors', () => {
		it('turns Meta’s error envelope into a GraphApiError with the catalog’s explanation', async () => {
			const { client } = makeClient();
			meta.reply(
				metaError(131047, {
					title: 'Re-engagement message',
					details:
						'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
					trace: 'Az8or2yhqkZfEZ-_4Qn_Bam',
				}),
			);
			const error = await failureOf(client.sendMessage(PNID, text()));
			expect(error).toMatchObject({
				name: 'GraphApiError',
				code: 131047,
				httpStatus: 400,
				fbtraceId: 'Az8or2yhqkZfEZ-_4Qn_Bam',
				metaMessage: '(#131047) Re-engagement message',
				metaType: 'OAuthException',
				attempts: 1,
				outcomeUnknown: false,
				method: 'POST',
				path: `/v25.0/${PNID}/messages`,
			});
			expect(error.details).toContain('more than 24 hours');
			expect(error.entry.category).toBe('reengagement');
			expect(error.message).toMatch(/^Re-engagement message \(#131047\): More than 24 hours/);
			expect(error.description).toBe(error.entry.action);
			expect(meta.received).toHaveLength(1);
		});

		it('does not retry an error that needs a fix', async () => {
			const { client, sleeps } = makeClient();
			meta.reply(metaError(132001, { status: 404 }));
			const error = await failureOf(client.sendMessage(PNID, text()));
			expect(error.entry.retry.kind).toBe('after_fix');
			expect(meta.received).toHaveLength(1);
			expect(sleeps).toEqual([]);
		});

		it('explains a bare HTTP error from a proxy', async () => {
			const { client } = makeClient({ maxRetries: 0 });
			meta.reply({ status: 502, body: '<html>Bad Gateway</html>' });
			const error = await failureOf(client.listTemplates(WABA));
			expect(error.code).toBeUndefined();
			expect(error.httpStatus).toBe(502);
			expect(error.details).toBe('<html>Bad Gateway</html>');
			expect(error.message).toMatch(/^HTTP 502: /);
		});

		it('reports a success answer in the wrong shape, as an unknown outcome for a send', async () => {
			const { client } = makeClient();
			meta.reply({ json: { ok: true } });
			const error = await failureOf(client.sendMessage(PNID, text()));
			expect(error.entry.title).toBe('Unexpected answer');
			expect(error.outcomeUnknown).toBe(true);
		});
	});

	describe('retries', () => {
		it('retries throughput throttling (130429) after Meta’s Retry-After', async () => {
			const { client, sleeps, retries } = makeClient();
			meta.reply(metaError(130429, { retryAfter: '2' }), sent('wamid.after-retry'));
			const result = await client.sendMessage(PNID, text());
			expect(result.messages[0].id).toBe('wamid.after-retry');
			expect(meta.received).toHaveLength(2);
			expect(sleeps).toEqual([2 * SECOND]);
			expect(retries).toHaveLength(1);
			expect(retries[0]).toMatchObject({ attempt: 1, delayMs: 2 * SECOND, method: 'POST' });
			expect(retries[0].error.code).toBe(130429);
		});

		it.each([4, 80007, 613])('retries throttling code %p', async (code) => {
			const { client } = makeClient();
			meta.reply(metaError(code, { status: code === 613 ? 429 : 400 }), { json: { data: [] } });
			await expect(client.listTemplates(WABA)).resolves.toEqual({ data: [] });
			expect(meta.received).toHaveLength(2);
		});

		it('backs off 1 s, then 4 s after pair-rate-limit answers (131056)', async () => {
			const { client, sleeps } = makeClient();
			meta.reply(metaError(131056), metaError(131056), sent());
			await client.sendMessage(PNID, text());
			expect(sleeps).toEqual([1 * SECOND, 4 * SECOND]);
		});

		it('feeds 131056 to the send budget, which blocks the contact 4^n s and paces the retry', async () => {
			const clock = new ManualClock(Date.UTC(2026, 10, 21, 12, 0, 0));
			const budgetSleeps: number[] = [];
			const ledger = new MemorySlotLedger(clock);
			const budget = new LeasedSendBudget({
				ledger,
				sender: PNID,
				pace: senderPace(80),
				pair: pairPace(),
				clock,
				sleep: async (ms) => {
					budgetSleeps.push(ms);
					clock.advance(ms);
				},
			});
			const { client, sleeps } = makeClient({}, clock);
			meta.reply(metaError(131056), sent());
			await client.sendMessage(PNID, text(), { budget });
			// The client waits the 1 s block; the budget then holds the retry until the block ends.
			expect(sleeps).toEqual([1 * SECOND]);
			expect(meta.received).toHaveLength(2);
			// A second 131056 in a row blocks 4 s.
			expect(await ledger.holdPair(PNID, TO.replace(/^\+/, ''), pairPace())).toBe(4 * SECOND);
		});

		it('retries Meta server errors for reads', async () => {
			const { client } = makeClient();
			meta.reply(metaError(131000, { status: 500 }), metaError(2, { status: 503 }), {
				json: { data: [] },
			});
			await expect(client.listTemplates(WABA)).resolves.toEqual({ data: [] });
			expect(meta.received).toHaveLength(3);
		});

		it('does not repeat a send after a 5xx, as Meta may have accepted it', async () => {
			const { client } = makeClient();
			meta.reply(metaError(131000, { status: 500 }), sent());
			const error = await failureOf(client.sendMessage(PNID, text()));
			expect(error.outcomeUnknown).toBe(true);
			expect(meta.received).toHaveLength(1);
		});

		it('repeats an ambiguous send when retryAmbiguous allows it (client or per call)', async () => {
			const { client } = makeClient({ retryAmbiguous: true });
			meta.reply({ status: 503, body: 'busy' }, sent('wamid.2'));
			await expect(client.sendMessage(PNID, text())).resolves.toMatchObject({
				messages: [{ id: 'wamid.2' }],
			});
			const { client: strict } = makeClient();
			meta.reply({ status: 503, body: 'busy' }, sent('wamid.3'));
			await expect(
				strict.sendMessage(PNID, text(), { retryAmbiguous: true }),
			).resolves.toMatchObject({
				messages: [{ id: 'wamid.3' }],
			});
			expect(meta.received).toHaveLength(4);
		});

		it('repeats a send after a maintenance answer (131057): nothing was sent', async () => {
			const { client } = makeClient();
			meta.reply(metaError(131057, { status: 500 }), sent());
			await client.sendMessage(PNID, text());
			expect(meta.received).toHaveLength(2);
		});

		it('gives up after maxRetries, reporting every attempt', async () => {
			const { client, sleeps } = makeClient({ maxRetries: 3 });
			meta.otherwise(metaError(130429));
			const error = await failureOf(client.sendMessage(PNID, text()));
			expect(error.code).toBe(130429);
			expect(error.attempts).toBe(4);
			expect(meta.received).toHaveLength(4);
			// Full jitter with random 0.5: half of 1 s, 2 s, 4 s.
			expect(sleeps).toEqual([500, 1000, 2000]);
		});

		it('does not retry when the wait would exceed the retry budget', async () => {
			const { client, sleeps } = makeClient({ retryBudgetMs: 60 * SECOND });
			meta.reply(metaError(130429, { retryAfter: '120' }), sent());
			const error = await failureOf(client.sendMessage(PNID, text()));
			expect(error.retryAfterMs).toBe(120 * SECOND);
			expect(sleeps).toEqual([]);
			expect(meta.received).toHaveLength(1);
		});

		it('waits for the send budget before each attempt and holds it back on 130429', async () => {
			const budget = {
				take: jest.fn(async () => undefined),
				throttled: jest.fn(async () => undefined),
				pairThrottled: jest.fn(async () => 0),
			};
			const { client } = makeClient();
			meta.reply(metaError(130429, { retryAfter: '1' }), sent());
			await client.sendMessage(PNID, text(), { budget });
			expect(budget.take).toHaveBeenCalledTimes(2);
			expect(budget.take).toHaveBeenCalledWith(TO.replace(/^\+/, ''), undefined);
			// Every process sharing the budget waits the second Meta asked for.
			expect(budget.throttled).toHaveBeenCalledWith(1 * SECOND);
		});

		it('claims through beforeRequest once, after the first wait, and sends nothing when it throws', async () => {
			const order: string[] = [];
			const budget = {
				take: jest.fn(async () => void order.push('take')),
				throttled: jest.fn(async () => undefined),
				pairThrottled: jest.fn(async () => 0),
			};
			const { client } = makeClient();
			meta.reply(metaError(130429, { retryAfter: '1' }), sent());
			await client.sendMessage(PNID, text(), {
				budget,
				beforeRequest: async () => void order.push('claim'),
				afterRequest: () => void order.push('left'),
			});
			// Marked as left once, when the first request had been handed over; not for the retry.
			expect(order).toEqual(['take', 'claim', 'left', 'take']);
			const before = meta.received.length;
			await expect(
				client.sendMessage(PNID, text(), {
					beforeRequest: async () => {
						throw new Error('claimed elsewhere');
					},
				}),
			).rejects.toThrow('claimed elsewhere');
			expect(meta.received).toHaveLength(before);
		});

		it('stops waiting and retrying when the caller aborts', async () => {
			const controller = new AbortController();
			const { client } = makeClient({
				sleep: async () => {
					controller.abort(new Error('execution cancelled'));
					throw controller.signal.reason;
				},
			});
			meta.otherwise(metaError(130429));
			await expect(client.sendMessage(PNID, text(), { signal: controller.signal })).rejects.toThrow(
				'execution cancelled',
			);
			expect(meta.received).toHaveLength(1);
		});

		it('reports a send cancelled after it left as outcome unknown, so its key stays claimed', async () => {
			const controller = new AbortController();
			const { client } = makeClient();
			meta.reply(() => {
				controller.abort(new Error('execution cancelled'));
				return { delayMs: 5000, ...sent() };
			});
			const error = await failureOf(
				client.sendMessage(PNID, text(), { signal: controller.signal }),
			);
			expect(error.outcomeUnknown).toBe(true);
			expect(error.message).toContain('Cancelled');
			expect(error.description).toContain('whether the message went out');
			expect(meta.received).toHaveLength(1);
		});

		it('cancels a send that has not left with the abort reason: it certainly was not sent', async () => {
			const { client } = makeClient();
			meta.otherwise(sent());
			const signal = AbortSignal.abort(new Error('execution cancelled'));
			await expect(client.sendMessage(PNID, text(), { signal })).rejects.toThrow(
				'execution cancelled',
			);
			expect(meta.received).toHaveLength(0);
		});

		it('reports a cancel while waiting to repeat an ambiguous send as outcome unknown', async () => {
			const controller = new AbortController();
			const { client } = makeClient({
				retryAmbiguous: true,
				sleep: async () => {
					controller.abort(new Error('execution cancelled'));
					throw controller.signal.reason;
				},
			});
			meta.otherwise(metaError(1, { status: 500 }));
			const error = await failureOf(
				client.sendMessage(PNID, text(), { signal: controller.signal }),
			);
			expect(error.outcomeUnknown).toBe(true);
			expect(meta.received).toHaveLength(1);
		});

		it('cancels a read in flight with the abort reason: a read changes nothing', async () => {
			const controller = new AbortController();
			const { client } = makeClient();
			meta.reply(() => {
				controller.abort(new Error('execution cancelled'));
				return { delayMs: 5000, json: { data: [] } };
			});
			await expect(client.listTemplates(WABA, { signal: controller.signal })).rejects.toThrow(
				'execution cancelled',
			);
		});
	});

	describe('network failures', () => {
		it('retries a read that timed out, and gives up with the network code', async () => {
			const { client } = makeClient({ timeoutMs: 100, maxRetries: 1 });
			meta.otherwise({ delayMs: 1000, json: { data: [] } });
			const error = await failureOf(client.listTemplates(WABA));
			expect(error.networkCode).toBe('ECONNABORTED');
			expect(error.attempts).toBe(2);
			expect(meta.received).toHaveLength(2);
		});

		it('does not repeat a send that timed out after it left: its outcome is unknown', async () => {
			const { client } = makeClient({ timeoutMs: 100 });
			meta.otherwise({ delayMs: 1000, ...sent() });
			const error = await failureOf(client.sendMessage(PNID, text()));
			expect(error.outcomeUnknown).toBe(true);
			expect(meta.received).toHaveLength(1);
		});

		it('does not repeat a send whose connection was cut before the answer', async () => {
			const { client } = makeClient();
			meta.otherwise({ destroy: true });
			const error = await failureOf(client.sendMessage(PNID, text()));
			expect(error.networkCode).toBe('ECONNRESET');
			expect(error.outcomeUnknown).toBe(true);
			expect(meta.received).toHaveLength(1);
		});

		it('closes an idle connection before a server would (no send lost to its closing)', async () => {
			// A Node server, as the sandbox is, closing idle connections after its default 5 s.
			const server = http.createServer((_req, res) => {
				res.writeHead(200, { 'content-type': 'application/json' });
				res.end(JSON.stringify(sent().json));
			});
			let connections = 0;
			server.on('connection', () => connections++);
			await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
			try {
				const { port } = server.address() as AddressInfo;
				const { client } = makeClient({ baseUrl: `http://127.0.0.1:${port}` });
				await client.sendMessage(PNID, text());
				expect(server.keepAliveTimeout).toBeGreaterThan(IDLE_CONNECTION_MS);
				// Later than the client keeps a connection idle, earlier than the server does.
				await new Promise((resolve) => setTimeout(resolve, IDLE_CONNECTION_MS + 400));
				await client.sendMessage(PNID, text());
				expect(connections).toBe(2);
			} finally {
				server.closeAllConnections();
				await new Promise((resolve) => server.close(resolve));
			}
		}, 10_000);

		it('repeats a send that could not connect: nothing was sent', async () => {
			const port = await closedPort();
			const { client, sleeps } = makeClient({ baseUrl: `http://127.0.0.1:${port}`, maxRetries: 2 });
			const error = await failureOf(client.sendMessage(PNID, text()));
			expect(error.networkCode).toBe('ECONNREFUSED');
			expect(error.outcomeUnknown).toBe(false);
			expect(error.attempts).toBe(3);
			expect(sleeps).toHaveLength(2);
		});

		it('times out a connection that never completes its TLS handshake, and repeats the send', async () => {
			const silent = await startSilentServer();
			try {
				const { client } = makeClient({
					baseUrl: `https://127.0.0.1:${silent.port}`,
					connectTimeoutMs: 100,
					maxRetries: 1,
				});
				const error = await failureOf(client.sendMessage(PNID, text()));
				expect(error.networkCode).toBe('ETIMEDOUT');
				expect(error.details).toContain('connecting took longer than 100 ms');
				expect(error.outcomeUnknown).toBe(false);
				expect(silent.connections).toBe(2);
			} finally {
				await silent.close();
			}
		});
	});

	describe('the access token', () => {
		it('never appears in any error, whatever failed', async () => {
			const errors: unknown[] = [];
			const { client } = makeClient({ maxRetries: 0, timeoutMs: 100 });
			// A leaky proxy echoing the Authorization header back, in every field it can.
			meta.reply(
				(request) =>
					metaError(100, {
						details: `bad header ${request.headers.authorization} access_token=${CANARY}`,
						title: String(request.headers.authorization),
					}),
				(request) => ({ status: 502, body: `upstream said ${request.headers.authorization}` }),
				{ delayMs: 1000, json: {} },
				{ destroy: true },
				{ json: { unexpected: CANARY } },
			);
			for (const call of [
				() => client.sendMessage(PNID, text()),
				() => client.listTemplates(WABA),
				() => client.getMedia('m1'),
				() => client.subscribeApp(WABA),
				() => client.sendMessage(PNID, text()),
			]) {
				errors.push(
					await call().then(
						() => 'no error',
						(error: unknown) => error,
					),
				);
			}
			const refused = new GraphClient({
				accessToken: CANARY,
				baseUrl: `http://127.0.0.1:${await closedPort()}`,
				maxRetries: 0,
			});
			errors.push(await refused.getMedia('m1').catch((error: unknown) => error));
			expect(errors.every((e) => e instanceof GraphApiError)).toBe(true);
			for (const error of errors) expectNoToken(error);
			expect((errors[0] as GraphApiError).details).toContain('[redacted]');
		});

		it('is not shown when the client itself is logged', () => {
			const { client } = makeClient();
			expectNoToken(client);
		});
	});

	describe('options', () => {
		it('defaults to Graph API v25.0 at graph.facebook.com with 3 retries and 30 s timeouts', () => {
			const client = new GraphClient({ accessToken: CANARY });
			expect(client).toMatchObject({
				apiVersion: 'v25.0',
				baseUrl: 'https://graph.facebook.com',
				maxRetries: 3,
				timeoutMs: 30 * SECOND,
				connectTimeoutMs: 30 * SECOND,
				retryAmbiguous: false,
			});
		});

		it.each([
			[{ accessToken: '' }, /accessToken is empty/],
			[{ accessToken: 'two words' }, /accessToken contains spaces/],
			[{ apiVersion: '25' }, /apiVersion must look like "v25.0"; got "25"/],
			[{ baseUrl: 'graph.facebook.com' }, /baseUrl must be a URL/],
			[{ baseUrl: 'ftp://graph.facebook.com' }, /baseUrl must start with https:\/\//],
			[{ baseUrl: `https://graph.facebook.com/?access_token=x` }, /without user, password, query/],
			[{ maxRetries: 11 }, /maxRetries must be a whole number from 0 to 10; got 11/],
			[{ timeoutMs: 0 }, /timeoutMs must be milliseconds above 0/],
			[{ retryBudgetMs: -1 }, /retryBudgetMs must be 0 or more/],
		] as const)('rejects %p with a precise message', (bad, message) => {
			expect(() => new GraphClient({ accessToken: CANARY, ...bad })).toThrow(message);
		});

		it('rejects IDs that could leave the API path, before any request', async () => {
			const { client } = makeClient();
			await expect(client.sendMessage('../me', text())).rejects.toThrow(
				'phoneNumberId must be a Graph API ID such as 106540352242922',
			);
			await expect(client.listTemplates('1/2')).rejects.toThrow(/wabaId must be a Graph API ID/);
			expect(meta.received).toHaveLength(0);
		});

		it('rejects a message without recipient and media without content', async () => {
			const { client } = makeClient();
			await expect(client.sendMessage(PNID, { type: 'text' })).rejects.toThrow(/no recipient/);
			await expect(
				client.uploadMedia(PNID, {
					data: Buffer.alloc(0),
					mimeType: 'image/png',
					fileName: 'a.png',
				}),
			).rejects.toThrow(/non-empty Buffer/);
			await expect(
				client.uploadMedia(PNID, { data: Buffer.from('x'), mimeType: 'png', fileName: 'a.png' }),
			).rejects.toThrow(/MIME type, e.g. "image\/jpeg"/);
			expect(meta.received).toHaveLength(0);
		});
	});
});
