/**
 * Client benchmark: the CPU time one Cloud API request costs in the node's GraphClient (axios over
 * keep-alive agents), next to the sandbox answering it in the same process with no latency. What
 * it is for: comparing builds of the client or versions of axios, which the send benchmark's
 * wall-clock rates on a shared machine cannot show.
 *
 * Run (after `npm install`; to compare an axios version: `npm install --no-save axios@<version>`,
 * run again, then `npm install` to go back):
 *   node --require ./scripts/register-ts.js bench/client.ts
 * Environment:
 *   BENCH_REQUESTS=3000   requests per pass (default 3000), 20 at a time
 *   BENCH_PASSES=5        passes after one warm-up pass (default 5); the median is reported
 * Prints a markdown table and writes it to bench/results/client.md.
 */
import { readFileSync } from 'node:fs';

import { GraphClient } from '../nodes/core/client/client';
import { startSandbox } from '../sandbox/server';
import { DEFAULT_ACCESS_TOKEN } from '../sandbox/options';
import { fixed, machineLine, median, publishReport, runBenchmark } from './report';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const PASSES = Number(process.env.BENCH_PASSES ?? 5);
const CONCURRENCY = 20;
/** The seed's 80/s number: GET /<id> is answered from the seed without rules or state changes. */
const PHONE_NUMBER_ID = '731950246618093';

runBenchmark(async () => {
	const axiosVersion = (
		JSON.parse(readFileSync(require.resolve('axios/package.json'), 'utf8')) as { version: string }
	).version;
	const sandbox = await startSandbox({ port: 0, latencyMs: 0 });
	try {
		const client = new GraphClient({ accessToken: DEFAULT_ACCESS_TOKEN, baseUrl: sandbox.url });
		const pass = async (): Promise<{ cpuMs: number; wallMs: number }> => {
			let next = 0;
			const cpu = process.cpuUsage();
			const started = performance.now();
			await Promise.all(
				Array.from({ length: CONCURRENCY }, async () => {
					while (next < REQUESTS) {
						next++;
						await client.getPhoneNumber(PHONE_NUMBER_ID);
					}
				}),
			);
			const used = process.cpuUsage(cpu);
			return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - started };
		};
		await pass();
		const passes = [];
		for (let i = 0; i < PASSES; i++) passes.push(await pass());
		const cpuMs = median(passes.map((p) => p.cpuMs));
		const wallMs = median(passes.map((p) => p.wallMs));
		publishReport(
			'client.md',
			[
				machineLine(),
				'',
				`### ${REQUESTS} GET requests through GraphClient to the in-process sandbox (median of ${PASSES} passes)`,
				'',
				'| axios | CPU per request (client and sandbox) | Requests/s | CPU of a pass |',
				'|---|---:|---:|---:|',
				`| ${axiosVersion} | ${fixed((cpuMs / REQUESTS) * 1000, 0)} µs | ${fixed(REQUESTS / (wallMs / 1000), 0)} | ${fixed(cpuMs, 0)} ms |`,
				'',
			].join('\n'),
		);
	} finally {
		await sandbox.close();
	}
});
