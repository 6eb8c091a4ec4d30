/**
 * Reply in Window through the shared send pipeline: what differs from Send Template is reading the
 * item (prepare.ts builds the payload with the core builders), the free-form rules (core
 * evaluateFreeFormBatch: the window, which the item's own message may open), a binary file uploaded
 * once the reply is allowed, and Meta's "window closed" answer (131047), which closes the window in
 * the store. Mark as Read needs no window and no store: it has its own small path.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { systemClock, type Clock } from '../core/clock';
import type { GraphClient } from '../core/client/client';
import type { WindowState } from '../core/model';
import type { ContactSnapshot } from '../core/store/types';
import {
	agentOptOutConfirmationSentMessage,
	checkReplyAfterOptOut,
	checkWindow,
	effectiveWindow,
	evaluateFreeFormBatch,
	windowFromTriggerItem,
	windowStatus,
	type Hold,
	type ItemInbound,
} from '../core/policy';
import { WireError } from '../core/wire/outbound';
import { getCloudApi } from '../shared/cloudApi';
import { senderNumberOf } from '../shared/descriptions';
import { errorOutputItem, toNodeError } from '../shared/nodeErrors';
import { runIdentityOf } from '../shared/idempotencyKeys';
import { verdictsOf, type SendSpec } from '../shared/send/job';
import { nodeRateLimitOf } from '../shared/send/options';
import { sendBudgets, type SendBudgets } from '../shared/send/senderBudget';
import { runSendPipeline } from '../shared/send/pipeline';
import { runPooled } from '../shared/send/pool';
import { iso } from '../shared/send/results';
import { getComplianceStore } from '../shared/store';
import { sendToolResult, toolOutputs, toolRunOf } from '../shared/tool';
import { OPT_OUT_CONFIRMATION_ARGUMENT } from './description';
import { prepareReply, requireSender, type PreparedReply } from './prepare';

/** A reply as the pipeline carries it, with what the rules and the send learn about it. */
interface ReplyJob extends PreparedReply {
	/** The window the rules judged (the store's, or the one the item's message opens). */
	window?: WindowState;
	/** The item's message the window rests on, when the store lacks it. */
	inboundNotStored?: ItemInbound;
	/** When the window closes, for an allowed reply. */
	openUntil?: number;
	freeEntryPointStarted?: boolean;
	/** The id of the file uploaded for this reply. */
	mediaId?: string;
	/** The reply became the opt-out confirmation the model asked for. */
	confirmedOptOut?: boolean;
	/** The contact opted out and the tool may still send the one confirmation of it. */
	canConfirmOptOut?: boolean;
}

export async function execute(
	this: IExecuteFunctions,
	clock: Clock = systemClock,
): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	if (items.length === 0) return [[], []];
	const node = this.getNode();
	const operation = this.getNodeParameter('operation', 0) as string;
	let api;
	let store;
	let nodeRate: number | undefined;
	try {
		nodeRate = nodeRateLimitOf(this);
		api = await getCloudApi(this);
		store = await getComplianceStore(this);
	} catch (error) {
		throw toNodeError(node, error);
	}
	const { client, settings } = api;
	const budgets = sendBudgets(this, store, settings.messagesPerSecond, nodeRate);
	const tool = toolRunOf(this);
	if (operation === 'markAsRead') {
		const outputs = await markAsRead(this, items, client, settings.phoneNumberId, budgets);
		return tool ? toolOutputs(outputs, tool, markedAsReadToolResult) : outputs;
	}
	const run = runIdentityOf(this);
	const helpers = this.helpers;
	// Told to the model after a STOP only when the tool can send the business's confirmation.
	const confirmationOffered =
		tool !== undefined &&
		String(this.getNodeParameter('optOutConfirmationText', 0, '') ?? '').trim() !== '';

	const spec: SendSpec<ReplyJob> = {
		// A tool reads the conversation from the incoming item without what the model wrote in it.
		prepare: (i) =>
			prepareReply(
				this,
				tool ? { json: tool.conversation(i) } : items[i],
				i,
				settings.phoneNumberId,
				run,
				tool !== undefined,
			),

		decide(jobs, view, now) {
			if (tool) {
				for (const job of jobs) settleOptOut(job, view(job).contact, confirmationOffered);
			}
			const batch = jobs.map((job) => {
				const { contact, existingSend } = view(job);
				const itemInbound = job.inbound
					? windowFromTriggerItem(
							job.inbound,
							{ sender: job.sender, contact: job.recipient.contact },
							now,
						)
					: undefined;
				const { window, fromItem } = effectiveWindow(contact?.window, itemInbound);
				job.window = window;
				job.inboundNotStored = fromItem ? itemInbound : undefined;
				return {
					input: {
						contact: job.recipient.address,
						country: job.recipient.country,
						consents: contact?.consents ?? [],
						suppressed: contact?.suppressed ?? false,
						window: contact?.window,
						itemInbound,
						idempotencyKey: job.idempotencyKey,
						existingSend,
						optOutConfirmation: job.optOutConfirmation,
						optOutConfirmationsSentAt: contact?.optOutConfirmationsSentAt ?? [],
					},
					contactKey: job.recipient.contact,
				};
			});
			return verdictsOf(evaluateFreeFormBatch(batch, now), (decision, k) => {
				jobs[k].openUntil = decision.openUntil;
				jobs[k].freeEntryPointStarted = decision.startsFreeEntryPoint;
				return 'service';
			});
		},

		async payload(job, signal) {
			if (!job.upload) return job.payload;
			const { propertyName, mediaType, binary } = job.upload;
			const data = await helpers.getBinaryDataBuffer(job.index, propertyName);
			const uploaded = await client.uploadMedia(
				job.sender,
				{
					data,
					mimeType: binary.mimeType,
					fileName: binary.fileName || `${mediaType}.${binary.fileExtension || 'bin'}`,
				},
				{ signal },
			);
			job.mediaId = uploaded.id;
			return {
				...job.payload,
				[mediaType]: { ...(job.payload[mediaType] as IDataObject), id: uploaded.id },
			};
		},

		inboundNotStored: (job) => job.inboundNotStored,

		windowClosed(job, at) {
			if (job.window) job.window = { ...job.window, closedAt: at };
			return checkWindow({ contact: job.recipient.address, window: job.window }, at) as Hold;
		},

		fields(job, verdict) {
			const allowed = verdict?.kind === 'allow';
			const status = windowStatus(job.window, clock.now());
			return {
				windowOpenUntil: allowed ? iso(job.openUntil) : null,
				freeEntryPointStarted: allowed ? (job.freeEntryPointStarted ?? false) : null,
				quotedMessageId: job.quotedMessageId ?? null,
				mediaId: job.mediaId ?? null,
				// Held: when the window closed (null while it is open or the contact never wrote).
				closedAt:
					allowed || status.openUntil === undefined || status.open ? null : iso(status.openUntil),
				lastInboundAt: iso(job.window?.lastInboundAt),
				errorCode: null,
				metaDetails: null,
			};
		},

		toolResult(json, job) {
			const result = sendToolResult(json, ['windowOpenUntil'], {
				optOutConfirmationArgument: job?.canConfirmOptOut
					? OPT_OUT_CONFIRMATION_ARGUMENT
					: undefined,
			});
			if (job?.confirmedOptOut && result.result === 'sent') {
				result.message = agentOptOutConfirmationSentMessage();
			}
			return result;
		},
	};
	return await runSendPipeline(this, spec, { client, store, ...budgets, clock, tool });
}

