/**
 * Inbound webhook payloads, as Meta sends them (snake_case, timestamps as strings).
 *
 * Every object keeps the fields it does not know, message types and webhook fields we do not know
 * pass through, and parseWebhookEnvelope never throws: Meta retries a webhook we answer badly for
 * days, so one odd payload must never stop the others. Only the fields the rules depend on are
 * required; the rest are optional even where Meta's docs show them, because a required field that
 * Meta leaves out would cost us the whole change (and, for a message, the window it opens).
 */
import { z } from 'zod';

import {
	countItems,
	countValues,
	cutDeep,
	jsonShape,
	MAX_ITEM_VALUES,
	MAX_JSON_CONTAINERS,
	MAX_WEBHOOK_ITEMS,
	META_MAX_UPDATES,
} from './bodyLimits';
import { compileCheck, type Check } from './fastCheck';
import { WireError } from './wireError';
import { byKey, isRecord, obj, openEnum, summariseIssues } from './zod';

// ---------------------------------------------------------------------------------------------
// Shared pieces

/**
 * The longest WhatsApp id read (a wamid, phone number id, wa_id, BSUID, group id, account id, or a
 * template's language): Meta's are far shorter (a wamid has about 60 characters). A longer one is
 * not Meta's and would become a huge key in the store's indexes, so its item does not match.
 */
export const MAX_ID_LENGTH = 256;
const IdSchema = z
	.string()
	.max(MAX_ID_LENGTH, `Longer than ${MAX_ID_LENGTH} characters, so not a WhatsApp id`);
/** Template names have at most 512 characters (Meta's template limits). */
const TemplateNameSchema = z
	.string()
	.max(512, 'Longer than 512 characters, so not a template name');
/** biz_opaque_callback_data has at most 512 characters (Meta's send reference). */
const CallbackDataSchema = z
	.string()
	.max(512, 'Longer than 512 characters, so not callback data set on a send');

/** Unix seconds as a string of digits: how Meta sends message and status timestamps. */
export const UnixSecondsSchema = z
	.string()
	.regex(/^\d+$/, 'Expected Unix seconds as a string of digits');

/** Some fields (entry.time, user_preferences, category updates) carry Unix seconds as numbers. */
const SecondsNumberOrString = z.union([z.number(), UnixSecondsSchema]);

/** Template ids are integers in webhooks and strings in the Graph API. */
const TemplateIdSchema = z.union([z.number(), z.string()]);

/** An error as Meta puts it in value.errors, messages[].errors and statuses[].errors. */
export const WhatsAppErrorSchema = obj({
	code: z.number(),
	title: z.string().optional(),
	message: z.string().optional(),
	error_data: obj({ details: z.string().optional() }).optional(),
	href: z.string().optional(),
});
export type WhatsAppError = z.infer<typeof WhatsAppErrorSchema>;

/** The business phone number the change is about. */
export const MetadataSchema = obj({
	display_phone_number: IdSchema,
	phone_number_id: IdSchema,
});
export type WebhookMetadata = z.infer<typeof MetadataSchema>;

/**
 * The WhatsApp user. For username adopters `wa_id` may be empty or missing and `user_id` (the
 * business-scoped user id, BSUID) is the only stable identifier.
 */
export const WebhookContactSchema = obj({
	profile: obj({
		name: z.string().optional(),
		username: z.string().optional(),
		country_code: z.string().optional(),
	}).optional(),
	wa_id: IdSchema.optional(),
	user_id: IdSchema.optional(),
	identity_key_hash: z.string().optional(),
});
export type WebhookContact = z.infer<typeof WebhookContactSchema>;

// ---------------------------------------------------------------------------------------------
// Inbound messages

/**
 * - replies and button taps: `from` + `id` of the quoted or tapped message
 * - "Message business" on a product: adds `referred_product`
 * - forwards: `forwarded` (up to 5 times) or `frequently_forwarded` (more than 5 times)
 */
export const MessageContextSchema = obj({
	from: z.string().optional(),
	id: z.string().optional(),
	forwarded: z.boolean().optional(),
	frequently_forwarded: z.boolean().optional(),
	referred_product: obj({
		catalog_id: z.string(),
		product_retailer_id: z.string(),
	}).optional(),
});
export type MessageContext = z.infer<typeof MessageContextSchema>;

/** Present when the user came from a click-to-WhatsApp ad (it opens the free entry point). */
export const ReferralSchema = obj({
	source_url: z.string().optional(),
	source_id: z.string().optional(),
	source_type: openEnum(['ad', 'post']).optional(),
	body: z.string().optional(),
	headline: z.string().optional(),
	media_type: openEnum(['image', 'video']).optional(),
	image_url: z.string().optional(),
	video_url: z.string().optional(),
	thumbnail_url: z.string().optional(),
	/** Omitted for WhatsApp Status ad placements. */
	ctwa_clid: z.string().optional(),
	welcome_message: obj({ text: z.string().optional() }).optional(),
});
export type Referral = z.infer<typeof ReferralSchema>;

