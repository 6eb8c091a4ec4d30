/**
 * Activation in n8n's queue mode: a trigger whose store the webhook processors and workers could
 * not share is not activated, so no webhook is accepted into a store that splits.
 */
import { NodeOperationError } from 'n8n-workflow';

import { callHook, tempStore } from './support';

const temp = tempStore();
const savedMode = process.env.EXECUTIONS_MODE;

afterEach(() => {
	if (savedMode === undefined) delete process.env.EXECUTIONS_MODE;
	else process.env.EXECUTIONS_MODE = savedMode;
});
afterAll(() => temp.cleanUp());

describe('webhook trigger activation in queue mode', () => {
	it('fails activation with a SQLite store credential, saying how to set up PostgreSQL', async () => {
		process.env.EXECUTIONS_MODE = 'queue';
		const checked = await callHook('checkExists', { storePath: temp.path });
		expect(checked.error).toBeInstanceOf(NodeOperationError);
		expect((checked.error as NodeOperationError).message).toBe(
			'Queue mode needs a WhatsApp Compliance Store credential with PostgreSQL',
		);
		expect((checked.error as NodeOperationError).description).toContain(
			'The WhatsApp Compliance Store credential "Store" uses SQLite',
		);
	});

	it('activates with the same credential outside queue mode', async () => {
		delete process.env.EXECUTIONS_MODE;
		expect(await callHook('checkExists', { storePath: temp.path })).toEqual({
			value: true,
			logs: [],
		});
	});
});
