/**
 * Who may talk to the Webhook Trigger: Meta's GET handshake (hub.verify_token) and the
 * X-Hub-Signature-256 of every POST (HMAC-SHA256 of the raw body, keyed with the app secret).
 *
 * Both checks compare in constant time and never throw: a malformed header or query is simply a
 * failed check, so a caller cannot turn odd input into a 500 (which Meta would retry for days).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The header Meta signs POSTs with (Node lower-cases header names). */
export const SIGNATURE_HEADER = 'x-hub-signature-256';

const SIGNATURE_PREFIX = 'sha256=';
/** A SHA-256 digest is 32 bytes: 64 hex digits. */
const HEX_DIGEST = /^[0-9a-fA-F]{64}$/;

/** The raw request body exactly as received: bytes, or the same bytes decoded as UTF-8 text. */
export type RawBody = Buffer | Uint8Array | string;

/**
 * The header value Meta would send for `rawBody`: "sha256=" and the lower-case hex HMAC-SHA256.
 * For tests, the sandbox and benchmarks; the trigger only verifies.
 */
export function computeSignature(rawBody: RawBody, appSecret: string): string {
	return SIGNATURE_PREFIX + createHmac('sha256', appSecret).update(rawBody).digest('hex');
}

/**
 * Whether `header` is Meta's signature of `rawBody` under `appSecret`.
 *
 * Hash the bytes as received: Meta signs its own escaped serialisation (non-ASCII as \uXXXX, "/"
 * as "\/"...), so a body parsed and serialised again with JSON.stringify does not verify.
 * False for a missing header, a header without the "sha256=" prefix, a digest that is not 64 hex
 * digits, a repeated header (an array of more than one value), an empty app secret (a credential
 * without a secret must not accept everything), and anything else unexpected. Never throws.
 */
export function verifySignature(
	rawBody: RawBody | undefined,
	header: string | readonly string[] | undefined,
	appSecret: string,
): boolean {
	try {
		const value = Array.isArray(header) ? (header.length === 1 ? header[0] : undefined) : header;
		if (typeof value !== 'string' || typeof appSecret !== 'string' || appSecret === '') {
			return false;
		}
		if (rawBody === undefined || rawBody === null) return false;
		const trimmed = value.trim();
		if (!trimmed.startsWith(SIGNATURE_PREFIX)) return false;
		const hex = trimmed.slice(SIGNATURE_PREFIX.length);
		if (!HEX_DIGEST.test(hex)) return false;
		const expected = createHmac('sha256', appSecret).update(rawBody).digest();
		return timingSafeEqual(Buffer.from(hex, 'hex'), expected);
	} catch {
		return false;
	}
}

/**
 * The GET query Meta sends when the callback URL is saved. Parsers differ: most keep the dotted
 * names ("hub.mode"), some nest them ({ hub: { mode } }); both are read.
 */
export type HandshakeQuery = Record<string, unknown>;

export type HandshakeAnswer = { status: 200; body: string } | { status: 403 };

/**
 * Meta's verification handshake: hub.mode must be "subscribe" and hub.verify_token must equal the
 * credential's verify token (compared in constant time). Then the answer is 200 with hub.challenge
 * as plain text, exactly as given; anything else, an empty configured token included, is 403.
 */
export function answerHandshake(
	query: HandshakeQuery | undefined,
	verifyToken: string,
): HandshakeAnswer {
	const forbidden: HandshakeAnswer = { status: 403 };
	try {
		if (typeof verifyToken !== 'string' || verifyToken === '') return forbidden;
		const mode = hubParameter(query, 'mode');
		const token = hubParameter(query, 'verify_token');
		const challenge = hubParameter(query, 'challenge');
		if (mode !== 'subscribe' || token === undefined || challenge === undefined) return forbidden;
		return sameSecret(token, verifyToken) ? { status: 200, body: challenge } : forbidden;
	} catch {
		return forbidden;
	}
}

function hubParameter(query: HandshakeQuery | undefined, name: string): string | undefined {
	if (typeof query !== 'object' || query === null) return undefined;
	let value = query[`hub.${name}`];
	if (value === undefined) {
		const hub = query.hub;
		if (typeof hub === 'object' && hub !== null) value = (hub as Record<string, unknown>)[name];
	}
	// A repeated parameter arrives as an array: ambiguous, so not accepted.
	return typeof value === 'string' ? value : undefined;
}

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
function sameSecret(given: string, expected: string): boolean {
	const a = createHash('sha256').update(given, 'utf8').digest();
	const b = createHash('sha256').update(expected, 'utf8').digest();
	return timingSafeEqual(a, b);
}