const messageBase = {
	/** The user's phone number; empty or missing for username adopters (use from_user_id). */
	from: IdSchema.optional(),
	/** The user's business-scoped user id (BSUID). */
	from_user_id: IdSchema.optional(),
	/** The wamid. */
	id: IdSchema,
	timestamp: UnixSecondsSchema,
	context: MessageContextSchema.optional(),
	referral: ReferralSchema.optional(),
	errors: z.array(WhatsAppErrorSchema).optional(),
	group_id: IdSchema.optional(),
};

const mediaBase = {
	id: z.string(),
	mime_type: z.string().optional(),
	sha256: z.string().optional(),
	/** Download URL (needs the access token), added Oct 2025. */
	url: z.string().optional(),
};

export const TextMessageSchema = obj({
	...messageBase,
	type: z.literal('text'),
	text: obj({ body: z.string() }),
});
export const ImageMessageSchema = obj({
	...messageBase,
	type: z.literal('image'),
	image: obj({ ...mediaBase, caption: z.string().optional() }),
});
export const AudioMessageSchema = obj({
	...messageBase,
	type: z.literal('audio'),
	audio: obj({ ...mediaBase, voice: z.boolean().optional() }),
});
export const VideoMessageSchema = obj({
	...messageBase,
	type: z.literal('video'),
	video: obj({ ...mediaBase, caption: z.string().optional() }),
});
export const DocumentMessageSchema = obj({
	...messageBase,
	type: z.literal('document'),
	document: obj({
		...mediaBase,
		caption: z.string().optional(),
		filename: z.string().optional(),
	}),
});
export const StickerMessageSchema = obj({
	...messageBase,
	type: z.literal('sticker'),
	sticker: obj({ ...mediaBase, animated: z.boolean().optional() }),
});

/** Meta documents floats; some libraries report strings. Either is accepted as sent. */
const Coordinate = z.union([z.number(), z.string()]);
export const LocationMessageSchema = obj({
	...messageBase,
	type: z.literal('location'),
	location: obj({
		latitude: Coordinate,
		longitude: Coordinate,
		name: z.string().optional(),
		address: z.string().optional(),
		url: z.string().optional(),
	}),
});

const typedEntries = <T extends z.ZodRawShape>(shape: T) =>
	z.array(obj({ type: z.string().optional(), ...shape })).optional();
/** A shared contact card. Users may withhold any part of it. */
export const ContactCardSchema = obj({
	name: obj({
		formatted_name: z.string().optional(),
		first_name: z.string().optional(),
		last_name: z.string().optional(),
		middle_name: z.string().optional(),
		suffix: z.string().optional(),
		prefix: z.string().optional(),
	}).optional(),
	phones: typedEntries({ phone: z.string().optional(), wa_id: z.string().optional() }),
	emails: typedEntries({ email: z.string().optional() }),
	urls: typedEntries({ url: z.string().optional() }),
	addresses: typedEntries({
		street: z.string().optional(),
		city: z.string().optional(),
		state: z.string().optional(),
		zip: z.string().optional(),
		country: z.string().optional(),
		country_code: z.string().optional(),
	}),
	org: obj({
		company: z.string().optional(),
		department: z.string().optional(),
		title: z.string().optional(),
	}).optional(),
	birthday: z.string().optional(),
});
export type ContactCard = z.infer<typeof ContactCardSchema>;
export const ContactsMessageSchema = obj({
	...messageBase,
	type: z.literal('contacts'),
	contacts: z.array(ContactCardSchema),
});

export const ButtonReplySchema = obj({
	type: z.literal('button_reply'),
	button_reply: obj({ id: z.string(), title: z.string() }),
});
export const ListReplySchema = obj({
	type: z.literal('list_reply'),
	list_reply: obj({ id: z.string(), title: z.string(), description: z.string().optional() }),
});
/** A completed Flow (or address message): response_json is a JSON string incl. flow_token. */
export const NfmReplySchema = obj({
	type: z.literal('nfm_reply'),
	nfm_reply: obj({
		name: z.string().optional(),
		body: z.string().optional(),
		response_json: z.string(),
	}),
});
/** Newer interactive replies (call_permission_reply...) pass through with their type. */
export const OtherInteractiveSchema = obj({ type: z.string() });
const InteractiveSchema = byKey(
	'type',
	{ button_reply: ButtonReplySchema, list_reply: ListReplySchema, nfm_reply: NfmReplySchema },
	OtherInteractiveSchema,
);
export type ButtonReply = z.infer<typeof ButtonReplySchema>;
export type ListReply = z.infer<typeof ListReplySchema>;
export type NfmReply = z.infer<typeof NfmReplySchema>;
export type OtherInteractive = z.infer<typeof OtherInteractiveSchema>;
export type InboundInteractive = z.infer<typeof InteractiveSchema>;

export const InteractiveMessageSchema = obj({
	...messageBase,
	type: z.literal('interactive'),
	interactive: InteractiveSchema,
});

/** A tap on a template quick-reply button; context.id is the template message's wamid. */
export const ButtonMessageSchema = obj({
	...messageBase,
	type: z.literal('button'),
	button: obj({
		/** The payload set at send time; Meta sends the button text when none was set. */
		payload: z.string().optional(),
		text: z.string(),
	}),
});

