import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

import { SqlitePathError, checkedSqlitePath } from '../../../nodes/shared/sqlitePath';
import { storeConfigFrom, testComplianceStore } from '../../../nodes/shared/store';

let root: string;
let user: string;
let files: string;
/** An n8n whose user folder is `user` and whose nodes may use files in `files`. */
let env: NodeJS.ProcessEnv;

beforeEach(() => {
	root = mkdtempSync(join(tmpdir(), 'wa-path-'));
	user = join(root, 'home');
	files = join(root, 'n8n-files');
	mkdirSync(join(user, '.n8n'), { recursive: true });
	mkdirSync(files);
	env = { N8N_USER_FOLDER: user, N8N_RESTRICT_FILE_ACCESS_TO: files };
});
afterEach(() => {
	rmSync(root, { recursive: true, force: true });
});

const refusal = (path: string, settings: NodeJS.ProcessEnv = env) => {
	try {
		checkedSqlitePath(path, settings);
	} catch (error) {
		expect(error).toBeInstanceOf(SqlitePathError);
		return (error as Error).message;
	}
	throw new Error(`${path} was not refused`);
};

describe('SQLite path of the store credential', () => {
	it("uses the default file in n8n's folder when empty, and accepts it typed in", () => {
		const fallback = join(user, '.n8n', 'whatsapp-compliance.sqlite');
		expect(checkedSqlitePath('', env)).toBe(fallback);
		expect(checkedSqlitePath('  ', env)).toBe(fallback);
		expect(checkedSqlitePath(fallback, env)).toBe(fallback);
	});

	it("refuses n8n's own database and its journal files, whatever the settings", () => {
		const open = {
			...env,
			N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES: 'false',
			N8N_RESTRICT_FILE_ACCESS_TO: '',
		};
		for (const file of ['database.sqlite', 'database.sqlite-wal', 'database.sqlite-shm']) {
			expect(refusal(join(user, '.n8n', file), open)).toMatch(
				/^The SQLite File of the WhatsApp Compliance Store credential \(.*\) is n8n's own database: the store would write its tables into it\. Choose another file, or leave SQLite File empty/,
			);
		}
		const renamed = { ...open, DB_SQLITE_DATABASE: join(files, 'n8n.db') };
		expect(refusal(join(files, 'n8n.db'), renamed)).toMatch(/is n8n's own database/);
	});

	it("refuses other files in n8n's folder unless N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES is false", () => {
		const inside = join(user, '.n8n', 'other.sqlite');
		expect(refusal(inside)).toContain(
			`is inside ${join(user, '.n8n')}, which n8n keeps nodes out of (N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES)`,
		);
		const custom = join(root, 'extensions', 'store.sqlite');
		expect(refusal(custom, { ...env, N8N_CUSTOM_EXTENSIONS: join(root, 'extensions') })).toContain(
			'N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES',
		);
		const unblocked = {
			...env,
			N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES: 'false',
			N8N_RESTRICT_FILE_ACCESS_TO: join(user, '.n8n'),
		};
		expect(checkedSqlitePath(inside, unblocked)).toBe(inside);
	});

	it('allows files only inside the folders of N8N_RESTRICT_FILE_ACCESS_TO', () => {
		expect(checkedSqlitePath(join(files, 'store.sqlite'), env)).toBe(join(files, 'store.sqlite'));
		expect(checkedSqlitePath(join(files, 'new', 'deeper', 'store.sqlite'), env)).toBe(
			join(files, 'new', 'deeper', 'store.sqlite'),
		);
		expect(refusal(join(root, 'elsewhere.sqlite'))).toBe(
			`The SQLite File of the WhatsApp Compliance Store credential (${join(root, 'elsewhere.sqlite')}) is outside the folders n8n lets nodes use: N8N_RESTRICT_FILE_ACCESS_TO allows ${files}. Put the file in one of them, add its folder to N8N_RESTRICT_FILE_ACCESS_TO, or leave SQLite File empty to use whatsapp-compliance.sqlite in n8n's folder.`,
		);
		// A folder whose name only starts like an allowed one is another folder.
		expect(refusal(`${files}-2/store.sqlite`)).toContain('N8N_RESTRICT_FILE_ACCESS_TO');
		const two = { ...env, N8N_RESTRICT_FILE_ACCESS_TO: ` ${root}/a ; ${files} ` };
		expect(checkedSqlitePath(join(files, 'x.sqlite'), two)).toBe(join(files, 'x.sqlite'));
		expect(
			checkedSqlitePath(join(root, 'b.sqlite'), { ...env, N8N_RESTRICT_FILE_ACCESS_TO: '' }),
		).toBe(join(root, 'b.sqlite'));
	});

	it("follows n8n's default, ~/.n8n-files, when N8N_RESTRICT_FILE_ACCESS_TO is not set", () => {
		const unset = { ...env };
		delete unset.N8N_RESTRICT_FILE_ACCESS_TO;
		expect(refusal(join(files, 'store.sqlite'), unset)).toContain(
			`N8N_RESTRICT_FILE_ACCESS_TO allows ${join(homedir(), '.n8n-files')}.`,
		);
	});

	it('resolves symbolic links before deciding, as n8n does', () => {
		symlinkSync(join(user, '.n8n'), join(files, 'link'));
		expect(refusal(join(files, 'link', 'database.sqlite'))).toMatch(/is n8n's own database/);
		expect(refusal(join(files, 'link', 'other.sqlite'))).toContain(
			'N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES',
		);
	});

	it('refuses paths that match N8N_BLOCK_FILE_PATTERNS (a .git folder by default)', () => {
		expect(refusal(join(files, '.git', 'store.sqlite'))).toContain('of N8N_BLOCK_FILE_PATTERNS');
		const own = { ...env, N8N_BLOCK_FILE_PATTERNS: 'secret' };
		expect(refusal(join(files, 'secret.sqlite'), own)).toContain(
			'"secret" of N8N_BLOCK_FILE_PATTERNS',
		);
		expect(checkedSqlitePath(join(files, '.git', 'store.sqlite'), own)).toBe(
			join(files, '.git', 'store.sqlite'),
		);
	});

	it('is applied to the credential before any store is opened, in every node and the credential test', async () => {
		const saved = { ...process.env };
		Object.assign(process.env, env);
		try {
			const database = join(user, '.n8n', 'database.sqlite');
			expect(() => storeConfigFrom({ backend: 'sqlite', sqlitePath: database })).toThrow(
				SqlitePathError,
			);
			const result = await testComplianceStore.call({} as never, {
				id: '1',
				name: 'Store',
				type: 'whatsAppComplianceStoreApi',
				data: { backend: 'sqlite', sqlitePath: database },
			});
			expect(result).toEqual({
				status: 'Error',
				message: expect.stringContaining("is n8n's own database"),
			});
		} finally {
			process.env = saved;
		}
	});
});
