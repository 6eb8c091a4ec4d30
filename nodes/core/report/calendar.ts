import { DateTime } from 'luxon';

import { isTimeZone } from '../clock';

/*
 * Report days in the reader's time zone. A store cannot cut them itself: SQLite has no time zone
 * database, and a day there is 23 or 25 hours at a daylight saving change. The store groups its
 * rows by the boundaries computed here, so both backends agree to the millisecond.
 */

/** A report option the caller cannot use; `field` names it, e.g. "timeZone". */
export class ReportOptionError extends Error {
	constructor(
		readonly field: string,
		message: string,
	) {
		super(message);
		this.name = 'ReportOptionError';
	}
}

/** One calendar day in a time zone: local midnight to the next (ms epoch, end excluded). */
export interface LocalDay {
	/** "2026-03-29" */
	readonly date: string;
	readonly start: number;
	readonly end: number;
}

/** The periods a report can cover, ending before or at `now`, in the report's time zone. */
export type ReportPeriod =
	| 'today'
	| 'yesterday'
	/** The 7 days before today. */
	| 'last_7_days'
	/** Monday to Sunday before this week. */
	| 'last_week'
	| 'this_month'
	| 'last_month'
	| { readonly from: string; readonly to: string };

/** Longest report: the store groups by one boundary per day. */
export const MAX_REPORT_DAYS = 366;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function assertTimeZone(field: string, zone: unknown): asserts zone is string {
	if (!isTimeZone(zone)) {
		throw new ReportOptionError(
			field,
			`${field} must be an IANA time zone such as "Europe/Berlin", got ${JSON.stringify(zone)}.`,
		);
	}
}

function localDate(field: string, text: unknown, zone: string): DateTime {
	const day =
		typeof text === 'string' && DATE.test(text)
			? DateTime.fromISO(text, { zone })
			: DateTime.invalid('not a date');
	if (!day.isValid) {
		throw new ReportOptionError(
			field,
			`${field} must be a date as "YYYY-MM-DD", e.g. "2026-03-01", got ${JSON.stringify(text)}.`,
		);
	}
	return day.startOf('day');
}

/**
 * The first and the last day (both included) of a period, at local midnight. A custom period
 * gives its dates, e.g. { from: '2026-03-01', to: '2026-03-31' } for March.
 */
function periodDays(period: ReportPeriod, now: number, zone: string): [DateTime, DateTime] {
	const today = DateTime.fromMillis(now, { zone }).startOf('day');
	switch (period) {
		case 'today':
			return [today, today];
		case 'yesterday':
			return [today.minus({ days: 1 }), today.minus({ days: 1 })];
		case 'last_7_days':
			return [today.minus({ days: 7 }), today.minus({ days: 1 })];
		case 'last_week': {
			const monday = today.startOf('week');
			return [monday.minus({ weeks: 1 }), monday.minus({ days: 1 })];
		}
		case 'this_month':
			return [today.startOf('month'), today];
		case 'last_month': {
			const first = today.startOf('month').minus({ months: 1 });
			return [first, first.endOf('month').startOf('day')];
		}
		default: {
			if (typeof period !== 'object' || period === null) {
				throw new ReportOptionError(
					'period',
					`period must be today, yesterday, last_7_days, last_week, this_month, last_month or { from, to } dates, got ${JSON.stringify(period)}.`,
				);
			}
			const from = localDate('period.from', period.from, zone);
			const to = localDate('period.to', period.to, zone);
			if (to < from) {
				throw new ReportOptionError(
					'period.to',
					`period.to (${period.to}) is before period.from (${period.from}): give the first day, then the last.`,
				);
			}
			return [from, to];
		}
	}
}

/**
 * The calendar days of a period in `timeZone`, oldest first, each from local midnight to the
 * next: 23 or 25 hours long where the clocks change.
 * @throws ReportOptionError for an unknown zone or period, or more than MAX_REPORT_DAYS days.
 */
export function reportDays(period: ReportPeriod, now: number, timeZone: string): LocalDay[] {
	assertTimeZone('timeZone', timeZone);
	const [first, last] = periodDays(period, now, timeZone);
	const count = Math.round(last.diff(first, 'days').days) + 1;
	if (count > MAX_REPORT_DAYS) {
		throw new ReportOptionError(
			'period',
			`A report covers at most ${MAX_REPORT_DAYS} days, this one ${count}: split it, e.g. into months.`,
		);
	}
	const days: LocalDay[] = [];
	for (let day = first; day <= last; day = day.plus({ days: 1 })) {
		days.push({
			date: day.toISODate() as string,
			start: day.toMillis(),
			end: day.plus({ days: 1 }).startOf('day').toMillis(),
		});
	}
	return days;
}
