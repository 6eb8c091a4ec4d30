/** The cost ledger: what Meta's status webhooks said each delivery costs (CostStore). */
import type { CostLedgerGroup } from '../../report/costReport';
import { checkReportDays, checkTime } from '../checks';
import { toCostLedgerGroup, toCostSummaryRow } from '../rows';
import type { CostStore, CostSummaryRow, ReportDay } from '../types';
import type { PostgresDatabase } from './connection';
import type { PostgresNames } from './names';

/** Cost entries (a jsonb parameter): one per message, member and category. A WITH query's body. */
export function insertCostsSql(n: PostgresNames, costs: string): string {
	return `INSERT INTO ${n.qualified('cost_ledger')} (wamid, category, sender, contact, pricing_type,
			billable, at, estimated_price, currency, market)
		SELECT r.wamid, r.category, r.sender, r.contact, r."pricingType", r.billable, r.at,
			r."estimatedPrice", r.currency, r.market
		FROM jsonb_to_recordset(${costs}::jsonb) AS r(wamid text, category text, sender text,
			contact text, "pricingType" text, billable boolean, at bigint,
			"estimatedPrice" double precision, currency text, market text)
		ORDER BY r.wamid, r.contact, r.category
		ON CONFLICT (wamid, contact, category) DO NOTHING`;
}

function statements(n: PostgresNames) {
	const costs = n.qualified('cost_ledger');
	return {
		// Per day (the boundaries of the reader's days), template (from the send record), pricing
		// category and type, market and currency.
		report: `SELECT d.n - 1 AS day,
				(CASE WHEN starts_with(k.kind, 'template:') THEN substr(k.kind, 10) END) COLLATE "C" AS template,
				c.category, c.pricing_type, c.market, c.currency, count(*) AS messages,
				count(*) FILTER (WHERE c.billable) AS billable, coalesce(sum(c.estimated_price), 0) AS total
			FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS d(start, stop, n)
			JOIN ${costs} AS c ON c.at >= d.start AND c.at < d.stop
			LEFT JOIN LATERAL (
				SELECT s.kind FROM ${n.qualified('sent_messages')} AS s WHERE s.wamid = c.wamid
				ORDER BY s.kind LIMIT 1
			) AS k ON true
			GROUP BY 1, 2, 3, 4, 5, 6
			ORDER BY 1, 2 NULLS FIRST, 3, 4, 5 NULLS FIRST, 6 NULLS FIRST`,
		summary: `SELECT category, pricing_type, currency, count(*) AS messages,
				count(*) FILTER (WHERE billable) AS billable, coalesce(sum(estimated_price), 0) AS total
			FROM ${costs} WHERE at >= $1 AND at < $2
			GROUP BY category, pricing_type, currency
			ORDER BY category, pricing_type, currency NULLS FIRST`,
	};
}

export class PostgresCosts implements CostStore {
	readonly #sql: ReturnType<typeof statements>;

	constructor(private readonly db: PostgresDatabase) {
		this.#sql = statements(db.names);
	}

	/**
	 * Deliveries with `from <= at < to`, one row per category, pricing type and currency (sums in
	 * different currencies are not added up).
	 */
	async costSummary(range: { from: number; to: number }): Promise<CostSummaryRow[]> {
		await this.db.ready();
		checkTime('costSummary: from', range.from);
		checkTime('costSummary: to', range.to);
		const { rows } = await this.db.query(this.#sql.summary, [range.from, range.to]);
		return rows.map(toCostSummaryRow);
	}

	async costReport(days: readonly ReportDay[]): Promise<CostLedgerGroup[]> {
		await this.db.ready();
		checkReportDays(days);
		if (days.length === 0) return [];
		const { rows } = await this.db.query(this.#sql.report, [
			days.map((d) => d.start),
			days.map((d) => d.end),
		]);
		return rows.map(toCostLedgerGroup);
	}
}