/** A reaction to a business message; `emoji` is missing when the user removed the reaction. */
export const ReactionMessageSchema = obj({
	...messageBase,
	type: z.literal('reaction'),
	reaction: obj({ message_id: z.string(), emoji: z.string().optional() }),
});

export const OrderMessageSchema = obj({
	...messageBase,
	type: z.literal('order'),
	order: obj({
		catalog_id: z.string(),
		text: z.string().optional(),
		product_items: z.array(
			obj({
				product_retailer_id: z.string(),
				quantity: z.number(),
				item_price: z.number(),
				currency: z.string(),
			}),
		),
	}),
});

/** The user changed number (wa_id is the new one) or BSUID (user_id is the new one). */
export const SystemMessageSchema = obj({
	...messageBase,
	type: z.literal('system'),
	system: obj({
		body: z.string().optional(),
		wa_id: z.string().optional(),
		user_id: z.string().optional(),
		type: openEnum([
			'user_changed_number',
			'user_changed_user_id',
			'customer_identity_changed',
		]).optional(),
	}),
});

/** A message WhatsApp cannot deliver to the API (edit, poll...): errors carry 131051. */
export const UnsupportedMessageSchema = obj({
	...messageBase,
	type: z.literal('unsupported'),
	unsupported: obj({ type: z.string().optional() }).optional(),
});

/** The user opened the chat for the first time; no content. */
export const RequestWelcomeMessageSchema = obj({
	...messageBase,
	type: z.literal('request_welcome'),
});

/** A message type this version does not know: kept with its fields as sent. */
export const UnknownMessageSchema = obj({ ...messageBase, type: z.string() });

const knownMessageSchemas = {
	text: TextMessageSchema,
	image: ImageMessageSchema,
	audio: AudioMessageSchema,
	video: VideoMessageSchema,
	document: DocumentMessageSchema,
	sticker: StickerMessageSchema,
	location: LocationMessageSchema,
	contacts: ContactsMessageSchema,
	interactive: InteractiveMessageSchema,
	button: ButtonMessageSchema,
	reaction: ReactionMessageSchema,
	order: OrderMessageSchema,
	system: SystemMessageSchema,
	unsupported: UnsupportedMessageSchema,
	request_welcome: RequestWelcomeMessageSchema,
};

export const InboundMessageSchema = byKey('type', knownMessageSchemas, UnknownMessageSchema);

export type InboundTextMessage = z.infer<typeof TextMessageSchema>;
export type InboundImageMessage = z.infer<typeof ImageMessageSchema>;
export type InboundAudioMessage = z.infer<typeof AudioMessageSchema>;
export type InboundVideoMessage = z.infer<typeof VideoMessageSchema>;
export type InboundDocumentMessage = z.infer<typeof DocumentMessageSchema>;
export type InboundStickerMessage = z.infer<typeof StickerMessageSchema>;
export type InboundLocationMessage = z.infer<typeof LocationMessageSchema>;
export type InboundContactsMessage = z.infer<typeof ContactsMessageSchema>;
export type InboundInteractiveMessage = z.infer<typeof InteractiveMessageSchema>;
export type InboundButtonMessage = z.infer<typeof ButtonMessageSchema>;
export type InboundReactionMessage = z.infer<typeof ReactionMessageSchema>;
export type InboundOrderMessage = z.infer<typeof OrderMessageSchema>;
export type InboundSystemMessage = z.infer<typeof SystemMessageSchema>;
export type InboundUnsupportedMessage = z.infer<typeof UnsupportedMessageSchema>;
export type InboundRequestWelcomeMessage = z.infer<typeof RequestWelcomeMessageSchema>;
/** A message of a type this version knows; narrow it with `switch (message.type)`. */
export type KnownInboundMessage = z.infer<
	(typeof knownMessageSchemas)[keyof typeof knownMessageSchemas]
>;
export type UnknownInboundMessage = z.infer<typeof UnknownMessageSchema>;
export type InboundMessage = KnownInboundMessage | UnknownInboundMessage;
export type KnownMessageType = KnownInboundMessage['type'];

export const KNOWN_MESSAGE_TYPES = Object.keys(knownMessageSchemas) as readonly KnownMessageType[];

/**
 * Separates known messages from pass-through ones. An unknown message's `type` is any string, so
 * without this guard `switch (message.type)` could not narrow the known cases.
 */
export function isKnownMessage(message: InboundMessage): message is KnownInboundMessage {
	return Object.hasOwn(knownMessageSchemas, message.type);
}

// ---------------------------------------------------------------------------------------------
// Statuses of outbound messages

/**
 * - `type`: regular (billable), free_customer_service, free_entry_point
 * - `category`: marketing, utility, authentication, authentication-international (hyphen here),
 *   marketing_lite, referral_conversion, service
 * - `billable` is deprecated by Meta in favour of type + category
 */
export const PricingSchema = obj({
	billable: z.boolean().optional(),
	pricing_model: openEnum(['PMP', 'CBP']).optional(),
	type: openEnum(['regular', 'free_customer_service', 'free_entry_point']).optional(),
	category: openEnum([
		'marketing',
		'utility',
		'authentication',
		'authentication-international',
		'marketing_lite',
		'referral_conversion',
		'service',
	]).optional(),
});
export type Pricing = z.infer<typeof PricingSchema>;

