/**
 * `npm start`: the demo. Starts the WhatsApp sandbox and a real n8n with this package installed
 * (as users install it), the sandbox credential and the example workflows, then prints the editor
 * URL, the owner login and commands to try.
 *
 * Stops everything (n8n, its task runner, the sandbox) and removes its temp folders on Ctrl-C, on
 * SIGINT, SIGTERM or SIGHUP to `npm start` or to this process, when `npm start` ends (killed), when
 * n8n ends by itself (a signal to it, a crash) and when n8n's task runner gets SIGINT or SIGTERM. The first run installs the pinned n8n into a cache folder
 * (about 5 minutes); later runs start in about half a minute from a fresh n8n user folder.
 */
import {
	consentCommand,
	daytimeContact,
	portIsFree,
	startDemo,
	type Demo,
} from '../tools/n8n/demo';
import type { N8nInstance } from '../tools/n8n/n8n';
import { reapStaleRuns } from '../tools/n8n/processes';

const SANDBOX_PORT = 4010;
const N8N_PORT = 5678;

let demo: Demo | undefined;
let stopping = false;

async function stopAll(why: string, exitCode: number): Promise<void> {
	if (stopping) return;
	stopping = true;
	console.log(`\n${why}: stopping n8n and the sandbox...`);
	// A second signal while stopping must not leave n8n behind: the harness kills it at exit.
	const force = setTimeout(() => process.exit(exitCode), 20_000);
	try {
		await demo?.stop();
	} finally {
		clearTimeout(force);
		process.exit(exitCode);
	}
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
	process.on(signal, () => void stopAll(`Got ${signal}`, 0));
}

/**
 * `npm start` ended without passing a signal on (npm forwards SIGINT and SIGTERM, but dies of
 * SIGHUP or SIGKILL): this process has a new parent then. Nobody is left to stop the demo.
 */
const parent = process.ppid;
setInterval(() => {
	if (process.ppid !== parent) void stopAll('npm start ended', 0);
}, 500).unref();

/**
 * The line n8n's task runner prints when it gets SIGINT or SIGTERM, as n8n forwards it
 * (`[runnner:js] Received SIGTERM signal, shutting down...`; n8n spells it with three n's).
 */
const RUNNER_SIGNALLED = /^\[[^\]\n]*runn+er[^\]\n]*\] Received (SIG[A-Z]+) signal/m;

/**
 * n8n starts its task runner again whenever the runner ends and n8n is not stopping itself, so a
 * signal to the runner alone would leave everything running. The runner says when it got one:
 * stop everything then. (n8n's own restarts of a stuck runner use SIGKILL and print no such line.)
 */
function watchTaskRunner(n8n: N8nInstance): void {
	let seen = n8n.logs().length;
	const timer = setInterval(() => {
		const logs = n8n.logs();
		// Whole lines only: the rest of a line may still be on its way.
		const end = logs.lastIndexOf('\n') + 1;
		if (end <= seen) return;
		const signalled = RUNNER_SIGNALLED.exec(logs.slice(seen, end));
		seen = end;
		if (signalled) {
			clearInterval(timer);
			void stopAll(`n8n's task runner got ${signalled[1]}`, 0);
		}
	}, 500);
	timer.unref();
}

