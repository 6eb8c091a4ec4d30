/**
 * The demo, the browser tests and the outbound e2e send marketing templates through examples that
 * keep quiet hours on. Their candidate countries must cover every start time of the year, in and
 * out of daylight saving time, or a CI run at the wrong hour fails (it did, near 23:00 UTC, when
 * Germany, Brazil and Japan were all in quiet hours).
 */
import { DateTime } from 'luxon';

import { awakeThroughout, firstAwake } from '../../tools/n8n/daytime';

const MINUTE = 60_000;
/**
 * Start times every `stepMinutes` over a winter and a summer week and the days the clocks change in
 * the EU (the candidates' other countries keep one offset all year), in 2027: every offset the
 * candidates have in a year, without walking all of it.
 */
const yearStarts = (stepMinutes: number): number[] => {
	const spans: Array<[number, number, number]> = [
		[1, 4, 7],
		[3, 27, 3],
		[7, 5, 7],
		[10, 30, 3],
	];
	const starts: number[] = [];
	for (const [month, day, days] of spans) {
		const start = DateTime.utc(2027, month, day).toMillis();
		for (let at = start; at < start + days * 24 * 60 * MINUTE; at += stepMinutes * MINUTE) {
			starts.push(at);
		}
	}
	return starts;
};

describe('picking a country outside quiet hours', () => {
	it('the demo candidates cover every 5 minutes of the year’s offsets for a 10-minute run', () => {
		const candidates = ['DE', 'BR', 'CO', 'JP'].map((country) => ({ country }));
		const uncovered = yearStarts(5).filter(
			(at) => !candidates.some((c) => awakeThroughout(c.country, at, 10 * MINUTE)),
		);
		expect(uncovered.map((at) => new Date(at).toISOString()).slice(0, 3)).toEqual([]);
	});

	it('the outbound candidates cover every 5 minutes of the year’s offsets for a one-hour run', () => {
		const candidates = ['DE', 'CO', 'JP'].map((country) => ({ country }));
		const uncovered = yearStarts(5).filter(
			(at) => !candidates.some((c) => awakeThroughout(c.country, at, 60 * MINUTE)),
		);
		expect(uncovered.map((at) => new Date(at).toISOString()).slice(0, 3)).toEqual([]);
	});

	it('Germany, Brazil and Japan alone left a gap at 22:55 UTC (the failed CI run)', () => {
		const at = DateTime.utc(2026, 12, 7, 22, 55).toMillis();
		expect(() =>
			firstAwake(
				['DE', 'BR', 'JP'].map((country) => ({ country })),
				at,
				10 * MINUTE,
			),
		).toThrow(
			/No candidate country \(DE, BR, JP\) is outside quiet hours from 2026-12-07T22:55:00.000Z/,
		);
		expect(
			firstAwake(
				['DE', 'BR', 'CO', 'JP'].map((country) => ({ country })),
				at,
				10 * MINUTE,
			),
		).toEqual({
			country: 'CO',
		});
	});

	it('takes the first awake candidate in the order given', () => {
		const noonBerlin = DateTime.fromISO('2027-03-10T12:00', { zone: 'Europe/Berlin' }).toMillis();
		expect(firstAwake([{ country: 'DE' }, { country: 'CO' }], noonBerlin, 10 * MINUTE)).toEqual({
			country: 'DE',
		});
		// 03:00 in Bogotá, 17:00 in Berlin, 01:00 in Tokyo.
		expect(awakeThroughout('CO', DateTime.utc(2027, 3, 10, 8).toMillis(), MINUTE)).toBe(false);
	});
});
