import { checkErasure } from '../../../nodes/core/policy';
import { CONTACT } from './fixtures';

describe('erasure', () => {
	it('never messages a contact whose data was erased', () => {
		const decision = checkErasure({ contact: CONTACT, suppressed: true });
		expect(decision).toMatchObject({ allowed: false, rule: 'erasure', reason: 'suppressed' });
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.message).toContain(CONTACT);
		expect(decision.retryAt).toBeUndefined();
	});

	it('lets everyone else through', () => {
		expect(checkErasure({ contact: CONTACT, suppressed: false })).toEqual({ allowed: true });
	});
});
