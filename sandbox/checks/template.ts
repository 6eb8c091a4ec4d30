/**
 * A template send judged against the template's definition, as Meta's server judges it:
 * - name + language unknown, or not approved: 132001 (HTTP 404); paused 132015; disabled 132016
 * - a component with the wrong number of parameters: 132000
 * - a parameter of the wrong kind (text where the header needs an image, a parameter_name for a
 *   positional template, none for a named one): 132012
 * - a required value missing: 131008; a value Meta does not take: 131009
 * - the body longer than Meta's limit once filled in: 132005
 *
 * Deliberately written from Meta's documentation, not from the pack's builders: the sandbox is the
 * oracle the builders are tested against.
 */
import { GraphError } from '../graphError';
import type { MediaLink } from '../mediaFetch';
import type { TemplateDefinition } from '../templateDefinition';
import {
	invalid,
	isObject,
	lengthOf,
	missing,
	optionalString,
	requireArray,
	requireNumber,
	requireObject,
	requireString,
	requireUrl,
	type Json,
} from './fields';

export interface TemplateLookup {
	/** Every template with this name (any language, any status). */
	byName(name: string): readonly { definition: TemplateDefinition; status: string }[];
	/** Whether a media id was uploaded (to this sender). */
	hasMedia(id: string): boolean;
}

/** A quick-reply button as the contact sees it, with the payload its tap will carry. */
export interface QuickReply {
	readonly index: number;
	readonly text: string;
	/** The payload set at send time, or the button text (what Meta sends when none was set). */
	readonly payload: string;
}

export interface RenderedTemplate {
	readonly header?: string;
	readonly body: string;
	readonly footer?: string;
	readonly buttons: readonly { type: string; text?: string; url?: string; code?: string }[];
}

