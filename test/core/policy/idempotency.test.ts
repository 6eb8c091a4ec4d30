import { MINUTE } from '../../../nodes/core/clock';
import {
	CLAIM_LEASE_MS,
	checkIdempotency,
	isAbandonedClaim,
	PENDING_SEND_STALE_AFTER_MS,
} from '../../../nodes/core/policy';
import { CONTACT, ORDER_REF as key, T0, sent } from './fixtures';

describe('idempotency', () => {
	it('lets a key that was never sent go', () => {
		expect(
			checkIdempotency({ contact: CONTACT, idempotencyKey: key, existing: undefined }, T0),
		).toEqual({
			allowed: true,
		});
	});

	it('does not check anything when no key is given', () => {
		expect(
			checkIdempotency(
				{ contact: CONTACT, idempotencyKey: undefined, existing: sent('accepted') },
				T0,
			),
		).toEqual({ allowed: true });
	});

	it('never sends an accepted key twice and returns the first wamid', () => {
		const existing = sent('accepted', { wamid: 'wamid.HBgLNDkxNTEyMzQ1Njc4OQ', sentAt: T0 });
		const decision = checkIdempotency({ contact: CONTACT, idempotencyKey: key, existing }, T0);
		expect(decision).toMatchObject({
			allowed: false,
			rule: 'idempotency',
			reason: 'duplicate',
			wamid: 'wamid.HBgLNDkxNTEyMzQ1Njc4OQ',
		});
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.message).toContain(CONTACT);
		expect(decision.message).toContain(key);
		expect(decision.message).toContain('2026-03-02 12:00 UTC');
	});

	it('holds a freshly claimed key as being sent by another execution', () => {
		const existing = sent('pending', { createdAt: T0 - 2 * MINUTE, leftAt: T0 - 2 * MINUTE });
		const decision = checkIdempotency({ contact: CONTACT, idempotencyKey: key, existing }, T0);
		expect(decision).toMatchObject({ allowed: false, reason: 'send_in_progress' });
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.wamid).toBeUndefined();
		expect(decision.message).toContain('is being sent by another execution');
		expect(decision.message).toContain('2026-03-02 11:58 UTC');
	});

	it('says a send whose outcome was never recorded may have been sent, and how to settle it', () => {
		const existing = sent('pending', {
			createdAt: T0 - PENDING_SEND_STALE_AFTER_MS - 1,
			leftAt: T0 - PENDING_SEND_STALE_AFTER_MS - 1,
		});
		const decision = checkIdempotency({ contact: CONTACT, idempotencyKey: key, existing }, T0);
		expect(decision).toMatchObject({
			allowed: false,
			rule: 'idempotency',
			reason: 'send_unconfirmed',
		});
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.message).toContain('the execution stopped, or the answer was lost');
		expect(decision.message).toContain('it may have been sent');
		expect(decision.message).toContain('the Webhook Trigger settles it');
		expect(decision.message).toContain('Sent Message > Release');
		expect(decision.message).not.toContain('being sent by another execution');
	});

	it('counts a claim as fresh up to exactly the stale limit', () => {
		const existing = sent('pending', {
			createdAt: T0 - PENDING_SEND_STALE_AFTER_MS,
			leftAt: T0 - PENDING_SEND_STALE_AFTER_MS,
		});
		const decision = checkIdempotency({ contact: CONTACT, idempotencyKey: key, existing }, T0);
		expect(decision).toMatchObject({ reason: 'send_in_progress' });
		expect(PENDING_SEND_STALE_AFTER_MS).toBeGreaterThanOrEqual(MINUTE);
	});

	it('lets a key go whose claim was abandoned: its request never left, the lease is over', () => {
		const abandoned = sent('pending', { createdAt: T0 - CLAIM_LEASE_MS - 1 });
		expect(isAbandonedClaim(abandoned, T0)).toBe(true);
		expect(
			checkIdempotency({ contact: CONTACT, idempotencyKey: key, existing: abandoned }, T0),
		).toEqual({ allowed: true });
		// Within the lease the claimer is about to send: held.
		const young = sent('pending', { createdAt: T0 - CLAIM_LEASE_MS });
		expect(
			checkIdempotency({ contact: CONTACT, idempotencyKey: key, existing: young }, T0),
		).toMatchObject({ reason: 'send_in_progress' });
		// Once its request left, a claim is never abandoned, however old.
		const left = sent('pending', {
			createdAt: T0 - 2 * CLAIM_LEASE_MS,
			leftAt: T0 - CLAIM_LEASE_MS,
		});
		expect(isAbandonedClaim(left, T0)).toBe(false);
	});

	it('lets a key whose earlier send failed be sent again', () => {
		expect(
			checkIdempotency(
				{ contact: CONTACT, idempotencyKey: key, existing: sent('failed', { errorCode: 131026 }) },
				T0,
			),
		).toEqual({ allowed: true });
	});
});