/** Omitted from v24.0 on unless the message went out in a free entry point window. */
export const ConversationSchema = obj({
	id: z.string().optional(),
	expiration_timestamp: z.union([z.string(), z.number()]).optional(),
	origin: obj({ type: z.string().optional() }).optional(),
});
export type Conversation = z.infer<typeof ConversationSchema>;

export const StatusSchema = obj({
	/** The wamid of our message. */
	id: IdSchema,
	status: openEnum(['sent', 'delivered', 'read', 'played', 'failed']),
	timestamp: UnixSecondsSchema,
	/** Phone number or group id; empty when we sent to a BSUID. */
	recipient_id: IdSchema.optional(),
	/** Set when we sent to the user's BSUID. */
	recipient_user_id: IdSchema.optional(),
	parent_recipient_user_id: IdSchema.optional(),
	recipient_type: z.string().optional(),
	recipient_participant_id: IdSchema.optional(),
	recipient_identity_key_hash: z.string().optional(),
	/** Echo of what we set on send. */
	biz_opaque_callback_data: CallbackDataSchema.optional(),
	conversation: ConversationSchema.optional(),
	pricing: PricingSchema.optional(),
	/** Only on `failed`. */
	errors: z.array(WhatsAppErrorSchema).optional(),
});
export type MessageStatus = z.infer<typeof StatusSchema>;

// ---------------------------------------------------------------------------------------------
// Change values, one schema per webhook field

/** field "messages": inbound messages, statuses of ours, or system/app/account errors. */
export const MessagesValueSchema = obj({
	messaging_product: z.string().optional(),
	metadata: MetadataSchema,
	contacts: z.array(WebhookContactSchema).optional(),
	messages: z.array(InboundMessageSchema).optional(),
	statuses: z.array(StatusSchema).optional(),
	errors: z.array(WhatsAppErrorSchema).optional(),
});
export type MessagesValue = z.infer<typeof MessagesValueSchema>;

const TemplateCategoryNameSchema = openEnum(['MARKETING', 'UTILITY', 'AUTHENTICATION']);

export const TemplateStatusUpdateValueSchema = obj({
	event: openEnum([
		'APPROVED',
		'ARCHIVED',
		'DELETED',
		'DISABLED',
		'FLAGGED',
		'IN_APPEAL',
		'LIMIT_EXCEEDED',
		'LOCKED',
		'PAUSED',
		'PENDING',
		'PENDING_DELETION',
		'REINSTATED',
		'REJECTED',
	]),
	message_template_id: TemplateIdSchema,
	message_template_name: TemplateNameSchema,
	message_template_language: IdSchema,
	/** Null when the template is scheduled for deletion. */
	reason: z.string().nullable().optional(),
	message_template_category: TemplateCategoryNameSchema.optional(),
	disable_info: obj({ disable_date: z.union([z.number(), z.string()]).optional() }).optional(),
	other_info: obj({
		title: openEnum([
			'FIRST_PAUSE',
			'SECOND_PAUSE',
			'RATE_LIMITING_PAUSE',
			'UNPAUSE',
			'DISABLED',
		]).optional(),
		description: z.string().optional(),
	}).optional(),
	rejection_info: obj({
		reason: z.string().optional(),
		recommendation: z.string().optional(),
	}).optional(),
});
export type TemplateStatusUpdateValue = z.infer<typeof TemplateStatusUpdateValueSchema>;

export const QualityScoreSchema = openEnum(['GREEN', 'YELLOW', 'RED', 'UNKNOWN']);
export const TemplateQualityUpdateValueSchema = obj({
	previous_quality_score: QualityScoreSchema.optional(),
	new_quality_score: QualityScoreSchema,
	message_template_id: TemplateIdSchema,
	message_template_name: TemplateNameSchema,
	message_template_language: IdSchema,
});
export type TemplateQualityUpdateValue = z.infer<typeof TemplateQualityUpdateValueSchema>;

const categoryUpdateBase = {
	message_template_id: TemplateIdSchema,
	message_template_name: TemplateNameSchema,
	message_template_language: IdSchema,
};
/** Sent 24 h ahead: `new_category` is the CURRENT category, `correct_category` the coming one. */
export const TemplateCategoryImpendingSchema = obj({
	...categoryUpdateBase,
	correct_category: TemplateCategoryNameSchema,
	new_category: TemplateCategoryNameSchema.optional(),
	category_update_timestamp: SecondsNumberOrString.optional(),
});
/** Sent when the change took effect. */
export const TemplateCategoryCompletedSchema = obj({
	...categoryUpdateBase,
	previous_category: TemplateCategoryNameSchema,
	new_category: TemplateCategoryNameSchema,
});
export const TemplateCategoryUpdateValueSchema = z.union([
	TemplateCategoryImpendingSchema,
	TemplateCategoryCompletedSchema,
]);
export type TemplateCategoryImpending = z.infer<typeof TemplateCategoryImpendingSchema>;
export type TemplateCategoryCompleted = z.infer<typeof TemplateCategoryCompletedSchema>;
export type TemplateCategoryUpdateValue = z.infer<typeof TemplateCategoryUpdateValueSchema>;

