/**
 * The editor as users see it: the demo setup (a real n8n with the packed package, the sandbox, the
 * examples) driven in Debian's headless Chromium. One n8n and one browser for the whole file.
 */
import type { Page } from 'playwright-core';

import { variableFields } from '../../nodes/WhatsAppSendTemplate/methods';
import { bundledSeedInput, loadSeed } from '../../sandbox/seedLoader';
import { launchChromium, type Browser } from '../../tools/browser/chromium';
import { outputItems } from '../../tools/n8n/n8n';
import {
	canvasProblems,
	chooseTemplate,
	closeNode,
	createWorkflow,
	edgeLabel,
	nodeIssues,
	openNode,
	openWorkflow,
	signIn,
	templateListEntries,
	variableFieldIds,
	variablesOutdated,
} from '../../tools/browser/editor';
import {
	BACK_IN_STOCK_WORKFLOW_ID,
	CALLBACK_PATH,
	runBackInStock,
	startDemo,
	type Demo,
} from '../../tools/n8n/demo';
import { control, loadExamples, SANDBOX_CREDENTIAL_ID } from '../../tools/n8n/fixtures';

jest.setTimeout(120_000);

const WHATSAPP = 'n8n-nodes-whatsapp-compliance.';
/** A seed contact (sandbox/seed.json). */
const LENA = '4915112345601';
const seed = loadSeed(bundledSeedInput());

/**
 * Waits until `read` gives `expected` (equal, or matching a pattern), then asserts it once more so
 * that a failure shows the last value.
 */
async function eventually<T>(read: () => Promise<T>, expected: T | RegExp, timeoutMs = 30_000) {
	const deadline = Date.now() + timeoutMs;
	const matches = (value: T) =>
		expected instanceof RegExp
			? expected.test(String(value))
			: JSON.stringify(value) === JSON.stringify(expected);
	let value = await read().catch(() => undefined as T);
	while (!matches(value) && Date.now() < deadline) {
		await new Promise((resolve) => setTimeout(resolve, 250));
		value = await read().catch(() => undefined as T);
	}
	if (expected instanceof RegExp) expect(String(value)).toMatch(expected);
	else expect(value).toEqual(expected);
}

/** The Variables field ids the node returns for a seed template. */
function fieldIdsOf(name: string, language = 'en'): string[] {
	const template = seed.templates.find(
		(t) => t.definition.name === name && t.definition.language === language,
	);
	if (!template) throw new Error(`no seed template ${name} (${language})`);
	return variableFields(template.definition).map((field) => field.id);
}

