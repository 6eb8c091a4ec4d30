/**
 * `npm run screenshots`: the README's pictures. Starts the demo setup (tools/n8n/demo.ts), opens
 * the editor in Debian's headless Chromium (tools/browser) at 1440x900 and saves PNGs under
 * docs/images/: each example canvas, the Send Template panel, an execution with items on Sent and
 * Skipped, the Opt-in Manager's Get History output and the trigger's setup panel.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { launchChromium } from '../tools/browser/chromium';
import {
	chooseTemplate,
	closeNode,
	createWorkflow,
	openNode,
	openWorkflow,
	signIn,
	templateListEntries,
} from '../tools/browser/editor';
import { daytimeContact, startDemo } from '../tools/n8n/demo';
import { postJson } from '../tools/n8n/fixtures';

const OUT = path.resolve(__dirname, '..', 'docs', 'images');

const EXAMPLE_FILES: Record<string, string> = {
	waExSupportInbox: 'example-support-inbox.png',
	waExBackInStock1: 'example-back-in-stock.png',
	waExOrderUpdate1: 'example-order-update.png',
	waExDoubleOptIn1: 'example-double-opt-in.png',
	waExHandleStop01: 'example-handle-stop.png',
};

async function main(): Promise<void> {
	fs.mkdirSync(OUT, { recursive: true });
	const demo = await startDemo({ log: (line) => console.log(line) });
	const browser = await launchChromium();
	const { page } = browser;
	const shot = async (file: string) => {
		await page.waitForTimeout(800);
		await page.screenshot({ path: path.join(OUT, file) });
		console.log(`saved docs/images/${file}`);
	};
	try {
		const base = demo.n8n.baseUrl;
		await signIn(page, base, demo.owner);

		for (const [id, file] of Object.entries(EXAMPLE_FILES)) {
			await openWorkflow(page, base, id);
			await page.getByTestId('zoom-to-fit').click();
			await shot(file);
		}

		// The Send Template panel: the template list from the sandbox, then the Variables.
		await openWorkflow(page, base, 'waExOrderUpdate1');
		await openNode(page, 'Send Order Update');
		await templateListEntries(page);
		await shot('send-template-list.png');
		await chooseTemplate(page, 'order_update (en)');
		await page.getByTestId('mapping-fields-container').scrollIntoViewIfNeeded();
		await shot('send-template-variables.png');
		await closeNode(page);

		// An execution with items on Sent and Skipped.
		const contact = await daytimeContact(demo.sandbox);
		await demo.recordConsent([
			{
				phone: contact.phone,
				purposes: 'marketing, back_in_stock',
				status: 'opted_in',
				time: new Date().toISOString(),
			},
		]);
		await postJson(demo.n8n.webhookUrl('back-in-stock'), {
			sku: 'TRAIL-RUNNER-2',
			product: 'the Trail Runner 2',
			subscribers: [
				{ phone: contact.phone, first_name: contact.firstName },
				{ phone: '+1 415 555 0123', first_name: 'Avery' },
				{ phone: '+49 176 12345602', first_name: 'Jonas' },
			],
		});
		const [execution] = (await demo.n8n.waitForExecutions('waExBackInStock1', 1)).slice(-1);
		await page.goto(`${base}/workflow/waExBackInStock1/executions/${execution.id}`);
		await page.frameLocator('iframe').first().getByText('Skipped').first().waitFor();
		await shot('execution-sent-and-skipped.png');

		// The Opt-in Manager's Get History, run in the editor on the contact who just opted in.
		const historyId = await createWorkflow(page, {
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
					parameters: { resource: 'contact', operation: 'getHistory', contact: contact.phone },
				},
			],
			connections: {
				'When clicking Execute': { main: [[{ node: 'Get History', type: 'main', index: 0 }]] },
			},
		});
		await openWorkflow(page, base, historyId);
		await openNode(page, 'Get History');
		await page.getByTestId('node-execute-button').click();
		await page
			.getByTestId('output-panel')
			.getByText(/opt_in|opted_in/)
			.first()
			.waitFor();
		await shot('opt-in-manager-history.png');
		await closeNode(page);

		// The trigger's setup panel: the URL to give Meta and the events.
		await openWorkflow(page, base, 'waExSupportInbox');
		await openNode(page, 'WhatsApp Webhook Trigger');
		await shot('webhook-trigger-setup.png');
	} finally {
		await browser.close();
		await demo.stop();
	}
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? (error.stack ?? error.message) : error);
	process.exit(1);
});
