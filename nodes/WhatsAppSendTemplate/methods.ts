import {
	NodeOperationError,
	type ILoadOptionsFunctions,
	type INodeListSearchResult,
	type INodePropertyOptions,
	type ResourceMapperField,
	type ResourceMapperFields,
} from 'n8n-workflow';

import {
	parseTemplatePage,
	templateVariables,
	unsupportedTemplateParts,
	WireError,
	type TemplateDefinition,
} from '../core/wire';
import { getCloudApi } from '../shared/cloudApi';
import { toNodeError } from '../shared/nodeErrors';
import {
	DEFINITION_FIELDS,
	fetchTemplateFamily,
	findDefinition,
	isSendable,
	parseTemplateRef,
	templateChoiceValue,
	templateListName,
	templateRefValue,
	variableDisplayName,
} from './templates';

function businessAccountOf(ctx: ILoadOptionsFunctions, account: string): string {
	if (account) return account;
	throw new NodeOperationError(
		ctx.getNode(),
		'The WhatsApp Cloud API credential has no WhatsApp Business Account ID',
		{ description: 'Enter it in the credential: templates belong to the business account.' },
	);
}

/** Templates of the credential's business account, for the Template list. */
export async function searchTemplates(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const { client, settings } = await getCloudApi(this);
	const account = businessAccountOf(this, settings.businessAccountId);
	try {
		const templates = await client.listAllTemplates(account, {
			fields: ['name', 'language', 'status', 'category'],
		});
		const needle = filter?.toLowerCase().trim();
		const results = templates
			.map((t) => ({
				name: templateListName(t),
				value: templateRefValue(t.name, t.language),
			}))
			.filter((r) => !needle || r.name.toLowerCase().includes(needle))
			.sort((a, b) => a.name.localeCompare(b.name));
		return { results };
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
}

/**
 * Templates to Offer (Send Template Tool): the templates that can be sent now and whose variables
 * the model can fill, each as the model reads it (templateChoiceValue).
 */
export async function getTemplateChoices(
	this: ILoadOptionsFunctions,
): Promise<INodePropertyOptions[]> {
	const { client, settings } = await getCloudApi(this);
	const account = businessAccountOf(this, settings.businessAccountId);
	let listed;
	try {
		listed = await client.listAllTemplates(account, { fields: DEFINITION_FIELDS });
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
	const page = parseTemplatePage({ data: listed });
	if (!page.ok) return [];
	return templateChoices(page.templates);
}

/** The sendable templates among `definitions` as Templates to Offer lists them, sorted. */
export function templateChoices(
	definitions: readonly TemplateDefinition[],
): INodePropertyOptions[] {
	return definitions
		.filter(
			(definition) => unsupportedTemplateParts(definition).length === 0 && isSendable(definition),
		)
		.map((definition) => {
			const value = templateChoiceValue(definition);
			return { name: value, value };
		})
		.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The Variables fields of a template: one per variable, in the template's order. Saved workflows
 * keep this list as the mapper's schema; n8n marks the fields outdated when it differs in any way
 * (examples/ are checked against it).
 */
export function variableFields(definition: TemplateDefinition): ResourceMapperField[] {
	return templateVariables(definition).map((variable) => ({
		id: variable.key,
		displayName: variableDisplayName(variable),
		required: variable.required,
		defaultMatch: false,
		canBeUsedToMatch: false,
		display: true,
		type: variable.kind === 'location' ? 'object' : 'string',
	}));
}

/** The Variables fields of the chosen template: one per variable, in the template's order. */
export async function getTemplateVariables(
	this: ILoadOptionsFunctions,
): Promise<ResourceMapperFields> {
	let ref;
	try {
		ref = parseTemplateRef(
			this.getNodeParameter('template', '', { extractValue: true }),
			this.getNodeParameter('language', ''),
		);
	} catch (error) {
		if (error instanceof WireError) return { fields: [], emptyFieldsNotice: error.message };
		throw toNodeError(this.getNode(), error);
	}
	const { client, settings } = await getCloudApi(this);
	const account = businessAccountOf(this, settings.businessAccountId);
	let family;
	try {
		family = await fetchTemplateFamily(client, account, ref.name);
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
	const definition = findDefinition(family, ref.language);
	const label = `Template "${ref.name}" (${ref.language})`;
	if (!definition) {
		const issues = family.unreadable.get(ref.language);
		return {
			fields: [],
			emptyFieldsNotice: issues
				? `${label} could not be read: ${issues.join('; ')}. Use Variables Mode "Components JSON".`
				: `${label} was not found in the WhatsApp Business account. Check the name and language.`,
		};
	}
	const unsupported = unsupportedTemplateParts(definition);
	if (unsupported.length > 0) {
		return {
			fields: [],
			emptyFieldsNotice: `${label} has parts these fields cannot fill (${unsupported.join(', ')}). Use Variables Mode "Components JSON".`,
		};
	}
	return {
		fields: variableFields(definition),
		emptyFieldsNotice: `${label} has no variables: nothing to fill in.`,
	};
}
