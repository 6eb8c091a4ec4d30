import type { Sandbox } from '../../sandbox/server';
import { api, control, type Json, LENA, say, send, startTestSandbox, WABA } from './support';

let sandbox: Sandbox;
beforeAll(async () => {
	sandbox = await startTestSandbox();
});
afterAll(() => sandbox.close());
beforeEach(async () => {
	await control(sandbox, 'POST', '/reset');
});

function template(name: string, components?: Json[], language = 'en'): Json {
	return {
		to: `+${LENA}`,
		type: 'template',
		template: { name, language: { code: language }, ...(components ? { components } : {}) },
	};
}

/** An image header by link: the sandbox downloads it after accepting, as Meta does. */
const image = () => ({
	type: 'header',
	parameters: [{ type: 'image', image: { link: sandbox.sampleUrl('image.png') } }],
});
const named = (values: Record<string, string>) => ({
	type: 'body',
	parameters: Object.entries(values).map(([parameter_name, text]) => ({
		type: 'text',
		parameter_name,
		text,
	})),
});
const positional = (...values: string[]) => values.map((text) => ({ type: 'text', text }));
const backInStock = () =>
	template('back_in_stock', [
		image(),
		named({ first_name: 'Lena', product: 'Trail Runner 2', ship_date: 'Friday' }),
	]);
const orderUpdate = (bodyValues = ['Lena', 'A-1042', 'Friday']) =>
	template('order_update', [
		{ type: 'header', parameters: positional('A-1042') },
		{ type: 'body', parameters: positional(...bodyValues) },
		{ type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'A-1042' }] },
	]);

async function errorOf(body: Json): Promise<{ status: number; code: number; details: string }> {
	const answer = await send(sandbox, body);
	return {
		status: answer.status,
		code: answer.json.error?.code,
		details: answer.json.error?.error_data?.details ?? '',
	};
}

describe('template sends', () => {
	it('accepts a marketing template with named parameters and an image header, with message_status accepted', async () => {
		const answer = await send(sandbox, backInStock());
		expect(answer.status).toBe(200);
		expect(answer.json.messages).toEqual([
			{ id: expect.stringMatching(/^wamid\./), message_status: 'accepted' },
		]);
	});

	it('accepts named parameters in any order and fills them in', async () => {
		const answer = await send(
			sandbox,
			template('back_in_stock', [
				image(),
				named({ ship_date: 'Friday', first_name: 'Lena', product: 'Trail Runner 2' }),
			]),
		);
		const sent = sandbox.state.sentMessage(answer.json.messages[0].id);
		expect(sent?.rendered?.body).toBe(
			'Hi Lena, good news: Trail Runner 2 is back in stock. Order today and it ships by Friday.',
		);
	});

	it('accepts a utility template with positional parameters and a dynamic URL button', async () => {
		const answer = await send(sandbox, orderUpdate());
		expect(answer.status).toBe(200);
		const sent = sandbox.state.sentMessage(answer.json.messages[0].id);
		expect(sent?.rendered).toEqual({
			header: 'Order A-1042',
			body: 'Hi Lena, your order A-1042 has shipped and should arrive on Friday.',
			buttons: [{ type: 'URL', text: 'Track order', url: 'https://shop.example.com/track/A-1042' }],
		});
	});

	it('accepts the authentication template with its code in the body and the copy-code button', async () => {
		const answer = await send(
			sandbox,
			template('login_code', [
				{ type: 'body', parameters: positional('482913') },
				{
					type: 'button',
					sub_type: 'url',
					index: 0,
					parameters: [{ type: 'text', text: '482913' }],
				},
			]),
		);
		expect(answer.status).toBe(200);
	});

	it('accepts currency and date_time body parameters, rendered as their fallback values', async () => {
		const answer = await send(
			sandbox,
			template('order_update', [
				{ type: 'header', parameters: positional('A-7') },
				{
					type: 'body',
					parameters: [
						{ type: 'text', text: 'Lena' },
						{
							type: 'currency',
							currency: { fallback_value: '€12.50', code: 'EUR', amount_1000: 12500 },
						},
						{ type: 'date_time', date_time: { fallback_value: '14 March' } },
					],
				},
				{
					type: 'button',
					sub_type: 'url',
					index: '0',
					parameters: [{ type: 'text', text: 'A-7' }],
				},
			]),
		);
		expect(answer.status).toBe(200);
		expect(sandbox.state.sentMessage(answer.json.messages[0].id)?.rendered?.body).toContain(
			'€12.50',
		);
	});

	it('can be sent outside the window', async () => {
		expect(sandbox.state.windowOpen('731950246618093', LENA)).toBe(false);
		expect((await send(sandbox, orderUpdate())).status).toBe(200);
	});
});

