/**
 * What a person does in the n8n editor (2.30), as functions over a playwright Page: sign in, open a
 * workflow, open a node, read its panel. The browser tests and `npm run screenshots` use these.
 * Selectors are n8n's own data-test-id attributes; a new n8n pin may rename some (see README.md).
 */
import type { Locator, Page } from 'playwright-core';

/** Long enough for the first load of the editor's bundles on 2 busy cores. */
const LOAD_MS = 60_000;

export interface Credentials {
	readonly email: string;
	readonly password: string;
}

/** Signs in on /signin and waits for the workflow list (n8n's home page). */
export async function signIn(page: Page, baseUrl: string, owner: Credentials): Promise<void> {
	await page.goto(`${baseUrl}/signin`, { timeout: LOAD_MS });
	await page.getByTestId('emailOrLdapLoginId').locator('input').fill(owner.email);
	await page.getByTestId('password').locator('input').fill(owner.password);
	await page.getByTestId('form-submit-button').click();
	await page.waitForURL((url) => !url.pathname.startsWith('/signin'), { timeout: LOAD_MS });
}

/** Opens a workflow's canvas and waits until its nodes are drawn. */
export async function openWorkflow(page: Page, baseUrl: string, workflowId: string): Promise<void> {
	await page.goto(`${baseUrl}/workflow/${workflowId}`, { timeout: LOAD_MS });
	await page.getByTestId('canvas-node').first().waitFor({ timeout: LOAD_MS });
}

/** A node on the canvas, by its name. */
export function canvasNode(page: Page, name: string): Locator {
	return page.locator(`[data-test-id="canvas-node"][data-node-name="${name}"]`);
}
