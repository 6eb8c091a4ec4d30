import { looksLikeBsuid, looksLikeUsername, normalizePhone, PhoneNumberError } from '../core/phone';

/** A contact as a reply needs it: the store key, how Meta addresses it, and its country. */
export interface Recipient {
	/** The store key: the wa_id (E.164 digits, no "+") or the business-scoped user id. */
	readonly contact: string;
	/** How the contact is shown in messages: "+4915123456789" or the BSUID. */
	readonly display: string;
	/** E.164 with "+" for phone numbers; undefined for a BSUID. */
	readonly phone: string | undefined;
	/** The business-scoped user id; undefined for phone numbers. */
	readonly userId: string | undefined;
	/** ISO 3166 country (of the number, or the BSUID's prefix); undefined when unknown. */
	readonly country: string | undefined;
}

/**
 * Reads a recipient as a person or the Webhook Trigger gives it: a phone number in any common
 * notation (a wa_id included) or a business-scoped user id. WhatsApp usernames cannot be messaged
 * through the API. Throws PhoneNumberError naming what is wrong.
 */
export function resolveRecipient(input: unknown, defaultCountry?: string): Recipient {
	const text = typeof input === 'number' ? String(input) : typeof input === 'string' ? input : '';
	const value = text.trim();
	if (looksLikeBsuid(value)) {
		return {
			contact: value,
			display: value,
			phone: undefined,
			userId: value,
			country: value.slice(0, 2),
		};
	}
	if (looksLikeUsername(value)) {
		throw new PhoneNumberError(
			value,
			'not_a_number',
			`"${value}" looks like a WhatsApp username; the Cloud API cannot send to usernames. Use the contact's phone number with country code or their business-scoped user ID (the trigger's "contact" field).`,
		);
	}
	const phone = normalizePhone(value, { defaultCountry: defaultCountry || undefined });
	return {
		contact: phone.waId,
		display: phone.e164,
		phone: phone.e164,
		userId: undefined,
		country: phone.country,
	};
}

/**
 * Addresses a built payload (the builders fill `to`) to the recipient: phone numbers in `to`,
 * business-scoped user ids in `recipient`, where Meta expects them.
 */
export function addressTo<T extends { to: string }>(
	payload: T,
	recipient: Recipient,
): Omit<T, 'to'> & { to?: string; recipient?: string } {
	if (recipient.userId === undefined) return payload;
	const addressed: Omit<T, 'to'> & { to?: string; recipient?: string } = { ...payload };
	delete addressed.to;
	addressed.recipient = recipient.userId;
	return addressed;
}
