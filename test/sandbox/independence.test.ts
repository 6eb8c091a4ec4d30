import * as fs from 'node:fs';
import * as path from 'node:path';

const SANDBOX = path.resolve(__dirname, '../../sandbox');
const ROOT = path.resolve(__dirname, '../..');
/** What the sandbox may use from the pack: the clock. It reads templates and requests itself. */
const ALLOWED = ['nodes/core/clock'];

function sourcesIn(dir: string): string[] {
	return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) return sourcesIn(full);
		return entry.name.endsWith('.ts') ? [full] : [];
	});
}

describe('sandbox independence', () => {
	it("judges requests with its own checks and Meta's schema: no import of the pack's parsers, builders, policy or error catalog", () => {
		const imports = sourcesIn(SANDBOX).flatMap((file) => {
			const text = fs.readFileSync(file, 'utf8');
			return [...text.matchAll(/from '(\.[^']+)'/g)].map((m) => ({
				file: path.relative(ROOT, file),
				target: path.relative(ROOT, path.resolve(path.dirname(file), m[1])),
			}));
		});
		const fromPack = imports.filter((i) => i.target.startsWith('nodes'));
		expect(fromPack.length).toBeGreaterThan(0);
		expect(fromPack.filter((i) => !ALLOWED.includes(i.target))).toEqual([]);
	});
});
