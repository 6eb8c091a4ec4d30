/**
 * Expert mode: a template's components written by hand as JSON, checked against Meta's shape and
 * the limits this version knows.
 */
import { z } from 'zod';

import { byKey, obj, summariseIssues } from '../zod';
import { WireError } from '../wireError';
import { capitalise, describe, requiredText } from './checks';
import { buildEnvelope, type SendOptions } from './envelope';
import { location, type LocationInput } from './location';
import { mediaRef, type MediaInput } from './media';
import {
	TEMPLATE_LIMITS,
	templateName,
	templateText,
	type OtherTemplateComponent,
	type TemplateComponentPayload,
	type TemplateMessagePayload,
} from './template';

const SendMediaRefSchema = { link: z.string().optional(), id: z.string().optional() };
const parameterName = { parameter_name: z.string().optional() };
const SendParameterSchema = byKey(
	'type',
	{
		text: obj({ type: z.literal('text'), text: z.string(), ...parameterName }),
		currency: obj({
			type: z.literal('currency'),
			currency: obj({
				fallback_value: z.string(),
				code: z.string(),
				amount_1000: z.number().int(),
			}),
			...parameterName,
		}),
		date_time: obj({
			type: z.literal('date_time'),
			date_time: obj({ fallback_value: z.string() }),
			...parameterName,
		}),
		image: obj({ type: z.literal('image'), image: obj(SendMediaRefSchema) }),
		video: obj({ type: z.literal('video'), video: obj(SendMediaRefSchema) }),
		document: obj({
			type: z.literal('document'),
			document: obj({ ...SendMediaRefSchema, filename: z.string().optional() }),
		}),
		location: obj({
			type: z.literal('location'),
			location: obj({
				latitude: z.union([z.number(), z.string()]),
				longitude: z.union([z.number(), z.string()]),
				name: z.string().optional(),
				address: z.string().optional(),
			}),
		}),
		payload: obj({ type: z.literal('payload'), payload: z.string() }),
		coupon_code: obj({ type: z.literal('coupon_code'), coupon_code: z.string() }),
		action: obj({
			type: z.literal('action'),
			action: obj({
				flow_token: z.string().optional(),
				flow_action_data: z.record(z.unknown()).optional(),
			}),
		}),
	},
	obj({ type: z.string() }),
);
type SendParameter = z.infer<typeof SendParameterSchema>;

const SendComponentSchema = byKey(
	'type',
	{
		header: obj({ type: z.literal('header'), parameters: z.array(SendParameterSchema).length(1) }),
		body: obj({ type: z.literal('body'), parameters: z.array(SendParameterSchema).min(1) }),
		button: obj({
			type: z.literal('button'),
			sub_type: z.string(),
			index: z.union([
				z.number().int().min(0),
				z.string().regex(/^\d+$/, 'Expected a button position like "0"'),
			]),
			parameters: z.array(SendParameterSchema),
		}),
	},
	obj({ type: z.string() }),
);
/** The `template.components` array of a send payload, as Meta documents it. */
export const TemplateComponentsJsonSchema = z.array(SendComponentSchema);

/**
 * Expert mode: the template's components written by hand (a JSON string or the parsed array).
 * The shape is checked, and the limits on the parameters this version knows; component types it
 * does not know (carousel, limited_time_offer...) go through unchanged.
 */
export function buildTemplateFromComponents(
	to: string,
	name: string,
	language: string,
	componentsJson: unknown,
	options: Omit<SendOptions, 'to'> = {},
): TemplateMessagePayload {
	const envelope = buildEnvelope({ ...options, to });
	const templateNameValue = templateName(name);
	const code = requiredText('language', 'Template language', language);
	let raw = componentsJson;
	if (typeof raw === 'string') {
		if (raw.trim() === '') raw = [];
		else {
			try {
				raw = JSON.parse(raw);
			} catch (error) {
				throw new WireError(
					'components',
					`Components JSON is not valid JSON (${error instanceof Error ? error.message : String(error)}). Paste the "components" array of the template payload.`,
				);
			}
		}
	}
	if (!Array.isArray(raw)) {
		throw new WireError(
			'components',
			`Components JSON must be an array of components like [{"type": "body", "parameters": [...]}]; got ${describe(raw)}.`,
		);
	}
	const parsed = TemplateComponentsJsonSchema.safeParse(raw);
	if (!parsed.success) {
		const issues = summariseIssues(parsed.error.issues, 'components');
		throw new WireError(
			'components',
			`Components JSON does not match WhatsApp's template format: ${issues.join('; ')}.`,
		);
	}
	const components = parsed.data as (TemplateComponentPayload | OtherTemplateComponent)[];
	const bodyOnly = components.every((c) => c.type === 'body');
	const buttonIndexes = new Set<string>();
	components.forEach((component, c) => {
		const at = `components[${c}]`;
		if (component.type === 'button') {
			const index = String(component.index);
			if (buttonIndexes.has(index)) {
				throw new WireError(
					`${at}.index`,
					`Two components are given for the button at index ${index}; give each button once.`,
				);
			}
			buttonIndexes.add(index);
		}
		const parameters = (component as { parameters?: SendParameter[] }).parameters ?? [];
		parameters.forEach((parameter, p) => {
			checkSendParameter(`${at}.parameters[${p}]`, component.type, parameter, bodyOnly);
		});
	});
	return {
		...envelope,
		type: 'template',
		template: {
			name: templateNameValue,
			language: { code },
			...(components.length > 0 ? { components } : {}),
		},
	};
}

function checkSendParameter(
	field: string,
	componentType: string,
	parameter: SendParameter,
	bodyOnly: boolean,
): void {
	const p = parameter as Record<string, unknown> & { type: string };
	switch (p.type) {
		case 'text': {
			const max =
				componentType === 'header'
					? TEMPLATE_LIMITS.templateHeaderParameter
					: componentType === 'body'
						? bodyOnly
							? TEMPLATE_LIMITS.templateBodyOnlyParameter
							: TEMPLATE_LIMITS.templateBodyParameter
						: undefined;
			if (componentType === 'button') requiredText(`${field}.text`, 'Button text', p.text);
			else templateText(`${field}.text`, `${componentType} text value`, p.text, max);
			return;
		}
		case 'currency': {
			const currency = p.currency as { code: string; fallback_value: string };
			if (!/^[A-Z]{3}$/.test(currency.code)) {
				throw new WireError(
					`${field}.currency.code`,
					`Currency code "${currency.code}" is not an ISO 4217 code; use three capital letters like EUR.`,
				);
			}
			requiredText(
				`${field}.currency.fallback_value`,
				'Currency fallback_value',
				currency.fallback_value,
			);
			return;
		}
		case 'date_time':
			requiredText(
				`${field}.date_time.fallback_value`,
				'Date fallback_value',
				(p.date_time as { fallback_value: string }).fallback_value,
			);
			return;
		case 'image':
		case 'video':
		case 'document':
			mediaRef(`${field}.${p.type}`, capitalise(p.type), p[p.type] as MediaInput);
			return;
		case 'location':
			location(`${field}.location`, p.location as LocationInput);
			return;
		case 'payload':
			requiredText(`${field}.payload`, 'Button payload', p.payload);
			return;
		case 'coupon_code':
			requiredText(
				`${field}.coupon_code`,
				'Coupon code',
				p.coupon_code,
				TEMPLATE_LIMITS.couponCode,
				'Use a shorter code.',
			);
			return;
		default:
			return;
	}
}
