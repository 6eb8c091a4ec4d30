/**
 * The keep-alive race: a server closes an idle connection while the client, its event loop busy,
 * has not noticed, and the next request written on it fails with ECONNRESET. For a send that
 * means an unknown outcome (it cannot be repeated). The server runs in a process of its own, so its
 * timer fires while this process's loop is blocked, as n8n's is during a large batch.
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

/** The agent takes a connection back a few ticks after its answer ended. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 20));

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

describe('reusing a kept-alive connection', () => {
	it('fails with ECONNRESET when the server closed it while the event loop was blocked (the race)', async () => {
		const agent = new TimedHttpAgent({ connectTimeoutMs: 1000, reuseIdleMs: 60 * 60 * 1000 });
		try {
			expect(await post(agent)).toEqual({ status: 200, reused: false });
			await settled();
			blockEventLoop(SERVER_IDLE_MS + 500);
			await expect(post(agent)).rejects.toMatchObject({ code: 'ECONNRESET' });
		} finally {
			agent.destroy();
		}
	});

	it('takes a new connection instead when the free one has been idle too long by the clock', async () => {
		const agent = new TimedHttpAgent({ connectTimeoutMs: 1000, reuseIdleMs: 500 });
		try {
			expect(await post(agent)).toEqual({ status: 200, reused: false });
			await settled();
			blockEventLoop(SERVER_IDLE_MS + 500);
			expect(await post(agent)).toEqual({ status: 200, reused: false });
		} finally {
			agent.destroy();
		}
	});

	it('reuses a connection freed a moment ago', async () => {
		const agent = new TimedHttpAgent({ connectTimeoutMs: 1000, reuseIdleMs: 500 });
		try {
			expect(await post(agent)).toEqual({ status: 200, reused: false });
			await settled();
			expect(await post(agent)).toEqual({ status: 200, reused: true });
		} finally {
			agent.destroy();
		}
	});
});
