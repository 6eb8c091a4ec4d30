/**
 * Where Meta's OpenAPI spec (v23.0) contradicts Meta's own request examples or documentation, and
 * how each is corrected before the schema is used. The rule: an error that Meta's own example of
 * the same kind also produces is a defect of the spec, not of the payload; a field Meta documents
 * (messages reference, Nov 2025) but the spec lacks is added as documented. Each fix is checked to
 * be needed (test/core/wire/metaSpec.test.ts builds the schema without it and expects the named
 * example or payload to fail).
 *
 * Not a defect here: `allOf` parts that each forbid the other part's properties
 * (additionalProperties: false), since schema.ts merges allOf as OpenAPI tools do, and the
 * placeholders of Meta's examples ("http(s)://image-url", "{{Recipient-Phone-Number}}"), which
 * stand for values and are filled in before an example is checked.
 */
type Schema = Record<string, unknown>;
type Schemas = Record<string, Schema>;

/**
 * A mark a fix sets on a discriminator whose property may be left out (schema.ts reads it): the
 * branch is then the mapping key the body has as a property of its own, else `default`.
 */
export interface MissingDiscriminator {
	readonly default: string;
}
export const MISSING_DISCRIMINATOR = 'x-when-missing';

export interface SpecDefect {
	/** A short name, used in test titles and the sandbox README. */
	readonly id: string;
	/** What is wrong and what shows it. */
	readonly summary: string;
	/** Corrects a copy of components.schemas in place. */
	fix(schemas: Schemas): void;
}

function schema(schemas: Schemas, name: string): Schema {
	const found = schemas[name];
	if (!found)
		throw new Error(`Meta's spec has no schema ${name}; update tools/meta-openapi/defects.ts.`);
	return found;
}

/** The part of an allOf that holds the type's own properties (the one that is not a $ref). */
function ownPart(schemas: Schemas, name: string): Schema {
	const allOf = schema(schemas, name).allOf as Schema[] | undefined;
	const own = allOf?.find((part) => part.$ref === undefined);
	if (!own) throw new Error(`Meta's spec: ${name} is not an allOf with properties of its own.`);
	return own;
}

function properties(target: Schema): Record<string, Schema> {
	if (typeof target.properties !== 'object' || target.properties === null) target.properties = {};
	return target.properties as Record<string, Schema>;
}

function unrequire(target: Schema, name: string): void {
	if (Array.isArray(target.required)) {
		target.required = (target.required as string[]).filter((field) => field !== name);
	}
}

function addToEnum(target: Schema, values: readonly string[]): void {
	const current = Array.isArray(target.enum) ? (target.enum as string[]) : [];
	target.enum = [...current, ...values.filter((value) => !current.includes(value))];
}

