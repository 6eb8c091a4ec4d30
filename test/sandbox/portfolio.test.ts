import { DAY, HOUR, ManualClock } from '../../nodes/core/clock';
import type { Sandbox } from '../../sandbox/server';
import {
	api,
	backInStock,
	control,
	type Json,
	JONAS,
	LENA,
	orderUpdate,
	PHONE,
	PHONE_US,
	type Receiver,
	say,
	send,
	startReceiver,
	startTestSandbox,
	text,
	unparsedChanges,
	valuesOf,
	waitFor,
	waitForStatus,
	WABA,
} from './support';

const START = Date.parse('2026-03-02T10:00:00Z');

/** Adds `count` German contacts, 4916000000001 onwards. */
async function addContacts(sandbox: Sandbox, count: number): Promise<string[]> {
	const ids = Array.from({ length: count }, (_, i) => `49160${String(i + 1).padStart(8, '0')}`);
	for (const waId of ids) {
		const added = await control(sandbox, 'POST', '/contacts', { wa_id: waId, country: 'DE' });
		if (added.status !== 200) throw new Error(JSON.stringify(added.json));
	}
	return ids;
}

/** Sends and waits for the message's last status: "read" when delivered, else "failed". */
async function outcome(
	sandbox: Sandbox,
	receiver: Receiver,
	body: Json,
	phone = PHONE,
): Promise<Json> {
	const answer = await send(sandbox, body, phone);
	expect(answer.status).toBe(200);
	const wamid = answer.json.messages[0].id as string;
	return waitFor(() => {
		const statuses = receiver.received.flatMap((r) =>
			(r.json.entry as Json[]).flatMap((e) =>
				(e.changes as Json[]).flatMap((c) => (c.value.statuses ?? []) as Json[]),
			),
		);
		return statuses.find((s) => s.id === wamid && (s.status === 'read' || s.status === 'failed'));
	}, `the outcome of ${wamid}`);
}

const phoneFields = async (sandbox: Sandbox, id = PHONE) =>
	(
		await api(
			sandbox,
			'GET',
			`/${id}?fields=whatsapp_business_manager_messaging_limit,quality_rating`,
		)
	).json;

