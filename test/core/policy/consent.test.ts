import { CLOCK_SKEW_ALLOWANCE, DAY, HOUR, MINUTE, SECOND } from '../../../nodes/core/clock';
import {
	ALL_PURPOSES,
	MARKETING,
	OPT_OUT_CONFIRMATION_KIND_PREFIX,
	TRANSACTIONAL,
} from '../../../nodes/core/model';
import {
	checkConsent,
	checkReplyAfterOptOut,
	effectiveConsent,
	OPT_OUT_CONFIRMATIONS_PER_OPT_OUT,
	optOutConfirmationKind,
	PolicyOptionError,
	summarizeConsent,
	type ConsentInput,
} from '../../../nodes/core/policy';
import { CONTACT, T0, consent } from './fixtures';

const check = (consents: ConsentInput['consents'], extra: Partial<ConsentInput> = {}) =>
	checkConsent({ contact: CONTACT, category: 'marketing', consents, ...extra });

describe('consent', () => {
	it('lets a marketing template go to a contact who opted in to marketing', () => {
		expect(check([consent(MARKETING, 'opted_in', T0)])).toEqual({ allowed: true });
	});

	it('holds a marketing template for a contact who only agreed to transactional messages', () => {
		const decision = check([consent(TRANSACTIONAL, 'opted_in', T0)]);
		expect(decision).toMatchObject({ allowed: false, rule: 'consent', reason: 'no_consent' });
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.message).toContain(CONTACT);
		expect(decision.message).toContain('Opt-in Manager');
	});

	it('holds a marketing template for a contact with no records at all', () => {
		expect(check([])).toMatchObject({ allowed: false, reason: 'no_consent' });
	});

	it('lets a topic template go when the topic is opted in and marketing is not opted out', () => {
		const topic = 'back_in_stock';
		expect(check([consent(topic, 'opted_in', T0)], { topic })).toEqual({ allowed: true });
		expect(
			check([consent(topic, 'opted_in', T0), consent(MARKETING, 'pending', T0)], { topic }),
		).toEqual({ allowed: true });
	});

	it('holds a topic template when only marketing, not the topic, is opted in', () => {
		const decision = check([consent(MARKETING, 'opted_in', T0)], { topic: 'back_in_stock' });
		expect(decision).toMatchObject({ allowed: false, reason: 'no_consent' });
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.message).toContain('"back_in_stock"');
	});

	it('treats the topic "marketing" as plain marketing consent', () => {
		expect(check([consent(MARKETING, 'opted_in', T0)], { topic: MARKETING }).allowed).toBe(true);
	});

	it('refuses "*" or an empty topic as a consent topic', () => {
		expect(() => check([], { topic: ALL_PURPOSES })).toThrow(PolicyOptionError);
		expect(() => check([], { topic: ' ' })).toThrow(/not a purpose/);
	});

	it('lets utility and authentication templates go with any active opt-in', () => {
		for (const category of ['utility', 'authentication'] as const) {
			expect(
				checkConsent({
					contact: CONTACT,
					category,
					consents: [consent(TRANSACTIONAL, 'opted_in', T0)],
				}).allowed,
			).toBe(true);
			expect(
				checkConsent({ contact: CONTACT, category, consents: [consent(MARKETING, 'opted_in', T0)] })
					.allowed,
			).toBe(true);
			expect(
				checkConsent({
					contact: CONTACT,
					category,
					consents: [consent('back_in_stock', 'opted_in', T0)],
				}).allowed,
			).toBe(true);
		}
	});

	it('holds a utility template for a contact with no opt-in on record', () => {
		const decision = checkConsent({ contact: CONTACT, category: 'utility', consents: [] });
		expect(decision).toMatchObject({ allowed: false, rule: 'consent', reason: 'no_consent' });
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.message).toContain('no opt-in on record');
	});

	it('holds a utility template for a contact who withdrew every opt-in they gave', () => {
		const decision = checkConsent({
			contact: CONTACT,
			category: 'utility',
			consents: [consent(MARKETING, 'opted_out', T0, 'button')],
		});
		expect(decision).toMatchObject({ allowed: false, reason: 'no_consent' });
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.message).toContain('withdrawn');
	});
});

