/**
 * Phone numbers as WhatsApp needs them: E.164, keyed like Meta's `wa_id` (digits, no "+"), with the
 * country and its time zones (quiet hours, the US marketing rule).
 *
 * libphonenumber-js with the "max" metadata does the real validation (number ranges, not only
 * lengths). It cannot tell a time zone, so the zones come from countries-and-timezones by country:
 * a country spanning several zones yields all of them and the caller decides conservatively.
 */
import {
	getCountryCallingCode,
	isSupportedCountry,
	parsePhoneNumberWithError,
	ParseError,
	validatePhoneNumberLength,
	type CountryCode,
	type PhoneNumber,
} from 'libphonenumber-js/max';
import { getCountry } from 'countries-and-timezones';

/** A phone number ready for the Cloud API and the compliance store. */
export interface NormalizedPhone {
	/** E.164 digits without "+", the form of Meta's `wa_id` and the contact key in the store. */
	readonly waId: string;
	/** E.164 with "+", the form to put in `to` when sending. */
	readonly e164: string;
	/** ISO 3166-1 alpha-2 region; undefined for non-geographic numbers such as +800 or +882. */
	readonly country: string | undefined;
	/** Every IANA time zone of the country; empty when the country is unknown. */
	readonly timeZones: readonly string[];
	/** How libphonenumber-js classifies the number (MOBILE, FIXED_LINE...); undefined when it cannot tell. */
	readonly type: string | undefined;
}

export interface NormalizePhoneOptions {
	/**
	 * Country used for numbers written without a country code, e.g. "0151 23456789" with "DE".
	 * ISO 3166-1 alpha-2, case-insensitive.
	 * @default undefined (numbers must then carry their country code)
	 */
	readonly defaultCountry?: string;
}

/** Why a phone number was rejected; stable for callers that branch on it. */
export type PhoneNumberProblem =
	| 'empty'
	| 'not_a_number'
	| 'missing_country'
	| 'invalid_default_country'
	| 'invalid_country_code'
	| 'too_short'
	| 'too_long'
	| 'invalid_length'
	| 'not_valid'
	| 'extension';

/** A number that cannot be messaged, with what was given, why, and how to fix it in the message. */
export class PhoneNumberError extends Error {
	override readonly name = 'PhoneNumberError';

	constructor(
		/** The input as given (trimmed and shortened for display). */
		readonly input: string,
		readonly problem: PhoneNumberProblem,
		message: string,
	) {
		super(message);
	}
}

const EXAMPLE = '+49 151 23456789';
const MAX_SHOWN_INPUT = 40;
/** Characters people put between digits; removed before deciding how a number was written. */
const FORMATTING = /[\s\-.()/\u00a0\u2010-\u2015]/g;

/**
 * Turns what a person or a system typed into an E.164 number, or throws {@link PhoneNumberError}.
 *
 * Accepts "+49 151 2345 6789", "0049 151...", "00 49 ...", national numbers with `defaultCountry`
 * ("015123456789" with DE, "(650) 555-1234" with US), international digits without "+"
 * ("4915123456789", Meta's `wa_id`). Digits that start with the default country's calling code and
 * form a valid international number are read as international: that is how a `wa_id` looks, while
 * people write national numbers with their trunk prefix ("0151...").
 *
 * Two legacy `wa_id` shapes are mapped to today's E.164 so both directions key the same contact:
 * Mexican mobiles reported as 521 + 10 digits (the "1" left the numbering plan in 2019) and
 * Brazilian mobiles registered before the ninth digit was added (55 + area + 8 digits).
 */
export function normalizePhone(
	input: string | number,
	options: NormalizePhoneOptions = {},
): NormalizedPhone {
	const text = String(input ?? '').trim();
	const shown = showInput(text);
	const defaultCountry = readDefaultCountry(options.defaultCountry);
	if (text === '') {
		throw new PhoneNumberError(
			'',
			'empty',
			`The phone number is empty. Enter the contact's number with its country code, e.g. ${EXAMPLE}.`,
		);
	}

	const compact = text.replace(FORMATTING, '');
	let chosen: Attempt;
	if (compact.startsWith('+')) {
		chosen = attempt(text);
	} else if (/^00\d/.test(compact)) {
		// "00" is the international call prefix almost everywhere; no national number starts with it.
		chosen = attempt(`+${text.replace(/^\s*0\s*0/, '')}`);
	} else if (/^\d+$/.test(compact)) {
		chosen = chooseForDigits(compact, defaultCountry);
	} else {
		chosen = attempt(text, defaultCountry);
	}

	const phone = chosen.phone;
	if (phone && phone.isValid()) {
		if (phone.ext) {
			throw new PhoneNumberError(
				shown,
				'extension',
				`"${shown}" has an extension (${phone.ext}); WhatsApp numbers have none. Remove the extension and keep the number, e.g. ${EXAMPLE}.`,
			);
		}
		return toNormalized(phone);
	}
	throw explain(shown, chosen, defaultCountry);
}

