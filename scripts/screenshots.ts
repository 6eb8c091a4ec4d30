/**
 * `npm run screenshots`: the README's pictures. Starts the demo setup (tools/n8n/demo.ts), opens
 * the editor in Debian's headless Chromium (tools/browser) at 1440x900 and saves PNGs under
 * docs/images/, each cut to what it shows: each example canvas, the Send Template panel (and
 * the AI agent example's Send Template Tool), an
 * execution with items on Sent and Skipped, the Opt-in Manager's Get History output and the
 * trigger's setup panel. With `pngquant` on PATH (Debian's package) the PNGs are made smaller.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { Locator, Page } from 'playwright-core';

import { launchChromium } from '../tools/browser/chromium';
import {
	boxAround,
	canvasNode,
	chooseTemplate,
	closeNode,
	createWorkflow,
	edgeLabel,
	openNode,
	openWorkflow,
	signIn,
	templateListEntries,
	zoomToFit,
} from '../tools/browser/editor';
import {
	BACK_IN_STOCK_WORKFLOW_ID,
	portIsFree,
	runBackInStock,
	startDemo,
	type Demo,
} from '../tools/n8n/demo';
import { runDir } from '../tools/n8n/commands';
import { control, postJson } from '../tools/n8n/fixtures';
import { endRunOnExit } from '../tools/n8n/processes';

const OUT = path.resolve(__dirname, '..', 'docs', 'images');

const EXAMPLE_FILES: Record<string, string> = {
	waExSupportInbox: 'example-support-inbox.png',
	waExBackInStock1: 'example-back-in-stock.png',
	waExOrderUpdate1: 'example-order-update.png',
	waExDoubleOptIn1: 'example-double-opt-in.png',
	waExHandleStop01: 'example-handle-stop.png',
	waExAiSupportAgent: 'example-ai-support-agent.png',
};

/** Whether `command` runs here (`pngquant --version`). */
function available(command: string): boolean {
	return spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
}

const PNGQUANT = available('pngquant');

/**
 * What a picture should not show: the canvas's zoom buttons and "Execute workflow" (they sit over
 * the bottom of a fitted canvas) and the toasts n8n shows after a run.
 */
const HIDDEN =
	'[data-test-id="canvas-controls"], [data-test-id="execute-workflow-button"], .el-notification' +
	' { visibility: hidden !important; }';

/**
 * Saves the part of the page around `parts` (kept inside `within`) as docs/images/<file>, made
 * smaller when it can be.
 */
async function shot(
	page: Page,
	file: string,
	parts: Locator[],
	options: { margin?: number; within?: Locator } = {},
): Promise<void> {
	await page.addStyleTag({ content: HIDDEN });
	// Fonts, icons and the canvas's animations settle.
	await page.waitForTimeout(800);
	const target = path.join(OUT, file);
	await page.screenshot({ path: target, clip: await boxAround(page, parts, options) });
	if (PNGQUANT) {
		// 256 colours at most: the editor's flat colours lose nothing visible.
		spawnSync('pngquant', [
			'--quality',
			'70-95',
			'--speed',
			'1',
			'--strip',
			'--force',
			'--output',
			target,
			target,
		]);
	}
	console.log(`saved docs/images/${file} (${Math.round(fs.statSync(target).size / 1024)} KB)`);
}

/** Runs `take` with the window `height` pixels tall (a panel longer than 900), then back to 900. */
async function tall(page: Page, height: number, take: () => Promise<void>): Promise<void> {
	await page.setViewportSize({ width: 1440, height });
	try {
		await take();
	} finally {
		await page.setViewportSize({ width: 1440, height: 900 });
	}
}

/** The parameters column of the open node panel, from its tabs down. */
function parametersColumn(page: Page): Locator[] {
	return [page.getByTestId('tab-params'), page.getByTestId('node-parameters')];
}

/** Send Template as the AI agent example's tool: the model's choice among Templates to Offer. */
async function sendTemplateToolPanel(page: Page, base: string): Promise<void> {
	await openWorkflow(page, base, 'waExAiSupportAgent');
	await openNode(page, 'Send Follow-Up Template');
	// The offered templates are shown once the node's list of them has loaded.
	await page.getByText('support_follow_up (en) · UTILITY', { exact: false }).first().waitFor();
	await tall(page, 1300, () =>
		shot(page, 'agent-send-template-tool.png', parametersColumn(page), { margin: 0 }),
	);
	await closeNode(page);
}

async function main(): Promise<void> {
	endRunOnExit(runDir());
	fs.mkdirSync(OUT, { recursive: true });
	if (!PNGQUANT)
		console.log('pngquant is not installed: the PNGs are saved as Chromium makes them.');
	// On n8n's usual port when it is free, so that the URLs in the pictures look like a user's.
	const demo = await startDemo({
		n8nPort: (await portIsFree(5678)) ? 5678 : undefined,
		log: (line) => console.log(line),
	});
	const browser = await launchChromium();
	const { page } = browser;
	try {
		const base = demo.n8n.baseUrl;
		await signIn(page, base, demo.owner);

		for (const [id, file] of Object.entries(EXAMPLE_FILES)) {
			await openWorkflow(page, base, id);
			await zoomToFit(page);
			await shot(page, file, [page.getByTestId('canvas-node'), page.getByTestId('sticky')], {
				margin: 16,
			});
		}

		await sendTemplatePanel(page, base);
		await sendTemplateToolPanel(page, base);
		await executionWithSentAndSkipped(page, demo);
		await optInHistory(page, demo);

		// The trigger's setup panel: the URL to give Meta, what starts the workflow.
		await openWorkflow(page, base, 'waExSupportInbox');
		await openNode(page, 'WhatsApp Webhook Trigger');
		await page.getByText('Webhook URLs').click();
		await page.getByText('Production URL', { exact: true }).click();
		await tall(page, 1000, () =>
			shot(page, 'webhook-trigger-setup.png', parametersColumn(page), { margin: 0 }),
		);
		await closeNode(page);
	} finally {
		await browser.close();
		await demo.stop();
	}
}

