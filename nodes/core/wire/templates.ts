/**
 * Template definitions as `GET /<WABA_ID>/message_templates` returns them, and the variables a send
 * of one must fill. Component, format and button types are upper-cased on parse (Meta returns them
 * upper case; creation payloads may use lower case).
 */
import { z } from 'zod';
import { byKey, isRecord, obj, openEnum, summariseIssues } from './zod';

const upper = (value: string) => value.toUpperCase();

/** Like openEnum, upper-cased on parse. */
function upperEnum<const T extends readonly string[]>(
	_documented: T,
): z.ZodType<T[number] | (string & {}), z.ZodTypeDef, string> {
	return z.string().transform(upper);
}

const NamedParamExampleSchema = obj({
	param_name: z.string(),
	example: z.string().optional(),
});

export const TemplateHeaderDefinitionSchema = obj({
	type: z.literal('HEADER'),
	format: upperEnum(['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION', 'GIF']),
	/** For TEXT headers; at most one variable. */
	text: z.string().optional(),
	example: obj({
		header_text: z.array(z.string()).optional(),
		header_text_named_params: z.array(NamedParamExampleSchema).optional(),
		header_handle: z.array(z.string()).optional(),
	}).optional(),
});

export const TemplateBodyDefinitionSchema = obj({
	type: z.literal('BODY'),
	text: z.string().optional(),
	example: obj({
		/** One array of examples, in placeholder order, wrapped in an outer array. */
		body_text: z.array(z.array(z.string())).optional(),
		body_text_named_params: z.array(NamedParamExampleSchema).optional(),
	}).optional(),
	add_security_recommendation: z.boolean().optional(),
});

export const TemplateFooterDefinitionSchema = obj({
	type: z.literal('FOOTER'),
	text: z.string().optional(),
	code_expiration_minutes: z.number().optional(),
});

export const QuickReplyButtonDefinitionSchema = obj({
	type: z.literal('QUICK_REPLY'),
	text: z.string(),
});
/** `url` may end in {{1}}: the suffix is then a variable of every send. */
export const UrlButtonDefinitionSchema = obj({
	type: z.literal('URL'),
	text: z.string(),
	url: z.string(),
	example: z.array(z.string()).optional(),
});
export const PhoneNumberButtonDefinitionSchema = obj({
	type: z.literal('PHONE_NUMBER'),
	text: z.string(),
	phone_number: z.string(),
});
export const CopyCodeButtonDefinitionSchema = obj({
	type: z.literal('COPY_CODE'),
	text: z.string().optional(),
	example: z.union([z.string(), z.array(z.string())]).optional(),
});
export const FlowButtonDefinitionSchema = obj({
	type: z.literal('FLOW'),
	text: z.string(),
	flow_id: z.union([z.string(), z.number()]).optional(),
	flow_name: z.string().optional(),
	flow_action: z.string().optional(),
	navigate_screen: z.string().optional(),
});
/** Authentication templates: the code goes in as a `url` button parameter at send time. */
export const OtpButtonDefinitionSchema = obj({
	type: z.literal('OTP'),
	otp_type: upperEnum(['COPY_CODE', 'ONE_TAP', 'ZERO_TAP']).optional(),
	text: z.string().optional(),
	autofill_text: z.string().optional(),
});
/** CATALOG, MPM, SPM, VOICE_CALL... kept as sent. */
export const OtherButtonDefinitionSchema = obj({ type: z.string() });

export const TemplateButtonDefinitionSchema = byKey(
	'type',
	{
		QUICK_REPLY: QuickReplyButtonDefinitionSchema,
		URL: UrlButtonDefinitionSchema,
		PHONE_NUMBER: PhoneNumberButtonDefinitionSchema,
		COPY_CODE: CopyCodeButtonDefinitionSchema,
		FLOW: FlowButtonDefinitionSchema,
		OTP: OtpButtonDefinitionSchema,
	},
	OtherButtonDefinitionSchema,
	upper,
);
export type TemplateButtonDefinition = z.infer<typeof TemplateButtonDefinitionSchema>;

export const TemplateButtonsDefinitionSchema = obj({
	type: z.literal('BUTTONS'),
	buttons: z.array(TemplateButtonDefinitionSchema),
});
/** CAROUSEL, LIMITED_TIME_OFFER... kept as sent. */
export const OtherComponentDefinitionSchema = obj({ type: z.string() });

