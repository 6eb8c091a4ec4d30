/**
 * One webhook POST -> a flat list of events, one per message, status, error, template update,
 * user preference, phone number or account update, or unknown change. This is the item shape the
 * Webhook Trigger emits (camelCase, ours); Meta's own object for each event stays under `raw`.
 *
 * normalizeEnvelope never throws and never drops: every entry and change is walked, and a change
 * this version cannot read becomes one event of kind "other" carrying it as sent.
 */
import { randomUUID } from 'node:crypto';

import {
	isKnownMessage,
	toMillis,
	type ButtonReply,
	type GroupEvent,
	type GroupParticipant,
	type GroupsValue,
	type InboundMessage,
	type ListReply,
	type NfmReply,
	type TemplateCategoryCompleted,
	type TemplateCategoryImpending,
	type UnreadableItem,
	type WebhookMetadata,
	type KnownInboundMessage,
	type MessageStatus,
	type MessagesValue,
	type WebhookChange,
	type WebhookContact,
	type WebhookEntry,
	type WebhookEnvelope,
	type WhatsAppError,
} from '../wire';
import { decodeCallbackData } from '../wire/callback';
import { contentDedupeKey, messageDedupeKey, statusDedupeKey } from './dedupe';

/** What an event is about; the Webhook Trigger's "Trigger On" choices. */
export type WhatsAppEventKind =
	| 'message'
	| 'status'
	| 'error'
	| 'template_status'
	| 'template_quality'
	| 'template_category'
	| 'user_preference'
	| 'phone_number_quality'
	| 'account_update'
	| 'business_capability'
	| 'group'
	| 'other';

export const WHATSAPP_EVENT_KINDS: readonly WhatsAppEventKind[] = [
	'message',
	'status',
	'error',
	'template_status',
	'template_quality',
	'template_category',
	'user_preference',
	'phone_number_quality',
	'account_update',
	'business_capability',
	'group',
	'other',
];

/** Message statuses Meta sends (others pass through as sent). */
export const MESSAGE_STATUSES = ['sent', 'delivered', 'read', 'played', 'failed'] as const;

/** An error as Meta reports it, flattened. */
export interface WhatsAppEventError {
	/** Meta's error code, e.g. 131047 (customer service window closed), 131050 (marketing stopped). */
	code: number;
	title?: string;
	message?: string;
	/** error_data.details: the most specific explanation Meta gives. */
	details?: string;
	/** Link to Meta's error code reference. */
	href?: string;
}

/**
 * One webhook event as the Webhook Trigger emits it. Fields that do not apply to an event are
 * left out (not null), so an item shows only what the event has.
 */
