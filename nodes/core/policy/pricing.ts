import type { TemplateCategory } from '../model';
import { PolicyOptionError } from './types';

/*
 * The pricing rule (per-message pricing, since July 1, 2025): Meta charges a delivered template by
 * its category and the recipient's market. Free are: every non-template message (only possible in
 * the customer service window), utility templates inside that window, and every message inside a
 * free entry point window. Marketing and authentication templates are always charged outside a
 * free entry point window, inside the customer service window too.
 *
 * Not estimated here: volume tiers (monthly, per business portfolio, lower utility and
 * authentication rates; the store cannot see other WABAs' volume) and the authentication-
 * international rate (charged instead of the authentication rate when a business in one of the
 * markets Meta lists authenticates users in another; it needs the business's own country and
 * Meta's eligibility decision, which the account_update webhook announces). Both make the real
 * price lower or higher than this list-rate estimate; the status webhook's pricing is the truth.
 */

/** Meta's pricing.category values this estimate can produce. */
export type PricingCategory = TemplateCategory | 'service' | 'referral_conversion';
/** Meta's pricing.type values. */
export type PricingType = 'regular' | 'free_customer_service' | 'free_entry_point';

export interface CategoryRates {
	marketing: number;
	utility: number;
	authentication: number;
}

export interface RateCard {
	/** ISO 4217 code of the rates, e.g. "USD". */
	currency: string;
	/** The day the rates took effect, "YYYY-MM-DD". */
	effectiveFrom: string;
	/** Where the figures come from. */
	source: string;
	/** List rate per delivered template by Meta's market name ("Germany", "Rest of Africa"). */
	markets: Record<string, CategoryRates>;
	/** ISO 3166 country of the recipient's number -> market name. */
	countryMarkets: Record<string, string>;
	/** The market of every country not listed ("Other"). */
	fallbackMarket: string;
}

const rates = (marketing: number, utilityAndAuthentication: number): CategoryRates => ({
	marketing,
	utility: utilityAndAuthentication,
	authentication: utilityAndAuthentication,
});

/** `countries`: ISO codes separated by spaces. */
const inMarket = (market: string, countries: string) =>
	Object.fromEntries(countries.split(' ').map((country) => [country, market]));

/**
 * Meta's USD rate card effective January 1, 2026 (list rates, before volume tiers).
 *
 * Source: the "USD rates CSV" linked from developers.facebook.com/documentation/business-messaging/
 * whatsapp/pricing ("Rate card updates effective January 1, 2026"; page updated Dec 10, 2025). The
 * CSV itself is not mirrored; the figures are as reproduced, identically, in two independent public
 * copies of that CSV (GitHub code search, Nov 2026), and match the page's summary of the update
 * (lower marketing for France and Egypt, higher for India, lower utility/authentication for North
 * America). Markets and their countries are the pricing page's "country calling codes" table.
 *
 * Known to be out of date from July 1, 2026 (Meta published a new card on June 10, 2026): higher
 * marketing rates for Italy, Saudi Arabia, Spain and the United Kingdom, higher utility for
 * Pakistan, lower utility for Turkey, and own rates for Hong Kong, Singapore, Hungary, Poland,
 * Romania and Qatar (billed at their region's rate below). The complete July 2026 card could not
 * be sourced; pass `rateCard` or `countryRates` (PricingOptions) with your current rates.
 */
