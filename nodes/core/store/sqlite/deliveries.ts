/**
 * One Meta app, many workflows (DeliveryStore, webhook/fanout.ts): the subscriptions of each
 * app's triggers and the deliveries waiting for them.
 */
import { checkSubscription, checkText, checkTime } from '../checks';
import { SUBSCRIPTION_COLUMNS, subscriptionRow, toDelivery, toSubscription } from '../rows';
import type {
	Delivery,
	DeliveryInput,
	DeliveryPrune,
	DeliveryStore,
	Subscription,
	WaitingDeliveries,
} from '../types';
import type { SqliteDatabase } from './connection';

/** The deliveries of a new event, inside the caller's write transaction (the one that saw its key). */
export function writeDeliveries(
	db: SqliteDatabase,
	eventKey: string,
	deliveries: readonly DeliveryInput[],
	at: number,
): void {
	for (const d of deliveries) {
		db.run(
			`INSERT INTO webhook_deliveries (subscription, event_key, contact, event, created_at)
			VALUES (?, ?, ?, ?, ?)`,
			d.subscription,
			eventKey,
			d.contact ?? null,
			d.event,
			at,
		);
	}
}

export class SqliteDeliveries implements DeliveryStore {
	constructor(private readonly db: SqliteDatabase) {}

	async registerSubscription(subscription: Subscription): Promise<void> {
		await this.db.ready();
		checkSubscription(subscription);
		await this.db.write(() =>
			this.db.run(
				`INSERT INTO webhook_subscriptions (${SUBSCRIPTION_COLUMNS}, removed_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
				ON CONFLICT (id) DO UPDATE SET app = excluded.app, instance = excluded.instance,
					mode = excluded.mode, path = excluded.path, workflow_id = excluded.workflow_id,
					node = excluded.node, filter = excluded.filter, effects = excluded.effects,
					registered_at = excluded.registered_at, expires_at = excluded.expires_at,
					removed_at = NULL`,
				...subscriptionRow(subscription),
			),
		);
	}

	async removeSubscription(id: string, at: number): Promise<void> {
		await this.db.ready();
		checkText('removeSubscription: id', id);
		checkTime('removeSubscription: at', at);
		await this.db.write(() => {
			// A test listener is gone for good: what waits for it goes too.
			const test = this.db.get(
				"SELECT 1 FROM webhook_subscriptions WHERE id = ? AND mode = 'test'",
				id,
			);
			if (test) {
				this.db.run('DELETE FROM webhook_deliveries WHERE subscription = ?', id);
				this.db.run('DELETE FROM webhook_subscriptions WHERE id = ?', id);
				return;
			}
			this.db.run(
				'UPDATE webhook_subscriptions SET removed_at = ? WHERE id = ? AND removed_at IS NULL',
				at,
				id,
			);
		});
	}

	async listSubscriptions(app: string, now: number): Promise<Subscription[]> {
		await this.db.ready();
		checkText('listSubscriptions: app', app);
		return this.db
			.all(
				`SELECT * FROM webhook_subscriptions WHERE app = ? AND removed_at IS NULL
					AND (expires_at IS NULL OR expires_at > ?) ORDER BY id`,
				app,
				now,
			)
			.map(toSubscription);
	}

	async claimDeliveries(subscription: string, limit: number): Promise<Delivery[]> {
		await this.db.ready();
		checkText('claimDeliveries: subscription', subscription);
		return this.db.write(() =>
			this.db
				.all(
					`DELETE FROM webhook_deliveries WHERE seq IN (SELECT seq FROM webhook_deliveries
						WHERE subscription = ? ORDER BY seq LIMIT ?) RETURNING *`,
					subscription,
					Math.max(1, Math.floor(limit)),
				)
				.map(toDelivery)
				.sort((a, b) => a.seq - b.seq),
		);
	}

	async waitingDeliveries(before: number, now: number): Promise<WaitingDeliveries[]> {
		await this.db.ready();
		return this.db
			.all(
				`SELECT s.*, w.n, w.oldest FROM (SELECT subscription, count(*) AS n, min(created_at) AS oldest
					FROM webhook_deliveries WHERE created_at < ? GROUP BY subscription) AS w
				JOIN webhook_subscriptions AS s ON s.id = w.subscription
				WHERE s.removed_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > ?)
				ORDER BY w.oldest`,
				before,
				now,
			)
			.map((row) => ({
				subscription: toSubscription(row),
				count: Number(row.n),
				oldestAt: Number(row.oldest),
			}));
	}

	async pruneDeliveries(cutoffs: DeliveryPrune): Promise<number> {
		await this.db.ready();
		const { createdBefore, removedBefore, now } = cutoffs;
		for (const [name, value] of Object.entries(cutoffs)) {
			checkTime(`pruneDeliveries: ${name}`, value);
		}
		return this.db.write(() => {
			const gone = `SELECT id FROM webhook_subscriptions WHERE removed_at < ? OR expires_at <= ?`;
			const dropped = Number(
				this.db.run(
					`DELETE FROM webhook_deliveries WHERE created_at < ? OR subscription IN (${gone})`,
					createdBefore,
					removedBefore,
					now,
				).changes,
			);
			this.db.run(
				'DELETE FROM webhook_subscriptions WHERE removed_at < ? OR expires_at <= ?',
				removedBefore,
				now,
			);
			return dropped;
		});
	}
}
