/**
 * The erasure key: what keeps the contact hashes of the suppression list from being reversed by
 * whoever has the store (the file, the database, a backup). A phone number has few enough digits
 * that a hash keyed with something kept in the store itself is guessed in seconds (issue 18: a
 * German mobile number in 1.6 s on one core). So the store's hash key is kept only sealed
 * (AES-256-GCM) with a key from outside the store: derived from n8n's encryption key, which every
 * process of an n8n instance shares (nodes/shared/erasureKey.ts finds it).
 *
 * Sealing instead of re-keying every stored hash: a store made before the key moved out keeps its
 * hash key, sealed, so its suppression list, messaging limit and send records keep matching
 * without a single plain number; GCM's tag makes a wrong key an error instead of a silently
 * different hash (an erased contact would be messaged again).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

import { newSalt } from './contactHash';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Domain separation: this key is used for nothing else n8n or another package derives. */
const HKDF_SALT = 'n8n-nodes-whatsapp-compliance';
const HKDF_INFO = 'erasure key: seals the contact hash key of the compliance store, v1';
const SEALED_PREFIX = 'v1.';

/** A key that seals and opens the store's contact hash key. Never printed. */
export class ErasureKey {
	readonly #key: Buffer;

	private constructor(key: Buffer) {
		this.#key = key;
	}

	/**
	 * The erasure key derived (HKDF-SHA256, with this package's own label) from a secret: n8n's
	 * encryption key in n8n; any long random secret elsewhere (tests, benchmarks).
	 */
	static fromSecret(secret: string): ErasureKey {
		if (typeof secret !== 'string' || secret.length === 0) {
			throw new Error('erasure key: the secret must be a non-empty string');
		}
		const key = Buffer.from(hkdfSync('sha256', secret, HKDF_SALT, HKDF_INFO, KEY_BYTES));
		return new ErasureKey(key);
	}

	/** `plain` sealed: 'v1.' + base64 of IV, tag and ciphertext. `label` is bound to it. */
	seal(plain: Buffer, label: string): string {
		const iv = randomBytes(IV_BYTES);
		const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
		cipher.setAAD(Buffer.from(label, 'utf8'));
		const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
		return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
	}

	/** What seal gave; undefined when this key (or the label) is not the one it was sealed with. */
	open(sealed: string, label: string): Buffer | undefined {
		if (!sealed.startsWith(SEALED_PREFIX)) return undefined;
		const bytes = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64');
		if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
		try {
			const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, IV_BYTES));
			decipher.setAAD(Buffer.from(label, 'utf8'));
			decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
			return Buffer.concat([
				decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
				decipher.final(),
			]);
		} catch {
			return undefined;
		}
	}

	toString(): string {
		return 'ErasureKey(***)';
	}

	toJSON(): string {
		return this.toString();
	}

	[Symbol.for('nodejs.util.inspect.custom')](): string {
		return this.toString();
	}
}

/** The meta keys of the contact hash key: sealed now; in plain text in stores before version 6. */
export const SEALED_HASH_KEY = 'salt_sealed';
export const PLAIN_HASH_KEY = 'salt';
/** Bound to the sealed value, so it cannot be swapped for another sealed value of this package. */
const SEAL_LABEL = 'contact hash key';

export function storeKeyMismatch(where: string): Error {
	return new Error(
		`${where}: its contact hash key is sealed with another erasure key, so erased contacts could ` +
			"not be recognised. The store belongs to an n8n instance with another encryption key: give this n8n that instance's N8N_ENCRYPTION_KEY",
	);
}

/**
 * What the store's meta table should hold, from what it holds: the hash key (hex) to use, and
 * whether to write the sealed value and delete the plain one. Run in the migration transaction,
 * so processes that open the store at once wait for each other and the second finds it done.
 */
export function resolveHashKey(
	key: ErasureKey,
	stored: { sealed?: string; plain?: string },
	where: string,
): { hashKey: string; writeSealed?: string; deletePlain: boolean } {
	if (stored.sealed !== undefined) {
		const opened = key.open(stored.sealed, SEAL_LABEL);
		if (!opened) throw storeKeyMismatch(where);
		return { hashKey: opened.toString('hex'), deletePlain: stored.plain !== undefined };
	}
	const hashKey = stored.plain ?? newSalt();
	return {
		hashKey,
		writeSealed: key.seal(Buffer.from(hashKey, 'hex'), SEAL_LABEL),
		deletePlain: stored.plain !== undefined,
	};
}
