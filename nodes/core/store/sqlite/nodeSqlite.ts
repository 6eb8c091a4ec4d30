/**
 * node:sqlite, loaded on first use, without the one warning Node 22 prints for it.
 *
 * Node 22 (n8n 2.30's official Docker image) marks node:sqlite experimental and prints
 * "ExperimentalWarning: SQLite is an experimental feature and might change at any time" once per
 * process that loads it: every n8n process that runs the embedded store would print it, and an
 * operator can do nothing about it. Node 24 prints nothing. While node:sqlite loads, that warning
 * alone is held back; any other warning, then or later, is printed as before. Loading on first use
 * also means a process that only uses the PostgreSQL store (queue mode) never loads node:sqlite.
 */
type NodeSqlite = typeof import('node:sqlite');

/** The text of Node's warning for node:sqlite (lib/sqlite.js, `emitExperimentalWarning`). */
const SQLITE_WARNING = /^SQLite is an experimental feature\b/;

let loaded: NodeSqlite | undefined;

/** Whether `process.emitWarning(warning, ...rest)` is node:sqlite's experimental warning. */
export function isSqliteExperimentalWarning(warning: unknown, ...rest: unknown[]): boolean {
	const [typeOrOptions] = rest;
	const type =
		typeof typeOrOptions === 'string'
			? typeOrOptions
			: (typeOrOptions as { type?: unknown } | undefined)?.type;
	const text = warning instanceof Error ? warning.message : warning;
	const name = warning instanceof Error ? warning.name : type;
	return name === 'ExperimentalWarning' && typeof text === 'string' && SQLITE_WARNING.test(text);
}

/** node:sqlite (DatabaseSync...), loaded once per process. */
export function nodeSqlite(): NodeSqlite {
	if (loaded) return loaded;
	const emitWarning = process.emitWarning;
	process.emitWarning = function (this: NodeJS.Process, warning: unknown, ...rest: unknown[]) {
		if (isSqliteExperimentalWarning(warning, ...rest)) return;
		return (emitWarning as (...args: unknown[]) => void).call(this, warning, ...rest);
	} as typeof process.emitWarning;
	try {
		loaded = process.getBuiltinModule('node:sqlite');
	} finally {
		process.emitWarning = emitWarning;
	}
	return loaded;
}
