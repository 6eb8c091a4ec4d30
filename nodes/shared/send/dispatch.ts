/**
 * The send step of the pipeline: allowed jobs go out concurrently within their sender number's
 * budgets; each idempotency key is claimed as its request leaves and each result is recorded in
 * chunks as it comes back, so a crash leaves only the requests under way uncertain.
 */
import { NodeOperationError, type INode } from 'n8n-workflow';

import { GraphApiError } from '../../core/client/graphApiError';
import type { SendMessageResponse } from '../../core/client/types';
import { CLAIM_LEASE_MS, checkIdempotency, type Hold } from '../../core/policy';
import { encodeCallbackData, newCallbackId } from '../../core/wire/callback';
import { toNodeError } from '../nodeErrors';
import { SendClaims } from './claims';
import type { Allowed, SendJob } from './job';
import { runPooled } from './pool';
import { SendRecorder } from './recorder';
import { duplicateJson, sentJson } from './results';
import type { NodeError, Outcome, SendRun } from './run';

/** A job the rules allowed, with what they decided. */
export interface LiveJob<J extends SendJob> {
	readonly job: J;
	readonly verdict: { readonly kind: 'allow' } & Allowed;
}

/**
 * Sends every live job (its outcome set on `run`), then records what happened whatever went
 * wrong, then gives back what `reserve` took for the sends that reached nobody.
 */
export async function sendLive<J extends SendJob>(
	run: SendRun<J>,
	live: readonly LiveJob<J>[],
): Promise<void> {
	const dispatch = new Dispatch(run);
	let escaped: { error: unknown } | undefined;
	try {
		await runPooled(live, run.env.inFlight, async ({ job, verdict }) => {
			run.settle(job.index, await dispatch.send(job, verdict));
		});
	} catch (error) {
		escaped = { error };
	}
	await dispatch.record();
	if (escaped) throw toNodeError(run.node, escaped.error);
	await dispatch.release();
}

class Dispatch<J extends SendJob> {
	private readonly claims: SendClaims;
	private readonly recorder: SendRecorder;
	/** Allowed jobs whose message certainly reached nobody from this execution. */
	private readonly unsent: J[] = [];

	constructor(private readonly run: SendRun<J>) {
		this.claims = new SendClaims(run.env.store);
		this.recorder = new SendRecorder(run.env.store, { clock: run.clock });
	}

	async send(job: J, verdict: LiveJob<J>['verdict']): Promise<Outcome> {
		const { run, claims } = this;
		const { spec, clock, signal } = run;
		let claimedElsewhere: Outcome | undefined;
		/** The key is claimed: from here on the message may be on its way. */
		let claimed = false;
		const callbackId = newCallbackId();
		let response: SendMessageResponse;
		try {
			const payload = await spec.payload(job, signal);
			const userData = payload.biz_opaque_callback_data as string | undefined;
			response = await run.env.client.sendMessage(
				job.sender,
				{ ...payload, biz_opaque_callback_data: encodeCallbackData(callbackId, userData) },
				{
					signal,
					budget: run.env.budget(job.sender),
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
											run.inputOf(job),
										),
									}
								: run.held(job, hold);
						throw new ClaimedElsewhere();
					},
					// From here the outcome is unknown until Meta's answer or a status webhook.
					afterRequest: () =>
						claims.left({ idempotencyKey: job.idempotencyKey, callbackId, at: clock.now() }),
				},
			);
		} catch (error) {
			if (error instanceof ClaimedElsewhere && claimedElsewhere) {
				this.unsent.push(job);
				return claimedElsewhere;
			}
			const outcome = await this.refused(job, error, claimed ? callbackId : undefined);
			if (!(claimed && error instanceof GraphApiError && error.outcomeUnknown)) {
				this.unsent.push(job);
			}
			return outcome;
		}
		const at = clock.now();
		await this.recorder.completed({
			idempotencyKey: job.idempotencyKey,
			state: 'accepted',
			wamid: response.messages[0].id,
			at,
			estimatedPrice: verdict.price.estimatedPrice,
			currency: verdict.price.currency,
		});
		if (verdict.startsFreeEntryPoint) {
			await this.recordInbound(job);
			await this.recorder.freeEntryPointStarted({
				sender: job.sender,
				contact: job.recipient.contact,
				at,
			});
		}
		return {
			output: 'sent',
			json: sentJson(job, verdict, response, at, spec.fields(job, verdict), run.inputOf(job)),
		};
	}

	/** Recorded whatever happened while sending: a send Meta accepted must never be sent again. */
	async record(): Promise<void> {
		const { node } = this.run;
		const marked = await this.claims.finish();
		const recorded = await this.recorder.finish();
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
	}

	/** Gives back what the batch reserved for the sends that reached nobody. */
	async release(): Promise<void> {
		const { spec } = this.run;
		if (!spec.release || this.unsent.length === 0) return;
		try {
			await spec.release(this.unsent);
		} catch {
			// A place not given back only keeps a budget on the safe side until it expires.
		}
	}

	private async recordInbound(job: J): Promise<void> {
		const inbound = this.run.spec.inboundNotStored?.(job);
		if (inbound) await this.recorder.touched(inbound);
	}

	/** The request failed: what the item shows, and whether its claim (if any) is freed. */
	private async refused(job: J, error: unknown, callbackId: string | undefined): Promise<Outcome> {
		const { run, recorder } = this;
		const claimed = callbackId !== undefined;
		if (
			claimed &&
			run.spec.windowClosed &&
			error instanceof GraphApiError &&
			error.entry.category === 'reengagement'
		) {
			// Meta knows better than our records: the window is closed now, until the contact writes.
			const at = run.clock.now();
			await this.recordInbound(job);
			await recorder.closed({ sender: job.sender, contact: job.recipient.contact, at });
			await recorder.released({ idempotencyKey: job.idempotencyKey, callbackId });
			return run.held(job, run.spec.windowClosed(job, at), {
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
		return { output: 'error', error: sendError(run.node, error, job, unknown) };
	}
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

function sendError(node: INode, error: unknown, job: SendJob, outcomeUnknown: boolean): NodeError {
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
