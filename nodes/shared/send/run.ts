/** One execution of the send pipeline: what every step reads, and each item's outcome so far. */
import type {
	IDataObject,
	IExecuteFunctions,
	INode,
	INodeExecutionData,
	NodeApiError,
	NodeOperationError,
} from 'n8n-workflow';

import { systemClock, type Clock } from '../../core/clock';
import type { GraphClient } from '../../core/client/client';
import type { SendBudget } from '../../core/pace/budget';
import type { Hold } from '../../core/policy';
import type { SendStore, SnapshotStore, WindowStore } from '../../core/store/types';
import { toNodeError } from '../nodeErrors';
import type { ToolRun } from '../tool';
import type { SendJob, SendSpec } from './job';
import { sentOutputOf } from './options';
import { shapeSentJson, skippedJson, type SentOutput } from './results';

export type NodeError = NodeApiError | NodeOperationError;

/** Where an item's result goes: Sent, the held output, or an item error. */
export type Outcome =
	| { readonly output: 'sent' | 'held'; readonly json: IDataObject }
	| { readonly output: 'error'; readonly error: NodeError };

/** Where the batch sends through: the Cloud API client, the store, the budgets, concurrency. */
export interface SendContext {
	readonly client: GraphClient;
	/** Read once per sender number (snapshot), then claims (sends) and results (sends, windows). */
	readonly store: SnapshotStore & SendStore & WindowStore;
	/** The send budget of a sender number (nodes/shared/send/senderBudget.ts). */
	readonly budget: (sender: string) => SendBudget;
	/** Requests in flight at once, at most. */
	readonly inFlight: number;
	readonly clock?: Clock;
	/**
	 * Set when the node runs as an AI agent's tool: sends only to the conversation's contact
	 * (unless allowed otherwise), item errors become results, one output of small results.
	 */
	readonly tool?: ToolRun;
}

export class SendRun<J extends SendJob> {
	readonly items: INodeExecutionData[];
	readonly node: INode;
	readonly clock: Clock;
	readonly signal: AbortSignal | undefined;
	readonly continueOnFail: boolean;
	/** Options > Sent Output: what the Sent output holds. */
	readonly sentOutput: SentOutput;
	/** Each item's result by item index, set (through `settle`) by the step that settles it. */
	readonly outcomes = new Map<number, Outcome>();

	/** As a tool: every item that could be read, by index (its results name their job). */
	readonly prepared = new Map<number, J>();

	constructor(
		readonly ctx: IExecuteFunctions,
		readonly spec: SendSpec<J>,
		readonly env: SendContext,
	) {
		this.items = ctx.getInputData();
		this.node = ctx.getNode();
		this.clock = env.clock ?? systemClock;
		this.signal = ctx.getExecutionCancelSignal();
		// A tool answers every item to the model, a problem with the model's input included, each
		// as its small result (built from the whole item: Sent Output does not apply).
		this.continueOnFail = ctx.continueOnFail() || env.tool !== undefined;
		this.sentOutput = env.tool ? 'everyItem' : sentOutputOf(ctx);
	}

	/**
	 * Item `index` ended so. A Sent item is kept only as far as Sent Output asks, as soon as it is
	 * known: a large batch does not hold every field of every sent message until the end.
	 */
	settle(index: number, outcome: Outcome): void {
		this.outcomes.set(
			index,
			outcome.output === 'sent'
				? { output: 'sent', json: shapeSentJson(outcome.json, this.sentOutput) }
				: outcome,
		);
	}

	/** The input item's JSON, which a result item may carry along. */
	inputOf(job: SendJob): IDataObject {
		return this.items[job.index].json;
	}

	/** Before any send: without Continue On Fail, the first problem stops the node here. */
	fail(index: number, error: unknown): void {
		const nodeError = toNodeError(this.node, error, index);
		if (!this.continueOnFail) throw nodeError;
		this.settle(index, { output: 'error', error: nodeError });
	}

	/** A job held by a rule (or by Meta's answer), for the held output. */
	held(job: J, hold: Hold & { category?: string }, extra: IDataObject = {}): Outcome {
		return {
			output: 'held',
			json: skippedJson(
				job,
				hold,
				{ ...this.spec.fields(job, { kind: 'hold', hold }), ...extra },
				this.inputOf(job),
			),
		};
	}
}
