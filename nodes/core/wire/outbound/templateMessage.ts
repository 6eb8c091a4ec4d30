/** A template message built from values, checked against the template's definition when given. */
import {
	buttonsOf,
	headerOf,
	parameterFormatOf,
	placeholdersOf,
	templateVariables,
	unsupportedTemplateParts,
	type TemplateDefinition,
	type TemplateVariable,
} from '../templates';
import { isRecord } from '../zod';
import { charCount, WireError } from '../wireError';
import { capitalise, optionalText, requiredText, tooLong } from './checks';
import { buildEnvelope } from './envelope';
import { location } from './location';
import { headerDocument, mediaRef } from './media';
import {
	TEMPLATE_LIMITS,
	templateName,
	templateText,
	type TemplateBodyParameter,
	type TemplateButtonComponent,
	type TemplateButtonInput,
	type TemplateComponentPayload,
	type TemplateCurrencyParameter,
	type TemplateHeaderInput,
	type TemplateHeaderParameter,
	type TemplateMessageInput,
	type TemplateMessagePayload,
} from './template';

interface Supplied {
	key: string;
	label: string;
}
interface BuiltHeader extends Supplied {
	parameter: TemplateHeaderParameter;
}
interface BuiltBodyParameter extends Supplied {
	parameter: TemplateBodyParameter;
}
interface BuiltButton extends Supplied {
	index: number;
	component: TemplateButtonComponent;
}

/**
 * A template message. With the template's definition (from the template list), the values are
 * also checked against it: every variable filled, nothing extra, the header of the right kind,
 * parameters only for buttons that take them. Without it, only Meta's limits are checked.
 */
export function buildTemplateMessage(
	input: TemplateMessageInput,
	definition?: TemplateDefinition,
): TemplateMessagePayload {
	const envelope = buildEnvelope(input);
	const name = templateName(input.name);
	const language = requiredText('language', 'Template language', input.language);
	if (definition) checkIdentity(definition, name, language);

	const header = input.header === undefined ? undefined : templateHeader(input.header, definition);
	const body = templateBody(input.body);
	const buttons = templateButtons(input.buttons);

	if (definition) checkAgainstDefinition(definition, name, language, header, body, buttons);

	const bodyOnly = definition
		? (definition.components ?? []).every((c) => c.type === 'BODY')
		: header === undefined && buttons.length === 0;
	const bodyLimit = bodyOnly
		? TEMPLATE_LIMITS.templateBodyOnlyParameter
		: TEMPLATE_LIMITS.templateBodyParameter;
	for (const item of body) {
		if (item.parameter.type !== 'text') continue;
		const length = charCount(item.parameter.text);
		if (length > bodyLimit) {
			throw tooLong(
				item.key,
				capitalise(item.label),
				length,
				bodyLimit,
				bodyOnly
					? 'Shorten the value.'
					: 'Shorten the value (templates with a header, footer or buttons allow less per variable).',
			);
		}
	}

	const components: TemplateComponentPayload[] = [];
	if (header) components.push({ type: 'header', parameters: [header.parameter] });
	if (body.length > 0) components.push({ type: 'body', parameters: body.map((b) => b.parameter) });
	for (const button of buttons) components.push(button.component);
	return {
		...envelope,
		type: 'template',
		template: {
			name,
			language: { code: language },
			...(components.length > 0 ? { components } : {}),
		},
	};
}

function checkIdentity(definition: TemplateDefinition, name: string, language: string): void {
	if (definition.name !== name || definition.language !== language) {
		throw new WireError(
			'template',
			`The template definition given is "${definition.name}" (${definition.language}) but the message sends "${name}" (${language}). Load the definition of the template you send.`,
		);
	}
}

