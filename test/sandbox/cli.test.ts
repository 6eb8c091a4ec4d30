import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { Sandbox } from '../../sandbox/server';
import {
	backInStock,
	control,
	inboundOf,
	LENA,
	PHONE,
	PHONE_US,
	type Receiver,
	send,
	startReceiver,
	startTestSandbox,
	valuesOf,
	waitFor,
} from './support';

const ROOT = path.resolve(__dirname, '../..');
const CLI = [
	'--require',
	path.join(ROOT, 'scripts/register-ts.js'),
	path.join(ROOT, 'sandbox/cli.ts'),
];

interface Run {
	readonly code: number | null;
	readonly stdout: string;
	readonly stderr: string;
}

/** Runs the CLI as users do, in its own Node process, against `url`. */
function run(
	args: string[],
	options: { url?: string | null; env?: Record<string, string> } = {},
): Promise<Run> {
	const urlArgs = options.url === null ? [] : ['--url', options.url ?? sandbox.url];
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [...CLI, ...args, ...urlArgs], {
			cwd: ROOT,
			env: { ...process.env, WA_SANDBOX_URL: '', ...options.env },
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
		child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
		child.on('error', reject);
		child.on('close', (code) => resolve({ code, stdout, stderr }));
	});
}

let sandbox: Sandbox;
let receiver: Receiver;
beforeAll(async () => {
	receiver = await startReceiver();
	sandbox = await startTestSandbox({ webhookUrl: receiver.url });
});
afterAll(async () => {
	await sandbox.close();
	await receiver.close();
});
beforeEach(async () => {
	await control(sandbox, 'POST', '/reset');
	receiver.reset();
});