describe('template name, language and status', () => {
	it('answers an unknown template with 132001 and HTTP 404', async () => {
		const error = await errorOf(template('no_such_template'));
		expect(error).toMatchObject({ status: 404, code: 132001 });
	});

	it('answers a known template in a language it does not have with 132001, naming the languages it has', async () => {
		const error = await errorOf(template('order_update', [], 'de'));
		expect(error).toMatchObject({ status: 404, code: 132001 });
		expect(error.details).toContain('en');
	});

	it('answers a paused template with 132015', async () => {
		const error = await errorOf(
			template('spring_sale', [{ type: 'body', parameters: positional('20%', 'Sunday') }]),
		);
		expect(error).toMatchObject({ status: 400, code: 132015 });
	});

	it('answers a disabled template with 132016', async () => {
		await control(sandbox, 'POST', '/templates/order_update/status', { status: 'DISABLED' });
		const error = await errorOf(orderUpdate());
		expect(error).toMatchObject({ status: 400, code: 132016 });
	});

	it('sends a paused template again once it is approved', async () => {
		await control(sandbox, 'POST', '/templates/back_in_stock/status', {
			status: 'PAUSED',
			language: 'en',
		});
		expect((await errorOf(backInStock())).code).toBe(132015);
		await control(sandbox, 'POST', '/templates/back_in_stock/status', {
			status: 'APPROVED',
			language: 'en',
		});
		expect((await send(sandbox, backInStock())).status).toBe(200);
	});

	it('requires template.language.code (131008)', async () => {
		const answer = await send(sandbox, {
			to: `+${LENA}`,
			type: 'template',
			template: { name: 'order_update' },
		});
		expect(answer.json.error.code).toBe(131008);
	});
});