describe('portfolio messaging limit', () => {
	let sandbox: Sandbox;
	let receiver: Receiver;
	let clock: ManualClock;
	let contacts: string[];
	beforeAll(async () => {
		receiver = await startReceiver();
		clock = new ManualClock(START);
		sandbox = await startTestSandbox({ webhookUrl: receiver.url, clock, messagingLimit: 50 });
	});
	afterAll(async () => {
		await sandbox.close();
		await receiver.close();
	});
	beforeEach(async () => {
		await control(sandbox, 'POST', '/reset');
		receiver.reset();
		contacts = await addContacts(sandbox, 50);
	});

	it('delivers templates to 50 new contacts, then fails the 51st later with 131048', async () => {
		for (const waId of contacts) {
			expect((await outcome(sandbox, receiver, orderUpdate(waId))).status).toBe('read');
		}
		const answer = await send(sandbox, orderUpdate(LENA));
		// Accepted like any message: the limit shows only in the status.
		expect(answer.status).toBe(200);
		const failed = await waitForStatus(receiver, answer.json.messages[0].id, 'failed');
		expect(failed.errors[0]).toMatchObject({ code: 131048, title: 'Spam rate limit hit' });
		expect(failed.errors[0].error_data.details).toContain('50 of 50 unique WhatsApp users');
		expect(failed).not.toHaveProperty('pricing');
		for (const r of receiver.received) expect(unparsedChanges(r.raw)).toEqual([]);
		expect((await control(sandbox, 'GET', '/account')).json).toMatchObject({
			messaging_limit: 'TIER_50',
			reached_24h: 50,
		});
	});

	it('lets contacts reached in the last 24 hours and replies inside the window through', async () => {
		for (const waId of contacts) await send(sandbox, orderUpdate(waId));
		// Again to a contact already reached: nobody new.
		expect((await outcome(sandbox, receiver, orderUpdate(contacts[0]))).status).toBe('read');
		// Lena writes: a template or a reply inside her window reaches her in a conversation she opened.
		await say(sandbox, LENA);
		expect((await outcome(sandbox, receiver, orderUpdate(LENA))).status).toBe('read');
		expect((await outcome(sandbox, receiver, text(LENA))).status).toBe('read');
		expect((await control(sandbox, 'GET', '/account')).json.reached_24h).toBe(50);
	});

	it('is shared by every number of the portfolio', async () => {
		await say(sandbox, JONAS, 'Hi', { phone_number_id: PHONE_US });
		for (const waId of contacts) await send(sandbox, orderUpdate(waId));
		const fromUs = await outcome(sandbox, receiver, orderUpdate(LENA), PHONE_US);
		expect(fromUs.errors[0].code).toBe(131048);
		// A contact the first number reached counts once for both.
		expect((await outcome(sandbox, receiver, orderUpdate(contacts[1]), PHONE_US)).status).toBe(
			'read',
		);
	});

	it('frees a place 24 hours after a contact was last reached', async () => {
		await send(sandbox, orderUpdate(contacts[0]));
		clock.advance(2 * HOUR);
		for (const waId of contacts.slice(1)) await send(sandbox, orderUpdate(waId));
		clock.advance(DAY - 2 * HOUR - 1);
		expect((await outcome(sandbox, receiver, orderUpdate(LENA))).errors[0].code).toBe(131048);
		clock.advance(1);
		expect((await outcome(sandbox, receiver, orderUpdate(LENA))).status).toBe('read');
	});

	it('counts only messages that are delivered: one failing for another reason takes no place', async () => {
		await control(sandbox, 'POST', `/contacts/${JONAS}/marketing`, { value: 'stop' });
		expect(
			(await outcome(sandbox, receiver, backInStock(JONAS, sandbox.sampleUrl('image.png'))))
				.errors[0].code,
		).toBe(131050);
		expect(
			(await outcome(sandbox, receiver, backInStock(LENA, sandbox.sampleUrl('image.png')))).status,
		).toBe('read');
		expect((await control(sandbox, 'GET', '/account')).json.reached_24h).toBe(1);
	});

	it('reads the limit where Meta exposes it and announces a change with business_capability_update', async () => {
		expect(await phoneFields(sandbox)).toEqual({
			whatsapp_business_manager_messaging_limit: 'TIER_50',
			quality_rating: 'GREEN',
			id: PHONE,
		});
		const changed = await control(sandbox, 'PUT', '/messaging-limit', { limit: 'TIER_2K' });
		expect(changed.json).toMatchObject({ messaging_limit: 'TIER_2K', reached_24h: 0 });
		const waba = await api(
			sandbox,
			'GET',
			`/${WABA}?fields=whatsapp_business_manager_messaging_limit`,
		);
		expect(waba.json.whatsapp_business_manager_messaging_limit).toBe('TIER_2K');
		expect((await phoneFields(sandbox, PHONE_US)).whatsapp_business_manager_messaging_limit).toBe(
			'TIER_2K',
		);
		const [value] = await waitFor(() => {
			const values = valuesOf(receiver, 'business_capability_update');
			return values.length > 0 && values;
		}, 'business_capability_update');
		expect(value).toEqual({
			max_daily_conversations_per_business: 'TIER_2K',
			max_phone_numbers_per_waba: 25,
		});
		const delivery = receiver.received.at(-1)!;
		expect(delivery.verified).toBe(true);
		expect(delivery.json.entry[0].time).toBe(Math.floor(clock.now() / 1000));
		// Back to the start option on reset.
		await control(sandbox, 'POST', '/reset');
		expect((await phoneFields(sandbox)).whatsapp_business_manager_messaging_limit).toBe('TIER_50');
	});

	it("refuses a limit that is not one of Meta's", async () => {
		const refused = await control(sandbox, 'PUT', '/messaging-limit', { limit: 300 });
		expect(refused.status).toBe(400);
		expect(refused.json.error.message).toContain('250, 1000, 2000');
		expect((await control(sandbox, 'PUT', '/messaging-limit', {})).status).toBe(400);
		await expect(startTestSandbox({ messagingLimit: '3k' })).rejects.toThrow(/messagingLimit/);
	});
});

describe('unlimited portfolio (the default)', () => {
	it('reports TIER_UNLIMITED and fails nothing for the limit', async () => {
		const receiver = await startReceiver();
		const sandbox = await startTestSandbox({ webhookUrl: receiver.url });
		try {
			expect((await phoneFields(sandbox)).whatsapp_business_manager_messaging_limit).toBe(
				'TIER_UNLIMITED',
			);
			const contacts = await addContacts(sandbox, 60);
			for (const waId of contacts) await send(sandbox, orderUpdate(waId));
			expect((await outcome(sandbox, receiver, orderUpdate(LENA))).status).toBe('read');
			expect((await control(sandbox, 'GET', '/account')).json.reached_24h).toBe(61);
		} finally {
			await sandbox.close();
			await receiver.close();
		}
	});
});