/**
 * The country of a `wa_id` (or any E.164 number, with or without "+"), or undefined when the
 * number does not pin one down (non-geographic, shared +1 code with an unknown area code, garbage).
 * Never throws: rules call it on stored contacts.
 */
export function countryOf(waId: string): string | undefined {
	const phone = parseInternationalDigits(waId);
	return phone?.country;
}

/** The country calling code of a `wa_id` ("1" for the US and Canada), or undefined. Never throws. */
export function callingCodeOf(waId: string): string | undefined {
	const phone = parseInternationalDigits(waId);
	return phone?.countryCallingCode;
}

/** Every IANA time zone of an ISO country; empty for an unknown or missing country. */
const NO_ZONES: readonly string[] = Object.freeze([]);
/** One frozen list per country: a batch of 100,000 numbers shares a few lists, not 100,000. */
const zonesByCountry = new Map<string, readonly string[]>();

export function timeZonesOf(country: string | undefined): readonly string[] {
	if (!country) return NO_ZONES;
	const code = country.toUpperCase();
	let zones = zonesByCountry.get(code);
	if (!zones) {
		const found = getCountry(code);
		zones = found ? Object.freeze([...found.timezones]) : NO_ZONES;
		zonesByCountry.set(code, zones);
	}
	return zones;
}

/**
 * Whether the input has the shape of a business-scoped user ID (BSUID), which Meta sends as
 * `user_id` and accepts as a recipient: the contact's ISO country code, a period, then up to 128
 * letters and digits ("US.13491208655302741918"); a parent BSUID has "ENT." after the country
 * ("US.ENT.11815799212886844830"). BSUIDs go in the `recipient` field of a send, not in `to`.
 */
export function looksLikeBsuid(input: string): boolean {
	return BSUID.test(String(input ?? '').trim());
}

