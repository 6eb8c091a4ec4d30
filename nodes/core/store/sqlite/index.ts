/**
 * The embedded compliance store: one SQLite file (connection.ts), one file per role beside it,
 * composed into one ComplianceStore.
 */
import { ComposedStore } from '../composedStore';
import { SqliteDatabase, type SqliteStoreOptions } from './connection';
import { SqliteConsents } from './consents';
import { SqliteCosts } from './costs';
import { SqliteDeliveries } from './deliveries';
import { SqliteErasure } from './erasure';
import { SqliteReach } from './reach';
import { SqliteSends } from './sends';
import { SqliteSlots } from './slots';
import { SqliteSnapshot } from './snapshot';
import { SqliteStanding } from './standing';
import { SqliteWebhooks } from './webhooks';
import { SqliteWindows } from './windows';

export {
	SQLITE_FILE_NAME,
	defaultSqlitePath,
	inspectSqliteFile,
	type SqliteFileState,
	type SqliteStoreOptions,
} from './connection';

export class SqliteComplianceStore extends ComposedStore {
	readonly backend = 'sqlite' as const;
	readonly path: string;
	readonly #db: SqliteDatabase;

	constructor(options: SqliteStoreOptions) {
		const db = new SqliteDatabase(options);
		super({
			snapshot: new SqliteSnapshot(db),
			consents: new SqliteConsents(db),
			windows: new SqliteWindows(db),
			sends: new SqliteSends(db),
			webhooks: new SqliteWebhooks(db),
			deliveries: new SqliteDeliveries(db),
			standing: new SqliteStanding(db),
			costs: new SqliteCosts(db),
			reach: new SqliteReach(db),
			erasure: new SqliteErasure(db),
			slots: new SqliteSlots(db),
		});
		this.#db = db;
		this.path = db.path;
	}

	async migrate(): Promise<void> {
		await this.#db.migrate();
	}

	async schemaVersion(): Promise<number> {
		return this.#db.schemaVersion();
	}

	async close(): Promise<void> {
		this.#db.close();
	}
}
