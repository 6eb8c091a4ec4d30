/**
 * Test support for the sandbox: a sandbox with short delays, a real webhook receiver that checks
 * X-Hub-Signature-256 over the raw bytes (as a receiver must), Graph API and control API calls
 * over real HTTP, and waiting for webhooks without timing assertions.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseWebhookEnvelope } from '../../nodes/core/wire/inbound';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/server';

export const TOKEN = 'test-token';
export const APP_SECRET = 'test-app-secret';
export const WABA = '240117385066184';
/** The seed's first number (+49 30 57700180). */
export const PHONE = '731950246618093';
/** The seed's second number (+1 415-555-0142, throughput 1000). */
export const PHONE_US = '582204917733610';
export const LENA = '4915112345601';
export const JONAS = '4917612345602';
export const AVERY_US = '14155550123';
export const JOAO_BR = '5511987654321';
export const VERSION = 'v25.0';

// Tests read deep into webhook and API JSON; a loose type keeps them readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export interface Received {
	readonly raw: Buffer;
	readonly signature: string | undefined;
	/** Whether the signature matches HMAC-SHA256 of the raw bytes with the app secret. */
	readonly verified: boolean;
	readonly json: Json;
	/** The status the receiver answered. */
	readonly answered: number;
}

export interface Receiver {
	readonly url: string;
	readonly received: Received[];
	/** Decides the answer to the n-th POST (0-based); 200 unless set. */
	answer: (index: number, raw: Buffer) => number;
	/** Forgets what was received and answers 200 again. */
	reset(): void;
	close(): Promise<void>;
}