export interface WhatsAppEvent {
	/**
	 * What happened: "message" (a contact wrote), "status" (sent, delivered, read, played or failed
	 * for a message of ours), "error" (a system, app or account error), "template_status",
	 * "template_quality", "template_category", "user_preference" (the contact stopped or resumed
	 * marketing messages in WhatsApp), "phone_number_quality", "account_update",
	 * "business_capability" (the portfolio's messaging limit changed), "group" (a Groups API
	 * event: a group created, deleted or suspended, participants added, removed or asking to join,
	 * settings changed), or "other" (a
	 * webhook field this version does not read, or one it could not read; see `issues`).
	 */
	kind: WhatsAppEventKind;
	/** Meta's webhook field, e.g. "messages", "message_template_status_update". */
	field: string;
	/** The WhatsApp Business Account id (entry.id). */
	businessAccountId: string;
	/** The business phone number id the event belongs to (metadata.phone_number_id). */
	phoneNumberId?: string;
	/** The business phone number as shown to contacts, digits only. */
	displayPhoneNumber?: string;
	/**
	 * The WhatsApp user: their phone number as wa_id (digits, no "+"), or for a user with a
	 * WhatsApp username and no phone number shared, their business-scoped user id. For a status, the
	 * recipient; for a group message, the member who wrote (the group is `groupId`). This is the
	 * key consent and windows are kept under.
	 */
	contact?: string;
	/** The contact's phone number (wa_id), when Meta sent one. */
	contactWaId?: string;
	/** The contact's business-scoped user id (BSUID), when Meta sent one. */
	contactUserId?: string;
	/** The contact's WhatsApp profile name. */
	contactName?: string;
	/** The contact's WhatsApp username, for users who set one. */
	username?: string;
	/** The group a message or status belongs to (Groups API). */
	groupId?: string;
	/** The WhatsApp message id (wamid): of the contact's message, or of ours for a status. */
	messageId?: string;
	/**
	 * The message type: text, image, audio, video, document, sticker, location, contacts,
	 * interactive, button, reaction, order, system, unsupported, request_welcome, or a newer one.
	 */
	messageType?: string;
	/**
	 * The readable text of a message: the text body, a media caption, the label of a tapped
	 * button or the title of a chosen list row, an order note, a system notice.
	 */
	text?: string;
	/** The payload of a tapped template quick-reply button (Meta sends the label when none was set). */
	buttonPayload?: string;
	/** The reply button the contact tapped in an interactive message. */
	buttonReply?: { id: string; title: string };
	/** The list row the contact chose in an interactive list message. */
	listReply?: { id: string; title: string; description?: string };
	/** A completed WhatsApp Flow: `responseJson` as sent, `flowToken` read from it. */
	flowReply?: { name?: string; body?: string; responseJson: string; flowToken?: string };
	/** The media id of an image, audio, video, document or sticker (download it with the token). */
	mediaId?: string;
	mediaMimeType?: string;
	/** Meta's download URL for the media (needs the access token). */
	mediaUrl?: string;
	/** The file name of a document. */
	mediaFilename?: string;
	location?: { latitude: number; longitude: number; name?: string; address?: string; url?: string };
	/** A reaction to one of our messages; without `emoji` the contact removed their reaction. */
	reaction?: { messageId: string; emoji?: string };
	/**
	 * The click-to-WhatsApp ad or Facebook/Instagram post the contact came from. Its presence opens
	 * the free entry point (72 h of free messages after our first reply within 24 h).
	 */
	referral?: {
		sourceType?: string;
		sourceId?: string;
		sourceUrl?: string;
		headline?: string;
		body?: string;
		mediaType?: string;
		imageUrl?: string;
		videoUrl?: string;
		thumbnailUrl?: string;
		/** Click id for conversion tracking; missing for WhatsApp Status ads. */
		ctwaClid?: string;
		welcomeMessage?: string;
	};
	/** What the message answers or forwards: `messageId` is the quoted or tapped message. */
	context?: {
		messageId?: string;
		from?: string;
		forwarded?: boolean;
		frequentlyForwarded?: boolean;
		referredProduct?: { catalogId: string; productRetailerId: string };
	};
	/** An order from a catalog message. */
	order?: {
		catalogId: string;
		text?: string;
		items: Array<{
			productRetailerId: string;
			quantity: number;
			itemPrice: number;
			currency: string;
		}>;
	};
	/** A system notice: the contact changed their number (newWaId) or user id (newUserId). */
	system?: { type?: string; body?: string; newWaId?: string; newUserId?: string };
	/** The status of our message: sent, delivered, read, played or failed. */
	status?: string;
	/** Who our message went to, as Meta reports it (a phone number, or a group id for groups). */
	statusRecipient?: string;
	/** The Callback Data the workflow set when sending, echoed back (without the send's own id). */
	callbackData?: string;
	/**
	 * The id the send nodes put in front of biz_opaque_callback_data (wire/callback.ts): the trigger
	 * confirms, or fails, the send it belongs to, also when the sending execution never learned
	 * Meta's answer.
	 */
	callbackId?: string;
	/**
	 * How Meta prices the message: `category` (marketing, utility, authentication, service,
	 * referral_conversion...), `type` (regular = charged, free_customer_service, free_entry_point).
	 */
	pricing?: { category?: string; type?: string; billable?: boolean; model?: string };
	/** Errors of a failed status, of an unsupported message, or the error of an "error" event. */
	errors?: WhatsAppEventError[];
	/** The template a template_status, template_quality or template_category event is about. */
	template?: {
		id: string;
		name: string;
		language: string;
		/** template_status: APPROVED, REJECTED, PAUSED, DISABLED, FLAGGED, REINSTATED... */
		event?: string;
		/** Why it was rejected, paused or disabled. */
		reason?: string;
		/** The template's category (status updates), upper case as Meta sends it. */
		category?: string;
		/** template_category: the category before a completed change. */
		previousCategory?: string;
		/** template_category: the category now. */
		newCategory?: string;
		/** template_category, 24 h notice: the category the template will get. */
		correctCategory?: string;
		/** template_category, 24 h notice: when the change takes effect (ISO 8601). */
		categoryChangesAt?: string;
		/** template_quality: GREEN, YELLOW, RED or UNKNOWN. */
		quality?: string;
		previousQuality?: string;
	};
	/** The contact stopped or resumed marketing messages in WhatsApp's settings. */
	preference?: { category: string; value: string; detail?: string };
	/** A messaging limit change of the business phone number. */
	phoneNumberQuality?: {
		event: string;
		currentLimit?: string;
		oldLimit?: string;
		maxDailyConversations?: string;
	};
	/**
	 * A business_capability_update: the portfolio's messaging limit (Meta's value as sent, e.g.
	 * "TIER_2K", or the older per-phone integer, -1 for unlimited) and phone number allowances.
	 */
	businessCapability?: {
		maxDailyConversations?: string;
		maxPhoneNumbersPerBusiness?: number;
		maxPhoneNumbersPerWaba?: number;
	};
	/**
	 * A Groups API event (group_lifecycle_update, group_participants_update, group_settings_update,
	 * group_status_update); the group is `groupId`, a user asking to join is `contact`.
	 */
	group?: {
		/**
		 * Meta's event type: group_create, group_delete, group_participants_add,
		 * group_participants_remove, group_join_request_created, group_join_request_revoked,
		 * group_settings_update, group_suspend, group_suspend_cleared.
		 */
		type: string;
		/** The id of our API request that caused it (create, delete, remove, settings). */
		requestId?: string;
		subject?: string;
		description?: string;
		/** A new group's invite link (https://chat.whatsapp.com/...). */
		inviteLink?: string;
		joinApprovalMode?: string;
		/** Why participants were added or a join request ended, e.g. "invite_link". */
		reason?: string;
		/** Who removed participants: "business" or "participant" (a participant who left). */
		initiatedBy?: string;
		joinRequestId?: string;
		addedParticipants?: WhatsAppGroupParticipant[];
		removedParticipants?: WhatsAppGroupParticipant[];
		/** Participants a removal failed for, each with its errors. */
		failedParticipants?: WhatsAppGroupParticipant[];
		/** group_settings_update: each setting changed, whether it succeeded, and its errors. */
		subjectUpdate?: WhatsAppGroupSettingUpdate;
		descriptionUpdate?: WhatsAppGroupSettingUpdate;
		pictureUpdate?: WhatsAppGroupSettingUpdate;
	};
	/** An account_update: a violation, a ban state, a partner change... */
	account?: { event: string; violationType?: string; banState?: string; banDate?: string };
	/** When it happened, ISO 8601 UTC; absent when Meta sent no time for this event. */
	timestamp?: string;
	/** The same time in milliseconds since 1970. */
	timestampMs?: number;
	/**
	 * What was wrong with the event's change: for kind "other" from a field this version knows but
	 * could not read, what did not match; for other kinds, the store effects left out because a
	 * value is invalid (e.g. an empty template name), see webhook/dropped.ts.
	 */
	issues?: string[];
	/** Meta's original object for this event (the message, status, error, or change value). */
	raw: unknown;
	/** The key this event is deduplicated by (see dedupe.ts). */
	dedupeKey: string;
}