/** The user stopped or resumed marketing messages in WhatsApp's own settings. */
export const UserPreferenceSchema = obj({
	wa_id: IdSchema.optional(),
	user_id: IdSchema.optional(),
	detail: z.string().optional(),
	category: openEnum(['marketing_messages']),
	value: openEnum(['stop', 'resume']),
	timestamp: SecondsNumberOrString,
});
export type UserPreference = z.infer<typeof UserPreferenceSchema>;
export const UserPreferencesValueSchema = obj({
	messaging_product: z.string().optional(),
	metadata: MetadataSchema.optional(),
	contacts: z.array(WebhookContactSchema).optional(),
	user_preferences: z.array(UserPreferenceSchema),
});
export type UserPreferencesValue = z.infer<typeof UserPreferencesValueSchema>;

/**
 * Tier values: TIER_50 ... TIER_100K, TIER_UNLIMITED, TIER_NOT_SET. FLAGGED / UNFLAGGED (a number
 * rated low, and its recovery) and DOWNGRADE / UPGRADE (a limit change) are the events Meta sent
 * before October 2025.
 */
export const PhoneNumberQualityUpdateValueSchema = obj({
	display_phone_number: IdSchema,
	event: openEnum([
		'ONBOARDING',
		'THROUGHPUT_UPGRADE',
		'FLAGGED',
		'UNFLAGGED',
		'DOWNGRADE',
		'UPGRADE',
	]),
	/** Slated for removal (Feb 2026): use max_daily_conversations_per_business. */
	current_limit: z.string().optional(),
	old_limit: z.string().optional(),
	max_daily_conversations_per_business: z.union([z.string(), z.number()]).optional(),
});
export type PhoneNumberQualityUpdateValue = z.infer<typeof PhoneNumberQualityUpdateValueSchema>;

/**
 * A capability of the business portfolio or account changed, e.g. its messaging limit:
 * `max_daily_conversations_per_business` (a tier name such as "TIER_2K", or a number in Meta's
 * example) replaces `max_daily_conversation_per_phone` (an integer, -1 for unlimited; removed in
 * February 2026).
 */
export const BusinessCapabilityUpdateValueSchema = obj({
	max_daily_conversations_per_business: z.union([z.string(), z.number()]).optional(),
	max_daily_conversation_per_phone: z.number().optional(),
	max_phone_numbers_per_business: z.number().optional(),
	max_phone_numbers_per_waba: z.number().optional(),
});
export type BusinessCapabilityUpdateValue = z.infer<typeof BusinessCapabilityUpdateValueSchema>;

export const AccountUpdateValueSchema = obj({
	event: openEnum([
		'ACCOUNT_DELETED',
		'ACCOUNT_VIOLATION',
		'AD_ACCOUNT_LINKED',
		'AUTH_INTL_PRICE_ELIGIBILITY_UPDATE',
		'BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE',
		'DISABLED_UPDATE',
		'MM_LITE_TERMS_SIGNED',
		'PARTNER_ADDED',
		'PARTNER_APP_INSTALLED',
		'PARTNER_APP_UNINSTALLED',
		'PARTNER_CLIENT_CERTIFICATION_STATUS_UPDATE',
	]),
	violation_info: obj({ violation_type: z.string().optional() }).optional(),
	ban_info: obj({
		waba_ban_state: openEnum(['DISABLE', 'REINSTATE', 'SCHEDULE_FOR_DISABLE']).optional(),
		waba_ban_date: z.string().optional(),
	}).optional(),
	waba_info: obj({
		waba_id: z.string().optional(),
		owner_business_id: z.string().optional(),
		ad_account_linked: z.string().optional(),
		partner_app_id: z.string().optional(),
		solution_id: z.string().optional(),
		solution_partner_business_ids: z.array(z.string()).optional(),
	}).optional(),
	country: z.string().optional(),
});
export type AccountUpdateValue = z.infer<typeof AccountUpdateValueSchema>;

/** A participant of a Groups API event; Meta's examples send the phone numbers as numbers too. */
const GroupParticipantSchema = obj({
	input: z.union([z.string(), z.number()]).optional(),
	wa_id: z.union([z.string(), z.number()]).optional(),
	user_id: z.string().optional(),
	errors: z.array(WhatsAppErrorSchema).optional(),
});

/** One group setting a group_settings_update changed (or failed to change). */
const GroupSettingSchema = obj({
	text: z.string().optional(),
	mime_type: z.string().optional(),
	sha256: z.string().optional(),
	update_successful: z.boolean().optional(),
	errors: z.array(WhatsAppErrorSchema).optional(),
});

/**
 * One event of the Groups API (groups/webhooks): a group created or deleted
 * (group_lifecycle_update), participants added, removed, leaving or asking to join
 * (group_participants_update), subject, description or picture changed (group_settings_update),
 * a group suspended or cleared (group_status_update).
 */
