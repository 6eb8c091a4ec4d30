/**
 * The one send pipeline of Send Template and Reply in Window: read every item, read the store once
 * per sender number, let the core rules decide for the whole batch, then send what is allowed
 * concurrently within the sender number's budgets, claiming each idempotency key as its request
 * leaves and recording results in chunks as they come back. The nodes say only what differs (their
 * SendSpec: how an item is read, which rules, what the message is, their own output fields).
 *
 * Outputs: Sent (sent, duplicates, dry runs) and the held output (Skipped / Window Closed: held by
 * a rule, with the reason). Item errors go to the held output with Continue On Fail (or to the
 * error output); otherwise the first one stops the node: before any send when it is found before
 * sending, after every send has finished and been recorded when a send failed.
 */
import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type NodeApiError,
} from 'n8n-workflow';

import { systemClock, type Clock } from '../../core/clock';
import type { SendBudget } from '../../core/pace/budget';
import { GraphApiError, type GraphClient } from '../../core/client/client';
import type { SendMessageResponse } from '../../core/client/types';
import { CLAIM_LEASE_MS, checkIdempotency, type Hold } from '../../core/policy';
import type { SendStore, Snapshot, SnapshotStore, WindowStore } from '../../core/store/types';
import { encodeCallbackData, newCallbackId } from '../../core/wire/callback';
import { errorOutputItem, toNodeError } from '../nodeErrors';
import { guardRecipient, toolOutputs, type ToolRun } from '../tool';
import { SendClaims } from './claims';
import type { SendJob, SendSpec, Verdict } from './job';
import { runPooled } from './pool';
import { SendRecorder } from './recorder';
import {
	dryRunJson,
	duplicateJson,
	sentJson,
	sharedResultJson,
	skippedJson,
	type ResultKind,
} from './results';
import { groupBy, unique } from './options';

type NodeError = NodeApiError | NodeOperationError;

type Outcome =
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