function templateHeader(
	header: TemplateHeaderInput,
	definition: TemplateDefinition | undefined,
): BuiltHeader {
	if (!isRecord(header as unknown)) {
		throw new WireError('header', 'Header must be an object with a type.');
	}
	switch (header.type) {
		case 'text': {
			const definitionHeader = definition ? headerOf(definition) : undefined;
			const definitionName =
				definition && parameterFormatOf(definition) === 'NAMED'
					? placeholdersOf(definitionHeader?.text)[0]
					: undefined;
			const parameterName =
				optionalText('header.parameter_name', 'Header variable name', header.parameter_name) ??
				definitionName;
			const placeholder = parameterName ?? '1';
			const key = `header.text.${placeholder}`;
			const label = `header {{${placeholder}}}`;
			const text = templateText(key, label, header.text, TEMPLATE_LIMITS.templateHeaderParameter);
			return {
				key,
				label,
				parameter: {
					type: 'text',
					text,
					...(parameterName !== undefined ? { parameter_name: parameterName } : {}),
				},
			};
		}
		case 'image':
		case 'video':
			return {
				key: `header.${header.type}`,
				label: `header ${header.type}`,
				parameter:
					header.type === 'image'
						? { type: 'image', image: mediaRef('header', 'Header image', header) }
						: { type: 'video', video: mediaRef('header', 'Header video', header) },
			};
		case 'document': {
			const document = headerDocument(header);
			return {
				key: 'header.document',
				label: 'header document',
				parameter: { type: 'document', document },
			};
		}
		case 'location':
			return {
				key: 'header.location',
				label: 'header location',
				parameter: { type: 'location', location: location('header', header) },
			};
		default:
			throw new WireError(
				'header.type',
				`Header type "${String((header as { type?: unknown }).type)}" is not valid; use text, image, video, document or location.`,
			);
	}
}

function templateBody(body: TemplateMessageInput['body']): BuiltBodyParameter[] {
	if (body === undefined || body === null) return [];
	if (Array.isArray(body)) {
		return body.map((value, i) => bodyParameter(String(i + 1), value, false));
	}
	if (!isRecord(body)) {
		throw new WireError('body', 'Body values must be a list (positional) or an object (named).');
	}
	const keys = Object.keys(body);
	const numeric = keys.filter((k) => /^\d+$/.test(k));
	if (numeric.length === keys.length) {
		const ordered = numeric.map(Number).sort((a, b) => a - b);
		ordered.forEach((n, i) => {
			if (n !== i + 1) {
				throw new WireError(
					`body.${i + 1}`,
					`Body variables are numbered from {{1}} without gaps; {{${i + 1}}} has no value (got ${ordered.map((k) => `{{${k}}}`).join(', ')}).`,
				);
			}
		});
		return ordered.map((n) => bodyParameter(String(n), body[String(n)], false));
	}
	if (numeric.length > 0) {
		throw new WireError(
			'body',
			`Body mixes numbered (${numeric.join(', ')}) and named variables; a template uses one kind only.`,
		);
	}
	return keys.map((name) => bodyParameter(name, body[name], true));
}

function bodyParameter(placeholder: string, value: unknown, named: boolean): BuiltBodyParameter {
	const key = `body.${placeholder}`;
	const label = `body {{${placeholder}}}`;
	const withName = <T extends TemplateBodyParameter>(parameter: T): T =>
		named ? { ...parameter, parameter_name: placeholder } : parameter;
	if (isRecord(value) && value.type === 'currency') {
		return { key, label, parameter: withName(currencyParameter(key, label, value)) };
	}
	if (isRecord(value) && value.type === 'date_time') {
		const fallback = requiredText(
			`${key}.fallback_value`,
			`${capitalise(label)} date text (fallback_value)`,
			value.fallback_value,
		);
		return {
			key,
			label,
			parameter: withName({ type: 'date_time', date_time: { fallback_value: fallback } }),
		};
	}
	if (isRecord(value)) {
		throw new WireError(
			key,
			`${capitalise(label)} is an object of type ${JSON.stringify(value.type) ?? 'undefined'}; give text, or a { type: "currency" } or { type: "date_time" } value.`,
		);
	}
	// The length limit depends on the template's other components; checked once they are known.
	return {
		key,
		label,
		parameter: withName({ type: 'text', text: templateText(key, label, value) }),
	};
}

