/**
 * The SQLite file a WhatsApp Compliance Store credential names, held to n8n's own file-access
 * settings. n8n checks the paths its file nodes read and write (n8n-core's isFilePathBlocked), but
 * not a path inside a credential, and that check is offered to executing nodes only, not to the
 * Webhook Trigger or a credential test; so the same rules are applied here, from the same
 * environment variables, for every caller:
 * - never n8n's own database (DB_SQLITE_DATABASE in the n8n folder) or its journal files;
 * - N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES (on unless "false"): nothing in n8n's folder
 *   (N8N_USER_FOLDER/.n8n), its static cache, N8N_CONFIG_FILES, N8N_CUSTOM_EXTENSIONS,
 *   N8N_BINARY_DATA_STORAGE_PATH or the user-management e-mail templates; the store's default
 *   file lives in n8n's folder by design, so that one file is allowed;
 * - N8N_BLOCK_FILE_PATTERNS (regular expressions separated by ";"; n8n's default blocks .git);
 * - N8N_RESTRICT_FILE_ACCESS_TO (folders separated by ";", "~" for the home folder; n8n's default
 *   is ~/.n8n-files; empty allows every folder): only files inside one of them.
 * Paths are compared after resolving symbolic links, as n8n does.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, posix, resolve, sep } from 'node:path';

import { SQLITE_FILE_NAME, defaultSqlitePath } from '../core/store/sqlite';

/** n8n's defaults for its file-access settings (n8n 2.x, @n8n/config SecurityConfig). */
const DEFAULT_RESTRICT_FILE_ACCESS_TO = '~/.n8n-files';
const DEFAULT_BLOCK_FILE_PATTERNS = '^(.*\\/)*\\.git(\\/.*)*$';
const DEFAULT_N8N_DATABASE = 'database.sqlite';
const JOURNAL_SUFFIXES = ['', '-wal', '-shm', '-journal'];

type Env = NodeJS.ProcessEnv;

/** The credential's SQLite File cannot be used; the message says why and how to fix it. */
export class SqlitePathError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'SqlitePathError';
	}
}

/**
 * The file to open for the credential's SQLite File (empty: the default file). Throws
 * SqlitePathError when n8n's settings keep nodes from that file.
 */
export function checkedSqlitePath(given: string, env: Env = process.env): string {
	const fallback = defaultSqlitePath(env);
	if (given.trim() === '') return fallback;
	const path = resolveReal(given);
	const n8nFolder = join(userFolder(env), '.n8n');
	const database = resolve(n8nFolder, setting(env, 'DB_SQLITE_DATABASE') || DEFAULT_N8N_DATABASE);
	const shown = `The SQLite File of the WhatsApp Compliance Store credential (${given})`;
	const useDefault = `leave SQLite File empty to use ${SQLITE_FILE_NAME} in n8n's folder`;
	if (JOURNAL_SUFFIXES.some((suffix) => path === resolveReal(database + suffix))) {
		throw new SqlitePathError(
			`${shown} is n8n's own database: the store would write its tables into it. Choose another file, or ${useDefault}.`,
		);
	}
	if (path === resolveReal(fallback)) return path;
	if (env.N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES !== 'false') {
		const n8nPath = n8nPaths(env, n8nFolder).find((p) => contains(resolveReal(p), path));
		if (n8nPath !== undefined) {
			throw new SqlitePathError(
				`${shown} is inside ${n8nPath}, which n8n keeps nodes out of (N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES). Choose a file in another folder, or ${useDefault}.`,
			);
		}
	}
	const patterns = setting(env, 'N8N_BLOCK_FILE_PATTERNS') ?? DEFAULT_BLOCK_FILE_PATTERNS;
	const blockedBy = list(patterns).find((pattern) => matches(pattern, path));
	if (blockedBy !== undefined) {
		throw new SqlitePathError(
			`${shown} matches "${blockedBy}" of N8N_BLOCK_FILE_PATTERNS, so n8n keeps nodes from it. Choose another file, or ${useDefault}.`,
		);
	}
	const allowed = list(
		setting(env, 'N8N_RESTRICT_FILE_ACCESS_TO') ?? DEFAULT_RESTRICT_FILE_ACCESS_TO,
	).map((folder) => (folder.startsWith('~') ? folder.replace('~', homedir()) : folder));
	if (allowed.length > 0 && !allowed.some((folder) => contains(resolveReal(folder), path))) {
		throw new SqlitePathError(
			`${shown} is outside the folders n8n lets nodes use: N8N_RESTRICT_FILE_ACCESS_TO allows ${allowed.join(', ')}. Put the file in one of them, add its folder to N8N_RESTRICT_FILE_ACCESS_TO, or ${useDefault}.`,
		);
	}
	return path;
}

/** A setting as n8n reads it: the variable, else the file named by <name>_FILE; quotes dropped. */
function setting(env: Env, name: string): string | undefined {
	let value = env[name];
	const file = env[`${name}_FILE`];
	if (value === undefined && file) value = readFileSync(file, 'utf8');
	return value?.trim().replace(/^(['"])(.*)\1$/, '$2');
}

function list(value: string): string[] {
	return value
		.split(';')
		.map((item) => item.trim())
		.filter((item) => item !== '');
}

function userFolder(env: Env): string {
	const homeVar = process.platform === 'win32' ? 'USERPROFILE' : 'HOME';
	return env.N8N_USER_FOLDER ?? env[homeVar] ?? process.cwd();
}

/** The folders and files n8n keeps nodes out of (n8n-core's getN8nRestrictedPaths). */
function n8nPaths(env: Env, n8nFolder: string): string[] {
	return [
		n8nFolder,
		join(dirname(n8nFolder), '.cache/n8n/public'),
		...(env.N8N_CONFIG_FILES ?? '').split(','),
		...(env.N8N_CUSTOM_EXTENSIONS ?? '').split(';'),
		env.N8N_BINARY_DATA_STORAGE_PATH ?? '',
		env.N8N_UM_EMAIL_TEMPLATES_INVITE ?? '',
		env.N8N_UM_EMAIL_TEMPLATES_PWRESET ?? '',
	].filter((p) => p.trim() !== '');
}

function contains(parent: string, child: string): boolean {
	return child === parent || child.startsWith(parent + sep);
}

/** As n8n: an invalid pattern blocks. */
function matches(pattern: string, path: string): boolean {
	try {
		return new RegExp(pattern, 'mi').test(posix.normalize(path.replace(/\\/g, '/')));
	} catch {
		return true;
	}
}

/** The absolute path with symbolic links resolved in the part that exists (the file may not yet). */
function resolveReal(path: string): string {
	const absolute = resolve(path);
	let existing = absolute;
	const missing: string[] = [];
	while (!existsSync(existing)) {
		const parent = dirname(existing);
		if (parent === existing) return absolute;
		missing.unshift(basename(existing));
		existing = parent;
	}
	try {
		return join(realpathSync(existing), ...missing);
	} catch {
		return absolute;
	}
}
