import { createHash } from 'node:crypto';
import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunctions,
	ICredentialsDecrypted,
	IExecuteFunctions,
	IHookFunctions,
	ILoadOptionsFunctions,
	INodeCredentialTestResult,
	IWebhookFunctions,
} from 'n8n-workflow';

import { PostgresComplianceStore, type PostgresStoreOptions } from '../core/store/postgres';
import { SqliteComplianceStore } from '../core/store/sqlite';
import type { ComplianceStore } from '../core/store/types';
import { checkedSqlitePath } from './sqlitePath';

export const STORE_CREDENTIAL = 'whatsAppComplianceStore';

type AnyContext = IExecuteFunctions | IWebhookFunctions | IHookFunctions | ILoadOptionsFunctions;

export type StoreConfig =
	| { backend: 'sqlite'; path: string }
	| ({ backend: 'postgres' } & Pick<PostgresStoreOptions, 'connection' | 'schema' | 'tablePrefix'>);

/**
 * Reads the store credential's fields; no credential means the embedded default file. A SQLite
 * File that n8n's file-access settings keep nodes from is refused (sqlitePath.ts).
 */
export function storeConfigFrom(credentials?: ICredentialDataDecryptedObject): StoreConfig {
	if (!credentials || (credentials.backend ?? 'sqlite') === 'sqlite') {
		return { backend: 'sqlite', path: checkedSqlitePath(String(credentials?.sqlitePath ?? '')) };
	}
	const ssl = String(credentials.ssl ?? 'disable');
	return {
		backend: 'postgres',
		connection: {
			host: String(credentials.host ?? 'localhost'),
			port: Number(credentials.port ?? 5432),
			database: String(credentials.database ?? ''),
			user: String(credentials.user ?? ''),
			password: String(credentials.password ?? ''),
			ssl:
				ssl === 'require'
					? true
					: ssl === 'allow-self-signed'
						? { rejectUnauthorized: false }
						: false,
		},
		schema: String(credentials.schema || 'public'),
		tablePrefix: String(credentials.tablePrefix ?? 'wa_'),
	};
}

function createStore(config: StoreConfig): ComplianceStore {
	if (config.backend === 'sqlite') return new SqliteComplianceStore({ path: config.path });
	const { connection, schema, tablePrefix } = config;
	return new PostgresComplianceStore({ connection, schema, tablePrefix });
}

/**
 * One store per configuration and process: every node and workflow of an n8n instance shares it
 * (and its connection pool). The key is a hash, so the password is not kept in a readable key.
 */
const openStores = new Map<string, Promise<ComplianceStore>>();

export async function openStore(config: StoreConfig): Promise<ComplianceStore> {
	const key = createHash('sha256').update(JSON.stringify(config)).digest('hex');
	let store = openStores.get(key);
	if (!store) {
		const created = createStore(config);
		const migrated = created.migrate();
		// A store that cannot migrate is closed; the caller gets the migration's error.
		migrated.catch(() => created.close().catch(() => undefined));
		store = migrated.then(() => created);
		openStores.set(key, store);
		// A failed open is not cached: the next execution tries again (e.g. the database came up).
		store.catch(() => openStores.delete(key));
	}
	return await store;
}

/** Closes every store this process opened (tests, shutdown). */
export async function closeAllStores(): Promise<void> {
	const stores = [...openStores.values()];
	openStores.clear();
	for (const store of stores) {
		const opened = await store.catch(() => undefined);
		await opened?.close();
	}
}

/** The store for this node: its WhatsApp Compliance Store credential, or the embedded default. */
export async function getComplianceStore(ctx: AnyContext): Promise<ComplianceStore> {
	const selected = ctx.getNode().credentials?.[STORE_CREDENTIAL];
	const credentials = selected ? await ctx.getCredentials(STORE_CREDENTIAL) : undefined;
	return await openStore(storeConfigFrom(credentials));
}

/** Credential test: opens the store, creates or migrates the tables, and says where it is. */
export async function testComplianceStore(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	let config: StoreConfig;
	try {
		config = storeConfigFrom(credential.data);
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	}
	const store = createStore(config);
	try {
		await store.migrate();
		const version = await store.schemaVersion();
		const where =
			config.backend === 'sqlite'
				? `SQLite file ${config.path}`
				: `PostgreSQL ${config.connection?.host}:${config.connection?.port}/${config.connection?.database}`;
		return { status: 'OK', message: `Connected to ${where} (schema version ${version})` };
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	} finally {
		await store.close().catch(() => undefined);
	}
}
