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

/**
 * The label an execution draws on the connection from `from` to `to` ("1 item", "2 items"). The
 * execution view (/workflow/<id>/executions/<execution id>) draws its canvas in the page itself.
 */
export function edgeLabel(page: Page, from: string, to: string): Locator {
	return page.locator(
		`[data-test-id="edge-label"][data-source-node-name="${from}"][data-target-node-name="${to}"]`,
	);
}

/** Fits the whole workflow into the canvas, as the "Zoom to fit" button does. */
export async function zoomToFit(page: Page): Promise<void> {
	await page.getByTestId('zoom-to-fit').click();
	// The canvas animates to the new zoom.
	await page.waitForTimeout(600);
}

export interface Box {
	x: number;
	y: number;
	width: number;
	height: number;
}

/**
 * The box around every element the locators match, `margin` pixels wider on each side and kept
 * inside the viewport (and inside `within`, e.g. a panel whose table is wider than the panel): the
 * part of the page a screenshot should keep.
 */
export async function boxAround(
	page: Page,
	locators: Locator[],
	options: { margin?: number; within?: Locator } = {},
): Promise<Box> {
	const margin = options.margin ?? 16;
	const boxes: Box[] = [];
	for (const locator of locators) {
		for (const element of await locator.all()) {
			const box = await element.boundingBox();
			if (box && box.width > 0 && box.height > 0) boxes.push(box);
		}
	}
	if (boxes.length === 0) throw new Error('Nothing to put a box around: no element is visible.');
	const viewport = page.viewportSize() ?? { width: 1440, height: 900 };
	const limit = (options.within && (await options.within.boundingBox())) || {
		x: 0,
		y: 0,
		...viewport,
	};
	const left = Math.max(limit.x, 0, Math.min(...boxes.map((b) => b.x)) - margin);
	const top = Math.max(limit.y, 0, Math.min(...boxes.map((b) => b.y)) - margin);
	const right = Math.min(
		limit.x + limit.width,
		viewport.width,
		Math.max(...boxes.map((b) => b.x + b.width)) + margin,
	);
	const bottom = Math.min(
		limit.y + limit.height,
		viewport.height,
		Math.max(...boxes.map((b) => b.y + b.height)) + margin,
	);
	return {
		x: Math.round(left),
		y: Math.round(top),
		width: Math.round(right - left),
		height: Math.round(bottom - top),
	};
}

/** Opens a node's panel (NDV) by double-clicking it on the canvas. */
export async function openNode(page: Page, name: string): Promise<void> {
	await canvasNode(page, name).dblclick();
	await page.getByTestId('ndv').waitFor({ timeout: LOAD_MS });
}

/** Closes the open node panel. */
export async function closeNode(page: Page): Promise<void> {
	await page.getByTestId('ndv-close-button').click();
	await page.getByTestId('ndv').waitFor({ state: 'hidden' });
}

/** The ids of the Variables fields the resource mapper shows, in order. */
export async function variableFieldIds(page: Page): Promise<string[]> {
	const container = page.getByTestId('mapping-fields-container');
	await container.waitFor({ timeout: LOAD_MS });
	return await container
		.locator('[data-test-id^="parameter-input-"]')
		.evaluateAll((elements) =>
			elements
				.map((element) => element.getAttribute('data-test-id')?.replace('parameter-input-', ''))
				.filter((id): id is string => !!id && id !== 'field'),
		);
}

/** Whether n8n shows its "fields are outdated" warning on the resource mapper. */
export async function variablesOutdated(page: Page): Promise<boolean> {
	return (
		(await page
			.getByTestId('resource-mapper-container')
			.locator('svg[data-icon="triangle-alert"]')
			.count()) > 0
	);
}

/**
 * The entries the Template list of the open Send Template node shows now (opening it first when
 * closed). The list fills as the node's search answers: read it again until it has what you wait
 * for.
 */
