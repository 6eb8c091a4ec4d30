/**
 * Reply in Window: reads each item's parameters, builds the payload with the core builders (which
 * check Meta's limits), decides with the policy (window, erasure, opt-out, idempotency) for the
 * whole batch from one store snapshot, then sends what is allowed concurrently through the rate
 * limited client, recording the results in chunks as they come back. Items the rules hold back
 * leave on the "Window Closed" output with the reason.
 */
import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';

import { systemClock, type Clock } from '../core/clock';
import { GraphApiError, type GraphClient } from '../core/graph/client';
import type { WindowState } from '../core/model';
import {
	checkIdempotency,
	checkWindow,
	effectiveWindow,
	evaluateFreeForm,
	windowFromTriggerItem,
	type FreeFormDecision,
	type Hold,
	type ItemInbound,
} from '../core/policy';
import type { Snapshot } from '../core/store/types';
import { WireError } from '../core/wire/outbound';
import { getCloudApi } from '../shared/cloudApi';
import { senderNumberOf } from '../shared/descriptions';
import { toNodeError } from '../shared/errors';
import { runIdentityOf } from '../shared/idempotency';
import { runPooled } from '../shared/pool';
import { SendRecorder } from '../shared/sendRecorder';
import { groupBy, rateLimitOf, sendsInFlight, unique } from '../shared/sending';
import { getComplianceStore } from '../shared/store';
import { alreadySent, held, identity, iso, pricingJson, toOutputs, type Outcome } from './output';
import { compact, prepareReply, requireSender, type PreparedReply } from './prepare';

interface AllowedReply {
	reply: PreparedReply;
	decision: Extract<FreeFormDecision, { allowed: true }>;
	window: WindowState | undefined;
	/** The item's message the window rests on, when the store lacks it. */
	inboundNotStored: ItemInbound | undefined;
}

export async function execute(
	this: IExecuteFunctions,
	clock: Clock = systemClock,
): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	if (items.length === 0) return [[], []];
	let outcomes: Outcome[];
	try {
		const operation = this.getNodeParameter('operation', 0) as string;
		const rate = rateLimitOf(this);
		const api = await getCloudApi(this, { ratePerSecond: rate });
		outcomes =
			operation === 'markAsRead'
				? await markAsRead(this, items, api.client, api.settings.phoneNumberId, rate)
				: await sendReplies(this, items, api.client, api.settings.phoneNumberId, rate, clock);
	} catch (error) {
		// Failures of the whole batch (credentials, store), and without Continue On Fail the first
		// item that could not be prepared: item failures after that are outcomes.
		throw toNodeError(this.getNode(), error);
	}
	return toOutputs(this, outcomes);
}

// ---------------------------------------------------------------------------------------------
// Mark as read: no window needed (Meta: mark messages read within 30 days of receipt)

async function markAsRead(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	client: GraphClient,
	credentialSender: string,
	rate: number,
): Promise<Outcome[]> {
	const outcomes: Outcome[] = new Array(items.length);
	const signal = ctx.getExecutionCancelSignal();
	await runPooled(items, sendsInFlight(rate), async (item, i) => {
		try {
			const sender = requireSender(senderNumberOf(ctx, i, credentialSender));
			const messageId = String(ctx.getNodeParameter('messageId', i, '') ?? '').trim();
			if (messageId === '') {
				throw new WireError(
					'messageId',
					'Message ID is empty: give the ID (wamid) of the contact\'s message, e.g. the trigger\'s "messageId".',
				);
			}
			const typing = ctx.getNodeParameter('typingIndicator', i, false) === true;
			const result = await client.markRead(sender, messageId, typing, { signal });
			outcomes[i] = {
				output: 'sent',
				json: {
					...item.json,
					phoneNumberId: sender,
					markedAsRead: { messageId, typingIndicator: typing, success: result.success === true },
				},
			};
		} catch (error) {
			outcomes[i] = { output: 'error', error: toNodeError(ctx.getNode(), error, i) };
		}
	});
	return outcomes;
}

// ---------------------------------------------------------------------------------------------
// Send

