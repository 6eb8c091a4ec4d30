import {
	buildTemplateFromComponents,
	buildTemplateMessage,
	TemplateDefinitionSchema,
	templateInputFromValues,
	WireError,
	type TemplateDefinition,
	type TemplateMessageInput,
} from '../../../nodes/core/wire';
import {
	authenticationTemplate,
	bodyOnlyTemplate,
	couponFlowTemplate,
	marketingNamedTemplate,
	utilityPositionalTemplate,
	type JsonObject,
} from './fixtures';

const TO = '+4915112345678';

function wireError(build: () => unknown): WireError {
	try {
		build();
	} catch (error) {
		if (error instanceof WireError) return error;
		throw error;
	}
	throw new Error('expected a WireError, but the payload was built');
}

const definition = (raw: JsonObject): TemplateDefinition => TemplateDefinitionSchema.parse(raw);
const chars = (n: number) => 'a'.repeat(n);

describe('template message: values', () => {
	it('sends positional body values in order', () => {
		expect(
			buildTemplateMessage({
				to: TO,
				name: 'order_update',
				language: 'de',
				body: ['Mia', '28. November'],
			}),
		).toEqual({
			messaging_product: 'whatsapp',
			recipient_type: 'individual',
			to: TO,
			type: 'template',
			template: {
				name: 'order_update',
				language: { code: 'de' },
				components: [
					{
						type: 'body',
						parameters: [
							{ type: 'text', text: 'Mia' },
							{ type: 'text', text: '28. November' },
						],
					},
				],
			},
		});
	});

	it('sends a template without variables with no components', () => {
		expect(
			buildTemplateMessage({ to: TO, name: 'hello_world', language: 'en_US' }).template,
		).toEqual({
			name: 'hello_world',
			language: { code: 'en_US' },
		});
	});

	it('sends named values with their parameter_name', () => {
		const payload = buildTemplateMessage({
			to: TO,
			name: 'winter_sale',
			language: 'de',
			body: { first_name: 'Mia', discount: '30 %' },
		});
		expect(payload.template.components).toEqual([
			{
				type: 'body',
				parameters: [
					{ type: 'text', text: 'Mia', parameter_name: 'first_name' },
					{ type: 'text', text: '30 %', parameter_name: 'discount' },
				],
			},
		]);
	});

	it('orders an object keyed "1", "2"... as positional values and turns numbers into text', () => {
		const payload = buildTemplateMessage({
			to: TO,
			name: 'x',
			language: 'de',
			body: { '2': 42, '1': 'Mia' },
		});
		expect(payload.template.components).toEqual([
			{
				type: 'body',
				parameters: [
					{ type: 'text', text: 'Mia' },
					{ type: 'text', text: '42' },
				],
			},
		]);
	});

	it('rejects numbered values with a gap and a mix of numbered and named values', () => {
		expect(
			wireError(() =>
				buildTemplateMessage({ to: TO, name: 'x', language: 'de', body: { '1': 'a', '3': 'c' } }),
			).message,
		).toBe(
			'Body variables are numbered from {{1}} without gaps; {{2}} has no value (got {{1}}, {{3}}).',
		);
		expect(
			wireError(() =>
				buildTemplateMessage({ to: TO, name: 'x', language: 'de', body: { '1': 'a', name: 'b' } }),
			).message,
		).toBe('Body mixes numbered (1) and named variables; a template uses one kind only.');
	});

	it('sends currency as amount_1000 (rounded) and date_time as its fallback value', () => {
		const payload = buildTemplateMessage({
			to: TO,
			name: 'x',
			language: 'de',
			body: [
				{ type: 'currency', code: 'eur', amount: 12.345, fallback_value: '12,35 €' },
				{ type: 'currency', code: 'USD', amount: '0.1', fallback_value: '$0.10' },
				{ type: 'date_time', fallback_value: '28. November 2025' },
			],
		});
		expect(payload.template.components).toEqual([
			{
				type: 'body',
				parameters: [
					{
						type: 'currency',
						currency: { fallback_value: '12,35 €', code: 'EUR', amount_1000: 12345 },
					},
					{
						type: 'currency',
						currency: { fallback_value: '$0.10', code: 'USD', amount_1000: 100 },
					},
					{ type: 'date_time', date_time: { fallback_value: '28. November 2025' } },
				],
			},
		]);
	});

	it('rejects a currency code that is not ISO 4217 and an amount that is not a number', () => {
		const send = (value: object) => () =>
			buildTemplateMessage({ to: TO, name: 'x', language: 'de', body: [value as never] });
		expect(
			wireError(send({ type: 'currency', code: 'EURO', amount: 1, fallback_value: '1 €' })).message,
		).toBe(
			'Body {{1}} currency code "EURO" is not an ISO 4217 code; use three letters like EUR or USD.',
		);
		expect(
			wireError(send({ type: 'currency', code: 'EUR', amount: 'zehn', fallback_value: '10 €' }))
				.field,
		).toBe('body.1.amount');
		expect(wireError(send({ type: 'currency', code: 'EUR', amount: 1 })).field).toBe(
			'body.1.fallback_value',
		);
		expect(wireError(send({ type: 'date_time' })).field).toBe('body.1.fallback_value');
	});

	it('sends header text, image, video, document (with filename) and location', () => {
		const header = (h: TemplateMessageInput['header']) =>
			buildTemplateMessage({ to: TO, name: 'x', language: 'de', header: h }).template
				.components?.[0];
		expect(header({ type: 'text', text: 'A-1042' })).toEqual({
			type: 'header',
			parameters: [{ type: 'text', text: 'A-1042' }],
		});
		expect(header({ type: 'image', link: 'https://cdn.example.de/a.jpg' })).toEqual({
			type: 'header',
			parameters: [{ type: 'image', image: { link: 'https://cdn.example.de/a.jpg' } }],
		});
		expect(header({ type: 'video', id: '4490' })).toEqual({
			type: 'header',
			parameters: [{ type: 'video', video: { id: '4490' } }],
		});
		expect(header({ type: 'document', id: '12', filename: 'rechnung.pdf' })).toEqual({
			type: 'header',
			parameters: [{ type: 'document', document: { id: '12', filename: 'rechnung.pdf' } }],
		});
		expect(
			header({
				type: 'location',
				latitude: 52.5,
				longitude: 13.4,
				name: 'Filiale',
				address: 'Berlin',
			}),
		).toEqual({
			type: 'header',
			parameters: [
				{
					type: 'location',
					location: { latitude: 52.5, longitude: 13.4, name: 'Filiale', address: 'Berlin' },
				},
			],
		});
	});

	it('sends buttons sorted by index with the index as text', () => {
		const payload = buildTemplateMessage({
			to: TO,
			name: 'x',
			language: 'de',
			buttons: [
				{ sub_type: 'flow', index: 3, flow_token: 'tok-1', flow_action_data: { screen: 'BOOK' } },
				{ sub_type: 'copy_code', index: 2, coupon_code: 'WINTER25' },
				{ sub_type: 'url', index: 1, text: 'winter-2025' },
				{ sub_type: 'quick_reply', index: 0, payload: 'STOP_PROMO' },
			],
		});
		expect(payload.template.components).toEqual([
			{
				type: 'button',
				sub_type: 'quick_reply',
				index: '0',
				parameters: [{ type: 'payload', payload: 'STOP_PROMO' }],
			},
			{
				type: 'button',
				sub_type: 'url',
				index: '1',
				parameters: [{ type: 'text', text: 'winter-2025' }],
			},
			{
				type: 'button',
				sub_type: 'copy_code',
				index: '2',
				parameters: [{ type: 'coupon_code', coupon_code: 'WINTER25' }],
			},
			{
				type: 'button',
				sub_type: 'flow',
				index: '3',
				parameters: [
					{ type: 'action', action: { flow_token: 'tok-1', flow_action_data: { screen: 'BOOK' } } },
				],
			},
		]);
	});

	it('allows a coupon code of 20 characters and rejects 21', () => {
		const send = (code: string) => () =>
			buildTemplateMessage({
				to: TO,
				name: 'x',
				language: 'de',
				buttons: [{ sub_type: 'copy_code', index: 0, coupon_code: code }],
			});
		expect(send(chars(20))).not.toThrow();
		expect(wireError(send(chars(21))).message).toBe(
			'Coupon code is 21 characters; WhatsApp allows at most 20. Use a shorter code.',
		);
	});

	it('rejects two values for one button and an index outside 0 to 9', () => {
		expect(
			wireError(() =>
				buildTemplateMessage({
					to: TO,
					name: 'x',
					language: 'de',
					buttons: [
						{ sub_type: 'quick_reply', index: 0, payload: 'A' },
						{ sub_type: 'quick_reply', index: 0, payload: 'B' },
					],
				}),
			).message,
		).toBe('Two values are given for the button at index 0; give each button once.');
		expect(
			wireError(() =>
				buildTemplateMessage({
					to: TO,
					name: 'x',
					language: 'de',
					buttons: [{ sub_type: 'url', index: 10, text: 'a' }],
				}),
			).field,
		).toBe('buttons[0].index');
	});

	it('rejects a template name that is not lowercase letters, digits and underscores', () => {
		expect(
			wireError(() => buildTemplateMessage({ to: TO, name: 'Winter Sale', language: 'de' })).field,
		).toBe('name');
	});
});