describe('the n8n editor with the WhatsApp nodes', () => {
	let demo: Demo;
	let browser: Browser;
	let page: Page;

	beforeAll(async () => {
		demo = await startDemo();
		browser = await launchChromium();
		page = browser.page;
	}, 300_000);

	afterAll(async () => {
		await browser?.close();
		await demo?.stop();
	});

	it('signs the owner in and lists the example workflows', async () => {
		await signIn(page, demo.n8n.baseUrl, demo.owner);
		for (const example of demo.examples) {
			await page.getByText(example.name, { exact: true }).first().waitFor();
		}
	});

	describe.each(loadExamples().map((example) => [example.name, example.id]))(
		'example "%s"',
		(_name, id) => {
			it('opens with no node issue, no cut note or label, and Variables that are up to date', async () => {
				await openWorkflow(page, demo.n8n.baseUrl, id);
				expect(await nodeIssues(page)).toEqual([]);
				expect(await canvasProblems(page)).toEqual([]);
				const example = demo.examples.find((w) => w.id === id)!;
				const ours = example.nodes.filter(
					(node) => String(node.type).startsWith(WHATSAPP) && !node.disabled,
				);
				for (const node of ours) {
					await openNode(page, String(node.name));
					if (String(node.type).endsWith('whatsAppSendTemplate')) {
						await variableFieldIds(page);
						// n8n compares the saved fields with the node's answer after opening.
						await page.waitForLoadState('networkidle');
						expect({ node: node.name, outdated: await variablesOutdated(page) }).toEqual({
							node: node.name,
							outdated: false,
						});
					}
					await expect(page.getByTestId('credentials-label').allInnerTexts()).resolves.toEqual(
						expect.arrayContaining([expect.stringContaining('Compliance Store (Optional)')]),
					);
					await closeNode(page);
				}
			});
		},
	);

	describe('Send Template', () => {
		it('lists the templates from the sandbox and marks paused ones', async () => {
			await openWorkflow(page, demo.n8n.baseUrl, 'waExOrderUpdate1');
			await openNode(page, 'Send Order Update');
			// The list fills as the node's search answers: read it once it has every template.
			await eventually(async () => (await templateListEntries(page)).length, seed.templates.length);
			const entries = await templateListEntries(page);
			expect(entries).toContain('order_update (en) · UTILITY');
			expect(entries.find((entry) => entry.startsWith('spring_sale'))).toMatch(/PAUSED/);
			await page.keyboard.press('Escape');
			await closeNode(page);
		});

		it('shows one field per variable of the chosen template', async () => {
			const id = await createWorkflow(page, {
				name: 'New Send Template',
				nodes: [sendTemplateNode({ template: '' })],
				connections: {},
			});
			await openWorkflow(page, demo.n8n.baseUrl, id);
			await openNode(page, 'Send Template');
			await chooseTemplate(page, 'order_update (en)');
			await eventually(() => variableFieldIds(page), fieldIdsOf('order_update'));
			await chooseTemplate(page, 'back_in_stock (en)');
			await eventually(() => variableFieldIds(page), fieldIdsOf('back_in_stock'));
			await closeNode(page);
		});

		it('reloads the Variables when the template of a saved node changes', async () => {
			// A saved node with its fields and an expression, and input data to resolve it with:
			// n8n 2.30 reloads the fields only when it can resolve every expression of the node
			// (README: "What n8n decides").
			const id = await createWorkflow(page, {
				name: 'Saved Send Template',
				nodes: [
					{
						id: 'saved-trigger',
						name: 'When clicking Execute',
						type: 'n8n-nodes-base.manualTrigger',
						typeVersion: 1,
						position: [0, 0],
						parameters: {},
					},
					sendTemplateNode({ template: 'back_in_stock|en', recipient: '={{ $json.phone }}' }),
				],
				connections: {
					'When clicking Execute': {
						main: [[{ node: 'Send Template', type: 'main', index: 0 }]],
					},
				},
				pinData: { 'When clicking Execute': [{ json: { phone: '+49 151 12345601' } }] },
			});
			await openWorkflow(page, demo.n8n.baseUrl, id);
			await openNode(page, 'Send Template');
			expect(await variableFieldIds(page)).toEqual(fieldIdsOf('back_in_stock'));
			await chooseTemplate(page, 'order_update (en)');
			await eventually(() => variableFieldIds(page), fieldIdsOf('order_update'));
			await closeNode(page);
		});
	});

	describe('the WhatsApp Cloud API credential', () => {
		async function openCredential(): Promise<void> {
			await page.goto(`${demo.n8n.baseUrl}/home/credentials/${SANDBOX_CREDENTIAL_ID}`);
			await page.getByTestId('editCredential-modal').waitFor();
		}
		const banner = (text: string | RegExp) =>
			page.getByTestId('editCredential-modal').getByText(text).filter({ visible: true }).first();

		it('says it connected', async () => {
			await openCredential();
			await banner('Connection tested successfully').waitFor();
		});

		it("gives the sandbox's reason for a wrong token", async () => {
			await openCredential();
			const token = page.getByTestId('accessToken').locator('input');
			await token.fill('not-the-sandbox-token');
			await page.getByTestId('credential-save-button').click();
			await banner(/Couldn.t connect with these settings/).waitFor();
			await banner('More details').click();
			await banner(/The access token is not the sandbox's/).waitFor();
			// Put the right token back for the other tests.
			await token.fill(demo.sandbox.state.options.accessToken);
			await page.getByTestId('credential-save-button').click();
			await banner('Connection tested successfully').waitFor();
			await page.keyboard.press('Escape');
		});
	});

	describe('the WhatsApp Webhook Trigger', () => {
		it('shows an event Meta sends to the app’s Production URL while it listens for a test event', async () => {
			// The STOP handler is not the workflow whose URL the sandbox (Meta) calls: the event reaches
			// its test listener through the support inbox's trigger.
			expect(demo.sandbox.state.webhookUrls).toEqual([demo.n8n.webhookUrl(CALLBACK_PATH)]);
			await openWorkflow(page, demo.n8n.baseUrl, 'waExHandleStop01');
			await openNode(page, 'WhatsApp Webhook Trigger');
			await page.getByTestId('node-execute-button').click();
			// n8n registers the test webhook (and the trigger its listener) when it starts waiting.
			await page
				.getByText(/Listening for test event|Waiting for you to/)
				.first()
				.waitFor();
			const text = `Hello from the editor test ${Date.now()}`;
			await control(demo.sandbox, 'POST', `contacts/${LENA}/say`, { text });
			const output = page.getByTestId('output-panel');
			await output.getByTestId('radio-button-json').click({ timeout: 60_000 });
			await output.getByText(text).first().waitFor({ timeout: 30_000 });
			await closeNode(page);
		});
	});

	it('shows the items of an execution on Sent and Skipped', async () => {
		// One contact who opted in, one who did not.
		const { contact, status, execution } = await runBackInStock(demo, [
			{ phone: '+1 415 555 0123', first_name: 'Avery' },
		]);
		expect(status).toBe(200);
		expect(execution.status).toBe('success');
		const results = (index: number) =>
			outputItems(execution, 'Send Back-in-Stock Template', index).map(
				(item) => `${String(item.result)} ${String(item.waId ?? item.reason)}`,
			);
		expect({ sent: results(0), skipped: results(1) }).toEqual({
			sent: [`sent ${contact.waId}`],
			skipped: ['skipped no_consent'],
		});

		// The execution as the editor shows it: the item count on each connection.
		await page.goto(
			`${demo.n8n.baseUrl}/workflow/${BACK_IN_STOCK_WORKFLOW_ID}/executions/${execution.id}`,
		);
		const count = (to: string) => edgeLabel(page, 'Send Back-in-Stock Template', to).innerText();
		await eventually(() => count('Sent'), '1 item');
		await eventually(() => count('Skipped'), '1 item');
	});
});

/** A Send Template node as a user saves it, with the fields the node returns for its template. */
function sendTemplateNode(options: {
	template: string;
	recipient?: string;
}): Record<string, unknown> {
	const [name, language] = options.template.split('|');
	const schema = name
		? variableFields(
				seed.templates.find(
					(t) => t.definition.name === name && t.definition.language === language,
				)!.definition,
			)
		: [];
	return {
		id: `send-${name || 'new'}`,
		name: 'Send Template',
		type: `${WHATSAPP}whatsAppSendTemplate`,
		typeVersion: 1,
		position: [240, 0],
		parameters: {
			recipient: options.recipient ?? '+49 151 12345601',
			template: { __rl: true, mode: 'list', value: options.template },
			...(name
				? {
						variables: {
							mappingMode: 'defineBelow',
							value: Object.fromEntries(schema.map((field) => [field.id, 'x'])),
							matchingColumns: [],
							schema,
						},
					}
				: {}),
		},
		credentials: { whatsAppCloudApi: { id: SANDBOX_CREDENTIAL_ID, name: 'WhatsApp Sandbox' } },
	};
}
