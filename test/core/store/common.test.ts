import { createHmac } from 'node:crypto';

import { HOUR, MINUTE } from '../../../nodes/core/clock';
import type { ConsentEventInput, ConsentRecord } from '../../../nodes/core/model';
import { contactHasher, newSalt } from '../../../nodes/core/store/common';
import { CONFIRMATION_SKEW_ALLOWANCE, decideConsent } from '../../../nodes/core/store/consent';

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
			at: T0 - 1,
			statusAfter: 'opted_out',
		});
	});

	it('confirms only a pending purpose', () => {
		expect(decideConsent(record('pending', T0), event('confirm', T0 + 1))).toMatchObject({
			applied: true,
			record: { status: 'opted_in', confirmedAt: T0 + 1 },
		});
		expect(decideConsent(record('opted_out', T0), event('confirm', T0 + 1)).applied).toBe(false);
		expect(decideConsent(undefined, event('confirm', T0))).toEqual({ applied: false, at: T0 });
	});

	it('lets a confirmation stamped within the skew allowance before the request confirm it, at the request time', () => {
		expect(CONFIRMATION_SKEW_ALLOWANCE).toBe(5 * MINUTE);
		const pending = { ...record('pending', T0 + 400), wording: 'Offers on WhatsApp' };
		const sameSecond = { ...event('confirm', T0), source: 'button', wording: 'Yes, subscribe' };
		expect(decideConsent(pending, sameSecond)).toEqual({
			applied: true,
			at: T0 + 400,
			statusAfter: 'opted_in',
			record: {
				contact: '4915112345678',
				purpose: 'marketing',
				status: 'opted_in',
				changedAt: T0 + 400,
				source: 'web_form',
				wording: 'Offers on WhatsApp',
				optedInAt: T0 - HOUR,
				confirmedAt: T0 + 400,
			},
		});
		const edge = event('confirm', T0 + 400 - CONFIRMATION_SKEW_ALLOWANCE);
		expect(decideConsent(pending, edge)).toMatchObject({ applied: true, at: T0 + 400 });
	});

	it('keeps a confirmation older than the request by more than the allowance in the history only', () => {
		const pending = record('pending', T0);
		expect(decideConsent(pending, event('confirm', T0 - CONFIRMATION_SKEW_ALLOWANCE - 1))).toEqual({
			applied: false,
			at: T0 - CONFIRMATION_SKEW_ALLOWANCE - 1,
			statusAfter: 'pending',
		});
	});

	it('does not let a confirmation reach back across an opt-out of the purpose', () => {
		const pending = { ...record('pending', T0), optedOutAt: T0 - 1000 };
		expect(decideConsent(pending, event('confirm', T0 - 1000)).applied).toBe(false);
		expect(decideConsent(pending, event('confirm', T0 - 999))).toMatchObject({
			applied: true,
			at: T0,
			record: { optedOutAt: T0 - 1000, confirmedAt: T0 },
		});
	});

	it('keeps the source and wording the contact consented to when confirmed', () => {
		const pending = { ...record('pending', T0), wording: 'Offers on WhatsApp' };
		const tap = { ...event('confirm', T0 + MINUTE), source: 'button', wording: 'Yes, subscribe' };
		expect(decideConsent(pending, tap).record).toMatchObject({
			source: 'web_form',
			wording: 'Offers on WhatsApp',
			changedAt: T0 + MINUTE,
		});
		const unworded = record('pending', T0);
		expect(decideConsent(unworded, tap).record).not.toHaveProperty('wording');
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
