import type {
	IBinaryKeyData,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	NodeApiError,
	NodeOperationError,
} from 'n8n-workflow';

import type { Clock } from '../../core/clock';
import type { ComplianceStore } from '../../core/store/types';
import { errorItemJson, toNodeError } from '../../shared/nodeErrors';
import { getComplianceStore } from '../../shared/store';

/** One output item and the input items it came from. */
interface Outcome {
	json: IDataObject;
	binary?: IBinaryKeyData;
	output: number;
	items: number[];
	/** Set on error items: n8n's error output (On Error: Continue (using error output)) needs it. */
	error?: NodeApiError | NodeOperationError;
}

export interface EmitOptions {
	/** Which output the item goes to (Check: 0 Allowed, 1 Not Allowed). @default 0 */
	output?: number;
	binary?: IBinaryKeyData;
}

/**
 * One execution of an operation over all input items. Operations read every item's parameters
 * first (`each`), make one store call for the items that are fine, then `emit` one result per
 * item. An item whose parameters are wrong fails alone: with Continue On Fail it becomes an error
 * item on the last output and the other items go on; without it, the first such item throws (with
 * its item index) before anything is written.
 */
export class Batch {
	readonly items: INodeExecutionData[];
	/** One time for the whole batch: every item of a run is recorded at the same moment. */
	readonly now: number;
	private readonly outcomes: Outcome[] = [];
	private readonly settled = new Set<number>();
	private opened: Promise<ComplianceStore> | undefined;

	constructor(
		private readonly ctx: IExecuteFunctions,
		/** How many outputs the node has for this operation; errors go on the last. */
		readonly outputCount: number,
		clock: Clock,
		/** Item errors become error items as with Continue On Fail (a tool answers every item). */
		private readonly keepGoing = false,
	) {
		this.items = ctx.getInputData();
		this.now = clock.now();
	}

	/** Reads each item with `read`; returns the items that could be read, in order. */
	each<T>(read: (itemIndex: number) => T): Array<{ itemIndex: number; value: T }> {
		const accepted: Array<{ itemIndex: number; value: T }> = [];
		for (let itemIndex = 0; itemIndex < this.items.length; itemIndex++) {
			try {
				accepted.push({ itemIndex, value: read(itemIndex) });
			} catch (error) {
				this.fail(itemIndex, error);
			}
		}
		return accepted;
	}

	/** One result item, paired with the input item(s) it answers. */
	emit(itemIndex: number | number[], json: IDataObject, options: EmitOptions = {}): void {
		const items = Array.isArray(itemIndex) ? itemIndex : [itemIndex];
		for (const i of items) this.settled.add(i);
		this.outcomes.push({ json, binary: options.binary, output: options.output ?? 0, items });
	}

	/** A per-item error: an error item with Continue On Fail, otherwise thrown. */
	fail(itemIndex: number, error: unknown): void {
		const nodeError = toNodeError(this.ctx.getNode(), error, itemIndex);
		if (!this.keepGoing && !this.ctx.continueOnFail()) throw nodeError;
		this.settled.add(itemIndex);
		this.outcomes.push({
			json: errorItemJson(nodeError),
			error: nodeError,
			output: this.outputCount - 1,
			items: [itemIndex],
		});
	}

	/**
	 * The whole batch failed (the store is unreachable): with Continue On Fail every item without a
	 * result gets the error, otherwise it is thrown without an item index.
	 */
	failRest(error: unknown): void {
		const nodeError = toNodeError(this.ctx.getNode(), error);
		if (!this.ctx.continueOnFail()) throw nodeError;
		for (let i = 0; i < this.items.length; i++) {
			if (this.settled.has(i)) continue;
			this.settled.add(i);
			this.outcomes.push({
				json: errorItemJson(nodeError),
				error: nodeError,
				output: this.outputCount - 1,
				items: [i],
			});
		}
	}

	/** The compliance store, opened once per batch (and shared per process by nodes/shared). */
	async store(): Promise<ComplianceStore> {
		this.opened ??= getComplianceStore(this.ctx);
		return await this.opened;
	}

	/** The node's outputs, each in input item order. */
	outputs(): INodeExecutionData[][] {
		const outputs: INodeExecutionData[][] = Array.from({ length: this.outputCount }, () => []);
		const ordered = this.outcomes
			.map((outcome, emitted) => ({ outcome, emitted }))
			.sort((a, b) => a.outcome.items[0] - b.outcome.items[0] || a.emitted - b.emitted);
		for (const { outcome } of ordered) {
			const pairedItem =
				outcome.items.length === 1
					? { item: outcome.items[0] }
					: outcome.items.map((item) => ({ item }));
			const item: INodeExecutionData = { json: outcome.json, pairedItem };
			if (outcome.binary) item.binary = outcome.binary;
			if (outcome.error) item.error = outcome.error;
			outputs[outcome.output].push(item);
		}
		return outputs;
	}
}
