/**
 * What happens before an n8n process starts, the same for one process and for queue mode: the
 * packed package installed into a user folder as users install it, the settings every test
 * instance runs with, the credentials and workflows imported and published with the n8n CLI.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { baseEnv, runDir, runOrThrow } from './commands';
import { findInstalledN8n, type N8nInstall } from './install';

/** The repository root: what `npm pack` packs. */
const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const PACKAGE_NAME = 'n8n-nodes-whatsapp-compliance';

/** A credential as `n8n import:credentials` reads it; n8n encrypts `data` with the instance key. */
export interface CredentialFixture {
	/** Fixed, so that workflows can refer to it: `credentials: { <type>: { id, name } }`. */
	readonly id: string;
	readonly name: string;
	/** The credential type name, e.g. `whatsAppCloudApi`. */
	readonly type: string;
	/** The fields in clear text. */
	readonly data: IDataObject;
}

/** A workflow as `n8n import:workflow` reads it. */
export interface WorkflowFixture {
	/** Fixed, so that tests can find its executions. */
	readonly id: string;
	/** Unique per instance; activation is recognised in the log by name and id. */
	readonly name: string;
	readonly nodes: readonly IDataObject[];
	readonly connections: IDataObject;
	/** @default { executionOrder: 'v1' } */
	readonly settings?: IDataObject;
	/**
	 * Whether to publish it before n8n starts (n8n 2.x's activation): its triggers and production
	 * webhooks then run.
	 * @default true
	 */
	readonly publish?: boolean;
}

/** What is imported into n8n's database before it starts. */
export interface N8nFixtures {
	/** Imported before workflows. @default [] */
	readonly credentials?: readonly CredentialFixture[];
	/** Imported, then published unless `publish: false`. @default [] */
	readonly workflows?: readonly WorkflowFixture[];
}

/** Settings every test instance runs with, one process or queue mode; callers may override them. */
export const QUIET_ENV: Readonly<Record<string, string>> = {
	N8N_LISTEN_ADDRESS: '127.0.0.1',
	N8N_DIAGNOSTICS_ENABLED: 'false',
	N8N_PERSONALIZATION_ENABLED: 'false',
	N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
	N8N_TEMPLATES_ENABLED: 'false',
	N8N_HIRING_BANNER_ENABLED: 'false',
	// Fetches a list from api.n8n.io at start and logs a stack trace when offline.
	N8N_DISABLED_MODULES: 'mcp-registry',
	// The harness reads `Activated workflow`, `Enqueued execution`... lines at level info.
	N8N_LOG_LEVEL: 'info',
	N8N_LOG_OUTPUT: 'console',
	EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
	EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
	EXECUTIONS_DATA_SAVE_MANUAL_EXECUTIONS: 'true',
	GENERIC_TIMEZONE: 'UTC',
	TZ: 'UTC',
};

export function requireInstall(): N8nInstall {
	const install = findInstalledN8n();
	if (!install) {
		throw new Error(
			'n8n is not installed for the e2e tests. Run them through jest (its globalSetup installs it) or ' +
				'install it by hand: `export PATH=$PWD/node_modules/.bin:$PATH && node tools/n8n/install.ts`',
		);
	}
	return install;
}

let packed: Promise<string> | undefined;

/**
 * Packs the repository with `npm pack` (once per test run) and returns the tarball's path.
 * Packs what `dist/` holds: the test command builds first (`npm run build`).
 */
export function packPackage(): Promise<string> {
	packed ??= (async () => {
		const destination = path.join(runDir(), 'pack');
		const existing = fs.existsSync(destination)
			? fs.readdirSync(destination).find((file) => file.endsWith('.tgz'))
			: undefined;
		if (existing) return path.join(destination, existing);
		if (!fs.existsSync(path.join(REPO_ROOT, 'dist'))) {
			throw new Error(
				`${REPO_ROOT}/dist does not exist: run \`npm run build\` before the e2e tests`,
			);
		}
		fs.mkdirSync(destination, { recursive: true });
		const output = await runOrThrow(
			'npm pack',
			'npm',
			['pack', '--json', '--pack-destination', destination],
			{ cwd: REPO_ROOT, env: baseEnv() },
		);
		// npm prints lifecycle output before the JSON when the package has pack scripts.
		const [{ filename }] = JSON.parse(output.slice(output.indexOf('['))) as Array<{
			filename: string;
		}>;
		return path.join(destination, filename);
	})();
	packed.catch(() => (packed = undefined));
	return packed;
}

/**
 * Installs the tarball into `<userFolder>/.n8n/nodes` as a user does by hand (`npm install` in that
 * folder; its dependencies come from the registry). Peer dependencies are left out, as n8n's own
 * installer does: the package then uses n8n's n8n-workflow instead of a second copy of another
 * version.
 */
