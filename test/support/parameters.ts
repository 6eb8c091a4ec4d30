/**
 * A node's parameter defaults as n8n takes them for one variant of the node: the node itself, or
 * its tool ("<node> Tool", whose type name ends in "Tool"). n8n shows a parameter only on the
 * variant its `@tool` display option names, so a name can have one default per variant.
 */
import type { INodeProperties } from 'n8n-workflow';

function shownOn(property: INodeProperties, tool: boolean): boolean {
	const show = property.displayOptions?.show?.['@tool'] as unknown[] | undefined;
	const hide = property.displayOptions?.hide?.['@tool'] as unknown[] | undefined;
	if (show && !show.includes(tool)) return false;
	if (hide?.includes(tool)) return false;
	return true;
}

/** Default of each top-level parameter on the variant (`tool`: the "<node> Tool" one). */
export function defaultsFor(
	properties: readonly INodeProperties[],
	{ tool }: { tool: boolean },
): Map<string, unknown> {
	return new Map(
		properties.filter((p) => shownOn(p, tool)).map((p): [string, unknown] => [p.name, p.default]),
	);
}
