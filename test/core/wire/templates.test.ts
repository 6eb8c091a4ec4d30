import {
	parameterFormatOf,
	parseTemplatePage,
	placeholdersOf,
	TemplateDefinitionSchema,
	templateVariables,
	unsupportedTemplateParts,
	type TemplateDefinition,
} from '../../../nodes/core/wire';
import {
	authenticationTemplate,
	bodyOnlyTemplate,
	couponFlowTemplate,
	marketingNamedTemplate,
	utilityPositionalTemplate,
	type JsonObject,
} from './fixtures';

function definition(raw: JsonObject): TemplateDefinition {
	return TemplateDefinitionSchema.parse(raw);
}

describe('template definitions', () => {
	it('reads a definition as the template list returns it, keeping unknown fields', () => {
		const raw = { ...marketingNamedTemplate(), library_template_name: 'sale_v2' };
		const def = definition(raw);
		expect(def).toMatchObject({
			id: '1304694804498707',
			name: 'winter_sale',
			language: 'de',
			status: 'APPROVED',
			category: 'MARKETING',
			parameter_format: 'NAMED',
			library_template_name: 'sale_v2',
		});
		expect(def.components?.map((c) => c.type)).toEqual(['HEADER', 'BODY', 'FOOTER', 'BUTTONS']);
	});

	it('upper-cases component, format and button types written in lower case', () => {
		const def = definition({
			...utilityPositionalTemplate(),
			category: 'utility',
			parameter_format: 'positional',
			components: [
				{ type: 'header', format: 'text', text: 'Bestellung {{1}}' },
				{ type: 'body', text: 'Hallo {{1}}' },
				{ type: 'buttons', buttons: [{ type: 'quick_reply', text: 'Ok' }] },
			],
		});
		expect(def.category).toBe('UTILITY');
		expect(def.parameter_format).toBe('POSITIONAL');
		expect(def.components).toEqual([
			{ type: 'HEADER', format: 'TEXT', text: 'Bestellung {{1}}' },
			{ type: 'BODY', text: 'Hallo {{1}}' },
			{ type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Ok' }] },
		]);
	});

	it('keeps components and buttons of types it does not know', () => {
		const def = definition({
			...bodyOnlyTemplate(),
			components: [
				{ type: 'BODY', text: 'x' },
				{ type: 'CAROUSEL', cards: [{ card_index: 0 }] },
				{ type: 'BUTTONS', buttons: [{ type: 'CATALOG', text: 'Katalog' }] },
			],
		});
		expect(def.components?.[1]).toEqual({ type: 'CAROUSEL', cards: [{ card_index: 0 }] });
		expect(def.components?.[2]).toEqual({
			type: 'BUTTONS',
			buttons: [{ type: 'CATALOG', text: 'Katalog' }],
		});
	});

	it('reads a page of the template list with its paging cursors', () => {
		const result = parseTemplatePage({
			data: [marketingNamedTemplate(), utilityPositionalTemplate()],
			paging: {
				cursors: { before: 'QVFIUa', after: 'QVFIUb' },
				next: 'https://graph.facebook.com/v24.0/x?after=QVFIUb',
			},
		});
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		expect(result.templates.map((t) => t.name)).toEqual(['winter_sale', 'order_update']);
		expect(result.invalid).toEqual([]);
		expect(result.paging?.cursors?.after).toBe('QVFIUb');
	});

	it('keeps reading the page when one template does not match, and says which', () => {
		const broken = { ...utilityPositionalTemplate(), status: undefined, components: 'none' };
		const result = parseTemplatePage({ data: [marketingNamedTemplate(), broken] });
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		expect(result.templates.map((t) => t.name)).toEqual(['winter_sale']);
		expect(result.invalid).toEqual([
			{
				index: 1,
				name: 'order_update',
				issues: ['status: Required', 'components: Expected array, received string'],
			},
		]);
	});

	it('rejects a response without a data array', () => {
		expect(parseTemplatePage({ error: { code: 190 } })).toEqual({
			ok: false,
			error: 'The template list response has no "data" array.',
		});
	});
});

describe('template variables', () => {
	it('finds placeholders in order of first appearance, each once', () => {
		expect(placeholdersOf('Hi {{1}}, {{2}} and again {{1}}')).toEqual(['1', '2']);
		expect(placeholdersOf('{{ first_name }}, {{order_id}}')).toEqual(['first_name', 'order_id']);
		expect(placeholdersOf(undefined)).toEqual([]);
	});

	it('lists a named template: media header, named body variables, optional quick-reply payload, URL suffix', () => {
		expect(templateVariables(definition(marketingNamedTemplate()))).toEqual([
			{
				key: 'header.image',
				component: 'header',
				kind: 'media',
				required: true,
				label: 'Header image',
			},
			{
				key: 'body.first_name',
				component: 'body',
				kind: 'text',
				required: true,
				example: 'Mia',
				label: 'Body {{first_name}}',
				placeholder: 'first_name',
			},
			{
				key: 'body.end_date',
				component: 'body',
				kind: 'text',
				required: true,
				example: 'Sonntag',
				label: 'Body {{end_date}}',
				placeholder: 'end_date',
			},
			{
				key: 'body.discount',
				component: 'body',
				kind: 'text',
				required: true,
				example: '30 %',
				label: 'Body {{discount}}',
				placeholder: 'discount',
			},
			{
				key: 'button.0.payload',
				component: 'button',
				kind: 'payload',
				required: false,
				label: 'Button "Stop promotions" payload',
				buttonIndex: 0,
			},
			{
				key: 'button.1.url',
				component: 'button',
				kind: 'url_suffix',
				required: true,
				example: 'winter-2025',
				label: 'Button "Zum Shop" URL suffix',
				buttonIndex: 1,
			},
		]);
	});

	it('lists a positional template: header text variable, body by position, no variable for static buttons', () => {
		const variables = templateVariables(definition(utilityPositionalTemplate()));
		expect(variables.map((v) => [v.key, v.example])).toEqual([
			['header.text.1', 'A-1042'],
			['body.1', 'Mia'],
			['body.2', '28. November'],
		]);
	});

	it('asks for the code twice in an authentication template: body {{1}} and the OTP button', () => {
		const variables = templateVariables(definition(authenticationTemplate()));
		expect(variables.map((v) => [v.key, v.kind, v.required])).toEqual([
			['body.1', 'text', true],
			['button.0.url', 'url_suffix', true],
		]);
	});

	it('lists a location header, a coupon code, an optional flow token and an optional payload', () => {
		const variables = templateVariables(definition(couponFlowTemplate()));
		expect(variables.map((v) => [v.key, v.kind, v.required, v.example])).toEqual([
			['header.location', 'location', true, undefined],
			['body.first_name', 'text', true, 'Mia'],
			['button.0.coupon_code', 'coupon_code', true, 'WINTER25'],
			['button.1.flow_token', 'flow_token', false, undefined],
			['button.2.payload', 'payload', false, undefined],
		]);
	});

	it('takes named header variables with their example', () => {
		const def = definition({
			...marketingNamedTemplate(),
			components: [
				{
					type: 'HEADER',
					format: 'TEXT',
					text: 'Sale ab {{sale_start}}',
					example: { header_text_named_params: [{ param_name: 'sale_start', example: 'Montag' }] },
				},
				{ type: 'BODY', text: 'Bis bald' },
			],
		});
		expect(templateVariables(def)).toEqual([
			{
				key: 'header.text.sale_start',
				component: 'header',
				kind: 'text',
				required: true,
				example: 'Montag',
				label: 'Header {{sale_start}}',
				placeholder: 'sale_start',
			},
		]);
	});

	it('infers the parameter format from the placeholders when the definition has none', () => {
		expect(parameterFormatOf(definition(bodyOnlyTemplate()))).toBe('POSITIONAL');
		const named = marketingNamedTemplate();
		delete named.parameter_format;
		expect(parameterFormatOf(definition(named))).toBe('NAMED');
	});

	it('names the parts it cannot fill from variables and leaves them out of the list', () => {
		const def = definition({
			...bodyOnlyTemplate(),
			components: [
				{ type: 'HEADER', format: 'GIF' },
				{ type: 'BODY', text: '{{1}}' },
				{ type: 'CAROUSEL', cards: [] },
				{
					type: 'BUTTONS',
					buttons: [
						{ type: 'QUICK_REPLY', text: 'Ok' },
						{ type: 'MPM', text: 'Ansehen' },
					],
				},
			],
		});
		expect(unsupportedTemplateParts(def)).toEqual([
			'carousel component',
			'GIF header',
			'MPM button (index 1)',
		]);
		expect(templateVariables(def).map((v) => v.key)).toEqual(['body.1', 'button.0.payload']);
		expect(unsupportedTemplateParts(definition(marketingNamedTemplate()))).toEqual([]);
	});
});
