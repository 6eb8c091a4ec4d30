/**
 * Outbound payloads for `POST /<PHONE_NUMBER_ID>/messages`, built by pure functions that check
 * Meta's limits first: a payload that breaks one throws a WireError naming the field, the limit and
 * the fix, so nothing is sent (or charged) that Meta would reject.
 *
 * Inputs use Meta's field names (snake_case). Optional text fields given as "" are left out, the
 * way an empty optional parameter in a form means "not set". Lengths count characters as a reader
 * does (an emoji is one).
 */
import { z } from 'zod';

import { looksLikeBsuid } from '../phone';
import {
	buttonsOf,
	headerOf,
	parameterFormatOf,
	placeholdersOf,
	templateVariables,
	unsupportedTemplateParts,
	type TemplateDefinition,
	type TemplateVariable,
} from './templates';
import { CALLBACK_DATA_LIMIT, CALLBACK_ID_RESERVED } from './callback';
import { charCount, formatCount, WireError } from './wireError';
import { byKey, isRecord, obj, summariseIssues } from './zod';

export { WireError } from './wireError';

/** Meta's documented limits, in characters unless named otherwise. */
export const WHATSAPP_LIMITS = {
	textBody: 4096,
	mediaCaption: 1024,
	/** The user's Callback Data: Meta's 512 less what the send's own id takes (callback.ts). */
	bizOpaqueCallbackData: CALLBACK_DATA_LIMIT - CALLBACK_ID_RESERVED,
	interactiveBody: 1024,
	listBody: 4096,
	interactiveFooter: 60,
	interactiveHeaderText: 60,
	replyButtons: 3,
	replyButtonTitle: 20,
	replyButtonId: 256,
	listButton: 20,
	listSections: 10,
	listRows: 10,
	listSectionTitle: 24,
	listRowTitle: 24,
	listRowDescription: 72,
	listRowId: 200,
	ctaDisplayText: 20,
	templateName: 512,
	templateHeaderParameter: 60,
	/** A body variable when the template has other components (header, footer, buttons). */
	templateBodyParameter: 1024,
	/** A body variable when the body is the template's only component. */
	templateBodyOnlyParameter: 32768,
	/** Raised from 15 to 20 in Dec 2025. */
	couponCode: 20,
	oneTimePassword: 15,
	templateButtonUrl: 2000,
	templateButtons: 10,
} as const;

// ---------------------------------------------------------------------------------------------
// Payload types (what Meta receives)

/**
 * Where Meta reads the address from: a phone number (or a group id) in `to`, a business-scoped
 * user ID (BSUID) in `recipient`. A payload carries exactly one of them.
 */
export type OutboundAddress = { to: string; recipient?: never } | { recipient: string; to?: never };

export type OutboundEnvelope = OutboundAddress & {
	messaging_product: 'whatsapp';
	recipient_type: 'individual' | 'group';
	context?: { message_id: string };
	biz_opaque_callback_data?: string;
};

export interface MediaRef {
	id?: string;
	link?: string;
}

export type TextMessagePayload = OutboundEnvelope & {
	type: 'text';
	text: { body: string; preview_url?: boolean };
};
export type ImageMessagePayload = OutboundEnvelope & {
	type: 'image';
	image: MediaRef & { caption?: string };
};
export type VideoMessagePayload = OutboundEnvelope & {
	type: 'video';
	video: MediaRef & { caption?: string };
};
export type AudioMessagePayload = OutboundEnvelope & {
	type: 'audio';
	audio: MediaRef & { voice?: boolean };
};
export type DocumentMessagePayload = OutboundEnvelope & {
	type: 'document';
	document: MediaRef & { caption?: string; filename?: string };
};
export type StickerMessagePayload = OutboundEnvelope & { type: 'sticker'; sticker: MediaRef };
export type MediaMessagePayload =
	| ImageMessagePayload
	| VideoMessagePayload
	| AudioMessagePayload
	| DocumentMessagePayload
	| StickerMessagePayload;

export interface LocationObject {
	latitude: number;
	longitude: number;
	name?: string;
	address?: string;
}
export type LocationMessagePayload = OutboundEnvelope & {
	type: 'location';
	location: LocationObject;
};

export interface ContactCardPayload {
	name: {
		formatted_name: string;
		first_name?: string;
		last_name?: string;
		middle_name?: string;
		suffix?: string;
		prefix?: string;
	};
	phones?: { phone?: string; type?: string; wa_id?: string }[];
	emails?: { email?: string; type?: string }[];
	urls?: { url?: string; type?: string }[];
	addresses?: {
		street?: string;
		city?: string;
		state?: string;
		zip?: string;
		country?: string;
		country_code?: string;
		type?: string;
	}[];
	org?: { company?: string; department?: string; title?: string };
	birthday?: string;
}
export type ContactsMessagePayload = OutboundEnvelope & {
	type: 'contacts';
	contacts: ContactCardPayload[];
};

export type InteractiveHeaderPayload =
	| { type: 'text'; text: string }
	| { type: 'image'; image: MediaRef }
	| { type: 'video'; video: MediaRef }
	| { type: 'document'; document: MediaRef & { filename?: string } };

export type InteractiveMessagePayload = OutboundEnvelope & {
	type: 'interactive';
	interactive:
		| {
				type: 'button';
				header?: InteractiveHeaderPayload;
				body: { text: string };
				footer?: { text: string };
				action: { buttons: { type: 'reply'; reply: { id: string; title: string } }[] };
		  }
		| {
				type: 'list';
				header?: { type: 'text'; text: string };
				body: { text: string };
				footer?: { text: string };
				action: {
					button: string;
					sections: {
						title?: string;
						rows: { id: string; title: string; description?: string }[];
					}[];
				};
		  }
		| {
				type: 'cta_url';
				header?: InteractiveHeaderPayload;
				body: { text: string };
				footer?: { text: string };
				action: { name: 'cta_url'; parameters: { display_text: string; url: string } };
		  };
};

export type ReactionMessagePayload = OutboundEnvelope & {
	type: 'reaction';
	reaction: { message_id: string; emoji: string };
};

export type TemplateTextParameter = { type: 'text'; text: string; parameter_name?: string };
export type TemplateCurrencyParameter = {
	type: 'currency';
	currency: { fallback_value: string; code: string; amount_1000: number };
	parameter_name?: string;
};
export type TemplateDateTimeParameter = {
	type: 'date_time';
	date_time: { fallback_value: string };
	parameter_name?: string;
};
export type TemplateBodyParameter =
	| TemplateTextParameter
	| TemplateCurrencyParameter
	| TemplateDateTimeParameter;
export type TemplateHeaderParameter =
	| TemplateTextParameter
	| { type: 'image'; image: MediaRef }
	| { type: 'video'; video: MediaRef }
	| { type: 'document'; document: MediaRef & { filename?: string } }
	| { type: 'location'; location: LocationObject };
export type TemplateButtonComponent =
	| {
			type: 'button';
			sub_type: 'quick_reply';
			index: string;
			parameters: [{ type: 'payload'; payload: string }];
	  }
	| { type: 'button'; sub_type: 'url'; index: string; parameters: [{ type: 'text'; text: string }] }
	| {
			type: 'button';
			sub_type: 'copy_code';
			index: string;
			parameters: [{ type: 'coupon_code'; coupon_code: string }];
	  }
	| {
			type: 'button';
			sub_type: 'flow';
			index: string;
			parameters: [
				{
					type: 'action';
					action: { flow_token?: string; flow_action_data?: Record<string, unknown> };
				},
			];
	  };
export type TemplateComponentPayload =
	| { type: 'header'; parameters: [TemplateHeaderParameter] }
	| { type: 'body'; parameters: TemplateBodyParameter[] }
	| TemplateButtonComponent;
