import { checkUsMarketing, PolicyOptionError } from '../../../nodes/core/policy';

const contact = '+1 212 555 0100';

describe('us marketing', () => {
	it('holds marketing templates to US numbers before anything is paid', () => {
		const decision = checkUsMarketing({ contact, country: 'US', category: 'marketing' });
		expect(decision).toMatchObject({
			allowed: false,
			rule: 'us marketing',
			reason: 'us_marketing',
		});
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.message).toContain(contact);
		expect(decision.retryAt).toBeUndefined();
		expect(checkUsMarketing({ contact, country: 'us', category: 'marketing' }).allowed).toBe(false);
	});

	it('lets utility and authentication templates go to US numbers', () => {
		expect(checkUsMarketing({ contact, country: 'US', category: 'utility' }).allowed).toBe(true);
		expect(checkUsMarketing({ contact, country: 'US', category: 'authentication' }).allowed).toBe(
			true,
		);
	});

	it('does not treat Canada or other +1 countries as the US', () => {
		for (const country of ['CA', 'PR', 'JM', 'DO']) {
			expect(checkUsMarketing({ contact, country, category: 'marketing' }).allowed).toBe(true);
		}
	});

	it('lets marketing go when the country of the number is unknown', () => {
		expect(checkUsMarketing({ contact, country: undefined, category: 'marketing' }).allowed).toBe(
			true,
		);
	});

	it('can be turned off, should Meta lift the pause', () => {
		const input = { contact, country: 'US', category: 'marketing' as const };
		expect(checkUsMarketing(input, { enabled: false }).allowed).toBe(true);
		expect(() => checkUsMarketing(input, { enabled: 'no' as never })).toThrow(PolicyOptionError);
	});
});
