/** Contacts messages: one or more contact cards. */
import { isRecord } from '../zod';
import { WireError } from '../wireError';
import { optionalText, requiredText } from './checks';
import { buildEnvelope, type OutboundEnvelope, type SendOptions } from './envelope';

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