export async function installPackage(userFolder: string): Promise<void> {
	const tarball = await packPackage();
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	fs.mkdirSync(nodesDir, { recursive: true });
	fs.writeFileSync(
		path.join(nodesDir, 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2),
	);
	await runOrThrow(
		`npm install ${path.basename(tarball)} into ${nodesDir}`,
		'npm',
		['install', tarball, '--omit=peer', '--prefer-offline', '--no-audit', '--no-fund'],
		{ cwd: nodesDir, env: baseEnv() },
	);
}

/** Ids and names must be unique: tests find executions by id and activation by name. */
export function validateFixtures(fixtures: N8nFixtures): void {
	const ids = new Set<string>();
	const names = new Set<string>();
	for (const workflow of fixtures.workflows ?? []) {
		if (!workflow.id || ids.has(workflow.id)) {
			throw new Error(
				`workflow ids must be set and unique, got ${JSON.stringify(workflow.id)} twice or empty`,
			);
		}
		if (names.has(workflow.name)) {
			throw new Error(`workflow names must be unique, got "${workflow.name}" twice`);
		}
		ids.add(workflow.id);
		names.add(workflow.name);
	}
	const credentialIds = new Set<string>();
	for (const credential of fixtures.credentials ?? []) {
		if (!credential.id || credentialIds.has(credential.id)) {
			throw new Error(
				`credential ids must be set and unique, got ${JSON.stringify(credential.id)} twice or empty`,
			);
		}
		credentialIds.add(credential.id);
	}
}

/**
 * Imports the credentials and workflows into the database `env` points n8n at and publishes the
 * workflows to be published; returns those. Clear-text secrets live only as long as the import.
 */
export async function importFixtures(
	install: N8nInstall,
	userFolder: string,
	env: NodeJS.ProcessEnv,
	fixtures: N8nFixtures,
	options: {
		/**
		 * Whether to publish the workflows all at once (each `publish:workflow` boots the n8n CLI for
		 * several seconds). For PostgreSQL; SQLite would answer "database is locked".
		 * @default false
		 */
		readonly parallel?: boolean;
	} = {},
): Promise<WorkflowFixture[]> {
	const n8n = (what: string, args: readonly string[]): Promise<string> =>
		runOrThrow(what, install.nodePath, [install.n8nBin, ...args], { cwd: userFolder, env });
	const folder = path.join(userFolder, 'fixtures');
	fs.mkdirSync(folder, { recursive: true });
	if (fixtures.credentials?.length) {
		const file = path.join(folder, 'credentials.json');
		fs.writeFileSync(file, JSON.stringify(fixtures.credentials));
		try {
			await n8n('n8n import:credentials', ['import:credentials', `--input=${file}`]);
		} finally {
			fs.rmSync(file, { force: true });
		}
	}
	const workflows = fixtures.workflows ?? [];
	if (workflows.length > 0) {
		const file = path.join(folder, 'workflows.json');
		fs.writeFileSync(
			file,
			JSON.stringify(
				workflows.map(({ publish: _publish, settings, ...workflow }) => ({
					...workflow,
					active: false,
					settings: settings ?? { executionOrder: 'v1' },
				})),
			),
		);
		await n8n('n8n import:workflow', ['import:workflow', `--input=${file}`]);
	}
	const published = workflows.filter((workflow) => workflow.publish !== false);
	const publish = (workflow: WorkflowFixture) =>
		n8n(`n8n publish:workflow --id=${workflow.id}`, ['publish:workflow', `--id=${workflow.id}`]);
	if (options.parallel) {
		await Promise.all(published.map(publish));
	} else {
		for (const workflow of published) await publish(workflow);
	}
	return published;
}

/** The line n8n's main process logs for each workflow it activated. */
export function activatedLine(workflow: WorkflowFixture): string {
	return `Activated workflow "${workflow.name}" (ID: ${workflow.id})`;
}

/** The line n8n logs when a workflow's trigger refused to activate. */
export function activationFailedLine(workflow: WorkflowFixture): string {
	return `Issue on initial workflow activation try of "${workflow.name}" (ID: ${workflow.id})`;
}

/**
 * The published workflows whose activation a log does not show (for the ids in `refused`: whose
 * refusal it does not show).
 */
export function notActivated(
	published: WorkflowFixture[],
	logs: string,
	refused: ReadonlySet<string> = new Set(),
): WorkflowFixture[] {
	return published.filter(
		(workflow) =>
			!logs.includes(
				refused.has(workflow.id) ? activationFailedLine(workflow) : activatedLine(workflow),
			),
	);
}

/** Whether the n8n process at `baseUrl` answers its health check. */
export async function healthy(baseUrl: string): Promise<boolean> {
	const health = await fetch(`${baseUrl}/healthz`).catch(() => undefined);
	return health?.ok === true;
}