async function main(): Promise<void> {
	// A demo killed with SIGKILL could not stop n8n; its run record says what is left (also what
	// a killed test run left). Stopped here so that it does not hold the ports.
	const reaped = reapStaleRuns();
	if (reaped > 0) console.log(`Stopped ${reaped} process(es) that a killed demo or test run left.`);
	demo = await startDemo({
		sandboxPort: (await portIsFree(SANDBOX_PORT)) ? SANDBOX_PORT : 0,
		n8nPort: (await portIsFree(N8N_PORT)) ? N8N_PORT : undefined,
		log: (line) => console.log(line),
	});
	if (stopping) return;
	const { n8n, sandbox, owner } = demo;
	// n8n ended without us (a signal to it, a crash): end the rest too.
	void n8n.exited.then(({ code, signal }) => {
		const stoppedOnPurpose = code === 0 || signal === 'SIGINT' || signal === 'SIGTERM';
		return stopAll(`n8n ended (${signal ?? `exit code ${code}`})`, stoppedOnPurpose ? 0 : 1);
	});
	watchTaskRunner(n8n);

	const [lena] = sandbox.state.contacts();
	// Marketing templates wait during the night (quiet hours, 21:00-08:00 in the contact's time
	// zone): step 2 uses a contact for whom it is day now, so that one item lands on Sent.
	const shopper = await daytimeContact(sandbox);
	const jonas = { phone: '+49 176 12345602', first_name: 'Jonas' };
	// The product image: the sandbox downloads header media links as Meta does, and serves a sample.
	const shop = JSON.stringify({
		sku: 'TRAIL-RUNNER-2',
		product: 'the Trail Runner 2',
		image_url: sandbox.sampleUrl('image.png'),
		subscribers: [{ phone: shopper.phone, first_name: shopper.firstName }, jonas],
	});
	const shopperName =
		sandbox.state.contacts().find((contact) => contact.wa_id === shopper.waId)?.name ??
		shopper.firstName;
	const names = [...new Set([lena.name, shopperName])];
	const contacts =
		names.length > 1
			? `${names.join(' and ')} are sandbox contacts`
			: `${names[0]} is a sandbox contact`;
	const cli =
		sandbox.port === SANDBOX_PORT
			? 'npx whatsapp-sandbox'
			: `npx whatsapp-sandbox --url ${sandbox.url}`;
	console.log(`
n8n is running with the WhatsApp compliance nodes and the example workflows.

  Editor:    ${n8n.baseUrl}
  Login:     ${owner.email} / ${owner.password}
  Sandbox:   ${sandbox.url} (its Meta app's one callback URL: ${sandbox.state.webhookUrl})

Try these in another terminal in this folder (${contacts}):

  1. A contact writes; the support inbox replies inside the 24-hour window:
       ${cli} say ${lena.wa_id} "Hi, is the blue jacket back?"
  2. The shop says an item is back in stock; only contacts who opted in to back_in_stock get the
     template, the others leave on Skipped with the reason. Nobody has opted in yet: opt in
     ${shopper.firstName} (${shopper.phone}, daytime there now) through the workflow "Demo helper:
     record consent rows", then call the shop webhook for ${shopper.firstName} and Jonas and open the
     execution in the editor (the workflow's Executions tab): ${shopper.firstName} on Sent, Jonas on
     Skipped (no_consent).
       ${consentCommand(n8n, shopper.phone, 'back_in_stock')}
       curl -X POST ${n8n.webhookUrl('back-in-stock')} -H 'content-type: application/json' -d '${shop}'
     Without "subscribers" the workflow uses its demo list. Between 21:00 and 08:00 in a contact's
     time zone the template waits on Skipped (quiet_hours, with retryAt).
  3. ${shopper.firstName} taps "Stop promotions" on that template: marketing stops for them:
       ${cli} tap ${shopper.waId} "Stop promotions"
  4. ${lena.name} sends STOP; the opt-out is recorded and confirmed:
       ${cli} say ${lena.wa_id} "STOP"
  5. A visitor signs up on your web form; the opt-in stays pending until they confirm on WhatsApp:
       curl -X POST ${n8n.webhookUrl('newsletter-signup')} -H 'content-type: application/json' -d '{"phone":"+49 176 12345602","name":"Jonas Weber","consentText":"Yes, send me news and offers from Sandbox Shop on WhatsApp. I can unsubscribe at any time.","pageUrl":"https://shop.example.com/newsletter"}'
       ${cli} tap 4917612345602 "Yes, subscribe"
  6. The AI support agent (workflow "AI support agent on WhatsApp") is imported but not published:
     it needs a chat model. Add your OpenAI API key (or an OpenAI-compatible server's Base URL) to
     the credential "OpenAI (add your API key)", unpublish "Support inbox with template fallback"
     (both would answer every message) and publish the agent.

  See what the sandbox received:   ${cli} sent
Press Ctrl-C to stop everything.`);
}

main().catch(async (error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	await stopAll('The demo could not start', 1);
});
