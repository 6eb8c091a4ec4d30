import { DAY, HOUR } from '../../../nodes/core/clock';
import {
	ALL_PURPOSES,
	MARKETING,
	TRANSACTIONAL,
	type ConsentRecord,
} from '../../../nodes/core/model';
import {
	evaluateTemplateSend,
	PolicyOptionError,
	summarizeConsent,
	TEMPLATE_SEND_RULES,
} from '../../../nodes/core/policy';
import {
	CONSENT_ONLY_RULES,
	categoryForPurpose,
	evaluateConsentOnly,
	summarizeContactConsent,
	type ConsentOnlyInput,
} from '../../../nodes/core/policy/consentCheck';
import { CONTACT, T0, consent, templateState } from './fixtures';

const TOPIC = 'back_in_stock';

const check = (extra: Partial<ConsentOnlyInput>) =>
	evaluateConsentOnly(
		{ contact: CONTACT, purpose: MARKETING, records: [], suppressed: false, ...extra },
		T0,
	);

const reason = (decision: { allowed: boolean; reason?: string }) =>
	decision.allowed ? 'allowed' : decision.reason;

/** Consent histories that lead to every outcome of the consent rules. */
const SCENARIOS: Record<string, ConsentRecord[]> = {
	'no records': [],
	'marketing opted in': [consent(MARKETING, 'opted_in', T0 - DAY)],
	'marketing pending': [consent(MARKETING, 'pending', T0 - DAY)],
	'marketing opted out': [consent(MARKETING, 'opted_out', T0 - DAY)],
	'transactional only': [consent(TRANSACTIONAL, 'opted_in', T0 - DAY)],
	'topic opted in': [consent(TOPIC, 'opted_in', T0 - DAY)],
	'topic opted in, marketing stopped later': [
		consent(TOPIC, 'opted_in', T0 - 2 * DAY),
		consent(MARKETING, 'opted_out', T0 - DAY),
	],
	'topic opted out': [consent(TOPIC, 'opted_out', T0 - DAY)],
	'full opt-out after marketing opt-in': [
		consent(MARKETING, 'opted_in', T0 - 2 * DAY),
		consent(ALL_PURPOSES, 'opted_out', T0 - DAY),
	],
	'opted in again after a full opt-out': [
		consent(ALL_PURPOSES, 'opted_out', T0 - 2 * DAY),
		consent(MARKETING, 'opted_in', T0 - DAY),
	],
	'everything withdrawn': [consent(TRANSACTIONAL, 'opted_out', T0 - DAY)],
};

