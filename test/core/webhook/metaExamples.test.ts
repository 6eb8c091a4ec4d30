/**
 * Meta's 16 webhook examples (its OpenAPI spec) through the trigger's core handler: each is
 * accepted and becomes the item test/support/metaWebhooks.ts names; the three that repeat the
 * wamid of "Text Message" are duplicates, and items once they have a wamid of their own. The e2e
 * suite posts the same to a real n8n (test/e2e/inbound.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ManualClock } from '../../../nodes/core/clock';
import { SqliteComplianceStore } from '../../../nodes/core/store/sqlite';
import { handleWebhookPost } from '../../../nodes/core/webhook/handler';
import { computeSignature } from '../../../nodes/core/webhook/verify';
import { describeWithMetaSpec, metaWebhookExamples } from '../../support/metaSpec';
import { webhookPosts } from '../../support/metaWebhooks';
import { TEST_ERASURE_KEY } from '../../support/erasureKey';

const APP_SECRET = 'meta-examples-app-secret';

describeWithMetaSpec("Meta's webhook examples through the trigger's handler", (spec) => {
	let dir: string;
	let store: SqliteComplianceStore;
	beforeAll(async () => {
		dir = mkdtempSync(join(tmpdir(), 'wa-meta-webhooks-'));
		store = new SqliteComplianceStore({
			erasureKey: TEST_ERASURE_KEY,
			path: join(dir, 'store.sqlite'),
			clock: new ManualClock(Date.UTC(2025, 5, 20)),
		});
		await store.migrate();
	});
	afterAll(async () => {
		await store.close();
		rmSync(dir, { recursive: true, force: true });
	});

	const posts = webhookPosts(metaWebhookExamples(spec));

	it('has 16 examples, 3 of which repeat the wamid of "Text Message"', () => {
		expect(posts).toHaveLength(19);
		expect(posts.filter((p) => p.item === undefined).map((p) => p.name)).toEqual([
			'Reaction Message',
			'Image Message',
			'Contact Sharing Message',
		]);
	});

	// In order: a repeated wamid counts as seen only after "Text Message" was posted.
	it.each(posts.map((post) => [post.name, post] as const))('"%s"', async (_name, post) => {
		const raw = JSON.stringify(post.body);
		const result = await handleWebhookPost({
			rawBody: Buffer.from(raw),
			signatureHeader: computeSignature(raw, APP_SECRET),
			appSecret: APP_SECRET,
			store,
			now: Date.UTC(2025, 5, 20),
		});
		expect(result.status).toBe(200);
		if (post.item === undefined) {
			expect(result).toMatchObject({ events: [], duplicates: 1 });
		} else {
			expect(result.events).toHaveLength(1);
			expect(result.events[0]).toMatchObject(post.item);
			expect(result.events[0].issues).toBeUndefined();
		}
	});
});
