/**
 * The one error the wire layer throws: a payload would break one of Meta's rules. Thrown before
 * any request, so nothing is sent and nothing is charged.
 */
export class WireError extends Error {
	override readonly name = 'WireError';

	/**
	 * @param field Where the problem is, as the caller named it: "body", "buttons[2].title",
	 *   "template". Lets a node point at the parameter to fix.
	 * @param message What is wrong, the limit, and how to fix it.
	 */
	constructor(
		readonly field: string,
		message: string,
	) {
		super(message);
	}
}

/** 4096 -> "4,096": limits read better with separators, whatever the server locale. */
export function formatCount(n: number): string {
	return n.toLocaleString('en-US');
}

/**
 * Length as a reader counts it (code points), not UTF-16 units: an emoji is one character.
 * Meta does not document which it counts; counting fewer never blocks a message Meta accepts.
 */
export function charCount(text: string): number {
	return [...text].length;
}