describe('whatsapp-sandbox CLI', () => {
	it('say: the contact sends a text, which arrives as a webhook and opens the window', async () => {
		const result = await run(['say', LENA, 'Is the blue one back?']);
		expect(result).toMatchObject({ code: 0, stderr: '' });
		expect(result.stdout).toContain(`${LENA} said "Is the blue one back?"`);
		await waitFor(
			() => inboundOf(receiver).find((m) => m.text?.body === 'Is the blue one back?'),
			'the message',
		);
		expect(sandbox.state.windowOpen(PHONE, LENA)).toBe(true);
	});

	it('say --ago 25h: a backdated message leaves the window closed', async () => {
		expect((await run(['say', LENA, 'old news', '--ago', '25h'])).code).toBe(0);
		expect(sandbox.state.windowOpen(PHONE, LENA)).toBe(false);
	});

	it('say --from-ad: the message carries a click-to-WhatsApp referral', async () => {
		expect((await run(['say', LENA, 'from the ad', '--from-ad'])).code).toBe(0);
		const message = await waitFor(
			() => inboundOf(receiver).find((m) => m.text?.body === 'from the ad'),
			'the message',
		);
		expect(message.referral.ctwa_clid).toEqual(expect.any(String));
	});

	it('tap: a quick-reply tap on the last template sent to the contact', async () => {
		const template = await send(sandbox, backInStock(LENA, sandbox.sampleUrl('image.png')));
		const result = await run(['tap', LENA, 'Stop promotions']);
		expect(result.code).toBe(0);
		const tap = await waitFor(
			() => inboundOf(receiver).find((m) => m.type === 'button'),
			'the tap',
		);
		expect(tap).toMatchObject({
			button: { text: 'Stop promotions' },
			context: { id: template.json.messages[0].id },
		});
	});

	it('choose and button: replies to the last list and reply-button messages', async () => {
		await control(sandbox, 'POST', `/contacts/${LENA}/say`, { text: 'menu' });
		await send(sandbox, {
			to: `+${LENA}`,
			type: 'interactive',
			interactive: {
				type: 'list',
				body: { text: 'Pick' },
				action: { button: 'Open', sections: [{ rows: [{ id: 'r1', title: 'Row one' }] }] },
			},
		});
		await send(sandbox, {
			to: `+${LENA}`,
			type: 'interactive',
			interactive: {
				type: 'button',
				body: { text: 'OK?' },
				action: { buttons: [{ type: 'reply', reply: { id: 'b1', title: 'Yes' } }] },
			},
		});
		expect((await run(['choose', LENA, 'r1'])).code).toBe(0);
		expect((await run(['button', LENA, 'b1'])).code).toBe(0);
		await waitFor(
			() => inboundOf(receiver).find((m) => m.interactive?.list_reply?.id === 'r1'),
			'the list reply',
		);
		await waitFor(
			() => inboundOf(receiver).find((m) => m.interactive?.button_reply?.id === 'b1'),
			'the button reply',
		);
	});

	it("stop-marketing and resume-marketing: the contact's state and user_preferences webhooks", async () => {
		const stop = await run(['stop-marketing', LENA]);
		expect(stop.stdout).toContain('stopped');
		expect(sandbox.state.contact(LENA)?.marketing).toBe('stopped');
		await run(['resume-marketing', LENA]);
		expect(sandbox.state.contact(LENA)?.marketing).toBe('active');
		const values = await waitFor(() => {
			const found = valuesOf(receiver, 'user_preferences');
			return found.length === 2 && found;
		}, 'two user_preferences webhooks');
		expect(values.map((v) => v.user_preferences[0].value).sort()).toEqual(['resume', 'stop']);
	});

	it('pause-template --language, approve-template and disable-template change the status', async () => {
		const paused = await run(['pause-template', 'back_in_stock', '--language', 'de']);
		expect(paused.stdout.trim()).toBe('template back_in_stock (de): PAUSED');
		expect((await run(['approve-template', 'back_in_stock'])).stdout).toContain('(de): APPROVED');
		expect((await run(['disable-template', 'order_update'])).stdout).toContain(
			'order_update (en): DISABLED',
		);
	});

	it("messaging-limit, number-quality, template-quality, account and billing: the portfolio's standing", async () => {
		const limit = await run(['messaging-limit', '250']);
		expect(limit).toMatchObject({ code: 0, stderr: '' });
		expect(limit.stdout.trim()).toBe(
			'messaging limit TIER_250 (0 contacts reached in the last 24 hours)',
		);
		expect((await run(['number-quality', 'RED'])).stdout.trim()).toBe(
			`phone number ${PHONE}: quality RED`,
		);
		const us = await run(['number-quality', 'YELLOW', '--phone', PHONE_US]);
		expect(us.stdout.trim()).toBe(`phone number ${PHONE_US}: quality YELLOW`);
		const template = await run(['template-quality', 'back_in_stock', 'RED', '--language', 'de']);
		expect(template.stdout.trim()).toBe('template back_in_stock (de): quality RED');
		expect(JSON.parse((await run(['account'])).stdout)).toEqual({
			messaging_limit: 'TIER_250',
			reached_24h: 0,
			phone_numbers: [
				expect.objectContaining({ id: PHONE, quality_rating: 'RED' }),
				expect.objectContaining({ id: PHONE_US, quality_rating: 'YELLOW' }),
			],
		});
		await waitFor(
			() =>
				valuesOf(receiver, 'business_capability_update').length === 1 &&
				valuesOf(receiver, 'phone_number_quality_update').length === 1 &&
				valuesOf(receiver, 'message_template_quality_update').length === 1,
			'the three webhooks',
		);
		const billing = JSON.parse((await run(['billing', '--time-zone', 'Europe/Berlin'])).stdout);
		expect(billing).toEqual({
			time_zone: 'Europe/Berlin',
			data: [],
			totals: { messages: 0, billable: 0 },
		});
		const refused = await run(['messaging-limit', 'lots']);
		expect(refused.code).toBe(1);
		expect(refused.stderr).toContain("limit must be one of Meta's messaging limits");
	});

	it('sent --to: what was sent to one contact, as JSON', async () => {
		await control(sandbox, 'POST', `/contacts/${LENA}/say`, { text: 'hi' });
		await send(sandbox, { to: `+${LENA}`, type: 'text', text: { body: 'Hello Lena' } });
		const result = await run(['sent', '--to', LENA]);
		const sent = JSON.parse(result.stdout);
		expect(sent).toEqual([expect.objectContaining({ to: LENA, summary: 'text "Hello Lena"' })]);
	});

	it('add-contact and contacts', async () => {
		const added = await run([
			'add-contact',
			'+4917011112222',
			'--name',
			'Mia Hoffmann',
			'--country',
			'DE',
		]);
		expect(added.stdout).toContain('contact 4917011112222 (Mia Hoffmann, DE) added');
		const contacts = JSON.parse((await run(['contacts'])).stdout);
		expect(contacts).toContainEqual(
			expect.objectContaining({ wa_id: '4917011112222', name: 'Mia Hoffmann' }),
		);
	});

	it("webhooks: the delivery log with each attempt's HTTP status", async () => {
		await run(['say', LENA, 'logged']);
		await waitFor(
			() => sandbox.state.webhookDeliveries().find((d) => d.state === 'delivered'),
			'the delivery',
		);
		const log = JSON.parse((await run(['webhooks'])).stdout);
		expect(log[0]).toMatchObject({
			field: 'messages',
			state: 'delivered',
			attempts: [expect.objectContaining({ status: 200 })],
		});
	});

	it('webhook-url: one URL, several (each gets every webhook) or none', async () => {
		const second = 'http://127.0.0.1:9/second-app';
		try {
			const several = await run(['webhook-url', receiver.url, second]);
			expect(several.stdout).toContain(`webhooks go to ${receiver.url} and ${second}`);
			expect(sandbox.state.webhookUrls).toEqual([receiver.url, second]);
			expect((await run(['webhook-url', 'none'])).stdout).toContain('nowhere');
			expect(sandbox.state.webhookUrls).toEqual([]);
		} finally {
			sandbox.state.webhookUrl = receiver.url;
		}
	});

	it('reset: back to the seed', async () => {
		await run(['add-contact', '4917011113333']);
		expect((await run(['reset'])).stdout).toContain('reset');
		expect(sandbox.state.contact('4917011113333')).toBeUndefined();
	});

	it('reads the sandbox URL from WA_SANDBOX_URL', async () => {
		const result = await run(['contacts'], { url: null, env: { WA_SANDBOX_URL: sandbox.url } });
		expect(result.code).toBe(0);
	});

	it("exits 1 with the sandbox's message for a contact it does not know", async () => {
		const result = await run(['say', '4910000000000', 'hello']);
		expect(result.code).toBe(1);
		expect(result.stderr).toContain('not a sandbox contact');
	});

	it('exits 1 saying how to start a sandbox when none answers', async () => {
		const result = await run(['contacts'], { url: 'http://127.0.0.1:9' });
		expect(result.code).toBe(1);
		expect(result.stderr).toContain('whatsapp-sandbox start');
	});

	it('exits 2 for an unknown command and for missing arguments', async () => {
		expect((await run(['fly'])).code).toBe(2);
		const missing = await run(['say', LENA]);
		expect(missing.code).toBe(2);
		expect(missing.stderr).toContain('Usage: whatsapp-sandbox say');
	});
});

