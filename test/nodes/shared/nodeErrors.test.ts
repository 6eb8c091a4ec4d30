import {
	NodeConnectionTypes,
	NodeOperationError,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { errorItemJson, errorOutputItem } from '../../../nodes/shared/nodeErrors';
import { EMIT_ITEMS, EmitItems, runWorkflow } from '../../support/workflow';

type Shape = 'errorOutputItem' | 'jsonOnly';

/** A node that fails the items whose json has `bad`, the way our nodes do with Continue On Fail. */
function failBad(shape: Shape): INodeType {
	const description: INodeTypeDescription = {
		displayName: 'Fail Bad',
		name: 'failBad',
		group: ['transform'],
		version: 1,
		description: 'Test node',
		defaults: { name: 'Fail Bad' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};
	// `this` in execute is n8n's context, not the node object: the shape comes from the closure.
	async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [
			this.getInputData().map((item, i) => {
				if (!item.json.bad) return { json: { ok: item.json.n }, pairedItem: { item: i } };
				const error = new NodeOperationError(this.getNode(), `[item ${i}] Bad value`, {
					itemIndex: i,
					description: 'Give a good value.',
				});
				return shape === 'errorOutputItem'
					? errorOutputItem(error, i)
					: { json: errorItemJson(error), pairedItem: { item: i } };
			}),
		];
	}
	return { description, execute };
}

async function run(shape: Shape) {
	const nodes: INode[] = [
		{
			id: 'start',
			name: 'Start',
			type: EMIT_ITEMS,
			typeVersion: 1,
			position: [0, 0],
			parameters: { items: JSON.stringify([{ n: 1 }, { n: 2, bad: true }]) },
		},
		{
			id: 'fail',
			name: 'Fail',
			type: 'test.failBad',
			typeVersion: 1,
			position: [200, 0],
			parameters: {},
			onError: 'continueErrorOutput',
		},
	];
	return await runWorkflow(
		{ nodes, connections: { Start: { main: [[{ node: 'Fail', type: 'main', index: 0 }]] } } },
		{ nodeTypes: { [EMIT_ITEMS]: new EmitItems(), 'test.failBad': failBad(shape) } },
	);
}

describe('error output', () => {
	it('routes an item error to the error output, paired with its item, the fix on its error', async () => {
		const result = await run('errorOutputItem');

		expect(result.error).toBeUndefined();
		expect(result.json('Fail', 0)).toEqual([{ ok: 1 }]);
		const [failed] = result.output('Fail', 1);
		// n8n's engine replaces the json of an item that carries an error by {error: message}.
		expect(failed.json).toEqual({ error: '[item 1] Bad value' });
		expect(failed.error).toMatchObject({
			message: '[item 1] Bad value',
			description: 'Give a good value.',
		});
		expect(failed.pairedItem).toEqual({ item: 1 });
	});

	it('needs the error on the item: json with a description beside the error stays on the main output', async () => {
		const result = await run('jsonOnly');

		expect(result.json('Fail', 0)).toEqual([
			{ ok: 1 },
			{ error: '[item 1] Bad value', errorDescription: 'Give a good value.' },
		]);
		expect(result.output('Fail', 1)).toEqual([]);
	});
});