export const TemplateComponentDefinitionSchema = byKey(
	'type',
	{
		HEADER: TemplateHeaderDefinitionSchema,
		BODY: TemplateBodyDefinitionSchema,
		FOOTER: TemplateFooterDefinitionSchema,
		BUTTONS: TemplateButtonsDefinitionSchema,
	},
	OtherComponentDefinitionSchema,
	upper,
);
export type TemplateComponentDefinition = z.infer<typeof TemplateComponentDefinitionSchema>;
export type TemplateHeaderDefinition = z.infer<typeof TemplateHeaderDefinitionSchema>;
export type TemplateBodyDefinition = z.infer<typeof TemplateBodyDefinitionSchema>;
export type TemplateButtonsDefinition = z.infer<typeof TemplateButtonsDefinitionSchema>;

export const TemplateDefinitionSchema = obj({
	id: z.string(),
	name: z.string(),
	language: z.string(),
	status: openEnum([
		'APPROVED',
		'PENDING',
		'REJECTED',
		'PAUSED',
		'DISABLED',
		'IN_APPEAL',
		'PENDING_DELETION',
		'DELETED',
		'LIMIT_EXCEEDED',
		'ARCHIVED',
	]),
	category: upperEnum(['MARKETING', 'UTILITY', 'AUTHENTICATION']),
	sub_category: z.string().optional(),
	/** Missing on older templates, which are positional. */
	parameter_format: upperEnum(['POSITIONAL', 'NAMED']).optional(),
	/** Missing only when the request's `fields` left it out. */
	components: z.array(TemplateComponentDefinitionSchema).optional(),
	quality_score: obj({ score: z.string().optional(), date: z.number().optional() }).optional(),
	rejected_reason: z.string().optional(),
	previous_category: z.string().optional(),
});
export type TemplateDefinition = z.infer<typeof TemplateDefinitionSchema>;

export const GraphPagingSchema = obj({
	cursors: obj({ before: z.string().optional(), after: z.string().optional() }).optional(),
	next: z.string().optional(),
	previous: z.string().optional(),
});
export type GraphPaging = z.infer<typeof GraphPagingSchema>;

/** One page of `GET /<WABA_ID>/message_templates`. */
export const TemplateListResponseSchema = obj({
	data: z.array(TemplateDefinitionSchema),
	paging: GraphPagingSchema.optional(),
});
export type TemplateListResponse = z.infer<typeof TemplateListResponseSchema>;

export type ParseTemplatePageResult =
	| {
			ok: true;
			templates: TemplateDefinition[];
			/** Templates that did not match, so one odd template does not hide the others. */
			invalid: { index: number; name?: string; issues: string[] }[];
			paging?: GraphPaging;
	  }
	| { ok: false; error: string };

/** Reads one page of the template list. Never throws. */
export function parseTemplatePage(body: unknown): ParseTemplatePageResult {
	if (!isRecord(body) || !Array.isArray(body.data)) {
		return { ok: false, error: 'The template list response has no "data" array.' };
	}
	const templates: TemplateDefinition[] = [];
	const invalid: { index: number; name?: string; issues: string[] }[] = [];
	body.data.forEach((raw, index) => {
		const parsed = TemplateDefinitionSchema.safeParse(raw);
		if (parsed.success) templates.push(parsed.data);
		else {
			const name = isRecord(raw) && typeof raw.name === 'string' ? raw.name : undefined;
			invalid.push({ index, name, issues: summariseIssues(parsed.error.issues) });
		}
	});
	const paging = GraphPagingSchema.safeParse(body.paging);
	return {
		ok: true,
		templates,
		invalid,
		...(paging.success && body.paging !== undefined ? { paging: paging.data } : {}),
	};
}

// ---------------------------------------------------------------------------------------------
// Variables

/**
 * What a variable takes. A definition yields text, media, location, payload, coupon_code,
 * flow_token and url_suffix; Meta does not record currency or date_time in a definition, they
 * are value kinds any body variable also accepts.
 */
export type TemplateVariableKind =
	| 'text'
	| 'currency'
	| 'date_time'
	| 'media'
	| 'location'
	| 'payload'
	| 'coupon_code'
	| 'flow_token'
	| 'url_suffix';