describe('opt-out wins', () => {
	it('holds marketing for a contact whose latest marketing change is an opt-out', () => {
		const decision = check([consent(MARKETING, 'opted_out', T0, 'user_preferences')]);
		expect(decision).toMatchObject({
			allowed: false,
			rule: 'opt-out wins',
			reason: 'marketing_opted_out',
		});
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.message).toContain('user_preferences');
		expect(decision.message).toContain('2026-03-02 12:00 UTC');
	});

	it('holds a topic template when marketing is opted out, even with the topic opted in', () => {
		const consents = [
			consent('back_in_stock', 'opted_in', T0 + HOUR),
			consent(MARKETING, 'opted_out', T0, 'button'),
		];
		expect(check(consents, { topic: 'back_in_stock' })).toMatchObject({
			reason: 'marketing_opted_out',
		});
	});

	it('holds a topic template when the topic is opted out', () => {
		const consents = [
			consent('back_in_stock', 'opted_out', T0),
			consent(MARKETING, 'opted_in', T0),
		];
		expect(check(consents, { topic: 'back_in_stock' })).toMatchObject({
			rule: 'opt-out wins',
			reason: 'topic_opted_out',
		});
	});

	it('a "stop promotions" opt-out stops marketing only: utility still goes', () => {
		const consents = [
			consent(TRANSACTIONAL, 'opted_in', T0 - DAY),
			consent(MARKETING, 'opted_out', T0, 'button'),
		];
		expect(check(consents)).toMatchObject({ reason: 'marketing_opted_out' });
		expect(checkConsent({ contact: CONTACT, category: 'utility', consents }).allowed).toBe(true);
	});

	it('a STOP keyword (opt-out on every purpose) holds marketing and utility alike', () => {
		const consents = [
			consent(MARKETING, 'opted_in', T0 - DAY),
			consent(TRANSACTIONAL, 'opted_in', T0 - DAY),
			consent(ALL_PURPOSES, 'opted_out', T0, 'keyword'),
		];
		expect(check(consents)).toMatchObject({ rule: 'opt-out wins', reason: 'opted_out' });
		expect(checkConsent({ contact: CONTACT, category: 'utility', consents })).toMatchObject({
			rule: 'opt-out wins',
			reason: 'opted_out',
		});
		expect(checkConsent({ contact: CONTACT, category: 'authentication', consents })).toMatchObject({
			reason: 'opted_out',
		});
	});

	it('an opt-in newer than the STOP wins over it', () => {
		const consents = [
			consent(ALL_PURPOSES, 'opted_out', T0, 'keyword'),
			consent(MARKETING, 'opted_in', T0 + 1),
		];
		expect(check(consents)).toEqual({ allowed: true });
		expect(checkConsent({ contact: CONTACT, category: 'utility', consents }).allowed).toBe(true);
		expect(effectiveConsent(consents, MARKETING)).toMatchObject({ status: 'opted_in' });
	});

	it('an opt-out wins an opt-in recorded at the same moment', () => {
		const consents = [
			consent(MARKETING, 'opted_in', T0),
			consent(ALL_PURPOSES, 'opted_out', T0, 'keyword'),
		];
		expect(check(consents)).toMatchObject({ reason: 'opted_out' });
		expect(
			effectiveConsent(
				[consent(MARKETING, 'opted_in', T0), consent(MARKETING, 'opted_out', T0)],
				MARKETING,
			),
		).toMatchObject({ status: 'opted_out' });
	});

	it('a START on every purpose lifts the STOP for utility but is not marketing consent', () => {
		const consents = [consent(ALL_PURPOSES, 'opted_in', T0, 'keyword')];
		expect(checkConsent({ contact: CONTACT, category: 'utility', consents }).allowed).toBe(true);
		expect(check(consents)).toMatchObject({ reason: 'no_consent' });
	});

	it('only the latest record of a purpose counts when several are passed', () => {
		const consents = [
			consent(MARKETING, 'opted_out', T0 + HOUR),
			consent(MARKETING, 'opted_in', T0),
		];
		expect(check(consents)).toMatchObject({ reason: 'marketing_opted_out' });
	});

	describe('replies after a STOP', () => {
		const stopped = [
			consent(MARKETING, 'opted_in', T0 - DAY),
			consent(ALL_PURPOSES, 'opted_out', T0, 'keyword'),
		];

		it('allow only the confirmation of the opt-out as a reply to the STOP message', () => {
			const input = { contact: CONTACT, consents: stopped, lastInboundAt: T0 };
			expect(checkReplyAfterOptOut(input)).toMatchObject({
				allowed: false,
				rule: 'opt-out wins',
				reason: 'opted_out',
			});
			expect(checkReplyAfterOptOut({ ...input, optOutConfirmation: true })).toEqual({
				allowed: true,
			});
		});

		describe('one confirmation per opt-out', () => {
			const confirm = (sentAt: number[]) =>
				checkReplyAfterOptOut({
					contact: CONTACT,
					consents: stopped,
					lastInboundAt: T0,
					optOutConfirmation: true,
					optOutConfirmationsSentAt: sentAt,
				});

			it('is one by default', () => {
				expect(OPT_OUT_CONFIRMATIONS_PER_OPT_OUT).toBe(1);
			});

			it('holds a second confirmation of the same opt-out', () => {
				const decision = confirm([T0 + 2 * SECOND]);
				expect(decision).toMatchObject({
					allowed: false,
					rule: 'opt-out wins',
					reason: 'opt_out_confirmed',
				});
				if (decision.allowed) throw new Error('expected a hold');
				expect(decision.message).toContain('one confirmation per opt-out');
				expect(decision.message).toContain(CONTACT);
			});

			it('counts confirmations stamped up to the clock allowance before the opt-out (the host clock may run behind)', () => {
				expect(confirm([T0 - CLOCK_SKEW_ALLOWANCE]).allowed).toBe(false);
				expect(confirm([T0 - CLOCK_SKEW_ALLOWANCE - 1]).allowed).toBe(true);
			});

			it('allows a confirmation of a new opt-out after an older one was confirmed', () => {
				expect(confirm([T0 - DAY])).toEqual({ allowed: true });
				expect(confirm([])).toEqual({ allowed: true });
			});

			it('does not limit replies to a message the contact sent after the opt-out', () => {
				expect(
					checkReplyAfterOptOut({
						contact: CONTACT,
						consents: stopped,
						lastInboundAt: T0 + MINUTE,
						optOutConfirmation: true,
						optOutConfirmationsSentAt: [T0 + SECOND],
					}),
				).toEqual({ allowed: true });
			});

			it('marks the stored kind of a confirmation so the store can count it', () => {
				expect(optOutConfirmationKind('text')).toBe('opt_out_confirmation:text');
				expect(optOutConfirmationKind('text').startsWith(OPT_OUT_CONFIRMATION_KIND_PREFIX)).toBe(
					true,
				);
			});
		});

		it('allow answering a message the contact sends after opting out', () => {
			const input = { contact: CONTACT, consents: stopped, lastInboundAt: T0 + 1 };
			expect(checkReplyAfterOptOut(input)).toEqual({ allowed: true });
		});

		it('are not affected by a marketing-only opt-out', () => {
			const consents = [consent(MARKETING, 'opted_out', T0, 'button')];
			expect(checkReplyAfterOptOut({ contact: CONTACT, consents, lastInboundAt: T0 })).toEqual({
				allowed: true,
			});
		});
	});
});

