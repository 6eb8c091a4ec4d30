/**
 * The `to` of a send. Meta accepts "+", digits, spaces, hyphens and parentheses; without "+" it
 * prepends the sender's country calling code (business-phone-numbers/phone-numbers, "WhatsApp user
 * phone number formats").
 */
import { invalid, missing } from './fields';

export interface Recipient {
	/** As sent (echoed in contacts[].input). */
	readonly input: string;
	/** The digits, without "+". */
	readonly digits: string;
	/** Whether the number came with "+" (and so with its country code). */
	readonly international: boolean;
}

export function readRecipient(value: unknown): Recipient {
	if (value === undefined || value === null || value === '') throw missing('to');
	if (typeof value !== 'string' && typeof value !== 'number') {
		throw invalid('to', 'must be the phone number as a string, e.g. "+4915112345601".');
	}
	const input = String(value);
	const trimmed = input.trim();
	if (!/^\+?[\d\s()-]+$/.test(trimmed)) {
		throw invalid(
			'to',
			`"${input}" is not a phone number. Send "+", the country code and the number, e.g. "+4915112345601".`,
		);
	}
	const digits = trimmed.replace(/\D/g, '');
	if (digits.length < 7 || digits.length > 15) {
		throw invalid('to', `"${input}" has ${digits.length} digits; phone numbers have 7 to 15.`);
	}
	return { input, digits, international: trimmed.startsWith('+') };
}

/** The country calling code of a display number written "+49 30 57700180". */
export function countryCodeOf(displayPhoneNumber: string): string {
	const match = /^\+(\d{1,3})\s/.exec(displayPhoneNumber);
	return match ? match[1] : '';
}
