/** Webhook events: the item shape the Webhook Trigger emits, and its kinds (see index.ts). */

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