/** Components JSON in expert mode may hold types this version does not model (carousel...). */
export type OtherTemplateComponent = { type: string; [key: string]: unknown };

export type TemplateMessagePayload = OutboundEnvelope & {
	type: 'template';
	template: {
		name: string;
		language: { code: string };
		components?: (TemplateComponentPayload | OtherTemplateComponent)[];
	};
};

export type OutboundMessagePayload =
	| TextMessagePayload
	| MediaMessagePayload
	| LocationMessagePayload
	| ContactsMessagePayload
	| InteractiveMessagePayload
	| ReactionMessagePayload
	| TemplateMessagePayload;

/** Marks a message (and every earlier one) as read; optionally shows the typing indicator. */
export interface MarkAsReadPayload {
	messaging_product: 'whatsapp';
	status: 'read';
	message_id: string;
	typing_indicator?: { type: 'text' };
}

// ---------------------------------------------------------------------------------------------
// Inputs

export interface SendOptions {
	/**
	 * The recipient: a phone number (with "+" and country code; the caller normalises it), a group
	 * id, or a business-scoped user ID (BSUID, e.g. "US.13491208655302741918"). A phone number or
	 * group id is sent in `to` as given; a BSUID is sent in `recipient`, where Meta reads it.
	 */
	readonly to: string;
	/** @default 'individual' */
	readonly recipient_type?: 'individual' | 'group';
	/** Quote this message (contextual reply). */
	readonly context?: { readonly message_id: string };
	/** Echoed back in the status webhooks of this message; at most 512 characters. */
	readonly biz_opaque_callback_data?: string;
}

export interface MediaInput {
	/** An http(s) URL Meta fetches (cached 10 minutes), or */
	readonly link?: string;
	/** the id of uploaded media (recommended by Meta). Exactly one of link and id. */
	readonly id?: string;
}

export interface TextMessageInput extends SendOptions {
	readonly body: string;
	/** Whether WhatsApp renders a preview of the first URL in the body. */
	readonly preview_url?: boolean;
}

export type MediaMessageInput =
	| ({ readonly type: 'image'; readonly caption?: string } & MediaInput & SendOptions)
	| ({ readonly type: 'video'; readonly caption?: string } & MediaInput & SendOptions)
	| ({ readonly type: 'audio'; readonly voice?: boolean } & MediaInput & SendOptions)
	| ({
			readonly type: 'document';
			readonly caption?: string;
			/** Shown to the user; the extension picks the icon. */
			readonly filename?: string;
	  } & MediaInput &
			SendOptions)
	| ({ readonly type: 'sticker' } & MediaInput & SendOptions);

export interface LocationInput {
	/** Decimal degrees, -90 to 90. Numeric strings are accepted. */
	readonly latitude: number | string;
	/** Decimal degrees, -180 to 180. Numeric strings are accepted. */
	readonly longitude: number | string;
	readonly name?: string;
	readonly address?: string;
}
export interface LocationMessageInput extends SendOptions, LocationInput {}

export interface ContactCardInput {
	readonly name: {
		readonly formatted_name: string;
		readonly first_name?: string;
		readonly last_name?: string;
		readonly middle_name?: string;
		readonly suffix?: string;
		readonly prefix?: string;
	};
	readonly phones?: readonly {
		readonly phone?: string;
		readonly type?: string;
		readonly wa_id?: string;
	}[];
	readonly emails?: readonly { readonly email?: string; readonly type?: string }[];
	readonly urls?: readonly { readonly url?: string; readonly type?: string }[];
	readonly addresses?: ContactCardPayload['addresses'];
	readonly org?: ContactCardPayload['org'];
	/** YYYY-MM-DD. */
	readonly birthday?: string;
}
export interface ContactsMessageInput extends SendOptions {
	readonly contacts: readonly ContactCardInput[];
}

export type InteractiveHeaderInput =
	| { readonly type: 'text'; readonly text: string }
	| ({ readonly type: 'image' | 'video' } & MediaInput)
	| ({ readonly type: 'document'; readonly filename?: string } & MediaInput);

export interface ReplyButtonsMessageInput extends SendOptions {
	readonly body: string;
	/** 1 to 3 buttons; ids and titles unique. */
	readonly buttons: readonly { readonly id: string; readonly title: string }[];
	readonly header?: InteractiveHeaderInput;
	readonly footer?: string;
}

export interface ListMessageInput extends SendOptions {
	readonly body: string;
	/** The label of the button that opens the list. */
	readonly button: string;
	/** Up to 10 sections with up to 10 rows in total; a title is needed when there are several. */
	readonly sections: readonly {
		readonly title?: string;
		readonly rows: readonly {
			readonly id: string;
			readonly title: string;
			readonly description?: string;
		}[];
	}[];
	/** Lists only take a text header. */
	readonly header?: string;
	readonly footer?: string;
}

export interface CtaUrlMessageInput extends SendOptions {
	readonly body: string;
	readonly display_text: string;
	/** An https URL. */
	readonly url: string;
	readonly header?: InteractiveHeaderInput;
	readonly footer?: string;
}

export interface ReactionMessageInput extends SendOptions {
	/** The wamid of the message to react to (the user's, at most 30 days old). */
	readonly message_id: string;
	/** One emoji, or "" to remove our reaction. */
	readonly emoji: string;
}

export interface CurrencyValue {
	readonly type: 'currency';
	/** ISO 4217, e.g. "EUR". */
	readonly code: string;
	/** In the currency's unit (12.5 = 12.50 EUR); sent as amount_1000. */
	readonly amount: number | string;
	/** What WhatsApp shows (it does not localise currency on Cloud API). */
	readonly fallback_value: string;
}
export interface DateTimeValue {
	readonly type: 'date_time';
	/** What WhatsApp shows: Cloud API always renders the fallback value. */
	readonly fallback_value: string;
}
export type TemplateBodyValue = string | number | CurrencyValue | DateTimeValue;

export type TemplateHeaderInput =
	| {
			readonly type: 'text';
			readonly text: string | number;
			/** Named templates; filled from the definition when one is given. */
			readonly parameter_name?: string;
	  }
	| ({ readonly type: 'image' | 'video' } & MediaInput)
	| ({ readonly type: 'document'; readonly filename?: string } & MediaInput)
	| ({ readonly type: 'location' } & LocationInput);

export type TemplateButtonInput =
	| {
			readonly sub_type: 'quick_reply';
			/** The button's position among the template's buttons, from 0. */
			readonly index: number;
			/** Comes back in the button webhook when the user taps. */
			readonly payload: string;
	  }
	| {
			readonly sub_type: 'url';
			readonly index: number;
			/** Replaces {{1}} at the end of the button's URL (for OTP buttons: the code). */
			readonly text: string;
	  }
	| { readonly sub_type: 'copy_code'; readonly index: number; readonly coupon_code: string }
	| {
			readonly sub_type: 'flow';
			readonly index: number;
			/** @default "unused" (Meta's default) */
			readonly flow_token?: string;
			readonly flow_action_data?: Readonly<Record<string, unknown>>;
	  };

export interface TemplateMessageInput extends SendOptions {
	readonly name: string;
	/** The template's language code, e.g. "en_US". */
	readonly language: string;
	readonly header?: TemplateHeaderInput;
	/**
	 * Positional templates: values in placeholder order ({{1}}, {{2}}...), or an object keyed "1",
	 * "2"... Named templates: an object keyed by variable name.
	 */
	readonly body?: readonly TemplateBodyValue[] | Readonly<Record<string, TemplateBodyValue>>;
	readonly buttons?: readonly TemplateButtonInput[];
}