const GroupEventSchema = obj({
	timestamp: SecondsNumberOrString.optional(),
	group_id: IdSchema.optional(),
	type: openEnum([
		'group_create',
		'group_delete',
		'group_participants_add',
		'group_participants_remove',
		'group_join_request_created',
		'group_join_request_revoked',
		'group_settings_update',
		'group_suspend',
		'group_suspend_cleared',
	]),
	request_id: z.string().optional(),
	subject: z.string().optional(),
	description: z.string().optional(),
	invite_link: z.string().optional(),
	join_approval_mode: z.string().optional(),
	reason: z.string().optional(),
	initiated_by: z.string().optional(),
	join_request_id: z.string().optional(),
	wa_id: z.string().optional(),
	added_participants: z.array(GroupParticipantSchema).optional(),
	removed_participants: z.array(GroupParticipantSchema).optional(),
	failed_participants: z.array(GroupParticipantSchema).optional(),
	profile_picture: GroupSettingSchema.optional(),
	group_subject: GroupSettingSchema.optional(),
	group_description: GroupSettingSchema.optional(),
	errors: z.array(WhatsAppErrorSchema).optional(),
});
export type GroupEvent = z.infer<typeof GroupEventSchema>;
export type GroupParticipant = z.infer<typeof GroupParticipantSchema>;
export interface GroupsValue {
	messaging_product?: string;
	metadata?: WebhookMetadata;
	groups: GroupEvent[];
	[extra: string]: unknown;
}
const groupsValueShape = {
	messaging_product: z.string().optional(),
	metadata: MetadataSchema.optional(),
};
// Annotated: the inferred type of the field table would be too long for declaration files.
export const GroupsValueSchema: z.ZodType<GroupsValue, z.ZodTypeDef, unknown> = obj({
	...groupsValueShape,
	groups: z.array(GroupEventSchema),
});

/** The fields whose values this version parses. Others are kept as kind "other". */
export const CHANGE_VALUE_SCHEMAS = {
	messages: MessagesValueSchema,
	message_template_status_update: TemplateStatusUpdateValueSchema,
	message_template_quality_update: TemplateQualityUpdateValueSchema,
	template_category_update: TemplateCategoryUpdateValueSchema,
	user_preferences: UserPreferencesValueSchema,
	phone_number_quality_update: PhoneNumberQualityUpdateValueSchema,
	account_update: AccountUpdateValueSchema,
	business_capability_update: BusinessCapabilityUpdateValueSchema,
	group_lifecycle_update: GroupsValueSchema,
	group_participants_update: GroupsValueSchema,
	group_settings_update: GroupsValueSchema,
	group_status_update: GroupsValueSchema,
};
export type KnownChangeKind = keyof typeof CHANGE_VALUE_SCHEMAS;

const anyItems = z.array(z.unknown());
const groupItems = {
	header: obj({ ...groupsValueShape, groups: anyItems }),
	lists: { groups: GroupEventSchema },
};

/**
 * The values whose lists are read item by item: the value without its items first (`header`, the
 * value's schema with each list as a list of anything), then each item with its own schema. An
 * item that does not match costs that item alone (UnreadableItem), never its neighbours: one
 * odd status must not cost a thousand others their effects.
 */
const ITEM_LISTS: Partial<
	Record<KnownChangeKind, { header: z.ZodTypeAny; lists: Record<string, z.ZodTypeAny> }>
> = {
	messages: {
		header: MessagesValueSchema.extend({
			contacts: anyItems.optional(),
			messages: anyItems.optional(),
			statuses: anyItems.optional(),
			errors: anyItems.optional(),
		}),
		lists: {
			contacts: WebhookContactSchema,
			messages: InboundMessageSchema,
			statuses: StatusSchema,
			errors: WhatsAppErrorSchema,
		},
	},
	user_preferences: {
		header: UserPreferencesValueSchema.extend({
			contacts: anyItems.optional(),
			user_preferences: anyItems,
		}),
		lists: { contacts: WebhookContactSchema, user_preferences: UserPreferenceSchema },
	},
	group_lifecycle_update: groupItems,
	group_participants_update: groupItems,
	group_settings_update: groupItems,
	group_status_update: groupItems,
};

// ---------------------------------------------------------------------------------------------
// Envelope

/** The outer shape, as Meta sends it; change values are checked one by one afterwards. */
export const WebhookEnvelopeSchema = obj({
	object: z.literal('whatsapp_business_account'),
	entry: z.array(z.unknown()),
});
export const WebhookEntrySchema = obj({
	/** The WhatsApp Business Account id. */
	id: IdSchema,
	/** Unix seconds; present on non-message fields. */
	time: SecondsNumberOrString.optional(),
	changes: z.array(z.unknown()),
});
export const WebhookChangeSchema = obj({ field: z.string(), value: z.unknown() });

/**
 * One change after parsing. `kind` says how its value was read: the name of a known field, "other"
 * for a field this version does not parse (value as sent), or "unparsed" for a known field whose
 * value did not match (value as sent, plus what did not match). `field` is always Meta's.
 */
export type KnownWebhookChange = {
	[K in KnownChangeKind]: {
		kind: K;
		field: string;
		/** The value with the items that matched (see ITEM_LISTS). */
		value: z.output<(typeof CHANGE_VALUE_SCHEMAS)[K]>;
		/** The items of the value's lists that did not match, left out of `value`. */
		unreadable?: UnreadableItem[];
		[extra: string]: unknown;
	};
}[KnownChangeKind];

