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
import type { PostgresDatabase, Tx } from './connection';
import type { PostgresNames } from './names';

export function deliveryStatements(n: PostgresNames) {
	const subscriptions = n.qualified('webhook_subscriptions');
	const deliveries = n.qualified('webhook_deliveries');
	return {
		add: `INSERT INTO ${deliveries} (subscription, event_key, contact, event, created_at)
			SELECT d.subscription, d."eventKey", d.contact, d.event, $2
			FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(value, i),
				jsonb_to_record(x.value) AS d(subscription text, "eventKey" text, contact text, event text)
			ORDER BY x.i`,
		register: `INSERT INTO ${subscriptions} (${SUBSCRIPTION_COLUMNS}, removed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL)
			ON CONFLICT (id) DO UPDATE SET app = excluded.app, instance = excluded.instance,
				mode = excluded.mode, path = excluded.path, workflow_id = excluded.workflow_id,
				node = excluded.node, filter = excluded.filter, effects = excluded.effects,
				registered_at = excluded.registered_at, expires_at = excluded.expires_at,
				removed_at = NULL`,
		// A test listener is gone for good, with what waits for it; a published trigger is kept
		// for the grace period (a re-publish removes and adds it again).
		remove: `WITH test AS (
				DELETE FROM ${subscriptions} WHERE id = $1 AND mode = 'test' RETURNING id
			), dropped AS (
				DELETE FROM ${deliveries} WHERE subscription IN (SELECT id FROM test)
			)
			UPDATE ${subscriptions} SET removed_at = $2
			WHERE id = $1 AND mode = 'production' AND removed_at IS NULL`,
		list: `SELECT * FROM ${subscriptions} WHERE app = $1 AND removed_at IS NULL
			AND (expires_at IS NULL OR expires_at > $2) ORDER BY id`,
		claim: `DELETE FROM ${deliveries} WHERE seq IN (
				SELECT seq FROM ${deliveries} WHERE subscription = $1 ORDER BY seq LIMIT $2
			) RETURNING *`,
		waiting: `SELECT s.*, w.n, w.oldest FROM (
				SELECT subscription, count(*) AS n, min(created_at) AS oldest FROM ${deliveries}
				WHERE created_at < $1 GROUP BY subscription
			) AS w
			JOIN ${subscriptions} AS s ON s.id = w.subscription
			WHERE s.removed_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > $2)
			ORDER BY w.oldest`,
		prune: `WITH gone AS (
				DELETE FROM ${subscriptions} WHERE removed_at < $2 OR expires_at <= $3 RETURNING id
			), dropped AS (
				DELETE FROM ${deliveries} WHERE created_at < $1 OR subscription IN (SELECT id FROM gone)
				RETURNING 1
			)
			SELECT count(*) AS n FROM dropped`,
	};
}

export type DeliveryStatements = ReturnType<typeof deliveryStatements>;

/**
 * The deliveries of new events (each with its event's key), inside the caller's transaction (the
 * one that saw the keys).
 */
export async function writeDeliveries(
	tx: Tx,
	sql: DeliveryStatements,
	deliveries: ReadonlyArray<DeliveryInput & { readonly eventKey: string }>,
	at: number,
): Promise<void> {
	if (deliveries.length === 0) return;
	const rows = deliveries.map((d) => ({
		subscription: d.subscription,
		eventKey: d.eventKey,
		contact: d.contact ?? null,
		event: d.event,
	}));
	await tx(sql.add, [JSON.stringify(rows), at]);
}

export class PostgresDeliveries implements DeliveryStore {
	readonly #sql: DeliveryStatements;

	constructor(private readonly db: PostgresDatabase) {
		this.#sql = deliveryStatements(db.names);
	}

	async registerSubscription(subscription: Subscription): Promise<void> {
		await this.db.ready();
		checkSubscription(subscription);
		await this.db.query(this.#sql.register, subscriptionRow(subscription));
	}

	async removeSubscription(id: string, at: number): Promise<void> {
		await this.db.ready();
		checkText('removeSubscription: id', id);
		checkTime('removeSubscription: at', at);
		await this.db.query(this.#sql.remove, [id, at]);
	}

	async listSubscriptions(app: string, now: number): Promise<Subscription[]> {
		await this.db.ready();
		checkText('listSubscriptions: app', app);
		const { rows } = await this.db.query(this.#sql.list, [app, now]);
		return rows.map(toSubscription);
	}

	/**
	 * The subscription's claims queue on a lock of its own (a transaction-scoped advisory lock), so
	 * a second claim waits for the first and then sees the rows it removed as gone.
	 */
	async claimDeliveries(subscription: string, limit: number): Promise<Delivery[]> {
		await this.db.ready();
		checkText('claimDeliveries: subscription', subscription);
		return await this.db.transaction(async (tx) => {
			await this.db.lock(tx, this.db.names.claimLock(subscription));
			const { rows } = await tx(this.#sql.claim, [subscription, Math.max(1, Math.floor(limit))]);
			return rows.map(toDelivery).sort((a, b) => a.seq - b.seq);
		});
	}

	async waitingDeliveries(before: number, now: number): Promise<WaitingDeliveries[]> {
		await this.db.ready();
		const { rows } = await this.db.query(this.#sql.waiting, [before, now]);
		return rows.map((row) => ({
			subscription: toSubscription(row),
			count: Number(row.n),
			oldestAt: Number(row.oldest),
		}));
	}

	async pruneDeliveries(cutoffs: DeliveryPrune): Promise<number> {
		await this.db.ready();
		for (const [name, value] of Object.entries(cutoffs)) {
			checkTime(`pruneDeliveries: ${name}`, value);
		}
		const { rows } = await this.db.query(this.#sql.prune, [
			cutoffs.createdBefore,
			cutoffs.removedBefore,
			cutoffs.now,
		]);
		return Number(rows[0]?.n ?? 0);
	}
}
