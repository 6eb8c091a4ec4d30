import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Sandbox } from '../../sandbox/server';
import { bundledSeedInput } from '../../sandbox/seedLoader';
import {
	AVERY_US,
	control,
	LENA,
	PHONE,
	PHONE_US,
	say,
	send,
	startTestSandbox,
	text,
	WABA,
} from './support';

let sandbox: Sandbox;
beforeAll(async () => {
	sandbox = await startTestSandbox();
});
afterAll(() => sandbox.close());
beforeEach(async () => {
	await control(sandbox, 'POST', '/reset');
});

describe('control API', () => {
	it('tells the base URL, account and phone number ids, but no token or secret', async () => {
		const { json } = await control(sandbox, 'GET', '/');
		expect(json).toMatchObject({
			graph_api_url: sandbox.url,
			business_account_id: WABA,
			phone_numbers: [
				expect.objectContaining({ id: PHONE, display_phone_number: '+49 30 57700180' }),
				expect.objectContaining({ id: PHONE_US }),
			],
			webhook_url: null,
		});
		const text = JSON.stringify(json);
		expect(text).not.toContain('test-token');
		expect(text).not.toContain('test-app-secret');
	});

	it('lists the seed contacts: numbers in Germany, the US and Brazil', async () => {
		const { json } = await control(sandbox, 'GET', '/contacts');
		const countries = new Set(json.data.map((c: { country: string }) => c.country));
		expect(countries).toEqual(new Set(['DE', 'US', 'BR']));
	});

	it('adds a contact, who can then be messaged', async () => {
		const added = await control(sandbox, 'POST', '/contacts', {
			wa_id: '+4917000000042',
			name: 'Neu',
			country: 'AT',
		});
		expect(added.json).toEqual({
			wa_id: '4917000000042',
			name: 'Neu',
			country: 'AT',
			marketing: 'active',
		});
		await say(sandbox, '4917000000042');
		expect((await send(sandbox, text('4917000000042'))).status).toBe(200);
	});

	it('rejects a wa_id that is not a number with 400 and the reason', async () => {
		const answer = await control(sandbox, 'POST', '/contacts', { wa_id: 'abc' });
		expect(answer.status).toBe(400);
		expect(answer.json.error.message).toContain('wa_id');
	});

	it('answers 404 for a message from someone who is not a contact, saying how to add them', async () => {
		const answer = await control(sandbox, 'POST', '/contacts/4910000000000/say', { text: 'Hi' });
		expect(answer.status).toBe(404);
		expect(answer.json.error.message).toContain('add-contact');
	});

	it('rejects an "ago" that is not a duration with 400', async () => {
		const answer = await control(sandbox, 'POST', `/contacts/${LENA}/say`, {
			text: 'Hi',
			ago: 'yesterday',
		});
		expect(answer.status).toBe(400);
		expect(answer.json.error.message).toContain('25h');
	});

	it('answers 404 for a tap when no template was sent, and names the buttons when the tap does not match', async () => {
		expect((await control(sandbox, 'POST', `/contacts/${LENA}/tap`, { payload: 'x' })).status).toBe(
			404,
		);
		await send(sandbox, {
			to: `+${LENA}`,
			type: 'template',
			template: {
				name: 'consent_confirmation',
				language: { code: 'en' },
				components: [
					{
						type: 'body',
						parameters: [
							{ type: 'text', parameter_name: 'first_name', text: 'Lena' },
							{ type: 'text', parameter_name: 'business_name', text: 'Sandbox Shop' },
						],
					},
				],
			},
		});
		const wrong = await control(sandbox, 'POST', `/contacts/${LENA}/tap`, { payload: 'Maybe' });
		expect(wrong.status).toBe(404);
		expect(wrong.json.error.message).toContain('"Yes, subscribe"');
		const right = await control(sandbox, 'POST', `/contacts/${LENA}/tap`, {
			payload: 'yes, subscribe',
		});
		expect(right.json.message).toMatchObject({
			type: 'button',
			button: { text: 'Yes, subscribe', payload: 'Yes, subscribe' },
		});
	});

	it('lists what was sent, filtered by contact', async () => {
		await say(sandbox, LENA);
		await say(sandbox, AVERY_US);
		await send(sandbox, text(LENA, 'for Lena'));
		await send(sandbox, text(AVERY_US, 'for Avery'));
		const all = await control(sandbox, 'GET', '/sent');
		const lena = await control(sandbox, 'GET', `/sent?to=${LENA}`);
		expect(all.json.data).toHaveLength(2);
		expect(lena.json.data).toEqual([
			expect.objectContaining({
				to: LENA,
				type: 'text',
				summary: 'text "for Lena"',
				window_open: true,
			}),
		]);
	});

	it('returns only the last N entries with limit', async () => {
		await say(sandbox, LENA);
		await send(sandbox, text(LENA, 'one'));
		await send(sandbox, text(LENA, 'two'));
		const { json } = await control(sandbox, 'GET', '/sent?limit=1');
		expect(json.data.map((m: { summary: string }) => m.summary)).toEqual(['text "two"']);
		expect((await control(sandbox, 'GET', '/webhooks?limit=0')).status).toBe(400);
	});

	it('reloads an edited seed file on reset, and reports an invalid one with 400', async () => {
		const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-seed-')), 'seed.json');
		fs.writeFileSync(file, JSON.stringify(bundledSeedInput()));
		const fromFile = await startTestSandbox({ seed: file });
		try {
			const edited = bundledSeedInput();
			edited.contacts = [{ wa_id: '4917099990000', name: 'Only One', country: 'DE' }];
			fs.writeFileSync(file, JSON.stringify(edited));
			expect((await control(fromFile, 'POST', '/reset')).status).toBe(200);
			expect(fromFile.state.contacts().map((c) => c.wa_id)).toEqual(['4917099990000']);
			fs.writeFileSync(file, '{ broken');
			const broken = await control(fromFile, 'POST', '/reset');
			expect(broken.status).toBe(400);
			expect(broken.json.error.message).toContain('is not JSON');
		} finally {
			await fromFile.close();
		}
	});

	it("changes a template's status in one language only when asked", async () => {
		const answer = await control(sandbox, 'POST', '/templates/back_in_stock/status', {
			status: 'PAUSED',
			language: 'de',
		});
		expect(answer.json.data).toEqual([{ name: 'back_in_stock', language: 'de', status: 'PAUSED' }]);
		const templates = (await control(sandbox, 'GET', '/templates')).json.data;
		expect(
			templates
				.filter((t: { name: string }) => t.name === 'back_in_stock')
				.map((t: { status: string }) => t.status),
		).toEqual(['APPROVED', 'PAUSED']);
	});

	it('answers 404 for an unknown template and 400 for an unknown status', async () => {
		expect(
			(await control(sandbox, 'POST', '/templates/nope/status', { status: 'PAUSED' })).status,
		).toBe(404);
		expect(
			(await control(sandbox, 'POST', '/templates/order_update/status', { status: 'ASLEEP' }))
				.status,
		).toBe(400);
	});

	it('resets to the seed: contacts, statuses, windows and logs', async () => {
		await control(sandbox, 'POST', '/contacts', { wa_id: '4917000000042' });
		await control(sandbox, 'POST', '/templates/order_update/status', { status: 'DISABLED' });
		await say(sandbox, LENA);
		await send(sandbox, text(LENA));
		await control(sandbox, 'POST', '/reset');
		expect(sandbox.state.contact('4917000000042')).toBeUndefined();
		expect(
			sandbox.state.templates().find((t) => t.definition.name === 'order_update')?.status,
		).toBe('APPROVED');
		expect(sandbox.state.windowOpen(PHONE, LENA)).toBe(false);
		expect((await control(sandbox, 'GET', '/sent')).json.data).toEqual([]);
	});

	it('sets and clears the webhook URL, refusing one that is not http(s)', async () => {
		expect(
			(await control(sandbox, 'PUT', '/webhook-url', { url: 'http://127.0.0.1:5678/webhook/x' }))
				.json,
		).toEqual({
			webhook_url: 'http://127.0.0.1:5678/webhook/x',
		});
		expect((await control(sandbox, 'PUT', '/webhook-url', { url: 'ftp://x' })).status).toBe(400);
		expect((await control(sandbox, 'PUT', '/webhook-url', { url: null })).json).toEqual({
			webhook_url: null,
		});
	});

	it('answers 404 with a hint for paths it does not have', async () => {
		const answer = await control(sandbox, 'GET', '/nothing-here');
		expect(answer.status).toBe(404);
		expect(answer.json.error.message).toContain('/_sandbox/');
	});
});
