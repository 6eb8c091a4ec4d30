import { createHmac } from 'node:crypto';

import { contactHasher, newSalt } from '../../../nodes/core/store/contactHash';

describe('contact hash', () => {
	it('is HMAC-SHA256 of the contact keyed with the store salt, in hex', () => {
		const salt = newSalt();
		const hash = contactHasher(salt);
		// Long after short and short after long: the hasher writes each contact into one buffer.
		const contacts = [
			'4915112345678',
			'',
			'US.13491208655302741918',
			'ü€'.repeat(50),
			'491',
			'😀'.repeat(42),
			'x'.repeat(85),
			'x'.repeat(86),
			'€'.repeat(85),
			'4915112345678',
		];
		for (const contact of contacts) {
			const expected = createHmac('sha256', Buffer.from(salt, 'hex')).update(contact).digest('hex');
			expect(hash(contact)).toBe(expected);
		}
	});

	it('differs between stores, because each store has its own salt', () => {
		expect(contactHasher(newSalt())('4915112345678')).not.toBe(
			contactHasher(newSalt())('4915112345678'),
		);
	});
});