/** The Send Template panel: the template list from the sandbox, then the Variables. */
async function sendTemplatePanel(page: Page, base: string): Promise<void> {
	await openWorkflow(page, base, 'waExOrderUpdate1');
	await openNode(page, 'Send Order Update');
	await templateListEntries(page);
	// The paused template is at the end of the list.
	await page.getByTestId('rlc-item').filter({ hasText: 'PAUSED' }).first().scrollIntoViewIfNeeded();
	await shot(
		page,
		'send-template-list.png',
		[...parametersColumn(page), page.getByTestId('rlc-item')],
		{ margin: 0 },
	);
	await chooseTemplate(page, 'order_update (en)');
	await page.getByTestId('mapping-fields-container').scrollIntoViewIfNeeded();
	await shot(page, 'send-template-variables.png', parametersColumn(page), { margin: 0 });
	await closeNode(page);
}

/**
 * The back-in-stock example run for three subscribers: one who opted in (Sent), one who never did
 * and a US number (Skipped). The canvas with the item counts, then the node's Skipped output.
 */
async function executionWithSentAndSkipped(page: Page, demo: Demo): Promise<void> {
	const { execution } = await runBackInStock(demo, [
		{ phone: '+1 415 555 0123', first_name: 'Avery' },
		{ phone: '+49 176 12345602', first_name: 'Jonas' },
	]);
	await page.goto(
		`${demo.n8n.baseUrl}/workflow/${BACK_IN_STOCK_WORKFLOW_ID}/executions/${execution.id}`,
	);
	const send = 'Send Back-in-Stock Template';
	await edgeLabel(page, send, 'Skipped').waitFor();
	// Closer than "zoom to fit", around the nodes: the notes are in the example's own picture.
	await zoomToFit(page);
	await canvasNode(page, send).hover();
	await page.keyboard.down('Control');
	await page.mouse.wheel(0, -400);
	await page.keyboard.up('Control');
	const nodes = page.locator('[data-test-id="canvas-node"]:not(:has([data-test-id="sticky"]))');
	await shot(page, 'execution-sent-and-skipped.png', [nodes, page.getByTestId('edge-label')], {
		margin: 32,
	});

	await canvasNode(page, send).dblclick();
	await page.getByTestId('ndv').waitFor();
	const output = page.getByTestId('output-panel');
	await output.getByText(/Skipped Branch/).click();
	await output.getByText('no_consent').first().waitFor();
	await shot(
		page,
		'execution-skipped-output.png',
		[output.getByTestId('run-data-pane-header'), output.locator('table')],
		{ margin: 8, within: output },
	);
	await page.keyboard.press('Escape');
}

/**
 * Jonas signs up on the web form of the double opt-in example and taps "Yes, subscribe" on the
 * confirmation request; the Opt-in Manager's Get History, run in the editor, shows both steps
 * with their proof.
 */
async function optInHistory(page: Page, demo: Demo): Promise<void> {
	const jonas = { waId: '4917612345602', phone: '+49 176 12345602' };
	const signUps = demo.n8n.executions('waExDoubleOptIn1').length;
	await postJson(demo.n8n.webhookUrl('newsletter-signup'), {
		phone: jonas.phone,
		name: 'Jonas Weber',
		consentText:
			'Yes, send me news and offers from Sandbox Shop on WhatsApp. I can unsubscribe at any time.',
		pageUrl: 'https://shop.example.com/newsletter',
	});
	await demo.n8n.waitForExecutions('waExDoubleOptIn1', signUps + 1);
	// The trigger records the confirmation before its workflow runs: wait for that run.
	const replies = demo.n8n.executions('waExSupportInbox').length;
	await control(demo.sandbox, 'POST', `contacts/${jonas.waId}/tap`, { payload: 'Yes, subscribe' });
	await demo.n8n.waitForExecutions('waExSupportInbox', replies + 1);

	const id = await createWorkflow(page, {
		name: 'Consent history',
		nodes: [
			{
				id: 'history-trigger',
				name: 'When clicking Execute',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: 'history-node',
				name: 'Get History',
				type: 'n8n-nodes-whatsapp-compliance.whatsAppOptInManager',
				typeVersion: 1,
				position: [260, 0],
				parameters: { resource: 'contact', operation: 'getHistory', contact: jonas.phone },
			},
		],
		connections: {
			'When clicking Execute': { main: [[{ node: 'Get History', type: 'main', index: 0 }]] },
		},
	});
	await openWorkflow(page, demo.n8n.baseUrl, id);
	await openNode(page, 'Get History');
	await page.getByTestId('node-execute-button').click();
	const output = page.getByTestId('output-panel');
	await output.getByTestId('radio-button-json').click();
	// Tall enough for the whole trail: the request and the confirmation.
	await tall(page, 1500, async () => {
		await output.getByText('"confirm"').first().waitFor();
		await shot(page, 'opt-in-manager-history.png', [...parametersColumn(page), output], {
			margin: 0,
		});
	});
	await closeNode(page);
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? (error.stack ?? error.message) : error);
	process.exit(1);
});
