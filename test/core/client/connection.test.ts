/**
 * The keep-alive race: a server closes an idle connection while the client, its event loop busy,
 * has not noticed, and the next request written on it fails with ECONNRESET. For a send that
 * means an unknown outcome (it cannot be repeated). The server runs in a process of its own, so its
 * timer fires while this process's loop is blocked, as n8n's is during a large batch (blocked 1.5 s
 * longer than the server waits, so that a busy machine still lets the server close in time).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';

import { TimedHttpAgent } from '../../../nodes/core/client/connection';

/** How long the server keeps an idle connection. */
const SERVER_IDLE_MS = 300;

/**
 * A keep-alive server that closes idle connections without announcing when (no Keep-Alive hint:
 * Node's agent expires connections by a server's hint itself, and not every server sends one).
 * Enough HTTP for these requests: a body of Content-Length bytes, one answer each.
 */
const SERVER = `
const net = require('node:net');
const server = net.createServer((socket) => {
	let buffered = '';
	let idle;
	const arm = () => { clearTimeout(idle); idle = setTimeout(() => socket.end(), ${SERVER_IDLE_MS}); };
	arm();
	socket.on('data', (data) => {
		buffered += data;
		const end = buffered.indexOf('\\r\\n\\r\\n');
		if (end < 0) return;
		const length = Number(/content-length: *(\\d+)/i.exec(buffered.slice(0, end))[1]);
		if (buffered.length < end + 4 + length) return;
		buffered = buffered.slice(end + 4 + length);
		socket.write('HTTP/1.1 200 OK\\r\\nContent-Length: 11\\r\\nConnection: keep-alive\\r\\n\\r\\n{"ok":true}');
		arm();
	});
	socket.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

/**
 * Whether Node's agent destroys a free connection with unread data (a server's close) before
 * reusing it: Node 22.23's does (hasPendingRead in its addRequest), Node 24.21's does not.
 */
const NODE_SKIPS_CLOSED_CONNECTIONS = String(
	(http.Agent.prototype as unknown as { addRequest: () => void }).addRequest,
).includes('hasPendingRead');

let server: ChildProcess;
let port: number;

beforeAll(async () => {
	server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
	port = await new Promise<number>((resolve, reject) => {
		server.stdout!.once('data', (data: Buffer) => resolve(Number(String(data).trim())));
		server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
	});
});

afterAll(() => {
	server.kill();
});

/** Blocks this process's event loop, as a long synchronous batch or collection does. */
function blockEventLoop(ms: number): void {
	Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const BODY = '{"to":"4915112345678"}';

/** Waits until the agent holds a free connection again (a few ticks after an answer ended). */
async function settled(agent: http.Agent): Promise<void> {
	const deadline = Date.now() + 5000;
	while (Object.values(agent.freeSockets).every((sockets) => !sockets?.length)) {
		if (Date.now() > deadline) throw new Error('the agent took no connection back');
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}

function post(agent: http.Agent): Promise<{ status: number; reused: boolean }> {
	return new Promise((resolve, reject) => {
		const request = http.request(
			{
				host: '127.0.0.1',
				port,
				method: 'POST',
				path: '/messages',
				agent,
				headers: { 'content-length': Buffer.byteLength(BODY) },
			},
			(response) => {
				response.resume();
				response.on('end', () =>
					resolve({ status: response.statusCode ?? 0, reused: request.reusedSocket }),
				);
			},
		);
		request.on('error', reject);
		request.end(BODY);
	});
}

/**
 * One answered request on a new agent, the connection back in its pool, then `second` (with the
 * event loop blocked past the server's wait first when `stale`); the agent is closed afterwards.
 */
async function afterOneRequest<T>(
	reuseIdleMs: number,
	stale: boolean,
	second: (agent: http.Agent) => Promise<T>,
): Promise<T> {
	const agent = new TimedHttpAgent({ connectTimeoutMs: 1000, reuseIdleMs });
	try {
		expect(await post(agent)).toEqual({ status: 200, reused: false });
		await settled(agent);
		if (stale) blockEventLoop(SERVER_IDLE_MS + 1500);
		return await second(agent);
	} finally {
		agent.destroy();
	}
}

describe('reusing a kept-alive connection', () => {
	it('fails with ECONNRESET on Node 24 when the server closed it while the event loop was blocked (the race)', async () => {
		// Node's own choice of a free connection, the wall-clock check switched off.
		await afterOneRequest(60 * 60 * 1000, true, async (agent) => {
			if (NODE_SKIPS_CLOSED_CONNECTIONS) {
				// Node 22.23 sees the server's close waiting unread and takes a new connection.
				expect(await post(agent)).toEqual({ status: 200, reused: false });
			} else {
				// Node 24.21 writes the send on the closed connection.
				await expect(post(agent)).rejects.toMatchObject({ code: 'ECONNRESET' });
			}
		});
	});

	it('takes a new connection instead when the free one has been idle too long by the clock', async () => {
		expect(await afterOneRequest(500, true, post)).toEqual({ status: 200, reused: false });
	});

	it('reuses a connection freed a moment ago', async () => {
		expect(await afterOneRequest(500, false, post)).toEqual({ status: 200, reused: true });
	});
});
