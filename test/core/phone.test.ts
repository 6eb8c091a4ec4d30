import {
	callingCodeOf,
	countryOf,
	looksLikeBsuid,
	looksLikeUsername,
	normalizePhone,
	PhoneNumberError,
	timeZonesOf,
	type PhoneNumberProblem,
} from '../../nodes/core/phone';

function problemOf(input: string | number, defaultCountry?: string): PhoneNumberProblem {
	try {
		normalizePhone(input, { defaultCountry });
	} catch (error) {
		if (error instanceof PhoneNumberError) return error.problem;
		throw error;
	}
	throw new Error(`"${input}" was accepted`);
}

function errorOf(input: string, defaultCountry?: string): PhoneNumberError {
	try {
		normalizePhone(input, { defaultCountry });
	} catch (error) {
		if (error instanceof PhoneNumberError) return error;
		throw error;
	}
	throw new Error(`"${input}" was accepted`);
}

describe('phone number normalisation', () => {
	describe('accepts the ways people and systems write a number', () => {
		it.each([
			['+49 151 2345 6789', undefined],
			['+49-151-23456789', undefined],
			['+49 (0) 151 23456789', undefined],
			['0049 151 23456789', undefined],
			['00 49 151 23456789', undefined],
			['00 49 151 23456789', 'US'],
			['015123456789', 'DE'],
			['0151 / 234 567 89', 'DE'],
			['4915123456789', undefined],
			['4915123456789', 'DE'],
			['+4915123456789', 'FR'],
			['tel:+4915123456789', undefined],
		])('reads %p (default country %p) as +4915123456789', (input, defaultCountry) => {
			const phone = normalizePhone(input, { defaultCountry });
			expect(phone.e164).toBe('+4915123456789');
			expect(phone.waId).toBe('4915123456789');
			expect(phone.country).toBe('DE');
		});

		it('reads a US national number with the default country US', () => {
			const phone = normalizePhone('(650) 555-1234', { defaultCountry: 'us' });
			expect(phone).toMatchObject({ waId: '16505551234', e164: '+16505551234', country: 'US' });
		});

		it('reads the US international dialling prefix 011 with the default country US', () => {
			expect(normalizePhone('011 49 151 23456789', { defaultCountry: 'US' }).waId).toBe(
				'4915123456789',
			);
		});

		it('reads a wa_id exactly as Meta sends it', () => {
			expect(normalizePhone('16505551234').e164).toBe('+16505551234');
			expect(normalizePhone('447400123456').country).toBe('GB');
		});

		it('reads a number given as a JavaScript number (from a spreadsheet)', () => {
			expect(normalizePhone(4915123456789).waId).toBe('4915123456789');
		});

		it('prefers the national reading when the digits do not start with the country code', () => {
			// 3471234567 is an Italian mobile number written nationally.
			expect(normalizePhone('3471234567', { defaultCountry: 'IT' }).waId).toBe('393471234567');
		});
	});

	describe('legacy wa_id shapes', () => {
		it('maps a Mexican mobile reported as 521 + 10 digits to its E.164 form', () => {
			expect(normalizePhone('5215512345678').waId).toBe('525512345678');
			expect(normalizePhone('+52 1 55 1234 5678').waId).toBe('525512345678');
		});

		it('maps a Brazilian mobile without the ninth digit to its E.164 form', () => {
			expect(normalizePhone('551187654321').waId).toBe('5511987654321');
		});

		it('keeps a Brazilian landline as it is', () => {
			expect(normalizePhone('+55 11 3456 7890').waId).toBe('551134567890');
		});
	});

	describe('country and time zones', () => {
		it('gives a single-zone country its zone', () => {
			expect(normalizePhone('+33 6 12 34 56 78').timeZones).toEqual(['Europe/Paris']);
		});

		it.each(['US', 'BR', 'RU', 'AU', 'CA', 'MX'])(
			'gives every zone of %s, a country spanning several',
			(country) => {
				const numbers: Record<string, string> = {
					US: '+1 650 555 1234',
					BR: '+55 11 98765 4321',
					RU: '+7 916 123 45 67',
					AU: '+61 412 345 678',
					CA: '+1 416 555 0123',
					MX: '+52 55 1234 5678',
				};
				const phone = normalizePhone(numbers[country]);
				expect(phone.country).toBe(country);
				expect(phone.timeZones).toEqual(timeZonesOf(country));
				expect(phone.timeZones.length).toBeGreaterThan(1);
			},
		);

		it('gives only zones the runtime knows', () => {
			for (const zone of normalizePhone('+1 650 555 1234').timeZones) {
				expect(() => new Intl.DateTimeFormat('en', { timeZone: zone })).not.toThrow();
			}
			expect(normalizePhone('+1 650 555 1234').timeZones).toContain('America/Los_Angeles');
			expect(normalizePhone('+1 650 555 1234').timeZones).toContain('America/New_York');
		});

		it('gives no country and no zone for a non-geographic number', () => {
			const phone = normalizePhone('+800 1234 5678');
			expect(phone.country).toBeUndefined();
			expect(phone.timeZones).toEqual([]);
		});

		it('shares one frozen zone list per country, which nobody can change', () => {
			const first = normalizePhone('+33 6 12 34 56 78');
			expect(Object.isFrozen(first.timeZones)).toBe(true);
			expect(() => (first.timeZones as string[]).push('Mars/Olympus')).toThrow(TypeError);
			expect(normalizePhone('+33 6 98 76 54 32').timeZones).toBe(first.timeZones);
			expect(first.timeZones).toEqual(['Europe/Paris']);
		});
	});

	describe('rejects numbers that cannot be messaged, saying why and how to fix it', () => {
		it('names an empty input', () => {
			expect(problemOf('   ')).toBe('empty');
			expect(errorOf('').message).toContain('e.g. +49');
		});

		it('asks for a country code or Default Country when a national number has neither', () => {
			const error = errorOf('015123456789');
			expect(error.problem).toBe('missing_country');
			expect(error.message).toContain('"015123456789"');
			expect(error.message).toContain('Add the country code');
			expect(error.message).toContain('Default Country');
		});

		it('names a calling code that does not exist', () => {
			const error = errorOf('+999 1234 5678');
			expect(error.problem).toBe('invalid_country_code');
			expect(error.message).toContain('"+999 1234 5678"');
		});

		it('says a number is too short, and for which country', () => {
			const error = errorOf('+33 6 12');
			expect(error.problem).toBe('too_short');
			expect(error.message).toContain('France (+33)');
			expect(error.message).toContain('missing digits');
		});

		it('says a number is too long', () => {
			expect(problemOf('+1 650 555 1234 5678 9')).toBe('too_long');
		});

		it('rejects a number whose length exists but whose range is not in use', () => {
			// +1 555 area code is not assigned (Meta's own test numbers use it as senders only).
			expect(problemOf('+1 555 555 0100')).toBe('not_valid');
		});

		it('rejects a German mobile number with a digit missing (real validation, not length only)', () => {
			// 0151 numbers have 8 digits after the prefix; a German landline could be this long.
			const error = errorOf('01511234567', 'DE');
			expect(error.problem).toBe('not_valid');
			expect(error.message).toContain('Germany (+49)');
			expect(error.message).toContain('missing or extra digits');
		});

		it('asks for the country when digits without + are no international number either', () => {
			expect(problemOf('6505551234')).toBe('missing_country');
		});

		it('rejects text that is not a number', () => {
			expect(problemOf('call me maybe')).toBe('not_a_number');
		});

		it('rejects a number with an extension', () => {
			const error = errorOf('+49 151 23456789 ext. 12');
			expect(error.problem).toBe('extension');
			expect(error.message).toContain('Remove the extension');
		});

		it('rejects an unknown Default Country with the codes to use', () => {
			const error = errorOf('015123456789', 'Germany');
			expect(error.problem).toBe('invalid_default_country');
			expect(error.message).toContain('"DE"');
		});

		it('suggests the international form when a locally read number is wrong', () => {
			expect(errorOf('0151 23', 'DE').message).toContain('write it with "+"');
		});

		it('shortens a very long input in the message', () => {
			const error = errorOf(`+49 ${'1'.repeat(200)}`);
			expect(error.input.length).toBeLessThanOrEqual(43);
		});
	});
});