/** An item of a change's list that did not match its schema, kept as received. */
export interface UnreadableItem {
	/** Where it was in the change's value, e.g. "statuses[3]". */
	path: string;
	value: unknown;
	/** What did not match, one line each: "statuses[3].timestamp: Expected Unix seconds...". */
	issues: string[];
}
export interface OtherWebhookChange {
	kind: 'other';
	field: string;
	value: unknown;
	[extra: string]: unknown;
}
export interface UnparsedWebhookChange {
	kind: 'unparsed';
	/** Meta's field, or "" when the change had none. */
	field: string;
	/** The value (or the whole change or entry, when those were malformed) as received. */
	value: unknown;
	/** What did not match, one line each: "messages[0].text.body: Required". */
	issues: string[];
	[extra: string]: unknown;
}
export type WebhookChange = KnownWebhookChange | OtherWebhookChange | UnparsedWebhookChange;
export type MessagesChange = Extract<WebhookChange, { kind: 'messages' }>;

export interface WebhookEntry {
	/** The WhatsApp Business Account id ("" when the entry was malformed). */
	id: string;
	time?: number | string;
	changes: WebhookChange[];
	[extra: string]: unknown;
}

export interface WebhookEnvelope {
	object: 'whatsapp_business_account';
	entry: WebhookEntry[];
	[extra: string]: unknown;
}

export type ParseWebhookResult =
	| { ok: true; envelope: WebhookEnvelope }
	/** tooLarge: more updates or objects than Meta sends in one POST (bodyLimits.ts). */
	| { ok: false; error: string; tooLarge?: true };

/**
 * Reads a webhook body (the parsed JSON, or its raw text / bytes). Never throws.
 *
 * ok=false only when the body is not a WhatsApp envelope at all (answer 400), or holds more than
 * Meta sends in one POST (tooLarge, bodyLimits.ts; counted only for raw text or bytes). Inside a
 * valid envelope nothing is dropped: a malformed entry or change, or a known field whose value
 * does not match, becomes an "unparsed" change carrying the raw value and what did not match; an
 * item of a list (a message, a status...) that does not match becomes an UnreadableItem of its
 * change, and the others are read.
 */
export function parseWebhookEnvelope(body: unknown): ParseWebhookResult {
	try {
		const json = decodeBody(body);
		if (!json.ok) return json;
		if (json.containers !== undefined && json.containers > MAX_JSON_CONTAINERS) {
			return {
				ok: false,
				tooLarge: true,
				error: `The webhook body holds ${json.containers} arrays and objects, more than the ${MAX_JSON_CONTAINERS} accepted (Meta sends at most ${META_MAX_UPDATES} updates of a few each in one POST), so it does not come from Meta.`,
			};
		}
		// Counted before the envelope is read: a list of 200,000 entries costs zod 150 ms.
		if (countItems(json.value) > MAX_WEBHOOK_ITEMS) {
			return {
				ok: false,
				tooLarge: true,
				error: `The webhook body holds more than ${MAX_WEBHOOK_ITEMS} updates and contact cards (Meta sends at most ${META_MAX_UPDATES} updates in one POST), so it does not come from Meta.`,
			};
		}
		const header = read(WebhookEnvelopeSchema, json.value);
		if (!header.ok) return { ok: false, error: describeNonEnvelope(json.value) };
		const entry = header.data.entry.map(parseEntry);
		return { ok: true, envelope: { ...header.data, object: header.data.object, entry } };
	} catch (error) {
		// Only reachable with exotic inputs (throwing getters); JSON never gets here.
		return { ok: false, error: `The webhook body could not be read: ${messageOf(error)}` };
	}
}

/** The body as JSON, with its shape (jsonShape); a deep value is cut (bodyLimits.ts). */
function decodeBody(
	body: unknown,
): { ok: true; value: unknown; containers?: number } | { ok: false; error: string } {
	if (typeof body !== 'string' && !(body instanceof Uint8Array)) return { ok: true, value: body };
	const text =
		typeof body === 'string'
			? body
			: // A view, not a copy: the body may be 3 MB.
				Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return { ok: false, error: 'The webhook body is not JSON.' };
	}
	const shape = jsonShape(text);
	return { ok: true, value: shape.tooDeep ? cutDeep(value) : value, containers: shape.containers };
}

function describeNonEnvelope(value: unknown): string {
	const what = 'Not a WhatsApp webhook';
	if (!isRecord(value)) return `${what}: the body is ${describeType(value)}, not an object.`;
	if (value.object !== 'whatsapp_business_account') {
		return `${what}: "object" is ${JSON.stringify(value.object) ?? 'missing'}, expected "whatsapp_business_account".`;
	}
	return `${what}: "entry" is ${describeType(value.entry)}, expected an array.`;
}