export async function templateListEntries(page: Page): Promise<string[]> {
	const items = page.getByTestId('rlc-item');
	if (!(await items.first().isVisible())) {
		await page.getByTestId('resource-locator-template').getByTestId('rlc-input').click();
	}
	await items.first().waitFor({ timeout: LOAD_MS });
	return await items.allInnerTexts();
}

/** Picks an entry of the open Template list (opening it first when closed). */
export async function chooseTemplate(page: Page, entry: string): Promise<void> {
	await templateListEntries(page);
	await page.getByTestId('rlc-item').filter({ hasText: entry }).first().click();
}

/** Creates a workflow through the editor's own REST API (as the signed-in user) and returns its id. */
export async function createWorkflow(
	page: Page,
	workflow: { name: string; nodes: unknown[]; connections: unknown; pinData?: unknown },
): Promise<string> {
	return await page.evaluate(async (body) => {
		const response = await fetch('/rest/workflows', {
			method: 'POST',
			headers: {
				'content-type': 'application/json',
				// n8n ties the session cookie to the browser id the editor keeps here.
				'browser-id': localStorage.getItem('n8n-browserId') ?? '',
			},
			body: JSON.stringify({ settings: {}, ...body }),
		});
		const json = (await response.json()) as { data?: { id?: string } };
		if (!response.ok || !json.data?.id) {
			throw new Error(`Creating a workflow answered ${response.status}: ${JSON.stringify(json)}`);
		}
		return json.data.id;
	}, workflow);
}

/**
 * What the canvas draws wrong: sticky notes whose text does not fit, sticky notes over a node, and
 * output labels n8n shortened with an ellipsis.
 */
export async function canvasProblems(page: Page): Promise<string[]> {
	// Runs in the page; the project compiles without the DOM library, so the few DOM types used
	// are spelled out here.
	interface Rect {
		left: number;
		right: number;
		top: number;
		bottom: number;
	}
	interface El {
		scrollHeight: number;
		clientHeight: number;
		scrollWidth: number;
		clientWidth: number;
		textContent: string | null;
		firstElementChild: El | null;
		getBoundingClientRect(): Rect;
		getAttribute(name: string): string | null;
		querySelector(selector: string): El | null;
	}
	return await page.evaluate(() => {
		const doc = (
			globalThis as unknown as { document: { querySelectorAll(s: string): Iterable<El> } }
		).document;
		const all = (selector: string) => Array.from(doc.querySelectorAll(selector));
		const problems: string[] = [];
		const overlaps = (a: Rect, b: Rect) =>
			a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
		const nodes = all('[data-test-id="canvas-node"]').filter(
			(node) => !node.querySelector('[data-test-id="sticky"]'),
		);
		for (const sticky of all('[data-test-id="sticky"]')) {
			const wrapper = sticky.firstElementChild ?? sticky;
			const title = sticky.querySelector('h1, h2, h3')?.textContent ?? 'a note';
			if (wrapper.scrollHeight > wrapper.clientHeight + 1) {
				problems.push(`note "${title}" is cut off`);
			}
			for (const node of nodes) {
				if (overlaps(sticky.getBoundingClientRect(), node.getBoundingClientRect())) {
					problems.push(`note "${title}" covers node "${node.getAttribute('data-node-name')}"`);
				}
			}
		}
		for (const handle of all('[data-test-id="canvas-node-output-handle"]')) {
			const label = handle.querySelector('[class*="outputLabel"]');
			if (label && label.scrollWidth > label.clientWidth + 1) {
				problems.push(
					`output "${label.textContent}" of "${handle.getAttribute('data-node-name')}" is cut off`,
				);
			}
		}
		return problems;
	});
}

/** The node issues n8n marks on the canvas, as "node: issue". */
export async function nodeIssues(page: Page): Promise<string[]> {
	return await page
		.locator('[data-test-id="canvas-node"]:has([data-test-id="node-issues"])')
		.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-node-name') ?? '?'));
}
