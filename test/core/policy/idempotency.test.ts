import { checkIdempotency } from '../../../nodes/core/policy';
import { CONTACT, ORDER_REF as key, T0, sent } from './fixtures';

describe('idempotency', () => {
	it('lets a key that was never sent go', () => {
		expect(
			checkIdempotency({ contact: CONTACT, idempotencyKey: key, existing: undefined }),
		).toEqual({
			allowed: true,
		});
	});

	it('does not check anything when no key is given', () => {
		expect(
			checkIdempotency({ contact: CONTACT, idempotencyKey: undefined, existing: sent('accepted') }),
		).toEqual({ allowed: true });
	});

	it('never sends an accepted key twice and returns the first wamid', () => {
		const existing = sent('accepted', { wamid: 'wamid.HBgLNDkxNTEyMzQ1Njc4OQ', sentAt: T0 });
		const decision = checkIdempotency({ contact: CONTACT, idempotencyKey: key, existing });
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

	it('holds a key whose send is still in progress', () => {
		const decision = checkIdempotency({
			contact: CONTACT,
			idempotencyKey: key,
			existing: sent('pending'),
		});
		expect(decision).toMatchObject({ allowed: false, reason: 'send_in_progress' });
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.wamid).toBeUndefined();
		expect(decision.message).toContain('2026-03-02 11:00 UTC');
	});

	it('lets a key whose earlier send failed be sent again', () => {
		expect(
			checkIdempotency({
				contact: CONTACT,
				idempotencyKey: key,
				existing: sent('failed', { errorCode: 131026 }),
			}),
		).toEqual({ allowed: true });
	});
});
