/**
 * The demo setup: the WhatsApp sandbox and a real n8n with this package, the sandbox credential,
 * the example workflows and an owner account to log in with. `npm start` (scripts/demo.ts),
 * `npm run screenshots` and the browser tests all start it through startDemo().
 */
import * as net from 'node:net';

import { startSandbox, type Sandbox } from '../../sandbox/server';
import { firstAwake } from './daytime';
import {
	consentImportWorkflow,
	control,
	exampleOpenAiCredential,
	loadExamples,
	postJson,
	sandboxCredential,
	type ConsentRow,
} from './fixtures';
import { ensureN8nInstalled } from './install';
import { startN8n, type N8nExecution, type N8nInstance, type WorkflowFixture } from './n8n';
import { ownerEnv, type N8nOwner } from './rest';

/** The owner account n8n creates at start (N8N_INSTANCE_OWNER_*): no setup screen. */
export type DemoOwner = N8nOwner;

export const DEMO_OWNER: DemoOwner = { email: 'demo@example.com', password: 'WhatsApp-Demo-2026' };

/**
 * The one callback URL of the sandbox's Meta app: the support inbox's trigger. Every other
 * published WhatsApp Webhook Trigger of the app (the STOP handler, the status tracker) gets its
 * events from it, as with a real Meta app.
 */
export const CALLBACK_PATH = 'whatsapp-inbox';

/**
 * A helper workflow of the demo (not an example): POST consent rows to it and the Opt-in Manager
 * imports them, e.g. an opt-in to the topic back_in_stock, so that the back-in-stock example has
 * someone to send to.
 */
export const CONSENT_WORKFLOW_ID = 'waDemoConsent001';
export const CONSENT_WEBHOOK_PATH = 'demo-consent';
const CONSENT_WORKFLOW_NAME = 'Demo helper: record consent rows';

export interface DemoOptions {
	/** @default a free port */
	readonly sandboxPort?: number;
	/** @default a free port */
	readonly n8nPort?: number;
	/** Printed while n8n installs and starts. @default nothing */
	readonly log?: (line: string) => void;
}

export interface Demo {
	readonly sandbox: Sandbox;
	readonly n8n: N8nInstance;
	readonly owner: DemoOwner;
	/** The example workflows as imported (examples/*.json). */
	readonly examples: readonly WorkflowFixture[];
	/** Opts contacts in through the demo's consent workflow (Opt-in Manager > Bulk > Import). */
	recordConsent(rows: readonly ConsentRow[]): Promise<void>;
	/** Stops n8n (and its task runner) and the sandbox; removes their folders. Idempotent. */
	stop(): Promise<void>;
}

/** Whether nothing listens on `port` of 127.0.0.1. */
export async function portIsFree(port: number): Promise<boolean> {
	return await new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
}

/**
 * Starts the sandbox, then n8n with the examples published. A failure on the way stops what was
 * started. Call stop() when done (the n8n harness also kills what is left when this process exits).
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
	const log = options.log ?? (() => undefined);
	log('Installing n8n if needed (the first time takes about 5 minutes)...');
	const install = await ensureN8nInstalled();
	const owner = await ownerEnv(install, DEMO_OWNER);

	const sandbox = await startSandbox({ port: options.sandboxPort ?? 0 });
	const examples = loadExamples();
	let n8n: N8nInstance;
	try {
		log(`Sandbox running at ${sandbox.url}. Starting n8n with the example workflows...`);
		n8n = await startN8n({
			port: options.n8nPort,
			// The AI agent example's OpenAI credential, without a key: the user adds theirs.
			credentials: [sandboxCredential(sandbox), exampleOpenAiCredential()],
			workflows: [
				...examples,
				consentImportWorkflow(CONSENT_WORKFLOW_ID, CONSENT_WORKFLOW_NAME, CONSENT_WEBHOOK_PATH),
			],
			env: owner,
		});
	} catch (error) {
		await sandbox.close();
		throw error;
	}
	sandbox.state.webhookUrl = n8n.webhookUrl(CALLBACK_PATH);

	let stopping: Promise<void> | undefined;
	return {
		sandbox,
		n8n,
		owner: DEMO_OWNER,
		examples,
		recordConsent: async (rows) => {
			const before = n8n.executions(CONSENT_WORKFLOW_ID).length;
			const answer = await postJson(n8n.webhookUrl(CONSENT_WEBHOOK_PATH), { rows });
			if (answer.status !== 200) {
				throw new Error(
					`Recording consent answered ${answer.status}: ${JSON.stringify(answer.json)}`,
				);
			}
			const [last] = (await n8n.waitForExecutions(CONSENT_WORKFLOW_ID, before + 1)).slice(-1);
			if (last.status !== 'success') throw new Error(`Recording consent ended with ${last.status}`);
		},
		stop: () => {
			stopping ??= (async () => {
				await n8n.stop();
				await sandbox.close();
			})();
			return stopping;
		},
	};
}

/** The back-in-stock example's workflow id (examples/back-in-stock-from-shop-webhook.json). */
export const BACK_IN_STOCK_WORKFLOW_ID = 'waExBackInStock1';

