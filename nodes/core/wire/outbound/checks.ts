/**
 * The checks every outbound builder shares: text that is required or optional, with a length
 * limit, and the WireError that names the field, the limit and the fix. Lengths count characters
 * as a reader does (an emoji is one).
 */
import { charCount, formatCount, WireError } from '../wireError';

export function tooLong(
	field: string,
	what: string,
	actual: number,
	max: number,
	fix: string,
): WireError {
	return new WireError(
		field,
		`${what} is ${formatCount(actual)} characters; WhatsApp allows at most ${formatCount(max)}. ${fix}`,
	);
}

/** A text value: numbers are accepted (form fields often hold them) and become strings. */
export function asText(field: string, what: string, value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value === 'string') return value;
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	throw new WireError(field, `${what} must be text; got ${describe(value)}.`);
}

export function requiredText(
	field: string,
	what: string,
	value: unknown,
	max?: number,
	fix = 'Shorten the text.',
): string {
	const text = asText(field, what, value);
	if (text === undefined || text.trim() === '') {
		throw new WireError(field, `${what} is empty; WhatsApp needs a value here.`);
	}
	if (max !== undefined && charCount(text) > max) {
		throw tooLong(field, what, charCount(text), max, fix);
	}
	return text;
}

/** Undefined for a missing or "" value; otherwise the checked text. */
export function optionalText(
	field: string,
	what: string,
	value: unknown,
	max?: number,
	fix?: string,
): string | undefined {
	const text = asText(field, what, value);
	if (text === undefined || text === '') return undefined;
	return requiredText(field, what, text, max, fix);
}

export function describe(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'a list';
	return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function isWebUrl(value: string, protocols: string[]): boolean {
	try {
		const url = new URL(value);
		return protocols.includes(url.protocol) && url.hostname !== '';
	} catch {
		return false;
	}
}

export function capitalise(text: string): string {
	return text.charAt(0).toUpperCase() + text.slice(1);
}
