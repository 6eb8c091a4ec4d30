import { DAY, HOUR } from '../../../nodes/core/clock';
import { MAX_REPORT_DAYS, ReportOptionError, reportDays } from '../../../nodes/core/report';

/** Wednesday, March 11, 2026, 09:30 UTC (10:30 in Berlin). */
const NOW = Date.UTC(2026, 2, 11, 9, 30);

const dates = (days: { date: string }[]) => days.map((d) => d.date);

describe('report days', () => {
	it('cuts days at local midnight in the time zone', () => {
		const [yesterday] = reportDays('yesterday', NOW, 'Europe/Berlin');
		expect(yesterday).toEqual({
			date: '2026-03-10',
			start: Date.UTC(2026, 2, 9, 23),
			end: Date.UTC(2026, 2, 10, 23),
		});
		const [inTokyo] = reportDays('yesterday', NOW, 'Asia/Tokyo');
		expect(inTokyo.start).toBe(Date.UTC(2026, 2, 9, 15));
		// 05:45 ahead of UTC: a day no store could cut from hours.
		const [inNepal] = reportDays('today', NOW, 'Asia/Kathmandu');
		expect(inNepal.start).toBe(Date.UTC(2026, 2, 10, 18, 15));
	});

	it('has a 23-hour day where the clocks go forward and a 25-hour one where they go back', () => {
		const march = reportDays({ from: '2026-03-28', to: '2026-03-30' }, NOW, 'Europe/Berlin');
		expect(march.map((d) => (d.end - d.start) / HOUR)).toEqual([24, 23, 24]);
		const october = reportDays({ from: '2026-10-25', to: '2026-10-25' }, NOW, 'Europe/Berlin');
		expect((october[0].end - october[0].start) / HOUR).toBe(25);
		// Consecutive days leave no gap and overlap nowhere.
		for (let i = 1; i < march.length; i++) expect(march[i].start).toBe(march[i - 1].end);
	});

	it('knows the periods a weekly or monthly report uses', () => {
		const zone = 'Europe/Berlin';
		expect(dates(reportDays('today', NOW, zone))).toEqual(['2026-03-11']);
		expect(dates(reportDays('last_7_days', NOW, zone))).toEqual([
			'2026-03-04',
			'2026-03-05',
			'2026-03-06',
			'2026-03-07',
			'2026-03-08',
			'2026-03-09',
			'2026-03-10',
		]);
		// Monday to Sunday before this week.
		const lastWeek = dates(reportDays('last_week', NOW, zone));
		expect([lastWeek[0], lastWeek[6], lastWeek.length]).toEqual(['2026-03-02', '2026-03-08', 7]);
		const thisMonth = dates(reportDays('this_month', NOW, zone));
		expect([thisMonth[0], thisMonth.at(-1)]).toEqual(['2026-03-01', '2026-03-11']);
		const lastMonth = dates(reportDays('last_month', NOW, zone));
		expect([lastMonth[0], lastMonth.at(-1), lastMonth.length]).toEqual([
			'2026-02-01',
			'2026-02-28',
			28,
		]);
	});

	it('takes the day of `now` in the time zone, not in UTC', () => {
		// 23:30 UTC on March 11 is already March 12 in Berlin.
		const late = Date.UTC(2026, 2, 11, 23, 30);
		expect(dates(reportDays('today', late, 'Europe/Berlin'))).toEqual(['2026-03-12']);
		expect(dates(reportDays('today', late, 'UTC'))).toEqual(['2026-03-11']);
	});

	it('rejects zones, dates and periods it cannot use, naming the field', () => {
		const error = (run: () => unknown) => {
			try {
				run();
			} catch (e) {
				return e as ReportOptionError;
			}
			throw new Error('expected a ReportOptionError');
		};
		expect(error(() => reportDays('today', NOW, 'Mars/Olympus'))).toMatchObject({
			field: 'timeZone',
		});
		expect(
			error(() => reportDays({ from: '2026-02-30', to: '2026-03-01' }, NOW, 'UTC')),
		).toMatchObject({ field: 'period.from' });
		expect(
			error(() => reportDays({ from: '1.3.2026', to: '2026-03-01' }, NOW, 'UTC')).message,
		).toContain('"YYYY-MM-DD"');
		expect(
			error(() => reportDays({ from: '2026-03-02', to: '2026-03-01' }, NOW, 'UTC')),
		).toMatchObject({ field: 'period.to' });
		expect(error(() => reportDays('fortnight' as 'today', NOW, 'UTC'))).toMatchObject({
			field: 'period',
		});
		const long = { from: '2025-01-01', to: '2026-01-02' };
		expect(error(() => reportDays(long, NOW, 'UTC')).message).toContain(
			`at most ${MAX_REPORT_DAYS}`,
		);
		expect(reportDays({ from: '2025-01-01', to: '2026-01-01' }, NOW, 'UTC')).toHaveLength(366);
		expect(reportDays({ from: '2026-03-01', to: '2026-03-01' }, NOW, 'UTC')[0].end).toBe(
			Date.UTC(2026, 2, 1) + DAY,
		);
	});
});
