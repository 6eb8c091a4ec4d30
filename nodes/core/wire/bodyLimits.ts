/**
 * What a webhook body may hold, so that the work one POST can cause stays bounded (issue 18): the
 * handler's cost grows with the body's updates and objects, not only its bytes, and 3 MB (Meta's
 * byte limit) of tiny objects would be a hundred thousand events. Meta's own bounds, with room:
 * - at most 1,000 updates (messages, statuses...) per POST (Meta's webhooks reference, "Batching"),
 *   so a body with more than MAX_WEBHOOK_ITEMS updates and contact cards is not Meta's and is
 *   refused, like a larger one;
 * - Meta's updates hold a few arrays and objects each (a shared contact card is the richest), so
 *   a body with more than MAX_JSON_CONTAINERS is refused too;
 * - Meta's JSON nests about 12 levels: deeper values are cut (not refused), because
 *   JSON.stringify runs out of stack at a few thousand levels and n8n stores every item as JSON.
 * One text scan counts the objects and the depth before the body is parsed as a webhook.
 */

/** Updates Meta puts in one POST at most (webhooks reference: "up to 1000 updates per batch"). */
export const META_MAX_UPDATES = 1000;
/**
 * Items accepted in one body: updates (messages, statuses, errors, preferences, group events,
 * changes) and the contact cards beside them. Meta's largest is 1,000 messages with a card each:
 * 2,000. More would not be Meta's, and would take the handler past its 100 ms for a body (the
 * fuzzer's bodies of 2,200 to 2,300 events took 110 to 220 ms of CPU on the loaded machine).
 */
export const MAX_WEBHOOK_ITEMS = 2 * META_MAX_UPDATES;
/** Arrays and objects accepted in one body: 3,000 items of 10 each (a status with pricing has 3). */
export const MAX_JSON_CONTAINERS = 30_000;
/**
 * Values (strings, numbers, arrays, objects...) an update may hold to be read by the schemas when
 * the fast check (fastCheck.ts) refuses it: Meta's richest, a message sharing contact cards, holds
 * a few hundred. zod takes microseconds per value and makes an issue for each one that does not
 * match: an update of 40,000 wrong values took 200 ms. A larger one is unreadable as it is.
 */
export const MAX_ITEM_VALUES = 2000;

/** The values in `root` (itself included), counted up to `limit` + 1 (no recursion). */
export function countValues(root: unknown, limit = MAX_ITEM_VALUES): number {
	let count = 0;
	const stack: unknown[] = [root];
	while (stack.length > 0 && count <= limit) {
		const value = stack.pop();
		count++;
		if (typeof value !== 'object' || value === null) continue;
		const children = Array.isArray(value) ? value : Object.values(value);
		if (count + stack.length + children.length > limit + 1) return limit + 1;
		for (const child of children) stack.push(child);
	}
	return count;
}
/** How deep a value may nest; deeper arrays and objects are replaced by DEEP_VALUE. */
export const MAX_JSON_DEPTH = 64;
/** What stands in for a value nested deeper than MAX_JSON_DEPTH. */
export const DEEP_VALUE = `(nested deeper than ${MAX_JSON_DEPTH} levels: left out)`;

export interface JsonShape {
	/** Arrays and objects in the text. */
	containers: number;
	/** Whether they nest deeper than MAX_JSON_DEPTH. */
	tooDeep: boolean;
}

/**
 * Counts the arrays and objects of JSON text and how deep they nest, without parsing it: one pass
 * over the characters, a quarter of what JSON.parse takes.
 */
export function jsonShape(text: string): JsonShape {
	let depth = 0;
	let deepest = 0;
	let containers = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (inString) {
			if (c === 0x5c) i++;
			else if (c === 0x22) inString = false;
		} else if (c === 0x22) inString = true;
		else if (c === 0x7b || c === 0x5b) {
			containers++;
			if (++depth > deepest) deepest = depth;
		} else if (c === 0x7d || c === 0x5d) depth--;
	}
	return { containers, tooDeep: deepest > MAX_JSON_DEPTH };
}

/** The value with every array or object below MAX_JSON_DEPTH replaced by DEEP_VALUE (no recursion). */
export function cutDeep(root: unknown): unknown {
	if (typeof root !== 'object' || root === null) return root;
	const stack: Array<{ node: Record<string, unknown>; depth: number }> = [
		{ node: root as Record<string, unknown>, depth: 1 },
	];
	while (stack.length > 0) {
		const { node, depth } = stack.pop()!;
		for (const key of Object.keys(node)) {
			const child = node[key];
			if (typeof child !== 'object' || child === null) continue;
			if (depth >= MAX_JSON_DEPTH) node[key] = DEEP_VALUE;
			else stack.push({ node: child as Record<string, unknown>, depth: depth + 1 });
		}
	}
	return root;
}

/** The lists of a change value whose items are read one by one (inbound/envelope.ts ITEM_LISTS). */
const UPDATE_LISTS = ['messages', 'statuses', 'errors', 'contacts', 'user_preferences', 'groups'];

/**
 * The items of a parsed body, counted from its shape alone: the items of each change's lists, or
 * 1 for a change without any. Stops counting past `limit`.
 */
export function countItems(body: unknown, limit = MAX_WEBHOOK_ITEMS): number {
	let count = 0;
	const entries = (body as { entry?: unknown })?.entry;
	if (!Array.isArray(entries)) return 0;
	for (const entry of entries) {
		const changes = (entry as { changes?: unknown } | null)?.changes;
		if (!Array.isArray(changes)) {
			count++;
			continue;
		}
		for (const change of changes) {
			const value = (change as { value?: unknown } | null)?.value;
			let items = 0;
			if (typeof value === 'object' && value !== null) {
				for (const list of UPDATE_LISTS) {
					const found = (value as Record<string, unknown>)[list];
					if (Array.isArray(found)) items += found.length;
				}
			}
			count += Math.max(1, items);
			if (count > limit) return count;
		}
	}
	return count;
}
