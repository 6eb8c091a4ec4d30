import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
	findN8nEncryptionKey,
	missingEncryptionKeyMessage,
	n8nErasureKey,
} from '../../../nodes/shared/erasureKey';

describe('erasure key in n8n', () => {
	let folder: string;
	beforeEach(() => {
		folder = mkdtempSync(join(tmpdir(), 'wa-n8n-key-'));
	});
	afterEach(() => {
		rmSync(folder, { recursive: true, force: true });
	});

	function writeConfig(content: string): void {
		mkdirSync(join(folder, '.n8n'), { recursive: true });
		writeFileSync(join(folder, '.n8n', 'config'), content);
	}

	it('reads N8N_ENCRYPTION_KEY first, as every n8n process of the instance has it', () => {
		writeConfig(JSON.stringify({ encryptionKey: 'from-the-config-file' }));
		expect(
			findN8nEncryptionKey({ N8N_ENCRYPTION_KEY: 'from-the-env', N8N_USER_FOLDER: folder }),
		).toBe('from-the-env');
	});

	it('reads the file N8N_ENCRYPTION_KEY_FILE names, trimmed', () => {
		writeFileSync(join(folder, 'key'), 'from-a-file\n');
		expect(findN8nEncryptionKey({ N8N_ENCRYPTION_KEY_FILE: join(folder, 'key') })).toBe(
			'from-a-file',
		);
	});

	it("reads the encryptionKey of n8n's config in N8N_USER_FOLDER/.n8n, else the home folder", () => {
		writeConfig(JSON.stringify({ encryptionKey: 'from-the-config-file' }));
		expect(findN8nEncryptionKey({ N8N_USER_FOLDER: folder })).toBe('from-the-config-file');
		const home = process.platform === 'win32' ? 'USERPROFILE' : 'HOME';
		expect(findN8nEncryptionKey({ [home]: folder })).toBe('from-the-config-file');
	});

	it('finds none without the variable or a readable config, and says where n8n keeps it', () => {
		expect(findN8nEncryptionKey({ N8N_USER_FOLDER: folder })).toBeUndefined();
		writeConfig('not json');
		expect(findN8nEncryptionKey({ N8N_USER_FOLDER: folder })).toBeUndefined();
		expect(() => n8nErasureKey({ N8N_USER_FOLDER: folder })).toThrow(
			missingEncryptionKeyMessage({ N8N_USER_FOLDER: folder }),
		);
		expect(missingEncryptionKeyMessage({ N8N_USER_FOLDER: folder })).toContain(
			join(folder, '.n8n', 'config'),
		);
	});

	it('derives the same key for the same n8n key, and never prints it', () => {
		const env = { N8N_ENCRYPTION_KEY: 'the-instance-key' };
		const key = n8nErasureKey(env);
		expect(n8nErasureKey(env)).toBe(key);
		expect(`${key} ${JSON.stringify(key)}`).not.toContain('the-instance-key');
	});
});