export interface TemplateVariable {
	/**
	 * Stable id: header.text.1, header.text.sale_date, header.image, header.location, body.1,
	 * body.first_name, button.0.url, button.1.payload, button.2.coupon_code, button.0.flow_token.
	 */
	readonly key: string;
	readonly component: 'header' | 'body' | 'button';
	readonly kind: TemplateVariableKind;
	/** False for values Meta fills itself: quick-reply payload (the button text), flow_token. */
	readonly required: boolean;
	/** The sample value from the definition, when it has one. */
	readonly example?: string;
	/** For people: 'Body {{first_name}}', 'Button "Shop now" URL suffix'. */
	readonly label: string;
	/** Header and body text: the placeholder's name or position ("first_name", "1"). */
	readonly placeholder?: string;
	/** Buttons: the index Meta expects at send time (position among the template's buttons). */
	readonly buttonIndex?: number;
}

export type ParameterFormat = 'POSITIONAL' | 'NAMED';

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** Placeholder names in order of first appearance, each once: "Hi {{1}}, {{2}}" -> ["1", "2"]. */
export function placeholdersOf(text: string | undefined): string[] {
	if (!text) return [];
	const seen = new Set<string>();
	for (const match of text.matchAll(PLACEHOLDER)) seen.add(match[1]);
	return [...seen];
}

/** The definition's format, or the one its placeholders imply when the field is missing. */
export function parameterFormatOf(definition: TemplateDefinition): ParameterFormat {
	const declared = definition.parameter_format?.toUpperCase();
	if (declared === 'NAMED' || declared === 'POSITIONAL') return declared;
	const names = (definition.components ?? []).flatMap((c) =>
		c.type === 'HEADER' || c.type === 'BODY' ? placeholdersOf(textOf(c)) : [],
	);
	return names.some((n) => !/^\d+$/.test(n)) ? 'NAMED' : 'POSITIONAL';
}

export function headerOf(definition: TemplateDefinition): TemplateHeaderDefinition | undefined {
	return definition.components?.find(
		(c): c is TemplateHeaderDefinition => c.type === 'HEADER' && 'format' in c,
	);
}

export function bodyOf(definition: TemplateDefinition): TemplateBodyDefinition | undefined {
	return definition.components?.find(
		(c): c is TemplateBodyDefinition => c.type === 'BODY' && !('buttons' in c),
	);
}

export function buttonsOf(definition: TemplateDefinition): TemplateButtonDefinition[] {
	const component = definition.components?.find(
		(c): c is TemplateButtonsDefinition => c.type === 'BUTTONS' && Array.isArray(c.buttons),
	);
	return component?.buttons ?? [];
}

const MEDIA_HEADER_FORMATS = ['IMAGE', 'VIDEO', 'DOCUMENT'] as const;
const SUPPORTED_HEADER_FORMATS = new Set<string>(['TEXT', 'LOCATION', ...MEDIA_HEADER_FORMATS]);
const SUPPORTED_COMPONENTS = new Set(['HEADER', 'BODY', 'FOOTER', 'BUTTONS']);
/** Buttons without send-time parameters, or with ones this version fills. */
const SUPPORTED_BUTTONS = new Set([
	'QUICK_REPLY',
	'URL',
	'PHONE_NUMBER',
	'COPY_CODE',
	'FLOW',
	'OTP',
	'VOICE_CALL',
]);

/**
 * Parts of a template this version cannot fill from variables (carousels, limited-time offers,
 * catalog buttons, GIF headers...), described for a person. Send those with components JSON.
 */
export function unsupportedTemplateParts(definition: TemplateDefinition): string[] {
	const parts: string[] = [];
	for (const component of definition.components ?? []) {
		if (!SUPPORTED_COMPONENTS.has(component.type)) {
			parts.push(`${component.type.toLowerCase()} component`);
		}
	}
	const header = headerOf(definition);
	if (header && !SUPPORTED_HEADER_FORMATS.has(header.format)) {
		parts.push(`${header.format} header`);
	}
	buttonsOf(definition).forEach((button, index) => {
		if (!SUPPORTED_BUTTONS.has(button.type)) parts.push(`${button.type} button (index ${index})`);
	});
	return parts;
}

