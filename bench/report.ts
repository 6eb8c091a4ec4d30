/**
 * What the benchmarks share around their measurements: the machine line their reports start
 * with, the report printed and written to bench/results/, a main that exits with its outcome
 * (the sandbox's timers and n8n's pipes would keep the process alive), and the numbers' formats.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

import { ErasureKey } from '../nodes/core/store/erasureKey';

/** Benchmark stores are throwaway: their erasure key comes from a fixed secret. */
export const BENCH_ERASURE_KEY = ErasureKey.fromSecret('benchmark stores: a throwaway secret');

/** The 1, 5 and 15 minute load averages: "1.20 / 0.80 / 0.50". */
export const loadAverages = (): string =>
	loadavg()
		.map((v) => v.toFixed(2))
		.join(' / ');

/** "Date: ... Machine: 2 CPU cores (...), 24105 MB RAM, Node v24..., load average at start". */
export function machineLine(): string {
	return `Date: ${new Date().toISOString()}. Machine: ${cpus().length} CPU cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 20)} MB RAM, Node ${process.version}. Load average at start (1 / 5 / 15 min): ${loadAverages()}.`;
}

/** Prints the report and writes it to bench/results/<file>. */
export function publishReport(file: string, text: string): void {
	console.log(text);
	const dir = join(__dirname, 'results');
	mkdirSync(dir, { recursive: true });
	writeFileSync(join(dir, file), text);
	console.error(`written to ${join(dir, file)}`);
}

/** Runs the benchmark and exits: 0 when it finished, 1 with the error's stack otherwise. */
export function runBenchmark(main: () => Promise<void>): void {
	main().then(
		() => process.exit(0),
		(error: unknown) => {
			console.error(error instanceof Error ? (error.stack ?? error.message) : error);
			process.exit(1);
		},
	);
}

export const fixed = (value: number, digits = 1): string => value.toFixed(digits);
export const thousands = (value: number): string => Math.round(value).toLocaleString('en-US');

/** Microseconds since `start` (process.hrtime.bigint()). */
export function elapsedUs(start: bigint): number {
	return Number(process.hrtime.bigint() - start) / 1000;
}

/** The middle value (the upper one of the two middles for an even count). */
export function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
}

/**
 * A full garbage collection before a timed phase, so that one phase's garbage is not collected in
 * the next one's time. Needs node --expose-gc (the benchmarks that use it say so); without it,
 * nothing.
 */
export function collectGarbage(): void {
	if (typeof global.gc === 'function') global.gc();
}
