/**
 * Webhook bodies as Meta writes them, and their signature.
 *
 * Meta signs an escaped form of the JSON text: every non-ASCII UTF-16 unit as \uXXXX (lowercase
 * hex), '/' as '\/', and '<', '%', '@' as \u003C, \u0025, \u0040. A receiver that parses and
 * re-serialises the body before hashing gets other bytes and a failed check, as it would with Meta;
 * only hashing the raw bytes works.
 */
import { createHmac } from 'node:crypto';

const SPECIAL: Record<string, string> = {
	'/': '\\/',
	'<': '\\u003C',
	'%': '\\u0025',
	'@': '\\u0040',
};

/**
 * JSON text with Meta's escaping. The replaced characters can only occur inside string literals
 * (JSON.stringify never emits them in escapes or structure), so replacing them in the text is safe.
 */
export function metaJson(value: unknown): string {
	const text = JSON.stringify(value);
	if (text === undefined) throw new TypeError('metaJson needs a JSON value, got undefined.');
	return text.replace(/[/<%@\u0080-\uffff]/g, (char) => {
		const special = SPECIAL[char];
		if (special) return special;
		// One UTF-16 unit at a time: characters outside the BMP become a surrogate pair of escapes.
		return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
	});
}

/** The X-Hub-Signature-256 header value for these exact bytes. */
export function signatureOf(body: string | Uint8Array, appSecret: string): string {
	return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}
