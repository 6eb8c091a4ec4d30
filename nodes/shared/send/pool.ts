/**
 * Runs `task` for every entry with at most `limit` running at once, and waits for all of them.
 * Tasks must handle their own errors (one failed item must not stop the others); an error that
 * escapes a task is rethrown after every task has settled.
 */
export async function runPooled<T>(
	entries: readonly T[],
	limit: number,
	task: (entry: T, index: number) => Promise<void>,
): Promise<void> {
	if (!Number.isInteger(limit) || limit < 1) {
		throw new RangeError(`limit must be a whole number of at least 1; got ${String(limit)}.`);
	}
	let next = 0;
	let escaped: { error: unknown } | undefined;
	const worker = async () => {
		while (next < entries.length) {
			const index = next++;
			try {
				await task(entries[index], index);
			} catch (error) {
				escaped ??= { error };
			}
		}
	};
	await Promise.all(Array.from({ length: Math.min(limit, entries.length) }, worker));
	if (escaped) throw escaped.error;
}