/** A participant of a group event: the number as we gave it (`input`), their wa_id, their BSUID. */
export interface WhatsAppGroupParticipant {
	input?: string;
	waId?: string;
	userId?: string;
	errors?: WhatsAppEventError[];
}

/** One setting of a group_settings_update: the new text (or picture), and whether it took. */
export interface WhatsAppGroupSettingUpdate {
	text?: string;
	mimeType?: string;
	sha256?: string;
	successful?: boolean;
	errors?: WhatsAppEventError[];
}

export interface NormalizeOptions {
	/**
	 * When the webhook arrived (ms). Only events without a time of their own use it, for their
	 * dedupe key (see dedupe.ts); without it such events are keyed by content alone.
	 */
	receivedAt?: number;
}

/** Splits a parsed envelope (wire/parseWebhookEnvelope) into events. Never throws. */
export function normalizeEnvelope(
	envelope: WebhookEnvelope,
	options: NormalizeOptions = {},
): WhatsAppEvent[] {
	const events: WhatsAppEvent[] = [];
	for (const entry of envelope.entry ?? []) {
		for (const change of entry.changes ?? []) {
			try {
				normalizeChange(entry, change, options, events);
				if (change.kind !== 'other' && change.kind !== 'unparsed' && change.unreadable) {
					for (const item of change.unreadable) {
						events.push(unreadableEvent(entry, change, item, options));
					}
				}
			} catch (error) {
				// Only a payload the wire schemas let through in an unforeseen shape gets here.
				events.push(
					otherEvent(entry, change, options, [
						`could not be read: ${error instanceof Error ? error.message : String(error)}`,
					]),
				);
			}
		}
	}
	return events;
}

