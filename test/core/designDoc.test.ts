/**
 * docs/DESIGN.md is the map of the code: every file path it names must exist, so the map cannot
 * point somewhere the code left.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { HOLD_REASONS } from '../../nodes/core/policy/types';

const ROOT = resolve(__dirname, '..', '..');
const design = readFileSync(join(ROOT, 'docs', 'DESIGN.md'), 'utf8');

describe('docs/DESIGN.md', () => {
	const paths = [...design.matchAll(/`([\w./-]+\/[\w.-]+\.(?:ts|md|json))`/g)].map((m) => m[1]);

	it('names files', () => {
		expect(paths.length).toBeGreaterThan(40);
	});

	it.each([...new Set(paths)])('names %s, which exists', (path) => {
		expect(existsSync(join(ROOT, path))).toBe(true);
	});

	it('names only reasons the rules give', () => {
		const reasons = [...design.matchAll(/`([a-z]+(?:_[a-z]+)+)`/g)].map((m) => m[1]);
		const unknown = reasons.filter(
			(r) => !(HOLD_REASONS as readonly string[]).includes(r) && !r.startsWith('biz_'),
		);
		expect(unknown).toEqual([]);
	});
});