describe('template parameters', () => {
	it('answers too few body parameters with 132000, naming the expected placeholders', async () => {
		const error = await errorOf(orderUpdate(['Lena', 'A-1042']));
		expect(error.code).toBe(132000);
		expect(error.details).toContain('body: 2 parameters given, the template expects 3');
	});

	it('answers too many body parameters with 132000', async () => {
		expect((await errorOf(orderUpdate(['a', 'b', 'c', 'd']))).code).toBe(132000);
	});

	it('answers a missing text header parameter with 132000', async () => {
		const error = await errorOf(
			template('order_update', [
				{ type: 'body', parameters: positional('Lena', 'A-1', 'Friday') },
				{
					type: 'button',
					sub_type: 'url',
					index: '0',
					parameters: [{ type: 'text', text: 'A-1' }],
				},
			]),
		);
		expect(error.code).toBe(132000);
		expect(error.details).toMatch(/^header/);
	});

	it('answers a missing dynamic URL button parameter with 132000', async () => {
		const error = await errorOf(
			template('order_update', [
				{ type: 'header', parameters: positional('A-1') },
				{ type: 'body', parameters: positional('Lena', 'A-1', 'Friday') },
			]),
		);
		expect(error.code).toBe(132000);
		expect(error.details).toContain('Track order');
	});

	it('answers the authentication template without its one-time password button with 132000', async () => {
		const error = await errorOf(
			template('login_code', [{ type: 'body', parameters: positional('482913') }]),
		);
		expect(error.code).toBe(132000);
	});

	it('answers text where the header needs an image with 132012', async () => {
		const error = await errorOf(
			template('back_in_stock', [
				{ type: 'header', parameters: [{ type: 'text', text: 'Shoes' }] },
				named({ first_name: 'Lena', product: 'x', ship_date: 'y' }),
			]),
		);
		expect(error.code).toBe(132012);
		expect(error.details).toContain('expected IMAGE, received TEXT');
	});

	it('answers a missing image header with 132012 (received UNKNOWN), as Meta does', async () => {
		const error = await errorOf(
			template('back_in_stock', [named({ first_name: 'Lena', product: 'x', ship_date: 'y' })]),
		);
		expect(error.code).toBe(132012);
		expect(error.details).toContain('received UNKNOWN');
	});

	it('answers named parameters sent to a positional template with 132012', async () => {
		const error = await errorOf(
			template('order_update', [
				{ type: 'header', parameters: positional('A-1') },
				named({ '1': 'Lena', '2': 'A-1', '3': 'Friday' }),
				{
					type: 'button',
					sub_type: 'url',
					index: '0',
					parameters: [{ type: 'text', text: 'A-1' }],
				},
			]),
		);
		expect(error.code).toBe(132012);
		expect(error.details).toContain('positional');
	});

	it('answers positional parameters sent to a named template with 132012', async () => {
		const error = await errorOf(
			template('back_in_stock', [
				image(),
				{ type: 'body', parameters: positional('Lena', 'x', 'y') },
			]),
		);
		expect(error.code).toBe(132012);
		expect(error.details).toContain('parameter_name');
	});

	it('answers a parameter_name the template does not have with 132012', async () => {
		const error = await errorOf(
			template('back_in_stock', [
				image(),
				named({ first_name: 'Lena', product: 'x', delivery: 'y' }),
			]),
		);
		expect(error.code).toBe(132012);
		expect(error.details).toContain('"delivery"');
	});

	it('answers a parameter with a line break with 131009', async () => {
		const error = await errorOf(orderUpdate(['Lena', 'A-1042\nA-1043', 'Friday']));
		expect(error.code).toBe(131009);
		expect(error.details).toContain('new-line');
	});

	it('answers an empty text parameter with 131008', async () => {
		expect((await errorOf(orderUpdate(['Lena', '', 'Friday']))).code).toBe(131008);
	});

	it('answers a body longer than 1024 characters once filled in with 132005', async () => {
		expect((await errorOf(orderUpdate(['Lena', 'x'.repeat(1000), 'Friday']))).code).toBe(132005);
	});

	it('answers a button index the template does not have with 131009', async () => {
		const error = await errorOf(
			template('opt_out_confirmation', [
				{ type: 'body', parameters: positional('offers') },
				{
					type: 'button',
					sub_type: 'quick_reply',
					index: '0',
					parameters: [{ type: 'payload', payload: 'X' }],
				},
			]),
		);
		expect(error.code).toBe(131009);
	});

	it('answers a button of the wrong sub_type with 132012', async () => {
		const error = await errorOf(
			template('back_in_stock', [
				image(),
				named({ first_name: 'Lena', product: 'x', ship_date: 'y' }),
				{ type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'x' }] },
			]),
		);
		expect(error.code).toBe(132012);
	});

	it('keeps the quick-reply payload set at send for the tap, and the button text when none was set', async () => {
		const withPayload = await send(
			sandbox,
			template('back_in_stock', [
				image(),
				named({ first_name: 'Lena', product: 'x', ship_date: 'y' }),
				{
					type: 'button',
					sub_type: 'quick_reply',
					index: '0',
					parameters: [{ type: 'payload', payload: 'STOP_PROMO' }],
				},
			]),
		);
		const without = await send(sandbox, backInStock());
		expect(sandbox.state.sentMessage(withPayload.json.messages[0].id)?.quick_replies).toEqual([
			{ index: 0, text: 'Stop promotions', payload: 'STOP_PROMO' },
		]);
		expect(sandbox.state.sentMessage(without.json.messages[0].id)?.quick_replies).toEqual([
			{ index: 0, text: 'Stop promotions', payload: 'Stop promotions' },
		]);
	});
});

