import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { EMIT_ITEMS, EmitItems, runWorkflow } from '../../support/workflow';

/** Multiplies `n` by its Factor parameter and adds the `secret` of its credential, if any. */
class Multiply implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Multiply',
		name: 'multiply',
		group: ['transform'],
		version: 1,
		description: 'Test node',
		defaults: { name: 'Multiply' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'testSecret', required: false }],
		properties: [{ displayName: 'Factor', name: 'factor', type: 'number', default: 2 }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const credentials = this.getNode().credentials?.testSecret
			? await this.getCredentials('testSecret')
			: undefined;
		return [
			this.getInputData().map((item, i) => ({
				json: {
					n: Number(item.json.n) * (this.getNodeParameter('factor', i) as number),
					...(credentials ? { secret: credentials.secret } : {}),
				},
				pairedItem: { item: i },
			})),
		];
	}
}

const start = (items: unknown[]): INode => ({
	id: 'start',
	name: 'Start',
	type: EMIT_ITEMS,
	typeVersion: 1,
	position: [0, 0],
	parameters: { items: JSON.stringify(items) },
});

const multiply = (parameters: INode['parameters'], extra: Partial<INode> = {}): INode => ({
	id: 'multiply',
	name: 'Multiply',
	type: 'test.multiply',
	typeVersion: 1,
	position: [200, 0],
	parameters,
	...extra,
});

const connections = { Start: { main: [[{ node: 'Multiply', type: 'main' as const, index: 0 }]] } };
const nodeTypes = { [EMIT_ITEMS]: new EmitItems(), 'test.multiply': new Multiply() };

describe('in-process workflow runner', () => {
	it('runs the nodes in order, evaluating expressions per item', async () => {
		const run = await runWorkflow(
			{
				nodes: [start([{ n: 1 }, { n: 2 }]), multiply({ factor: '={{ $json.n + 1 }}' })],
				connections,
			},
			{ nodeTypes },
		);
		expect(run.result.status).toBe('success');
		expect(run.order).toEqual(['Start', 'Multiply']);
		expect(run.json('Start')).toEqual([{ n: 1 }, { n: 2 }]);
		expect(run.output('Multiply')).toEqual([
			{ json: { n: 2 }, pairedItem: { item: 0 } },
			{ json: { n: 6 }, pairedItem: { item: 1 } },
		]);
	});

	it('hands the clear-text credentials of the type the node asks for', async () => {
		const run = await runWorkflow(
			{
				nodes: [
					start([{ n: 3 }]),
					multiply({}, { credentials: { testSecret: { id: '1', name: 'Secret' } } }),
				],
				connections,
			},
			{ nodeTypes, credentials: { testSecret: { secret: 'opensesame' } } },
		);
		expect(run.json('Multiply')).toEqual([{ n: 6, secret: 'opensesame' }]);
	});

	it('reports a credential that was not given as the error of the run', async () => {
		const run = await runWorkflow(
			{
				nodes: [
					start([{ n: 3 }]),
					multiply({}, { credentials: { testSecret: { id: '1', name: 'Secret' } } }),
				],
				connections,
			},
			{ nodeTypes },
		);
		expect(run.result.status).toBe('error');
		expect(run.error?.message).toMatch(/no credentials of type "testSecret" were given/);
	});

	it('refuses a node type it was not given', async () => {
		await expect(
			runWorkflow(
				{ nodes: [start([]), multiply({})], connections },
				{ nodeTypes: { [EMIT_ITEMS]: new EmitItems() } },
			),
		).rejects.toThrow('no node class for type "test.multiply"');
	});
});