function currencyParameter(
	key: string,
	label: string,
	value: Record<string, unknown>,
): TemplateCurrencyParameter {
	const what = capitalise(label);
	const code = requiredText(`${key}.code`, `${what} currency code`, value.code).toUpperCase();
	if (!/^[A-Z]{3}$/.test(code)) {
		throw new WireError(
			`${key}.code`,
			`${what} currency code "${code}" is not an ISO 4217 code; use three letters like EUR or USD.`,
		);
	}
	const amount =
		typeof value.amount === 'number'
			? value.amount
			: typeof value.amount === 'string' && value.amount.trim() !== ''
				? Number(value.amount)
				: Number.NaN;
	const amount1000 = Math.round(amount * 1000);
	if (!Number.isFinite(amount) || !Number.isSafeInteger(amount1000)) {
		throw new WireError(
			`${key}.amount`,
			`${what} amount ${JSON.stringify(value.amount) ?? 'undefined'} is not a number; give the amount in the currency's unit, e.g. 12.5.`,
		);
	}
	const fallback = requiredText(
		`${key}.fallback_value`,
		`${what} display text (fallback_value)`,
		value.fallback_value,
	);
	return {
		type: 'currency',
		currency: { fallback_value: fallback, code, amount_1000: amount1000 },
	};
}

const BUTTON_KEY = {
	quick_reply: 'payload',
	url: 'url',
	copy_code: 'coupon_code',
	flow: 'flow_token',
} as const;

function templateButtons(buttons: TemplateMessageInput['buttons']): BuiltButton[] {
	if (buttons === undefined || buttons === null) return [];
	if (!Array.isArray(buttons)) throw new WireError('buttons', 'Buttons must be a list.');
	const built = buttons.map((button, i) => templateButton(button, i));
	const seen = new Set<number>();
	for (const button of built) {
		if (seen.has(button.index)) {
			throw new WireError(
				'buttons',
				`Two values are given for the button at index ${button.index}; give each button once.`,
			);
		}
		seen.add(button.index);
	}
	return built.sort((a, b) => a.index - b.index);
}

function templateButton(button: TemplateButtonInput, position: number): BuiltButton {
	const field = `buttons[${position}]`;
	if (!isRecord(button)) throw new WireError(field, `Button ${position + 1} must be an object.`);
	const index = button.index;
	if (
		typeof index !== 'number' ||
		!Number.isInteger(index) ||
		index < 0 ||
		index >= TEMPLATE_LIMITS.templateButtons
	) {
		throw new WireError(
			`${field}.index`,
			`Button index ${JSON.stringify(index) ?? 'undefined'} is not valid; it is the button's position in the template, from 0 to ${TEMPLATE_LIMITS.templateButtons - 1}.`,
		);
	}
	const subType = button.sub_type;
	if (!Object.hasOwn(BUTTON_KEY, subType)) {
		throw new WireError(
			`${field}.sub_type`,
			`Button type "${String(subType)}" is not valid; use quick_reply, url, copy_code or flow.`,
		);
	}
	const key = `button.${index}.${BUTTON_KEY[subType]}`;
	const at = String(index);
	switch (button.sub_type) {
		case 'quick_reply':
			return {
				key,
				index,
				label: `button ${index} payload`,
				component: {
					type: 'button',
					sub_type: 'quick_reply',
					index: at,
					parameters: [
						{
							type: 'payload',
							payload: requiredText(key, `Button ${index} payload`, button.payload),
						},
					],
				},
			};
		case 'url':
			return {
				key,
				index,
				label: `button ${index} URL suffix`,
				component: {
					type: 'button',
					sub_type: 'url',
					index: at,
					parameters: [
						{ type: 'text', text: requiredText(key, `Button ${index} URL suffix`, button.text) },
					],
				},
			};
		case 'copy_code':
			return {
				key,
				index,
				label: `button ${index} coupon code`,
				component: {
					type: 'button',
					sub_type: 'copy_code',
					index: at,
					parameters: [
						{
							type: 'coupon_code',
							coupon_code: requiredText(
								key,
								'Coupon code',
								button.coupon_code,
								TEMPLATE_LIMITS.couponCode,
								'Use a shorter code.',
							),
						},
					],
				},
			};
		case 'flow': {
			const action: { flow_token?: string; flow_action_data?: Record<string, unknown> } = {};
			const token = optionalText(key, 'Flow token', button.flow_token);
			if (token !== undefined) action.flow_token = token;
			if (button.flow_action_data !== undefined) {
				if (!isRecord(button.flow_action_data)) {
					throw new WireError(
						`${field}.flow_action_data`,
						'Flow action data must be an object (the data for the first screen).',
					);
				}
				action.flow_action_data = structuredClone(button.flow_action_data);
			}
			return {
				key,
				index,
				label: `button ${index} flow token`,
				component: {
					type: 'button',
					sub_type: 'flow',
					index: at,
					parameters: [{ type: 'action', action }],
				},
			};
		}
	}
}

