/**
 * n8n's glue for the nodes as an AI agent's tools (nodes/shared/tool.ts): how a node knows it runs
 * as a tool, what the conversation is, and how its outputs reach the model.
 */
import { mock } from 'jest-mock-extended';
import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import { runsAsTool, toolOutputs, toolRunOf, type ToolRun } from '../../../nodes/shared/tool';

function context(type: string, proxy: IDataObject = {}, toolExecution?: boolean) {
	const ctx = mock<IExecuteFunctions>();
	ctx.getNode.mockReturnValue({
		id: '1',
		name: 'Reply',
		type,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	});
	ctx.getWorkflowDataProxy.mockReturnValue(proxy as never);
	ctx.getNodeParameter.mockImplementation(
		((_: string, __: number, fallback: unknown) => fallback) as never,
	);
	if (toolExecution !== undefined) ctx.isToolExecution.mockReturnValue(toolExecution);
	return ctx;
}

describe('tool runs', () => {
	it("is one when the node's type is the tool variant, or n8n says so", () => {
		expect(runsAsTool(context('pack.whatsAppReplyInWindowTool'))).toBe(true);
		expect(runsAsTool(context('pack.whatsAppReplyInWindow', {}, true))).toBe(true);
		expect(runsAsTool(context('pack.whatsAppReplyInWindow', {}, false))).toBe(false);
		expect(toolRunOf(context('pack.whatsAppReplyInWindow', {}, false))).toBeUndefined();
	});

	it("reads the conversation without the fields the model wrote and without n8n's call id", () => {
		const args: IDataObject = { text: 'hi', contact: '4915199999999' };
		const ctx = context('pack.whatsAppReplyInWindowTool', {
			$json: { contact: '4915199999999', kind: 'message', text: 'hi', toolCallId: 'call_1' },
			$fromAI: (key: string, _d: string, _t: string, fallback: unknown) => args[key] ?? fallback,
		});

		expect(toolRunOf(ctx)!.conversation(0)).toEqual({ kind: 'message' });
	});

	it('keeps the whole item when the model passed nothing (or n8n has no arguments to read)', () => {
		const ctx = context('pack.whatsAppReplyInWindowTool', {
			$json: { contact: '4915112345601', kind: 'message' },
			$fromAI: () => {
				throw new Error('No execution data available');
			},
		});

		expect(toolRunOf(ctx)!.conversation(0)).toEqual({ contact: '4915112345601', kind: 'message' });
	});

	it('answers on the first output in item order, shaped, with error items as results', () => {
		const run: ToolRun = { conversation: () => ({}), allowAnyRecipient: false, fullResult: false };
		const error = new NodeOperationError(
			{ id: '1', name: 'n', type: 't', typeVersion: 1, position: [0, 0], parameters: {} },
			'[item 1] Recipient is empty',
			{ description: 'Give a phone number.' },
		);
		const outputs = toolOutputs(
			[
				[{ json: { result: 'sent', secret: 1 }, pairedItem: { item: 2 } }],
				[
					{ json: { result: 'skipped', secret: 1 }, pairedItem: { item: 0 } },
					{ json: { error: error.message }, error, pairedItem: { item: 1 } },
				],
			],
			run,
			(json, i) => ({ result: json.result, i }),
		);

		expect(outputs).toEqual([
			[
				{ json: { result: 'skipped', i: 0 }, pairedItem: { item: 0 } },
				{
					json: {
						result: 'error',
						message: 'Not sent: Recipient is empty (Give a phone number.)',
					},
					pairedItem: { item: 1 },
				},
				{ json: { result: 'sent', i: 2 }, pairedItem: { item: 2 } },
			],
			[],
		]);
	});
});
