/**
 * How the client's requests reach the Graph API: keep-alive agents shared by the whole process,
 * whose new connections time out on their own, and a transport that tells when a request has left.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';

import { SECOND } from '../clock';

/**
 * http or https (as axios picks them: by the request's protocol) whose requests call `left` once,
 * when the whole request has been handed to the connection ('finish'): not before (a request still
 * waiting for its connection has not left), and errors of `left` do not touch the request.
 */
export function leavingTransport(left: () => void): Pick<typeof http, 'request'> {
	return {
		request: ((...args: Parameters<typeof http.request>) => {
			const options = args[0] as { protocol?: string };
			const base = options?.protocol === 'https:' ? https : http;
			const request = (base.request as typeof http.request)(...args);
			request.once('finish', () => {
				try {
					left();
				} catch {
					// The caller's bookkeeping must not turn a send into a failure.
				}
			});
			return request;
		}) as typeof http.request,
	};
}

/** Raised by the agents when opening a connection takes too long; nothing was sent yet. */
export class ConnectTimeoutError extends Error {
	override readonly name = 'ConnectTimeoutError';
	readonly code = 'ETIMEDOUT';

	constructor(ms: number) {
		super(`connecting took longer than ${ms} ms`);
	}
}

function armConnectTimeout(
	socket: Duplex | null | undefined,
	ms: number,
	readyEvent: 'connect' | 'secureConnect',
): void {
	if (!(socket instanceof net.Socket)) return;
	const timer = setTimeout(() => socket.destroy(new ConnectTimeoutError(ms)), ms);
	timer.unref();
	const clear = () => clearTimeout(timer);
	socket.once(readyEvent, clear);
	socket.once('close', clear);
}

/**
 * How long a kept-alive connection may stay idle before the client closes it. A server closes
 * idle connections too (Node's after 5 s, the sandbox's among them); a request sent on a
 * connection at the moment the server closes it fails with ECONNRESET, and a send that fails so
 * cannot be repeated (its outcome looks unknown). Closing first, a second earlier, avoids that race.
 * Node's agent uses a server's shorter Keep-Alive hint instead where it sends one.
 */
export const IDLE_CONNECTION_MS = 4 * SECOND;

/**
 * A kept-alive connection is not used again once it has been idle this long, by the wall clock at
 * the moment a request picks it. The idle timer above runs on the event loop: while n8n is busy
 * (a 100,000-item batch, a long garbage collection) it fires late, the server's own timer does
 * not, and a send written on a connection the server has just closed fails with ECONNRESET and an
 * unknown outcome (test/core/client/connection.test.ts reproduces it on Node 24.21; Node 22.23's
 * agent sees the server's close waiting unread and skips the connection itself). Node's agent
 * also expires a connection by the server's Keep-Alive hint where one is sent; not every server
 * sends one.
 * Checked when a request is added, a stale connection is closed instead and the request gets a
 * new one.
 */
export const REUSE_IDLE_MS = 3 * SECOND;

/** What the keep-alive agents add to Node's: connect timeouts, and no reuse of stale connections. */
interface AgentLimits {
	readonly connectTimeoutMs: number;
	/** @default REUSE_IDLE_MS */
	readonly reuseIdleMs?: number;
}

/** Node's Agent.addRequest: not in its types, but where a request gets its connection. */
type AddRequest = (request: http.ClientRequest, options: http.ClientRequestArgs) => void;
const nodeAddRequest = (http.Agent.prototype as unknown as { addRequest: AddRequest }).addRequest;

/**
 * Remembers when each connection of `agent` was last given back, and returns the check that closes
 * the free ones idle longer than `reuseIdleMs` (Node's agent skips a destroyed free socket).
 */
function staleConnectionCheck(agent: http.Agent, reuseIdleMs: number): () => void {
	const freedAt = new WeakMap<object, number>();
	agent.on('free', (socket: object) => freedAt.set(socket, Date.now()));
	return () => {
		const now = Date.now();
		for (const sockets of Object.values(agent.freeSockets)) {
			for (const socket of sockets ?? []) {
				const at = freedAt.get(socket);
				if (at !== undefined && now - at >= reuseIdleMs && !socket.destroyed) socket.destroy();
			}
		}
	};
}

/** Keep-alive agents whose new connections time out after `connectTimeoutMs`. */
export class TimedHttpAgent extends http.Agent {
	readonly #connectTimeoutMs: number;
	readonly #dropStale: () => void;

	constructor(limits: AgentLimits) {
		super({ keepAlive: true, timeout: IDLE_CONNECTION_MS });
		this.#connectTimeoutMs = limits.connectTimeoutMs;
		this.#dropStale = staleConnectionCheck(this, limits.reuseIdleMs ?? REUSE_IDLE_MS);
	}

	addRequest(request: http.ClientRequest, options: http.ClientRequestArgs): void {
		this.#dropStale();
		nodeAddRequest.call(this, request, options);
	}

	override createConnection(
		options: http.ClientRequestArgs,
		callback?: (err: Error | null, stream: Duplex) => void,
	): Duplex | null | undefined {
		const socket = super.createConnection(options, callback);
		armConnectTimeout(socket, this.#connectTimeoutMs, 'connect');
		return socket;
	}
}

export class TimedHttpsAgent extends https.Agent {
	readonly #connectTimeoutMs: number;
	readonly #dropStale: () => void;

	constructor(limits: AgentLimits) {
		super({ keepAlive: true, timeout: IDLE_CONNECTION_MS });
		this.#connectTimeoutMs = limits.connectTimeoutMs;
		this.#dropStale = staleConnectionCheck(this, limits.reuseIdleMs ?? REUSE_IDLE_MS);
	}

	addRequest(request: http.ClientRequest, options: http.ClientRequestArgs): void {
		this.#dropStale();
		nodeAddRequest.call(this, request, options);
	}

	override createConnection(
		options: https.RequestOptions,
		callback?: (err: Error | null, stream: Duplex) => void,
	): Duplex | null | undefined {
		const socket = super.createConnection(options, callback);
		armConnectTimeout(socket, this.#connectTimeoutMs, 'secureConnect');
		return socket;
	}
}

// One pair of agents per connect timeout for the whole process: clients are made per execution,
// and sharing the agents keeps their connections warm across executions.
const agentCache = new Map<number, { http: http.Agent; https: https.Agent }>();

export function agentsFor(connectTimeoutMs: number): { http: http.Agent; https: https.Agent } {
	let agents = agentCache.get(connectTimeoutMs);
	if (!agents) {
		agents = {
			http: new TimedHttpAgent({ connectTimeoutMs }),
			https: new TimedHttpsAgent({ connectTimeoutMs }),
		};
		agentCache.set(connectTimeoutMs, agents);
	}
	return agents;
}