/**
 * The variables a send of this template must (or may) fill, in the order they appear: header,
 * body, then buttons. Parts listed by unsupportedTemplateParts are left out.
 */
export function templateVariables(definition: TemplateDefinition): TemplateVariable[] {
	const variables: TemplateVariable[] = [];
	const named = parameterFormatOf(definition) === 'NAMED';

	const header = headerOf(definition);
	if (header?.format === 'TEXT') {
		const examples = header.example;
		placeholdersOf(header.text).forEach((placeholder, position) => {
			variables.push({
				key: `header.text.${placeholder}`,
				component: 'header',
				kind: 'text',
				required: true,
				example: named
					? examples?.header_text_named_params?.find((p) => p.param_name === placeholder)?.example
					: examples?.header_text?.[position],
				label: `Header {{${placeholder}}}`,
				placeholder,
			});
		});
	} else if (header && (MEDIA_HEADER_FORMATS as readonly string[]).includes(header.format)) {
		const media = header.format.toLowerCase();
		variables.push({
			key: `header.${media}`,
			component: 'header',
			kind: 'media',
			required: true,
			label: `Header ${media}`,
		});
	} else if (header?.format === 'LOCATION') {
		variables.push({
			key: 'header.location',
			component: 'header',
			kind: 'location',
			required: true,
			label: 'Header location',
		});
	}

	const body = bodyOf(definition);
	const bodyExamples = body?.example;
	placeholdersOf(body?.text).forEach((placeholder, position) => {
		variables.push({
			key: `body.${placeholder}`,
			component: 'body',
			kind: 'text',
			required: true,
			example: named
				? bodyExamples?.body_text_named_params?.find((p) => p.param_name === placeholder)?.example
				: bodyExamples?.body_text?.[0]?.[position],
			label: `Body {{${placeholder}}}`,
			placeholder,
		});
	});

	buttonsOf(definition).forEach((button, index) => {
		const variable = buttonVariable(button, index);
		if (variable) variables.push(variable);
	});
	return variables;
}

function buttonVariable(
	button: TemplateButtonDefinition,
	index: number,
): TemplateVariable | undefined {
	const name = 'text' in button && typeof button.text === 'string' ? `"${button.text}"` : '';
	const label = (what: string) => `Button ${name || index + 1} ${what}`.replace(/\s+/g, ' ');
	const base = { component: 'button' as const, buttonIndex: index };
	switch (button.type) {
		case 'QUICK_REPLY':
			return {
				...base,
				key: `button.${index}.payload`,
				kind: 'payload',
				required: false,
				label: label('payload'),
			};
		case 'URL': {
			const url = (button as z.infer<typeof UrlButtonDefinitionSchema>).url;
			if (placeholdersOf(url).length === 0) return undefined;
			return {
				...base,
				key: `button.${index}.url`,
				kind: 'url_suffix',
				required: true,
				example: urlSuffixExample(
					url,
					(button as z.infer<typeof UrlButtonDefinitionSchema>).example,
				),
				label: label('URL suffix'),
			};
		}
		case 'OTP':
			return {
				...base,
				key: `button.${index}.url`,
				kind: 'url_suffix',
				required: true,
				label: 'One-time password (button)',
			};
		case 'COPY_CODE': {
			const example = (button as z.infer<typeof CopyCodeButtonDefinitionSchema>).example;
			return {
				...base,
				key: `button.${index}.coupon_code`,
				kind: 'coupon_code',
				required: true,
				example: Array.isArray(example) ? example[0] : example,
				label: label('coupon code'),
			};
		}
		case 'FLOW':
			return {
				...base,
				key: `button.${index}.flow_token`,
				kind: 'flow_token',
				required: false,
				label: label('flow token'),
			};
		default:
			return undefined;
	}
}

/** Meta's URL example is the whole URL; the variable is only what replaces {{1}}. */
function urlSuffixExample(url: string, examples: string[] | undefined): string | undefined {
	const example = examples?.[0];
	if (example === undefined) return undefined;
	const prefix = url.slice(0, url.search(/\{\{/));
	return example.startsWith(prefix) ? example.slice(prefix.length) : example;
}

function textOf(component: unknown): string | undefined {
	return isRecord(component) && typeof component.text === 'string' ? component.text : undefined;
}
