/**
 * The nodes as an AI agent's tools: n8n's glue, the same for every node. n8n 2.30 offers a node
 * with `usableAsTool` as "<node> Tool" (its type name ends in "Tool"). n8n's AI Agent (v3) runs it
 * as a node of the workflow whose one input item is the agent's input item (the Webhook Trigger's
 * message) with the model's arguments spread over it, and hands the model only the first output,
 * as JSON; an empty first output reaches the model as "". Agents that call tools themselves (older
 * agents, sub-agents) run it with the model's arguments as its input and the agent's item as
 * `$json`. So a tool run here:
 * - puts every item on the first output, as a small result: what happened, why, what to do next
 *   (nodes/core/policy/agent.ts), without the consent snapshot or the raw inbound payload unless
 *   the builder asks for the full result;
 * - reads the conversation (whom the model may message, the contact's message that opened the
 *   window) from the incoming item without any field the model wrote: the model's arguments
 *   override the item's fields of the same name, so a model could otherwise name any number as
 *   the item's `contact` and give it a fresh `timestamp`.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	UsableAsToolDescription,
} from 'n8n-workflow';

import {
	type AgentAdviceOptions,
	agentHoldMessage,
	checkConversationRecipient,
	type Decision,
	type HoldReason,
} from '../core/policy';
import { itemContactKeys, type Recipient } from './recipient';

/**
 * `usableAsTool` of a node with named outputs. n8n 2.30 gives the tool variant one output, its
 * connection to the agent, but keeps the node's output names, so the editor would label that
 * connection with the first of them ("Sent"): the tool variant has none.
 */
export const USABLE_AS_TOOL_WITHOUT_OUTPUT_NAMES: UsableAsToolDescription = {
	// Not in n8n's type of the replacements, though n8n spreads them over the whole description.
	replacements: { outputNames: undefined } as UsableAsToolDescription['replacements'],
};

/** Field n8n's engine adds to a tool's input item: the model's call it answers. */
const TOOL_CALL_ID = 'toolCallId';

/** Shows a parameter only on the tool variant of a node ("<node> Tool"). */
export const TOOL_ONLY = { '@tool': [true] };
/** Shows a parameter only on the node itself, not on its tool variant. */
export const NOT_TOOL = { '@tool': [false] };

/** Whether this run is a tool call of an AI agent. */
export function runsAsTool(ctx: IExecuteFunctions): boolean {
	const toolContext = ctx as { isToolExecution?: () => boolean };
	if (typeof toolContext.isToolExecution === 'function' && toolContext.isToolExecution()) {
		return true;
	}
	return ctx.getNode().type.endsWith('Tool');
}

/** What a node needs to know in a tool run. */
export interface ToolRun {
	/**
	 * The incoming item (the agent's input item) of item `itemIndex`, without the fields the model
	 * supplied as arguments: what the conversation really is.
	 */
	conversation(itemIndex: number): IDataObject;
	/** Allow Any Recipient: the model may message others than the conversation's contact. */
	readonly allowAnyRecipient: boolean;
	/** Full Result: the model gets every field of the result, the incoming item included. */
	readonly fullResult: boolean;
}

/** The tool run of this execution; undefined outside tool use. */
export function toolRunOf(ctx: IExecuteFunctions): ToolRun | undefined {
	if (!runsAsTool(ctx)) return undefined;
	const conversations = new Map<number, IDataObject>();
	return {
		conversation(itemIndex) {
			let conversation = conversations.get(itemIndex);
			if (!conversation) {
				conversation = conversationOf(ctx, itemIndex);
				conversations.set(itemIndex, conversation);
			}
			return conversation;
		},
		allowAnyRecipient: ctx.getNodeParameter('allowAnyRecipient', 0, false) === true,
		fullResult: ctx.getNodeParameter('fullResult', 0, false) === true,
	};
}

/**
 * The recipient guard for item `itemIndex` (nodes/core/policy/agent.ts): the recipient must be the
 * contact the conversation's incoming item names, read with the item's Default Country.
 */
export function guardRecipient(
	ctx: IExecuteFunctions,
	run: ToolRun,
	itemIndex: number,
	recipient: Recipient,
): Decision {
	const defaultCountry = String(
		ctx.getNodeParameter('options.defaultCountry', itemIndex, '') ?? '',
	);
	return checkConversationRecipient({
		recipient: recipient.input,
		recipientKeys: [recipient.contact],
		conversationKeys: itemContactKeys(run.conversation(itemIndex), defaultCountry || undefined),
		allowAnyRecipient: run.allowAnyRecipient,
	});
}

type FromAi = (key: string, description?: string, type?: string, defaultValue?: unknown) => unknown;

/**
 * `$json` of the item without every field the model wrote: n8n's `$fromAI(key)` reads the model's
 * arguments of this call, so a key it answers is the model's.
 */