describe('template message: what WhatsApp refuses in a variable', () => {
	const send = (text: string) => () =>
		buildTemplateMessage({ to: TO, name: 'x', language: 'de', body: [text] });

	it('rejects line breaks and tabs', () => {
		expect(wireError(send('Zeile 1\nZeile 2')).message).toBe(
			'Body {{1}} contains a line break or tab; WhatsApp does not allow them in template variables. Replace them with spaces, or put the line breaks in the template itself.',
		);
		expect(wireError(send('a\tb')).field).toBe('body.1');
	});

	it('allows 4 spaces in a row and rejects 5', () => {
		expect(send('a    b')).not.toThrow();
		expect(wireError(send('a     b')).message).toBe(
			'Body {{1}} contains more than 4 spaces in a row; WhatsApp rejects that in template variables. Collapse the spaces.',
		);
	});

	it('rejects an empty value', () => {
		expect(wireError(send(' ')).message).toBe('Body {{1}} is empty; WhatsApp needs a value here.');
	});

	it('allows a header value of 60 characters and rejects 61', () => {
		const header = (text: string) => () =>
			buildTemplateMessage({ to: TO, name: 'x', language: 'de', header: { type: 'text', text } });
		expect(header(chars(60))).not.toThrow();
		expect(wireError(header(chars(61))).message).toBe(
			'Header {{1}} is 61 characters; WhatsApp allows at most 60. Shorten the value.',
		);
	});

	it('allows body values of 1,024 characters when the template has other components, not 1,025', () => {
		const def = definition(utilityPositionalTemplate());
		const send = (value: string) => () =>
			buildTemplateMessage(
				{
					to: TO,
					name: 'order_update',
					language: 'de',
					header: { type: 'text', text: 'A-1' },
					body: ['Mia', value],
				},
				def,
			);
		expect(send(chars(1024))).not.toThrow();
		expect(wireError(send(chars(1025))).message).toBe(
			'Body {{2}} is 1,025 characters; WhatsApp allows at most 1,024. Shorten the value (templates with a header, footer or buttons allow less per variable).',
		);
	});

	it('allows body values of 32,768 characters when the body is the only component, not 32,769', () => {
		const def = definition(bodyOnlyTemplate());
		const send = (value: string) => () =>
			buildTemplateMessage({ to: TO, name: 'plain_notice', language: 'de', body: [value] }, def);
		expect(send(chars(32768))).not.toThrow();
		expect(wireError(send(chars(32769))).message).toBe(
			'Body {{1}} is 32,769 characters; WhatsApp allows at most 32,768. Shorten the value.',
		);
		// Without a definition, a payload with only a body is taken as a body-only template.
		expect(() =>
			buildTemplateMessage({ to: TO, name: 'x', language: 'de', body: [chars(32768)] }),
		).not.toThrow();
	});
});

