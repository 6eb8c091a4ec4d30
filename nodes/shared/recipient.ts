import {
	PhoneNumberError,
	looksLikeBsuid,
	looksLikeUsername,
	normalizePhone,
	timeZonesOf,
} from '../core/phone';

/** A recipient as the send nodes need it: the store's contact key and the address for Meta. */
export interface Recipient {
	/** The store's contact key: the wa_id (E.164 digits, no "+") or the business-scoped user ID. */
	readonly contact: string;
	/** What the user gave, trimmed. */
	readonly input: string;
	/**
	 * The payload field Meta reads the address from: `to` for phone numbers, `recipient` for
	 * business-scoped user IDs (the wire builders put it there).
	 */
	readonly field: 'to' | 'recipient';
	/** E.164 with "+", or the BSUID: what the payload builders get, and how messages show it. */
	readonly address: string;
	/** ISO 3166 country (of the number, or the BSUID's prefix); undefined when unknown. */
	readonly country: string | undefined;
	/** IANA time zones of the country; empty when unknown. */
	readonly timeZones: readonly string[];
}

/**
 * Reads a recipient as a person or the Webhook Trigger gives it: a phone number in any common
 * notation, a wa_id included (national numbers need the default country), or a business-scoped
 * user ID (BSUID), whose first two letters are the contact's country. A WhatsApp username cannot
 * be messaged through the Cloud API: it is refused with a message saying what to use instead.
 * Throws PhoneNumberError naming what is wrong.
 */
export function resolveRecipient(value: unknown, defaultCountry?: string): Recipient {
	const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
	const input = text.trim();
	if (looksLikeBsuid(input)) {
		const country = input.slice(0, 2);
		return {
			contact: input,
			input,
			field: 'recipient',
			address: input,
			country,
			timeZones: timeZonesOf(country),
		};
	}
	if (looksLikeUsername(input)) {
		throw new PhoneNumberError(
			input,
			'not_a_number',
			`"${input}" looks like a WhatsApp username; the Cloud API cannot send to usernames. Use the contact's phone number with country code, or their business-scoped user ID (the "user_id" Meta sends with their messages, e.g. US.13491208655302741918).`,
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
 * The store's contact keys a value the trigger wrote may stand for: the value itself (a wa_id, a
 * user ID) and, when it reads as one, the normalised number.
 */
export function contactKeysOf(value: unknown, defaultCountry: string | undefined): string[] {
	if (typeof value !== 'string' || value.trim() === '') return [];
	const keys = [value.trim()];
	try {
		keys.push(resolveRecipient(value, defaultCountry).contact);
	} catch {
		// Not a number or user ID we can read: only the value itself.
	}
	return keys;
}

/**
 * The contact keys an item names the way the Webhook Trigger writes them (`contact`,
 * `contactWaId`, `contactUserId`); empty when it names none.
 */
export function itemContactKeys(
	json: Record<string, unknown>,
	defaultCountry: string | undefined,
): string[] {
	return [json.contact, json.contactWaId, json.contactUserId].flatMap((value) =>
		contactKeysOf(value, defaultCountry),
	);
}
