import type { GraphClient } from '../core/client/client';
import type { TemplateState } from '../core/model';
import { checkTemplateStatus, templateCategoryOf } from '../core/policy';
import {
	parseTemplatePage,
	templateVariables,
	WireError,
	type TemplateDefinition,
	type TemplateVariable,
} from '../core/wire';

/** A template as a send names it. */
export interface TemplateRef {
	readonly name: string;
	readonly language: string;
}

/** Separates name and language in the value of the Template list ("order_update|en"). */
const SEPARATOR = '|';

export function templateRefValue(name: string, language: string): string {
	return `${name}${SEPARATOR}${language}`;
}

/**
 * The Template parameter's value: "name|language" from the list (or typed that way), or a name
 * with the Language parameter. Throws WireError when either is missing.
 */
export function parseTemplateRef(value: unknown, languageParameter: unknown): TemplateRef {
	const text = String(value ?? '').trim();
	const at = text.indexOf(SEPARATOR);
	const name = (at === -1 ? text : text.slice(0, at)).trim();
	const language = (at === -1 ? String(languageParameter ?? '') : text.slice(at + 1)).trim();
	if (name === '') {
		throw new WireError(
			'template',
			'No template is chosen: pick one from the list, or enter its name and language.',
		);
	}
	if (language === '') {
		throw new WireError(
			'language',
			`The language of template "${name}" is empty: enter its language code (e.g. en_US), or pick the template from the list.`,
		);
	}
	return { name, language };
}

/** The fields the node reads of a template definition. */
export const DEFINITION_FIELDS = [
	'id',
	'name',
	'language',
	'status',
	'category',
	'parameter_format',
	'components',
	'quality_score',
	'rejected_reason',
] as const;

/** Every language of one template name, as Meta has them now. */
export interface TemplateFamily {
	readonly definitions: TemplateDefinition[];
	/** Languages Meta listed whose definition could not be read, with what was wrong. */
	readonly unreadable: Map<string, string[]>;
}

/**
 * Fetches every language of the template `name` (one listing, filtered by name; Meta's filter may
 * match more names, so only exact ones are kept).
 */
export async function fetchTemplateFamily(
	client: GraphClient,
	account: string,
	name: string,
	signal?: AbortSignal,
): Promise<TemplateFamily> {
	const listed = await client.listAllTemplates(account, {
		name,
		fields: DEFINITION_FIELDS,
		signal,
	});
	const exact = listed.filter((t) => t.name === name);
	const page = parseTemplatePage({ data: exact });
	const unreadable = new Map<string, string[]>();
	if (!page.ok) return { definitions: [], unreadable };
	for (const bad of page.invalid) {
		const language = String(exact[bad.index]?.language ?? '');
		unreadable.set(language, bad.issues);
	}
	return { definitions: page.templates, unreadable };
}

export function findDefinition(
	family: TemplateFamily,
	language: string,
): TemplateDefinition | undefined {
	return family.definitions.find((d) => d.language === language);
}

/** The store's record of a definition Meta just listed. */
export function templateStateOf(
	account: string,
	definition: TemplateDefinition,
	at: number,
): TemplateState {
	const category = templateCategoryOf(definition.category);
	const state: TemplateState = {
		account,
		name: definition.name,
		language: definition.language,
		status: definition.status,
		updatedAt: at,
	};
	if (category) state.category = category;
	if (definition.quality_score?.score) state.quality = definition.quality_score.score;
	if (definition.rejected_reason) state.reason = definition.rejected_reason;
	return state;
}

/**
 * How the Template list shows one template: "spring_sale (en) · MARKETING", with the status and
 * "cannot be sent" for every status the template status rule holds back.
 */
export function templateListName(template: {
	name: string;
	language: string;
	category: string;
	status: string;
}): string {
	const category = String(template.category ?? '').toUpperCase();
	const base = `${template.name} (${template.language})${category ? ` · ${category}` : ''}`;
	return isSendable(template)
		? base
		: `${base} · ${String(template.status).toUpperCase()} — cannot be sent`;
}

/** Whether the template status rule lets a template with this status go. */
export function isSendable(template: { name: string; language: string; status: string }): boolean {
	return checkTemplateStatus({
		contact: '',
		template: { name: template.name, language: template.language },
		state: {
			account: '',
			name: template.name,
			language: template.language,
			status: String(template.status ?? ''),
			updatedAt: 0,
		},
	}).allowed;
}