describe('double opt-in', () => {
	const pending = [consent(MARKETING, 'pending', T0, 'web_form')];

	it('permits no marketing while the confirmation is pending', () => {
		const decision = check(pending);
		expect(decision).toMatchObject({
			allowed: false,
			rule: 'double opt-in',
			reason: 'consent_pending',
		});
		expect(
			check([consent('back_in_stock', 'pending', T0)], { topic: 'back_in_stock' }),
		).toMatchObject({
			reason: 'consent_pending',
		});
	});

	it('lets the confirmation request, a utility template, go to a pending contact', () => {
		const input = { contact: CONTACT, category: 'utility' as const, consents: pending };
		expect(checkConsent({ ...input, doiConfirmation: true })).toEqual({ allowed: true });
		expect(checkConsent(input)).toMatchObject({ rule: 'double opt-in', reason: 'consent_pending' });
	});

	it('does not let a marketing template pass as the confirmation request', () => {
		expect(check(pending, { doiConfirmation: true })).toMatchObject({ reason: 'consent_pending' });
	});

	it('does not let the confirmation request go to a contact with nothing pending', () => {
		expect(
			checkConsent({ contact: CONTACT, category: 'utility', consents: [], doiConfirmation: true }),
		).toMatchObject({ reason: 'no_consent' });
		const stopped = [
			consent(MARKETING, 'pending', T0 - HOUR),
			consent(ALL_PURPOSES, 'opted_out', T0),
		];
		expect(
			checkConsent({
				contact: CONTACT,
				category: 'utility',
				consents: stopped,
				doiConfirmation: true,
			}),
		).toMatchObject({ reason: 'opted_out' });
	});

	it('lets the confirmation request go to a contact who asked again after a STOP', () => {
		const consents = [
			consent(ALL_PURPOSES, 'opted_out', T0 - DAY),
			consent(MARKETING, 'pending', T0),
		];
		expect(
			checkConsent({ contact: CONTACT, category: 'utility', consents, doiConfirmation: true }),
		).toEqual({ allowed: true });
	});
});