async function sendReplies(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	client: GraphClient,
	credentialSender: string,
	rate: number,
	clock: Clock,
): Promise<Outcome[]> {
	const outcomes: Outcome[] = new Array(items.length);
	const run = runIdentityOf(ctx);
	const continueOnFail = ctx.continueOnFail();
	const signal = ctx.getExecutionCancelSignal();

	// 1. Read and build every item before anything is claimed or sent: without Continue On Fail
	// the first broken item stops the node here, with nothing sent.
	const prepared: PreparedReply[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			prepared.push(prepareReply(ctx, items[i], i, credentialSender, run));
		} catch (error) {
			const nodeError = toNodeError(ctx.getNode(), error, i);
			if (!continueOnFail) throw nodeError;
			outcomes[i] = { output: 'error', error: nodeError };
		}
	}
	if (prepared.length === 0) return outcomes;

	// 2. One snapshot per sender number (normally one for the whole batch).
	const store = await getComplianceStore(ctx);
	const now = clock.now();
	const snapshots = new Map<string, Snapshot>();
	for (const [sender, replies] of groupBy(prepared, (p) => p.sender)) {
		snapshots.set(
			sender,
			await store.getSnapshot({
				sender,
				contacts: unique(replies.map((p) => p.recipient.contact)),
				marketingSince: now,
				idempotencyKeys: unique(replies.map((p) => p.idempotencyKey)),
			}),
		);
	}

	// 3. The rules decide. A key given to several items of this batch is sent once (step 6).
	const firstWithKey = new Map<string, PreparedReply>();
	const sameKeyAsEarlier: PreparedReply[] = [];
	const allowed: AllowedReply[] = [];
	// Opt-out confirmations allowed earlier in this batch count like those sent before.
	const confirmationsInBatch = new Map<string, number[]>();
	for (const reply of prepared) {
		if (firstWithKey.has(reply.idempotencyKey)) {
			sameKeyAsEarlier.push(reply);
			continue;
		}
		firstWithKey.set(reply.idempotencyKey, reply);
		const snapshot = snapshots.get(reply.sender)!;
		const contact = snapshot.contacts.get(reply.recipient.contact);
		const itemInbound = reply.inbound
			? windowFromTriggerItem(
					reply.inbound,
					{ sender: reply.sender, contact: reply.recipient.contact },
					now,
				)
			: undefined;
		const { window, fromItem } = effectiveWindow(contact?.window, itemInbound);
		const decision = evaluateFreeForm(
			{
				contact: reply.recipient.address,
				country: reply.recipient.country,
				consents: contact?.consents ?? [],
				suppressed: contact?.suppressed ?? false,
				window: contact?.window,
				itemInbound,
				idempotencyKey: reply.idempotencyKey,
				existingSend: snapshot.sends.get(reply.idempotencyKey),
				optOutConfirmation: reply.optOutConfirmation,
				optOutConfirmationsSentAt: [
					...(contact?.optOutConfirmationsSentAt ?? []),
					...(confirmationsInBatch.get(reply.recipient.contact) ?? []),
				],
			},
			now,
		);
		if (decision.allowed && reply.optOutConfirmation) {
			const earlier = confirmationsInBatch.get(reply.recipient.contact) ?? [];
			confirmationsInBatch.set(reply.recipient.contact, [...earlier, now]);
		}
		if (decision.allowed) {
			allowed.push({
				reply,
				decision,
				window,
				inboundNotStored: fromItem ? itemInbound : undefined,
			});
		} else if (decision.reason === 'duplicate') {
			outcomes[reply.index] = alreadySent(items, reply, decision, snapshot);
		} else {
			outcomes[reply.index] = held(items, reply, decision, window, now);
		}
	}

	// 4. Claim the idempotency keys (failed sends are claimed again); a key another execution
	// claimed meanwhile is not sent.
	const reservation = await store.reserveSends(
		allowed.map(({ reply }) => ({
			idempotencyKey: reply.idempotencyKey,
			sender: reply.sender,
			contact: reply.recipient.contact,
			kind: reply.kind,
			category: 'service' as const,
			at: now,
		})),
	);
	const claimed = new Set(reservation.reserved);
	const toSend: AllowedReply[] = [];
	for (const entry of allowed) {
		const { reply } = entry;
		if (claimed.has(reply.idempotencyKey)) {
			toSend.push(entry);
			continue;
		}
		// The store claims failed keys again itself, so one it did not claim is pending or
		// accepted: the idempotency rule holds it.
		const existing = reservation.existing.get(reply.idempotencyKey)!;
		const hold = checkIdempotency(
			{ contact: reply.recipient.address, idempotencyKey: reply.idempotencyKey, existing },
			now,
		) as Hold;
		outcomes[reply.index] =
			hold.reason === 'duplicate'
				? alreadySent(items, reply, hold, undefined, existing.sentAt)
				: held(items, reply, hold, entry.window, now);
	}

	// 5. Send, at most `sendsInFlight` at once; the client's token bucket keeps the sender's rate.
	// Results are recorded in chunks as they come back, so a crash leaves only the sends under way
	// pending.
	const recorder = new SendRecorder(store, { clock });
	let escaped: { error: unknown } | undefined;
	try {
		await runPooled(toSend, sendsInFlight(rate), async (entry) => {
			outcomes[entry.reply.index] = await sendOne(
				ctx,
				client,
				items,
				entry,
				recorder,
				clock,
				signal,
			);
		});
	} catch (error) {
		escaped = { error };
	}
	// Recorded whatever happened above: a reply Meta accepted must never be sent again.
	const recorded = await recorder.finish();
	if (!recorded.ok) {
		const { error } = recorded;
		throw new NodeOperationError(
			ctx.getNode(),
			`The messages were sent, but the compliance store could not record them: ${error instanceof Error ? error.message : String(error)}`,
			{
				description:
					'Check the WhatsApp Compliance Store credential. Until it is fixed, a re-run may report these messages as still on their way.',
			},
		);
	}
	if (escaped) throw toNodeError(ctx.getNode(), escaped.error);

	// 6. Items sharing an idempotency key with an earlier item get that item's result.
	for (const reply of sameKeyAsEarlier) {
		const first = firstWithKey.get(reply.idempotencyKey)!;
		const firstOutcome = outcomes[first.index];
		const sent =
			firstOutcome?.output === 'sent' ? (firstOutcome.json.sent as IDataObject) : undefined;
		if (sent && typeof sent.wamid === 'string') {
			const decision = checkIdempotency(
				{
					contact: reply.recipient.address,
					idempotencyKey: reply.idempotencyKey,
					existing: {
						idempotencyKey: reply.idempotencyKey,
						sender: first.sender,
						contact: first.recipient.contact,
						state: 'accepted',
						kind: first.kind,
						category: 'service',
						createdAt: now,
						wamid: sent.wamid,
						sentAt: typeof sent.sentAt === 'string' ? Date.parse(sent.sentAt) : undefined,
					},
				},
				now,
			);
			if (!decision.allowed) {
				outcomes[reply.index] = alreadySent(items, reply, decision, undefined, now);
				continue;
			}
		}
		outcomes[reply.index] = {
			output: 'error',
			error: new NodeOperationError(
				ctx.getNode(),
				`[item ${reply.index}] Item ${reply.index} has the same idempotency key "${reply.idempotencyKey}" as item ${first.index}, which was not sent, so it is not sent either.`,
				{ itemIndex: reply.index, description: 'Give each message its own idempotency key.' },
			),
		};
	}
	return outcomes;
}

