import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sandbox } from '../../sandbox/server';
import {
	api,
	AVERY_US,
	control,
	inboundOf,
	JOAO_BR,
	type Json,
	LENA,
	PHONE,
	type Receiver,
	say,
	send,
	startReceiver,
	startTestSandbox,
	statusesOf,
	text,
	unparsedChanges,
	valuesOf,
	verify,
	waitFor,
	waitForStatus,
	WABA,
} from './support';

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

const positional = (...values: string[]) => values.map((t) => ({ type: 'text', text: t }));
const orderUpdate = (to = LENA) => ({
	to: `+${to}`,
	type: 'template',
	template: {
		name: 'order_update',
		language: { code: 'en' },
		components: [
			{ type: 'header', parameters: positional('A-1') },
			{ type: 'body', parameters: positional('Lena', 'A-1', 'Friday') },
			{ type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'A-1' }] },
		],
	},
});
const backInStock = (to = LENA) => ({
	to: `+${to}`,
	type: 'template',
	template: {
		name: 'back_in_stock',
		language: { code: 'en' },
		components: [
			{
				type: 'header',
				parameters: [{ type: 'image', image: { link: sandbox.sampleUrl('image.png') } }],
			},
			{
				type: 'body',
				parameters: [
					{ type: 'text', parameter_name: 'first_name', text: 'Lena' },
					{ type: 'text', parameter_name: 'product', text: 'Boots' },
					{ type: 'text', parameter_name: 'ship_date', text: 'Friday' },
				],
			},
			{
				type: 'button',
				sub_type: 'quick_reply',
				index: '0',
				parameters: [{ type: 'payload', payload: 'STOP_PROMO' }],
			},
		],
	},
});

async function wamidOf(body: Json): Promise<string> {
	const answer = await send(sandbox, body);
	if (answer.status !== 200) throw new Error(JSON.stringify(answer.json));
	return answer.json.messages[0].id;
}

describe('signatures', () => {
	it('signs every webhook with HMAC-SHA256 of the raw bytes and the app secret', async () => {
		await say(sandbox, JOAO_BR, 'Olá, tudo bem? 👋');
		const id = await wamidOf(text(JOAO_BR, 'Tudo ótimo!'));
		await waitForStatus(receiver, id, 'read');
		expect(receiver.received.length).toBeGreaterThan(3);
		expect(receiver.received.every((r) => r.verified)).toBe(true);
	});

	it('escapes the bytes as Meta does, so a re-serialised non-ASCII payload no longer matches the signature', async () => {
		const id = await say(sandbox, JOAO_BR, 'Olá / até já');
		const webhook = await waitFor(
			() =>
				receiver.received.find((r) => r.json.entry[0].changes[0].value.messages?.[0]?.id === id),
			'the message from João',
		);
		const raw = webhook.raw.toString('utf8');
		expect(raw).toContain('Jo\\u00e3o Pereira');
		expect(raw).toContain('Ol\\u00e1 \\/ at\\u00e9 j\\u00e1');
		expect(verify(webhook.raw, webhook.signature)).toBe(true);
		const reserialised = JSON.stringify(JSON.parse(raw));
		expect(verify(reserialised, webhook.signature)).toBe(false);
	});

	it("sends no webhook the project's parser cannot read", async () => {
		await say(sandbox, LENA, 'Hello', { from_ad: true });
		const id = await wamidOf(backInStock());
		await waitForStatus(receiver, id, 'read');
		await control(sandbox, 'POST', `/contacts/${LENA}/tap`, { payload: 'STOP_PROMO' });
		await control(sandbox, 'POST', `/contacts/${LENA}/marketing`, { value: 'stop' });
		await control(sandbox, 'POST', '/templates/back_in_stock/status', { status: 'PAUSED' });
		await waitFor(
			() => valuesOf(receiver, 'message_template_status_update').length >= 2,
			'template updates',
		);
		for (const webhook of receiver.received) expect(unparsedChanges(webhook.raw)).toEqual([]);
	});
});