// ---------------------------------------------------------------------------------------------
// Checks shared by every builder

function tooLong(field: string, what: string, actual: number, max: number, fix: string): WireError {
	return new WireError(
		field,
		`${what} is ${formatCount(actual)} characters; WhatsApp allows at most ${formatCount(max)}. ${fix}`,
	);
}

/** A text value: numbers are accepted (form fields often hold them) and become strings. */
function asText(field: string, what: string, value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value === 'string') return value;
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	throw new WireError(field, `${what} must be text; got ${describe(value)}.`);
}

function requiredText(
	field: string,
	what: string,
	value: unknown,
	max?: number,
	fix = 'Shorten the text.',
): string {
	const text = asText(field, what, value);
	if (text === undefined || text.trim() === '') {
		throw new WireError(field, `${what} is empty; WhatsApp needs a value here.`);
	}
	if (max !== undefined && charCount(text) > max) {
		throw tooLong(field, what, charCount(text), max, fix);
	}
	return text;
}

/** Undefined for a missing or "" value; otherwise the checked text. */
function optionalText(
	field: string,
	what: string,
	value: unknown,
	max?: number,
	fix?: string,
): string | undefined {
	const text = asText(field, what, value);
	if (text === undefined || text === '') return undefined;
	return requiredText(field, what, text, max, fix);
}

