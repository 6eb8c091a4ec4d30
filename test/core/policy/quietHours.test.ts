import { HOUR, MINUTE } from '../../../nodes/core/clock';
import {
	checkQuietHours,
	PolicyOptionError,
	resolveQuietHoursOptions,
	type QuietHoursInput,
} from '../../../nodes/core/policy';
import { CONTACT } from './fixtures';

const at = (iso: string) => Date.parse(iso);
const inZones = (...timeZones: string[]): QuietHoursInput => ({
	contact: CONTACT,
	category: 'marketing',
	timeZones,
});
const berlin = inZones('Europe/Berlin');

describe('quiet hours', () => {
	it('lets marketing go until 1 ms before 21:00 in the contact’s zone', () => {
		// March 2, 2026: Berlin is on winter time, UTC+1.
		expect(checkQuietHours(berlin, {}, at('2026-03-02T19:59:59.999Z')).allowed).toBe(true);
	});

	it('holds marketing from 21:00 until 08:00 the next morning, their time', () => {
		const decision = checkQuietHours(berlin, {}, at('2026-03-02T20:00:00Z'));
		expect(decision).toMatchObject({
			allowed: false,
			rule: 'quiet hours',
			reason: 'quiet_hours',
			retryAt: at('2026-03-03T07:00:00Z'),
		});
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.message).toContain(CONTACT);
		expect(decision.message).toContain('Europe/Berlin, 21:00 there');
		expect(decision.message).toContain('2026-03-03 07:00 UTC');
	});

	it('is quiet at 07:59:59.999 and over at exactly 08:00', () => {
		expect(checkQuietHours(berlin, {}, at('2026-03-03T06:59:59.999Z'))).toMatchObject({
			allowed: false,
			retryAt: at('2026-03-03T07:00:00Z'),
		});
		expect(checkQuietHours(berlin, {}, at('2026-03-03T07:00:00Z')).allowed).toBe(true);
	});

	it('ends at 08:00 local time across a daylight saving change', () => {
		// Berlin moves to summer time (UTC+2) at 02:00 on March 29, 2026.
		expect(checkQuietHours(berlin, {}, at('2026-03-28T21:00:00Z'))).toMatchObject({
			retryAt: at('2026-03-29T06:00:00Z'),
		});
	});

	it('applies to marketing templates only', () => {
		for (const category of ['utility', 'authentication'] as const) {
			const input = { ...berlin, category };
			expect(checkQuietHours(input, {}, at('2026-03-02T23:00:00Z')).allowed).toBe(true);
		}
	});

	it('holds when it is night in any of the zones a number may be in, until it is night in none', () => {
		const us = inZones('America/New_York', 'America/Los_Angeles');
		// 05:00 UTC: 00:00 in New York, 21:00 in Los Angeles. 08:00 in Los Angeles is 16:00 UTC.
		expect(checkQuietHours(us, {}, at('2026-03-02T05:00:00Z'))).toMatchObject({
			retryAt: at('2026-03-02T16:00:00Z'),
		});
		// 13:30 UTC: 08:30 in New York is fine, 05:30 in Los Angeles is not.
		const decision = checkQuietHours(us, {}, at('2026-03-02T13:30:00Z'));
		expect(decision).toMatchObject({ allowed: false, retryAt: at('2026-03-02T16:00:00Z') });
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.message).toContain('America/Los_Angeles, 05:30 there');
		expect(decision.message).not.toContain('America/New_York');
		expect(checkQuietHours(us, {}, at('2026-03-02T16:00:00Z')).allowed).toBe(true);
	});

	it('skips past a zone that falls quiet before another one wakes up', () => {
		// Quiet 21:00-08:00 in Tokyo (UTC+9) is 12:00-23:00 UTC; in UTC it is 21:00-08:00 UTC.
		// At 22:00 UTC both are quiet: UTC wakes at 08:00, but Tokyo sleeps 12:00-23:00 UTC, so the
		// first moment none is quiet is 08:00 UTC (Tokyo is at 17:00 then).
		const zones = inZones('UTC', 'Asia/Tokyo');
		expect(checkQuietHours(zones, {}, at('2026-03-02T22:00:00Z'))).toMatchObject({
			retryAt: at('2026-03-03T08:00:00Z'),
		});
		// With quiet hours 18:00-08:00, Tokyo sleeps 09:00-23:00 UTC: after UTC wakes at 08:00 Tokyo
		// falls asleep at 09:00, so the hold ends at 08:00 UTC and resumes at 09:00 UTC.
		const options = { start: '18:00', end: '08:00' };
		expect(checkQuietHours(zones, options, at('2026-03-03T08:30:00Z')).allowed).toBe(true);
		expect(checkQuietHours(zones, options, at('2026-03-03T09:00:00Z'))).toMatchObject({
			retryAt: at('2026-03-04T08:00:00Z'),
		});
	});

	it('gives no retry time when the zones together leave no hour outside quiet hours', () => {
		const options = { start: '00:00', end: '23:00' };
		const decision = checkQuietHours(
			inZones('UTC', 'Asia/Tokyo'),
			options,
			at('2026-03-02T10:00:00Z'),
		);
		expect(decision).toMatchObject({ allowed: false, reason: 'quiet_hours' });
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.retryAt).toBeUndefined();
		expect(decision.message).toContain('no hour outside quiet hours');
	});

	it('supports quiet hours that do not cross midnight', () => {
		const options = { start: '12:00', end: '14:00' };
		expect(checkQuietHours(berlin, options, at('2026-03-02T10:59:59.999Z')).allowed).toBe(true);
		expect(checkQuietHours(berlin, options, at('2026-03-02T11:00:00Z'))).toMatchObject({
			retryAt: at('2026-03-02T13:00:00Z'),
		});
		expect(checkQuietHours(berlin, options, at('2026-03-02T20:00:00Z')).allowed).toBe(true);
	});

	it('uses the fallback zone when the number gives none', () => {
		const unknown = { contact: CONTACT, category: 'marketing' as const, timeZones: [] };
		// 13:00 UTC is 22:00 in Tokyo.
		const now = at('2026-03-02T13:00:00Z');
		expect(checkQuietHours(unknown, {}, now).allowed).toBe(true);
		const decision = checkQuietHours(unknown, { fallbackTimeZone: 'Asia/Tokyo' }, now);
		expect(decision).toMatchObject({ allowed: false, retryAt: at('2026-03-02T23:00:00Z') });
		if (decision.allowed) throw new Error('expected a hold');
		expect(decision.message).toContain('fallback');
		expect(
			checkQuietHours({ ...unknown, timeZones: undefined }, {}, at('2026-03-02T22:00:00Z')).allowed,
		).toBe(false);
	});

	it('can be turned off', () => {
		expect(checkQuietHours(berlin, { enabled: false }, at('2026-03-02T23:00:00Z')).allowed).toBe(
			true,
		);
	});

	it('rejects times and zones it cannot use, naming the field', () => {
		const field = (fn: () => unknown) => {
			try {
				fn();
			} catch (e) {
				expect(e).toBeInstanceOf(PolicyOptionError);
				return (e as PolicyOptionError).field;
			}
			throw new Error('expected a PolicyOptionError');
		};
		expect(field(() => resolveQuietHoursOptions({ start: '24:00' }))).toBe('quietHours.start');
		expect(field(() => resolveQuietHoursOptions({ end: '8:00' }))).toBe('quietHours.end');
		expect(field(() => resolveQuietHoursOptions({ start: '08:00', end: '08:00' }))).toBe(
			'quietHours.end',
		);
		expect(field(() => resolveQuietHoursOptions({ fallbackTimeZone: 'Mars/Olympus' }))).toBe(
			'quietHours.fallbackTimeZone',
		);
		expect(field(() => resolveQuietHoursOptions({ enabled: 1 as never }))).toBe(
			'quietHours.enabled',
		);
		expect(field(() => checkQuietHours(inZones('Europe/Berlin', 'Nowhere/Land'), {}, 0))).toBe(
			'timeZones[1]',
		);
		expect(resolveQuietHoursOptions({})).toMatchObject({
			startMs: 21 * HOUR,
			endMs: 8 * HOUR,
			fallbackTimeZone: 'UTC',
		});
		expect(resolveQuietHoursOptions({ start: '22:30' }).startMs).toBe(22 * HOUR + 30 * MINUTE);
	});
});