/**
 * The longest Variables field label n8n 2.30 shows in full: the resource mapper's label column is
 * about 200 px wide in the node panel, and a longer label is cut with "..." (measured in the editor,
 * test/browser). Whether a field must be filled shows as n8n's required mark, not in the label.
 */
export const MAX_FIELD_LABEL = 28;

/** What a Variables field is called: the variable's label and what it takes, within MAX_FIELD_LABEL. */
export function variableDisplayName(variable: TemplateVariable): string {
	const label = shortLabel(variable.label);
	switch (variable.kind) {
		case 'media':
			return fit(label, ' (link or ID)');
		case 'location':
			return fit(label, ' (JSON)');
		case 'payload':
		case 'flow_token':
			return label;
		default:
			// The template's sample value, when it fits whole (a cut sample reads as a wrong one).
			return variable.example ? fit(label, ` (e.g. ${variable.example})`) : label;
	}
}

/**
 * One entry of Templates to Offer (Send Template Tool): the template as a model needs to choose
 * it, "order_update (en) · UTILITY · body.1 (e.g. Lena), body.2 (e.g. 1042)". It is the stored
 * value too, so the tool's description can list it without asking Meta; what is sent is checked
 * against Meta's definition at send time.
 */
export function templateChoiceValue(definition: TemplateDefinition): string {
	const variables = templateVariables(definition)
		.filter((variable) => variable.required)
		.map((variable) => `${variable.key}${variableHint(variable)}`);
	return [
		`${definition.name} (${definition.language})`,
		String(definition.category ?? '').toUpperCase() || 'UNKNOWN CATEGORY',
		variables.length > 0 ? variables.join(', ') : 'no variables',
	].join(' · ');
}

function variableHint(variable: TemplateVariable): string {
	switch (variable.kind) {
		case 'media':
			return ' (a link or media ID)';
		case 'location':
			return ' (JSON with latitude, longitude, name, address)';
		default:
			return variable.example ? ` (e.g. ${variable.example})` : '';
	}
}

/** "name (language)" at the start of a Templates to Offer entry, or "name|language". */
const OFFERED = /^\s*([a-z0-9_]+)\s*(?:\(([A-Za-z_]+)\)|\|([A-Za-z_]+))?/;

function refOf(text: string): { name: string; language?: string } | undefined {
	const match = OFFERED.exec(text);
	if (!match) return undefined;
	return { name: match[1], language: match[2] ?? match[3] };
}

/**
 * The template the model chose (`asked`: "order_update", "order_update (de)", "order_update|de"
 * or a whole entry) among those offered. Throws WireError, listing the offered ones, when it is
 * not one of them or names a template offered in several languages without one.
 */
export function chooseOfferedTemplate(asked: unknown, offered: readonly string[]): TemplateRef {
	const choices = offered
		.map((entry) => refOf(entry))
		.filter((ref): ref is TemplateRef => ref?.language !== undefined);
	const list = offered.join('; ');
	if (choices.length === 0) {
		throw new WireError(
			'modelTemplates',
			'No template is offered to the model: choose the templates it may use in Templates to Offer.',
		);
	}
	const wanted = refOf(String(asked ?? ''));
	const matching = choices.filter(
		(choice) =>
			choice.name === wanted?.name &&
			(wanted.language === undefined || choice.language === wanted.language),
	);
	if (matching.length === 1) return matching[0];
	if (matching.length > 1) {
		throw new WireError(
			'template',
			`Template "${wanted?.name}" is offered in several languages: name one, e.g. "${matching[0].name} (${matching[0].language})". The templates: ${list}.`,
		);
	}
	throw new WireError(
		'template',
		`"${String(asked ?? '')}" is not a template you may send. Choose one of these by name: ${list}.`,
	);
}

/** A button's label without "Button", its text cut to fit: '"Shop the new collection" URL suffix'. */
function shortLabel(label: string): string {
	const button = /^Button "(.*)" (.+)$/.exec(label);
	if (!button || label.length <= MAX_FIELD_LABEL) return label;
	const [, text, what] = button;
	const room = MAX_FIELD_LABEL - what.length - 3;
	return text.length <= room
		? `"${text}" ${what}`
		: `"${text.slice(0, Math.max(1, room - 1))}…" ${what}`;
}

function fit(label: string, suffix: string): string {
	return label.length + suffix.length <= MAX_FIELD_LABEL ? `${label}${suffix}` : label;
}
