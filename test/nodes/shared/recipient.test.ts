import { PhoneNumberError } from '../../../nodes/core/phone';
import { resolveRecipient } from '../../../nodes/shared/recipient';

describe('recipient', () => {
	it('reads a phone number in any common notation as its wa_id, addressed in "to"', () => {
		expect(resolveRecipient(' 0151 12345678 ', 'DE')).toEqual({
			contact: '4915112345678',
			input: '0151 12345678',
			field: 'to',
			address: '+4915112345678',
			country: 'DE',
			timeZones: expect.arrayContaining(['Europe/Berlin']),
		});
		expect(resolveRecipient('+49 151 12345678').contact).toBe('4915112345678');
	});

	it('reads a wa_id the Webhook Trigger gives, also as a number', () => {
		expect(resolveRecipient(4915112345678)).toMatchObject({
			contact: '4915112345678',
			address: '+4915112345678',
		});
	});

	it('keeps a business-scoped user ID as it is, addressed in "recipient", in its prefix\'s country', () => {
		expect(resolveRecipient(' US.13491208655302741918 ')).toEqual({
			contact: 'US.13491208655302741918',
			input: 'US.13491208655302741918',
			field: 'recipient',
			address: 'US.13491208655302741918',
			country: 'US',
			timeZones: expect.arrayContaining(['America/New_York', 'America/Los_Angeles']),
		});
		expect(resolveRecipient('US.ENT.11815799212886844830')).toMatchObject({
			field: 'recipient',
			country: 'US',
		});
	});

	it('refuses a WhatsApp username, saying what to give instead', () => {
		for (const username of ['@pablomorales', 'pablo.morales']) {
			const error = (() => {
				try {
					resolveRecipient(username);
				} catch (e) {
					return e;
				}
				return undefined;
			})();
			expect(error).toBeInstanceOf(PhoneNumberError);
			expect((error as Error).message).toContain(`"${username}" looks like a WhatsApp username`);
			expect((error as Error).message).toContain('business-scoped user ID');
		}
	});

	it('needs the default country for a national number', () => {
		expect(() => resolveRecipient('0151 12345678')).toThrow(PhoneNumberError);
		expect(() => resolveRecipient({ phone: '+4915112345678' })).toThrow(PhoneNumberError);
	});
});
