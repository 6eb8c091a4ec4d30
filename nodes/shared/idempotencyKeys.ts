import { createHash } from 'node:crypto';
import type { IExecuteFunctions } from 'n8n-workflow';

/**
 * What makes one send of one node run unique: the execution, the node, its run (a node in a loop
 * runs several times in one execution), the item, and what the caller adds (recipient, type...).
 * "Retry On Fail" repeats the same run with the same items, so its retries get the same keys and
 * nothing already sent goes out twice; a new execution gets new keys.
 */
export interface RunIdentity {
	readonly executionId: string;
	readonly nodeId: string;
	readonly runIndex: number;
}

export function runIdentityOf(ctx: IExecuteFunctions): RunIdentity {
	const node = ctx.getNode();
	const proxy = ctx.getWorkflowDataProxy(0) as { $thisRunIndex?: unknown } | undefined;
	const runIndex = typeof proxy?.$thisRunIndex === 'number' ? proxy.$thisRunIndex : 0;
	return {
		executionId: String(ctx.getExecutionId() ?? ''),
		nodeId: node.id || node.name,
		runIndex,
	};
}

/** "<prefix>:<32 hex>", derived from the run, the item and `parts`. */
export function defaultIdempotencyKey(
	prefix: string,
	run: RunIdentity,
	itemIndex: number,
	parts: readonly string[],
): string {
	const hash = createHash('sha256')
		.update(JSON.stringify([run.executionId, run.nodeId, run.runIndex, itemIndex, ...parts]))
		.digest('hex');
	return `${prefix}:${hash.slice(0, 32)}`;
}

/**
 * A user's Idempotency Key (an order id, a campaign id) scoped to what is sent and to whom, so one
 * key serves every recipient and every message of a workflow: `scope` names the message (the
 * template, or "reply" and the message type) and the contact. The scope goes in as a hash, so no
 * phone number is kept in the key.
 */
export function scopedKey(userKey: string, scope: readonly string[]): string {
	const hash = createHash('sha256').update(JSON.stringify(scope)).digest('hex');
	return `${userKey}#${hash.slice(0, 16)}`;
}
