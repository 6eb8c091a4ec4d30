/**
 * Installs the n8n pinned in ./package.json once into a cache folder outside the repository.
 *
 * Used by the e2e globalSetup and runnable by hand with Node 24:
 *   export PATH=/work/main/node_modules/.bin:$PATH && node tools/n8n/install.ts
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
	/** The Node 24 binary n8n's native modules were built for. */
	readonly nodePath: string;
}

/** Folder of this file: `__dirname` under jest (CommonJS); the script's folder when run by hand. */
const HARNESS_DIR =
	typeof __dirname === 'string' ? __dirname : path.dirname(path.resolve(process.argv[1] ?? '.'));

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

/** The pinned version and the default cache folder, both derived from the harness package.json. */
export function installPlan(): { version: string; dir: string; packageJson: string } {
	const packageJson = fs.readFileSync(path.join(HARNESS_DIR, 'package.json'), 'utf8');
	const version = (JSON.parse(packageJson) as { dependencies?: Record<string, string> })
		.dependencies?.n8n;
	if (!version || !/^\d+\.\d+\.\d+$/.test(version)) {
		throw new Error(
			`tools/n8n/package.json must pin dependencies.n8n to an exact version (e.g. "2.30.7"), found ${JSON.stringify(version)}`,
		);
	}
	// The hash makes a new folder whenever the pin or the overrides change (not for edits of the
	// description or the comment).
	const { dependencies, overrides } = JSON.parse(packageJson) as Record<string, unknown>;
	const hash = createHash('sha256')
		.update(JSON.stringify({ dependencies, overrides }))
		.digest('hex')
		.slice(0, 12);
	const dir =
		process.env.WA_E2E_CACHE ||
		path.join(os.homedir(), '.cache', 'n8n-nodes-whatsapp-compliance', `n8n-${version}-${hash}`);
	return { version, dir: path.resolve(dir), packageJson };
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

async function installInto(version: string, dir: string, packageJson: string): Promise<N8nInstall> {
	const started = Date.now();
	const nodeVersion = process.versions.node;
	if (Number(nodeVersion.split('.')[0]) < 24) {
		throw new Error(
			`Installing n8n ${version} needs Node 24 or newer, this is ${process.version}. ` +
				'Put /work/main/node_modules/.bin first on PATH (npm scripts do).',
		);
	}
	fs.mkdirSync(dir, { recursive: true });
	const logPath = path.join(dir, LOG_FILE);
	log(`installing n8n ${version} into ${dir}`);
	log(
		`this takes about 5 minutes (longer on a busy machine or a slow network); progress in ${logPath}`,
	);

	// node-gyp needs the C headers of the Node that will run n8n; the node devDependency has none,
	// the node-<platform>-<arch> package of the same version has them in include/node. It lives in
	// its own folder so that installing n8n does not prune it.
	const toolchain = path.join(dir, 'toolchain');
	const headersPackage = `node-${process.platform}-${process.arch}`;
	const nodedir = path.join(toolchain, 'node_modules', headersPackage);
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
	if (!fs.existsSync(path.join(nodedir, 'include', 'node', 'node.h'))) {
		fs.mkdirSync(toolchain, { recursive: true });
		fs.writeFileSync(
			path.join(toolchain, 'package.json'),
			JSON.stringify({ name: 'e2e-node-headers', private: true }, null, '\t'),
		);
		await run(
			'npm',
			[
				'install',
				'--no-audit',
				'--no-fund',
				'--ignore-scripts',
				`${headersPackage}@${nodeVersion}`,
			],
			{ cwd: toolchain, env, logPath, what: `Node ${nodeVersion} headers (${headersPackage})` },
		);
		if (!fs.existsSync(path.join(nodedir, 'include', 'node', 'node.h'))) {
			throw new Error(`${headersPackage}@${nodeVersion} installed without include/node/node.h`);
		}
	}

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
	ensureN8nInstalled().then(
		(install) => log(`n8n ${install.version}: ${install.nodePath} ${install.n8nBin}`),
		(error: unknown) => {
			log(error instanceof Error ? error.message : String(error));
			process.exitCode = 1;
		},
	);
}