describe('template message: checked against the definition', () => {
	const winter = () => definition(marketingNamedTemplate());
	const winterInput = (overrides: Partial<TemplateMessageInput> = {}): TemplateMessageInput => ({
		to: TO,
		name: 'winter_sale',
		language: 'de',
		header: { type: 'image', link: 'https://cdn.example.de/winter.jpg' },
		body: { first_name: 'Mia', end_date: 'Sonntag', discount: '30 %' },
		buttons: [{ sub_type: 'url', index: 1, text: 'winter-2025' }],
		...overrides,
	});

	it('sends a template whose every variable is filled (the quick-reply payload is optional)', () => {
		expect(buildTemplateMessage(winterInput(), winter()).template.components).toEqual([
			{
				type: 'header',
				parameters: [{ type: 'image', image: { link: 'https://cdn.example.de/winter.jpg' } }],
			},
			{
				type: 'body',
				parameters: [
					{ type: 'text', text: 'Mia', parameter_name: 'first_name' },
					{ type: 'text', text: 'Sonntag', parameter_name: 'end_date' },
					{ type: 'text', text: '30 %', parameter_name: 'discount' },
				],
			},
			{
				type: 'button',
				sub_type: 'url',
				index: '1',
				parameters: [{ type: 'text', text: 'winter-2025' }],
			},
		]);
	});

	it('lists the variables that are missing', () => {
		const error = wireError(() =>
			buildTemplateMessage(winterInput({ body: { first_name: 'Mia' }, buttons: [] }), winter()),
		);
		expect(error.field).toBe('template');
		expect(error.message).toBe(
			'Template "winter_sale" (de) does not match the values given. Missing: Body {{end_date}} (body.end_date), Body {{discount}} (body.discount), Button "Zum Shop" URL suffix (button.1.url). Give a value for every variable of the template and nothing else.',
		);
	});

	it('lists the values the template does not have', () => {
		const error = wireError(() =>
			buildTemplateMessage(
				winterInput({
					body: { first_name: 'Mia', end_date: 'Sonntag', discount: '30 %', coupon: 'X' },
					buttons: [
						{ sub_type: 'url', index: 1, text: 'winter-2025' },
						{ sub_type: 'copy_code', index: 2, coupon_code: 'X' },
					],
				}),
				winter(),
			),
		);
		expect(error.message).toBe(
			'Template "winter_sale" (de) does not match the values given. Not in the template: body {{coupon}} (body.coupon), button 2 coupon code (button.2.coupon_code). Give a value for every variable of the template and nothing else.',
		);
	});

	it('says so when positional values are given to a named template', () => {
		const error = wireError(() =>
			buildTemplateMessage(winterInput({ body: ['Mia', 'Sonntag', '30 %'] }), winter()),
		);
		expect(error.message).toContain('Missing: Body {{first_name}} (body.first_name)');
		expect(error.message).toContain('Not in the template: body {{1}} (body.1)');
		expect(error.message).toContain(
			'This template uses named variables: give the body as an object keyed by name.',
		);
	});

	it('says so when named values are given to a positional template', () => {
		const error = wireError(() =>
			buildTemplateMessage(
				{
					to: TO,
					name: 'order_update',
					language: 'de',
					header: { type: 'text', text: 'A-1' },
					body: { name: 'Mia', date: 'Montag' },
				},
				definition(utilityPositionalTemplate()),
			),
		);
		expect(error.message).toContain(
			'This template uses numbered variables ({{1}}, {{2}}...): give the body values as a list in that order.',
		);
	});

	it('reports a header of the wrong kind as missing the right one', () => {
		const error = wireError(() =>
			buildTemplateMessage(winterInput({ header: { type: 'document', id: '12' } }), winter()),
		);
		expect(error.message).toContain('Missing: Header image (header.image).');
		expect(error.message).toContain('Not in the template: header document (header.document).');
	});

	it('reports a header value for a template without a variable header', () => {
		const error = wireError(() =>
			buildTemplateMessage(
				{
					to: TO,
					name: 'plain_notice',
					language: 'de',
					header: { type: 'text', text: 'x' },
					body: ['y'],
				},
				definition(bodyOnlyTemplate()),
			),
		);
		expect(error.message).toContain('Not in the template: header {{1}} (header.text.1).');
	});

	it('reports a parameter for a button that takes none (a static URL)', () => {
		const error = wireError(() =>
			buildTemplateMessage(
				{
					to: TO,
					name: 'order_update',
					language: 'de',
					header: { type: 'text', text: 'A-1' },
					body: ['Mia', 'Montag'],
					buttons: [{ sub_type: 'url', index: 0, text: 'x' }],
				},
				definition(utilityPositionalTemplate()),
			),
		);
		expect(error.message).toContain('Not in the template: button 0 URL suffix (button.0.url).');
	});

	it('fills the parameter name of a named header from the definition', () => {
		const def = definition({
			...marketingNamedTemplate(),
			components: [
				{ type: 'HEADER', format: 'TEXT', text: 'Ab {{sale_start}}' },
				{ type: 'BODY', text: 'Bis bald' },
			],
		});
		const payload = buildTemplateMessage(
			{ to: TO, name: 'winter_sale', language: 'de', header: { type: 'text', text: 'Montag' } },
			def,
		);
		expect(payload.template.components).toEqual([
			{
				type: 'header',
				parameters: [{ type: 'text', text: 'Montag', parameter_name: 'sale_start' }],
			},
		]);
	});

	it('fills a location header, a coupon code and a flow button', () => {
		const payload = buildTemplateMessage(
			{
				to: TO,
				name: 'store_coupon',
				language: 'de',
				header: { type: 'location', latitude: 53.55, longitude: 9.99 },
				body: { first_name: 'Mia' },
				buttons: [
					{ sub_type: 'copy_code', index: 0, coupon_code: 'WINTER25' },
					{ sub_type: 'flow', index: 1 },
				],
			},
			definition(couponFlowTemplate()),
		);
		expect(
			payload.template.components?.map((c) =>
				'sub_type' in c ? `${c.type}:${String(c.sub_type)}` : c.type,
			),
		).toEqual(['header', 'body', 'button:copy_code', 'button:flow']);
	});

	it('allows a one-time password of 15 characters and rejects 16', () => {
		const def = definition(authenticationTemplate());
		const send = (code: string) => () =>
			buildTemplateMessage(
				{
					to: TO,
					name: 'login_code',
					language: 'de',
					body: [code],
					buttons: [{ sub_type: 'url', index: 0, text: code }],
				},
				def,
			);
		expect(send('123456789012345')).not.toThrow();
		expect(wireError(send('1234567890123456')).message).toBe(
			'One-time password is 16 characters; WhatsApp allows at most 15. Use a shorter code.',
		);
	});

	it('needs both places of the code in an authentication template', () => {
		const error = wireError(() =>
			buildTemplateMessage(
				{ to: TO, name: 'login_code', language: 'de', body: ['483920'] },
				definition(authenticationTemplate()),
			),
		);
		expect(error.message).toContain('Missing: One-time password (button) (button.0.url).');
	});

	it('rejects a URL button whose full URL would pass 2,000 characters', () => {
		const prefix = 'https://shop.example.de/sale/'.length;
		const send = (suffix: string) => () =>
			buildTemplateMessage(
				winterInput({ buttons: [{ sub_type: 'url', index: 1, text: suffix }] }),
				winter(),
			);
		expect(send(chars(2000 - prefix))).not.toThrow();
		expect(wireError(send(chars(2001 - prefix))).message).toBe(
			'Button 1 URL with its suffix is 2,001 characters; WhatsApp allows at most 2,000. Shorten the suffix.',
		);
	});

	it('rejects a definition of another template or language', () => {
		expect(
			wireError(() => buildTemplateMessage(winterInput({ language: 'en' }), winter())).message,
		).toBe(
			'The template definition given is "winter_sale" (de) but the message sends "winter_sale" (en). Load the definition of the template you send.',
		);
	});

	it('refuses templates with parts it cannot fill, pointing to components JSON', () => {
		const def = definition({
			...bodyOnlyTemplate(),
			components: [
				{ type: 'BODY', text: 'x' },
				{ type: 'CAROUSEL', cards: [] },
			],
		});
		expect(
			wireError(() => buildTemplateMessage({ to: TO, name: 'plain_notice', language: 'de' }, def))
				.message,
		).toBe(
			'Template "plain_notice" (de) has parts this node cannot fill: carousel component. Send it with components JSON (expert mode) instead.',
		);
	});

	it('refuses a definition fetched without its components', () => {
		const raw = bodyOnlyTemplate();
		delete raw.components;
		const def = definition(raw);
		expect(
			wireError(() => buildTemplateMessage({ to: TO, name: 'plain_notice', language: 'de' }, def))
				.message,
		).toMatch(/the definition has no components/);
	});
});

