/**
 * A node's input as n8n's AI Agent (v3) gives it to a tool node: the agent's input item with the
 * model's arguments spread over it and the call's id; `$fromAI(key)` reads the arguments.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

/** The tool node's input items for the agent's `items` and the model's `args`. */
export function toolInput(items: INodeExecutionData[], args: IDataObject): INodeExecutionData[] {
	return items.map((item) => ({ json: { ...item.json, ...args, toolCallId: 'call_1' } }));
}

/** What `getWorkflowDataProxy(itemIndex)` gives such a node: `$json` and `$fromAI`. */
export function toolDataProxy(items: INodeExecutionData[], args: IDataObject) {
	return (itemIndex: number) => ({
		$thisRunIndex: 0,
		$json: items[itemIndex]?.json,
		$fromAI: (key: string, _description?: string, _type?: string, fallback?: unknown) =>
			args[key] ?? fallback,
	});
}
