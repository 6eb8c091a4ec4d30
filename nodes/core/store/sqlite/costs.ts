/** The cost ledger: what Meta's status webhooks said each delivery costs (CostStore). */
import type { CostEntry } from '../../model';
import type { CostLedgerGroup } from '../../report/costReport';
import { checkReportDays, checkTime } from '../checks';
import { toCostLedgerGroup, toCostSummaryRow } from '../rows';
import type { CostStore, CostSummaryRow, ReportDay } from '../types';
import type { SqliteDatabase } from './connection';

/** Cost entries, inside the caller's write transaction: one per message, member and category. */
export function writeCosts(db: SqliteDatabase, costs: readonly CostEntry[]): void {
	for (const c of costs) {
		db.run(
			`INSERT INTO cost_ledger (wamid, category, sender, contact, pricing_type, billable, at,
				estimated_price, currency, market)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			c.wamid,
			c.category,
			c.sender,
			c.contact,
			c.pricingType,
			c.billable ? 1 : 0,
			c.at,
			c.estimatedPrice ?? null,
			c.currency ?? null,
			c.market ?? null,
		);
	}
}

export class SqliteCosts implements CostStore {
	constructor(private readonly db: SqliteDatabase) {}

	/**
	 * Deliveries with `from <= at < to`, one row per category, pricing type and currency (sums in
	 * different currencies are not added up).
	 */
	async costSummary(range: { from: number; to: number }): Promise<CostSummaryRow[]> {
		await this.db.ready();
		checkTime('costSummary: from', range.from);
		checkTime('costSummary: to', range.to);
		return this.db
			.all(
				`SELECT category, pricing_type, currency, count(*) AS messages, sum(billable) AS billable,
					total(estimated_price) AS total
				FROM cost_ledger WHERE at >= ? AND at < ?
				GROUP BY category, pricing_type, currency
				ORDER BY category, pricing_type, currency NULLS FIRST`,
				range.from,
				range.to,
			)
			.map(toCostSummaryRow);
	}

	async costReport(days: readonly ReportDay[]): Promise<CostLedgerGroup[]> {
		await this.db.ready();
		checkReportDays(days);
		if (days.length === 0) return [];
		// The days lead, so each one reads its range of the ledger through the index on `at`.
		return this.db
			.all(
				`SELECT d.key AS day, CASE WHEN substr(k.kind, 1, 9) = 'template:' THEN substr(k.kind, 10) END AS template,
					c.category, c.pricing_type, c.market, c.currency, count(*) AS messages,
					sum(c.billable) AS billable, total(c.estimated_price) AS total
				FROM json_each(?) AS d
				CROSS JOIN cost_ledger AS c
				LEFT JOIN (SELECT wamid, min(kind) AS kind FROM sent_messages WHERE wamid IS NOT NULL GROUP BY wamid) AS k
					ON k.wamid = c.wamid
				WHERE c.at >= d.value ->> 0 AND c.at < d.value ->> 1
				GROUP BY 1, 2, 3, 4, 5, 6
				ORDER BY 1, 2, 3, 4, 5, 6`,
				JSON.stringify(days.map((d) => [d.start, d.end])),
			)
			.map(toCostLedgerGroup);
	}
}
