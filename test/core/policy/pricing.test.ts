import { HOUR } from '../../../nodes/core/clock';
import { MARKETING } from '../../../nodes/core/model';
import {
	estimatePrice,
	evaluateFreeForm,
	evaluateTemplateSend,
	marketOf,
	META_RATE_CARD_2026_01_USD,
	PolicyOptionError,
	type PriceInput,
	type RateCard,
	type TemplateSendInput,
} from '../../../nodes/core/policy';
import { CONTACT, consent, templateState, windowState } from './fixtures';

const outside: Omit<PriceInput, 'category'> = {
	country: 'DE',
	windowOpen: false,
	freeEntryPoint: false,
};
const inside = { ...outside, windowOpen: true };

describe('pricing', () => {
	it("follows the pricing page's example: 4 messages, 2 charged", () => {
		// Hour 0 is 09:00 UTC (10:00 in Berlin), so no other rule gets in the way.
		const h = (hour: number) => Date.UTC(2026, 2, 2, 9) + hour * HOUR;
		const send = (
			category: 'marketing' | 'utility',
			window: TemplateSendInput['window'],
			hour: number,
		) =>
			evaluateTemplateSend(
				{
					contact: CONTACT,
					country: 'DE',
					timeZones: ['Europe/Berlin'],
					template: { name: `${category}_template`, language: 'de', category },
					templateState: templateState('APPROVED', category),
					consents: [consent(MARKETING, 'opted_in', h(-100))],
					suppressed: false,
					window,
					marketingSentAt: [],
					existingSend: undefined,
				},
				{},
				h(hour),
			);
		const reply = (window: TemplateSendInput['window'], hour: number) =>
			evaluateFreeForm(
				{
					contact: CONTACT,
					country: 'DE',
					consents: [],
					suppressed: false,
					window,
					existingSend: undefined,
				},
				h(hour),
			);

		// Hour 0: a marketing template is charged.
		const promo = send('marketing', undefined, 0);
		expect(promo).toMatchObject({
			allowed: true,
			price: {
				pricingCategory: 'marketing',
				billable: true,
				pricingType: 'regular',
				estimatedPrice: 0.1365,
				currency: 'USD',
			},
		});
		// Hour 2: the contact replies, which opens the customer service window.
		const window = windowState(h(2));
		// Hour 3: a text reply is free.
		expect(reply(window, 3)).toMatchObject({
			allowed: true,
			openUntil: h(26),
			price: {
				pricingCategory: 'service',
				billable: false,
				pricingType: 'free_customer_service',
				estimatedPrice: 0,
			},
		});
		// Hour 4: a utility template inside the window is free.
		expect(send('utility', window, 4)).toMatchObject({
			allowed: true,
			price: {
				pricingCategory: 'utility',
				billable: false,
				pricingType: 'free_customer_service',
				estimatedPrice: 0,
			},
		});
		// Hour 26: the window closes; no more free-form messages.
		expect(reply(window, 26)).toMatchObject({ allowed: false, reason: 'window_closed' });
		// Hour 30: a utility template outside the window is charged.
		expect(send('utility', window, 30)).toMatchObject({
			allowed: true,
			price: {
				pricingCategory: 'utility',
				billable: true,
				pricingType: 'regular',
				estimatedPrice: 0.055,
			},
		});
	});

	it('charges marketing and authentication templates inside the customer service window too', () => {
		expect(estimatePrice({ ...inside, category: 'marketing' })).toMatchObject({
			billable: true,
			estimatedPrice: 0.1365,
		});
		expect(estimatePrice({ ...inside, category: 'authentication' })).toMatchObject({
			pricingCategory: 'authentication',
			billable: true,
			pricingType: 'regular',
			estimatedPrice: 0.055,
			market: 'Germany',
		});
	});

	it('makes every message free inside a free entry point window, templates included', () => {
		for (const category of ['marketing', 'utility', 'authentication', 'service'] as const) {
			expect(estimatePrice({ ...outside, category, freeEntryPoint: true })).toEqual({
				pricingCategory: 'referral_conversion',
				billable: false,
				pricingType: 'free_entry_point',
				estimatedPrice: 0,
				currency: 'USD',
			});
		}
	});

	it('never charges free-form messages', () => {
		expect(estimatePrice({ ...inside, category: 'service' })).toMatchObject({
			billable: false,
			estimatedPrice: 0,
		});
	});

	it("prices by the recipient's market on Meta's rate card", () => {
		const marketing = (country: string | undefined) =>
			estimatePrice({ ...outside, country, category: 'marketing' });
		expect(marketing('AT')).toMatchObject({
			market: 'Rest of Western Europe',
			estimatedPrice: 0.0592,
		});
		expect(marketing('us')).toMatchObject({ market: 'North America', estimatedPrice: 0.025 });
		expect(marketing('PR')).toMatchObject({
			market: 'Rest of Latin America',
			estimatedPrice: 0.074,
		});
		expect(marketing('IN')).toMatchObject({ market: 'India', estimatedPrice: 0.0118 });
		expect(marketing('IS')).toMatchObject({ market: 'Other', estimatedPrice: 0.0604 });
		expect(marketing(undefined)).toMatchObject({ market: 'Other', estimatedPrice: 0.0604 });
	});

	it("holds every market of Meta's country calling code table", () => {
		const card = META_RATE_CARD_2026_01_USD;
		const countriesIn = (market: string) =>
			Object.values(card.countryMarkets).filter((m) => m === market).length;
		expect(countriesIn('Rest of Africa')).toBe(41);
		expect(countriesIn('Rest of Asia Pacific')).toBe(21);
		expect(countriesIn('Rest of Central & Eastern Europe')).toBe(20);
		expect(countriesIn('Rest of Western Europe')).toBe(9);
		expect(countriesIn('Rest of Latin America')).toBe(15);
		expect(countriesIn('Rest of Middle East')).toBe(8);
		expect(countriesIn('North America')).toBe(2);
		expect(Object.keys(card.markets)).toHaveLength(24 + 8);
		for (const market of Object.values(card.countryMarkets))
			expect(card.markets[market]).toBeDefined();
		expect(marketOf('ZW')).toBe('Rest of Africa');
	});

	it('takes negotiated or newer rates per country, and a whole rate card in another currency', () => {
		expect(
			estimatePrice(
				{ ...outside, category: 'marketing' },
				{ countryRates: { DE: { marketing: 0.1131 } } },
			),
		).toMatchObject({ estimatedPrice: 0.1131, currency: 'USD' });
		expect(
			estimatePrice(
				{ ...outside, category: 'utility' },
				{ countryRates: { DE: { marketing: 0.1131 } } },
			),
		).toMatchObject({ estimatedPrice: 0.055 });
		const eur: RateCard = {
			currency: 'EUR',
			effectiveFrom: '2026-07-01',
			source: 'test card',
			markets: {
				Germany: { marketing: 0.11, utility: 0.04, authentication: 0.04 },
				Other: { marketing: 0.05, utility: 0.01, authentication: 0.01 },
			},
			countryMarkets: { DE: 'Germany' },
			fallbackMarket: 'Other',
		};
		expect(estimatePrice({ ...outside, category: 'marketing' }, { rateCard: eur })).toMatchObject({
			estimatedPrice: 0.11,
			currency: 'EUR',
			market: 'Germany',
		});
		expect(
			estimatePrice({ ...outside, country: 'FR', category: 'utility' }, { rateCard: eur }),
		).toMatchObject({
			estimatedPrice: 0.01,
			market: 'Other',
		});
	});

	it('rejects rates it cannot use, naming the field', () => {
		const field = (options: object) => {
			try {
				estimatePrice({ ...outside, category: 'marketing' }, options);
			} catch (e) {
				expect(e).toBeInstanceOf(PolicyOptionError);
				return (e as PolicyOptionError).field;
			}
			throw new Error('expected a PolicyOptionError');
		};
		const card = META_RATE_CARD_2026_01_USD;
		expect(field({ countryRates: { DE: { marketing: -1 } } })).toBe(
			'pricing.countryRates.DE.marketing',
		);
		expect(field({ countryRates: { Germany: { marketing: 1 } } })).toBe('pricing.countryRates');
		expect(field({ rateCard: { ...card, currency: 'dollar' } })).toBe('pricing.rateCard.currency');
		expect(field({ rateCard: { ...card, fallbackMarket: 'Elsewhere' } })).toBe(
			'pricing.rateCard.fallbackMarket',
		);
		expect(field({ rateCard: { ...card, countryMarkets: { DE: 'Deutschland' } } })).toBe(
			'pricing.rateCard.countryMarkets.DE',
		);
		expect(
			field({
				rateCard: {
					...card,
					markets: {
						...card.markets,
						Other: { marketing: Number.NaN, utility: 0, authentication: 0 },
					},
				},
			}),
		).toBe('pricing.rateCard.markets["Other"].marketing');
	});
});