describe('template message: values keyed like templateVariables', () => {
	it('turns mapper values into a message that passes the definition check', () => {
		const def = definition(marketingNamedTemplate());
		const input = templateInputFromValues(def, {
			'header.image': 'https://cdn.example.de/winter.jpg',
			'body.first_name': 'Mia',
			'body.end_date': 'Sonntag',
			'body.discount': { type: 'currency', code: 'EUR', amount: 30, fallback_value: '30 €' },
			'button.0.payload': '',
			'button.1.url': 'winter-2025',
		});
		expect(input).toEqual({
			header: { type: 'image', link: 'https://cdn.example.de/winter.jpg' },
			body: {
				first_name: 'Mia',
				end_date: 'Sonntag',
				discount: { type: 'currency', code: 'EUR', amount: 30, fallback_value: '30 €' },
			},
			buttons: [{ sub_type: 'url', index: 1, text: 'winter-2025' }],
		});
		expect(() =>
			buildTemplateMessage({ to: TO, name: 'winter_sale', language: 'de', ...input }, def),
		).not.toThrow();
	});

	it('takes a media value that is not a URL as an uploaded media id', () => {
		const input = templateInputFromValues(definition(marketingNamedTemplate()), {
			'header.image': '1203948576102938',
		});
		expect(input.header).toEqual({ type: 'image', id: '1203948576102938' });
	});

	it('fills positional and header variables of a positional template', () => {
		const def = definition(utilityPositionalTemplate());
		const input = templateInputFromValues(def, {
			'header.text.1': 'A-1',
			'body.1': 'Mia',
			'body.2': 'Montag',
		});
		const payload = buildTemplateMessage(
			{ to: TO, name: 'order_update', language: 'de', ...input },
			def,
		);
		expect(payload.template.components).toEqual([
			{ type: 'header', parameters: [{ type: 'text', text: 'A-1' }] },
			{
				type: 'body',
				parameters: [
					{ type: 'text', text: 'Mia' },
					{ type: 'text', text: 'Montag' },
				],
			},
		]);
	});

	it('leaves an empty required value out, so the send reports it missing', () => {
		const def = definition(utilityPositionalTemplate());
		const input = templateInputFromValues(def, {
			'header.text.1': 'A-1',
			'body.1': 'Mia',
			'body.2': '',
		});
		expect(
			wireError(() =>
				buildTemplateMessage({ to: TO, name: 'order_update', language: 'de', ...input }, def),
			).message,
		).toContain('Missing: Body {{2}} (body.2).');
	});

	it('rejects a key the template does not have', () => {
		expect(
			wireError(() => templateInputFromValues(definition(bodyOnlyTemplate()), { 'body.2': 'x' }))
				.message,
		).toBe('Template "plain_notice" has no variable body.2. Its variables are: body.1.');
	});
});