describe('whatsapp-sandbox start', () => {
	let child: ChildProcess | undefined;
	afterEach(() => {
		if (child?.pid !== undefined && child.exitCode === null) child.kill('SIGTERM');
	});

	it('prints the base URL, token, account and phone number ids, and serves until stopped', async () => {
		child = spawn(process.execPath, [...CLI, 'start', '--port', '0', '--quiet'], { cwd: ROOT });
		let stdout = '';
		child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
		const url = await waitFor(
			() => /listening on (http:\/\/\S+)/.exec(stdout)?.[1],
			'the start banner',
			15000,
		);
		await waitFor(() => stdout.includes('Stop with Ctrl+C'), 'the whole banner');
		expect(stdout).toContain('Access token:                 sandbox-token');
		expect(stdout).toContain('WhatsApp Business Account ID: 240117385066184');
		expect(stdout).toContain(`Phone number ID:              ${PHONE}`);
		const info = await run(['info'], { url });
		expect(JSON.parse(info.stdout)).toMatchObject({
			graph_api_url: url,
			business_account_id: '240117385066184',
		});
		const exited = new Promise((resolve) => child?.once('exit', resolve));
		child.kill('SIGTERM');
		expect(await exited).toBe(0);
	});

	it('starts with the messaging limit given', async () => {
		child = spawn(
			process.execPath,
			[...CLI, 'start', '--port', '0', '--quiet', '--messaging-limit', 'TIER_10K'],
			{ cwd: ROOT },
		);
		let stdout = '';
		child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
		const url = await waitFor(
			() => /listening on (http:\/\/\S+)/.exec(stdout)?.[1],
			'the start banner',
			15000,
		);
		expect(JSON.parse((await run(['account'], { url })).stdout).messaging_limit).toBe('TIER_10K');
	});

	it('does not echo a token given on the command line', async () => {
		child = spawn(
			process.execPath,
			[...CLI, 'start', '--port', '0', '--quiet', '--token', 'my-secret-token'],
			{ cwd: ROOT },
		);
		let stdout = '';
		child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
		await waitFor(() => stdout.includes('Stop with Ctrl+C'), 'the banner', 15000);
		expect(stdout).not.toContain('my-secret-token');
		expect(stdout).toContain('(the value of --token)');
	});
});
