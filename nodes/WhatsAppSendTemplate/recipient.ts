import type { OutboundMessage } from '../core/graph/types';
import {
	PhoneNumberError,
	looksLikeBsuid,
	looksLikeUsername,
	normalizePhone,
	timeZonesOf,
} from '../core/phone';

/** A recipient as the send nodes need it: the store's contact key and the address for Meta. */
export interface Recipient {
	/** The store's contact key: the wa_id (E.164 digits) or the business-scoped user ID. */
	readonly contact: string;
	/** What the user gave, trimmed: used in messages. */
	readonly input: string;
	/** The payload field Meta reads the address from: `to` for numbers, `recipient` for BSUIDs. */
	readonly field: 'to' | 'recipient';
	/** E.164 with "+", or the BSUID. */
	readonly address: string;
	/** ISO 3166 country; undefined when unknown. */
	readonly country: string | undefined;
	/** IANA time zones of the country; empty when unknown. */
	readonly timeZones: string[];
}

/**
 * Reads a recipient parameter: a phone number in any common format (national numbers need the
 * default country), or a business-scoped user ID (BSUID), whose first two letters are the
 * contact's country. A username cannot be messaged through the Cloud API: it is refused with a
 * message saying what to use instead. Throws PhoneNumberError.
 */
export function resolveRecipient(value: unknown, defaultCountry?: string): Recipient {
	const input = String(value ?? '').trim();
	if (looksLikeBsuid(input)) {
		const country = input.slice(0, 2).toUpperCase();
		return {
			contact: input,
			input,
			field: 'recipient',
			address: input,
			country,
			timeZones: timeZonesOf(country),
		};
	}
	if (/[a-z]/i.test(input) && looksLikeUsername(input)) {
		throw new PhoneNumberError(
			input,
			'not_a_number',
			`"${input}" looks like a WhatsApp username; the Cloud API cannot send to usernames. Use the contact's phone number, or their business-scoped user ID (the "user_id" of their messages, e.g. US.13491208655302741918).`,
		);
	}
	const phone = normalizePhone(input, { defaultCountry: defaultCountry || undefined });
	return {
		contact: phone.waId,
		input,
		field: 'to',
		address: phone.e164,
		country: phone.country,
		timeZones: phone.timeZones,
	};
}

/**
 * Puts the address where Meta reads it. The payload builders always fill `to`; a BSUID belongs in
 * `recipient` instead (Meta's business-scoped user ID guide), so it is moved there.
 */
export function addressed<T extends { to: string }>(
	payload: T,
	recipient: Recipient,
): OutboundMessage {
	if (recipient.field === 'to') return payload;
	const { to, ...rest } = payload;
	return { ...rest, recipient: to };
}
