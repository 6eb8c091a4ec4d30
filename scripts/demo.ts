/**
 * `npm start`: the demo. Starts the WhatsApp sandbox and a real n8n with this package installed
 * (as users install it), the sandbox credential and the example workflows, then prints the editor
 * URL, the owner login and three commands to try. Ctrl-C stops everything.
 *
 * The first run installs the pinned n8n into a cache folder (about 5 minutes); later runs start in
 * about half a minute. Each run starts from a fresh n8n user folder.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { startSandbox } from '../sandbox/server';
import { ensureN8nInstalled } from '../tools/n8n/install';
import { startN8n, type N8nInstance, type WorkflowFixture } from '../tools/n8n/n8n';

const ROOT = path.resolve(__dirname, '..');
const OWNER_EMAIL = 'demo@example.com';
const OWNER_PASSWORD = 'WhatsApp-Demo-2026';
/** The credential id the example workflows refer to. */
export const SANDBOX_CREDENTIAL_ID = 'waSandboxCloudApi';
export const SANDBOX_CREDENTIAL_NAME = 'WhatsApp Sandbox';
/**
 * The Webhook Trigger paths of the examples that receive the sandbox's webhooks, as two Meta apps
 * subscribed to one account: each gets every webhook. Both examples confirm a STOP with the same
 * idempotency key (<message id>-opt-out), so the contact gets one confirmation.
 */
const TRIGGER_WEBHOOK_PATHS = ['whatsapp-inbox', 'whatsapp-optout'];

async function portIsFree(port: number): Promise<boolean> {
	return await new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
}

function loadExamples(): WorkflowFixture[] {
	const dir = path.join(ROOT, 'examples');
	return fs
		.readdirSync(dir)
		.filter((file) => file.endsWith('.json'))
		.sort()
		.map((file) => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as WorkflowFixture);
}

async function main(): Promise<void> {
	console.log('Installing n8n for the demo if needed (the first time takes about 5 minutes)...');
	const install = await ensureN8nInstalled();
	// n8n checks the owner's password against this bcrypt hash; bcryptjs comes with n8n.
	const bcrypt = (await import(path.join(install.dir, 'node_modules', 'bcryptjs'))) as {
		hashSync(password: string, rounds: number): string;
	};

	const sandboxPort = (await portIsFree(4010)) ? 4010 : 0;
	const n8nPort = (await portIsFree(5678)) ? 5678 : undefined;
	const sandbox = await startSandbox({ port: sandboxPort });
	const { state } = sandbox;
	// Set once n8n runs; Ctrl-C while it starts stops the sandbox (the harness stops a half-started n8n).
	const running: { n8n?: N8nInstance } = {};

	const stop = async (): Promise<void> => {
		console.log('\nStopping n8n and the sandbox...');
		await running.n8n?.stop();
		await sandbox.close();
		process.exit(0);
	};
	process.once('SIGINT', () => void stop());
	process.once('SIGTERM', () => void stop());

	console.log(`Sandbox running at ${sandbox.url}. Starting n8n with the example workflows...`);
	const n8n = await startN8n({
		port: n8nPort,
		credentials: [
			{
				id: SANDBOX_CREDENTIAL_ID,
				name: SANDBOX_CREDENTIAL_NAME,
				type: 'whatsAppCloudApi',
				data: {
					accessToken: state.options.accessToken,
					businessAccountId: state.businessAccount.id,
					phoneNumberId: state.phoneNumbers[0].id,
					appSecret: state.options.appSecret,
					verifyToken: 'sandbox-verify-token',
					apiVersion: 'v25.0',
					baseUrl: sandbox.url,
				},
			},
		],
		workflows: loadExamples(),
		env: {
			N8N_INSTANCE_OWNER_MANAGED_BY_ENV: 'true',
			N8N_INSTANCE_OWNER_EMAIL: OWNER_EMAIL,
			N8N_INSTANCE_OWNER_PASSWORD_HASH: bcrypt.hashSync(OWNER_PASSWORD, 10),
			N8N_INSTANCE_OWNER_FIRST_NAME: 'Demo',
			N8N_INSTANCE_OWNER_LAST_NAME: 'User',
		},
	});
	running.n8n = n8n;
	sandbox.state.webhookUrls = TRIGGER_WEBHOOK_PATHS.map((trigger) => n8n.webhookUrl(trigger));

	const contact = state.contacts()[0];
	const cli = 'npx whatsapp-sandbox';
	console.log(`
n8n is running with the WhatsApp compliance nodes and the example workflows.

  Editor:    ${n8n.baseUrl}
  Login:     ${OWNER_EMAIL} / ${OWNER_PASSWORD}
  Sandbox:   ${sandbox.url} (webhooks go to ${sandbox.state.webhookUrls.join(' and ')})

Try these in another terminal (${contact.name} is a sandbox contact):

  1. A contact writes; the support inbox replies inside the 24-hour window:
       ${cli} say ${contact.wa_id} "Hi, is the blue jacket back?"
  2. The contact sends STOP; the opt-out is recorded and confirmed:
       ${cli} say ${contact.wa_id} "STOP"
  3. The shop says an item is back in stock; only contacts who opted in to back_in_stock get the
     template. Nobody has yet, so every contact leaves on Skipped with its reason (see the execution):
       curl -X POST ${n8n.webhookUrl('back-in-stock')} -H 'content-type: application/json' -d '{"sku":"TRAIL-RUNNER-2","product":"the Trail Runner 2"}'
  4. A visitor signs up on your web form; the opt-in stays pending until they confirm on WhatsApp:
       curl -X POST ${n8n.webhookUrl('newsletter-signup')} -H 'content-type: application/json' -d '{"phone":"+49 176 12345602","name":"Jonas Weber","consentText":"Yes, send me news and offers from Sandbox Shop on WhatsApp. I can unsubscribe at any time.","pageUrl":"https://shop.example.com/newsletter"}'
       ${cli} tap 4917612345602 "Yes, subscribe"

  See what the sandbox received:   ${cli} sent
Press Ctrl-C to stop everything.`);
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
});