export const META_RATE_CARD_2026_01_USD: RateCard = {
	currency: 'USD',
	effectiveFrom: '2026-01-01',
	source:
		'Meta WhatsApp Business Platform USD rate card effective 2026-01-01 (developers.facebook.com/documentation/business-messaging/whatsapp/pricing)',
	markets: {
		Argentina: rates(0.0618, 0.026),
		Brazil: rates(0.0625, 0.0068),
		Chile: rates(0.0889, 0.02),
		Colombia: rates(0.0125, 0.0008),
		Egypt: rates(0.0644, 0.0036),
		France: rates(0.0859, 0.03),
		Germany: rates(0.1365, 0.055),
		India: rates(0.0118, 0.0014),
		Indonesia: rates(0.0411, 0.025),
		Israel: rates(0.0353, 0.0053),
		Italy: rates(0.0691, 0.03),
		Malaysia: rates(0.086, 0.014),
		Mexico: rates(0.0305, 0.0085),
		Netherlands: rates(0.1597, 0.05),
		Nigeria: rates(0.0516, 0.0067),
		Pakistan: rates(0.0473, 0.0054),
		Peru: rates(0.0703, 0.02),
		Russia: rates(0.0802, 0.04),
		'Saudi Arabia': rates(0.0455, 0.0107),
		'South Africa': rates(0.0379, 0.0076),
		Spain: rates(0.0615, 0.02),
		Turkey: rates(0.0109, 0.0053),
		'United Arab Emirates': rates(0.0499, 0.0157),
		'United Kingdom': rates(0.0529, 0.022),
		'North America': rates(0.025, 0.0034),
		'Rest of Africa': rates(0.0225, 0.004),
		'Rest of Asia Pacific': rates(0.0732, 0.0113),
		'Rest of Central & Eastern Europe': rates(0.086, 0.0212),
		'Rest of Latin America': rates(0.074, 0.0113),
		'Rest of Middle East': rates(0.0341, 0.0091),
		'Rest of Western Europe': rates(0.0592, 0.0171),
		Other: rates(0.0604, 0.0077),
	},
	countryMarkets: {
		AR: 'Argentina',
		BR: 'Brazil',
		CL: 'Chile',
		CO: 'Colombia',
		EG: 'Egypt',
		FR: 'France',
		DE: 'Germany',
		IN: 'India',
		ID: 'Indonesia',
		IL: 'Israel',
		IT: 'Italy',
		MY: 'Malaysia',
		MX: 'Mexico',
		NL: 'Netherlands',
		NG: 'Nigeria',
		PK: 'Pakistan',
		PE: 'Peru',
		RU: 'Russia',
		// Meta prices by calling code and lists +7 as Russia; Kazakhstan shares +7.
		KZ: 'Russia',
		SA: 'Saudi Arabia',
		ZA: 'South Africa',
		ES: 'Spain',
		TR: 'Turkey',
		AE: 'United Arab Emirates',
		GB: 'United Kingdom',
		// +1 is North America except the area codes Meta lists under Rest of Latin America
		// (Dominican Republic, Jamaica, Puerto Rico); other +1 countries are not listed: Other.
		US: 'North America',
		CA: 'North America',
		...inMarket(
			'Rest of Africa',
			'DZ AO BJ BW BF BI CM TD CG ER ET GA GM GH GW CI KE LS LR LY MG MW ML MR MA MZ NA NE RW SN SL SO SS SD SZ TZ TG TN UG ZM ZW',
		),
		...inMarket(
			'Rest of Asia Pacific',
			'AF AU BD KH CN HK JP LA MN NP NZ PG PH SG LK TW TJ TH TM UZ VN',
		),
		...inMarket(
			'Rest of Central & Eastern Europe',
			'AL AM AZ BY BG HR CZ GE GR HU LV LT MD MK PL RO RS SK SI UA',
		),
		...inMarket('Rest of Western Europe', 'AT BE DK FI IE NO PT SE CH'),
		...inMarket('Rest of Latin America', 'BO CR DO EC SV GT HT HN JM NI PA PY PR UY VE'),
		...inMarket('Rest of Middle East', 'BH IQ JO KW LB OM QA YE'),
	},
	fallbackMarket: 'Other',
};

export interface PricingOptions {
	/**
	 * The list rates to estimate with (e.g. Meta's card in EUR, or a newer one).
	 * @default META_RATE_CARD_2026_01_USD
	 */
	readonly rateCard?: RateCard;
	/**
	 * Rates by ISO country that replace the card's market rates, e.g. a partner's price or a newer
	 * rate: `{ DE: { marketing: 0.1131 } }`. In the card's currency.
	 * @default {}
	 */
	readonly countryRates?: Record<string, Partial<CategoryRates>>;
}

export interface PriceInput {
	/** The template's category as Meta has it now, or "service" for a free-form message. */
	category: TemplateCategory | 'service';
	/** ISO 3166 country of the recipient's number; undefined when unknown (priced as "Other"). */
	country: string | undefined;
	/** The customer service window is open now (window.ts). */
	windowOpen: boolean;
	/** A free entry point window is open now or this send opens it (fep.ts). */
	freeEntryPoint: boolean;
}

