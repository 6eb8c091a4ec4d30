/**
 * Headless Chromium from Debian's `chromium` package, driven by playwright-core. No browser is
 * downloaded: playwright-core only speaks the DevTools protocol to /usr/bin/chromium.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { chromium, selectors, type BrowserContext, type Page } from 'playwright-core';

/** Where Debian's package puts it; WA_CHROMIUM overrides. */
export const CHROMIUM_PATH = process.env.WA_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Without the networking flags Chromium keeps trying to reach Google's hosts, which this kind of
 * machine refuses (many connections at a time); --no-sandbox because CI runs as root.
 */
const FLAGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

export interface Browser {
	readonly context: BrowserContext;
	/** The first tab. */
	readonly page: Page;
	/** Closes Chromium and removes its profile folder. Idempotent. */
	close(): Promise<void>;
}

export interface BrowserOptions {
	/** @default { width: 1440, height: 900 } */
	readonly viewport?: { width: number; height: number };
}

/** Starts Chromium headless with a fresh, empty profile. */
export async function launchChromium(options: BrowserOptions = {}): Promise<Browser> {
	if (!fs.existsSync(CHROMIUM_PATH)) {
		throw new Error(
			`Chromium is not installed at ${CHROMIUM_PATH}. Install Debian's package: apt-get install chromium ` +
				'(or set WA_CHROMIUM to a Chromium binary).',
		);
	}
	// n8n marks its elements with data-test-id (playwright's getByTestId reads data-testid).
	selectors.setTestIdAttribute('data-test-id');
	// A persistent context is the way to give Chromium a profile folder of our own.
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-chromium-'));
	let context: BrowserContext;
	try {
		context = await chromium.launchPersistentContext(profile, {
			executablePath: CHROMIUM_PATH,
			headless: true,
			args: FLAGS,
			viewport: options.viewport ?? { width: 1440, height: 900 },
			locale: 'en-US',
			timezoneId: 'UTC',
		});
	} catch (error) {
		fs.rmSync(profile, { recursive: true, force: true });
		throw error;
	}
	const page = context.pages()[0] ?? (await context.newPage());
	let closed: Promise<void> | undefined;
	return {
		context,
		page,
		close: () => {
			closed ??= (async () => {
				await context.close().catch(() => undefined);
				fs.rmSync(profile, { recursive: true, force: true });
			})();
			return closed;
		},
	};
}
