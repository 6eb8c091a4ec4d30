/** Starts SQLite racers (worker threads, one connection each) and runs calls on all at once. */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import type { RaceReply, RaceRequest } from './sqlite-racer';

const REGISTER = join(__dirname, '../../../scripts/register-ts.js');
const RACER = join(__dirname, 'sqlite-racer.ts');

export interface RaceCall {
	method: string;
	args: unknown[];
}

export interface Racers {
	race<T>(method: string, argsPerRacer: unknown[][]): Promise<T[]>;
	/** One call per racer, each with its own method, all at the same moment. */
	raceCalls(calls: RaceCall[]): Promise<unknown[]>;
	close(): Promise<void>;
}

function nextReply(worker: Worker): Promise<RaceReply> {
	return new Promise((resolve, reject) => {
		const onError = (error: Error) => {
			worker.off('message', onMessage);
			reject(error);
		};
		const onMessage = (reply: RaceReply) => {
			worker.off('error', onError);
			resolve(reply);
		};
		worker.once('message', onMessage);
		worker.once('error', onError);
	});
}

export async function startRacers(path: string, count: number): Promise<Racers> {
	const workers = Array.from(
		{ length: count },
		// Plain node inside the thread: the hook compiles the TypeScript sources as Jest does.
		() =>
			new Worker(`require(${JSON.stringify(REGISTER)}); require(${JSON.stringify(RACER)});`, {
				eval: true,
				workerData: { path },
			}),
	);
	await Promise.all(workers.map(nextReply));
	async function raceCalls(calls: RaceCall[]): Promise<unknown[]> {
		if (calls.length > workers.length) {
			throw new Error(`race: ${calls.length} calls but only ${workers.length} racers`);
		}
		const barrier = new SharedArrayBuffer(4);
		const replies = calls.map(({ method, args }, i) => {
			const reply = nextReply(workers[i]);
			workers[i].postMessage({
				method,
				args,
				barrier,
				parties: calls.length,
			} satisfies RaceRequest);
			return reply;
		});
		return (await Promise.all(replies)).map((reply) => {
			if ('ready' in reply) throw new Error('race: unexpected ready message');
			if (!reply.ok) throw new Error(`racer failed: ${reply.error}`);
			return reply.result;
		});
	}
	return {
		async race<T>(method: string, argsPerRacer: unknown[][]): Promise<T[]> {
			return (await raceCalls(argsPerRacer.map((args) => ({ method, args })))) as T[];
		},
		raceCalls,
		async close() {
			await Promise.all(
				workers.map(
					(worker) =>
						new Promise<void>((resolve) => {
							worker.once('exit', () => resolve());
							worker.postMessage('close');
						}),
				),
			);
		},
	};
}