describe('consent view', () => {
	it('shows each purpose as it decides, with a STOP overriding older opt-ins', () => {
		const summary = summarizeConsent(
			[
				consent(TRANSACTIONAL, 'opted_in', T0 - DAY),
				consent(MARKETING, 'opted_in', T0 - DAY),
				consent(ALL_PURPOSES, 'opted_out', T0, 'keyword'),
			],
			T0 + HOUR,
		);
		expect(summary.asOf).toBe(T0 + HOUR);
		expect(summary.fullOptOut).toEqual({ at: T0, source: 'keyword' });
		expect(
			summary.purposes.map((p) => [
				p.purpose,
				p.status,
				p.recordedStatus,
				p.overriddenByFullOptOut,
			]),
		).toEqual([
			['*', 'opted_out', 'opted_out', false],
			['marketing', 'opted_out', 'opted_in', true],
			['transactional', 'opted_out', 'opted_in', true],
		]);
		expect(summary.canReceive).toEqual({ marketing: false, utility: false });
	});

	it('says what may be sent: utility after a marketing stop, nothing for a stranger', () => {
		const stoppedPromotions = summarizeConsent(
			[consent(TRANSACTIONAL, 'opted_in', T0 - DAY), consent(MARKETING, 'opted_out', T0, 'button')],
			T0,
		);
		expect(stoppedPromotions.canReceive).toEqual({ marketing: false, utility: true });
		expect(stoppedPromotions.fullOptOut).toBeUndefined();
		expect(summarizeConsent([], T0)).toEqual({
			asOf: T0,
			fullOptOut: undefined,
			purposes: [],
			canReceive: { marketing: false, utility: false },
		});
		expect(summarizeConsent([consent(MARKETING, 'opted_in', T0)], T0).canReceive).toEqual({
			marketing: true,
			utility: true,
		});
	});
});
