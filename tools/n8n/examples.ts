/**
 * The example workflows as the editor sees them: the Variables schema their Send Template nodes
 * keep must equal what the node's resource mapper returns for the sandbox's templates, or n8n shows
 * "Variables are outdated" when the node is opened. scripts/update-examples.ts rewrites them;
 * test/nodes/examples.test.ts fails while one differs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { templateChoices, variableFields } from '../../nodes/WhatsAppSendTemplate/methods';
import { parseTemplateRef } from '../../nodes/WhatsAppSendTemplate/templates';
import { bundledSeedInput, loadSeed } from '../../sandbox/seedLoader';

const SEND_TEMPLATE = 'n8n-nodes-whatsapp-compliance.whatsAppSendTemplate';
const SEND_TEMPLATE_TOOL = `${SEND_TEMPLATE}Tool`;

export interface ExampleFile {
	readonly file: string;
	/** The workflow with every Send Template node's schema as the node returns it now. */
	readonly workflow: IDataObject;
	/** Whether that differs from the file. */
	readonly stale: boolean;
}

/** Every examples/*.json with its Send Template schemas brought up to date (in memory). */
export function examplesWithCurrentSchema(examplesDir: string): ExampleFile[] {
	const seed = loadSeed(bundledSeedInput());
	const choices = templateChoices(seed.templates.map((t) => t.definition)).map((c) =>
		String(c.value),
	);
	return fs
		.readdirSync(examplesDir)
		.filter((name) => name.endsWith('.json'))
		.sort()
		.map((name) => {
			const file = path.join(examplesDir, name);
			const before = JSON.parse(fs.readFileSync(file, 'utf8')) as IDataObject;
			const workflow = structuredClone(before);
			for (const node of workflow.nodes as IDataObject[]) {
				if (node.type === SEND_TEMPLATE_TOOL) {
					offerCurrentTemplates(name, node, choices);
					continue;
				}
				if (node.type !== SEND_TEMPLATE) continue;
				const parameters = node.parameters as IDataObject;
				if ((parameters.variablesMode ?? 'fields') !== 'fields') continue;
				const template = parameters.template as IDataObject;
				const ref = parseTemplateRef(template.value, parameters.language ?? '');
				const found = seed.templates.find(
					(t) => t.definition.name === ref.name && t.definition.language === ref.language,
				);
				if (!found) {
					throw new Error(
						`${name}: node "${String(node.name)}" uses template ${ref.name} (${ref.language}), which the sandbox seed does not have`,
					);
				}
				const schema = variableFields(found.definition);
				const variables = (parameters.variables ?? {}) as IDataObject;
				const values = (variables.value ?? {}) as IDataObject;
				parameters.variables = {
					mappingMode: 'defineBelow',
					value: Object.fromEntries(schema.map((field) => [field.id, values[field.id] ?? null])),
					matchingColumns: [],
					schema,
				};
			}
			return { file, workflow, stale: JSON.stringify(workflow) !== JSON.stringify(before) };
		});
}

/**
 * A Send Template Tool's Templates to Offer as the node lists them now: each entry (a template's
 * name, language, category and variables, what the model reads) for the seed template of its name
 * and language.
 */
function offerCurrentTemplates(file: string, node: IDataObject, choices: string[]): void {
	const parameters = node.parameters as IDataObject;
	if (parameters.templateChoice !== 'model') return;
	parameters.modelTemplates = ((parameters.modelTemplates ?? []) as string[]).map((entry) => {
		const head = entry.split(' · ')[0];
		const current = choices.find((choice) => choice.split(' · ')[0] === head);
		if (!current) {
			throw new Error(
				`${file}: node "${String(node.name)}" offers ${head}, which the sandbox seed does not have`,
			);
		}
		return current;
	});
}
