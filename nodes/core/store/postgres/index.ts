/**
 * The shared compliance store for n8n queue mode: one PostgreSQL pool (connection.ts), one file
 * per role beside it, composed into one ComplianceStore. Reads are one statement each (array
 * parameters, JSON aggregates); writes about contacts lock them, read, let policy/ decide in
 * TypeScript and write, in one transaction of a few statements however large the batch.
 */
import { ComposedStore } from '../composedStore';
import { PostgresDatabase, type PostgresStoreOptions } from './connection';
import { PostgresConsents } from './consents';
import { PostgresCosts } from './costs';
import { PostgresDeliveries } from './deliveries';
import { PostgresErasure } from './erasure';
import { PostgresReach } from './reach';
import { PostgresSends } from './sends';
import { PostgresSlots } from './slots';
import { PostgresSnapshot } from './snapshot';
import { PostgresStanding } from './standing';
import { PostgresWebhooks } from './webhooks';
import { PostgresWindows } from './windows';

export { DEFAULT_APPLICATION_NAME, DEFAULT_POOL_SIZE } from './defaults';
export type { PostgresConnection, PostgresStoreOptions } from './connection';

export class PostgresComplianceStore extends ComposedStore {
	readonly backend = 'postgres' as const;
	readonly schema: string;
	readonly tablePrefix: string;
	readonly #db: PostgresDatabase;

	constructor(options: PostgresStoreOptions) {
		const db = new PostgresDatabase(options);
		super({
			snapshot: new PostgresSnapshot(db),
			consents: new PostgresConsents(db),
			windows: new PostgresWindows(db),
			sends: new PostgresSends(db),
			webhooks: new PostgresWebhooks(db),
			deliveries: new PostgresDeliveries(db),
			standing: new PostgresStanding(db),
			costs: new PostgresCosts(db),
			reach: new PostgresReach(db),
			erasure: new PostgresErasure(db),
			slots: new PostgresSlots(db),
		});
		this.#db = db;
		this.schema = db.schema;
		this.tablePrefix = db.tablePrefix;
	}

	async migrate(): Promise<void> {
		await this.#db.ready();
	}

	async schemaVersion(): Promise<number> {
		return await this.#db.schemaVersion();
	}

	/**
	 * The schema version in the database, without creating or migrating anything: 0 while the
	 * store's schema or tables do not exist. For the store credential's test.
	 */
	async storedSchemaVersion(): Promise<number> {
		return await this.#db.storedSchemaVersion();
	}

	async close(): Promise<void> {
		await this.#db.close();
	}
}