const BSUID = /^[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$/;

/**
 * Whether the input has the shape of a WhatsApp username ("@pablomorales" or "pablo.morales"),
 * by Meta's rules: 3-35 characters of a-z, 0-9, "." and "_", at least one letter, no leading,
 * trailing or double period, not starting with "www", not ending in a domain. A username cannot be
 * messaged through the API: the caller should ask for the phone number or the BSUID instead.
 * Check {@link looksLikeBsuid} first: a BSUID also fits these rules.
 */
export function looksLikeUsername(input: string): boolean {
	const name = String(input ?? '')
		.trim()
		.replace(/^@/, '')
		.toLowerCase();
	if (!/^[a-z0-9._]{3,35}$/.test(name)) return false;
	if (!/[a-z]/.test(name)) return false;
	if (name.startsWith('.') || name.endsWith('.') || name.includes('..')) return false;
	if (name.startsWith('www')) return false;
	return !USERNAME_DOMAIN_ENDINGS.some((ending) => name.endsWith(ending));
}

/** The endings Meta names as forbidden ("must not end with a domain"). */
const USERNAME_DOMAIN_ENDINGS = [
	'.com',
	'.org',
	'.net',
	'.int',
	'.edu',
	'.gov',
	'.mil',
	'.us',
	'.in',
	'.html',
];

interface Attempt {
	/** The text handed to libphonenumber-js. */
	readonly text: string;
	/** The "+" was added by us to digits typed without one and without a default country. */
	readonly assumedInternational?: boolean;
	readonly defaultCountry?: CountryCode;
	readonly phone?: PhoneNumber;
	readonly error?: string;
}

function attempt(text: string, defaultCountry?: CountryCode): Attempt {
	try {
		const phone = parsePhoneNumberWithError(text, defaultCountry);
		return { text, defaultCountry, phone: phone.isValid() ? phone : (legacyWaId(phone) ?? phone) };
	} catch (error) {
		if (error instanceof ParseError) return { text, defaultCountry, error: error.message };
		throw error;
	}
}

function isValid(a: Attempt): boolean {
	return a.phone !== undefined && a.phone.isValid();
}

/** Digits only: national with the default country, or international without "+". */
function chooseForDigits(digits: string, defaultCountry: CountryCode | undefined): Attempt {
	const international = attempt(`+${digits}`);
	if (!defaultCountry) return { ...international, assumedInternational: true };
	const national = attempt(digits, defaultCountry);
	const startsWithOwnCode = digits.startsWith(getCountryCallingCode(defaultCountry));
	if (isValid(international) && (startsWithOwnCode || !isValid(national))) return international;
	// Valid or not, the national reading explains best what is wrong with a number typed locally.
	return national;
}

/** Maps the two legacy `wa_id` shapes to the E.164 number they stand for, if that is valid. */
function legacyWaId(phone: PhoneNumber): PhoneNumber | undefined {
	const national = phone.nationalNumber;
	let candidate: string | undefined;
	if (phone.countryCallingCode === '52' && national.length === 11 && national.startsWith('1')) {
		candidate = `+52${national.slice(1)}`;
	} else if (phone.countryCallingCode === '55' && /^\d{2}[6-9]\d{7}$/.test(national)) {
		candidate = `+55${national.slice(0, 2)}9${national.slice(2)}`;
	}
	if (!candidate) return undefined;
	try {
		const mapped = parsePhoneNumberWithError(candidate);
		const mobile = mapped.getType() === 'MOBILE' || mapped.getType() === 'FIXED_LINE_OR_MOBILE';
		return mapped.isValid() && mobile ? mapped : undefined;
	} catch {
		return undefined;
	}
}

function parseInternationalDigits(waId: string): PhoneNumber | undefined {
	const digits = String(waId ?? '')
		.trim()
		.replace(/^\+/, '');
	if (!/^\d{4,17}$/.test(digits)) return undefined;
	const a = attempt(`+${digits}`);
	return a.phone;
}

function toNormalized(phone: PhoneNumber): NormalizedPhone {
	const country = phone.country;
	return {
		waId: phone.number.slice(1),
		e164: phone.number,
		country,
		timeZones: timeZonesOf(country),
		type: phone.getType(),
	};
}

function readDefaultCountry(value: string | undefined): CountryCode | undefined {
	if (value === undefined || value === null || String(value).trim() === '') return undefined;
	const code = String(value).trim().toUpperCase();
	if (!isSupportedCountry(code)) {
		throw new PhoneNumberError(
			String(value),
			'invalid_default_country',
			`Default Country "${String(value)}" is not a two-letter ISO 3166 country code that has phone numbers. Use a code such as "DE", "US" or "BR".`,
		);
	}
	return code;
}

function explain(shown: string, chosen: Attempt, defaultCountry: CountryCode | undefined) {
	const whereText = chosen.phone ? where(chosen.phone) : undefined;
	const national = !chosen.text.startsWith('+');
	const otherCountryHint =
		national && defaultCountry
			? ` If it is a number from another country, write it with "+" and its country code, e.g. ${EXAMPLE}.`
			: '';
	const problem = problemOf(chosen);
	switch (problem) {
		case 'not_a_number':
			return new PhoneNumberError(
				shown,
				problem,
				`"${shown}" is not a phone number: it has too few digits or characters a phone number does not have. Enter the number with its country code, e.g. ${EXAMPLE}.`,
			);
		case 'missing_country':
			return new PhoneNumberError(
				shown,
				problem,
				`"${shown}" has no "+" and no Default Country is set, and read as an international number it is not valid, so its country is unknown. Add the country code with "+", e.g. ${EXAMPLE}, or set Default Country.`,
			);
		case 'invalid_country_code':
			return new PhoneNumberError(
				shown,
				problem,
				`"${shown}" does not start with a country calling code that exists. Check the digits after "+", e.g. +49 for Germany or +1 for the US and Canada.`,
			);
		case 'too_short':
			return new PhoneNumberError(
				shown,
				problem,
				`"${shown}" is too short for a phone number${whereText ?? ''}. Check for missing digits.${otherCountryHint}`,
			);
		case 'too_long':
			return new PhoneNumberError(
				shown,
				problem,
				`"${shown}" is too long for a phone number${whereText ?? ''}. Check for extra digits or two numbers in one field.${otherCountryHint}`,
			);
		case 'invalid_length':
			return new PhoneNumberError(
				shown,
				problem,
				`"${shown}" has a number of digits that no phone number${whereText ?? ''} has. Check the digits.${otherCountryHint}`,
			);
		default:
			return new PhoneNumberError(
				shown,
				'not_valid',
				`"${shown}" is not a valid phone number${whereText ?? ''}: no phone number in use there looks like it. Check for missing or extra digits and the country code.${otherCountryHint}`,
			);
	}
}

function problemOf(chosen: Attempt): PhoneNumberProblem {
	// Digits without "+" that are no valid international number are most likely a national number
	// ("0151...", "650 555..."): the country is what is missing.
	if (chosen.assumedInternational) return 'missing_country';
	const code = chosen.phone
		? validatePhoneNumberLength(chosen.text, chosen.defaultCountry)
		: chosen.error;
	switch (code) {
		case 'NOT_A_NUMBER':
			return 'not_a_number';
		case 'INVALID_COUNTRY':
			return chosen.text.startsWith('+') ? 'invalid_country_code' : 'missing_country';
		case 'TOO_SHORT':
			return 'too_short';
		case 'TOO_LONG':
			return 'too_long';
		case 'INVALID_LENGTH':
			return 'invalid_length';
		default:
			return 'not_valid';
	}
}

function where(phone: PhoneNumber): string {
	const country = phone.country ?? phone.getPossibleCountries()[0];
	const name = country ? (getCountry(country)?.name ?? country) : undefined;
	return name ? ` in ${name} (+${phone.countryCallingCode})` : ` with +${phone.countryCallingCode}`;
}

function showInput(text: string): string {
	// eslint-disable-next-line no-control-regex
	const clean = text.replace(/[\u0000-\u001f\u007f]/g, ' ');
	return clean.length > MAX_SHOWN_INPUT ? `${clean.slice(0, MAX_SHOWN_INPUT)}...` : clean;
}