describe('template message: components JSON (expert mode)', () => {
	it('sends hand-written components given as a JSON string', () => {
		const json = JSON.stringify([
			{ type: 'body', parameters: [{ type: 'text', text: 'Mia' }] },
			{
				type: 'button',
				sub_type: 'quick_reply',
				index: 0,
				parameters: [{ type: 'payload', payload: 'STOP' }],
			},
		]);
		const payload = buildTemplateFromComponents(TO, 'winter_sale', 'de', json, {
			biz_opaque_callback_data: 'c1',
		});
		expect(payload.template).toEqual({
			name: 'winter_sale',
			language: { code: 'de' },
			components: JSON.parse(json),
		});
		expect(payload.biz_opaque_callback_data).toBe('c1');
	});

	it('addresses a business-scoped user ID in "recipient", like every other message', () => {
		const payload = buildTemplateFromComponents('US.13491208655302741918', 'x', 'de', []);
		expect(payload.recipient).toBe('US.13491208655302741918');
		expect(payload).not.toHaveProperty('to');
	});

	it('passes component types it does not model through unchanged', () => {
		const components = [
			{ type: 'body', parameters: [{ type: 'text', text: 'Mia' }] },
			{ type: 'carousel', cards: [{ card_index: 0, components: [] }] },
			{
				type: 'limited_time_offer',
				parameters: [
					{ type: 'limited_time_offer', limited_time_offer: { expiration_time_ms: 1764327600000 } },
				],
			},
		];
		expect(buildTemplateFromComponents(TO, 'x', 'de', components).template.components).toEqual(
			components,
		);
	});

	it('explains JSON that does not parse and JSON that is not an array', () => {
		expect(
			wireError(() => buildTemplateFromComponents(TO, 'x', 'de', '[{"type": "body",')).message,
		).toMatch(
			/^Components JSON is not valid JSON \(.+\)\. Paste the "components" array of the template payload\.$/,
		);
		expect(
			wireError(() => buildTemplateFromComponents(TO, 'x', 'de', '{"type":"body"}')).message,
		).toBe(
			'Components JSON must be an array of components like [{"type": "body", "parameters": [...]}]; got an object.',
		);
	});

	it('lists what does not match the template format, with its path', () => {
		const error = wireError(() =>
			buildTemplateFromComponents(TO, 'x', 'de', [
				{ type: 'body', parameters: [{ type: 'text' }] },
				{ type: 'button', index: 'first', parameters: [] },
			]),
		);
		expect(error.field).toBe('components');
		expect(error.message).toBe(
			'Components JSON does not match WhatsApp\'s template format: components[0].parameters[0].text: Required; components[1].sub_type: Required; components[1].index: Expected a button position like "0".',
		);
	});

	it('checks the limits of the parameters it knows', () => {
		const header = [{ type: 'header', parameters: [{ type: 'text', text: chars(61) }] }];
		expect(wireError(() => buildTemplateFromComponents(TO, 'x', 'de', header)).message).toBe(
			'Header text value is 61 characters; WhatsApp allows at most 60. Shorten the value.',
		);
		const coupon = [
			{
				type: 'button',
				sub_type: 'copy_code',
				index: '0',
				parameters: [{ type: 'coupon_code', coupon_code: chars(21) }],
			},
		];
		expect(wireError(() => buildTemplateFromComponents(TO, 'x', 'de', coupon)).field).toBe(
			'components[0].parameters[0].coupon_code',
		);
		const money = [
			{
				type: 'body',
				parameters: [
					{ type: 'currency', currency: { code: 'eur', amount_1000: 1, fallback_value: '1' } },
				],
			},
		];
		expect(wireError(() => buildTemplateFromComponents(TO, 'x', 'de', money)).field).toBe(
			'components[0].parameters[0].currency.code',
		);
		const media = [{ type: 'header', parameters: [{ type: 'image', image: {} }] }];
		expect(wireError(() => buildTemplateFromComponents(TO, 'x', 'de', media)).field).toBe(
			'components[0].parameters[0].image',
		);
	});

	it('rejects two components for the same button', () => {
		const twice = [
			{
				type: 'button',
				sub_type: 'quick_reply',
				index: 0,
				parameters: [{ type: 'payload', payload: 'A' }],
			},
			{
				type: 'button',
				sub_type: 'quick_reply',
				index: '0',
				parameters: [{ type: 'payload', payload: 'B' }],
			},
		];
		expect(wireError(() => buildTemplateFromComponents(TO, 'x', 'de', twice)).field).toBe(
			'components[1].index',
		);
	});
});