function conversationOf(ctx: IExecuteFunctions, itemIndex: number): IDataObject {
	const proxy = ctx.getWorkflowDataProxy(itemIndex) as {
		$json?: unknown;
		$fromAI?: FromAi;
	};
	const json = proxy.$json;
	if (typeof json !== 'object' || json === null || Array.isArray(json)) return {};
	const fromModel = (key: string): boolean => {
		try {
			return proxy.$fromAI?.(key, '', 'string', undefined) !== undefined;
		} catch {
			// No arguments recorded for this run: nothing in the item is the model's.
			return false;
		}
	};
	return Object.fromEntries(
		Object.entries(json as IDataObject).filter(([key]) => key !== TOOL_CALL_ID && !fromModel(key)),
	);
}

/**
 * A node's outputs as a tool answers: every item on the first output, in item order, each shaped
 * by `shape` (unless the full result is asked for); the other outputs empty. Error items become
 * results too, with what went wrong and how to fix it: an error thrown here would reach the model
 * as its message only.
 */
export function toolOutputs(
	outputs: INodeExecutionData[][],
	run: ToolRun,
	shape: (json: IDataObject, itemIndex: number) => IDataObject,
): INodeExecutionData[][] {
	const items = outputs
		.flat()
		.map((item, emitted) => ({ item, emitted }))
		.sort((a, b) => firstItemOf(a.item) - firstItemOf(b.item) || a.emitted - b.emitted)
		.map(({ item }): INodeExecutionData => {
			const json = item.error
				? errorResult(item)
				: run.fullResult
					? item.json
					: shape(item.json, firstItemOf(item));
			return { json, pairedItem: item.pairedItem };
		});
	return [items, ...outputs.slice(1).map(() => [])];
}

function firstItemOf(item: INodeExecutionData): number {
	const paired = Array.isArray(item.pairedItem) ? item.pairedItem[0] : item.pairedItem;
	return typeof paired === 'object' && paired !== null ? paired.item : Number(paired ?? 0);
}

function errorResult(item: INodeExecutionData): IDataObject {
	const message = item.error?.message ?? String(item.json.error ?? 'The tool failed');
	const description = item.error?.description ?? item.json.errorDescription;
	return {
		result: 'error',
		message: `Not sent: ${message.replace(/^\[item \d+\] /, '')}${description ? ` (${String(description)})` : ''}`,
	};
}

/** Result fields every send result may carry, in this order; null ones are left out. */
const SEND_FIELDS = ['result', 'reason', 'message', 'retryAt', 'wamid', 'sentAt'] as const;

/**
 * A send result as the model gets it: result, reason, the sentence saying what to do, and the
 * few fields it needs (`extra`, e.g. the template and its category); no input item.
 */
export function sendToolResult(
	json: IDataObject,
	extra: readonly string[],
	advice: AgentAdviceOptions = {},
): IDataObject {
	const reason = typeof json.reason === 'string' ? (json.reason as HoldReason) : undefined;
	const shaped: IDataObject = {
		...json,
		reason: reason ?? null,
		// The model's sentence for a held message; a sent one needs none.
		message: reason
			? agentHoldMessage(reason, advice)
			: json.result === 'sent'
				? null
				: (json.message ?? null),
	};
	const result: IDataObject = {};
	for (const key of [...SEND_FIELDS, ...extra]) {
		const value = shaped[key];
		if (value !== null && value !== undefined) result[key] = value;
	}
	return result;
}

/**
 * The tool's description as the model reads it (n8n's "Description" of a tool, here with a
 * default written for a model). A node that has this parameter keeps it: n8n adds its own only
 * to nodes without one.
 */
export function toolDescriptionProperty(text: string): INodeProperties {
	return {
		displayName: 'Tool Description',
		name: 'toolDescription',
		type: 'string',
		default: text,
		required: true,
		typeOptions: { rows: 6 },
		description:
			'What the model is told about this tool: what it does, what its answers mean and what to do next',
		displayOptions: { show: TOOL_ONLY },
	};
}

export const allowAnyRecipientProperty: INodeProperties = {
	displayName: 'Allow Any Recipient',
	name: 'allowAnyRecipient',
	type: 'boolean',
	default: false,
	// The builder's decision: no expression, so the model cannot be given it ($fromAI).
	noDataExpression: true,
	description:
		'Whether the model may send to someone other than the contact of the incoming item (the person who wrote); when off, such a send is refused and the model is told why',
	displayOptions: { show: TOOL_ONLY },
};

export const fullResultProperty: INodeProperties = {
	displayName: 'Full Result',
	name: 'fullResult',
	type: 'boolean',
	default: false,
	noDataExpression: true,
	description:
		"Whether the model gets every field of the node's result, the incoming item with Meta's raw payload and the consent snapshot included; when off, it gets only what happened, why and what to do next",
	displayOptions: { show: TOOL_ONLY },
};
