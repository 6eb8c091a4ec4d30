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
import { CURRENT_SCHEMA_VERSION } from '../core/store/migrations';
import { SqliteComplianceStore, inspectSqliteFile } from '../core/store/sqlite';
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

/**
 * Credential test: connects and reads the schema version, and writes nothing (no file, schema,
 * table or migration: those happen when a node first uses the store). Says when the store is not
 * there yet or a migration is pending.
 */
export async function testComplianceStore(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	try {
		const config = storeConfigFrom(credential.data);
		if (config.backend === 'sqlite') {
			const where = `SQLite file ${config.path}`;
			const file = inspectSqliteFile(config.path);
			if (!file.exists && !file.creatable) {
				return {
					status: 'Error',
					message: `${where} does not exist and its folder is not writable for n8n: choose a folder n8n may write to`,
				};
			}
			return schemaAnswer(where, file.exists, file.version);
		}
		const { connection, schema, tablePrefix } = config;
		const where = `PostgreSQL ${connection?.host}:${connection?.port}/${connection?.database}`;
		const store = new PostgresComplianceStore({ connection, schema, tablePrefix, poolSize: 1 });
		try {
			return schemaAnswer(where, true, await store.storedSchemaVersion());
		} finally {
			await store.close().catch(() => undefined);
		}
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	}
}

function schemaAnswer(where: string, exists: boolean, version: number): INodeCredentialTestResult {
	if (version > CURRENT_SCHEMA_VERSION) {
		return {
			status: 'Error',
			message: `${where} has schema version ${version}, newer than this package supports (${CURRENT_SCHEMA_VERSION}): update n8n-nodes-whatsapp-compliance`,
		};
	}
	const created = 'created when a node first uses the store';
	let message: string;
	if (!exists) message = `${where} does not exist yet; it is ${created}`;
	else if (version === 0) message = `Connected to ${where}; the store's tables are ${created}`;
	else if (version < CURRENT_SCHEMA_VERSION) {
		message = `Connected to ${where} (schema version ${version}); a migration to version ${CURRENT_SCHEMA_VERSION} is pending and runs when a node first uses the store`;
	} else message = `Connected to ${where} (schema version ${version}, up to date)`;
	return { status: 'OK', message };
}
