/**
 * The one send pipeline of Send Template and Reply in Window: read every item, read the store once
 * per sender number, let the core rules decide for the whole batch, reserve what the allowed sends
 * take of budgets shared with other processes, then send what is allowed concurrently within the
 * sender number's budgets, claiming each idempotency key as its request leaves and recording
 * results in chunks as they come back (dispatch.ts). The nodes say only what differs (their
 * SendSpec: how an item is read, which rules, what the message is, their own output fields).
 *
 * Outputs: Sent (sent, duplicates, dry runs; as Options > Sent Output shapes them) and the held
 * output (Skipped / Window Closed: held by a rule, with the reason); as an AI agent's tool, one
 * output of small results (nodes/shared/tool.ts). Item errors go to the held output with Continue On Fail (or to the
 * error output); otherwise the first one stops the node: before any send when it is found before
 * sending, after every send has finished and been recorded when a send failed.
 */
import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import type { Snapshot } from '../../core/store/types';
import { errorOutputItem, toNodeError } from '../nodeErrors';
import { guardRecipient, toolOutputs } from '../tool';
import { sendLive, type LiveJob } from './dispatch';
import type { SendJob, SendSpec, Verdict } from './job';
import { groupBy, unique } from './options';
import {
	countsJson,
	dryRunJson,
	duplicateJson,
	sharedResultJson,
	type ResultKind,
	type SendCounts,
} from './results';
import { SendRun, type SendContext } from './run';

/** Sent, then the held output. */
export async function runSendPipeline<J extends SendJob>(
	ctx: IExecuteFunctions,
	spec: SendSpec<J>,
	env: SendContext,
): Promise<INodeExecutionData[][]> {
	const run = new SendRun(ctx, spec, env);
	const jobs = await read(run);
	const now = run.clock.now();
	const snapshots = await readStore(run, jobs, now);
	const verdicts = await reserve(run, jobs, decide(run, jobs, snapshots, now), now);
	const { live, sameKey } = settle(run, jobs, verdicts, snapshots);
	// What the rules read is not needed any more: a large batch frees it before sending.
	snapshots.clear();
	await sendLive(run, live);
	shareFirstResult(run, sameKey);
	return emit(run);
}

/** An item whose idempotency key an earlier item of the batch has. */
interface SameKey<J> {
	readonly job: J;
	readonly first: J;
}

/** 1. Every item read and built before anything is claimed or sent. */
async function read<J extends SendJob>(run: SendRun<J>): Promise<J[]> {
	const { spec } = run;
	let jobs: J[] = [];
	for (let i = 0; i < run.items.length; i++) {
		try {
			const job = spec.prepare(i);
			jobs.push(job);
			if (run.env.tool) run.prepared.set(i, job);
		} catch (error) {
			run.fail(i, error);
		}
	}
	const { tool } = run.env;
	// A tool sends only to the conversation's contact: the others are held before anything else.
	if (tool) {
		jobs = jobs.filter((job) => {
			const decision = guardRecipient(run.ctx, tool, job.index, job.recipient);
			if (decision.allowed) return true;
			run.settle(job.index, run.held(job, decision));
			return false;
		});
	}
	return spec.complete
		? await spec.complete(jobs, (job, error) => run.fail(job.index, error))
		: jobs;
}

/** 2. One store read per sender number (normally one for the whole batch). */
async function readStore<J extends SendJob>(
	run: SendRun<J>,
	jobs: J[],
	now: number,
): Promise<Map<string, Snapshot>> {
	const { spec } = run;
	const snapshots = new Map<string, Snapshot>();
	try {
		for (const [sender, group] of groupBy(jobs, (job) => job.sender)) {
			const snapshot = await run.env.store.getSnapshot({
				sender,
				contacts: unique(group.map((job) => job.recipient.contact)),
				idempotencyKeys: unique(group.map((job) => job.idempotencyKey)),
				marketingSince: now,
				...spec.snapshotRequest?.(group, now),
			});
			await spec.refresh?.(sender, group, snapshot, now);
			snapshots.set(sender, snapshot);
		}
	} catch (error) {
		throw toNodeError(run.node, error);
	}
	return snapshots;
}

/** 3. The core rules for the whole batch. */
function decide<J extends SendJob>(
	run: SendRun<J>,
	jobs: J[],
	snapshots: Map<string, Snapshot>,
	now: number,
): Verdict[] {
	try {
		return run.spec.decide(
			jobs,
			(job) => {
				const snapshot = snapshots.get(job.sender)!;
				return {
					contact: snapshot.contacts.get(job.recipient.contact),
					existingSend: snapshot.sends.get(job.idempotencyKey),
					templates: snapshot.templates,
					snapshot,
				};
			},
			now,
		);
	} catch (error) {
		throw toNodeError(run.node, error);
	}
}