describe('template list', () => {
	const list = (query = '', version?: string) =>
		api(sandbox, 'GET', `/${WABA}/message_templates${query}`, { version });

	it("returns every template with Meta's default fields, statuses as they are now", async () => {
		await say(sandbox, LENA);
		const answer = await list();
		expect(answer.status).toBe(200);
		const names = answer.json.data.map((t: Json) => `${t.name}/${t.language}/${t.status}`);
		expect(names).toEqual(
			expect.arrayContaining([
				'back_in_stock/en/APPROVED',
				'spring_sale/en/PAUSED',
				'login_code/en/APPROVED',
			]),
		);
		const backInStock = answer.json.data.find((t: Json) => t.name === 'back_in_stock');
		expect(Object.keys(backInStock)).toEqual(
			expect.arrayContaining([
				'name',
				'parameter_format',
				'components',
				'language',
				'status',
				'category',
				'id',
			]),
		);
	});

	it('returns only the fields asked for, plus id', async () => {
		const answer = await list('?fields=name,status&limit=2');
		expect(answer.json.data).toEqual([
			{ name: 'back_in_stock', status: 'APPROVED', id: expect.any(String) },
			{ name: 'back_in_stock', status: 'APPROVED', id: expect.any(String) },
		]);
	});

	it("pages with limit and after/before cursors in Meta's paging envelope", async () => {
		const all = (await list('?fields=name')).json.data.map((t: Json) => t.id);
		const first = await list('?fields=name&limit=3');
		expect(first.json.data.map((t: Json) => t.id)).toEqual(all.slice(0, 3));
		expect(first.json.paging).toEqual({
			cursors: { before: expect.any(String), after: expect.any(String) },
			next: expect.stringContaining('after='),
		});
		const second = await list(`?fields=name&limit=3&after=${first.json.paging.cursors.after}`);
		expect(second.json.data.map((t: Json) => t.id)).toEqual(all.slice(3, 6));
		expect(second.json.paging.previous).toContain('before=');
		const back = await list(`?fields=name&limit=3&before=${second.json.paging.cursors.before}`);
		expect(back.json.data.map((t: Json) => t.id)).toEqual(all.slice(0, 3));
	});

	it('follows next links to the last page, which has no next', async () => {
		const ids: string[] = [];
		let next: string | undefined =
			`${sandbox.url}/v25.0/${WABA}/message_templates?fields=name&limit=3`;
		let pages = 0;
		while (next && pages < 10) {
			const response = await fetch(next, { headers: { authorization: 'Bearer test-token' } });
			const page = (await response.json()) as Json;
			ids.push(...page.data.map((t: Json) => t.id));
			next = page.paging?.next;
			pages++;
		}
		expect(ids).toHaveLength(sandbox.state.templates().length);
		expect(new Set(ids).size).toBe(ids.length);
	});

	it('filters by name and by status', async () => {
		const byName = await list('?name=consent');
		expect(byName.json.data.map((t: Json) => t.language).sort()).toEqual(['de', 'en']);
		const paused = await list('?status=paused&fields=name');
		expect(paused.json.data.map((t: Json) => t.name)).toEqual(['spring_sale']);
	});

	it('answers a cursor it did not give out with 131059 from v24.0 on, and 100 before', async () => {
		expect((await list('?after=bm9wZQ')).json.error.code).toBe(131059);
		expect((await list('?after=bm9wZQ', 'v23.0')).json.error.code).toBe(100);
	});

	it('answers a field templates do not have with code 100', async () => {
		expect((await list('?fields=name,colour')).json.error.code).toBe(100);
	});

	it('returns one template by its id', async () => {
		const answer = await api(sandbox, 'GET', '/1390517268840113?fields=name,category');
		expect(answer.json).toEqual({
			name: 'order_update',
			category: 'UTILITY',
			id: '1390517268840113',
		});
	});
});
