/**
 * n8n's UX copy rules for parameter descriptions (STYLE.md item 8), checked over a node's
 * properties, option lists and collections: one sentence without a final period, and American
 * spelling as in the rest of n8n. The one exception is n8n's own: a parameter whose options load
 * from the API ends with n8n's standard second sentence, with its period, as n8n's lint requires
 * (eslint-plugin-n8n-nodes-base, node-param-description-wrong-for-dynamic-multi-options).
 */
import type { INodeProperties, INodePropertyCollection, INodePropertyOptions } from 'n8n-workflow';

type Described = INodeProperties | INodePropertyOptions | INodePropertyCollection;

/** British spellings that have slipped into copy before; n8n writes "honor", "behavior"... */
const BRITISH = /\b(honour|behaviour|colour|favour|normalis|organis|recognis|serialis)/i;
/** ". " followed by a capital starts a second sentence ("e.g. Stop" does not). */
const SECOND_SENTENCE = /(?<!\be\.g)(?<!\bi\.e)\.\s+[A-Z]/;
/** n8n's standard last sentence of a parameter with options loaded from the API. */
const LOADED_OPTIONS_SENTENCE =
	/\. Choose from the list, or specify (IDs|an ID) using an <a href="https:\/\/docs\.n8n\.io\/code\/expressions\/">expression<\/a>\.$/;

/** Every rule broken, as "name: problem"; empty when the copy follows the rules. */
export function copyProblems(properties: readonly Described[]): string[] {
	const problems: string[] = [];
	const visit = (items: readonly Described[]) => {
		for (const item of items) {
			const name = 'name' in item ? String(item.name) : '';
			const given = 'description' in item ? item.description : undefined;
			const description =
				typeof given === 'string' ? given.replace(LOADED_OPTIONS_SENTENCE, '') : given;
			if (typeof description === 'string') {
				if (/\.\s*$/.test(description)) problems.push(`${name}: description ends with a period`);
				if (SECOND_SENTENCE.test(description)) {
					problems.push(`${name}: description has more than one sentence`);
				}
			}
			// An option's `name` is its label; a property's label is its displayName.
			const label = 'displayName' in item ? item.displayName : name;
			for (const text of [label, description]) {
				if (typeof text === 'string' && BRITISH.test(text)) {
					problems.push(`${name}: British spelling in "${text}"`);
				}
			}
			const nested = 'options' in item ? item.options : 'values' in item ? item.values : undefined;
			if (Array.isArray(nested)) visit(nested as Described[]);
		}
	};
	visit(properties);
	return problems;
}