function normalizeChange(
	entry: WebhookEntry,
	change: WebhookChange,
	options: NormalizeOptions,
	out: WhatsAppEvent[],
): void {
	const entryTime = optionalMillis(entry.time);
	switch (change.kind) {
		case 'messages':
			return messagesEvents(entry, change.field, change.value, options, out);
		case 'message_template_status_update': {
			const v = change.value;
			const event = withTime(base('template_status', entry, change.field, v), entryTime);
			event.template = {
				id: String(v.message_template_id),
				name: v.message_template_name,
				language: v.message_template_language,
				event: v.event,
			};
			setIf(event.template, 'reason', v.reason ?? undefined);
			setIf(event.template, 'category', v.message_template_category);
			out.push(keyed(event, options));
			return;
		}
		case 'message_template_quality_update': {
			const v = change.value;
			const event = withTime(base('template_quality', entry, change.field, v), entryTime);
			event.template = {
				id: String(v.message_template_id),
				name: v.message_template_name,
				language: v.message_template_language,
				quality: v.new_quality_score,
			};
			setIf(event.template, 'previousQuality', v.previous_quality_score);
			out.push(keyed(event, options));
			return;
		}
		case 'template_category_update': {
			const v = change.value;
			const event = withTime(base('template_category', entry, change.field, v), entryTime);
			const template: NonNullable<WhatsAppEvent['template']> = {
				id: String(v.message_template_id),
				name: v.message_template_name,
				language: v.message_template_language,
			};
			// Two shapes: a completed change (previous_category) or the 24 h notice (correct_category).
			const completed = v as Partial<TemplateCategoryCompleted>;
			const impending = v as Partial<TemplateCategoryImpending>;
			setIf(template, 'previousCategory', completed.previous_category);
			setIf(template, 'newCategory', v.new_category);
			setIf(template, 'correctCategory', impending.correct_category);
			const at = optionalMillis(impending.category_update_timestamp);
			if (at !== undefined) template.categoryChangesAt = iso(at);
			event.template = template;
			out.push(keyed(event, options));
			return;
		}
		case 'user_preferences': {
			const v = change.value;
			const cards = new ContactCards(v.contacts);
			for (const preference of v.user_preferences) {
				const event = base('user_preference', entry, change.field, preference);
				setMetadata(event, v.metadata);
				const card = cards.find(nonEmpty(preference.wa_id), nonEmpty(preference.user_id));
				setContact(event, nonEmpty(preference.wa_id), nonEmpty(preference.user_id), card);
				event.preference = { category: preference.category, value: preference.value };
				setIf(event.preference, 'detail', preference.detail);
				withTime(event, optionalMillis(preference.timestamp));
				out.push(keyed(event, options));
			}
			return;
		}
		case 'phone_number_quality_update': {
			const v = change.value;
			const event = withTime(base('phone_number_quality', entry, change.field, v), entryTime);
			event.displayPhoneNumber = v.display_phone_number;
			event.phoneNumberQuality = { event: v.event };
			setIf(event.phoneNumberQuality, 'currentLimit', v.current_limit);
			setIf(event.phoneNumberQuality, 'oldLimit', v.old_limit);
			if (v.max_daily_conversations_per_business !== undefined) {
				event.phoneNumberQuality.maxDailyConversations = String(
					v.max_daily_conversations_per_business,
				);
			}
			out.push(keyed(event, options));
			return;
		}
		case 'account_update': {
			const v = change.value;
			const event = withTime(base('account_update', entry, change.field, v), entryTime);
			event.account = { event: v.event };
			setIf(event.account, 'violationType', v.violation_info?.violation_type);
			setIf(event.account, 'banState', v.ban_info?.waba_ban_state);
			setIf(event.account, 'banDate', v.ban_info?.waba_ban_date);
			out.push(keyed(event, options));
			return;
		}
		case 'business_capability_update': {
			const v = change.value;
			const event = withTime(base('business_capability', entry, change.field, v), entryTime);
			event.businessCapability = {};
			const limit = v.max_daily_conversations_per_business ?? v.max_daily_conversation_per_phone;
			if (limit !== undefined) event.businessCapability.maxDailyConversations = String(limit);
			setIf(
				event.businessCapability,
				'maxPhoneNumbersPerBusiness',
				v.max_phone_numbers_per_business,
			);
			setIf(event.businessCapability, 'maxPhoneNumbersPerWaba', v.max_phone_numbers_per_waba);
			out.push(keyed(event, options));
			return;
		}
		case 'group_lifecycle_update':
		case 'group_participants_update':
		case 'group_settings_update':
		case 'group_status_update':
			return groupEvents(entry, change.field, change.value, options, out);
		case 'unparsed':
			out.push(otherEvent(entry, change, options, change.issues));
			return;
		default:
			out.push(otherEvent(entry, change, options));
	}
}

