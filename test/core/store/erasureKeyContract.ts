/**
 * The erasure key on every backend: the store's contact hash key is kept only sealed with a key
 * from outside the store, and stores that kept it in plain text are moved over at first open
 * without losing their suppression list (issue 18).
 */
import { contactHasher, newSalt } from '../../../nodes/core/store/contactHash';
import { ErasureKey } from '../../../nodes/core/store/erasureKey';
import { CURRENT_SCHEMA_VERSION } from '../../../nodes/core/store/migrations';
import type { ComplianceStore } from '../../../nodes/core/store/types';
import { TEST_ERASURE_KEY } from '../../support/erasureKey';

export interface KeyTarget {
	/** Another store object on the same database, as another n8n process would open it. */
	open(erasureKey: ErasureKey): ComplianceStore;
	/** The rows of the meta table. */
	meta(): Promise<Record<string, string>>;
	/**
	 * Turns the database into a store of version 5 (without version 6's table): the hash key in
	 * plain text, these hashes suppressed, these webhook keys seen (stored as they are) at T0.
	 */
	makeVersion5(hashKey: string, suppressed: string[], seen: string[]): Promise<void>;
	/** The webhook keys as stored. */
	seenKeys(): Promise<string[]>;
	/** The raw bytes the store keeps on disk, where the test can read them (SQLite). */
	rawBytes?(): Buffer;
	dispose(): Promise<void>;
}

const ALICE = '4915112345678';
const BOB = '4915187654321';
const T0 = Date.UTC(2025, 5, 1, 12);

export function describeErasureKey(backend: string, makeTarget: () => Promise<KeyTarget>): void {
	describe(`${backend} store: erasure key`, () => {
		let target: KeyTarget;
		const opened: ComplianceStore[] = [];
		const open = (key: ErasureKey) => {
			const store = target.open(key);
			opened.push(store);
			return store;
		};
		beforeEach(async () => {
			target = await makeTarget();
		});
		afterEach(async () => {
			await Promise.all(opened.splice(0).map((s) => s.close()));
			await target.dispose();
		});

		it('keeps the contact hash key only sealed, so the store alone cannot check a number', async () => {
			const store = open(TEST_ERASURE_KEY);
			await store.migrate();
			const hash = (await store.eraseContact(ALICE, T0)).contactHash;
			const meta = await target.meta();
			expect(meta.salt).toBeUndefined();
			expect(meta.salt_sealed).toMatch(/^v1\./);
			expect(JSON.stringify(meta)).not.toContain(hash);

			const secret = 'the encryption key of another n8n instance';
			const other = open(ErasureKey.fromSecret(secret));
			const refused = other.migrate();
			await expect(refused).rejects.toThrow(/sealed with another erasure key/);
			await expect(refused).rejects.not.toThrow(secret);
			// The same key in another process gives the same hashes.
			expect(await open(TEST_ERASURE_KEY).contactHash(ALICE)).toBe(hash);
		});

		it("keeps no member's number in the seen key of a group message's status", async () => {
			const store = open(TEST_ERASURE_KEY);
			const key = `status:wamid.group2:delivered:${BOB}`;
			expect(await store.applyWebhookEvents([{ key, effects: {} }], T0)).toEqual([key]);
			expect(await store.applyWebhookEvents([{ key, effects: {} }], T0)).toEqual([]);
			expect(JSON.stringify(await target.seenKeys())).not.toContain(BOB);
			expect(target.rawBytes?.().includes(Buffer.from(BOB))).not.toBe(true);
		});

		it('never prints the erasure key', () => {
			const key = ErasureKey.fromSecret('a secret that must not be printed');
			expect(String(key)).toBe('ErasureKey(***)');
			expect(JSON.stringify({ key })).toBe('{"key":"ErasureKey(***)"}');
		});

		it('seals a plain hash key at first open, and the suppression list still holds', async () => {
			await open(TEST_ERASURE_KEY).migrate();
			const hashKey = newSalt();
			const hash = contactHasher(hashKey);
			const groupStatus = `status:wamid.group1:read:${BOB}`;
			await target.makeVersion5(hashKey, [hash(ALICE)], [groupStatus]);

			// Several processes open the old store at once: one moves the key, the others find it done.
			const stores = [1, 2, 3, 4].map(() => open(TEST_ERASURE_KEY));
			await Promise.all(stores.map((s) => s.migrate()));
			for (const store of stores) expect(await store.contactHash(ALICE)).toBe(hash(ALICE));
			expect((await stores[0].eraseContact(ALICE, T0)).alreadySuppressed).toBe(true);
			expect(await stores[0].schemaVersion()).toBe(CURRENT_SCHEMA_VERSION);
			// Seen keys are hashed in place: a re-delivery is still seen, the member's number is gone.
			expect(JSON.stringify(await target.seenKeys())).not.toContain(BOB);
			expect(await stores[0].applyWebhookEvents([{ key: groupStatus, effects: {} }], T0)).toEqual(
				[],
			);

			const meta = await target.meta();
			expect(meta.salt).toBeUndefined();
			expect(JSON.stringify(meta)).not.toContain(hashKey);
			expect(target.rawBytes?.().includes(Buffer.from(hashKey))).not.toBe(true);
			// Opening again changes nothing.
			const again = open(TEST_ERASURE_KEY);
			expect(await again.contactHash(ALICE)).toBe(hash(ALICE));
			expect((await target.meta()).salt_sealed).toBe(meta.salt_sealed);
		});
	});
}
