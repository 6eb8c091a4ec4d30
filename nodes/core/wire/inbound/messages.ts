/** Inbound webhook payloads: inbound messages, one schema per message type (see index.ts). */

import { z } from 'zod';

import { byKey, obj, openEnum } from '../zod';
import { IdSchema, UnixSecondsSchema, WhatsAppErrorSchema } from './common';

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
