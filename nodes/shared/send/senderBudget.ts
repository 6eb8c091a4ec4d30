/**
 * The send budget a node's sends wait for: the sender number's, shared through the compliance
 * store by every node, workflow and n8n process using that store (core/pace/budget.ts), and,
 * when the node's Rate Limit is lower than the number's throughput, the node's own on top. The
 * node's own is kept in the store as well, under a key of its own (the workflow, the node and the
 * number), so the Rate Limit holds for the node as a whole: in queue mode, every worker running
 * that node shares it.
 */
import type { IExecuteFunctions, INode } from 'n8n-workflow';

import { LeasedSendBudget, type SendBudget, type SlotLedger } from '../../core/pace/budget';
import { pairPace, senderPace } from '../../core/pace/schedule';
import { sendsInFlight } from './options';

/** The shared budgets of this process, by store and sender number (one queue of leases each). */
const shared = new WeakMap<SlotLedger, Map<string, LeasedSendBudget>>();
/** Each node's own lower rate in this process, by store, workflow, node, sender number and rate. */
const nodeCaps = new WeakMap<SlotLedger, Map<string, LeasedSendBudget>>();

export interface BudgetSettings {
	/** The store the number's budget lives in. */
	readonly ledger: SlotLedger;
	/** The throughput of the sender number (the credential's Messages Per Second). */
	readonly messagesPerSecond: number;
	/** The node's Rate Limit, when set: it may only lower the number's rate for this node. */
	readonly nodeRate: number | undefined;
	readonly workflowId: string;
	readonly node: INode;
}

export function sendBudgetFor(sender: string, settings: BudgetSettings): SendBudget {
	const { ledger, messagesPerSecond, nodeRate } = settings;
	let budgets = shared.get(ledger);
	if (!budgets) {
		budgets = new Map();
		shared.set(ledger, budgets);
	}
	const key = JSON.stringify([sender, messagesPerSecond]);
	let number = budgets.get(key);
	if (!number) {
		number = new LeasedSendBudget({
			ledger,
			sender,
			pace: senderPace(messagesPerSecond),
			pair: pairPace(),
		});
		budgets.set(key, number);
	}
	if (nodeRate === undefined || nodeRate >= messagesPerSecond) return number;
	let caps = nodeCaps.get(ledger);
	if (!caps) {
		caps = new Map();
		nodeCaps.set(ledger, caps);
	}
	const ledgerKey = nodeBudgetKey(settings.workflowId, settings.node.id, sender);
	const capKey = JSON.stringify([ledgerKey, nodeRate]);
	let cap = caps.get(capKey);
	if (!cap) {
		cap = new LeasedSendBudget({ ledger, sender: ledgerKey, pace: senderPace(nodeRate) });
		caps.set(capKey, cap);
	}
	return capped(cap, number);
}

/**
 * Where a node's own rate is kept in the ledger, beside the numbers' (which are keyed by their
 * phone number ID, digits only, so the two never meet).
 */
export function nodeBudgetKey(workflowId: string, nodeId: string, sender: string): string {
	return `node:${workflowId}:${nodeId}:${sender}`;
}

/** The node's own pace first, then the number's shared budget, which hears Meta's answers. */
function capped(cap: SendBudget, number: SendBudget): SendBudget {
	return {
		async take(recipient, signal) {
			await cap.take(undefined, signal);
			await number.take(recipient, signal);
		},
		throttled: (forMs) => number.throttled(forMs),
		pairThrottled: (recipient) => number.pairThrottled(recipient),
	};
}

/** A node's budgets and how many requests it may have in flight. */
export interface SendBudgets {
	readonly budget: (sender: string) => SendBudget;
	readonly inFlight: number;
}

/** The budgets of the node running in `ctx`, over the store's shared ledger. */
export function sendBudgets(
	ctx: IExecuteFunctions,
	ledger: SlotLedger,
	messagesPerSecond: number,
	nodeRate: number | undefined,
): SendBudgets {
	const settings: BudgetSettings = {
		ledger,
		messagesPerSecond,
		nodeRate,
		workflowId: String(ctx.getWorkflow()?.id ?? ''),
		node: ctx.getNode(),
	};
	// Looked up once per sender number for the node's run, not once per send.
	const bySender = new Map<string, SendBudget>();
	const budget = (sender: string): SendBudget => {
		let found = bySender.get(sender);
		if (!found) {
			found = sendBudgetFor(sender, settings);
			bySender.set(sender, found);
		}
		return found;
	};
	return {
		budget,
		inFlight: sendsInFlight(Math.min(nodeRate ?? messagesPerSecond, messagesPerSecond)),
	};
}
