import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

/** One request as the fake Graph API received it. */
export interface Received {
	readonly method: string;
	readonly path: string;
	readonly query: URLSearchParams;
	readonly headers: http.IncomingHttpHeaders;
	readonly body: Buffer;
	/** The body parsed as JSON, when it is JSON. */
	readonly json: unknown;
}

export interface Reply {
	readonly status?: number;
	readonly headers?: Record<string, string>;
	readonly json?: unknown;
	readonly body?: string | Buffer;
	/** Answer only after this many (real) milliseconds: for timeouts. */
	readonly delayMs?: number;
	/** Cut the connection instead of answering. */
	readonly destroy?: boolean;
}

type Script = Reply | ((request: Received) => Reply);

/**
 * A real HTTP server on 127.0.0.1 that answers like the Graph API: scripted replies in order, then
 * the fallback. Records every request for assertions.
 */
export async function startMetaServer() {
	const received: Received[] = [];
	const script: Script[] = [];
	let fallback: Script = {
		status: 500,
		json: { error: { message: 'No reply scripted', type: 'OAuthException', code: 1 } },
	};
	const timers = new Set<NodeJS.Timeout>();

	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const body = Buffer.concat(chunks);
			const url = new URL(req.url ?? '/', 'http://127.0.0.1');
			let json: unknown;
			try {
				json = body.length > 0 ? JSON.parse(body.toString('utf8')) : undefined;
			} catch {
				json = undefined;
			}
			const request: Received = {
				method: req.method ?? '',
				path: url.pathname,
				query: url.searchParams,
				headers: req.headers,
				body,
				json,
			};
			received.push(request);
			const next = script.shift() ?? fallback;
			const reply = typeof next === 'function' ? next(request) : next;
			const answer = () => {
				if (reply.destroy) {
					req.socket.destroy();
					return;
				}
				const payload = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.body ?? '');
				res.writeHead(reply.status ?? 200, {
					'content-type': reply.json !== undefined ? 'application/json' : 'text/plain',
					...reply.headers,
				});
				res.end(payload);
			};
			if (reply.delayMs) {
				const timer = setTimeout(() => {
					timers.delete(timer);
					if (!res.destroyed) answer();
				}, reply.delayMs);
				timers.add(timer);
			} else {
				answer();
			}
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;

	return {
		baseUrl: `http://127.0.0.1:${port}`,
		port,
		received,
		/** Scripts the next replies, in order. */
		reply(...replies: Script[]) {
			script.push(...replies);
		},
		/** What to answer once the script is used up. */
		otherwise(reply: Script) {
			fallback = reply;
		},
		async close() {
			for (const timer of timers) clearTimeout(timer);
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

export type MetaServer = Awaited<ReturnType<typeof startMetaServer>>;

/** Meta's error envelope for `code`. */
export function metaError(
	code: number,
	options: {
		status?: number;
		title?: string;
		details?: string;
		retryAfter?: string;
		trace?: string;
	} = {},
): Reply {
	return {
		status: options.status ?? 400,
		headers: options.retryAfter ? { 'retry-after': options.retryAfter } : undefined,
		json: {
			error: {
				message: `(#${code}) ${options.title ?? 'Error'}`,
				type: 'OAuthException',
				code,
				error_data: { messaging_product: 'whatsapp', details: options.details ?? 'details' },
				fbtrace_id: options.trace ?? 'AbCdEfTrace123',
			},
		},
	};
}

export function sent(
	wamid = 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=',
): Reply {
	return {
		json: {
			messaging_product: 'whatsapp',
			contacts: [{ input: '+4915123456789', wa_id: '4915123456789' }],
			messages: [{ id: wamid, message_status: 'accepted' }],
		},
	};
}

/**
 * A TCP server that accepts connections and never says a word: a TLS handshake against it
 * never completes, so a client's connect timeout fires. Counts the connections.
 */
export async function startSilentServer() {
	const sockets = new Set<net.Socket>();
	let connections = 0;
	const server = net.createServer((socket) => {
		connections += 1;
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => undefined);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		port,
		get connections() {
			return connections;
		},
		async close() {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

/** A port on 127.0.0.1 that nothing listens on. */
export async function closedPort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}
