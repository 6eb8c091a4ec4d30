import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import {
	isSqliteExperimentalWarning,
	nodeSqlite,
} from '../../../nodes/core/store/sqlite/nodeSqlite';

const ROOT = path.resolve(__dirname, '../../..');
const LOADER = path.join(ROOT, 'nodes/core/store/sqlite/nodeSqlite.ts');
/** Node's own text (lib/sqlite.js on Node 22). */
const SQLITE_WARNING = 'SQLite is an experimental feature and might change at any time';

/** What a fresh Node process (this test's Node) prints on stderr running `script`. */
function stderrOf(script: string): string {
	const run = spawnSync(
		process.execPath,
		['--require', path.join(ROOT, 'scripts/register-ts.js'), '-e', script],
		{ cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
	);
	expect(run.status).toBe(0);
	return run.stderr;
}

describe('node:sqlite without its experimental warning', () => {
	it('loads node:sqlite without printing its warning, and prints every other warning', () => {
		const stderr = stderrOf(`
			const { nodeSqlite } = require(${JSON.stringify(LOADER)});
			if (typeof nodeSqlite().DatabaseSync !== 'function') process.exit(3);
			process.emitWarning('Another feature is experimental', 'ExperimentalWarning');
			process.emitWarning('An old API', 'DeprecationWarning');
		`);
		expect(stderr).not.toContain(SQLITE_WARNING);
		expect(stderr).toContain('ExperimentalWarning: Another feature is experimental');
		expect(stderr).toContain('DeprecationWarning: An old API');
	});

	it('is needed on Node 22 only: plain node:sqlite prints the warning there, not on Node 24', () => {
		const stderr = stderrOf(`process.getBuiltinModule('node:sqlite');`);
		const major = Number(process.versions.node.split('.')[0]);
		if (major === 22) expect(stderr).toContain(`ExperimentalWarning: ${SQLITE_WARNING}`);
		else expect(stderr).not.toContain(SQLITE_WARNING);
	});

	it('puts process.emitWarning back once node:sqlite is loaded', () => {
		const emitWarning = process.emitWarning;
		expect(typeof nodeSqlite().DatabaseSync).toBe('function');
		expect(process.emitWarning).toBe(emitWarning);
	});

	it('holds back only the SQLite ExperimentalWarning, in each form emitWarning takes', () => {
		expect(isSqliteExperimentalWarning(SQLITE_WARNING, 'ExperimentalWarning')).toBe(true);
		expect(isSqliteExperimentalWarning(SQLITE_WARNING, { type: 'ExperimentalWarning' })).toBe(true);
		const error = Object.assign(new Error(SQLITE_WARNING), { name: 'ExperimentalWarning' });
		expect(isSqliteExperimentalWarning(error)).toBe(true);

		expect(isSqliteExperimentalWarning(SQLITE_WARNING)).toBe(false);
		expect(isSqliteExperimentalWarning(SQLITE_WARNING, 'DeprecationWarning')).toBe(false);
		expect(
			isSqliteExperimentalWarning('WASI is an experimental feature', 'ExperimentalWarning'),
		).toBe(false);
		expect(isSqliteExperimentalWarning(new Error(SQLITE_WARNING))).toBe(false);
	});
});