describe('delivery and retries', () => {
	it('retries a webhook not answered with 200 until it is, with the same bytes and signature', async () => {
		let refused = 0;
		receiver.answer = (_index, raw) => (raw.includes('retry me') && refused++ < 2 ? 500 : 200);
		await say(sandbox, LENA, 'retry me');
		const delivery = await waitFor(
			() =>
				sandbox.state
					.webhookDeliveries()
					.find((d) => d.body.includes('retry me') && d.state === 'delivered'),
			'the delivery to succeed',
		);
		expect(delivery.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
		const copies = receiver.received.filter((r) => r.raw.includes('retry me'));
		expect(copies.map((r) => r.raw.toString('utf8'))).toEqual([
			delivery.body,
			delivery.body,
			delivery.body,
		]);
		expect(new Set(copies.map((r) => r.signature))).toEqual(new Set([delivery.signature]));
		expect(copies.every((r) => r.verified)).toBe(true);
	});

	it('counts only HTTP 200 as delivered (a 204 is retried)', async () => {
		let refused = 0;
		receiver.answer = (_index, raw) => (raw.includes('no content') && refused++ < 1 ? 204 : 200);
		await say(sandbox, LENA, 'no content');
		const delivery = await waitFor(
			() =>
				sandbox.state
					.webhookDeliveries()
					.find((d) => d.body.includes('no content') && d.state === 'delivered'),
			'the delivery',
		);
		expect(delivery.attempts.map((a) => a.status)).toEqual([204, 200]);
	});

	it('gives a delivery up after the last retry of the schedule, recording every attempt', async () => {
		receiver.answer = () => 503;
		await say(sandbox, LENA, 'never acknowledged');
		const delivery = await waitFor(
			() =>
				sandbox.state
					.webhookDeliveries()
					.find((d) => d.body.includes('never acknowledged') && d.state === 'failed'),
			'the delivery to be given up',
		);
		// The first attempt plus one per entry of the schedule (three in these tests).
		expect(delivery.attempts.map((a) => a.status)).toEqual([503, 503, 503, 503]);
	});

	it('records an attempt that got no answer and retries it', async () => {
		const closed = http.createServer();
		await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
		const port = (closed.address() as AddressInfo).port;
		await new Promise<void>((resolve) => closed.close(() => resolve()));
		await control(sandbox, 'PUT', '/webhook-url', { url: `http://127.0.0.1:${port}/gone` });
		try {
			await say(sandbox, LENA, 'nobody home');
			const delivery = await waitFor(
				() => sandbox.state.webhookDeliveries().find((d) => d.attempts.length >= 2),
				'two attempts',
			);
			expect(delivery.attempts[0]).toMatchObject({ error: expect.any(String) });
			expect(delivery.attempts[0].status).toBeUndefined();
		} finally {
			await control(sandbox, 'PUT', '/webhook-url', { url: receiver.url });
		}
	});

	it('sends nothing without a webhook URL, and says so in the log', async () => {
		await control(sandbox, 'PUT', '/webhook-url', { url: null });
		try {
			await say(sandbox, LENA);
			const [delivery] = sandbox.state.webhookDeliveries();
			expect(delivery).toMatchObject({
				state: 'not_sent',
				attempts: [],
				reason: expect.stringContaining('webhook URL'),
			});
		} finally {
			await control(sandbox, 'PUT', '/webhook-url', { url: receiver.url });
		}
	});

	it('sends nothing while the app is unsubscribed from the account', async () => {
		await api(sandbox, 'DELETE', `/${WABA}/subscribed_apps`);
		await say(sandbox, LENA);
		expect(sandbox.state.webhookDeliveries()[0]).toMatchObject({
			state: 'not_sent',
			reason: expect.stringContaining('subscribed'),
		});
	});
});

describe('several webhook URLs (several apps subscribed to the account)', () => {
	let other: Receiver;
	beforeAll(async () => {
		other = await startReceiver();
	});
	afterAll(async () => {
		await other.close();
	});
	beforeEach(async () => {
		other.reset();
		await control(sandbox, 'PUT', '/webhook-urls', { urls: [receiver.url, other.url] });
	});
	afterEach(async () => {
		await control(sandbox, 'PUT', '/webhook-url', { url: receiver.url });
	});

	const copiesOf = (to: Receiver, marker: string) =>
		to.received.filter((r) => r.raw.includes(marker));

	it('posts every webhook to each URL as its own delivery, with the same signed bytes', async () => {
		await say(sandbox, LENA, 'to both apps');
		const deliveries = await waitFor(() => {
			const mine = sandbox.state.webhookDeliveries().filter((d) => d.body.includes('to both apps'));
			return mine.length === 2 && mine.every((d) => d.state === 'delivered') && mine;
		}, 'both deliveries');
		expect(deliveries.map((d) => d.target)).toEqual([0, 1]);
		expect(deliveries.map((d) => d.attempts.map((a) => a.url))).toEqual([
			[receiver.url],
			[other.url],
		]);
		const [first, second] = [copiesOf(receiver, 'to both apps'), copiesOf(other, 'to both apps')];
		expect([first.length, second.length]).toEqual([1, 1]);
		expect(second[0].raw.equals(first[0].raw)).toBe(true);
		expect(second[0].signature).toBe(first[0].signature);
		expect(first[0].verified && second[0].verified).toBe(true);
	});

	it('retries only the URL that did not answer 200; the other gets one copy', async () => {
		let refused = 0;
		other.answer = (_index, raw) => (raw.includes('one app down') && refused++ < 2 ? 500 : 200);
		await say(sandbox, LENA, 'one app down');
		const retried = await waitFor(
			() =>
				sandbox.state
					.webhookDeliveries()
					.find(
						(d) => d.target === 1 && d.body.includes('one app down') && d.state === 'delivered',
					),
			'the retried delivery',
		);
		expect(retried.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
		const answered = sandbox.state
			.webhookDeliveries()
			.find((d) => d.target === 0 && d.body.includes('one app down'));
		expect(answered?.attempts.map((a) => a.status)).toEqual([200]);
		expect(copiesOf(receiver, 'one app down')).toHaveLength(1);
		expect(copiesOf(other, 'one app down')).toHaveLength(3);
	});

	it('lists the URLs in GET /_sandbox/; PUT webhook-url replaces them with one, [] sends nothing', async () => {
		expect((await control(sandbox, 'GET', '/')).json).toMatchObject({
			webhook_url: receiver.url,
			webhook_urls: [receiver.url, other.url],
		});
		expect((await control(sandbox, 'PUT', '/webhook-url', { url: other.url })).json).toEqual({
			webhook_url: other.url,
		});
		expect(sandbox.state.webhookUrls).toEqual([other.url]);

		expect((await control(sandbox, 'PUT', '/webhook-urls', { urls: [] })).json).toEqual({
			webhook_urls: [],
		});
		await say(sandbox, LENA, 'nobody subscribed');
		expect(
			sandbox.state.webhookDeliveries().filter((d) => d.body.includes('nobody subscribed')),
		).toEqual([
			expect.objectContaining({ state: 'not_sent', reason: expect.stringContaining('URL') }),
		]);
	});

	it('refuses a list with a URL that is not http(s), or no list, and keeps the old URLs', async () => {
		const refused = await control(sandbox, 'PUT', '/webhook-urls', {
			urls: [other.url, 'ftp://files.example.com'],
		});
		expect(refused.status).toBe(400);
		expect(refused.json.error.message).toContain('ftp://files.example.com');
		expect((await control(sandbox, 'PUT', '/webhook-urls', { urls: other.url })).status).toBe(400);
		expect(sandbox.state.webhookUrls).toEqual([receiver.url, other.url]);
	});

	it('takes the URLs at start: webhookUrl first, then webhookUrls, each once', async () => {
		const started = await startTestSandbox({
			webhookUrl: receiver.url,
			webhookUrls: [other.url, receiver.url],
		});
		try {
			expect(started.state.webhookUrls).toEqual([receiver.url, other.url]);
		} finally {
			await started.close();
		}
		await expect(startTestSandbox({ webhookUrls: ['localhost:5678'] })).rejects.toThrow(
			/webhookUrl must/,
		);
	});
});

describe('subscribed_apps with a callback override', () => {
	async function startVerifier(
		expectedToken: string,
	): Promise<{ url: string; close: () => Promise<void> }> {
		const server = http.createServer((req, res) => {
			const url = new URL(req.url ?? '/', 'http://x');
			if (req.method === 'GET' && url.searchParams.get('hub.verify_token') === expectedToken) {
				res.end(url.searchParams.get('hub.challenge'));
			} else {
				res.writeHead(403).end();
			}
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		return {
			url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
			close: () => new Promise<void>((resolve) => server.close(() => resolve())),
		};
	}

	it('verifies the callback with hub.challenge and then sends webhooks there', async () => {
		const verifier = await startVerifier('my-verify-token');
		try {
			const answer = await api(sandbox, 'POST', `/${WABA}/subscribed_apps`, {
				body: { override_callback_uri: verifier.url, verify_token: 'my-verify-token' },
			});
			expect(answer.json).toMatchObject({
				success: true,
				data: [{ override_callback_uri: verifier.url }],
			});
			expect(sandbox.state.webhookUrl).toBe(verifier.url);
		} finally {
			sandbox.state.webhookUrl = receiver.url;
			await verifier.close();
		}
	});

	it('answers a callback that fails verification with code 2200 and keeps the old URL', async () => {
		const verifier = await startVerifier('expected');
		try {
			const answer = await api(sandbox, 'POST', `/${WABA}/subscribed_apps`, {
				body: { override_callback_uri: verifier.url, verify_token: 'other' },
			});
			expect(answer.json.error.code).toBe(2200);
			expect(sandbox.state.webhookUrl).toBe(receiver.url);
		} finally {
			await verifier.close();
		}
	});
});

describe('statuses and pricing', () => {
	it('follows an accepted message with sent, delivered and read, in that order', async () => {
		await say(sandbox, LENA);
		const id = await wamidOf(text(LENA));
		await waitForStatus(receiver, id, 'read');
		// Emitted in this order; Meta does not promise arrival order, so the receiver's is not checked.
		expect(sandbox.state.sentMessage(id)?.statuses.map((s) => s.status)).toEqual([
			'accepted',
			'sent',
			'delivered',
			'read',
		]);
		expect(
			statusesOf(receiver, id)
				.map((s) => s.status)
				.sort(),
		).toEqual(['delivered', 'read', 'sent']);
		const sent = await waitForStatus(receiver, id, 'sent');
		expect(sent).toMatchObject({
			id,
			recipient_id: LENA,
			timestamp: expect.stringMatching(/^\d+$/),
		});
	});

	it('prices free-form messages in the window as free customer service, on sent and delivered only', async () => {
		await say(sandbox, LENA);
		const id = await wamidOf(text(LENA));
		const read = await waitForStatus(receiver, id, 'read');
		const sent = await waitForStatus(receiver, id, 'sent');
		const delivered = await waitForStatus(receiver, id, 'delivered');
		const free = {
			billable: false,
			pricing_model: 'PMP',
			type: 'free_customer_service',
			category: 'service',
		};
		expect(sent.pricing).toEqual(free);
		expect(delivered.pricing).toEqual(free);
		expect(read.pricing).toBeUndefined();
		expect(sent.conversation).toBeUndefined();
	});

	it('prices a utility template inside the window as free customer service (utility)', async () => {
		await say(sandbox, LENA);
		const id = await wamidOf(orderUpdate());
		const sent = await waitForStatus(receiver, id, 'sent');
		expect(sent.pricing).toEqual({
			billable: false,
			pricing_model: 'PMP',
			type: 'free_customer_service',
			category: 'utility',
		});
	});

	it('charges a utility template outside the window as regular utility', async () => {
		const id = await wamidOf(orderUpdate());
		const sent = await waitForStatus(receiver, id, 'sent');
		expect(sent.pricing).toEqual({
			billable: true,
			pricing_model: 'PMP',
			type: 'regular',
			category: 'utility',
		});
	});

	it('charges a marketing template as regular marketing, also inside the window', async () => {
		await say(sandbox, LENA);
		const id = await wamidOf(backInStock());
		const delivered = await waitForStatus(receiver, id, 'delivered');
		expect(delivered.pricing).toEqual({
			billable: true,
			pricing_model: 'PMP',
			type: 'regular',
			category: 'marketing',
		});
	});

	it('sends only "read" (with the pricing) when delivered and read happen at once', async () => {
		const instant = await startTestSandbox({
			webhookUrl: receiver.url,
			statusDelaysMs: { sent: 5, delivered: 10, read: 10 },
		});
		try {
			await say(instant, LENA);
			const answer = await send(instant, text(LENA));
			const id = answer.json.messages[0].id;
			const read = await waitForStatus(receiver, id, 'read');
			await waitForStatus(receiver, id, 'sent');
			expect(
				statusesOf(receiver, id)
					.map((s) => s.status)
					.sort(),
			).toEqual(['read', 'sent']);
			expect(read.pricing).toMatchObject({ type: 'free_customer_service' });
		} finally {
			await instant.close();
		}
	});

	it('makes a reply to a contact from a click-to-WhatsApp ad free, and opens a 72-hour free entry point window', async () => {
		await say(sandbox, LENA, 'I saw your ad', { from_ad: true });
		const reply = await wamidOf(text(LENA, 'Welcome!'));
		const sent = await waitForStatus(receiver, reply, 'sent');
		expect(sent.pricing).toEqual({
			billable: false,
			pricing_model: 'PMP',
			type: 'free_entry_point',
			category: 'referral_conversion',
		});
		expect(sent.conversation).toEqual({
			id: expect.any(String),
			expiration_timestamp: String(
				Math.floor(Date.parse(sandbox.state.sentMessage(reply)!.accepted_at) / 1000) + 72 * 3600,
			),
			origin: { type: 'referral_conversion' },
		});
		const marketing = await wamidOf(backInStock());
		const delivered = await waitForStatus(receiver, marketing, 'delivered');
		expect(delivered.pricing.type).toBe('free_entry_point');
		expect(delivered.conversation.id).toBe(sent.conversation.id);
		expect(delivered.conversation.expiration_timestamp).toBeUndefined();
	});

	it('opens no free entry point for an ad contact first answered after 24 hours', async () => {
		await say(sandbox, LENA, 'I saw your ad', { from_ad: true, ago: '25h' });
		const id = await wamidOf(orderUpdate());
		const sent = await waitForStatus(receiver, id, 'sent');
		expect(sent.pricing.type).toBe('regular');
	});

	it('echoes biz_opaque_callback_data in every status', async () => {
		await say(sandbox, LENA);
		const id = await wamidOf({ ...text(LENA), biz_opaque_callback_data: 'order-77' });
		await waitForStatus(receiver, id, 'read');
		expect(statusesOf(receiver, id).map((s) => s.biz_opaque_callback_data)).toEqual([
			'order-77',
			'order-77',
			'order-77',
		]);
	});
});

describe('lost answers', () => {
	it('accepts a send, cuts the connection instead of answering, and still posts its statuses', async () => {
		await say(sandbox, LENA);
		expect((await control(sandbox, 'POST', '/drop-answers', { count: 1 })).json).toEqual({
			answers_to_drop: 1,
		});
		await expect(
			send(sandbox, { ...text(LENA, 'lost'), biz_opaque_callback_data: 'order-78' }),
		).rejects.toThrow();
		const [lost] = sandbox.state.sentMessages({ to: LENA }).slice(-1);
		expect((lost.payload.text as Json).body).toBe('lost');
		const sent = await waitForStatus(receiver, lost.id, 'sent');
		expect(sent.biz_opaque_callback_data).toBe('order-78');
		// Only the next one: the one after it is answered as usual.
		const answered = await send(sandbox, text(LENA, 'answered'));
		expect(answered.status).toBe(200);
	});
});

describe('failed statuses', () => {
	it('fails a marketing template to a contact who stopped marketing with 131050', async () => {
		await control(sandbox, 'POST', `/contacts/${LENA}/marketing`, { value: 'stop' });
		const id = await wamidOf(backInStock());
		const failed = await waitForStatus(receiver, id, 'failed');
		expect(failed.errors[0]).toMatchObject({
			code: 131050,
			title: expect.stringContaining('stop receiving marketing'),
		});
		expect(sandbox.state.sentMessage(id)?.statuses.map((s) => s.status)).toEqual([
			'accepted',
			'failed',
		]);
		expect(statusesOf(receiver, id).map((s) => s.status)).toEqual(['failed']);
	});

	it('still delivers utility templates to a contact who stopped marketing', async () => {
		await control(sandbox, 'POST', `/contacts/${LENA}/marketing`, { value: 'stop' });
		const id = await wamidOf(orderUpdate());
		await waitForStatus(receiver, id, 'delivered');
	});

	it('delivers marketing again after the contact resumes', async () => {
		await control(sandbox, 'POST', `/contacts/${LENA}/marketing`, { value: 'stop' });
		await control(sandbox, 'POST', `/contacts/${LENA}/marketing`, { value: 'resume' });
		const id = await wamidOf(backInStock());
		await waitForStatus(receiver, id, 'delivered');
	});

	it('fails a marketing template to a US number with 131049', async () => {
		const id = await wamidOf(backInStock(AVERY_US));
		const failed = await waitForStatus(receiver, id, 'failed');
		expect(failed.errors[0].code).toBe(131049);
		expect(failed.errors[0].error_data.details).toContain('US');
	});

	it("fails marketing templates beyond the contact's per-user marketing limit with 131049", async () => {
		await control(sandbox, 'POST', '/contacts', {
			wa_id: '4915700000001',
			name: 'Limited',
			country: 'DE',
			marketing_limit_per_day: 1,
		});
		const first = await wamidOf(backInStock('4915700000001'));
		const second = await wamidOf(backInStock('4915700000001'));
		await waitForStatus(receiver, first, 'delivered');
		const failed = await waitForStatus(receiver, second, 'failed');
		expect(failed.errors[0].code).toBe(131049);
	});
});

describe('inbound messages', () => {
	it("posts a contact's text with their profile name, wa_id and a timestamp in seconds", async () => {
		const id = await say(sandbox, LENA, 'Do you ship to Austria?');
		const message = await waitFor(
			() => inboundOf(receiver).find((m) => m.id === id),
			'the message',
		);
		expect(message).toEqual({
			from: LENA,
			id,
			timestamp: expect.stringMatching(/^\d+$/),
			type: 'text',
			text: { body: 'Do you ship to Austria?' },
		});
		const value = valuesOf(receiver, 'messages').find((v) => v.messages?.[0]?.id === id)!;
		expect(value.contacts).toEqual([{ profile: { name: 'Lena Fischer' }, wa_id: LENA }]);
		expect(value.metadata).toEqual({
			display_phone_number: '493057700180',
			phone_number_id: PHONE,
		});
	});

	it('backdates a message by "ago"', async () => {
		const id = await say(sandbox, LENA, 'old', { ago: '25h' });
		const message = await waitFor(
			() => inboundOf(receiver).find((m) => m.id === id),
			'the message',
		);
		expect(Math.floor(Date.now() / 1000) - Number(message.timestamp)).toBeGreaterThanOrEqual(
			25 * 3600 - 5,
		);
	});

	it('adds a click-to-WhatsApp referral with a ctwa_clid for a contact from an ad', async () => {
		const id = await say(sandbox, LENA, 'Hi from the ad', { from_ad: true });
		const message = await waitFor(
			() => inboundOf(receiver).find((m) => m.id === id),
			'the message',
		);
		expect(message.referral).toMatchObject({
			source_type: 'ad',
			ctwa_clid: expect.any(String),
			source_id: expect.any(String),
		});
	});

	it("posts a quick-reply tap with the payload, the button text and the template's wamid as context", async () => {
		const template = await wamidOf(backInStock());
		const tap = await control(sandbox, 'POST', `/contacts/${LENA}/tap`, {
			payload: 'Stop promotions',
		});
		const message = await waitFor(
			() => inboundOf(receiver).find((m) => m.id === tap.json.id),
			'the tap',
		);
		expect(message).toMatchObject({
			type: 'button',
			button: { payload: 'STOP_PROMO', text: 'Stop promotions' },
			context: { from: '493057700180', id: template },
		});
	});

	it('posts a list reply and a reply-button press with the chosen id and title', async () => {
		await say(sandbox, LENA);
		const list = await wamidOf({
			to: `+${LENA}`,
			type: 'interactive',
			interactive: {
				type: 'list',
				body: { text: 'When?' },
				action: {
					button: 'Slots',
					sections: [{ rows: [{ id: 'slot-9', title: '9:00', description: 'Morning' }] }],
				},
			},
		});
		const buttons = await wamidOf({
			to: `+${LENA}`,
			type: 'interactive',
			interactive: {
				type: 'button',
				body: { text: 'OK?' },
				action: { buttons: [{ type: 'reply', reply: { id: 'ok', title: 'OK' } }] },
			},
		});
		const chose = await control(sandbox, 'POST', `/contacts/${LENA}/choose`, { id: 'slot-9' });
		const pressed = await control(sandbox, 'POST', `/contacts/${LENA}/button`, { id: 'ok' });
		const choice = await waitFor(
			() => inboundOf(receiver).find((m) => m.id === chose.json.id),
			'the list reply',
		);
		const press = await waitFor(
			() => inboundOf(receiver).find((m) => m.id === pressed.json.id),
			'the button reply',
		);
		expect(choice).toMatchObject({
			type: 'interactive',
			interactive: {
				type: 'list_reply',
				list_reply: { id: 'slot-9', title: '9:00', description: 'Morning' },
			},
			context: { id: list },
		});
		expect(press).toMatchObject({
			type: 'interactive',
			interactive: { type: 'button_reply', button_reply: { id: 'ok', title: 'OK' } },
			context: { id: buttons },
		});
	});
});

describe('user_preferences and template status webhooks', () => {
	it('posts user_preferences stop and resume as Meta does', async () => {
		await control(sandbox, 'POST', `/contacts/${LENA}/marketing`, { value: 'stop' });
		const [value] = await waitFor(() => {
			const values = valuesOf(receiver, 'user_preferences');
			return values.length > 0 && values;
		}, 'user_preferences');
		expect(value).toEqual({
			messaging_product: 'whatsapp',
			metadata: { display_phone_number: '493057700180', phone_number_id: PHONE },
			contacts: [{ profile: { name: 'Lena Fischer' }, wa_id: LENA }],
			user_preferences: [
				{
					wa_id: LENA,
					detail: 'User requested to stop marketing messages',
					category: 'marketing_messages',
					value: 'stop',
					timestamp: expect.any(Number),
				},
			],
		});
		expect(sandbox.state.contact(LENA)?.marketing).toBe('stopped');
	});

	it('posts message_template_status_update with entry.time when a template is paused', async () => {
		await control(sandbox, 'POST', '/templates/order_update/status', { status: 'PAUSED' });
		const webhook = await waitFor(
			() =>
				receiver.received.find(
					(r) => r.json.entry[0].changes[0].value.message_template_name === 'order_update',
				),
			'the status update',
		);
		expect(webhook.json.entry[0]).toMatchObject({ id: WABA, time: expect.any(Number) });
		expect(webhook.json.entry[0].changes[0].value).toEqual({
			event: 'PAUSED',
			message_template_id: 1390517268840113,
			message_template_name: 'order_update',
			message_template_language: 'en',
			reason: 'NONE',
			message_template_category: 'UTILITY',
			other_info: { title: 'FIRST_PAUSE', description: expect.any(String) },
		});
	});
});