/** The shell command that opts `phone` in to marketing and the topic `topic` in the demo. */
export function consentCommand(n8n: N8nInstance, phone: string, topic: string): string {
	const row = `{"phone":"${phone}","purposes":"marketing, ${topic}","status":"opted_in","time":"'"$(date -u +%FT%TZ)"'"}`;
	return `curl -X POST ${n8n.webhookUrl(CONSENT_WEBHOOK_PATH)} -H 'content-type: application/json' -d '{"rows":[${row}]}'`;
}

/**
 * A sandbox contact for whom a marketing template is not held back for quiet hours now and in the
 * next 10 minutes (the examples keep the default 21:00 to 08:00): a German or a Brazilian seed
 * contact, or else a Colombian or Japanese contact added to the sandbox (firstAwake: between them
 * one is always awake).
 */
export async function daytimeContact(
	sandbox: Sandbox,
	now = Date.now(),
): Promise<{ waId: string; phone: string; firstName: string }> {
	const chosen = firstAwake(
		[
			{
				waId: '4915112345601',
				phone: '+49 151 12345601',
				firstName: 'Lena',
				name: 'Lena Fischer',
				country: 'DE',
			},
			{
				waId: '5511987654321',
				phone: '+55 11 98765-4321',
				firstName: 'João',
				name: 'João Pereira',
				country: 'BR',
			},
			{
				waId: '573001234567',
				phone: '+57 300 1234567',
				firstName: 'Camila',
				name: 'Camila Restrepo',
				country: 'CO',
			},
			{
				waId: '819012345678',
				phone: '+81 90 1234 5678',
				firstName: 'Yui',
				name: 'Yui Sato',
				country: 'JP',
			},
		],
		now,
		10 * 60_000,
	);
	if (!sandbox.state.contacts().some((contact) => contact.wa_id === chosen.waId)) {
		await control(sandbox, 'POST', 'contacts', {
			wa_id: chosen.waId,
			name: chosen.name,
			country: chosen.country,
		});
	}
	return { waId: chosen.waId, phone: chosen.phone, firstName: chosen.firstName };
}

/** A subscriber as the shop's webhook lists it (examples/back-in-stock-from-shop-webhook.json). */
export interface Subscriber {
	readonly phone: string;
	readonly first_name: string;
}

/**
 * Runs the back-in-stock example as step 2 of the demo does: a daytime contact opts in to
 * back_in_stock, then the shop's webhook lists them and `others` as subscribers. Resolves with the
 * contact, the webhook's HTTP status and the ended execution.
 */
export async function runBackInStock(
	demo: Demo,
	others: readonly Subscriber[],
): Promise<{
	contact: Awaited<ReturnType<typeof daytimeContact>>;
	status: number;
	execution: N8nExecution;
}> {
	const contact = await daytimeContact(demo.sandbox);
	await demo.recordConsent([
		{
			phone: contact.phone,
			purposes: 'marketing, back_in_stock',
			status: 'opted_in',
			time: new Date().toISOString(),
		},
	]);
	const before = demo.n8n.executions(BACK_IN_STOCK_WORKFLOW_ID).length;
	const answer = await postJson(demo.n8n.webhookUrl('back-in-stock'), {
		sku: 'TRAIL-RUNNER-2',
		product: 'the Trail Runner 2',
		// A product image the sandbox can download (it fetches header media links, as Meta does).
		image_url: demo.sandbox.sampleUrl('image.png'),
		subscribers: [{ phone: contact.phone, first_name: contact.firstName }, ...others],
	});
	const ended = await demo.n8n.waitForExecutions(BACK_IN_STOCK_WORKFLOW_ID, before + 1);
	return { contact, status: answer.status, execution: ended[ended.length - 1] };
}
