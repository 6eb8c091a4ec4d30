/**
 * The compliance store's erasure key in n8n: derived from n8n's encryption key, which every
 * process of an instance (main, webhook processors, workers) shares and which is not in the store.
 * n8n reads it from N8N_ENCRYPTION_KEY (or the file N8N_ENCRYPTION_KEY_FILE names), else from the
 * `encryptionKey` of `config` in its folder (N8N_USER_FOLDER or the home folder, then `.n8n`),
 * which it creates at first start; this reads it the same way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ErasureKey } from '../core/store/erasureKey';
import { n8nFolder } from '../core/store/sqlite/connection';

function readText(path: string): string | undefined {
	try {
		return readFileSync(path, 'utf8');
	} catch {
		return undefined;
	}
}

/** n8n's encryption key as this n8n process has it; undefined when there is none to find. */
export function findN8nEncryptionKey(env: NodeJS.ProcessEnv = process.env): string | undefined {
	if (env.N8N_ENCRYPTION_KEY) return env.N8N_ENCRYPTION_KEY;
	if (env.N8N_ENCRYPTION_KEY_FILE) {
		const fromFile = readText(env.N8N_ENCRYPTION_KEY_FILE)?.trim();
		if (fromFile) return fromFile;
	}
	const config = readText(join(n8nFolder(env), 'config'));
	if (config === undefined) return undefined;
	try {
		const key = (JSON.parse(config) as { encryptionKey?: unknown }).encryptionKey;
		return typeof key === 'string' && key.length > 0 ? key : undefined;
	} catch {
		return undefined;
	}
}

/** Why no store can be opened without the key: the message says where n8n keeps it. */
export function missingEncryptionKeyMessage(env: NodeJS.ProcessEnv = process.env): string {
	return (
		"The compliance store needs n8n's encryption key to protect the hashes of erased contacts, " +
		`and this process has none: set N8N_ENCRYPTION_KEY to the instance's key (it is in ${join(n8nFolder(env), 'config')} ` +
		'where n8n created it)'
	);
}

/** The erasure key of this n8n instance (cached: every store of the process uses the same). */
let cached: { secret: string; key: ErasureKey } | undefined;

export function n8nErasureKey(env: NodeJS.ProcessEnv = process.env): ErasureKey {
	const secret = findN8nEncryptionKey(env);
	if (secret === undefined) throw new Error(missingEncryptionKeyMessage(env));
	if (cached?.secret !== secret) cached = { secret, key: ErasureKey.fromSecret(secret) };
	return cached.key;
}