export interface PriceEstimate {
	pricingCategory: PricingCategory;
	billable: boolean;
	pricingType: PricingType;
	/** List rate per delivered message; 0 when free. */
	estimatedPrice: number;
	currency: string;
	/** The rate card market the price comes from; absent when free. */
	market?: string;
}

const CURRENCY = /^[A-Z]{3}$/;
const COUNTRY = /^[A-Z]{2}$/;
const CATEGORY_KEYS: readonly (keyof CategoryRates)[] = ['marketing', 'utility', 'authentication'];

function assertRate(field: string, value: unknown): void {
	if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
		throw new PolicyOptionError(
			field,
			`${field} must be a price of 0 or more, got ${JSON.stringify(value)}.`,
		);
	}
}

/** Checks a custom rate card or country rates; throws PolicyOptionError naming the field. */
export function validatePricingOptions(options: PricingOptions): void {
	const card = options.rateCard;
	if (card) {
		if (!CURRENCY.test(card.currency ?? '')) {
			throw new PolicyOptionError(
				'pricing.rateCard.currency',
				`pricing.rateCard.currency must be an ISO 4217 code such as "USD" or "EUR", got ${JSON.stringify(card.currency)}.`,
			);
		}
		for (const [market, marketRates] of Object.entries(card.markets ?? {})) {
			for (const key of CATEGORY_KEYS) {
				assertRate(`pricing.rateCard.markets["${market}"].${key}`, marketRates?.[key]);
			}
		}
		if (!card.markets?.[card.fallbackMarket]) {
			throw new PolicyOptionError(
				'pricing.rateCard.fallbackMarket',
				`pricing.rateCard.fallbackMarket "${card.fallbackMarket}" has no rates in pricing.rateCard.markets: add it, it prices every country the card does not list.`,
			);
		}
		for (const [country, market] of Object.entries(card.countryMarkets ?? {})) {
			if (!card.markets[market]) {
				throw new PolicyOptionError(
					`pricing.rateCard.countryMarkets.${country}`,
					`pricing.rateCard.countryMarkets.${country} names the market "${market}", which has no rates in pricing.rateCard.markets.`,
				);
			}
		}
	}
	for (const [country, countryRates] of Object.entries(options.countryRates ?? {})) {
		if (!COUNTRY.test(country)) {
			throw new PolicyOptionError(
				'pricing.countryRates',
				`pricing.countryRates keys must be ISO 3166 country codes such as "DE", got "${country}".`,
			);
		}
		for (const key of CATEGORY_KEYS) {
			if (countryRates?.[key] !== undefined) {
				assertRate(`pricing.countryRates.${country}.${key}`, countryRates[key]);
			}
		}
	}
}

/** The market Meta prices a recipient's country in, on the given card. */
export function marketOf(
	country: string | undefined,
	card: RateCard = META_RATE_CARD_2026_01_USD,
): string {
	return (country && card.countryMarkets[country.toUpperCase()]) || card.fallbackMarket;
}

/** The estimated category, pricing type and list price of one message (see the rule above). */
export function estimatePrice(input: PriceInput, options: PricingOptions = {}): PriceEstimate {
	if (options.rateCard || options.countryRates) validatePricingOptions(options);
	return priceOf(input, options);
}

/** estimatePrice for options already validated (the send rules check them once per batch). */
export function priceOf(input: PriceInput, options: PricingOptions = {}): PriceEstimate {
	const card = options.rateCard ?? META_RATE_CARD_2026_01_USD;
	const free = (pricingCategory: PricingCategory, pricingType: PricingType): PriceEstimate => ({
		pricingCategory,
		billable: false,
		pricingType,
		estimatedPrice: 0,
		currency: card.currency,
	});
	if (input.freeEntryPoint) return free('referral_conversion', 'free_entry_point');
	if (input.category === 'service') return free('service', 'free_customer_service');
	if (input.category === 'utility' && input.windowOpen) {
		return free('utility', 'free_customer_service');
	}
	const market = marketOf(input.country, card);
	const override = input.country ? options.countryRates?.[input.country.toUpperCase()] : undefined;
	return {
		pricingCategory: input.category,
		billable: true,
		pricingType: 'regular',
		estimatedPrice: override?.[input.category] ?? card.markets[market][input.category],
		currency: card.currency,
		market,
	};
}
