import type { LocalDay } from './calendar';

/*
 * The cost report: what the cost ledger recorded per day, template, category and market.
 *
 * Where the work is done: the store sums in SQL, grouped by the report's days (calendar.ts gives
 * their boundaries), template, Meta's pricing category and type, market and currency, so a month
 * of 100,000 contacts a day never leaves the database as rows. What is left is done here, once for
 * both backends: Meta's category names read the same way (a group message is billed per member
 * it was delivered to, at the category without "group_"), groups that then mean the same line
 * merged, days labelled in the reader's time zone, and totals kept per currency (a ledger
 * estimated in USD and one in EUR are never added up).
 *
 * Source for groups: developers.facebook.com/documentation/business-messaging/whatsapp/groups/
 * pricing (Oct 22, 2025): "you are charged each time a billable message is delivered to someone
 * in the group"; pricing.category group_marketing, group_utility, group_service; pricing.type
 * regular or free_group_customer_service. Each member's status carries recipient_participant_id,
 * so the ledger keeps one row per message and member.
 */

/** One group of the cost ledger as the store sums it. */
export interface CostLedgerGroup {
	/** Index into the report's days. */
	readonly day: number;
	/** The template's name from the send record; undefined when not sent by these nodes. */
	readonly template?: string;
	/** Meta's pricing.category as recorded: marketing, group_utility, authentication-international... */
	readonly category: string;
	/** Meta's pricing.type: regular, free_customer_service, free_entry_point, free_group_customer_service. */
	readonly pricingType: string;
	/** The rate card market of the recipient (pricing.ts); undefined when unknown. */
	readonly market?: string;
	/** Currency of the estimates; undefined when none could be made. */
	readonly currency?: string;
	/** Deliveries: one per message, and per member for a group message. */
	readonly messages: number;
	/** Of those, the ones Meta charges. */
	readonly billable: number;
	/** Sum of the list-price estimates. */
	readonly estimatedTotal: number;
}

/**
 * What a report can be broken down by; what is left out is summed up. `category` covers the
 * pricing category, the group flag and the pricing type (which say together what Meta charged).
 */
export type CostReportDimension = 'day' | 'template' | 'category' | 'market';

export const COST_REPORT_DIMENSIONS: readonly CostReportDimension[] = [
	'day',
	'template',
	'category',
	'market',
];

export interface CostReportLine {
	/** The local day, "2026-03-02"; absent when the report is not broken down by day. */
	readonly date?: string;
	readonly template?: string;
	/**
	 * marketing, utility, authentication, authentication_international, service,
	 * referral_conversion...; absent (with group and pricingType) when not broken down by category.
	 */
	readonly category?: string;
	/** Sent to a WhatsApp group (billed per member it reached). */
	readonly group?: boolean;
	readonly pricingType?: string;
	readonly market?: string;
	readonly currency?: string;
	readonly messages: number;
	readonly billable: number;
	/** Estimated cost at list rates, rounded to 6 decimals. */
	readonly estimatedCost: number;
}

export interface CostReportTotal {
	readonly currency?: string;
	readonly messages: number;
	readonly billable: number;
	readonly estimatedCost: number;
}

export interface CostReport {
	/** Sorted by date, template, category, group, pricing type, market and currency. */
	readonly lines: CostReportLine[];
	/** One per currency, by currency code (first: deliveries without an estimate). */
	readonly totals: CostReportTotal[];
}

/**
 * Meta's pricing category in one spelling: "group_" read as a group flag on the category it bills
 * at, and authentication-international (pricing's hyphen) as in the conversation origin.
 */
export function costCategory(pricingCategory: string): { category: string; group: boolean } {
	const lower = pricingCategory.trim().toLowerCase().replace(/-/g, '_');
	return lower.startsWith('group_')
		? { category: lower.slice('group_'.length), group: true }
		: { category: lower, group: false };
}

/** Sums rounded to 6 decimals: list prices have 4, float sums add noise after that. */
function round(value: number): number {
	return Math.round(value * 1e6) / 1e6;
}

const text = (value: string | undefined) => value ?? '';

/**
 * The report from the store's groups and the report's days, broken down by `by` (each line is
 * one combination of them; the currency always splits, sums in two currencies are never added).
 * @throws RangeError for a group whose day is not one of `days` (a store bug).
 */
export function buildCostReport(
	groups: readonly CostLedgerGroup[],
	days: readonly LocalDay[],
	by: readonly CostReportDimension[] = COST_REPORT_DIMENSIONS,
): CostReport {
	const split = new Set(by);
	const lines = new Map<string, CostReportLine>();
	for (const g of groups) {
		const day = days[g.day];
		if (!day) {
			throw new RangeError(
				`Cost ledger group for day ${g.day}, but the report has ${days.length}.`,
			);
		}
		const { category, group } = costCategory(g.category);
		const line: CostReportLine = {
			...(split.has('day') ? { date: day.date } : {}),
			...(g.template === undefined || !split.has('template') ? {} : { template: g.template }),
			...(split.has('category') ? { category, group, pricingType: g.pricingType } : {}),
			...(g.market === undefined || !split.has('market') ? {} : { market: g.market }),
			...(g.currency === undefined ? {} : { currency: g.currency }),
			messages: g.messages,
			billable: g.billable,
			estimatedCost: g.estimatedTotal,
		};
		const key = JSON.stringify([
			text(line.date),
			text(line.template),
			text(line.category),
			line.group ?? false,
			text(line.pricingType),
			text(line.market),
			text(line.currency),
		]);
		const same = lines.get(key);
		lines.set(
			key,
			same
				? {
						...same,
						messages: same.messages + line.messages,
						billable: same.billable + line.billable,
						estimatedCost: same.estimatedCost + line.estimatedCost,
					}
				: line,
		);
	}
	const sorted = [...lines.entries()]
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
		.map(([, line]) => ({ ...line, estimatedCost: round(line.estimatedCost) }));
	const totals = new Map<string, CostReportTotal>();
	for (const line of sorted) {
		const key = text(line.currency);
		const total = totals.get(key) ?? {
			...(line.currency === undefined ? {} : { currency: line.currency }),
			messages: 0,
			billable: 0,
			estimatedCost: 0,
		};
		totals.set(key, {
			...total,
			messages: total.messages + line.messages,
			billable: total.billable + line.billable,
			estimatedCost: round(total.estimatedCost + line.estimatedCost),
		});
	}
	const byCurrency = [...totals.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	return { lines: sorted, totals: byCurrency.map(([, total]) => total) };
}
