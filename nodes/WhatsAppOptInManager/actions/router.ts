import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';

import { systemClock, type Clock } from '../../core/clock';
import { toolOutputs, toolRunOf } from '../../shared/tool';
import * as account from './account';
import { Batch } from './batch';
import * as bulk from './bulk';
import * as consent from './consent';
import * as contact from './contact';
import * as report from './report';
import * as send from './send';

interface Operation {
	execute(this: IExecuteFunctions, batch: Batch): Promise<void>;
	/** A result item as an AI agent's model gets it, when the node runs as a tool. */
	toolResult?(json: IDataObject): IDataObject;
}

const OPERATIONS: Record<string, Record<string, Operation>> = {
	consent: {
		optIn: consent.optIn,
		confirm: consent.confirm,
		optOut: consent.optOut,
		check: consent.check,
		getStatus: consent.getStatus,
	},
	contact: { getHistory: contact.getHistory, erase: contact.erase },
	bulk: { import: bulk.import, export: bulk.export },
	account: { getStatus: account.getStatus },
	report: { cost: report.cost },
	send: { getMany: send.getMany, getUnconfirmed: send.getUnconfirmed, release: send.release },
};

/** Check splits items into Allowed and Not Allowed; every other operation has one output. */
export function outputCountOf(operation: string): number {
	return operation === 'check' ? 2 : 1;
}

/**
 * Runs the chosen operation over all input items at once (the store is batch-first), then shapes
 * the outputs: items in input order, each paired with its input item. Per-item errors are handled
 * in Batch; an error of the whole batch (the store is unreachable) goes to every item that has no
 * result yet with Continue On Fail, or is thrown.
 */
export async function router(
	this: IExecuteFunctions,
	clock: Clock = systemClock,
): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const chosen = OPERATIONS[resource]?.[operation];
	if (!chosen) {
		throw new NodeOperationError(
			this.getNode(),
			`The operation "${operation}" of resource "${resource}" is not known`,
			{ description: 'Choose a resource and an operation from the lists of this node.' },
		);
	}
	const tool = toolRunOf(this);
	const batch = new Batch(this, outputCountOf(operation), clock, tool !== undefined);
	try {
		await chosen.execute.call(this, batch);
	} catch (error) {
		batch.failRest(error);
	}
	// A tool answers on its first output (Check's Not Allowed included), as small results.
	if (tool) return toolOutputs(batch.outputs(), tool, chosen.toolResult ?? ((json) => json));
	return batch.outputs();
}
