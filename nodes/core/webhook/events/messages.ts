/** Webhook events of the field "messages": inbound messages, statuses, errors (see index.ts). */

import {
	isKnownMessage,
	type ButtonReply,
	type InboundMessage,
	type KnownInboundMessage,
	type ListReply,
	type MessageStatus,
	type MessagesValue,
	type NfmReply,
	type WebhookEntry,
} from '../../wire';
import { decodeCallbackData } from '../../wire/callback';
import { messageDedupeKey, statusDedupeKey } from '../dedupe';
import type { NormalizeOptions, WhatsAppEvent } from './types';
import {
	base,
	ContactCards,
	flattenContext,
	flattenError,
	flattenReferral,
	flowTokenOf,
	guarded,
	keyed,
	nonEmpty,
	optionalMillis,
	setContact,
	setIf,
	setMedia,
	setMetadata,
	withTime,
} from './read';

export function messagesEvents(
	entry: WebhookEntry,
	field: string,
	value: MessagesValue,
	options: NormalizeOptions,
	out: WhatsAppEvent[],
): void {
	const cards = new ContactCards(value.contacts);
	for (const message of value.messages ?? []) {
		out.push(
			guarded(entry, field, message, options, () =>
				messageEvent(entry, field, value, message, cards),
			),
		);
	}
	for (const status of value.statuses ?? []) {
		out.push(
			guarded(entry, field, status, options, () => statusEvent(entry, field, value, status)),
		);
	}
	const entryTime = optionalMillis(entry.time);
	for (const error of value.errors ?? []) {
		const event = withTime(base('error', entry, field, error), entryTime);
		setMetadata(event, value.metadata);
		event.errors = [flattenError(error)];
		out.push(keyed(event, options));
	}
}

function messageEvent(
	entry: WebhookEntry,
	field: string,
	value: MessagesValue,
	message: InboundMessage,
	cards: ContactCards,
): WhatsAppEvent {
	const event = base('message', entry, field, message);
	setMetadata(event, value.metadata);
	const from = nonEmpty(message.from);
	const fromUserId = nonEmpty(message.from_user_id);
	setContact(event, from, fromUserId, cards.find(from, fromUserId));
	setIf(event, 'groupId', nonEmpty(message.group_id));
	event.messageId = message.id;
	event.messageType = message.type;
	withTime(event, optionalMillis(message.timestamp));
	if (message.context) event.context = flattenContext(message.context);
	if (message.referral) event.referral = flattenReferral(message.referral);
	if (message.errors?.length) event.errors = message.errors.map(flattenError);
	if (isKnownMessage(message)) readContent(event, message);
	event.dedupeKey = messageDedupeKey(value.metadata.phone_number_id, message.id);
	return event;
}

function readContent(event: WhatsAppEvent, message: KnownInboundMessage): void {
	switch (message.type) {
		case 'text':
			event.text = message.text.body;
			return;
		case 'image':
		case 'video':
		case 'document': {
			const media =
				message.type === 'image'
					? message.image
					: message.type === 'video'
						? message.video
						: message.document;
			setMedia(event, media);
			setIf(event, 'text', media.caption);
			if (message.type === 'document') setIf(event, 'mediaFilename', message.document.filename);
			return;
		}
		case 'audio':
			setMedia(event, message.audio);
			return;
		case 'sticker':
			setMedia(event, message.sticker);
			return;
		case 'location': {
			const l = message.location;
			event.location = { latitude: Number(l.latitude), longitude: Number(l.longitude) };
			setIf(event.location, 'name', l.name);
			setIf(event.location, 'address', l.address);
			setIf(event.location, 'url', l.url);
			return;
		}
		case 'button':
			event.text = message.button.text;
			setIf(event, 'buttonPayload', message.button.payload);
			return;
		case 'interactive': {
			const i = message.interactive;
			if (i.type === 'button_reply') {
				const { button_reply } = i as ButtonReply;
				event.buttonReply = { id: button_reply.id, title: button_reply.title };
				event.text = button_reply.title;
			} else if (i.type === 'list_reply') {
				const { list_reply } = i as ListReply;
				event.listReply = { id: list_reply.id, title: list_reply.title };
				setIf(event.listReply, 'description', list_reply.description);
				event.text = list_reply.title;
			} else if (i.type === 'nfm_reply') {
				const reply = (i as NfmReply).nfm_reply;
				event.flowReply = { responseJson: reply.response_json };
				setIf(event.flowReply, 'name', reply.name);
				setIf(event.flowReply, 'body', reply.body);
				setIf(event.flowReply, 'flowToken', flowTokenOf(reply.response_json));
			}
			return;
		}
		case 'reaction':
			event.reaction = { messageId: message.reaction.message_id };
			setIf(event.reaction, 'emoji', message.reaction.emoji);
			return;
		case 'order': {
			const o = message.order;
			event.order = {
				catalogId: o.catalog_id,
				items: o.product_items.map((item) => ({
					productRetailerId: item.product_retailer_id,
					quantity: item.quantity,
					itemPrice: item.item_price,
					currency: item.currency,
				})),
			};
			setIf(event.order, 'text', o.text);
			setIf(event, 'text', o.text);
			return;
		}
		case 'system': {
			const s = message.system;
			event.system = {};
			setIf(event.system, 'type', s.type);
			setIf(event.system, 'body', s.body);
			setIf(event.system, 'newWaId', s.wa_id);
			setIf(event.system, 'newUserId', s.user_id);
			setIf(event, 'text', s.body);
			return;
		}
		default:
			// contacts, unsupported, request_welcome: everything is in `raw` (and `errors`).
			return;
	}
}

function statusEvent(
	entry: WebhookEntry,
	field: string,
	value: MessagesValue,
	status: MessageStatus,
): WhatsAppEvent {
	const event = base('status', entry, field, status);
	setMetadata(event, value.metadata);
	event.messageId = status.id;
	event.status = status.status;
	const recipient = nonEmpty(status.recipient_id);
	const isGroup = status.recipient_type === 'group';
	if (recipient !== undefined) event.statusRecipient = recipient;
	if (isGroup) {
		setIf(event, 'groupId', recipient);
		const participant = nonEmpty(status.recipient_participant_id);
		if (participant !== undefined) {
			event.contact = participant;
			event.contactWaId = participant;
		}
	} else {
		setContact(event, recipient, nonEmpty(status.recipient_user_id), undefined);
	}
	withTime(event, optionalMillis(status.timestamp));
	const callback = decodeCallbackData(status.biz_opaque_callback_data);
	setIf(event, 'callbackData', callback.userData);
	setIf(event, 'callbackId', callback.callbackId);
	if (status.pricing) {
		const p = status.pricing;
		event.pricing = {};
		setIf(event.pricing, 'category', p.category);
		setIf(event.pricing, 'type', p.type);
		setIf(event.pricing, 'billable', p.billable);
		setIf(event.pricing, 'model', p.pricing_model);
	}
	if (status.errors?.length) event.errors = status.errors.map(flattenError);
	event.dedupeKey = statusDedupeKey(status);
	return event;
}