function describe(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'a list';
	return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function buildEnvelope(options: SendOptions): OutboundEnvelope {
	const to = requiredText('to', 'Recipient (to)', options.to);
	const recipientType = options.recipient_type ?? 'individual';
	if (recipientType !== 'individual' && recipientType !== 'group') {
		throw new WireError(
			'recipient_type',
			`Recipient type "${String(recipientType)}" is not valid; use "individual" or "group".`,
		);
	}
	const envelope: OutboundEnvelope = {
		messaging_product: 'whatsapp',
		recipient_type: recipientType,
		...(recipientType === 'individual' && looksLikeBsuid(to) ? { recipient: to.trim() } : { to }),
	};
	const quoted = optionalText(
		'context.message_id',
		'Quoted message id',
		options.context?.message_id,
	);
	if (quoted !== undefined) envelope.context = { message_id: quoted };
	const callback = optionalText(
		'biz_opaque_callback_data',
		'Callback data (biz_opaque_callback_data)',
		options.biz_opaque_callback_data,
		WHATSAPP_LIMITS.bizOpaqueCallbackData,
		`Of WhatsApp's ${CALLBACK_DATA_LIMIT}, ${CALLBACK_ID_RESERVED} carry the send's own id, which confirms it when Meta reports its status. Store the rest yourself and send a short key.`,
	);
	if (callback !== undefined) envelope.biz_opaque_callback_data = callback;
	return envelope;
}

function mediaRef(field: string, what: string, media: MediaInput): MediaRef {
	const link = optionalText(`${field}.link`, `${what} link`, media.link);
	const id = optionalText(`${field}.id`, `${what} media id`, media.id);
	if (link !== undefined && id !== undefined) {
		throw new WireError(field, `${what}: give either a link or a media id, not both.`);
	}
	if (id !== undefined) return { id };
	if (link === undefined) {
		throw new WireError(
			field,
			`${what} needs a link (an http(s) URL) or the id of uploaded media; neither was given.`,
		);
	}
	if (!isWebUrl(link, ['http:', 'https:'])) {
		throw new WireError(
			`${field}.link`,
			`${what} link "${link}" is not an http(s) URL. Give a full address like https://example.com/file.jpg, or an uploaded media id.`,
		);
	}
	return { link };
}

function isWebUrl(value: string, protocols: string[]): boolean {
	try {
		const url = new URL(value);
		return protocols.includes(url.protocol) && url.hostname !== '';
	} catch {
		return false;
	}
}

function coordinate(field: string, what: string, value: unknown, limit: number): number {
	const number =
		typeof value === 'number'
			? value
			: typeof value === 'string' && value.trim() !== ''
				? Number(value)
				: Number.NaN;
	if (!Number.isFinite(number) || Math.abs(number) > limit) {
		throw new WireError(
			field,
			`${what} ${JSON.stringify(value) ?? 'undefined'} is not valid; it must be a number from -${limit} to ${limit} (decimal degrees).`,
		);
	}
	return number;
}

function location(field: string, input: LocationInput): LocationObject {
	const result: LocationObject = {
		latitude: coordinate(`${field}.latitude`, 'Latitude', input.latitude, 90),
		longitude: coordinate(`${field}.longitude`, 'Longitude', input.longitude, 180),
	};
	const name = optionalText(`${field}.name`, 'Location name', input.name);
	const address = optionalText(`${field}.address`, 'Location address', input.address);
	if (name !== undefined) result.name = name;
	if (address !== undefined) result.address = address;
	return result;
}

// ---------------------------------------------------------------------------------------------
// Free-form messages (only inside the customer service window)

export function buildTextMessage(input: TextMessageInput): TextMessagePayload {
	const envelope = buildEnvelope(input);
	const body = requiredText('body', 'Body text', input.body, WHATSAPP_LIMITS.textBody);
	const text: TextMessagePayload['text'] = { body };
	if (input.preview_url !== undefined) text.preview_url = input.preview_url === true;
	return { ...envelope, type: 'text', text };
}

const MEDIA_WHAT = {
	image: 'Image',
	video: 'Video',
	audio: 'Audio',
	document: 'Document',
	sticker: 'Sticker',
} as const;

export function buildMediaMessage(input: MediaMessageInput): MediaMessagePayload {
	const envelope = buildEnvelope(input);
	const type = input.type;
	if (!Object.hasOwn(MEDIA_WHAT, type)) {
		throw new WireError(
			'type',
			`Media type "${String(type)}" is not valid; use image, video, audio, document or sticker.`,
		);
	}
	const what = MEDIA_WHAT[type];
	const media: MediaRef & { caption?: string; filename?: string; voice?: boolean } = mediaRef(
		type,
		what,
		input,
	);
	const loose = input as { caption?: unknown; filename?: unknown; voice?: unknown };
	if (type === 'image' || type === 'video' || type === 'document') {
		const caption = optionalText('caption', 'Caption', loose.caption, WHATSAPP_LIMITS.mediaCaption);
		if (caption !== undefined) media.caption = caption;
	} else if (optionalText('caption', 'Caption', loose.caption) !== undefined) {
		throw new WireError(
			'caption',
			`${what} messages cannot have a caption; send the text as a separate message.`,
		);
	}
	if (type === 'document') {
		const filename = optionalText('filename', 'Document filename', loose.filename);
		if (filename !== undefined) media.filename = filename;
	}
	if (type === 'audio' && loose.voice !== undefined) media.voice = loose.voice === true;
	return { ...envelope, type, [type]: media } as MediaMessagePayload;
}

export const buildImageMessage = (
	input: Omit<Extract<MediaMessageInput, { type: 'image' }>, 'type'>,
) => buildMediaMessage({ ...input, type: 'image' }) as ImageMessagePayload;
export const buildVideoMessage = (
	input: Omit<Extract<MediaMessageInput, { type: 'video' }>, 'type'>,
) => buildMediaMessage({ ...input, type: 'video' }) as VideoMessagePayload;
export const buildAudioMessage = (
	input: Omit<Extract<MediaMessageInput, { type: 'audio' }>, 'type'>,
) => buildMediaMessage({ ...input, type: 'audio' }) as AudioMessagePayload;
export const buildDocumentMessage = (
	input: Omit<Extract<MediaMessageInput, { type: 'document' }>, 'type'>,
) => buildMediaMessage({ ...input, type: 'document' }) as DocumentMessagePayload;
export const buildStickerMessage = (
	input: Omit<Extract<MediaMessageInput, { type: 'sticker' }>, 'type'>,
) => buildMediaMessage({ ...input, type: 'sticker' }) as StickerMessagePayload;

export function buildLocationMessage(input: LocationMessageInput): LocationMessagePayload {
	return { ...buildEnvelope(input), type: 'location', location: location('location', input) };
}

export function buildContactsMessage(input: ContactsMessageInput): ContactsMessagePayload {
	const envelope = buildEnvelope(input);
	if (!Array.isArray(input.contacts) || input.contacts.length === 0) {
		throw new WireError(
			'contacts',
			'Contacts is empty; a contacts message needs at least one card.',
		);
	}
	const contacts = input.contacts.map((card, i): ContactCardPayload => {
		const field = `contacts[${i}]`;
		if (!isRecord(card as unknown)) {
			throw new WireError(field, `Contact ${i + 1} must be an object.`);
		}
		const formatted = requiredText(
			`${field}.name.formatted_name`,
			`Contact ${i + 1} formatted name`,
			card.name?.formatted_name,
		);
		const birthday = optionalText(`${field}.birthday`, `Contact ${i + 1} birthday`, card.birthday);
		if (birthday !== undefined && !isIsoDate(birthday)) {
			throw new WireError(
				`${field}.birthday`,
				`Contact ${i + 1} birthday "${birthday}" is not a date in the form YYYY-MM-DD.`,
			);
		}
		const payload: ContactCardPayload = {
			...(structuredClone(card) as ContactCardPayload),
			name: { ...card.name, formatted_name: formatted },
		};
		if (birthday === undefined) delete payload.birthday;
		return payload;
	});
	return { ...envelope, type: 'contacts', contacts };
}

function isIsoDate(value: string): boolean {
	const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
	if (!match) return false;
	const date = new Date(Date.UTC(+match[1], +match[2] - 1, +match[3]));
	return date.getUTCMonth() === +match[2] - 1 && date.getUTCDate() === +match[3];
}

function interactiveHeader(header: InteractiveHeaderInput): InteractiveHeaderPayload {
	switch (header.type) {
		case 'text':
			return {
				type: 'text',
				text: requiredText(
					'header.text',
					'Header text',
					header.text,
					WHATSAPP_LIMITS.interactiveHeaderText,
				),
			};
		case 'image':
			return { type: 'image', image: mediaRef('header', 'Header image', header) };
		case 'video':
			return { type: 'video', video: mediaRef('header', 'Header video', header) };
		case 'document': {
			const document: MediaRef & { filename?: string } = mediaRef(
				'header',
				'Header document',
				header,
			);
			const filename = optionalText('header.filename', 'Header document filename', header.filename);
			if (filename !== undefined) document.filename = filename;
			return { type: 'document', document };
		}
		default:
			throw new WireError(
				'header.type',
				`Header type "${String((header as { type?: unknown }).type)}" is not valid; use text, image, video or document.`,
			);
	}
}

function footer(value: unknown): { text: string } | undefined {
	const text = optionalText('footer', 'Footer text', value, WHATSAPP_LIMITS.interactiveFooter);
	return text === undefined ? undefined : { text };
}

/** Meta identifies the tapped button or row by id, so two alike would be indistinguishable. */
function assertUnique(field: string, what: string, values: string[]): void {
	const seen = new Set<string>();
	for (const value of values) {
		if (seen.has(value)) {
			throw new WireError(field, `${what} "${value}" is used twice; each must be unique.`);
		}
		seen.add(value);
	}
}

export function buildReplyButtonsMessage(
	input: ReplyButtonsMessageInput,
): InteractiveMessagePayload {
	const envelope = buildEnvelope(input);
	const body = requiredText('body', 'Body text', input.body, WHATSAPP_LIMITS.interactiveBody);
	const buttons = Array.isArray(input.buttons) ? input.buttons : [];
	if (buttons.length === 0 || buttons.length > WHATSAPP_LIMITS.replyButtons) {
		throw new WireError(
			'buttons',
			`Reply buttons: ${buttons.length} given; WhatsApp allows 1 to ${WHATSAPP_LIMITS.replyButtons}. Use a list message for more choices.`,
		);
	}
	const replies = buttons.map((button, i) => ({
		type: 'reply' as const,
		reply: {
			id: requiredText(
				`buttons[${i}].id`,
				`Button ${i + 1} id`,
				button?.id,
				WHATSAPP_LIMITS.replyButtonId,
				'Use a shorter id.',
			),
			title: requiredText(
				`buttons[${i}].title`,
				`Button ${i + 1} title`,
				button?.title,
				WHATSAPP_LIMITS.replyButtonTitle,
			),
		},
	}));
	assertUnique(
		'buttons',
		'Button id',
		replies.map((b) => b.reply.id),
	);
	assertUnique(
		'buttons',
		'Button title',
		replies.map((b) => b.reply.title),
	);
	const interactive: Extract<InteractiveMessagePayload['interactive'], { type: 'button' }> = {
		type: 'button',
		body: { text: body },
		action: { buttons: replies },
	};
	if (input.header !== undefined) interactive.header = interactiveHeader(input.header);
	const foot = footer(input.footer);
	if (foot) interactive.footer = foot;
	return { ...envelope, type: 'interactive', interactive };
}

export function buildListMessage(input: ListMessageInput): InteractiveMessagePayload {
	const envelope = buildEnvelope(input);
	const body = requiredText('body', 'Body text', input.body, WHATSAPP_LIMITS.listBody);
	const button = requiredText(
		'button',
		'List button label',
		input.button,
		WHATSAPP_LIMITS.listButton,
	);
	const sections = Array.isArray(input.sections) ? input.sections : [];
	if (sections.length === 0 || sections.length > WHATSAPP_LIMITS.listSections) {
		throw new WireError(
			'sections',
			`List sections: ${sections.length} given; WhatsApp allows 1 to ${WHATSAPP_LIMITS.listSections}.`,
		);
	}
	const rowCount = sections.reduce((n, s) => n + (Array.isArray(s?.rows) ? s.rows.length : 0), 0);
	if (rowCount > WHATSAPP_LIMITS.listRows) {
		throw new WireError(
			'sections',
			`List rows: ${rowCount} given across all sections; WhatsApp allows at most ${WHATSAPP_LIMITS.listRows} in total. Remove rows or split the list into two messages.`,
		);
	}
	const built = sections.map((section, s) => {
		const field = `sections[${s}]`;
		const rows: ListMessageInput['sections'][number]['rows'] = Array.isArray(section?.rows)
			? section.rows
			: [];
		if (rows.length === 0) {
			throw new WireError(
				`${field}.rows`,
				`List section ${s + 1} has no rows; give it at least one.`,
			);
		}
		const title = optionalText(
			`${field}.title`,
			`Section ${s + 1} title`,
			section.title,
			WHATSAPP_LIMITS.listSectionTitle,
		);
		if (title === undefined && sections.length > 1) {
			throw new WireError(
				`${field}.title`,
				`Section ${s + 1} has no title; a list with several sections needs a title on each.`,
			);
		}
		return {
			...(title !== undefined ? { title } : {}),
			rows: rows.map((row, r) => {
				const at = `${field}.rows[${r}]`;
				const what = `Section ${s + 1} row ${r + 1}`;
				const description = optionalText(
					`${at}.description`,
					`${what} description`,
					row?.description,
					WHATSAPP_LIMITS.listRowDescription,
				);
				return {
					id: requiredText(
						`${at}.id`,
						`${what} id`,
						row?.id,
						WHATSAPP_LIMITS.listRowId,
						'Use a shorter id.',
					),
					title: requiredText(
						`${at}.title`,
						`${what} title`,
						row?.title,
						WHATSAPP_LIMITS.listRowTitle,
					),
					...(description !== undefined ? { description } : {}),
				};
			}),
		};
	});
	assertUnique(
		'sections',
		'Row id',
		built.flatMap((s) => s.rows.map((r) => r.id)),
	);
	const interactive: Extract<InteractiveMessagePayload['interactive'], { type: 'list' }> = {
		type: 'list',
		body: { text: body },
		action: { button, sections: built },
	};
	const headerText = optionalText(
		'header',
		'Header text',
		input.header,
		WHATSAPP_LIMITS.interactiveHeaderText,
	);
	if (headerText !== undefined) interactive.header = { type: 'text', text: headerText };
	const foot = footer(input.footer);
	if (foot) interactive.footer = foot;
	return { ...envelope, type: 'interactive', interactive };
}

export function buildCtaUrlMessage(input: CtaUrlMessageInput): InteractiveMessagePayload {
	const envelope = buildEnvelope(input);
	const body = requiredText('body', 'Body text', input.body, WHATSAPP_LIMITS.interactiveBody);
	const displayText = requiredText(
		'display_text',
		'Button text',
		input.display_text,
		WHATSAPP_LIMITS.ctaDisplayText,
	);
	const url = requiredText('url', 'Button URL', input.url);
	if (!isWebUrl(url, ['https:'])) {
		throw new WireError(
			'url',
			`Button URL "${url}" is not an https address; give a full URL like https://example.com/offer.`,
		);
	}
	const interactive: Extract<InteractiveMessagePayload['interactive'], { type: 'cta_url' }> = {
		type: 'cta_url',
		body: { text: body },
		action: { name: 'cta_url', parameters: { display_text: displayText, url } },
	};
	if (input.header !== undefined) interactive.header = interactiveHeader(input.header);
	const foot = footer(input.footer);
	if (foot) interactive.footer = foot;
	return { ...envelope, type: 'interactive', interactive };
}

const EMOJI_MARK = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u;

export function buildReactionMessage(input: ReactionMessageInput): ReactionMessagePayload {
	const envelope = buildEnvelope(input);
	const messageId = requiredText('message_id', 'Message id to react to', input.message_id);
	const emoji = asText('emoji', 'Emoji', input.emoji) ?? '';
	if (emoji !== '') {
		const graphemes = [...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(emoji)];
		if (graphemes.length !== 1 || !EMOJI_MARK.test(emoji)) {
			throw new WireError(
				'emoji',
				`Reaction "${emoji}" is not a single emoji; give one emoji, or leave it empty to remove the reaction.`,
			);
		}
	}
	return { ...envelope, type: 'reaction', reaction: { message_id: messageId, emoji } };
}

/** Marks the message, and every earlier one in the chat, as read (blue ticks). */
export function buildMarkAsRead(input: { readonly message_id: string }): MarkAsReadPayload {
	return {
		messaging_product: 'whatsapp',
		status: 'read',
		message_id: requiredText('message_id', 'Message id to mark as read', input.message_id),
	};
}

/**
 * Marks the message as read and shows "typing..." for up to 25 s or until we reply. Only send it
 * when a reply follows.
 */
export function buildTypingIndicator(input: { readonly message_id: string }): MarkAsReadPayload {
	return { ...buildMarkAsRead(input), typing_indicator: { type: 'text' } };
}

// ---------------------------------------------------------------------------------------------
// Template messages

interface Supplied {
	key: string;
	label: string;
}
interface BuiltHeader extends Supplied {
	parameter: TemplateHeaderParameter;
}
interface BuiltBodyParameter extends Supplied {
	parameter: TemplateBodyParameter;
}
interface BuiltButton extends Supplied {
	index: number;
	component: TemplateButtonComponent;
}

/**
 * A template message. With the template's definition (from the template list), the values are
 * also checked against it: every variable filled, nothing extra, the header of the right kind,
 * parameters only for buttons that take them. Without it, only Meta's limits are checked.
 */
export function buildTemplateMessage(
	input: TemplateMessageInput,
	definition?: TemplateDefinition,
): TemplateMessagePayload {
	const envelope = buildEnvelope(input);
	const name = templateName(input.name);
	const language = requiredText('language', 'Template language', input.language);
	if (definition) checkIdentity(definition, name, language);

	const header = input.header === undefined ? undefined : templateHeader(input.header, definition);
	const body = templateBody(input.body);
	const buttons = templateButtons(input.buttons);

	if (definition) checkAgainstDefinition(definition, name, language, header, body, buttons);

	const bodyOnly = definition
		? (definition.components ?? []).every((c) => c.type === 'BODY')
		: header === undefined && buttons.length === 0;
	const bodyLimit = bodyOnly
		? WHATSAPP_LIMITS.templateBodyOnlyParameter
		: WHATSAPP_LIMITS.templateBodyParameter;
	for (const item of body) {
		if (item.parameter.type !== 'text') continue;
		const length = charCount(item.parameter.text);
		if (length > bodyLimit) {
			throw tooLong(
				item.key,
				capitalise(item.label),
				length,
				bodyLimit,
				bodyOnly
					? 'Shorten the value.'
					: 'Shorten the value (templates with a header, footer or buttons allow less per variable).',
			);
		}
	}

	const components: TemplateComponentPayload[] = [];
	if (header) components.push({ type: 'header', parameters: [header.parameter] });
	if (body.length > 0) components.push({ type: 'body', parameters: body.map((b) => b.parameter) });
	for (const button of buttons) components.push(button.component);
	return {
		...envelope,
		type: 'template',
		template: {
			name,
			language: { code: language },
			...(components.length > 0 ? { components } : {}),
		},
	};
}

function capitalise(text: string): string {
	return text.charAt(0).toUpperCase() + text.slice(1);
}

function templateName(value: unknown): string {
	const name = requiredText('name', 'Template name', value, WHATSAPP_LIMITS.templateName);
	if (!/^[a-z0-9_]+$/.test(name)) {
		throw new WireError(
			'name',
			`Template name "${name}" is not valid; WhatsApp template names use only lowercase letters, digits and underscores (e.g. order_update). Pick the template from the list.`,
		);
	}
	return name;
}

function checkIdentity(definition: TemplateDefinition, name: string, language: string): void {
	if (definition.name !== name || definition.language !== language) {
		throw new WireError(
			'template',
			`The template definition given is "${definition.name}" (${definition.language}) but the message sends "${name}" (${language}). Load the definition of the template you send.`,
		);
	}
}

/** Meta rejects these in text variables ("Param text cannot have new-line/tab characters..."). */
function templateText(key: string, what: string, value: unknown, max?: number): string {
	const text = requiredText(key, capitalise(what), value);
	if (/[\n\r\t]/.test(text)) {
		throw new WireError(
			key,
			`${capitalise(what)} contains a line break or tab; WhatsApp does not allow them in template variables. Replace them with spaces, or put the line breaks in the template itself.`,
		);
	}
	if (/ {5,}/.test(text)) {
		throw new WireError(
			key,
			`${capitalise(what)} contains more than 4 spaces in a row; WhatsApp rejects that in template variables. Collapse the spaces.`,
		);
	}
	if (max !== undefined && charCount(text) > max) {
		throw tooLong(key, capitalise(what), charCount(text), max, 'Shorten the value.');
	}
	return text;
}

function templateHeader(
	header: TemplateHeaderInput,
	definition: TemplateDefinition | undefined,
): BuiltHeader {
	if (!isRecord(header as unknown)) {
		throw new WireError('header', 'Header must be an object with a type.');
	}
	switch (header.type) {
		case 'text': {
			const definitionHeader = definition ? headerOf(definition) : undefined;
			const definitionName =
				definition && parameterFormatOf(definition) === 'NAMED'
					? placeholdersOf(definitionHeader?.text)[0]
					: undefined;
			const parameterName =
				optionalText('header.parameter_name', 'Header variable name', header.parameter_name) ??
				definitionName;
			const placeholder = parameterName ?? '1';
			const key = `header.text.${placeholder}`;
			const label = `header {{${placeholder}}}`;
			const text = templateText(key, label, header.text, WHATSAPP_LIMITS.templateHeaderParameter);
			return {
				key,
				label,
				parameter: {
					type: 'text',
					text,
					...(parameterName !== undefined ? { parameter_name: parameterName } : {}),
				},
			};
		}
		case 'image':
		case 'video':
			return {
				key: `header.${header.type}`,
				label: `header ${header.type}`,
				parameter:
					header.type === 'image'
						? { type: 'image', image: mediaRef('header', 'Header image', header) }
						: { type: 'video', video: mediaRef('header', 'Header video', header) },
			};
		case 'document': {
			const document: MediaRef & { filename?: string } = mediaRef(
				'header',
				'Header document',
				header,
			);
			const filename = optionalText('header.filename', 'Header document filename', header.filename);
			if (filename !== undefined) document.filename = filename;
			return {
				key: 'header.document',
				label: 'header document',
				parameter: { type: 'document', document },
			};
		}
		case 'location':
			return {
				key: 'header.location',
				label: 'header location',
				parameter: { type: 'location', location: location('header', header) },
			};
		default:
			throw new WireError(
				'header.type',
				`Header type "${String((header as { type?: unknown }).type)}" is not valid; use text, image, video, document or location.`,
			);
	}
}

function templateBody(body: TemplateMessageInput['body']): BuiltBodyParameter[] {
	if (body === undefined || body === null) return [];
	if (Array.isArray(body)) {
		return body.map((value, i) => bodyParameter(String(i + 1), value, false));
	}
	if (!isRecord(body)) {
		throw new WireError('body', 'Body values must be a list (positional) or an object (named).');
	}
	const keys = Object.keys(body);
	const numeric = keys.filter((k) => /^\d+$/.test(k));
	if (numeric.length === keys.length) {
		const ordered = numeric.map(Number).sort((a, b) => a - b);
		ordered.forEach((n, i) => {
			if (n !== i + 1) {
				throw new WireError(
					`body.${i + 1}`,
					`Body variables are numbered from {{1}} without gaps; {{${i + 1}}} has no value (got ${ordered.map((k) => `{{${k}}}`).join(', ')}).`,
				);
			}
		});
		return ordered.map((n) => bodyParameter(String(n), body[String(n)], false));
	}
	if (numeric.length > 0) {
		throw new WireError(
			'body',
			`Body mixes numbered (${numeric.join(', ')}) and named variables; a template uses one kind only.`,
		);
	}
	return keys.map((name) => bodyParameter(name, body[name], true));
}

function bodyParameter(placeholder: string, value: unknown, named: boolean): BuiltBodyParameter {
	const key = `body.${placeholder}`;
	const label = `body {{${placeholder}}}`;
	const withName = <T extends TemplateBodyParameter>(parameter: T): T =>
		named ? { ...parameter, parameter_name: placeholder } : parameter;
	if (isRecord(value) && value.type === 'currency') {
		return { key, label, parameter: withName(currencyParameter(key, label, value)) };
	}
	if (isRecord(value) && value.type === 'date_time') {
		const fallback = requiredText(
			`${key}.fallback_value`,
			`${capitalise(label)} date text (fallback_value)`,
			value.fallback_value,
		);
		return {
			key,
			label,
			parameter: withName({ type: 'date_time', date_time: { fallback_value: fallback } }),
		};
	}
	if (isRecord(value)) {
		throw new WireError(
			key,
			`${capitalise(label)} is an object of type ${JSON.stringify(value.type) ?? 'undefined'}; give text, or a { type: "currency" } or { type: "date_time" } value.`,
		);
	}
	// The length limit depends on the template's other components; checked once they are known.
	return {
		key,
		label,
		parameter: withName({ type: 'text', text: templateText(key, label, value) }),
	};
}

function currencyParameter(
	key: string,
	label: string,
	value: Record<string, unknown>,
): TemplateCurrencyParameter {
	const what = capitalise(label);
	const code = requiredText(`${key}.code`, `${what} currency code`, value.code).toUpperCase();
	if (!/^[A-Z]{3}$/.test(code)) {
		throw new WireError(
			`${key}.code`,
			`${what} currency code "${code}" is not an ISO 4217 code; use three letters like EUR or USD.`,
		);
	}
	const amount =
		typeof value.amount === 'number'
			? value.amount
			: typeof value.amount === 'string' && value.amount.trim() !== ''
				? Number(value.amount)
				: Number.NaN;
	const amount1000 = Math.round(amount * 1000);
	if (!Number.isFinite(amount) || !Number.isSafeInteger(amount1000)) {
		throw new WireError(
			`${key}.amount`,
			`${what} amount ${JSON.stringify(value.amount) ?? 'undefined'} is not a number; give the amount in the currency's unit, e.g. 12.5.`,
		);
	}
	const fallback = requiredText(
		`${key}.fallback_value`,
		`${what} display text (fallback_value)`,
		value.fallback_value,
	);
	return {
		type: 'currency',
		currency: { fallback_value: fallback, code, amount_1000: amount1000 },
	};
}

const BUTTON_KEY = {
	quick_reply: 'payload',
	url: 'url',
	copy_code: 'coupon_code',
	flow: 'flow_token',
} as const;

function templateButtons(buttons: TemplateMessageInput['buttons']): BuiltButton[] {
	if (buttons === undefined || buttons === null) return [];
	if (!Array.isArray(buttons)) throw new WireError('buttons', 'Buttons must be a list.');
	const built = buttons.map((button, i) => templateButton(button, i));
	const seen = new Set<number>();
	for (const button of built) {
		if (seen.has(button.index)) {
			throw new WireError(
				'buttons',
				`Two values are given for the button at index ${button.index}; give each button once.`,
			);
		}
		seen.add(button.index);
	}
	return built.sort((a, b) => a.index - b.index);
}

function templateButton(button: TemplateButtonInput, position: number): BuiltButton {
	const field = `buttons[${position}]`;
	if (!isRecord(button)) throw new WireError(field, `Button ${position + 1} must be an object.`);
	const index = button.index;
	if (
		typeof index !== 'number' ||
		!Number.isInteger(index) ||
		index < 0 ||
		index >= WHATSAPP_LIMITS.templateButtons
	) {
		throw new WireError(
			`${field}.index`,
			`Button index ${JSON.stringify(index) ?? 'undefined'} is not valid; it is the button's position in the template, from 0 to ${WHATSAPP_LIMITS.templateButtons - 1}.`,
		);
	}
	const subType = button.sub_type;
	if (!Object.hasOwn(BUTTON_KEY, subType)) {
		throw new WireError(
			`${field}.sub_type`,
			`Button type "${String(subType)}" is not valid; use quick_reply, url, copy_code or flow.`,
		);
	}
	const key = `button.${index}.${BUTTON_KEY[subType]}`;
	const at = String(index);
	switch (button.sub_type) {
		case 'quick_reply':
			return {
				key,
				index,
				label: `button ${index} payload`,
				component: {
					type: 'button',
					sub_type: 'quick_reply',
					index: at,
					parameters: [
						{
							type: 'payload',
							payload: requiredText(key, `Button ${index} payload`, button.payload),
						},
					],
				},
			};
		case 'url':
			return {
				key,
				index,
				label: `button ${index} URL suffix`,
				component: {
					type: 'button',
					sub_type: 'url',
					index: at,
					parameters: [
						{ type: 'text', text: requiredText(key, `Button ${index} URL suffix`, button.text) },
					],
				},
			};
		case 'copy_code':
			return {
				key,
				index,
				label: `button ${index} coupon code`,
				component: {
					type: 'button',
					sub_type: 'copy_code',
					index: at,
					parameters: [
						{
							type: 'coupon_code',
							coupon_code: requiredText(
								key,
								'Coupon code',
								button.coupon_code,
								WHATSAPP_LIMITS.couponCode,
								'Use a shorter code.',
							),
						},
					],
				},
			};
		case 'flow': {
			const action: { flow_token?: string; flow_action_data?: Record<string, unknown> } = {};
			const token = optionalText(key, 'Flow token', button.flow_token);
			if (token !== undefined) action.flow_token = token;
			if (button.flow_action_data !== undefined) {
				if (!isRecord(button.flow_action_data)) {
					throw new WireError(
						`${field}.flow_action_data`,
						'Flow action data must be an object (the data for the first screen).',
					);
				}
				action.flow_action_data = structuredClone(button.flow_action_data);
			}
			return {
				key,
				index,
				label: `button ${index} flow token`,
				component: {
					type: 'button',
					sub_type: 'flow',
					index: at,
					parameters: [{ type: 'action', action }],
				},
			};
		}
	}
}

function checkAgainstDefinition(
	definition: TemplateDefinition,
	name: string,
	language: string,
	header: BuiltHeader | undefined,
	body: BuiltBodyParameter[],
	buttons: BuiltButton[],
): void {
	const title = `Template "${name}" (${language})`;
	if (definition.components === undefined) {
		throw new WireError(
			'template',
			`${title}: the definition has no components (it was fetched without the "components" field), so the values cannot be checked. Fetch the full definition.`,
		);
	}
	const unsupported = unsupportedTemplateParts(definition);
	if (unsupported.length > 0) {
		throw new WireError(
			'template',
			`${title} has parts this node cannot fill: ${unsupported.join(', ')}. Send it with components JSON (expert mode) instead.`,
		);
	}

	const variables = templateVariables(definition);
	const byKeyMap = new Map<string, TemplateVariable>(variables.map((v) => [v.key, v]));
	const supplied: Supplied[] = [...(header ? [header] : []), ...body, ...buttons];
	const suppliedKeys = new Set(supplied.map((s) => s.key));
	const missing = variables.filter((v) => v.required && !suppliedKeys.has(v.key));
	const extra = supplied.filter((s) => !byKeyMap.has(s.key));
	if (missing.length > 0 || extra.length > 0) {
		const parts = [`${title} does not match the values given.`];
		if (missing.length > 0) {
			parts.push(`Missing: ${missing.map((v) => `${v.label} (${v.key})`).join(', ')}.`);
		}
		if (extra.length > 0) {
			parts.push(`Not in the template: ${extra.map((s) => `${s.label} (${s.key})`).join(', ')}.`);
		}
		parts.push(...formatHints(definition, body));
		parts.push('Give a value for every variable of the template and nothing else.');
		throw new WireError('template', parts.join(' '));
	}

	// Authentication codes and dynamic URLs have limits of their own.
	const definedButtons = buttonsOf(definition);
	for (const button of buttons) {
		if (button.component.sub_type !== 'url') continue;
		const suffix = button.component.parameters[0].text;
		const defined = definedButtons[button.index];
		const isOtp = defined?.type === 'OTP' || definition.category === 'AUTHENTICATION';
		if (isOtp && charCount(suffix) > WHATSAPP_LIMITS.oneTimePassword) {
			throw tooLong(
				button.key,
				'One-time password',
				charCount(suffix),
				WHATSAPP_LIMITS.oneTimePassword,
				'Use a shorter code.',
			);
		}
		if (defined?.type === 'URL' && 'url' in defined && typeof defined.url === 'string') {
			const full = defined.url.replace(/\{\{\s*1\s*\}\}/, suffix);
			if (charCount(full) > WHATSAPP_LIMITS.templateButtonUrl) {
				throw tooLong(
					button.key,
					`Button ${button.index} URL with its suffix`,
					charCount(full),
					WHATSAPP_LIMITS.templateButtonUrl,
					'Shorten the suffix.',
				);
			}
		}
	}
}

function formatHints(definition: TemplateDefinition, body: BuiltBodyParameter[]): string[] {
	if (body.length === 0) return [];
	const named = parameterFormatOf(definition) === 'NAMED';
	const givenNamed = body.some((b) => b.parameter.parameter_name !== undefined);
	if (named && !givenNamed) {
		return ['This template uses named variables: give the body as an object keyed by name.'];
	}
	if (!named && givenNamed) {
		return [
			'This template uses numbered variables ({{1}}, {{2}}...): give the body values as a list in that order.',
		];
	}
	return [];
}

/**
 * Turns values keyed like templateVariables() (the shape a resource mapper produces) into the
 * header, body and buttons of a TemplateMessageInput. Empty values are left out, so a missing
 * required one is reported by buildTemplateMessage; keys the template does not have throw.
 *
 * Media variables take a URL (sent as link) or an uploaded media id, or { link | id, filename };
 * header.location takes { latitude, longitude, name?, address? }; body variables take text,
 * numbers, or { type: 'currency' | 'date_time', ... }.
 */
export function templateInputFromValues(
	definition: TemplateDefinition,
	values: Readonly<Record<string, unknown>>,
): Pick<TemplateMessageInput, 'header' | 'body' | 'buttons'> {
	const variables = templateVariables(definition);
	const known = new Set(variables.map((v) => v.key));
	const unknown = Object.keys(values).filter((k) => !known.has(k) && !isEmpty(values[k]));
	if (unknown.length > 0) {
		throw new WireError(
			'template',
			`Template "${definition.name}" has no variable ${unknown.join(', ')}. Its variables are: ${[...known].join(', ') || 'none'}.`,
		);
	}
	const named = parameterFormatOf(definition) === 'NAMED';
	let header: TemplateHeaderInput | undefined;
	const body: Record<string, TemplateBodyValue> = {};
	const buttons: TemplateButtonInput[] = [];
	for (const variable of variables) {
		const value = values[variable.key];
		if (isEmpty(value)) continue;
		if (variable.component === 'header') header = headerFromValue(variable, value, named);
		else if (variable.component === 'body') {
			body[variable.placeholder ?? ''] = value as TemplateBodyValue;
		} else {
			buttons.push(buttonFromValue(variable, value));
		}
	}
	return {
		...(header !== undefined ? { header } : {}),
		...(Object.keys(body).length > 0 ? { body } : {}),
		...(buttons.length > 0 ? { buttons } : {}),
	};
}

function isEmpty(value: unknown): boolean {
	return value === undefined || value === null || value === '';
}

function headerFromValue(
	variable: TemplateVariable,
	value: unknown,
	named: boolean,
): TemplateHeaderInput {
	if (variable.kind === 'text') {
		return {
			type: 'text',
			text: value as string,
			...(named && variable.placeholder ? { parameter_name: variable.placeholder } : {}),
		};
	}
	if (variable.kind === 'location') {
		if (!isRecord(value)) {
			throw new WireError(
				variable.key,
				'Header location must be an object with latitude and longitude (and optionally name and address).',
			);
		}
		const { latitude, longitude, name, address } = value;
		return { type: 'location', latitude, longitude, name, address } as TemplateHeaderInput;
	}
	const type = variable.key.slice('header.'.length) as 'image' | 'video' | 'document';
	if (isRecord(value)) return { ...(value as MediaInput), type } as TemplateHeaderInput;
	const text = String(value);
	return /^[a-z][a-z0-9+.-]*:/i.test(text) ? { type, link: text } : { type, id: text };
}

function buttonFromValue(variable: TemplateVariable, value: unknown): TemplateButtonInput {
	const index = variable.buttonIndex ?? 0;
	switch (variable.kind) {
		case 'payload':
			return { sub_type: 'quick_reply', index, payload: value as string };
		case 'coupon_code':
			return { sub_type: 'copy_code', index, coupon_code: value as string };
		case 'flow_token':
			return { sub_type: 'flow', index, flow_token: value as string };
		default:
			return { sub_type: 'url', index, text: value as string };
	}
}

// ---------------------------------------------------------------------------------------------
// Expert mode: components as JSON

const SendMediaRefSchema = { link: z.string().optional(), id: z.string().optional() };
const parameterName = { parameter_name: z.string().optional() };
const SendParameterSchema = byKey(
	'type',
	{
		text: obj({ type: z.literal('text'), text: z.string(), ...parameterName }),
		currency: obj({
			type: z.literal('currency'),
			currency: obj({
				fallback_value: z.string(),
				code: z.string(),
				amount_1000: z.number().int(),
			}),
			...parameterName,
		}),
		date_time: obj({
			type: z.literal('date_time'),
			date_time: obj({ fallback_value: z.string() }),
			...parameterName,
		}),
		image: obj({ type: z.literal('image'), image: obj(SendMediaRefSchema) }),
		video: obj({ type: z.literal('video'), video: obj(SendMediaRefSchema) }),
		document: obj({
			type: z.literal('document'),
			document: obj({ ...SendMediaRefSchema, filename: z.string().optional() }),
		}),
		location: obj({
			type: z.literal('location'),
			location: obj({
				latitude: z.union([z.number(), z.string()]),
				longitude: z.union([z.number(), z.string()]),
				name: z.string().optional(),
				address: z.string().optional(),
			}),
		}),
		payload: obj({ type: z.literal('payload'), payload: z.string() }),
		coupon_code: obj({ type: z.literal('coupon_code'), coupon_code: z.string() }),
		action: obj({
			type: z.literal('action'),
			action: obj({
				flow_token: z.string().optional(),
				flow_action_data: z.record(z.unknown()).optional(),
			}),
		}),
	},
	obj({ type: z.string() }),
);
type SendParameter = z.infer<typeof SendParameterSchema>;

const SendComponentSchema = byKey(
	'type',
	{
		header: obj({ type: z.literal('header'), parameters: z.array(SendParameterSchema).length(1) }),
		body: obj({ type: z.literal('body'), parameters: z.array(SendParameterSchema).min(1) }),
		button: obj({
			type: z.literal('button'),
			sub_type: z.string(),
			index: z.union([
				z.number().int().min(0),
				z.string().regex(/^\d+$/, 'Expected a button position like "0"'),
			]),
			parameters: z.array(SendParameterSchema),
		}),
	},
	obj({ type: z.string() }),
);
/** The `template.components` array of a send payload, as Meta documents it. */
export const TemplateComponentsJsonSchema = z.array(SendComponentSchema);

/**
 * Expert mode: the template's components written by hand (a JSON string or the parsed array).
 * The shape is checked, and the limits on the parameters this version knows; component types it
 * does not know (carousel, limited_time_offer...) go through unchanged.
 */
export function buildTemplateFromComponents(
	to: string,
	name: string,
	language: string,
	componentsJson: unknown,
	options: Omit<SendOptions, 'to'> = {},
): TemplateMessagePayload {
	const envelope = buildEnvelope({ ...options, to });
	const templateNameValue = templateName(name);
	const code = requiredText('language', 'Template language', language);
	let raw = componentsJson;
	if (typeof raw === 'string') {
		if (raw.trim() === '') raw = [];
		else {
			try {
				raw = JSON.parse(raw);
			} catch (error) {
				throw new WireError(
					'components',
					`Components JSON is not valid JSON (${error instanceof Error ? error.message : String(error)}). Paste the "components" array of the template payload.`,
				);
			}
		}
	}
	if (!Array.isArray(raw)) {
		throw new WireError(
			'components',
			`Components JSON must be an array of components like [{"type": "body", "parameters": [...]}]; got ${describe(raw)}.`,
		);
	}
	const parsed = TemplateComponentsJsonSchema.safeParse(raw);
	if (!parsed.success) {
		const issues = summariseIssues(parsed.error.issues, 'components');
		throw new WireError(
			'components',
			`Components JSON does not match WhatsApp's template format: ${issues.join('; ')}.`,
		);
	}
	const components = parsed.data as (TemplateComponentPayload | OtherTemplateComponent)[];
	const bodyOnly = components.every((c) => c.type === 'body');
	const buttonIndexes = new Set<string>();
	components.forEach((component, c) => {
		const at = `components[${c}]`;
		if (component.type === 'button') {
			const index = String(component.index);
			if (buttonIndexes.has(index)) {
				throw new WireError(
					`${at}.index`,
					`Two components are given for the button at index ${index}; give each button once.`,
				);
			}
			buttonIndexes.add(index);
		}
		const parameters = (component as { parameters?: SendParameter[] }).parameters ?? [];
		parameters.forEach((parameter, p) => {
			checkSendParameter(`${at}.parameters[${p}]`, component.type, parameter, bodyOnly);
		});
	});
	return {
		...envelope,
		type: 'template',
		template: {
			name: templateNameValue,
			language: { code },
			...(components.length > 0 ? { components } : {}),
		},
	};
}

function checkSendParameter(
	field: string,
	componentType: string,
	parameter: SendParameter,
	bodyOnly: boolean,
): void {
	const p = parameter as Record<string, unknown> & { type: string };
	switch (p.type) {
		case 'text': {
			const max =
				componentType === 'header'
					? WHATSAPP_LIMITS.templateHeaderParameter
					: componentType === 'body'
						? bodyOnly
							? WHATSAPP_LIMITS.templateBodyOnlyParameter
							: WHATSAPP_LIMITS.templateBodyParameter
						: undefined;
			if (componentType === 'button') requiredText(`${field}.text`, 'Button text', p.text);
			else templateText(`${field}.text`, `${componentType} text value`, p.text, max);
			return;
		}
		case 'currency': {
			const currency = p.currency as { code: string; fallback_value: string };
			if (!/^[A-Z]{3}$/.test(currency.code)) {
				throw new WireError(
					`${field}.currency.code`,
					`Currency code "${currency.code}" is not an ISO 4217 code; use three capital letters like EUR.`,
				);
			}
			requiredText(
				`${field}.currency.fallback_value`,
				'Currency fallback_value',
				currency.fallback_value,
			);
			return;
		}
		case 'date_time':
			requiredText(
				`${field}.date_time.fallback_value`,
				'Date fallback_value',
				(p.date_time as { fallback_value: string }).fallback_value,
			);
			return;
		case 'image':
		case 'video':
		case 'document':
			mediaRef(`${field}.${p.type}`, capitalise(p.type), p[p.type] as MediaInput);
			return;
		case 'location':
			location(`${field}.location`, p.location as LocationInput);
			return;
		case 'payload':
			requiredText(`${field}.payload`, 'Button payload', p.payload);
			return;
		case 'coupon_code':
			requiredText(
				`${field}.coupon_code`,
				'Coupon code',
				p.coupon_code,
				WHATSAPP_LIMITS.couponCode,
				'Use a shorter code.',
			);
			return;
		default:
			return;
	}
}
