import { HOUR } from '../../nodes/core/clock';
import {
	PORTFOLIO,
	STANDING_REFRESH_MS,
	displaySubject,
	numbersOf,
	senderStanding,
	standingFromPhoneNumber,
	standingFromTemplates,
	standingIsStale,
	supersedes,
	templateOfSubject,
	templateSubject,
	type StandingEntry,
} from '../../nodes/core/standing';

const T0 = Date.UTC(2026, 2, 2, 12);
const SENDER = '731950246618093';

const entry = (
	subject: string,
	name: StandingEntry['name'],
	value: string,
	at: number,
	source = 'graph',
): StandingEntry => ({ subject, name, value, at, source });

describe('account standing', () => {
	it('reads what a GET of the sender number says, in one spelling', () => {
		expect(
			standingFromPhoneNumber(
				SENDER,
				{
					whatsapp_business_manager_messaging_limit: 'TIER_2K',
					quality_rating: 'yellow',
					display_phone_number: '+49 30 901820',
				},
				T0,
			),
		).toEqual([
			entry(SENDER, 'checked', 'graph', T0),
			entry(PORTFOLIO, 'messaging_limit', '2000', T0),
			entry(SENDER, 'quality_rating', 'YELLOW', T0),
			entry(SENDER, 'display_phone_number', '4930901820', T0),
		]);
		// A number that has not sent yet has no limit: only the read is recorded.
		expect(
			standingFromPhoneNumber(
				SENDER,
				{ whatsapp_business_manager_messaging_limit: 'TIER_NOT_SET' },
				T0,
			),
		).toEqual([entry(SENDER, 'checked', 'graph', T0)]);
	});

	it("gives the sender's number quality from its id or its display phone number, the newer first", () => {
		const entries = [
			entry(PORTFOLIO, 'messaging_limit', 'unlimited', T0),
			entry(SENDER, 'display_phone_number', '4930901820', T0),
			entry(SENDER, 'quality_rating', 'GREEN', T0),
			entry(SENDER, 'checked', 'graph', T0),
			entry(
				displaySubject('4930901820'),
				'quality_rating',
				'FLAGGED',
				T0 + HOUR,
				'phone_number_quality_update',
			),
			entry('999', 'quality_rating', 'RED', T0 + 2 * HOUR),
		];
		expect(senderStanding(entries, SENDER)).toEqual({
			messagingLimit: { value: 'unlimited', at: T0, source: 'graph' },
			numberQuality: { value: 'FLAGGED', at: T0 + HOUR, source: 'phone_number_quality_update' },
			checkedAt: T0,
		});
		// Without the display phone number (never read from Meta) the flag cannot be matched.
		expect(senderStanding(entries.slice(2), SENDER).numberQuality?.value).toBe('GREEN');
		expect(senderStanding([], SENDER)).toEqual({});
	});

	it('reads the number from Meta again when it never was, or an hour ago', () => {
		expect(standingIsStale({}, T0)).toBe(true);
		expect(standingIsStale({ checkedAt: T0 }, T0 + STANDING_REFRESH_MS - 1)).toBe(false);
		expect(standingIsStale({ checkedAt: T0 }, T0 + STANDING_REFRESH_MS)).toBe(true);
	});

	it('names subjects so they cannot collide', () => {
		expect(displaySubject('+49 30 901820')).toBe('display:4930901820');
		expect(templateSubject({ account: '1', name: 'spring_sale', language: 'en_US' })).toBe(
			'template:1:spring_sale:en_US',
		);
	});
});

describe('account standing: every number', () => {
	it('lists the numbers read from Meta, then display phone numbers only a webhook named', () => {
		const entries = [
			entry(SENDER, 'display_phone_number', '4930901820', T0),
			entry(SENDER, 'quality_rating', 'GREEN', T0),
			entry(SENDER, 'checked', 'graph', T0),
			entry(
				displaySubject('4930901820'),
				'quality_rating',
				'RED',
				T0 + HOUR,
				'phone_number_quality_update',
			),
			entry(
				displaySubject('14155550142'),
				'quality_rating',
				'FLAGGED',
				T0,
				'phone_number_quality_update',
			),
			entry(PORTFOLIO, 'messaging_limit', '250', T0),
			entry(
				templateSubject({ account: '1', name: 'a', language: 'en' }),
				'quality_rating',
				'RED',
				T0,
			),
		];
		expect(numbersOf(entries)).toEqual([
			{
				phoneNumberId: SENDER,
				displayPhoneNumber: '4930901820',
				quality: { value: 'RED', at: T0 + HOUR, source: 'phone_number_quality_update' },
				checkedAt: T0,
			},
			{
				displayPhoneNumber: '14155550142',
				quality: { value: 'FLAGGED', at: T0, source: 'phone_number_quality_update' },
			},
		]);
		expect(templateOfSubject('template:1:a:en')).toEqual({
			account: '1',
			name: 'a',
			language: 'en',
		});
		expect(templateOfSubject(SENDER)).toBeUndefined();
	});
});

describe('account standing: the newer statement by Meta’s own time', () => {
	const webhook = (at: number) => ({ at, source: 'phone_number_quality_update' });
	const read = (at: number) => ({ at, source: 'graph' });

	it('compares to the second, and within one second the webhook wins over the read', () => {
		// The webhook's whole second T0 + 5 s; the read 400 ms into that second.
		expect(supersedes(webhook(T0 + 5000), read(T0 + 5400))).toBe(true);
		expect(supersedes(read(T0 + 5400), webhook(T0 + 5000))).toBe(false);
		expect(supersedes(read(T0 + 6000), webhook(T0 + 5000))).toBe(true);
		expect(supersedes(webhook(T0 + 5000), read(T0 + 6000))).toBe(false);
	});

	it('takes the later of two of one kind, and the one that came last on a tie', () => {
		expect(supersedes(read(T0 + 5400), read(T0 + 5100))).toBe(true);
		expect(supersedes(read(T0 + 5100), read(T0 + 5400))).toBe(false);
		expect(supersedes(webhook(T0 + 5000), webhook(T0 + 5000))).toBe(true);
	});

	it('uses the rule when it reads the standing of a sender', () => {
		const standing = senderStanding(
			[
				entry(SENDER, 'quality_rating', 'GREEN', T0 + 5400),
				entry(SENDER, 'quality_rating', 'RED', T0 + 5000, 'phone_number_quality_update'),
			],
			SENDER,
		);
		expect(standing.numberQuality?.value).toBe('RED');
	});

	it("stamps a template list read with the quality score's own date, else with when it was read", () => {
		const account = '318447201993512';
		expect(
			standingFromTemplates(
				account,
				[
					{
						name: 'spring_sale',
						language: 'de',
						quality_score: { score: 'red', date: 1764241500 },
					},
					{ name: 'order_update', language: 'en', quality_score: { score: 'GREEN' } },
					{ name: 'welcome', language: 'en' },
				],
				T0,
			),
		).toEqual([
			entry(
				templateSubject({ account, name: 'spring_sale', language: 'de' }),
				'quality_rating',
				'RED',
				1764241500000,
			),
			entry(
				templateSubject({ account, name: 'order_update', language: 'en' }),
				'quality_rating',
				'GREEN',
				T0,
			),
		]);
	});
});