describe('quality ratings', () => {
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

	it("sets the number's rating, readable on the number and announced as FLAGGED when it drops to RED", async () => {
		const red = await control(sandbox, 'PUT', `/phone-numbers/${PHONE}/quality`, { rating: 'red' });
		expect(red.json).toEqual({ id: PHONE, quality_rating: 'RED' });
		expect((await phoneFields(sandbox)).quality_rating).toBe('RED');
		expect((await phoneFields(sandbox, PHONE_US)).quality_rating).toBe('GREEN');
		const listed = await api(sandbox, 'GET', `/${WABA}/phone_numbers`);
		expect(listed.json.data.map((p: Json) => p.quality_rating)).toEqual(['RED', 'GREEN']);
		const [flagged] = await waitFor(
			() =>
				valuesOf(receiver, 'phone_number_quality_update').length > 0 &&
				valuesOf(receiver, 'phone_number_quality_update'),
			'phone_number_quality_update',
		);
		expect(flagged).toEqual({
			display_phone_number: '493057700180',
			event: 'FLAGGED',
			current_limit: 'TIER_UNLIMITED',
			max_daily_conversations_per_business: 'TIER_UNLIMITED',
		});
		expect(receiver.received[0].verified).toBe(true);
		expect(unparsedChanges(receiver.received[0].raw)).toEqual([]);

		await control(sandbox, 'PUT', `/phone-numbers/${PHONE}/quality`, { rating: 'YELLOW' });
		await waitFor(
			() => valuesOf(receiver, 'phone_number_quality_update').length === 2,
			'the UNFLAGGED webhook',
		);
		expect(valuesOf(receiver, 'phone_number_quality_update')[1].event).toBe('UNFLAGGED');
	});

	it('sends no webhook for changes Meta never announced, nor when asked not to', async () => {
		await control(sandbox, 'PUT', `/phone-numbers/${PHONE}/quality`, { rating: 'YELLOW' });
		await control(sandbox, 'PUT', `/phone-numbers/${PHONE}/quality`, { rating: 'NA' });
		await control(sandbox, 'PUT', `/phone-numbers/${PHONE_US}/quality`, {
			rating: 'RED',
			webhook: false,
		});
		expect((await phoneFields(sandbox, PHONE_US)).quality_rating).toBe('RED');
		// The sandbox logs every webhook it posts when it posts it.
		const fields = sandbox.state.webhookDeliveries().map((d) => d.field);
		expect(fields).not.toContain('phone_number_quality_update');
	});

	it('refuses ratings Meta does not use and numbers it does not have', async () => {
		const bad = await control(sandbox, 'PUT', `/phone-numbers/${PHONE}/quality`, { rating: 'LOW' });
		expect(bad.status).toBe(400);
		expect(bad.json.error.message).toContain('GREEN, YELLOW, RED, NA');
		const unknown = await control(sandbox, 'PUT', '/phone-numbers/123456/quality', {
			rating: 'RED',
		});
		expect(unknown.status).toBe(404);
		const webhook = await control(sandbox, 'PUT', `/phone-numbers/${PHONE}/quality`, {
			rating: 'RED',
			webhook: 'no',
		});
		expect(webhook.status).toBe(400);
	});

	it("sets a template's quality score and announces the change with message_template_quality_update", async () => {
		const set = await control(sandbox, 'POST', '/templates/back_in_stock/quality', {
			score: 'RED',
			language: 'en',
		});
		expect(set.json.data).toEqual([
			{
				name: 'back_in_stock',
				language: 'en',
				quality_score: { score: 'RED', date: expect.any(Number) },
			},
		]);
		const [value] = await waitFor(
			() =>
				valuesOf(receiver, 'message_template_quality_update').length > 0 &&
				valuesOf(receiver, 'message_template_quality_update'),
			'message_template_quality_update',
		);
		expect(value).toEqual({
			previous_quality_score: 'UNKNOWN',
			new_quality_score: 'RED',
			message_template_id: expect.any(Number),
			message_template_name: 'back_in_stock',
			message_template_language: 'en',
		});
		expect(unparsedChanges(receiver.received[0].raw)).toEqual([]);
		const id = String(value.message_template_id);
		const read = await api(sandbox, 'GET', `/${id}?fields=quality_score,status`);
		expect(read.json).toMatchObject({ quality_score: { score: 'RED' }, status: 'APPROVED', id });
		const listed = await api(sandbox, 'GET', `/${WABA}/message_templates?name=back_in_stock`);
		const scores = listed.json.data.map((t: Json) => [t.language, t.quality_score?.score]);
		expect(scores).toEqual(expect.arrayContaining([['en', 'RED']]));
		expect(scores).not.toContainEqual(['de', 'RED']);
		// RED alone changes no send: Meta pauses a template separately.
		await say(sandbox, LENA);
		const templates = (await control(sandbox, 'GET', '/templates')).json.data as Json[];
		expect(templates.find((t) => t.id === id)).toMatchObject({
			status: 'APPROVED',
			quality: 'RED',
		});
	});

	it("starts from the seed's score, announces only changes, and resets", async () => {
		// spring_sale's seed has quality_score RED.
		await control(sandbox, 'POST', '/templates/spring_sale/quality', { score: 'RED' });
		await control(sandbox, 'POST', '/templates/spring_sale/quality', { score: 'yellow' });
		await waitFor(
			() => valuesOf(receiver, 'message_template_quality_update').length > 0,
			'the quality webhook',
		);
		expect(valuesOf(receiver, 'message_template_quality_update')).toEqual([
			expect.objectContaining({ previous_quality_score: 'RED', new_quality_score: 'YELLOW' }),
		]);
		await control(sandbox, 'POST', '/reset');
		const templates = (await control(sandbox, 'GET', '/templates')).json.data as Json[];
		expect(templates.find((t) => t.name === 'spring_sale')?.quality).toBe('RED');
		expect(templates.find((t) => t.name === 'order_update')?.quality).toBeNull();
	});

	it('refuses scores Meta does not use and templates it does not have', async () => {
		const bad = await control(sandbox, 'POST', '/templates/back_in_stock/quality', {
			score: 'LOW',
		});
		expect(bad.status).toBe(400);
		const missing = await control(sandbox, 'POST', '/templates/nope/quality', { score: 'RED' });
		expect(missing.status).toBe(404);
	});
});