/**
 * A tool's reply to a contact who opted out of everything (the reply rule holds a plain reply as
 * `opted_out`): whether the opt-out can still be confirmed (one confirmation per opt-out), and,
 * when the model asked for it, the reply becomes the business's confirmation text, which the
 * rules then allow once. Any other reply stays as the model wrote it.
 */
function settleOptOut(
	job: ReplyJob,
	contact: ContactSnapshot | undefined,
	confirmationOffered: boolean,
): void {
	const ask = (optOutConfirmation: boolean) =>
		checkReplyAfterOptOut({
			contact: job.recipient.address,
			consents: contact?.consents ?? [],
			lastInboundAt: contact?.window?.lastInboundAt,
			optOutConfirmation,
			optOutConfirmationsSentAt: contact?.optOutConfirmationsSentAt ?? [],
		});
	const plain = ask(false);
	if (plain.allowed || plain.reason !== 'opted_out') return;
	job.canConfirmOptOut = confirmationOffered && ask(true).allowed;
	if (!job.confirmation) return;
	job.payload = job.confirmation.payload;
	job.kind = job.confirmation.kind;
	job.optOutConfirmation = true;
	job.upload = undefined;
	job.confirmedOptOut = true;
}

function markedAsReadToolResult(json: IDataObject): IDataObject {
	return { result: json.result, messageId: json.messageId, success: json.success };
}

// ---------------------------------------------------------------------------------------------
// Mark as read: no window needed (Meta: mark messages read within 30 days of receipt)

async function markAsRead(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	client: GraphClient,
	credentialSender: string,
	budgets: SendBudgets,
): Promise<INodeExecutionData[][]> {
	const outputs: Array<INodeExecutionData | undefined> = new Array(items.length);
	const signal = ctx.getExecutionCancelSignal();
	let firstError: unknown;
	await runPooled(items, budgets.inFlight, async (item, i) => {
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
			const result = await client.markRead(sender, messageId, typing, {
				signal,
				budget: budgets.budget(sender),
			});
			outputs[i] = {
				json: {
					result: 'marked_as_read',
					messageId,
					typingIndicator: typing,
					success: result.success === true,
					phoneNumberId: sender,
					input: item.json,
				},
				pairedItem: { item: i },
			};
		} catch (error) {
			const nodeError = toNodeError(ctx.getNode(), error, i);
			if (ctx.continueOnFail()) outputs[i] = errorOutputItem(nodeError, i);
			else firstError ??= nodeError;
		}
	});
	if (firstError) throw firstError;
	const sent = outputs.filter((o): o is INodeExecutionData => o !== undefined && !o.error);
	const failed = outputs.filter((o): o is INodeExecutionData => o !== undefined && !!o.error);
	return [sent, failed];
}
