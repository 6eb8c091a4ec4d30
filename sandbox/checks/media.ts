/**
 * Media types and sizes Meta accepts (business-phone-numbers/media, "Supported media types"), and
 * which message types each may go out as.
 */
import { GraphError } from '../graphError';

const KB = 1024;
const MB = 1024 * KB;

interface MediaKind {
	readonly kind: 'audio' | 'document' | 'image' | 'sticker' | 'video';
	readonly maxBytes: number;
}

const TYPES: Record<string, MediaKind> = {
	'audio/aac': { kind: 'audio', maxBytes: 16 * MB },
	'audio/amr': { kind: 'audio', maxBytes: 16 * MB },
	'audio/mpeg': { kind: 'audio', maxBytes: 16 * MB },
	'audio/mp4': { kind: 'audio', maxBytes: 16 * MB },
	'audio/ogg': { kind: 'audio', maxBytes: 16 * MB },
	'text/plain': { kind: 'document', maxBytes: 100 * MB },
	'application/pdf': { kind: 'document', maxBytes: 100 * MB },
	'application/vnd.ms-excel': { kind: 'document', maxBytes: 100 * MB },
	'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
		kind: 'document',
		maxBytes: 100 * MB,
	},
	'application/msword': { kind: 'document', maxBytes: 100 * MB },
	'application/vnd.openxmlformats-officedocument.wordprocessingml.document': {
		kind: 'document',
		maxBytes: 100 * MB,
	},
	'application/vnd.ms-powerpoint': { kind: 'document', maxBytes: 100 * MB },
	'application/vnd.openxmlformats-officedocument.presentationml.presentation': {
		kind: 'document',
		maxBytes: 100 * MB,
	},
	'image/jpeg': { kind: 'image', maxBytes: 5 * MB },
	'image/png': { kind: 'image', maxBytes: 5 * MB },
	// Animated stickers may have 500 KB; the sandbox cannot tell static from animated.
	'image/webp': { kind: 'sticker', maxBytes: 500 * KB },
	'video/3gpp': { kind: 'video', maxBytes: 16 * MB },
	'video/mp4': { kind: 'video', maxBytes: 16 * MB },
};

/** "audio/ogg; codecs=opus" -> "audio/ogg". */
export function baseMime(type: string): string {
	return type.split(';')[0].trim().toLowerCase();
}

/** @throws GraphError 131053 for a type or size Meta does not take. */
export function checkUpload(type: string, bytes: number): void {
	const info = TYPES[baseMime(type)];
	if (!info) {
		throw new GraphError(
			131053,
			`The media type ${type} is not supported. Supported: ${Object.keys(TYPES).join(', ')}.`,
		);
	}
	if (bytes === 0) throw new GraphError(131053, 'The file is empty.');
	if (bytes > info.maxBytes) {
		throw new GraphError(
			131053,
			`The file has ${bytes} bytes; ${type} (${info.kind}) may have at most ${info.maxBytes} bytes.`,
		);
	}
}

/**
 * What Meta would find wrong with media of this type and size sent as `kind` (a message type, or
 * the kind of a header: image, video, document); undefined when nothing is. For media fetched
 * from a link: Meta downloads it after accepting the message.
 */
export function mediaProblem(type: string, bytes: number, kind: string): string | undefined {
	const info = TYPES[baseMime(type)];
	if (!info) {
		return `the content type ${type || '(none)'} is not a media type WhatsApp takes (supported: ${Object.keys(TYPES).join(', ')})`;
	}
	if (!fitsMessageType(type, kind)) {
		const as = kind === 'audio' ? 'audio' : kind === 'image' ? 'an image' : `a ${kind}`;
		return `${type} cannot be sent as ${as}`;
	}
	if (bytes === 0) return 'the file is empty';
	if (bytes > info.maxBytes) {
		return `the file has ${bytes} bytes; ${type} may have at most ${info.maxBytes} bytes`;
	}
	return undefined;
}

/** The most bytes any supported media may have (documents, 100 MB). */
export const MAX_MEDIA_BYTES = Math.max(...Object.values(TYPES).map((t) => t.maxBytes));

/**
 * Whether uploaded media of this MIME type can go out as this message type. Documents take any
 * supported file; the others only their own kind.
 */
export function fitsMessageType(mime: string, messageType: string): boolean {
	const info = TYPES[baseMime(mime)];
	if (!info) return false;
	return messageType === 'document' || info.kind === messageType;
}
