/**
 * Reading one item: its parameters become a payload built by the core builders (which check
 * Meta's limits), a resolved recipient, an idempotency key, and the contact's message the item
 * carries when it is the WhatsApp Trigger's, which the window rule (core policy) judges.
 */
import type { IBinaryData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import {
	buildContactsMessage,
	buildCtaUrlMessage,
	buildListMessage,
	buildLocationMessage,
	buildMediaMessage,
	buildReactionMessage,
	buildReplyButtonsMessage,
	buildTextMessage,
	WireError,
	type ContactCardInput,
	type ListMessageInput,
	type MediaMessageInput,
	type OutboundMessagePayload,
	type SendOptions,
} from '../core/wire/outbound';
import { senderNumberOf } from '../shared/descriptions';
import { optOutConfirmationKind, type TriggerItemMessage } from '../core/policy';
import { defaultIdempotencyKey, scopedKey, type RunIdentity } from '../shared/idempotencyKeys';
import { MEDIA_TYPES, type MediaType, type MessageType } from './description';
import { itemContactKeys, resolveRecipient, type Recipient } from '../shared/recipient';
import type { SendJob } from '../shared/send/job';

/** Stands in for the media id of a file that is uploaded only once the send is allowed. */
const PENDING_UPLOAD_ID = 'pending-upload';

/** One item, read and built, before the rules decide. */
export interface PreparedReply extends SendJob {
	type: MessageType;
	payload: Record<string, unknown> & { type: string };
	/** Changes when a tool's reply becomes the opt-out confirmation (confirmOptOut). */
	kind: string;
	optOutConfirmation: boolean;
	/**
	 * A tool run's opt-out confirmation, asked for by the model: the business's text, sent instead
	 * of the model's reply if the contact opted out (settleOptOut in execute.ts).
	 */
	confirmation?: {
		readonly payload: Record<string, unknown> & { type: string };
		readonly kind: string;
	};
	quotedMessageId?: string;
	/** A binary file to upload before sending (Media Source: Binary Field). */
	upload?: { propertyName: string; mediaType: MediaType; binary: IBinaryData };
	/** The contact's message this item is (the trigger's item), for the window rule to judge. */
	inbound?: TriggerItemMessage;
}

export function prepareReply(
	ctx: IExecuteFunctions,
	item: INodeExecutionData,
	i: number,
	credentialSender: string,
	run: RunIdentity,
	/** The node runs as an AI agent's tool (its tool-only parameters apply). */
	asTool = false,
): PreparedReply {
	const sender = requireSender(senderNumberOf(ctx, i, credentialSender));
	const options = ctx.getNodeParameter('options', i, {}) as IDataObject;
	const recipient = resolveRecipient(
		ctx.getNodeParameter('recipient', i, ''),
		text(options.defaultCountry),
	);
	const type = ctx.getNodeParameter('messageType', i) as MessageType;

	const envelope: { context?: { message_id: string }; biz_opaque_callback_data?: string } = {};
	let quotedMessageId: string | undefined;
	if (type !== 'reaction' && ctx.getNodeParameter('quoteIncomingMessage', i, false) === true) {
		quotedMessageId = text(ctx.getNodeParameter('replyToMessageId', i, ''));
		if (quotedMessageId === undefined) {
			throw new WireError(
				'replyToMessageId',
				'"Quote Incoming Message" is on, but Reply To Message ID is empty: give the ID (wamid) of the message to quote, or turn quoting off. Items that do not come from the WhatsApp Trigger have no "messageId".',
			);
		}
		envelope.context = { message_id: quotedMessageId };
	}
	const callbackData = text(options.callbackData);
	if (callbackData !== undefined) envelope.biz_opaque_callback_data = callbackData;
	const base = { ...envelope, to: recipient.address };

	let upload: PreparedReply['upload'];
	let built: OutboundMessagePayload;
	if ((MEDIA_TYPES as readonly string[]).includes(type)) {
		const mediaType = type as MediaType;
		const source = ctx.getNodeParameter('mediaSource', i, 'link') as string;
		let media: { link?: string; id?: string };
		let binaryFileName: string | undefined;
		if (source === 'binary') {
			const propertyName = String(ctx.getNodeParameter('binaryPropertyName', i, 'data')).trim();
			const binary = ctx.helpers.assertBinaryData(i, propertyName);
			upload = { propertyName, mediaType, binary };
			binaryFileName = binary.fileName;
			media = { id: PENDING_UPLOAD_ID };
		} else if (source === 'id') {
			media = { id: String(ctx.getNodeParameter('mediaId', i, '')).trim() };
		} else {
			media = { link: String(ctx.getNodeParameter('mediaLink', i, '')).trim() };
		}
		built = buildMediaMessage({
			...base,
			...media,
			type: mediaType,
			caption: text(options.caption),
			filename: text(options.fileName) ?? (mediaType === 'document' ? binaryFileName : undefined),
			voice: options.voice === true ? true : undefined,
		} as MediaMessageInput);
	} else {
		built = buildOther(ctx, i, type, base, options);
	}

	const optOutConfirmation = options.optOutConfirmation === true;
	const sent =
		built.type === 'interactive' ? `interactive:${built.interactive.type}` : String(built.type);
	// Marked in the store, so the rule can count the confirmations of an opt-out.
	const kind = optOutConfirmation ? optOutConfirmationKind(sent) : sent;
	const confirmationText = asTool ? confirmsOptOut(ctx, i) : undefined;
	const confirmation =
		confirmationText === undefined
			? undefined
			: {
					payload: buildTextMessage({ ...base, body: confirmationText }),
					kind: optOutConfirmationKind('text'),
				};
	return {
		index: i,
		sender,
		recipient,
		messageType: type,
		dryRun: false,
		type,
		payload: built,
		kind,
		idempotencyKey: idempotencyKeyOf(options, run, i, sender, recipient, type),
		optOutConfirmation,
		...(quotedMessageId !== undefined ? { quotedMessageId } : {}),
		...(upload ? { upload } : {}),
		...(confirmation ? { confirmation } : {}),
		inbound: triggerMessageOf(item.json, text(options.defaultCountry)),
	};
}

/**
 * The tool's Opt-Out Confirmation Text when the model asked to confirm an opt-out (Confirm
 * Opt-Out, tool runs only); undefined otherwise or when the builder left the text empty.
 */
function confirmsOptOut(ctx: IExecuteFunctions, i: number): string | undefined {
	const asked = ctx.getNodeParameter('confirmOptOut', i, false) as unknown;
	if (asked !== true && asked !== 'true') return undefined;
	return text(ctx.getNodeParameter('optOutConfirmationText', i, ''));
}

/**
 * The user's Idempotency Key scoped to the message type and the contact, so one key (an order id)
 * serves every recipient and every kind of reply; else one derived from the execution, this node
 * and the item, which "Retry On Fail" repeats.
 */
function idempotencyKeyOf(
	options: IDataObject,
	run: RunIdentity,
	i: number,
	sender: string,
	recipient: Recipient,
	type: MessageType,
): string {
	const userKey = text(options.idempotencyKey);
	return userKey !== undefined
		? scopedKey(userKey, ['reply', type, recipient.contact])
		: defaultIdempotencyKey('reply', run, i, [sender, recipient.contact, type]);
}

function buildOther(
	ctx: IExecuteFunctions,
	i: number,
	type: MessageType,
	base: SendOptions,
	options: IDataObject,
): OutboundMessagePayload {
	const header = text(options.headerText);
	const footer = text(options.footer);
	switch (type) {
		case 'text':
			return buildTextMessage({
				...base,
				body: String(ctx.getNodeParameter('text', i, '')),
				preview_url: options.linkPreview === true ? true : undefined,
			});
		case 'location':
			return buildLocationMessage({
				...base,
				latitude: ctx.getNodeParameter('latitude', i) as number,
				longitude: ctx.getNodeParameter('longitude', i) as number,
				name: text(options.locationName),
				address: text(options.address),
			});
		case 'contacts':
			return buildContactsMessage({
				...base,
				contacts: contactCards(ctx.getNodeParameter('contactCards', i, {}) as IDataObject),
			});
		case 'buttons': {
			const rows = fixedRows(ctx.getNodeParameter('buttons', i, {}), 'button');
			return buildReplyButtonsMessage({
				...base,
				body: String(ctx.getNodeParameter('bodyText', i, '')),
				buttons: rows.map((row) => ({ id: String(row.id ?? ''), title: String(row.title ?? '') })),
				...(header !== undefined ? { header: { type: 'text', text: header } } : {}),
				footer,
			});
		}
		case 'list':
			return buildListMessage({
				...base,
				body: String(ctx.getNodeParameter('bodyText', i, '')),
				button: String(ctx.getNodeParameter('listButtonText', i, '')),
				sections: listSections(ctx, i),
				header,
				footer,
			});
		case 'ctaUrl':
			return buildCtaUrlMessage({
				...base,
				body: String(ctx.getNodeParameter('bodyText', i, '')),
				display_text: String(ctx.getNodeParameter('ctaDisplayText', i, '')),
				url: String(ctx.getNodeParameter('ctaUrl', i, '')).trim(),
				...(header !== undefined ? { header: { type: 'text', text: header } } : {}),
				footer,
			});
		case 'reaction':
			return buildReactionMessage({
				...base,
				message_id: String(ctx.getNodeParameter('reactionMessageId', i, '')).trim(),
				emoji: String(ctx.getNodeParameter('emoji', i, '')).trim(),
			});
		default:
			throw new WireError(
				'messageType',
				`Message type "${String(type)}" is not known; choose one of the listed types.`,
			);
	}
}

function contactCards(value: IDataObject): ContactCardInput[] {
	return fixedRows(value, 'cards').map((card) => {
		const phone = text(card.phone);
		const waId = text(card.waId);
		const email = text(card.email);
		const company = text(card.company);
		const url = text(card.url);
		return {
			name: compact({
				formatted_name: String(card.formattedName ?? ''),
				first_name: text(card.firstName),
				last_name: text(card.lastName),
			}) as ContactCardInput['name'],
			...(phone || waId
				? { phones: [compact({ phone, wa_id: waId, type: text(card.phoneType) })] }
				: {}),
			...(email ? { emails: [{ email, type: 'WORK' }] } : {}),
			...(company ? { org: { company } } : {}),
			...(url ? { urls: [{ url, type: 'WORK' }] } : {}),
			...(text(card.birthday) ? { birthday: text(card.birthday) } : {}),
		};
	});
}

function listSections(ctx: IExecuteFunctions, i: number): ListMessageInput['sections'] {
	if (ctx.getNodeParameter('listInput', i, 'fields') === 'json') {
		let value = ctx.getNodeParameter('listSectionsJson', i, '[]') as unknown;
		if (typeof value === 'string') {
			let problem: string | undefined;
			try {
				value = JSON.parse(value);
			} catch (error) {
				problem = error instanceof Error ? error.message : String(error);
			}
			if (problem !== undefined) {
				throw new WireError(
					'sections',
					`Sections (JSON) is not valid JSON (${problem}). Give an array like [{"title": "Morning", "rows": [{"id": "slot_9", "title": "9:00"}]}].`,
				);
			}
		}
		if (!Array.isArray(value)) {
			throw new WireError(
				'sections',
				'Sections (JSON) must be an array of sections like [{"title": "Morning", "rows": [{"id": "slot_9", "title": "9:00"}]}].',
			);
		}
		return value as ListMessageInput['sections'];
	}
	// Rows with the same section title form one section, in the order the titles first appear.
	const sections = new Map<string, { id: string; title: string; description?: string }[]>();
	for (const row of fixedRows(ctx.getNodeParameter('listRows', i, {}), 'row')) {
		const section = text(row.section) ?? '';
		if (!sections.has(section)) sections.set(section, []);
		sections.get(section)!.push(
			compact({
				id: String(row.id ?? ''),
				title: String(row.title ?? ''),
				description: text(row.description),
			}) as { id: string; title: string; description?: string },
		);
	}
	return [...sections].map(([title, rows]) => (title === '' ? { rows } : { title, rows }));
}

/**
 * The contact's message as the item carries it (the Webhook Trigger's message item): its kind,
 * number, contacts (read as store contact keys) and time, for windowFromTriggerItem to judge.
 * Undefined when the item names no contact at all.
 */
function triggerMessageOf(
	json: IDataObject,
	defaultCountry: string | undefined,
): TriggerItemMessage | undefined {
	const contacts = itemContactKeys(json, defaultCountry);
	if (contacts.length === 0) return undefined;
	return {
		kind: json.kind === undefined ? undefined : String(json.kind),
		sender: typeof json.phoneNumberId === 'string' ? json.phoneNumberId : undefined,
		contacts,
		at:
			typeof json.timestampMs === 'number'
				? json.timestampMs
				: typeof json.timestamp === 'string'
					? Date.parse(json.timestamp)
					: undefined,
		referral: typeof json.referral === 'object' && json.referral !== null,
	};
}

/** The sender number, or a WireError saying where to set it. */
export function requireSender(sender: string): string {
	if (sender === '') {
		throw new WireError(
			'senderNumber',
			'Sender Number is empty and the WhatsApp Cloud API credential has no phone number ID: choose the business number to send from.',
		);
	}
	return sender;
}

/** Trimmed text, or undefined for missing and empty values. */
export function text(value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	const result = String(value).trim();
	return result === '' ? undefined : result;
}

/** Drops undefined fields, so an item shows only what applies. */
export function compact<T extends Record<string, unknown>>(value: T): T {
	return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function fixedRows(value: unknown, key: string): IDataObject[] {
	if (typeof value !== 'object' || value === null) return [];
	const rows = (value as IDataObject)[key];
	return Array.isArray(rows) ? (rows as IDataObject[]) : [];
}