/** Records the inbound message the item proved, so a close or free entry point attaches to it. */
async function recordInbound(recorder: SendRecorder, entry: AllowedReply): Promise<void> {
	const inbound = entry.inboundNotStored;
	if (!inbound) return;
	await recorder.touched({
		sender: inbound.sender,
		contact: inbound.contact,
		at: inbound.at,
		referral: inbound.referral,
	});
}

async function sendOne(
	ctx: IExecuteFunctions,
	client: GraphClient,
	items: INodeExecutionData[],
	entry: AllowedReply,
	recorder: SendRecorder,
	clock: Clock,
	signal: AbortSignal | undefined,
): Promise<Outcome> {
	const { reply, decision } = entry;
	let payload = reply.payload;
	let mediaId: string | undefined;
	/** The message itself is on its way: from here an unknown outcome keeps the key claimed. */
	let sending = false;
	try {
		if (reply.upload) {
			const { propertyName, mediaType, binary } = reply.upload;
			const data = await ctx.helpers.getBinaryDataBuffer(reply.index, propertyName);
			const uploaded = await client.uploadMedia(
				reply.sender,
				{
					data,
					mimeType: binary.mimeType,
					fileName: binary.fileName || `${mediaType}.${binary.fileExtension || 'bin'}`,
				},
				{ signal },
			);
			mediaId = uploaded.id;
			payload = {
				...payload,
				[mediaType]: { ...(payload[mediaType] as IDataObject), id: uploaded.id },
			};
		}
		sending = true;
		const response = await client.sendMessage(reply.sender, payload, { signal });
		const wamid = response.messages[0].id;
		const at = clock.now();
		await recorder.completed({
			idempotencyKey: reply.idempotencyKey,
			state: 'accepted',
			wamid,
			at,
			estimatedPrice: decision.price.estimatedPrice,
			currency: decision.price.currency,
		});
		if (decision.startsFreeEntryPoint) {
			await recordInbound(recorder, entry);
			await recorder.freeEntryPointStarted({
				sender: reply.sender,
				contact: reply.recipient.contact,
				at,
			});
		}
		return {
			output: 'sent',
			json: {
				...identity(items, reply),
				sent: compact({
					status: 'sent',
					wamid,
					messageType: reply.type,
					to: reply.recipient.address,
					idempotencyKey: reply.idempotencyKey,
					sentAt: iso(at),
					windowOpenUntil: iso(decision.openUntil),
					pricing: pricingJson(decision.price),
					freeEntryPointStarted: decision.startsFreeEntryPoint,
					quotedMessageId: reply.quotedMessageId,
					mediaId,
				}),
			},
		};
	} catch (error) {
		if (error instanceof GraphApiError && error.entry.category === 'reengagement' && entry.window) {
			// Meta knows better than our records: the window is closed now, until the contact writes.
			const at = clock.now();
			await recordInbound(recorder, entry);
			await recorder.closed({ sender: reply.sender, contact: reply.recipient.contact, at });
			await recorder.released(reply.idempotencyKey);
			const closed: WindowState = { ...entry.window, closedAt: at };
			const hold = checkWindow({ contact: reply.recipient.address, window: closed }, at) as Hold;
			return held(items, reply, hold, closed, at, {
				errorCode: error.code,
				...(error.details ? { metaDetails: error.details } : {}),
			});
		}
		// Meta may have accepted the message (a cancel after it left counts too): the key stays
		// claimed (pending; a failed one would be claimed again) so no later run sends it twice.
		// Otherwise, an upload's failure included, it certainly was not sent: free the key.
		if (!(sending && error instanceof GraphApiError && error.outcomeUnknown)) {
			await recorder.released(reply.idempotencyKey);
		}
		return { output: 'error', error: toNodeError(ctx.getNode(), error, reply.index) };
	}
}
