/**
 * n8n's UX copy rules for parameter descriptions (STYLE.md item 8), checked over a node's
 * properties, option lists and collections: one sentence without a final period, and American
 * spelling as in the rest of n8n.
 */
import type { INodeProperties, INodePropertyCollection, INodePropertyOptions } from 'n8n-workflow';

type Described = INodeProperties | INodePropertyOptions | INodePropertyCollection;

/** British spellings that have slipped into copy before; n8n writes "honor", "behavior"... */
const BRITISH = /\b(honour|behaviour|colour|favour|normalis|organis|recognis|serialis)/i;
/** ". " followed by a capital starts a second sentence ("e.g. Stop" does not). */
const SECOND_SENTENCE = /(?<!\be\.g)(?<!\bi\.e)\.\s+[A-Z]/;

/** Every rule broken, as "name: problem"; empty when the copy follows the rules. */
export function copyProblems(properties: readonly Described[]): string[] {
	const problems: string[] = [];
	const visit = (items: readonly Described[]) => {
		for (const item of items) {
			const name = 'name' in item ? String(item.name) : '';
			const description = 'description' in item ? item.description : undefined;
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