/** 4. What the allowed sends take of budgets shared with other processes, for the whole batch. */
async function reserve<J extends SendJob>(
	run: SendRun<J>,
	jobs: J[],
	verdicts: Verdict[],
	now: number,
): Promise<Verdict[]> {
	if (!run.spec.reserve) return verdicts;
	try {
		return await run.spec.reserve(jobs, verdicts, now);
	} catch (error) {
		throw toNodeError(run.node, error);
	}
}

/**
 * 5. Each verdict to its place: held items and duplicates get their result now, dry runs show the
 * decision and the payload with nothing claimed or sent; the allowed jobs go on to be sent, and
 * repeats of a key wait for the first item's result.
 */
function settle<J extends SendJob>(
	run: SendRun<J>,
	jobs: J[],
	verdicts: Verdict[],
	snapshots: Map<string, Snapshot>,
): { live: LiveJob<J>[]; sameKey: SameKey<J>[] } {
	const { spec } = run;
	const live: LiveJob<J>[] = [];
	const sameKey: SameKey<J>[] = [];
	verdicts.forEach((verdict, k) => {
		const job = jobs[k];
		if (verdict.kind === 'same_key') {
			sameKey.push({ job, first: jobs[verdict.first] });
		} else if (verdict.kind === 'hold') {
			const existing = snapshots.get(job.sender)!.sends.get(job.idempotencyKey);
			run.settle(
				job.index,
				verdict.hold.reason === 'duplicate' && existing
					? {
							output: 'sent',
							json: duplicateJson(
								job,
								existing,
								verdict.hold,
								spec.fields(job, verdict),
								run.inputOf(job),
							),
						}
					: run.held(job, verdict.hold),
			);
		} else if (job.dryRun) {
			run.settle(job.index, {
				output: 'sent',
				json: dryRunJson(job, verdict, spec.fields(job, verdict), run.inputOf(job)),
			});
		} else {
			live.push({ job, verdict });
		}
	});
	return { live, sameKey };
}

/** 6. Items that repeat an idempotency key of this batch share the first one's result. */
function shareFirstResult<J extends SendJob>(run: SendRun<J>, sameKey: SameKey<J>[]): void {
	for (const { job, first } of sameKey) {
		const firstOutcome = run.outcomes.get(first.index);
		if (firstOutcome && firstOutcome.output !== 'error') {
			const json = sharedResultJson(firstOutcome.json, first.index, run.inputOf(job));
			const result = json.result as ResultKind;
			run.settle(job.index, { output: result === 'skipped' ? 'held' : 'sent', json });
			continue;
		}
		run.settle(job.index, {
			output: 'error',
			error: new NodeOperationError(
				run.node,
				`[item ${job.index}] Not sent: item ${first.index} has the same idempotency key "${first.idempotencyKey}" and failed`,
				{
					itemIndex: job.index,
					description: `Fix item ${first.index} and run again, or give each message its own idempotency key.`,
				},
			),
		});
	}
}

/**
 * 7. Outputs in item order; without Continue On Fail the first item error stops the node. Under
 * Counts Only the Sent output is one item counting every item's result.
 */
function emit<J extends SendJob>(run: SendRun<J>): INodeExecutionData[][] {
	const sent: INodeExecutionData[] = [];
	const heldItems: INodeExecutionData[] = [];
	const counts: SendCounts = { sent: 0, duplicates: 0, dryRuns: 0, skipped: 0, failed: 0 };
	const countsOnly = run.sentOutput === 'countsOnly';
	for (let i = 0; i < run.items.length; i++) {
		const outcome = run.outcomes.get(i);
		if (!outcome) continue;
		const pairedItem = { item: i };
		if (outcome.output === 'error') {
			if (!run.continueOnFail) throw outcome.error;
			heldItems.push(errorOutputItem(outcome.error, i));
			counts.failed += 1;
		} else if (outcome.output === 'held') {
			heldItems.push({ json: outcome.json, pairedItem });
			counts.skipped += 1;
		} else if (countsOnly) {
			const result = outcome.json.result as ResultKind;
			if (result === 'sent') counts.sent += 1;
			else if (result === 'dry_run') counts.dryRuns += 1;
			else counts.duplicates += 1;
		} else {
			sent.push({ json: outcome.json, pairedItem });
		}
	}
	if (countsOnly && run.outcomes.size > 0) {
		const pairedItem = run.items.map((_, item) => ({ item }));
		sent.push({ json: countsJson(counts), pairedItem });
	}
	// A tool's outputs: its small results on the first output, the only one n8n hands the model.
	const { tool } = run.env;
	if (tool) {
		return toolOutputs([sent, heldItems], tool, (json, i) =>
			run.spec.toolResult(json, run.prepared.get(i)),
		);
	}
	return [sent, heldItems];
}