function checkAgainstDefinition(
	definition: TemplateDefinition,
	name: string,
	language: string,
	header: BuiltHeader | undefined,
	body: BuiltBodyParameter[],
	buttons: BuiltButton[],
): void {
	const title = `Template "${name}" (${language})`;
	if (definition.components === undefined) {
		throw new WireError(
			'template',
			`${title}: the definition has no components (it was fetched without the "components" field), so the values cannot be checked. Fetch the full definition.`,
		);
	}
	const unsupported = unsupportedTemplateParts(definition);
	if (unsupported.length > 0) {
		throw new WireError(
			'template',
			`${title} has parts this node cannot fill: ${unsupported.join(', ')}. Send it with components JSON (expert mode) instead.`,
		);
	}

	const variables = templateVariables(definition);
	const byKeyMap = new Map<string, TemplateVariable>(variables.map((v) => [v.key, v]));
	const supplied: Supplied[] = [...(header ? [header] : []), ...body, ...buttons];
	const suppliedKeys = new Set(supplied.map((s) => s.key));
	const missing = variables.filter((v) => v.required && !suppliedKeys.has(v.key));
	const extra = supplied.filter((s) => !byKeyMap.has(s.key));
	if (missing.length > 0 || extra.length > 0) {
		const parts = [`${title} does not match the values given.`];
		if (missing.length > 0) {
			parts.push(`Missing: ${missing.map((v) => `${v.label} (${v.key})`).join(', ')}.`);
		}
		if (extra.length > 0) {
			parts.push(`Not in the template: ${extra.map((s) => `${s.label} (${s.key})`).join(', ')}.`);
		}
		parts.push(...formatHints(definition, body));
		parts.push('Give a value for every variable of the template and nothing else.');
		throw new WireError('template', parts.join(' '));
	}

	// Authentication codes and dynamic URLs have limits of their own.
	const definedButtons = buttonsOf(definition);
	for (const button of buttons) {
		if (button.component.sub_type !== 'url') continue;
		const suffix = button.component.parameters[0].text;
		const defined = definedButtons[button.index];
		const isOtp = defined?.type === 'OTP' || definition.category === 'AUTHENTICATION';
		if (isOtp && charCount(suffix) > TEMPLATE_LIMITS.oneTimePassword) {
			throw tooLong(
				button.key,
				'One-time password',
				charCount(suffix),
				TEMPLATE_LIMITS.oneTimePassword,
				'Use a shorter code.',
			);
		}
		if (defined?.type === 'URL' && 'url' in defined && typeof defined.url === 'string') {
			const full = defined.url.replace(/\{\{\s*1\s*\}\}/, suffix);
			if (charCount(full) > TEMPLATE_LIMITS.templateButtonUrl) {
				throw tooLong(
					button.key,
					`Button ${button.index} URL with its suffix`,
					charCount(full),
					TEMPLATE_LIMITS.templateButtonUrl,
					'Shorten the suffix.',
				);
			}
		}
	}
}

function formatHints(definition: TemplateDefinition, body: BuiltBodyParameter[]): string[] {
	if (body.length === 0) return [];
	const named = parameterFormatOf(definition) === 'NAMED';
	const givenNamed = body.some((b) => b.parameter.parameter_name !== undefined);
	if (named && !givenNamed) {
		return ['This template uses named variables: give the body as an object keyed by name.'];
	}
	if (!named && givenNamed) {
		return [
			'This template uses numbered variables ({{1}}, {{2}}...): give the body values as a list in that order.',
		];
	}
	return [];
}
