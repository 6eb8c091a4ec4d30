/**
 * Webhook events seen, and their effects (WebhookStore). The keys of a delivery and the effects of
 * its new events are written in one transaction, each effect by the role whose tables it changes.
 */
import { firstByKey, mergeEffects } from '../batches';
import { checkTime, checkWebhookEvents } from '../checks';
import { storedEventKey } from '../contactHash';
import type { WebhookEventEffects, WebhookStore } from '../types';
import type { SqliteDatabase } from './connection';
import { applyConsent } from './consents';
import { writeCosts } from './costs';
import { writeDeliveries } from './deliveries';
import { withoutErased, writeAliases } from './erasure';
import { givePlacesBack } from './reach';
import { failedSendsOf, writeSendStatuses } from './sends';
import { writeStanding, writeTemplates } from './standing';
import { writeCloses, writeTouches } from './windows';

export class SqliteWebhooks implements WebhookStore {
	constructor(private readonly db: SqliteDatabase) {}

	async applyWebhookEvents(events: WebhookEventEffects[], at: number): Promise<string[]> {
		const hash = await this.db.ready();
		checkWebhookEvents(events, at);
		const items = firstByKey(events, (e) => e.key);
		const recordedAt = this.db.clock.now();
		// A consent change Meta got its 200 for is not sent again: it must survive a power cut.
		const changesConsent = items.some((e) => (e.effects.consent ?? []).length > 0);
		return this.db.write(
			() => {
				const fresh = items.filter((e) =>
					this.db.get(
						'INSERT INTO seen_events (key, seen_at) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING key',
						storedEventKey(hash, e.key),
						at,
					),
				);
				// Nothing personal about erased contacts comes back (erasedContacts.ts).
				const { effects, erased } = withoutErased(this.db, mergeEffects(fresh));
				writeTouches(this.db, effects.windows ?? []);
				writeCloses(this.db, effects.closeWindows ?? []);
				applyConsent(this.db, effects.consent ?? [], erased, recordedAt);
				writeCosts(this.db, effects.costs ?? []);
				writeAliases(this.db, effects.aliases ?? []);
				writeStanding(this.db, effects.standing ?? []);
				writeTemplates(this.db, effects.templates ?? []);
				writeSendStatuses(this.db, effects.sendFailures ?? [], effects.sendConfirmations ?? []);
				givePlacesBack(this.db, failedSendsOf(this.db, effects.sendFailures ?? []));
				for (const e of fresh) writeDeliveries(this.db, e.key, e.deliveries ?? [], at);
				return fresh.map((e) => e.key);
			},
			{ durable: changesConsent },
		);
	}

	async pruneSeenEvents(before: number): Promise<number> {
		await this.db.ready();
		checkTime('pruneSeenEvents: before', before);
		return this.db.write(() =>
			Number(this.db.run('DELETE FROM seen_events WHERE seen_at < ?', before).changes),
		);
	}
}
