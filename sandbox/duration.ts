/** "25h", "90m", "2d", "30s", "1500ms" or a number of milliseconds -> milliseconds. */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(value: unknown, name = 'ago'): number {
	if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
	const match =
		typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(value) : null;
	if (!match) {
		throw new RangeError(
			`${name} must be a duration such as "25h", "90m", "2d" or "30s"; got ${JSON.stringify(value)}.`,
		);
	}
	return Math.round(Number(match[1]) * UNITS[(match[2] ?? 'ms').toLowerCase()]);
}