export function verify(
	raw: Buffer | string,
	signature: string | undefined,
	secret = APP_SECRET,
): boolean {
	if (!signature?.startsWith('sha256=')) return false;
	const expected = Buffer.from(createHmac('sha256', secret).update(raw).digest('hex'));
	const given = Buffer.from(signature.slice('sha256='.length));
	return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function startReceiver(): Promise<Receiver> {
	const received: Received[] = [];
	let count = 0;
	const receiver: Receiver = {
		url: '',
		received,
		answer: () => 200,
		reset: () => {
			received.length = 0;
			count = 0;
			receiver.answer = () => 200;
		},
		close: async () => {
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			});
		},
	};
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const raw = Buffer.concat(chunks);
			if (req.method === 'GET') {
				res.end();
				return;
			}
			const signature = req.headers['x-hub-signature-256'] as string | undefined;
			const answered = receiver.answer(count++, raw);
			received.push({
				raw,
				signature,
				verified: verify(raw, signature),
				json: JSON.parse(raw.toString('utf8')),
				answered,
			});
			res.writeHead(answered, { 'content-type': 'text/plain' });
			res.end('ok');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	(receiver as { url: string }).url =
		`http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
	return receiver;
}

/** A sandbox with the test token and secret, statuses within milliseconds and quick retries. */
export function startTestSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
	return startSandbox({
		accessToken: TOKEN,
		appSecret: APP_SECRET,
		statusDelaysMs: { sent: 5, delivered: 15, read: 25 },
		webhookRetryScheduleMs: [20, 20, 20],
		...options,
	});
}

export interface ApiAnswer {
	readonly status: number;
	readonly json: Json;
	readonly headers: Headers;
}

/** A Graph API call: path after the version ("/123/messages"), the test token unless given. */
export async function api(
	sandbox: Sandbox,
	method: string,
	path: string,
	options: { body?: unknown; token?: string | null; version?: string } = {},
): Promise<ApiAnswer> {
	const headers: Record<string, string> = {};
	const token = options.token === undefined ? TOKEN : options.token;
	if (token !== null) headers.authorization = `Bearer ${token}`;
	if (options.body !== undefined) headers['content-type'] = 'application/json';
	const response = await fetch(`${sandbox.url}/${options.version ?? VERSION}${path}`, {
		method,
		headers,
		body: options.body === undefined ? undefined : JSON.stringify(options.body),
	});
	return {
		status: response.status,
		json: (await response.json()) as Json,
		headers: response.headers,
	};
}

export function send(sandbox: Sandbox, body: Json, phone = PHONE): Promise<ApiAnswer> {
	return api(sandbox, 'POST', `/${phone}/messages`, {
		body: { messaging_product: 'whatsapp', ...body },
	});
}

export function text(to: string, body = 'Hello'): Json {
	return { to: `+${to}`, type: 'text', text: { body } };
}

const positional = (...values: string[]) => values.map((t) => ({ type: 'text', text: t }));

/** The seed's utility template order_update to `waId`, with valid parameters. */
export function orderUpdate(waId: string): Json {
	return {
		to: `+${waId}`,
		type: 'template',
		template: {
			name: 'order_update',
			language: { code: 'en' },
			components: [
				{ type: 'header', parameters: positional('A-1042') },
				{ type: 'body', parameters: positional('Lena', 'A-1042', 'Friday') },
				{ type: 'button', sub_type: 'url', index: '0', parameters: positional('A-1042') },
			],
		},
	};
}

/** The seed's marketing template back_in_stock to `waId`, with valid parameters and this header image. */
export function backInStock(waId: string, imageLink: string): Json {
	return {
		to: `+${waId}`,
		type: 'template',
		template: {
			name: 'back_in_stock',
			language: { code: 'en' },
			components: [
				{
					type: 'header',
					parameters: [{ type: 'image', image: { link: imageLink } }],
				},
				{
					type: 'body',
					parameters: [
						{ type: 'text', parameter_name: 'first_name', text: 'Lena' },
						{ type: 'text', parameter_name: 'product', text: 'Trail Runner 2' },
						{ type: 'text', parameter_name: 'ship_date', text: 'Friday' },
					],
				},
			],
		},
	};
}

/** A control API call; throws unless it answers as expected. */
export async function control(
	sandbox: Sandbox,
	method: string,
	path: string,
	body?: unknown,
): Promise<{ status: number; json: Json }> {
	const response = await fetch(`${sandbox.url}/_sandbox${path}`, {
		method,
		headers: body === undefined ? {} : { 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	return { status: response.status, json: (await response.json()) as Json };
}

/** The contact writes, opening the window; returns the inbound wamid. */
export async function say(
	sandbox: Sandbox,
	waId: string,
	words = 'Hi',
	extra: Json = {},
): Promise<string> {
	const answer = await control(sandbox, 'POST', `/contacts/${waId}/say`, { text: words, ...extra });
	if (answer.status !== 200) throw new Error(`say failed: ${JSON.stringify(answer.json)}`);
	return answer.json.id as string;
}

/** Polls until `find` returns something (a wait, not a timing assertion). */
export async function waitFor<T>(
	find: () => T | undefined | false,
	what: string,
	timeoutMs = 5000,
): Promise<T> {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const found = find();
		if (found !== undefined && found !== false) return found;
		if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}

/** Every status object the receiver got for one wamid, in arrival order. */
export function statusesOf(receiver: Receiver, wamid: string): Json[] {
	return receiver.received.flatMap((r) =>
		(r.json.entry as Json[]).flatMap((e) =>
			(e.changes as Json[]).flatMap((c) =>
				((c.value.statuses ?? []) as Json[]).filter((s) => s.id === wamid),
			),
		),
	);
}

export function waitForStatus(receiver: Receiver, wamid: string, status: string): Promise<Json> {
	return waitFor(
		() => statusesOf(receiver, wamid).find((s) => s.status === status),
		`status "${status}" of ${wamid}`,
	);
}

/** The change values of one webhook field the receiver got. */
export function valuesOf(receiver: Receiver, field: string): Json[] {
	return receiver.received.flatMap((r) =>
		(r.json.entry as Json[]).flatMap((e) =>
			(e.changes as Json[]).filter((c) => c.field === field).map((c) => c.value as Json),
		),
	);
}

/** Inbound messages the receiver got. */
export function inboundOf(receiver: Receiver): Json[] {
	return valuesOf(receiver, 'messages').flatMap((v) => (v.messages ?? []) as Json[]);
}

/** The project's webhook parser reads every change, none left "unparsed". */
export function unparsedChanges(raw: Buffer): string[] {
	const parsed = parseWebhookEnvelope(raw);
	if (!parsed.ok) return [parsed.error];
	return parsed.envelope.entry.flatMap((e) =>
		e.changes.filter((c) => c.kind === 'unparsed').map((c) => JSON.stringify(c.issues)),
	);
}
