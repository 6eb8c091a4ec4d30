/**
 * What the nodes put in a message's biz_opaque_callback_data: a short id of the send (new for every
 * claim of an idempotency key) in front of the user's own Callback Data. Meta echoes the field on
 * every status webhook of the message (sent, delivered, read, failed), so a send whose answer was
 * lost (a crash, a cut connection) is still confirmed, or found failed, by Meta's own report.
 *
 * Format: "wac1:<16 hex>" or "wac1:<16 hex>|<user data>". The trigger shows only the user's part.
 */
import { randomBytes } from 'node:crypto';

const PREFIX = 'wac1:';
const ID = /^[0-9a-f]{16}$/;

/** Meta's limit on the whole field. */
export const CALLBACK_DATA_LIMIT = 512;
/** What our id takes of it ("wac1:" + 16 hex + "|"): the user's Callback Data gets the rest. */
export const CALLBACK_ID_RESERVED = PREFIX.length + 16 + 1;

/** A new id for one send. */
export function newCallbackId(): string {
	return randomBytes(8).toString('hex');
}

export function encodeCallbackData(callbackId: string, userData?: string): string {
	if (!ID.test(callbackId)) throw new TypeError(`Not a callback id: ${JSON.stringify(callbackId)}`);
	return userData === undefined || userData === ''
		? `${PREFIX}${callbackId}`
		: `${PREFIX}${callbackId}|${userData}`;
}

/** Our id and the user's part of an echoed biz_opaque_callback_data; data we did not set is all user data. */
export function decodeCallbackData(value: string | undefined): {
	callbackId?: string;
	userData?: string;
} {
	if (value === undefined) return {};
	if (!value.startsWith(PREFIX)) return { userData: value };
	const rest = value.slice(PREFIX.length);
	const id = rest.slice(0, 16);
	if (!ID.test(id) || (rest.length > 16 && rest[16] !== '|')) return { userData: value };
	return rest.length > 17 ? { callbackId: id, userData: rest.slice(17) } : { callbackId: id };
}
