import { createHmac } from 'node:crypto';

import { HOUR } from '../../../nodes/core/clock';
import type { ConsentEventInput, ConsentRecord } from '../../../nodes/core/model';
import { contactHasher, newSalt } from '../../../nodes/core/store/common';
import { decideConsent } from '../../../nodes/core/store/consent';

const T0 = Date.UTC(2025, 5, 1, 12);

describe('contact hash', () => {
	it('is HMAC-SHA256 of the contact keyed with the store salt, in hex', () => {
		const salt = newSalt();
		const hash = contactHasher(salt);
		for (const contact of ['4915112345678', '', 'US.13491208655302741918', 'ü€'.repeat(50)]) {
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

// Ties, wording and kept timestamps are in the store contract (contract.ts), on both backends.
describe('consent decision', () => {
	const event = (action: ConsentEventInput['action'], at: number): ConsentEventInput => ({
		contact: '4915112345678',
		purpose: 'marketing',
		action,
		at,
		source: 'web_form',
	});
	const record = (status: ConsentRecord['status'], changedAt: number): ConsentRecord => ({
		contact: '4915112345678',
		purpose: 'marketing',
		status,
		changedAt,
		source: 'web_form',
		optedInAt: T0 - HOUR,
	});

	it('lets a newer event decide', () => {
		expect(decideConsent(record('opted_in', T0), event('opt_out', T0 + 1))).toMatchObject({
			applied: true,
			statusAfter: 'opted_out',
			record: { status: 'opted_out', changedAt: T0 + 1, optedInAt: T0 - HOUR, optedOutAt: T0 + 1 },
		});
	});

	it('ignores an older event', () => {
		expect(decideConsent(record('opted_out', T0), event('opt_in', T0 - 1))).toEqual({
			applied: false,
			statusAfter: 'opted_out',
		});
	});

	it('confirms only a pending purpose', () => {
		expect(decideConsent(record('pending', T0), event('confirm', T0 + 1))).toMatchObject({
			applied: true,
			record: { status: 'opted_in', confirmedAt: T0 + 1 },
		});
		expect(decideConsent(record('opted_out', T0), event('confirm', T0 + 1)).applied).toBe(false);
		expect(decideConsent(undefined, event('confirm', T0))).toEqual({ applied: false });
	});

	it('starts a record for a first opt-in, request or opt-out', () => {
		expect(decideConsent(undefined, event('request_confirmation', T0)).record).toEqual({
			contact: '4915112345678',
			purpose: 'marketing',
			status: 'pending',
			changedAt: T0,
			source: 'web_form',
			optedInAt: T0,
		});
		expect(decideConsent(undefined, event('opt_out', T0)).record).toEqual({
			contact: '4915112345678',
			purpose: 'marketing',
			status: 'opted_out',
			changedAt: T0,
			source: 'web_form',
			optedOutAt: T0,
		});
	});
});
