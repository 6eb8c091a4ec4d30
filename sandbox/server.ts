/**
 * The WhatsApp Cloud API sandbox: a real HTTP server that answers the Graph API paths the nodes
 * use as Meta does, signs and posts webhooks, and has a control API to script contacts.
 *
 *   const sandbox = await startSandbox({ webhookUrl: 'http://localhost:5678/webhook/...' });
 *   // Graph API base URL: sandbox.url, token: 'sandbox-token'
 *   await sandbox.close();
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleControl } from './control';
import { handleGraph } from './graph';
import { GraphError } from './graphError';
import { resolveOptions, type SandboxOptions } from './options';
import { SAMPLES, SAMPLES_PATH, type Sample, type SampleName } from './samples';
import { SandboxState } from './state';

export type { SandboxOptions } from './options';
export { SandboxState } from './state';
export { ControlError } from './controlError';
export type { SentMessage, ReceivedMessage, Contact, PricingInfo } from './state';
export type { WebhookDelivery, DeliveryAttempt } from './webhooks';
export { SeedError } from './seedLoader';
export { metaJson, signatureOf } from './metaJson';

export interface Sandbox {
	/** The base URL, e.g. "http://127.0.0.1:4010": the credential's Graph API URL. */
	readonly url: string;
	readonly port: number;
	/** Everything the sandbox knows, and the actions the control API offers. */
	readonly state: SandboxState;
	/** The URL of a sample file the sandbox serves (samples.ts), for media sent by link. */
	sampleUrl(name: SampleName): string;
	/** Stops the server, pending webhooks and status timers. */
	close(): Promise<void>;
}

/** Largest request body: media up to 100 MB plus the multipart framing. */
const MAX_BODY_BYTES = 101 * 1024 * 1024;

/** Starts the sandbox. @throws on bad options or seed (SeedError names the entry), or a busy port. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
	const resolved = resolveOptions(options);
	const state = new SandboxState(resolved);
	const server = http.createServer((req, res) => {
		handle(state, req, res).catch((error: unknown) => {
			resolved.log?.(
				`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
			);
			if (!res.headersSent) {
				send(
					res,
					500,
					new GraphError(131000, 'The sandbox failed to handle this request.').envelope(),
				);
			} else {
				res.destroy();
			}
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(resolved.port, resolved.host, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const port = (server.address() as AddressInfo).port;
	const url = `http://${urlHost(resolved.host)}:${port}`;
	return {
		url,
		port,
		state,
		sampleUrl: (name) => `${url}${SAMPLES_PATH}${name}`,
		close: async () => {
			state.close();
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			});
		},
	};
}

async function handle(
	state: SandboxState,
	req: http.IncomingMessage,
	res: http.ServerResponse,
): Promise<void> {
	const body = await readBody(req);
	if (body === undefined) {
		send(
			res,
			413,
			new GraphError(131053, `The request body is larger than ${MAX_BODY_BYTES} bytes.`).envelope(),
		);
		return;
	}
	const origin = originOf(req, state);
	const url = new URL(req.url ?? '/', origin);
	const method = req.method ?? 'GET';

	if (url.pathname === '/_sandbox' || url.pathname.startsWith('/_sandbox/')) {
		if (!state.options.allowRemoteControl && !isLoopback(req.socket.remoteAddress)) {
			send(res, 403, {
				error: { message: 'The sandbox control API answers only on this machine (loopback).' },
			});
			return;
		}
		const sample = method === 'GET' ? sampleAt(url.pathname) : undefined;
		if (sample) {
			res.writeHead(200, { 'content-type': sample.type, 'content-length': sample.data.byteLength });
			res.end(sample.data);
			return;
		}
		const answer = handleControl(state, { method, url, body, origin });
		send(res, answer.status, answer.json);
		return;
	}

	if (state.options.latencyMs > 0) await sleep(state.options.latencyMs);
	try {
		const answer = await handleGraph(state, { method, url, headers: req.headers, body, origin });
		if (answer.drop) {
			// Accepted, and the answer lost on the way back: the client cannot know.
			res.destroy();
			state.options.log?.(`${method} ${url.pathname} -> accepted, answer dropped`);
			return;
		}
		if (answer.bytes) {
			res.writeHead(answer.status, {
				'content-type': answer.bytes.type,
				'content-length': answer.bytes.data.byteLength,
			});
			res.end(answer.bytes.data);
		} else {
			send(res, answer.status, answer.json, answer.headers);
		}
		state.options.log?.(`${method} ${url.pathname} -> ${answer.status}`);
	} catch (error) {
		if (!(error instanceof GraphError)) throw error;
		send(res, error.http, error.envelope(), error.headers);
		state.options.log?.(
			`${method} ${url.pathname} -> ${error.http} ${error.message}: ${error.details}`,
		);
	}
}

function sampleAt(pathname: string): Sample | undefined {
	if (!pathname.startsWith(SAMPLES_PATH)) return undefined;
	const name = pathname.slice(SAMPLES_PATH.length);
	return Object.hasOwn(SAMPLES, name) ? SAMPLES[name as SampleName] : undefined;
}

function send(
	res: http.ServerResponse,
	status: number,
	json: unknown,
	headers: Record<string, string> = {},
): void {
	const text = JSON.stringify(json);
	res.writeHead(status, {
		'content-type': 'application/json; charset=UTF-8',
		'content-length': Buffer.byteLength(text),
		...headers,
	});
	res.end(text);
}

/** The body, or undefined when it is over the limit (the rest is drained). */
function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		let tooLarge = false;
		req.on('data', (chunk: Buffer) => {
			size += chunk.byteLength;
			if (size > MAX_BODY_BYTES) tooLarge = true;
			else chunks.push(chunk);
		});
		req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
		req.on('error', reject);
	});
}

/** The origin the client used, so URLs handed back (media, paging) reach the sandbox from there. */
function originOf(req: http.IncomingMessage, state: SandboxState): string {
	const host = req.headers.host;
	if (host && /^[\w.:[\]-]+$/.test(host)) return `http://${host}`;
	const address = req.socket.localAddress ?? state.options.host;
	return `http://${urlHost(address)}:${req.socket.localPort}`;
}

function urlHost(host: string): string {
	if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
	return host.includes(':') ? `[${host}]` : host;
}

function isLoopback(address: string | undefined): boolean {
	return (
		address !== undefined &&
		(address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'))
	);
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
