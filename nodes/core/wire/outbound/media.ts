/**
 * Media messages (image, video, audio, document, sticker), and the media reference (a link or an
 * uploaded media id) that interactive headers and template headers use too.
 */
import { WireError } from '../wireError';
import { isWebUrl, optionalText } from './checks';
import { buildEnvelope, type OutboundEnvelope, type SendOptions } from './envelope';

/** Meta's limit on a media message, in characters. */
export const MEDIA_LIMITS = {
	mediaCaption: 1024,
} as const;

export interface MediaRef {
	id?: string;
	link?: string;
}

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

export interface MediaInput {
	/** An http(s) URL Meta fetches (cached 10 minutes), or */
	readonly link?: string;
	/** the id of uploaded media (recommended by Meta). Exactly one of link and id. */
	readonly id?: string;
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

export function mediaRef(field: string, what: string, media: MediaInput): MediaRef {
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

/** A document in a header (interactive or template): its media reference and filename. */
export function headerDocument(
	header: MediaInput & { readonly filename?: string },
): MediaRef & { filename?: string } {
	const document: MediaRef & { filename?: string } = mediaRef('header', 'Header document', header);
	const filename = optionalText('header.filename', 'Header document filename', header.filename);
	if (filename !== undefined) document.filename = filename;
	return document;
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
		const caption = optionalText('caption', 'Caption', loose.caption, MEDIA_LIMITS.mediaCaption);
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
