/** What both send nodes share around sending: the Rate Limit option, concurrency, grouping. */
import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import { DEFAULT_MESSAGES_PER_SECOND, MAX_MESSAGES_PER_SECOND } from '../../core/pace/schedule';

/**
 * Requests in flight at once, at most, per execution. The sender's send budget sets the pace;
 * this only bounds open sockets and pending promises. To keep up with a rate, about
 * rate x latency requests must be open at once (1000/s at 150 ms: 150), so the bound allows for a
 * slow answer of SLOWEST_EXPECTED_ANSWER_S at the highest tier.
 */
export const MAX_SENDS_IN_FLIGHT = 500;

/** Meta usually answers a send in 0.1-0.5 s; slower answers are paced by the bound above. */
const SLOWEST_EXPECTED_ANSWER_S = 0.5;

/** Requests in flight for `rate` messages per second: rate x the slowest expected answer, within 1..MAX_SENDS_IN_FLIGHT. */
export function sendsInFlight(rate: number): number {
	return Math.max(1, Math.min(MAX_SENDS_IN_FLIGHT, Math.ceil(rate * SLOWEST_EXPECTED_ANSWER_S)));
}

/**
 * The Rate Limit option of the node (messages per second, read from the first item): a lower rate
 * for this node than its sender number's; undefined when it is empty or 0 (the number's rate).
 * Throws a NodeOperationError naming the limit when it is not usable.
 */
export function nodeRateLimitOf(ctx: IExecuteFunctions): number | undefined {
	const options = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	const given = options.rateLimit;
	if (given === undefined || given === null || given === '' || given === 0) return undefined;
	const rate = typeof given === 'string' ? Number(given.trim()) : given;
	if (typeof rate !== 'number' || !(rate > 0) || rate > MAX_MESSAGES_PER_SECOND) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Rate Limit must be a number of messages per second above 0 and at most ${MAX_MESSAGES_PER_SECOND}; got ${JSON.stringify(given)}`,
			{
				description: `Leave it at 0 to send at the sender number's throughput (the Messages Per Second of the WhatsApp Cloud API credential, ${DEFAULT_MESSAGES_PER_SECOND} by default), or enter a lower rate for this node.`,
			},
		);
	}
	return rate;
}

/** The entries by key, keys and entries in their first order. */
export function groupBy<T>(list: readonly T[], keyOf: (entry: T) => string): Map<string, T[]> {
	const groups = new Map<string, T[]>();
	for (const entry of list) {
		const key = keyOf(entry);
		const group = groups.get(key);
		if (group) group.push(entry);
		else groups.set(key, [entry]);
	}
	return groups;
}

/** The values without repeats, in their first order. */
export function unique(values: readonly string[]): string[] {
	return [...new Set(values)];
}
