import { ErasureKey, resolveHashKey } from '../../../nodes/core/store/erasureKey';

const KEY = ErasureKey.fromSecret('n8n encryption key of instance A');
const OTHER = ErasureKey.fromSecret('n8n encryption key of instance B');
const HASH_KEY = 'ab'.repeat(32);

describe('erasure key', () => {
	it('derives the same key from the same secret (every process of an instance agrees)', () => {
		const sealed = KEY.seal(Buffer.from('hash key'), 'label');
		expect(ErasureKey.fromSecret('n8n encryption key of instance A').open(sealed, 'label')).toEqual(
			Buffer.from('hash key'),
		);
	});

	it('opens nothing with another key, another label or a damaged value', () => {
		const sealed = KEY.seal(Buffer.from('hash key'), 'label');
		expect(OTHER.open(sealed, 'label')).toBeUndefined();
		expect(KEY.open(sealed, 'other label')).toBeUndefined();
		expect(KEY.open(sealed.slice(0, -4) + 'AAAA', 'label')).toBeUndefined();
		expect(KEY.open('ab12', 'label')).toBeUndefined();
	});

	it('refuses an empty secret', () => {
		expect(() => ErasureKey.fromSecret('')).toThrow('the secret must be a non-empty string');
	});

	describe('resolveHashKey', () => {
		it('creates and seals a hash key for a new store', () => {
			const resolved = resolveHashKey(KEY, {}, 'store');
			expect(resolved.hashKey).toMatch(/^[0-9a-f]{64}$/);
			expect(resolved.deletePlain).toBe(false);
			expect(resolveHashKey(KEY, { sealed: resolved.writeSealed }, 'store')).toEqual({
				hashKey: resolved.hashKey,
				deletePlain: false,
			});
		});

		it('seals the plain key of an older store and deletes it, keeping the same hash key', () => {
			const resolved = resolveHashKey(KEY, { plain: HASH_KEY }, 'store');
			expect(resolved).toMatchObject({ hashKey: HASH_KEY, deletePlain: true });
			expect(resolved.writeSealed).not.toContain(HASH_KEY);
		});

		it('fails, naming the store, when the sealed key is from another instance', () => {
			const { writeSealed } = resolveHashKey(KEY, {}, 'store');
			expect(() => resolveHashKey(OTHER, { sealed: writeSealed }, 'SQLite store x')).toThrow(
				/^SQLite store x: its contact hash key is sealed with another erasure key/,
			);
		});
	});
});