export interface CheckedTemplate {
	readonly definition: TemplateDefinition;
	readonly category: 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';
	readonly rendered: RenderedTemplate;
	readonly quickReplies: readonly QuickReply[];
	/** The header's media, when given by link: fetched after accepting. */
	readonly mediaLink?: MediaLink;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;
/** Meta's limit on a filled-in body: 1024 characters, 32768 for a body-only template. */
const BODY_LIMIT = 1024;
const BODY_ONLY_LIMIT = 32768;
const HEADER_LIMIT = 60;
const MEDIA_FORMATS = new Set(['IMAGE', 'VIDEO', 'DOCUMENT', 'GIF']);

export function checkTemplate(value: unknown, lookup: TemplateLookup): CheckedTemplate {
	const template = requireObject(value, 'template');
	const name = requireString(template.name, 'template.name', { max: 512 });
	const language = requireObject(template.language, 'template.language');
	const code = requireString(language.code, 'template.language.code', { max: 20 });
	if (language.policy !== undefined && language.policy !== 'deterministic') {
		throw invalid('template.language.policy', 'must be "deterministic" (or left out).');
	}

	const candidates = lookup.byName(name);
	const match = candidates.find((c) => c.definition.language === code);
	if (!match) {
		const languages = candidates.map((c) => c.definition.language);
		throw new GraphError(
			132001,
			languages.length === 0
				? `template name (${name}) does not exist in ${code}: there is no template "${name}".`
				: `template name (${name}) does not exist in ${code}; it exists in ${languages.join(', ')}.`,
		);
	}
	const status = match.status.toUpperCase();
	if (status === 'PAUSED') {
		throw new GraphError(
			132015,
			`Template "${name}" (${code}) is paused because of low quality; it can be sent again once it is unpaused or edited and approved.`,
		);
	}
	if (status === 'DISABLED') {
		throw new GraphError(
			132016,
			`Template "${name}" (${code}) was paused too often and is disabled for good; create a new template.`,
		);
	}
	if (status !== 'APPROVED') {
		throw new GraphError(
			132001,
			`template name (${name}) in ${code} is ${status}, not APPROVED; only approved templates can be sent.`,
		);
	}

	const definition = match.definition;
	const parts = readDefinition(definition);
	const given = readComponents(template.components);

	const { text: header, mediaLink } = checkHeader(parts, given.header, lookup);
	const body = checkBody(parts, given.body);
	const { buttons, quickReplies } = checkButtons(parts, given.buttons);

	const limit = parts.bodyOnly ? BODY_ONLY_LIMIT : BODY_LIMIT;
	if (lengthOf(body) > limit) {
		throw new GraphError(
			132005,
			`The body has ${lengthOf(body)} characters once its parameters are filled in; at most ${limit} are allowed.`,
		);
	}
	if (header !== undefined && lengthOf(header) > HEADER_LIMIT) {
		throw new GraphError(
			132005,
			`The header has ${lengthOf(header)} characters once its parameter is filled in; at most ${HEADER_LIMIT} are allowed.`,
		);
	}
	return {
		definition,
		category: definition.category as CheckedTemplate['category'],
		rendered: {
			...(header !== undefined ? { header } : {}),
			body,
			...(parts.footer !== undefined ? { footer: parts.footer } : {}),
			buttons,
		},
		quickReplies,
		...(mediaLink ? { mediaLink } : {}),
	};
}

// ---------------------------------------------------------------------------------------------
// The definition

interface DefinitionButton {
	readonly type: string;
	readonly text?: string;
	readonly url?: string;
}

interface DefinitionParts {
	readonly named: boolean;
	readonly headerFormat?: string;
	readonly headerText?: string;
	readonly headerPlaceholders: string[];
	readonly bodyText: string;
	readonly bodyPlaceholders: string[];
	readonly footer?: string;
	readonly buttons: DefinitionButton[];
	readonly bodyOnly: boolean;
}

function readDefinition(definition: TemplateDefinition): DefinitionParts {
	const components = definition.components as Json[];
	const header = components.find((c) => c.type === 'HEADER');
	const body = components.find((c) => c.type === 'BODY');
	const footer = components.find((c) => c.type === 'FOOTER');
	const buttonsComponent = components.find((c) => c.type === 'BUTTONS');
	const headerFormat = typeof header?.format === 'string' ? header.format.toUpperCase() : undefined;
	const headerText = typeof header?.text === 'string' ? header.text : undefined;
	const bodyText = typeof body?.text === 'string' ? body.text : '';
	const headerPlaceholders = headerFormat === 'TEXT' ? placeholders(headerText) : [];
	const bodyPlaceholders = placeholders(bodyText);
	const declared = definition.parameter_format?.toUpperCase();
	const named =
		declared === 'NAMED' ||
		(declared === undefined &&
			[...headerPlaceholders, ...bodyPlaceholders].some((p) => !/^\d+$/.test(p)));
	const buttons = (Array.isArray(buttonsComponent?.buttons) ? buttonsComponent.buttons : [])
		.filter(isObject)
		.map((b) => ({
			type: String(b.type ?? '').toUpperCase(),
			text: typeof b.text === 'string' ? b.text : undefined,
			url: typeof b.url === 'string' ? b.url : undefined,
		}));
	return {
		named,
		headerFormat,
		headerText,
		headerPlaceholders,
		bodyText,
		bodyPlaceholders,
		footer: typeof footer?.text === 'string' ? footer.text : undefined,
		buttons,
		bodyOnly: header === undefined && footer === undefined && buttonsComponent === undefined,
	};
}

/** Distinct placeholder names in order of appearance: "Hi {{1}}, {{2}}" -> ["1", "2"]. */
function placeholders(text: string | undefined): string[] {
	if (!text) return [];
	return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

// ---------------------------------------------------------------------------------------------
// The send's components

interface GivenComponents {
	header?: { component: Json; path: string };
	body?: { component: Json; path: string };
	buttons: Map<number, { component: Json; path: string }>;
}

function readComponents(value: unknown): GivenComponents {
	const given: GivenComponents = { buttons: new Map() };
	if (value === undefined || value === null) return given;
	const list = requireArray(value, 'template.components');
	list.forEach((raw, i) => {
		const path = `template.components[${i}]`;
		const component = requireObject(raw, path);
		const type = requireString(component.type, `${path}.type`).toLowerCase();
		if (type === 'header' || type === 'body') {
			if (given[type]) throw invalid(`${path}.type`, `there is more than one ${type} component.`);
			given[type] = { component, path };
		} else if (type === 'button') {
			const subType = requireString(component.sub_type, `${path}.sub_type`).toLowerCase();
			const index = readIndex(component.index, `${path}.index`);
			if (given.buttons.has(index)) {
				throw invalid(`${path}.index`, `button ${index} is given more than once.`);
			}
			given.buttons.set(index, { component: { ...component, sub_type: subType }, path });
		} else {
			throw invalid(
				`${path}.type`,
				`"${component.type}" is not a component this template takes (header, body, button).`,
			);
		}
	});
	return given;
}

function readIndex(value: unknown, path: string): number {
	if (value === undefined || value === null || value === '') throw missing(path);
	const index = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
	if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 9) {
		throw invalid(path, 'must be the button position, 0 to 9.');
	}
	return index;
}

function parametersOf(given: { component: Json; path: string } | undefined): {
	list: Json[];
	path: string;
} {
	if (!given || given.component.parameters === undefined) {
		return { list: [], path: given ? `${given.path}.parameters` : 'template.components' };
	}
	const path = `${given.path}.parameters`;
	const list = requireArray(given.component.parameters, path).map((p, i) =>
		requireObject(p, `${path}[${i}]`),
	);
	return { list, path };
}

function countMismatch(where: string, given: number, expected: string[] | number): GraphError {
	const count = typeof expected === 'number' ? expected : expected.length;
	const names =
		typeof expected === 'number' || expected.length === 0
			? ''
			: ` (${expected.map((p) => `{{${p}}}`).join(', ')})`;
	return new GraphError(
		132000,
		`${where}: ${given} parameter${given === 1 ? '' : 's'} given, the template expects ${count}${names}.`,
	);
}

function formatMismatch(where: string, expected: string, received: string): GraphError {
	return new GraphError(
		132012,
		`${where}: Format mismatch, expected ${expected.toUpperCase()}, received ${received.toUpperCase()}.`,
	);
}

// ---------------------------------------------------------------------------------------------
// Header

/** The header as rendered (text headers), and its media link (media headers sent by link). */
function checkHeader(
	parts: DefinitionParts,
	given: GivenComponents['header'],
	lookup: TemplateLookup,
): { text?: string; mediaLink?: MediaLink } {
	const { list, path } = parametersOf(given);
	const format = parts.headerFormat;
	if (format === undefined) {
		if (list.length > 0) throw countMismatch('header', list.length, 0);
		return {};
	}
	if (format === 'TEXT') {
		if (list.length !== parts.headerPlaceholders.length) {
			throw countMismatch('header', list.length, parts.headerPlaceholders);
		}
		const values = readTextParameters(list, path, parts.headerPlaceholders, parts.named, 'header');
		return { text: fill(parts.headerText ?? '', parts.headerPlaceholders, values) };
	}
	if (list.length === 0) throw formatMismatch('header', format, 'UNKNOWN');
	if (list.length > 1) throw countMismatch('header', list.length, 1);
	const parameter = list[0];
	const type = requireString(parameter.type, `${path}[0].type`).toLowerCase();
	const expected = format === 'GIF' ? 'video' : format.toLowerCase();
	if (type !== expected) throw formatMismatch('header', format, type);
	if (MEDIA_FORMATS.has(format)) {
		const link = checkMediaObject(parameter[type], `${path}[0].${type}`, lookup);
		return link === undefined ? {} : { mediaLink: { url: link, kind: type } };
	}
	if (format === 'LOCATION') {
		const location = requireObject(parameter.location, `${path}[0].location`);
		requireNumber(location.latitude, `${path}[0].location.latitude`, -90, 90);
		requireNumber(location.longitude, `${path}[0].location.longitude`, -180, 180);
		optionalString(location.name, `${path}[0].location.name`, 1000);
		optionalString(location.address, `${path}[0].location.address`, 1000);
		return {};
	}
	throw invalid('header', `the template's ${format} header cannot be filled by this sandbox.`);
}

/** A media object of a template header: an uploaded id or an http(s) link (returned). */
export function checkMediaObject(
	value: unknown,
	path: string,
	lookup: TemplateLookup,
): string | undefined {
	const media = requireObject(value, path);
	if (media.id !== undefined && media.link !== undefined) {
		throw invalid(path, 'give either id or link, not both.');
	}
	if (media.id !== undefined) {
		const id = requireString(media.id, `${path}.id`);
		if (!lookup.hasMedia(id)) {
			throw invalid(
				`${path}.id`,
				`no media with id ${id} was uploaded to this phone number (or it was deleted).`,
			);
		}
		optionalString(media.filename, `${path}.filename`, 240);
		return undefined;
	}
	if (media.link === undefined) throw missing(`${path}.id or ${path}.link`);
	const link = requireUrl(media.link, `${path}.link`);
	optionalString(media.filename, `${path}.filename`, 240);
	return link;
}

// ---------------------------------------------------------------------------------------------
// Body

function checkBody(parts: DefinitionParts, given: GivenComponents['body']): string {
	const { list, path } = parametersOf(given);
	if (list.length !== parts.bodyPlaceholders.length) {
		throw countMismatch('body', list.length, parts.bodyPlaceholders);
	}
	const values = readTextParameters(list, path, parts.bodyPlaceholders, parts.named, 'body');
	return fill(parts.bodyText, parts.bodyPlaceholders, values);
}

/**
 * Values by placeholder. Positional: in order, no parameter_name. Named: each with the
 * parameter_name of one placeholder, in any order.
 */
function readTextParameters(
	list: Json[],
	path: string,
	names: string[],
	named: boolean,
	where: 'header' | 'body',
): Map<string, string> {
	const values = new Map<string, string>();
	list.forEach((parameter, i) => {
		const at = `${path}[${i}]`;
		const type = requireString(parameter.type, `${at}.type`).toLowerCase();
		const allowed = where === 'body' ? ['text', 'currency', 'date_time'] : ['text'];
		if (!allowed.includes(type)) throw formatMismatch(`${where} parameter ${i + 1}`, 'TEXT', type);
		const value = parameterValue(parameter, type, at);
		if (named) {
			if (parameter.parameter_name === undefined) {
				throw new GraphError(
					132012,
					`${at}: parameter_name is missing; this template uses named parameters (${names.map((n) => `{{${n}}}`).join(', ')}).`,
				);
			}
			const name = requireString(parameter.parameter_name, `${at}.parameter_name`);
			if (!names.includes(name)) {
				throw new GraphError(
					132012,
					`${at}: parameter_name "${name}" is not in the template's ${where}; it has ${names.map((n) => `{{${n}}}`).join(', ')}.`,
				);
			}
			if (values.has(name)) {
				throw new GraphError(132012, `${at}: parameter_name "${name}" is given twice.`);
			}
			values.set(name, value);
		} else {
			if (parameter.parameter_name !== undefined) {
				throw new GraphError(
					132012,
					`${at}: parameter_name "${String(parameter.parameter_name)}" given, but the template uses positional parameters ({{1}}, {{2}}...).`,
				);
			}
			values.set(names[i], value);
		}
	});
	return values;
}

function parameterValue(parameter: Json, type: string, at: string): string {
	if (type === 'text') {
		const text = requireString(parameter.text, `${at}.text`);
		// Meta's long-standing rule for template parameters.
		if (/[\n\t]/.test(text) || / {5,}/.test(text)) {
			throw invalid(
				`${at}.text`,
				'Param text cannot have new-line/tab characters or more than 4 consecutive spaces.',
			);
		}
		return text;
	}
	if (type === 'currency') {
		const currency = requireObject(parameter.currency, `${at}.currency`);
		const fallback = requireString(currency.fallback_value, `${at}.currency.fallback_value`);
		const code = requireString(currency.code, `${at}.currency.code`);
		if (!/^[A-Z]{3}$/.test(code))
			throw invalid(`${at}.currency.code`, 'must be an ISO 4217 code such as "EUR".');
		if (currency.amount_1000 === undefined || currency.amount_1000 === null) {
			throw missing(`${at}.currency.amount_1000`);
		}
		if (!Number.isInteger(currency.amount_1000)) {
			throw invalid(
				`${at}.currency.amount_1000`,
				'must be a whole number (the amount times 1000).',
			);
		}
		return fallback;
	}
	const dateTime = requireObject(parameter.date_time, `${at}.date_time`);
	return requireString(dateTime.fallback_value, `${at}.date_time.fallback_value`);
}

function fill(text: string, names: string[], values: Map<string, string>): string {
	if (names.length === 0) return text;
	return text.replace(PLACEHOLDER, (whole, name: string) => values.get(name) ?? whole);
}

// ---------------------------------------------------------------------------------------------
// Buttons

/** The send-time sub_type each definition button takes. */
const SUB_TYPE: Record<string, string> = {
	QUICK_REPLY: 'quick_reply',
	URL: 'url',
	OTP: 'url',
	COPY_CODE: 'copy_code',
	FLOW: 'flow',
	CATALOG: 'catalog',
	MPM: 'mpm',
};

function checkButtons(
	parts: DefinitionParts,
	given: GivenComponents['buttons'],
): { buttons: RenderedTemplate['buttons']; quickReplies: QuickReply[] } {
	for (const [index, { path }] of given) {
		if (index >= parts.buttons.length) {
			throw invalid(
				`${path}.index`,
				parts.buttons.length === 0
					? `button ${index} does not exist; the template has no buttons.`
					: `button ${index} does not exist; the template's buttons are 0 to ${parts.buttons.length - 1}.`,
			);
		}
	}
	const buttons: { type: string; text?: string; url?: string; code?: string }[] = [];
	const quickReplies: QuickReply[] = [];
	parts.buttons.forEach((button, index) => {
		const supplied = given.get(index);
		const label = `button ${index} (${button.type}${button.text ? ` "${button.text}"` : ''})`;
		const expected = SUB_TYPE[button.type];
		if (supplied) {
			const subType = String(supplied.component.sub_type);
			if (!expected) {
				throw invalid(`${supplied.path}`, `${label} takes no parameters; leave it out.`);
			}
			if (subType !== expected) throw formatMismatch(label, expected, subType);
		}
		const { list, path } = parametersOf(supplied);
		switch (button.type) {
			case 'QUICK_REPLY': {
				let payload = button.text ?? '';
				if (list.length > 1) throw countMismatch(label, list.length, 1);
				if (list.length === 1) {
					const type = requireString(list[0].type, `${path}[0].type`).toLowerCase();
					if (type !== 'payload') throw formatMismatch(label, 'payload', type);
					payload = requireString(list[0].payload, `${path}[0].payload`, { max: 1000 });
				}
				quickReplies.push({ index, text: button.text ?? '', payload });
				buttons.push({ type: 'QUICK_REPLY', text: button.text });
				return;
			}
			case 'URL': {
				const dynamic = placeholders(button.url).length > 0;
				if (list.length !== (dynamic ? 1 : 0))
					throw countMismatch(label, list.length, dynamic ? 1 : 0);
				if (!dynamic) {
					buttons.push({ type: 'URL', text: button.text, url: button.url });
					return;
				}
				const suffix = textButtonParameter(list[0], path, label);
				buttons.push({
					type: 'URL',
					text: button.text,
					url: (button.url ?? '').replace(PLACEHOLDER, suffix),
				});
				return;
			}
			case 'OTP': {
				if (list.length !== 1)
					throw countMismatch(`${label}, the one-time password`, list.length, 1);
				const code = textButtonParameter(list[0], path, label);
				if (lengthOf(code) > 15)
					throw invalid(`${path}[0].text`, 'a one-time password has at most 15 characters.');
				buttons.push({ type: 'OTP', text: button.text, code });
				return;
			}
			case 'COPY_CODE': {
				if (list.length !== 1) throw countMismatch(`${label}, the coupon code`, list.length, 1);
				const type = requireString(list[0].type, `${path}[0].type`).toLowerCase();
				if (type !== 'coupon_code') throw formatMismatch(label, 'coupon_code', type);
				const code = requireString(list[0].coupon_code, `${path}[0].coupon_code`, { max: 20 });
				buttons.push({ type: 'COPY_CODE', text: button.text, code });
				return;
			}
			case 'FLOW': {
				if (list.length > 1) throw countMismatch(label, list.length, 1);
				if (list.length === 1) {
					const type = requireString(list[0].type, `${path}[0].type`).toLowerCase();
					if (type !== 'action') throw formatMismatch(label, 'action', type);
					const action = requireObject(list[0].action, `${path}[0].action`);
					optionalString(action.flow_token, `${path}[0].action.flow_token`);
					if (action.flow_action_data !== undefined && !isObject(action.flow_action_data)) {
						throw invalid(`${path}[0].action.flow_action_data`, 'must be an object.');
					}
				}
				buttons.push({ type: 'FLOW', text: button.text });
				return;
			}
			default:
				buttons.push({ type: button.type, text: button.text });
		}
	});
	return { buttons, quickReplies };
}

function textButtonParameter(parameter: Json, path: string, label: string): string {
	const type = requireString(parameter.type, `${path}[0].type`).toLowerCase();
	if (type !== 'text') throw formatMismatch(label, 'text', type);
	return requireString(parameter.text, `${path}[0].text`, { max: 2000 });
}