export const SPEC_DEFECTS: readonly SpecDefect[] = [
	{
		id: 'recipient_type required',
		summary:
			'BaseMessageProperties requires recipient_type; Meta\'s examples "Send Contact Message", "Send Test Message", "Send Flow Template Message" leave it out (Meta: optional, default "individual").',
		fix: (schemas) => unrequire(schema(schemas, 'BaseMessageProperties'), 'recipient_type'),
	},
	{
		id: 'type required',
		summary:
			'BaseMessageProperties and the Message discriminator require type; Meta\'s examples "Send Text Message with Preview URL" and "Send Reply to List Message" leave it out (Meta: "defaults to text"). Without type the branch is the content field the body has (text, interactive...), text when none.',
		fix: (schemas) => {
			unrequire(schema(schemas, 'BaseMessageProperties'), 'type');
			const discriminator = schema(schemas, 'Message').discriminator as Schema;
			const missing: MissingDiscriminator = { default: 'text' };
			discriminator[MISSING_DISCRIMINATOR] = missing;
		},
	},
	{
		id: 'read receipt missing',
		summary:
			'The request schema has no form for marking a message read (status "read", message_id, typing_indicator), which Meta\'s example "Send typing indicator and read receipt" sends to the same path. Added as documented in Meta\'s "Mark messages as read" and "Typing indicators" pages; a body with status takes that form.',
		fix: (schemas) => {
			schemas.MessageByType = schema(schemas, 'Message');
			schemas.ReadReceipt = {
				type: 'object',
				additionalProperties: false,
				required: ['messaging_product', 'status', 'message_id'],
				properties: {
					messaging_product: { type: 'string', enum: ['whatsapp'] },
					status: { type: 'string', enum: ['read'] },
					message_id: { type: 'string' },
					typing_indicator: {
						type: 'object',
						additionalProperties: false,
						required: ['type'],
						properties: { type: { type: 'string', enum: ['text'] } },
					},
				},
			};
			schemas.Message = {
				if: { type: 'object', required: ['status'] },
				then: { $ref: '#/components/schemas/ReadReceipt' },
				else: { $ref: '#/components/schemas/MessageByType' },
			};
		},
	},
	{
		id: 'language.policy required',
		summary:
			'LanguageObject requires policy; every template example of Meta\'s but "Send Sample Issue Resolution Template" leaves it out (Meta: optional, only "deterministic").',
		fix: (schemas) => unrequire(schema(schemas, 'LanguageObject'), 'policy'),
	},
	{
		id: 'button index pattern',
		summary:
			'The button index pattern ^[2-6, 11-14]$ is malformed (it rejects "0" and "1"); Meta\'s examples send "0" and "1" (Meta: the position 0-9), and also the numbers 0 and 1 ("Send Catalog Template Message", "Send Sample Issue Resolution Template").',
		fix: (schemas) => {
			const index = {
				anyOf: [
					{ type: 'string', pattern: '^[0-9]$' },
					{ type: 'integer', minimum: 0, maximum: 9 },
				],
			};
			properties(schema(schemas, 'TemplateComponent')).index = index;
			properties(ownPart(schemas, 'ButtonComponent')).index = index;
		},
	},
	{
		id: 'button sub_type',
		summary:
			'Button sub_type lists quick_reply, url and catalog in lower case; Meta\'s examples send "flow" ("Send Flow Template Message") and "CATALOG" ("Send Catalog Template Message"), and Meta documents copy_code buttons. Meta reads it in either case.',
		fix: (schemas) => {
			const values = ['quick_reply', 'url', 'catalog', 'copy_code', 'flow', 'mpm'];
			for (const target of [
				properties(schema(schemas, 'TemplateComponent')).sub_type,
				properties(ownPart(schemas, 'ButtonComponent')).sub_type,
			]) {
				target.enum = [...values, ...values.map((value) => value.toUpperCase())];
			}
		},
	},
	{
		id: 'button parameter types',
		summary:
			'Button parameters may be payload or text; Meta\'s examples send type "action" (flow_token, flow_action_data, thumbnail_product_retailer_id: "Send Flow Template Message", "Send Catalog Template Message"), and Meta documents type "coupon_code" for copy-code buttons.',
		fix: (schemas) => {
			const base = schema(schemas, 'ButtonParameterObject');
			addToEnum(properties(base).type, ['action', 'coupon_code']);
			const mapping = (base.discriminator as Schema).mapping as Record<string, string>;
			mapping.action = '#/components/schemas/ButtonActionParameter';
			mapping.coupon_code = '#/components/schemas/ButtonCouponCodeParameter';
			const parent = { $ref: '#/components/schemas/ButtonParameterObject' };
			schemas.ButtonActionParameter = {
				allOf: [
					parent,
					{
						type: 'object',
						required: ['action'],
						properties: {
							type: { enum: ['action'] },
							action: {
								type: 'object',
								properties: {
									flow_token: { type: 'string' },
									flow_action_data: { type: 'object' },
									thumbnail_product_retailer_id: { type: 'string' },
								},
							},
						},
					},
				],
			};
			schemas.ButtonCouponCodeParameter = {
				allOf: [
					parent,
					{
						type: 'object',
						required: ['coupon_code'],
						properties: {
							type: { enum: ['coupon_code'] },
							coupon_code: { type: 'string', maxLength: 20 },
						},
					},
				],
			};
		},
	},
	{
		id: 'location header parameter',
		summary:
			'Template parameters lack type "location", which Meta documents for templates with a LOCATION header (latitude, longitude, name, address).',
		fix: (schemas) => {
			const base = schema(schemas, 'ParameterObject');
			addToEnum(properties(base).type, ['location']);
			((base.discriminator as Schema).mapping as Record<string, string>).location =
				'#/components/schemas/LocationParameter';
			schemas.LocationParameter = {
				allOf: [
					{ $ref: '#/components/schemas/ParameterObject' },
					{
						type: 'object',
						required: ['location'],
						properties: {
							type: { enum: ['location'] },
							location: {
								type: 'object',
								required: ['latitude', 'longitude'],
								properties: {
									latitude: { type: ['number', 'string'] },
									longitude: { type: ['number', 'string'] },
									name: { type: 'string' },
									address: { type: 'string' },
								},
							},
						},
					},
				],
			};
		},
	},
	{
		id: 'latitude/longitude strings',
		summary:
			'Location latitude and longitude are typed as strings; Meta\'s examples "Send Location Message" and "Send Reply to Location Message" send numbers (Meta: decimal degrees).',
		fix: (schemas) => {
			const location = properties(ownPart(schemas, 'LocationMessage')).location;
			for (const name of ['latitude', 'longitude']) {
				properties(location)[name] = { type: ['number', 'string'] };
			}
		},
	},
	{
		id: 'interactive types',
		summary:
			'Interactive type lists button, call_permission_request, catalog_message, list, product, product_list and flow; Meta\'s examples send "order_details" and "order_status" (with actions review_and_pay and review_order), and Meta documents "cta_url" (action cta_url with display_text and url) and "location_request_message" (action send_location).',
		fix: (schemas) => {
			addToEnum(properties(schema(schemas, 'InteractiveObject')).type, [
				'cta_url',
				'location_request_message',
				'order_details',
				'order_status',
			]);
			const action = schema(schemas, 'ActionObject');
			const named = (name: string, parameters?: Schema): Schema => ({
				required: parameters ? ['name', 'parameters'] : ['name'],
				properties: {
					name: { type: 'string', enum: [name] },
					...(parameters ? { parameters } : {}),
				},
			});
			action.oneOf = [
				...(action.oneOf as Schema[]),
				named('cta_url', {
					type: 'object',
					required: ['display_text', 'url'],
					properties: {
						display_text: { type: 'string', maxLength: 20 },
						url: { type: 'string', format: 'uri' },
					},
				}),
				named('send_location'),
				named('review_and_pay', { type: 'object' }),
				named('review_order', { type: 'object' }),
			];
		},
	},
	{
		id: 'phone type CELL',
		summary:
			'Contact card phone types list HOME and WORK; Meta documents CELL, MAIN, IPHONE, HOME and WORK.',
		fix: (schemas) =>
			addToEnum(properties(schema(schemas, 'PhoneObject')).type, ['CELL', 'MAIN', 'IPHONE']),
	},
	{
		id: 'biz_opaque_callback_data missing',
		summary:
			'Message bodies lack biz_opaque_callback_data, which Meta documents for every message type (at most 512 characters, echoed in the status webhooks); the merged additionalProperties: false would reject it.',
		fix: (schemas) => {
			properties(schema(schemas, 'BaseMessageProperties')).biz_opaque_callback_data = {
				type: 'string',
				maxLength: 512,
			};
		},
	},
	{
		id: 'recipient (BSUID) missing',
		summary:
			'Message bodies require to and lack recipient, where Meta reads a business-scoped user ID (BSUID) instead of a phone number (business-scoped user IDs, 2026).',
		fix: (schemas) => {
			const base = schema(schemas, 'BaseMessageProperties');
			properties(base).recipient = { type: 'string' };
			unrequire(base, 'to');
			base.anyOf = [{ required: ['to'] }, { required: ['recipient'] }];
		},
	},
];