/** Sent, then the held output. */
export async function runSendPipeline<J extends SendJob>(
	ctx: IExecuteFunctions,
	spec: SendSpec<J>,
	env: SendContext,
): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const node = ctx.getNode();
	const clock = env.clock ?? systemClock;
	const { client, store } = env;
	const signal = ctx.getExecutionCancelSignal();
	const { tool } = env;
	// A tool answers every item to the model, a problem with the model's input included.
	const continueOnFail = ctx.continueOnFail() || tool !== undefined;
	const outcomes = new Map<number, Outcome>();
	const inputOf = (job: SendJob) => items[job.index].json;
	/** Before any send: without Continue On Fail, the first problem stops the node here. */
	const fail = (index: number, error: unknown): void => {
		const nodeError = toNodeError(node, error, index);
		if (!continueOnFail) throw nodeError;
		outcomes.set(index, { output: 'error', error: nodeError });
	};
	const held = (job: J, hold: Hold & { category?: string }, extra: IDataObject = {}): Outcome => ({
		output: 'held',
		json: skippedJson(
			job,
			hold,
			{ ...spec.fields(job, { kind: 'hold', hold }), ...extra },
			inputOf(job),
		),
	});

	// 1. Every item read and built before anything is claimed or sent.
	const prepared: J[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			prepared.push(spec.prepare(i));
		} catch (error) {
			fail(i, error);
		}
	}
	let jobs = prepared;
	// A tool sends only to the conversation's contact: the others are held before anything else.
	if (tool) {
		jobs = jobs.filter((job) => {
			const decision = guardRecipient(ctx, tool, job.index, job.recipient);
			if (decision.allowed) return true;
			outcomes.set(job.index, held(job, decision));
			return false;
		});
	}
	if (spec.complete) jobs = await spec.complete(jobs, (job, error) => fail(job.index, error));

	// 2. One store read per sender number (normally one for the whole batch).
	const now = clock.now();
	const snapshots = new Map<string, Snapshot>();
	try {
		for (const [sender, group] of groupBy(jobs, (job) => job.sender)) {
			const snapshot = await store.getSnapshot({
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
		throw toNodeError(node, error);
	}

	// 3. The core rules for the whole batch.
	let verdicts: Verdict[];
	try {
		verdicts = spec.decide(
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
		// What the allowed sends take of budgets shared with other processes, for the whole batch.
		if (spec.reserve) verdicts = await spec.reserve(jobs, verdicts, now);
	} catch (error) {
		throw toNodeError(node, error);
	}
	const allowed = new Map<J, Extract<Verdict, { kind: 'allow' }>>();
	const sameKey: Array<{ job: J; first: J }> = [];
	const live: J[] = [];
	verdicts.forEach((verdict, k) => {
		const job = jobs[k];
		if (verdict.kind === 'same_key') {
			sameKey.push({ job, first: jobs[verdict.first] });
		} else if (verdict.kind === 'hold') {
			const existing = snapshots.get(job.sender)!.sends.get(job.idempotencyKey);
			outcomes.set(
				job.index,
				verdict.hold.reason === 'duplicate' && existing
					? {
							output: 'sent',
							json: duplicateJson(
								job,
								existing,
								verdict.hold,
								spec.fields(job, verdict),
								inputOf(job),
							),
						}
					: held(job, verdict.hold),
			);
		} else if (job.dryRun) {
			// 4. Dry run: the decision and the payload, nothing claimed or sent.
			outcomes.set(job.index, {
				output: 'sent',
				json: dryRunJson(job, verdict, spec.fields(job, verdict), inputOf(job)),
			});
		} else {
			allowed.set(job, verdict);
			live.push(job);
		}
	});
	// What the rules read is not needed any more: a large batch frees it before sending.
	snapshots.clear();

	// 5. Send concurrently; each key is claimed as its request leaves; results are recorded in
	// chunks as they come back, so a crash leaves only the requests under way uncertain.
	const claims = new SendClaims(store);
	const recorder = new SendRecorder(store, { clock });
	/** Allowed jobs whose message certainly reached nobody from this execution. */
	const unsent: J[] = [];
	const sendOne = async (job: J): Promise<Outcome> => {
		const verdict = allowed.get(job)!;
		let claimedElsewhere: Outcome | undefined;
		/** The key is claimed: from here on the message may be on its way. */
		let claimed = false;
		const callbackId = newCallbackId();
		let response: SendMessageResponse;
		try {
			const payload = await spec.payload(job, signal);
			const userData = payload.biz_opaque_callback_data as string | undefined;
			response = await client.sendMessage(
				job.sender,
				{ ...payload, biz_opaque_callback_data: encodeCallbackData(callbackId, userData) },
				{
					signal,
					budget: env.budget(job.sender),
					beforeRequest: async () => {
						const at = clock.now();
						const answer = await claims.claim({
							idempotencyKey: job.idempotencyKey,
							sender: job.sender,
							contact: job.recipient.contact,
							kind: job.kind,
							category: verdict.category,
							at,
							callbackId,
						});
						if (answer.claimed) {
							claimed = true;
							// A claim this old may have been taken over as abandoned: do not send on it.
							if (clock.now() - at > CLAIM_LEASE_MS / 2) throw new ClaimTooSlow();
							return;
						}
						const hold = checkIdempotency(
							{
								contact: job.recipient.input,
								idempotencyKey: job.idempotencyKey,
								existing: answer.existing,
							},
							clock.now(),
						) as Hold;
						claimedElsewhere =
							hold.reason === 'duplicate'
								? {
										output: 'sent',
										json: duplicateJson(
											job,
											answer.existing,
											hold,
											spec.fields(job, verdict),
											inputOf(job),
										),
									}
								: held(job, hold);
						throw new ClaimedElsewhere();
					},
					// From here the outcome is unknown until Meta's answer or a status webhook.
					afterRequest: () =>
						claims.left({ idempotencyKey: job.idempotencyKey, callbackId, at: clock.now() }),
				},
			);
		} catch (error) {
			if (error instanceof ClaimedElsewhere && claimedElsewhere) {
				unsent.push(job);
				return claimedElsewhere;
			}
			const outcome = await refused(job, error, claimed ? callbackId : undefined);
			if (!(claimed && error instanceof GraphApiError && error.outcomeUnknown)) unsent.push(job);
			return outcome;
		}
		const at = clock.now();
		await recorder.completed({
			idempotencyKey: job.idempotencyKey,
			state: 'accepted',
			wamid: response.messages[0].id,
			at,
			estimatedPrice: verdict.price.estimatedPrice,
			currency: verdict.price.currency,
		});
		if (verdict.startsFreeEntryPoint) {
			await recordInbound(job);
			await recorder.freeEntryPointStarted({
				sender: job.sender,
				contact: job.recipient.contact,
				at,
			});
		}
		return {
			output: 'sent',
			json: sentJson(job, verdict, response, at, spec.fields(job, verdict), inputOf(job)),
		};
	};
	const recordInbound = async (job: J): Promise<void> => {
		const inbound = spec.inboundNotStored?.(job);
		if (inbound) await recorder.touched(inbound);
	};
	/** The request failed: what the item shows, and whether its claim (if any) is freed. */
	const refused = async (
		job: J,
		error: unknown,
		callbackId: string | undefined,
	): Promise<Outcome> => {
		const claimed = callbackId !== undefined;
		if (
			claimed &&
			spec.windowClosed &&
			error instanceof GraphApiError &&
			error.entry.category === 'reengagement'
		) {
			// Meta knows better than our records: the window is closed now, until the contact writes.
			const at = clock.now();
			await recordInbound(job);
			await recorder.closed({ sender: job.sender, contact: job.recipient.contact, at });
			await recorder.released({ idempotencyKey: job.idempotencyKey, callbackId });
			return held(job, spec.windowClosed(job, at), {
				errorCode: error.code ?? null,
				metaDetails: error.details ?? null,
			});
		}
		// Meta may have accepted the message (a cancel after it left counts too): the key stays
		// claimed, so no later run sends it twice. Otherwise it certainly was not sent: free it.
		const unknown = claimed && error instanceof GraphApiError && error.outcomeUnknown;
		if (claimed && !unknown) {
			await recorder.released({ idempotencyKey: job.idempotencyKey, callbackId });
		}
		return { output: 'error', error: sendError(node, error, job, unknown) };
	};

	let escaped: { error: unknown } | undefined;
	try {
		await runPooled(live, env.inFlight, async (job) => {
			outcomes.set(job.index, await sendOne(job));
		});
	} catch (error) {
		escaped = { error };
	}
	// Recorded whatever happened above: a send Meta accepted must never be sent again.
	const marked = await claims.finish();
	const recorded = await recorder.finish();
	if (recorded.ok && !marked.ok) throw toNodeError(node, marked.error);
	if (!recorded.ok) {
		const { error } = recorded;
		throw new NodeOperationError(
			node,
			`The messages were sent, but the compliance store could not record them: ${error instanceof Error ? error.message : String(error)}`,
			{
				description:
					'Check the WhatsApp Compliance Store credential. Until it is fixed, a re-run reports these messages as possibly sent (send_unconfirmed) instead of sending them again.',
			},
		);
	}
	if (escaped) throw toNodeError(node, escaped.error);
	if (spec.release && unsent.length > 0) {
		try {
			await spec.release(unsent);
		} catch {
			// A place not given back only keeps a budget on the safe side until it expires.
		}
	}

	// 6. Items that repeat an idempotency key of this batch share the first one's result.
	for (const { job, first } of sameKey) {
		const firstOutcome = outcomes.get(first.index);
		if (firstOutcome && firstOutcome.output !== 'error') {
			const json = sharedResultJson(firstOutcome.json, first.index, inputOf(job));
			const result = json.result as ResultKind;
			outcomes.set(job.index, {
				output: result === 'skipped' ? 'held' : 'sent',
				json,
			});
			continue;
		}
		outcomes.set(job.index, {
			output: 'error',
			error: new NodeOperationError(
				node,
				`[item ${job.index}] Not sent: item ${first.index} has the same idempotency key "${first.idempotencyKey}" and failed`,
				{
					itemIndex: job.index,
					description: `Fix item ${first.index} and run again, or give each message its own idempotency key.`,
				},
			),
		});
	}

	// 7. Outputs in item order; a tool's as its small results on the first output.
	const sent: INodeExecutionData[] = [];
	const heldItems: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		const outcome = outcomes.get(i);
		if (!outcome) continue;
		const pairedItem = { item: i };
		if (outcome.output === 'error') {
			if (!continueOnFail) throw outcome.error;
			heldItems.push(errorOutputItem(outcome.error, i));
		} else if (outcome.output === 'sent') {
			sent.push({ json: outcome.json, pairedItem });
		} else {
			heldItems.push({ json: outcome.json, pairedItem });
		}
	}
	if (tool) {
		const byIndex = new Map(prepared.map((job) => [job.index, job]));
		return toolOutputs([sent, heldItems], tool, (json, i) => spec.toolResult(json, byIndex.get(i)));
	}
	return [sent, heldItems];
}

/** Thrown by the claim when another execution holds the key: nothing was sent. */
class ClaimedElsewhere extends Error {
	constructor() {
		super('The idempotency key is claimed by another send');
	}
}

/** The claim took so long that it may count as abandoned: not sent, the key freed. */
class ClaimTooSlow extends Error {
	constructor() {
		super(
			`The compliance store took longer than ${CLAIM_LEASE_MS / 2000} s to claim the idempotency key, so the message was not sent (another execution may have taken the key over). Check the store's load and run again.`,
		);
	}
}

function sendError(
	node: ReturnType<IExecuteFunctions['getNode']>,
	error: unknown,
	job: SendJob,
	outcomeUnknown: boolean,
): NodeError {
	const nodeError = toNodeError(node, error, job.index);
	if (outcomeUnknown) {
		nodeError.description = [
			nodeError.description,
			`Meta may have accepted this message, so its idempotency key "${job.idempotencyKey}" stays claimed and a re-run does not send it again; the Webhook Trigger resolves it when Meta reports the message's status.`,
		]
			.filter(Boolean)
			.join(' ');
	}
	return nodeError;
}
