/** Template values keyed by variable (a resource mapper's output) turned into a template's input. */
import {
	parameterFormatOf,
	templateVariables,
	type TemplateDefinition,
	type TemplateVariable,
} from '../templates';
import { isRecord } from '../zod';
import { WireError } from '../wireError';
import type { MediaInput } from './media';
import type {
	TemplateBodyValue,
	TemplateButtonInput,
	TemplateHeaderInput,
	TemplateMessageInput,
} from './template';

/**
 * Turns values keyed like templateVariables() (the shape a resource mapper produces) into the
 * header, body and buttons of a TemplateMessageInput. Empty values are left out, so a missing
 * required one is reported by buildTemplateMessage; keys the template does not have throw.
 *
 * Media variables take a URL (sent as link) or an uploaded media id, or { link | id, filename };
 * header.location takes { latitude, longitude, name?, address? }; body variables take text,
 * numbers, or { type: 'currency' | 'date_time', ... }.
 */
export function templateInputFromValues(
	definition: TemplateDefinition,
	values: Readonly<Record<string, unknown>>,
): Pick<TemplateMessageInput, 'header' | 'body' | 'buttons'> {
	const variables = templateVariables(definition);
	const known = new Set(variables.map((v) => v.key));
	const unknown = Object.keys(values).filter((k) => !known.has(k) && !isEmpty(values[k]));
	if (unknown.length > 0) {
		throw new WireError(
			'template',
			`Template "${definition.name}" has no variable ${unknown.join(', ')}. Its variables are: ${[...known].join(', ') || 'none'}.`,
		);
	}
	const named = parameterFormatOf(definition) === 'NAMED';
	let header: TemplateHeaderInput | undefined;
	const body: Record<string, TemplateBodyValue> = {};
	const buttons: TemplateButtonInput[] = [];
	for (const variable of variables) {
		const value = values[variable.key];
		if (isEmpty(value)) continue;
		if (variable.component === 'header') header = headerFromValue(variable, value, named);
		else if (variable.component === 'body') {
			body[variable.placeholder ?? ''] = value as TemplateBodyValue;
		} else {
			buttons.push(buttonFromValue(variable, value));
		}
	}
	return {
		...(header !== undefined ? { header } : {}),
		...(Object.keys(body).length > 0 ? { body } : {}),
		...(buttons.length > 0 ? { buttons } : {}),
	};
}

function isEmpty(value: unknown): boolean {
	return value === undefined || value === null || value === '';
}

function headerFromValue(
	variable: TemplateVariable,
	value: unknown,
	named: boolean,
): TemplateHeaderInput {
	if (variable.kind === 'text') {
		return {
			type: 'text',
			text: value as string,
			...(named && variable.placeholder ? { parameter_name: variable.placeholder } : {}),
		};
	}
	if (variable.kind === 'location') {
		if (!isRecord(value)) {
			throw new WireError(
				variable.key,
				'Header location must be an object with latitude and longitude (and optionally name and address).',
			);
		}
		const { latitude, longitude, name, address } = value;
		return { type: 'location', latitude, longitude, name, address } as TemplateHeaderInput;
	}
	const type = variable.key.slice('header.'.length) as 'image' | 'video' | 'document';
	if (isRecord(value)) return { ...(value as MediaInput), type } as TemplateHeaderInput;
	const text = String(value);
	return /^[a-z][a-z0-9+.-]*:/i.test(text) ? { type, link: text } : { type, id: text };
}

function buttonFromValue(variable: TemplateVariable, value: unknown): TemplateButtonInput {
	const index = variable.buttonIndex ?? 0;
	switch (variable.kind) {
		case 'payload':
			return { sub_type: 'quick_reply', index, payload: value as string };
		case 'coupon_code':
			return { sub_type: 'copy_code', index, coupon_code: value as string };
		case 'flow_token':
			return { sub_type: 'flow', index, flow_token: value as string };
		default:
			return { sub_type: 'url', index, text: value as string };
	}
}
