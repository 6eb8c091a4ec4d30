/**
 * Outbound payloads for `POST /<PHONE_NUMBER_ID>/messages`, built by pure functions that check
 * Meta's limits first: a payload that breaks one throws a WireError naming the field, the limit and
 * the fix, so nothing is sent (or charged) that Meta would reject.
 *
 * Inputs use Meta's field names (snake_case). Optional text fields given as "" are left out, the
 * way an empty optional parameter in a form means "not set". Lengths count characters as a reader
 * does (an emoji is one).
 *
 * One file per kind of message; every builder wraps its content in the envelope (envelope.ts) and
 * checks its fields with checks.ts. Free-form messages (text, media, location, contacts,
 * interactive, reaction) go only inside the customer service window; templates go any time.
 * This file is the folder's public face: the names below, and nothing of the helpers.
 */
import type { ContactsMessagePayload } from './contacts';
import { ENVELOPE_LIMITS } from './envelope';
import { INTERACTIVE_LIMITS, type InteractiveMessagePayload } from './interactive';
import type { LocationMessagePayload } from './location';
import { MEDIA_LIMITS, type MediaMessagePayload } from './media';
import type { ReactionMessagePayload } from './reaction';
import { TEMPLATE_LIMITS, type TemplateMessagePayload } from './template';
import { TEXT_LIMITS, type TextMessagePayload } from './text';

export { WireError } from '../wireError';

/**
 * Meta's documented limits, in characters unless named otherwise. Each is kept in the file of the
 * message it limits; this is all of them, for descriptions that quote a limit.
 */
export const WHATSAPP_LIMITS = {
	...TEXT_LIMITS,
	...MEDIA_LIMITS,
	...ENVELOPE_LIMITS,
	...INTERACTIVE_LIMITS,
	...TEMPLATE_LIMITS,
} as const;

export type OutboundMessagePayload =
	| TextMessagePayload
	| MediaMessagePayload
	| LocationMessagePayload
	| ContactsMessagePayload
	| InteractiveMessagePayload
	| ReactionMessagePayload
	| TemplateMessagePayload;

export type { OutboundAddress, OutboundEnvelope, SendOptions } from './envelope';
export { buildTextMessage, type TextMessageInput, type TextMessagePayload } from './text';
export {
	buildAudioMessage,
	buildDocumentMessage,
	buildImageMessage,
	buildMediaMessage,
	buildStickerMessage,
	buildVideoMessage,
	type AudioMessagePayload,
	type DocumentMessagePayload,
	type ImageMessagePayload,
	type MediaInput,
	type MediaMessageInput,
	type MediaMessagePayload,
	type MediaRef,
	type StickerMessagePayload,
	type VideoMessagePayload,
} from './media';
export {
	buildLocationMessage,
	type LocationInput,
	type LocationMessageInput,
	type LocationMessagePayload,
	type LocationObject,
} from './location';
export {
	buildContactsMessage,
	type ContactCardInput,
	type ContactCardPayload,
	type ContactsMessageInput,
	type ContactsMessagePayload,
} from './contacts';
export {
	buildCtaUrlMessage,
	buildListMessage,
	buildReplyButtonsMessage,
	type CtaUrlMessageInput,
	type InteractiveHeaderInput,
	type InteractiveHeaderPayload,
	type InteractiveMessagePayload,
	type ListMessageInput,
	type ReplyButtonsMessageInput,
} from './interactive';
export {
	buildReactionMessage,
	type ReactionMessageInput,
	type ReactionMessagePayload,
} from './reaction';
export { buildMarkAsRead, buildTypingIndicator, type MarkAsReadPayload } from './read';
export type {
	CurrencyValue,
	DateTimeValue,
	OtherTemplateComponent,
	TemplateBodyParameter,
	TemplateBodyValue,
	TemplateButtonComponent,
	TemplateButtonInput,
	TemplateComponentPayload,
	TemplateCurrencyParameter,
	TemplateDateTimeParameter,
	TemplateHeaderInput,
	TemplateHeaderParameter,
	TemplateMessageInput,
	TemplateMessagePayload,
	TemplateTextParameter,
} from './template';
export { buildTemplateMessage } from './templateMessage';
export { templateInputFromValues } from './templateValues';
export { buildTemplateFromComponents, TemplateComponentsJsonSchema } from './templateComponents';