describe('countryOf', () => {
	it('gives the country of a wa_id, with or without +', () => {
		expect(countryOf('4915123456789')).toBe('DE');
		expect(countryOf('+16505551234')).toBe('US');
		expect(countryOf('18095551234')).toBe('DO');
	});

	it('gives undefined when the number does not pin a country down', () => {
		expect(countryOf('15555550100')).toBeUndefined();
		expect(countryOf('80012345678')).toBeUndefined();
		expect(countryOf('not a number')).toBeUndefined();
		expect(countryOf('')).toBeUndefined();
	});

	it('still gives the calling code when the country is unknown', () => {
		expect(callingCodeOf('15555550100')).toBe('1');
		expect(callingCodeOf('garbage')).toBeUndefined();
	});
});

describe('business-scoped user ids and usernames', () => {
	it('recognises a BSUID and a parent BSUID as Meta documents them', () => {
		expect(looksLikeBsuid('US.13491208655302741918')).toBe(true);
		expect(looksLikeBsuid('US.ENT.11815799212886844830')).toBe(true);
		expect(looksLikeBsuid(` DE.${'a1'.repeat(64)} `)).toBe(true);
	});

	it('does not take phone numbers, usernames or malformed ids for a BSUID', () => {
		expect(looksLikeBsuid('4915123456789')).toBe(false);
		expect(looksLikeBsuid('@pablomorales')).toBe(false);
		expect(looksLikeBsuid('us.1349')).toBe(false);
		expect(looksLikeBsuid('US.')).toBe(false);
		expect(looksLikeBsuid(`US.${'1'.repeat(129)}`)).toBe(false);
		expect(looksLikeBsuid('US.1349-1208')).toBe(false);
	});

	it('recognises usernames by Meta’s format rules', () => {
		expect(looksLikeUsername('@pablomorales')).toBe(true);
		expect(looksLikeUsername('pablo.morales_2')).toBe(true);
	});

	it.each([
		['ab', 'shorter than 3'],
		['a'.repeat(36), 'longer than 35'],
		['12345', 'no letter'],
		['.pablo', 'leading period'],
		['pablo.', 'trailing period'],
		['pab..lo', 'double period'],
		['wwwpablo', 'starts with www'],
		['pablo.com', 'ends with a domain'],
		['pablo-morales', 'a hyphen'],
		['+4915123456789', 'a phone number'],
	])('rejects %p as a username (%s)', (input) => {
		expect(looksLikeUsername(input)).toBe(false);
	});
});