function messagesEvents(
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

/** One event per entry of `groups`, keyed by its content and time (group events have no id). */
function groupEvents(
	entry: WebhookEntry,
	field: string,
	value: GroupsValue,
	options: NormalizeOptions,
	out: WhatsAppEvent[],
): void {
	const entryTime = optionalMillis(entry.time);
	for (const raw of value.groups) {
		const event = base('group', entry, field, raw);
		setMetadata(event, value.metadata);
		setIf(event, 'groupId', nonEmpty(raw.group_id));
		event.group = readGroup(raw);
		const joining = nonEmpty(raw.wa_id);
		if (joining !== undefined) setContact(event, joining, undefined, undefined);
		if (raw.errors?.length) event.errors = raw.errors.map(flattenError);
		withTime(event, optionalMillis(raw.timestamp) ?? entryTime);
		out.push(keyed(event, options));
	}
}

function readGroup(raw: GroupEvent): NonNullable<WhatsAppEvent['group']> {
	const group: NonNullable<WhatsAppEvent['group']> = { type: raw.type };
	setIf(group, 'requestId', raw.request_id);
	setIf(group, 'subject', raw.subject);
	setIf(group, 'description', raw.description);
	setIf(group, 'inviteLink', raw.invite_link);
	setIf(group, 'joinApprovalMode', raw.join_approval_mode);
	setIf(group, 'reason', raw.reason);
	setIf(group, 'initiatedBy', raw.initiated_by);
	setIf(group, 'joinRequestId', raw.join_request_id);
	setIf(group, 'addedParticipants', raw.added_participants?.map(participant));
	setIf(group, 'removedParticipants', raw.removed_participants?.map(participant));
	setIf(group, 'failedParticipants', raw.failed_participants?.map(participant));
	setIf(group, 'subjectUpdate', settingUpdate(raw.group_subject));
	setIf(group, 'descriptionUpdate', settingUpdate(raw.group_description));
	setIf(group, 'pictureUpdate', settingUpdate(raw.profile_picture));
	return group;
}

function participant(raw: GroupParticipant): WhatsAppGroupParticipant {
	const out: WhatsAppGroupParticipant = {};
	// Meta's own examples send the numbers as JSON numbers; they are phone numbers (text).
	if (raw.input !== undefined) out.input = String(raw.input);
	if (raw.wa_id !== undefined) out.waId = String(raw.wa_id);
	setIf(out, 'userId', nonEmpty(raw.user_id));
	if (raw.errors?.length) out.errors = raw.errors.map(flattenError);
	return out;
}

function settingUpdate(raw: GroupEvent['group_subject']): WhatsAppGroupSettingUpdate | undefined {
	if (!raw) return undefined;
	const out: WhatsAppGroupSettingUpdate = {};
	setIf(out, 'text', raw.text);
	setIf(out, 'mimeType', raw.mime_type);
	setIf(out, 'sha256', raw.sha256);
	setIf(out, 'successful', raw.update_successful);
	if (raw.errors?.length) out.errors = raw.errors.map(flattenError);
	return out;
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

/**
 * One item's event, or, should reading it fail in a way the schemas did not foresee, an "other"
 * event for that item alone: its neighbours in the same change are still read.
 */
function guarded(
	entry: WebhookEntry,
	field: string,
	raw: unknown,
	options: NormalizeOptions,
	read: () => WhatsAppEvent,
): WhatsAppEvent {
	try {
		return read();
	} catch (error) {
		const event = withTime(base('other', entry, field, raw), optionalMillis(entry.time));
		event.issues = [`could not be read: ${error instanceof Error ? error.message : String(error)}`];
		return keyed(event, options);
	}
}

/**
 * An item of a change's list that did not match (a message, a status...): an "other" event of
 * its own, with what did not match; its neighbours are events as usual.
 */
function unreadableEvent(
	entry: WebhookEntry,
	change: WebhookChange,
	item: UnreadableItem,
	options: NormalizeOptions,
): WhatsAppEvent {
	const event = base('other', entry, change.field, item.value);
	// The value's header was read (ITEM_LISTS): its metadata, when present, matched.
	setMetadata(event, (change.value as { metadata?: WebhookMetadata }).metadata);
	const own = (item.value as { timestamp?: unknown } | null)?.timestamp;
	const ownTime =
		typeof own === 'string' || typeof own === 'number' ? optionalMillis(own) : undefined;
	withTime(event, ownTime ?? optionalMillis(entry.time));
	event.issues = item.issues;
	return keyed(event, options);
}

function otherEvent(
	entry: WebhookEntry,
	change: WebhookChange,
	options: NormalizeOptions,
	issues?: string[],
): WhatsAppEvent {
	const event = withTime(
		base('other', entry, change.field ?? '', change.value),
		optionalMillis(entry.time),
	);
	if (issues?.length) event.issues = issues;
	return keyed(event, options);
}

// ---- helpers ----

function base(
	kind: WhatsAppEventKind,
	entry: WebhookEntry,
	field: string,
	raw: unknown,
): WhatsAppEvent {
	return { kind, field, businessAccountId: entry.id ?? '', raw, dedupeKey: '' };
}

/** Events without a message or status id are keyed by their content (see dedupe.ts). */
function keyed(event: WhatsAppEvent, options: NormalizeOptions): WhatsAppEvent {
	try {
		event.dedupeKey = contentDedupeKey({
			field: event.field,
			businessAccountId: event.businessAccountId,
			phoneNumberId: event.phoneNumberId,
			raw: event.raw,
			timeMs: event.timestampMs,
			receivedAt: options.receivedAt,
		});
	} catch {
		// Content that cannot even be serialised (never from JSON): a key of its own, never a duplicate.
		event.dedupeKey = `evt:${event.field}:unreadable:${randomUUID()}`;
	}
	return event;
}

function withTime(event: WhatsAppEvent, ms: number | undefined): WhatsAppEvent {
	if (ms !== undefined) {
		event.timestamp = iso(ms);
		event.timestampMs = ms;
	}
	return event;
}

function setMetadata(
	event: WhatsAppEvent,
	metadata: { phone_number_id: string; display_phone_number: string } | undefined,
): void {
	if (!metadata) return;
	setIf(event, 'phoneNumberId', nonEmpty(metadata.phone_number_id));
	setIf(event, 'displayPhoneNumber', nonEmpty(metadata.display_phone_number));
}

function setContact(
	event: WhatsAppEvent,
	waId: string | undefined,
	userId: string | undefined,
	card: WebhookContact | undefined,
): void {
	const phone = waId ?? nonEmpty(card?.wa_id);
	const bsuid = userId ?? nonEmpty(card?.user_id);
	const contact = phone ?? bsuid;
	if (contact !== undefined) event.contact = contact;
	if (phone !== undefined) event.contactWaId = phone;
	if (bsuid !== undefined) event.contactUserId = bsuid;
	setIf(event, 'contactName', nonEmpty(card?.profile?.name));
	setIf(event, 'username', nonEmpty(card?.profile?.username));
}

/**
 * The contacts[] cards of a change, found by wa_id or user_id: indexed once, so a change with many
 * messages and many cards is not searched card by card for each message.
 */
class ContactCards {
	private readonly byWaId = new Map<string, number>();
	private readonly byUserId = new Map<string, number>();

	constructor(private readonly cards: readonly WebhookContact[] | undefined) {
		cards?.forEach((card, i) => {
			if (card.wa_id !== undefined && !this.byWaId.has(card.wa_id)) this.byWaId.set(card.wa_id, i);
			if (card.user_id !== undefined && !this.byUserId.has(card.user_id)) {
				this.byUserId.set(card.user_id, i);
			}
		});
	}

	/** The first card with the sender's wa_id or user_id; the only card when Meta sent one without ids. */
	find(waId: string | undefined, userId: string | undefined): WebhookContact | undefined {
		if (!this.cards?.length) return undefined;
		const a = waId === undefined ? undefined : this.byWaId.get(waId);
		const b = userId === undefined ? undefined : this.byUserId.get(userId);
		const first = a === undefined ? b : b === undefined ? a : Math.min(a, b);
		if (first !== undefined) return this.cards[first];
		return this.cards.length === 1 && waId === undefined && userId === undefined
			? this.cards[0]
			: undefined;
	}
}

function setMedia(
	event: WhatsAppEvent,
	media: { id: string; mime_type?: string; url?: string },
): void {
	event.mediaId = media.id;
	setIf(event, 'mediaMimeType', media.mime_type);
	setIf(event, 'mediaUrl', media.url);
}

function flattenError(error: WhatsAppError): WhatsAppEventError {
	const out: WhatsAppEventError = { code: error.code };
	setIf(out, 'title', error.title);
	setIf(out, 'message', error.message);
	setIf(out, 'details', error.error_data?.details);
	setIf(out, 'href', error.href);
	return out;
}

function flattenContext(
	c: NonNullable<InboundMessage['context']>,
): NonNullable<WhatsAppEvent['context']> {
	const out: NonNullable<WhatsAppEvent['context']> = {};
	setIf(out, 'messageId', c.id);
	setIf(out, 'from', c.from);
	setIf(out, 'forwarded', c.forwarded);
	setIf(out, 'frequentlyForwarded', c.frequently_forwarded);
	if (c.referred_product) {
		out.referredProduct = {
			catalogId: c.referred_product.catalog_id,
			productRetailerId: c.referred_product.product_retailer_id,
		};
	}
	return out;
}

function flattenReferral(
	r: NonNullable<InboundMessage['referral']>,
): NonNullable<WhatsAppEvent['referral']> {
	const out: NonNullable<WhatsAppEvent['referral']> = {};
	setIf(out, 'sourceType', r.source_type);
	setIf(out, 'sourceId', r.source_id);
	setIf(out, 'sourceUrl', r.source_url);
	setIf(out, 'headline', r.headline);
	setIf(out, 'body', r.body);
	setIf(out, 'mediaType', r.media_type);
	setIf(out, 'imageUrl', r.image_url);
	setIf(out, 'videoUrl', r.video_url);
	setIf(out, 'thumbnailUrl', r.thumbnail_url);
	setIf(out, 'ctwaClid', r.ctwa_clid);
	setIf(out, 'welcomeMessage', r.welcome_message?.text);
	return out;
}

function flowTokenOf(responseJson: string): string | undefined {
	try {
		const parsed: unknown = JSON.parse(responseJson);
		if (typeof parsed === 'object' && parsed !== null) {
			const token = (parsed as Record<string, unknown>).flow_token;
			if (typeof token === 'string') return token;
		}
	} catch {
		// A Flow response that is not JSON keeps only responseJson.
	}
	return undefined;
}

/** Sets `key` only when the value is defined, so absent fields stay absent (no nulls). */
function setIf<T extends object, K extends keyof T>(
	target: T,
	key: K,
	value: T[K] | undefined | null,
): void {
	if (value !== undefined && value !== null) target[key] = value;
}

function nonEmpty(value: string | undefined | null): string | undefined {
	return typeof value === 'string' && value !== '' ? value : undefined;
}

function optionalMillis(value: string | number | undefined | null): number | undefined {
	if (value === undefined || value === null) return undefined;
	try {
		const ms = toMillis(value);
		// Beyond what a Date can hold: no time rather than a failed event.
		return ms <= MAX_DATE_MS ? ms : undefined;
	} catch {
		return undefined;
	}
}

const MAX_DATE_MS = 8.64e15;

function iso(ms: number): string {
	return new Date(ms).toISOString();
}
