/** How the sandbox writes what it records the way Meta does: times, wamids, a number's metadata. */
import { randomBytes } from 'node:crypto';
import type { Json } from '../checks/fields';
import type { SeedPhoneNumber } from '../seedLoader';

/** A chat: one business number and one contact (windows, pair limits are per chat). */
export function chatKey(phoneNumberId: string, waId: string): string {
	return `${phoneNumberId}:${waId}`;
}

export function iso(ms: number): string {
	return new Date(ms).toISOString();
}

/** Unix seconds as a string, as webhooks carry timestamps. */
export function seconds(ms: number): string {
	return String(Math.floor(ms / 1000));
}

export function digitsOf(text: string): string {
	return text.replace(/\D/g, '');
}

/** The `metadata` of a messages webhook: which business number it is about. */
export function metadataOf(phone: SeedPhoneNumber): Json {
	return { display_phone_number: digitsOf(phone.display_phone_number), phone_number_id: phone.id };
}

/**
 * A wamid shaped like Meta's: base64 of a small binary record holding the contact's number and a
 * 20-character message id (so it may contain "/" and "+", which webhooks then escape).
 */
export function wamid(waId: string, outbound: boolean): string {
	const id = randomBytes(10).toString('hex').toUpperCase();
	const bytes = Buffer.concat([
		Buffer.from([0x1c, 0x18, waId.length]),
		Buffer.from(waId),
		Buffer.from([0x15, 0x02, 0x00, outbound ? 0x11 : 0x12, 0x18, 0x14]),
		Buffer.from(id),
		Buffer.from([0x00]),
	]);
	return `wamid.${bytes.toString('base64')}`;
}
