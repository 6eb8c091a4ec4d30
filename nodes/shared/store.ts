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
import { NodeOperationError } from 'n8n-workflow';

import { CURRENT_SCHEMA_VERSION } from '../core/store/migrations';
import {
	DEFAULT_APPLICATION_NAME,
	DEFAULT_POOL_SIZE,
	PostgresComplianceStore,
	type PostgresStoreOptions,
} from '../core/store/postgres';
import { SqliteComplianceStore, inspectSqliteFile } from '../core/store/sqlite';
import type { ComplianceStore } from '../core/store/types';
import { n8nErasureKey } from './erasureKey';
import { checkedSqlitePath } from './sqlitePath';

export const STORE_CREDENTIAL = 'whatsAppComplianceStoreApi';

type AnyContext = IExecuteFunctions | IWebhookFunctions | IHookFunctions | ILoadOptionsFunctions;

export type StoreConfig =
	| { backend: 'sqlite'; path: string }
	| ({ backend: 'postgres' } & Pick<
			PostgresStoreOptions,
			'connection' | 'schema' | 'tablePrefix' | 'poolSize' | 'applicationName'
	  >);

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
		poolSize: Number(credentials.poolSize || DEFAULT_POOL_SIZE),
		applicationName: applicationName(),
	};
}

/**
 * The package and the n8n command of this process ("start", "worker", "webhook"), so that
 * pg_stat_activity tells which kind of process holds the store's connections.
 */
function applicationName(argv: readonly string[] = process.argv): string {
	const command = argv[2];
	return command && /^[a-z:-]+$/.test(command)
		? `${DEFAULT_APPLICATION_NAME} (${command})`
		: DEFAULT_APPLICATION_NAME;
}

/**
 * Whether this n8n process runs in queue mode. `n8n worker` sets queue mode itself, even without
 * EXECUTIONS_MODE; `n8n webhook` refuses to start without it.
 */
export function isQueueMode(
	env: NodeJS.ProcessEnv = process.env,
	argv: readonly string[] = process.argv,
): boolean {
	return env.EXECUTIONS_MODE === 'queue' || argv[2] === 'worker' || argv[2] === 'webhook';
}

interface StoreRefusal {
	readonly message: string;
	readonly description: string;
}

const QUEUE_MODE_SETUP =
	"Create a WhatsApp Compliance Store credential with Backend PostgreSQL (n8n's own PostgreSQL " +
	'server is fine; the tables are created on first use) and select it in the "Compliance Store ' +
	'(Optional)" field of every WhatsApp node and the WhatsApp Webhook Trigger.';

/**
 * In queue mode the main, webhook and worker processes must see one store: a STOP recorded by a
 * webhook processor has to stop the marketing a worker sends. SQLite cannot give that, even when
 * a credential names the file, since these processes usually run on separate machines or
 * containers, each with its own file. So queue mode refuses SQLite altogether.
 */
export function queueModeRefusal(
	config: StoreConfig,
	queueMode: boolean,
	credentialName?: string,
): StoreRefusal | undefined {
	if (!queueMode || config.backend !== 'sqlite') return undefined;
	const which =
		credentialName === undefined
			? 'This node has no WhatsApp Compliance Store credential, so it would use the embedded SQLite file of this n8n process'
			: `The WhatsApp Compliance Store credential "${credentialName}" uses SQLite (${config.path})`;
	return {
		message: 'Queue mode needs a WhatsApp Compliance Store credential with PostgreSQL',
		description:
			`${which}. n8n runs in queue mode, where webhook processors and workers each have their own ` +
			'files: a STOP recorded by one process would not stop a message sent by another. ' +
			QUEUE_MODE_SETUP,
	};
}

function createStore(config: StoreConfig): ComplianceStore {
	const erasureKey = n8nErasureKey();
	if (config.backend === 'sqlite') {
		return new SqliteComplianceStore({ path: config.path, erasureKey });
	}
	const { connection, schema, tablePrefix, poolSize, applicationName } = config;
	return new PostgresComplianceStore({
		erasureKey,
		connection,
		schema,
		tablePrefix,
		poolSize,
		applicationName,
	});
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

/** What else lives as long as a store (a trigger's deliverer): ended when the store closes. */
const companions = new Map<object, Array<() => void>>();

/** Runs `end` when closeAllStores closes `store` (any of its roles: the store object itself). */
export function whileStoreOpen(store: object, end: () => void): void {
	const list = companions.get(store) ?? [];
	list.push(end);
	companions.set(store, list);
}

/** Closes every store this process opened (tests, shutdown). */
export async function closeAllStores(): Promise<void> {
	const stores = [...openStores.values()];
	openStores.clear();
	for (const store of stores) {
		const opened = await store.catch(() => undefined);
		if (!opened) continue;
		for (const end of companions.get(opened) ?? []) end();
		companions.delete(opened);
		await opened.close();
	}
}

/**
 * The store configuration of this node: its WhatsApp Compliance Store credential, or the embedded
 * default. Throws when the store could not be shared by the processes of queue mode.
 */
async function complianceStoreConfig(ctx: AnyContext): Promise<StoreConfig> {
	const selected = ctx.getNode().credentials?.[STORE_CREDENTIAL];
	const credentials = selected ? await ctx.getCredentials(STORE_CREDENTIAL) : undefined;
	const config = storeConfigFrom(credentials);
	const refusal = queueModeRefusal(config, isQueueMode(), selected ? selected.name : undefined);
	if (refusal) {
		throw new NodeOperationError(ctx.getNode(), refusal.message, {
			description: refusal.description,
		});
	}
	return config;
}

/** The store for this node: its WhatsApp Compliance Store credential, or the embedded default. */
export async function getComplianceStore(ctx: AnyContext): Promise<ComplianceStore> {
	return await openStore(await complianceStoreConfig(ctx));
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
		const refusal = queueModeRefusal(config, isQueueMode(), credential.name);
		if (refusal) return { status: 'Error', message: `${refusal.message}. ${refusal.description}` };
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
		const { connection, schema, tablePrefix, applicationName } = config;
		const where = `PostgreSQL ${connection?.host}:${connection?.port}/${connection?.database}`;
		const store = new PostgresComplianceStore({
			connection,
			schema,
			tablePrefix,
			applicationName,
			poolSize: 1,
		});
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