describe('consent check (Check and Get Status: consent without a template)', () => {
	it('asks for a utility template for transactional, a marketing one for marketing and topics', () => {
		expect(categoryForPurpose(TRANSACTIONAL)).toBe('utility');
		expect(categoryForPurpose(MARKETING)).toBe('marketing');
		expect(categoryForPurpose(TOPIC)).toBe('marketing');
		expect(check({ purpose: TRANSACTIONAL })).toMatchObject({
			purpose: TRANSACTIONAL,
			category: 'utility',
		});
		expect(check({ purpose: TOPIC })).toMatchObject({
			purpose: TOPIC,
			category: 'marketing',
			topic: TOPIC,
		});
		expect(check({ purpose: MARKETING })).not.toHaveProperty('topic');
	});

	it('runs erasure before consent, in the order Send Template runs them', () => {
		expect(CONSENT_ONLY_RULES).toEqual(['erasure', 'consent']);
		expect(CONSENT_ONLY_RULES).toEqual(
			TEMPLATE_SEND_RULES.filter((rule) => CONSENT_ONLY_RULES.includes(rule)),
		);
		const records = SCENARIOS['full opt-out after marketing opt-in'];
		expect(check({ records, suppressed: true })).toMatchObject({
			allowed: false,
			rule: 'erasure',
			reason: 'suppressed',
		});
		expect(check({ records, suppressed: false })).toMatchObject({
			allowed: false,
			rule: 'opt-out wins',
			reason: 'opted_out',
		});
	});

	it('decides every purpose as Send Template decides a template of that category', () => {
		for (const [scenario, records] of Object.entries(SCENARIOS)) {
			for (const suppressed of [false, true]) {
				for (const purpose of [MARKETING, TRANSACTIONAL, TOPIC]) {
					const category = categoryForPurpose(purpose);
					const send = evaluateTemplateSend(
						{
							contact: CONTACT,
							country: 'DE',
							timeZones: ['Europe/Berlin'],
							template: { name: 'offer', language: 'de', category },
							templateState: templateState('APPROVED', category),
							consents: records,
							suppressed,
							window: undefined,
							marketingSentAt: [],
							existingSend: undefined,
							topic: purpose === TOPIC ? TOPIC : undefined,
						},
						{},
						T0,
					);
					const only = check({ purpose, records, suppressed });
					expect([scenario, suppressed, purpose, reason(only)]).toEqual([
						scenario,
						suppressed,
						purpose,
						reason(send),
					]);
					if (!only.allowed && !send.allowed) expect(only.message).toBe(send.message);
				}
			}
		}
	});

	it('lets a topic template go only with the topic opted in and marketing not stopped', () => {
		expect(check({ purpose: TOPIC, records: SCENARIOS['topic opted in'] }).allowed).toBe(true);
		expect(
			check({ purpose: TOPIC, records: SCENARIOS['topic opted in, marketing stopped later'] }),
		).toMatchObject({ allowed: false, reason: 'marketing_opted_out' });
		expect(check({ purpose: TOPIC, records: SCENARIOS['marketing opted in'] })).toMatchObject({
			allowed: false,
			reason: 'no_consent',
		});
	});

	it('says in one sentence what an allow permits and what is still checked when sending', () => {
		const marketing = check({ records: SCENARIOS['marketing opted in'] });
		expect(marketing).toMatchObject({ allowed: true, asOf: T0 });
		expect(marketing.message).toContain(CONTACT);
		expect(marketing.message).toContain('frequency cap');
		const topic = check({ purpose: TOPIC, records: SCENARIOS['topic opted in'] });
		expect(topic.message).toContain(`"${TOPIC}"`);
		const utility = check({ purpose: TRANSACTIONAL, records: SCENARIOS['transactional only'] });
		expect(utility.message).toContain('utility and authentication templates may be sent');
	});

	it('refuses "*" and an empty purpose, naming the field', () => {
		for (const purpose of [ALL_PURPOSES, '', '  ']) {
			let error: unknown;
			try {
				check({ purpose });
			} catch (e) {
				error = e;
			}
			expect(error).toBeInstanceOf(PolicyOptionError);
			expect((error as PolicyOptionError).field).toBe('purpose');
			expect((error as Error).message).toMatch(/cannot be checked: use "marketing"/);
		}
	});
});

describe('contact consent summary (Get Status)', () => {
	it('an erased contact can receive nothing, whatever consent is on record', () => {
		const records = SCENARIOS['marketing opted in'];
		const summary = summarizeContactConsent({ records, suppressed: true }, T0);
		expect(summary.suppressed).toBe(true);
		expect(summary.canReceive).toEqual({ marketing: false, utility: false });
		// The records themselves are still shown as recorded.
		expect(summary.purposes).toEqual(summarizeConsent(records, T0).purposes);
	});

	it('without erasure, says what Check would say for marketing and transactional', () => {
		for (const records of Object.values(SCENARIOS)) {
			const summary = summarizeContactConsent({ records, suppressed: false }, T0 + HOUR);
			expect(summary).toEqual({ ...summarizeConsent(records, T0 + HOUR), suppressed: false });
			expect(summary.canReceive).toEqual({
				marketing: check({ purpose: MARKETING, records }).allowed,
				utility: check({ purpose: TRANSACTIONAL, records }).allowed,
			});
		}
	});
});