describe('billing', () => {
	it('counts delivered messages by day, template, pricing and country, as Meta bills them', async () => {
		const receiver = await startReceiver();
		const clock = new ManualClock(Date.parse('2026-03-02T23:30:00Z'));
		const sandbox = await startTestSandbox({ webhookUrl: receiver.url, clock });
		try {
			await outcome(sandbox, receiver, orderUpdate(LENA));
			await say(sandbox, JONAS);
			await outcome(sandbox, receiver, orderUpdate(JONAS));
			await outcome(sandbox, receiver, text(JONAS));
			// Undelivered: not billed.
			await control(sandbox, 'POST', `/contacts/${JONAS}/marketing`, { value: 'stop' });
			expect(
				(await outcome(sandbox, receiver, backInStock(JONAS, sandbox.sampleUrl('image.png'))))
					.status,
			).toBe('failed');
			const utc = (await control(sandbox, 'GET', '/billing')).json;
			expect(utc).toEqual({
				time_zone: 'UTC',
				data: [
					{
						date: '2026-03-02',
						phone_number_id: PHONE,
						template: null,
						category: 'service',
						pricing_type: 'free_customer_service',
						country: 'DE',
						messages: 1,
						billable: 0,
					},
					{
						date: '2026-03-02',
						phone_number_id: PHONE,
						template: 'order_update',
						category: 'utility',
						pricing_type: 'free_customer_service',
						country: 'DE',
						messages: 1,
						billable: 0,
					},
					{
						date: '2026-03-02',
						phone_number_id: PHONE,
						template: 'order_update',
						category: 'utility',
						pricing_type: 'regular',
						country: 'DE',
						messages: 1,
						billable: 1,
					},
				],
				totals: { messages: 3, billable: 1 },
			});
			// 00:30 in Berlin: the next day there.
			const berlin = await control(sandbox, 'GET', '/billing?time_zone=Europe/Berlin');
			expect(berlin.json.data.map((l: Json) => l.date)).toEqual([
				'2026-03-03',
				'2026-03-03',
				'2026-03-03',
			]);
			expect((await control(sandbox, 'GET', '/billing?time_zone=Mars/Olympus')).status).toBe(400);
		} finally {
			await sandbox.close();
			await receiver.close();
		}
	});
});