function describeType(value: unknown): string {
	if (value === undefined) return 'missing';
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function parseEntry(raw: unknown): WebhookEntry {
	const header = read(WebhookEntrySchema, raw, 'entry');
	if (!header.ok) {
		const id = isRecord(raw) && typeof raw.id === 'string' ? raw.id : '';
		return { id, changes: [{ kind: 'unparsed', field: '', value: raw, issues: header.issues }] };
	}
	return { ...header.data, changes: header.data.changes.map(parseChange) };
}

function parseChange(raw: unknown): WebhookChange {
	try {
		const header = read(WebhookChangeSchema, raw);
		if (!header.ok) {
			const field = isRecord(raw) && typeof raw.field === 'string' ? raw.field : '';
			return { kind: 'unparsed', field, value: raw, issues: header.issues };
		}
		// Fields of the change itself other than field/value are kept too (not one named like ours).
		const { field, value, ...extra } = header.data;
		delete extra.unreadable;
		const kind = changeKind(field, value);
		if (kind === undefined) return { ...extra, kind: 'other', field, value };
		const items = ITEM_LISTS[kind];
		if (items) return readItems(kind, field, value, extra, items.header, items.lists);
		const parsed = read(CHANGE_VALUE_SCHEMAS[kind], value, '', true);
		if (!parsed.ok) return { ...extra, kind: 'unparsed', field, value, issues: parsed.issues };
		return { ...extra, kind, field, value: parsed.data } as KnownWebhookChange;
	} catch (error) {
		return { kind: 'unparsed', field: '', value: raw, issues: [messageOf(error)] };
	}
}

/** A change whose value's lists are read item by item (ITEM_LISTS). */
function readItems(
	kind: KnownChangeKind,
	field: string,
	value: unknown,
	extra: Record<string, unknown>,
	header: z.ZodTypeAny,
	lists: Record<string, z.ZodTypeAny>,
): WebhookChange {
	const parsed = read(header, value);
	if (!parsed.ok) return { ...extra, kind: 'unparsed', field, value, issues: parsed.issues };
	// A copy: the lists are replaced, and the value as received stays as it was.
	const out: Record<string, unknown> = { ...(parsed.data as Record<string, unknown>) };
	const unreadable: UnreadableItem[] = [];
	for (const [list, schema] of Object.entries(lists)) {
		const received = out[list];
		if (!Array.isArray(received)) continue;
		const kept: unknown[] = [];
		for (let i = 0; i < received.length; i++) {
			const path = `${list}[${i}]`;
			const item = read(schema, received[i], path, true);
			if (item.ok) kept.push(item.data);
			else unreadable.push({ path, value: received[i], issues: item.issues });
		}
		out[list] = kept;
	}
	const change = { ...extra, kind, field, value: out } as KnownWebhookChange;
	if (unreadable.length > 0) change.unreadable = unreadable;
	return change;
}

/**
 * `value` read with `schema`: as it is when the schema's predicate accepts it (fastCheck.ts),
 * else through zod, for zod's output or what did not match (prefixed with `path`).
 */
function read<T extends z.ZodTypeAny>(
	schema: T,
	value: unknown,
	path = '',
	bounded = false,
): { ok: true; data: z.output<T> } | { ok: false; issues: string[] } {
	if (checkOf(schema)?.(value)) return { ok: true, data: value as z.output<T> };
	if (bounded && countValues(value) > MAX_ITEM_VALUES) {
		const where = path || 'value';
		return {
			ok: false,
			issues: [`${where}: More than ${MAX_ITEM_VALUES} values, far more than any update of Meta's`],
		};
	}
	const result = schema.safeParse(value);
	if (result.success) return { ok: true, data: result.data as z.output<T> };
	const issues = summariseIssues(result.error.issues, path);
	if (issues.length <= MAX_ISSUES) return { ok: false, issues };
	return {
		ok: false,
		issues: [...issues.slice(0, MAX_ISSUES), `and ${issues.length - MAX_ISSUES} more`],
	};
}

/** What did not match, at most this many lines for one value (the rest counted). */
export const MAX_ISSUES = 10;

const checks = new Map<z.ZodTypeAny, Check | undefined>();
function checkOf(schema: z.ZodTypeAny): Check | undefined {
	if (!checks.has(schema)) checks.set(schema, compileCheck(schema));
	return checks.get(schema);
}

function changeKind(field: string, value: unknown): KnownChangeKind | undefined {
	// Meta's own reference shows quality updates under this field name; read them by shape.
	if (
		field === 'message_template_status_update' &&
		isRecord(value) &&
		!('event' in value) &&
		'new_quality_score' in value
	) {
		return 'message_template_quality_update';
	}
	return Object.hasOwn(CHANGE_VALUE_SCHEMAS, field) ? (field as KnownChangeKind) : undefined;
}

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/**
 * Unix seconds, as a string or a number, to milliseconds since the epoch.
 * @throws WireError when the value is not a non-negative number of seconds.
 */
export function toMillis(timestamp: string | number): number {
	const seconds =
		typeof timestamp === 'number'
			? timestamp
			: /^\s*\d+(\.\d+)?\s*$/.test(timestamp)
				? Number(timestamp)
				: Number.NaN;
	if (!Number.isFinite(seconds) || seconds < 0) {
		throw new WireError(
			'timestamp',
			`Timestamp ${JSON.stringify(timestamp)} is not Unix seconds. WhatsApp sends seconds since 1970 as digits, e.g. "1750030073".`,
		);
	}
	return Math.round(seconds * 1000);
}
