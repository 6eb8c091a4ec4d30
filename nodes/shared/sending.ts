/** What both send nodes share around sending: the Rate Limit option, concurrency, grouping. */
import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import { DEFAULT_MESSAGES_PER_SECOND, MAX_MESSAGES_PER_SECOND } from '../core/graph/tokenBucket';

/**
 * Requests in flight at once, at most, per execution. The sender's token bucket sets the pace;
 * this only bounds the open sockets and pending promises. At Meta's ~0.2-0.5 s per send, 100 in
 * flight keeps up with 200-500 messages per second, more than any sender number's rate but the
 * highest tier, without opening a socket per item of a large batch.
 */
export const MAX_SENDS_IN_FLIGHT = 100;

/** Requests in flight for `rate` messages per second: one per message of a second, within 1..MAX_SENDS_IN_FLIGHT. */
export function sendsInFlight(rate: number): number {
	return Math.max(1, Math.min(MAX_SENDS_IN_FLIGHT, Math.ceil(rate)));
}

/**
 * The Rate Limit option (messages per second) of the first item: one client, and its limiter,
 * per execution. Throws a NodeOperationError naming the limit when it is not usable.
 */
export function rateLimitOf(ctx: IExecuteFunctions): number {
	const options = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	const given = options.rateLimit ?? DEFAULT_MESSAGES_PER_SECOND;
	const rate = typeof given === 'string' && given.trim() !== '' ? Number(given) : given;
	if (typeof rate !== 'number' || !(rate > 0) || rate > MAX_MESSAGES_PER_SECOND) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Rate Limit must be a number of messages per second above 0 and at most ${MAX_MESSAGES_PER_SECOND}; got ${JSON.stringify(given)}`,
			{
				description: `Meta allows ${DEFAULT_MESSAGES_PER_SECOND} messages per second per sender number by default; set the rate your number has.`,
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
