import { DateTime } from 'luxon';
import { DAY, HOUR, isTimeZone, MINUTE } from '../clock';
import type { TemplateCategory } from '../model';
import { formatUtc } from './format';
import { ALLOW, PolicyOptionError, type Decision } from './types';

export interface QuietHoursOptions {
	/**
	 * Whether marketing templates wait for the end of the night in the contact's time zone.
	 * @default true
	 */
	readonly enabled?: boolean;
	/**
	 * When quiet hours begin, local time of the contact, "HH:MM" (24-hour clock).
	 * @default '21:00'
	 */
	readonly start?: string;
	/**
	 * When quiet hours end, "HH:MM"; earlier than `start` means they run past midnight.
	 * @default '08:00'
	 */
	readonly end?: string;
	/**
	 * The IANA time zone used when the contact's number gives none (unknown country), e.g. the
	 * workflow's time zone.
	 * @default 'UTC'
	 */
	readonly fallbackTimeZone?: string;
}

export interface ResolvedQuietHoursOptions {
	readonly enabled: boolean;
	readonly start: string;
	readonly end: string;
	readonly fallbackTimeZone: string;
	/** Milliseconds after local midnight. */
	readonly startMs: number;
	readonly endMs: number;
}

export const QUIET_HOURS_DEFAULTS = Object.freeze({
	enabled: true,
	start: '21:00',
	end: '08:00',
	fallbackTimeZone: 'UTC',
});

const CLOCK_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

function parseClock(field: string, value: unknown): number {
	const match = typeof value === 'string' ? CLOCK_TIME.exec(value) : null;
	if (!match) {
		throw new PolicyOptionError(
			`quietHours.${field}`,
			`quietHours.${field} must be a time as "HH:MM" from 00:00 to 23:59, got ${JSON.stringify(value)}: e.g. "21:00".`,
		);
	}
	return Number(match[1]) * HOUR + Number(match[2]) * MINUTE;
}

/** Fills in the defaults and checks the values; throws PolicyOptionError naming the field. */
export function resolveQuietHoursOptions(
	options: QuietHoursOptions = {},
): ResolvedQuietHoursOptions {
	const enabled = options.enabled ?? QUIET_HOURS_DEFAULTS.enabled;
	const start = options.start ?? QUIET_HOURS_DEFAULTS.start;
	const end = options.end ?? QUIET_HOURS_DEFAULTS.end;
	const fallbackTimeZone = options.fallbackTimeZone ?? QUIET_HOURS_DEFAULTS.fallbackTimeZone;
	if (typeof enabled !== 'boolean') {
		throw new PolicyOptionError('quietHours.enabled', 'quietHours.enabled must be true or false.');
	}
	const startMs = parseClock('start', start);
	const endMs = parseClock('end', end);
	if (startMs === endMs) {
		throw new PolicyOptionError(
			'quietHours.end',
			`quietHours.start and quietHours.end are both "${start}", which leaves no quiet hours: set different times, or turn quiet hours off with enabled: false.`,
		);
	}
	assertZone('quietHours.fallbackTimeZone', fallbackTimeZone);
	return { enabled, start, end, fallbackTimeZone, startMs, endMs };
}

function assertZone(field: string, zone: unknown): void {
	if (!isTimeZone(zone)) {
		throw new PolicyOptionError(
			field,
			`${field} must be an IANA time zone such as "Europe/Berlin", got ${JSON.stringify(zone)}.`,
		);
	}
}

export interface QuietHoursInput {
	/** The contact as the user gave it, used in the message. */
	contact: string;
	category: TemplateCategory;
	/**
	 * The IANA time zones the contact's number may be in (one number can map to several, e.g. a
	 * US area code spanning two zones); empty or undefined when unknown.
	 */
	timeZones: readonly string[] | undefined;
}

function msOfDay(local: DateTime): number {
	return local.hour * HOUR + local.minute * MINUTE + local.second * 1000 + local.millisecond;
}

/**
 * The last local time asked for per zone: a batch asks about one moment for thousands of contacts
 * in a few zones, and converting a time into a zone (Intl's formatToParts) is the rule's cost.
 */
const lastLocal = new Map<string, { at: number; ms: number }>();

function localMsOfDay(at: number, zone: string): number {
	const last = lastLocal.get(zone);
	if (last?.at === at) return last.ms;
	const ms = msOfDay(DateTime.fromMillis(at, { zone }));
	lastLocal.set(zone, { at, ms });
	return ms;
}

function isQuiet(at: number, zone: string, o: ResolvedQuietHoursOptions): boolean {
	const ms = localMsOfDay(at, zone);
	return o.startMs < o.endMs ? ms >= o.startMs && ms < o.endMs : ms >= o.startMs || ms < o.endMs;
}

/** The next moment after `at` when the clock in `zone` shows the end of quiet hours. */
function nextEnd(at: number, zone: string, o: ResolvedQuietHoursOptions): number {
	const local = DateTime.fromMillis(at, { zone });
	const time = { hour: Math.floor(o.endMs / HOUR), minute: (o.endMs % HOUR) / MINUTE };
	const today = local.startOf('day').set(time).toMillis();
	return today > at ? today : local.startOf('day').plus({ days: 1 }).set(time).toMillis();
}

/**
 * The first moment from `now` at which no zone is quiet; undefined when the zones' quiet hours
 * together leave no gap within two days (zones spread around the globe).
 */
function firstMomentNoneQuiet(
	now: number,
	zones: readonly string[],
	o: ResolvedQuietHoursOptions,
): number | undefined {
	let at = now;
	while (at < now + 2 * DAY) {
		const quiet = zones.filter((zone) => isQuiet(at, zone, o));
		if (quiet.length === 0) return at;
		// Jump to the end of the quiet period that ends last among the zones quiet now.
		at = Math.max(...quiet.map((zone) => nextEnd(at, zone, o)));
	}
	return undefined;
}

/**
 * The quiet hours rule: no marketing at night in the contact's time zone. When the number may be
 * in several zones, it is night if it is night in any of them (the contact may live in either),
 * and the hold lasts until it is night in none.
 */
export function checkQuietHours(
	input: QuietHoursInput,
	options: QuietHoursOptions,
	now: number,
): Decision {
	const o = resolveQuietHoursOptions(options);
	if (!o.enabled || input.category !== 'marketing') return ALLOW;
	const given = input.timeZones ?? [];
	given.forEach((zone, i) => assertZone(`timeZones[${i}]`, zone));
	const zones = given.length > 0 ? [...new Set(given)] : [o.fallbackTimeZone];
	const quiet = zones.filter((zone) => isQuiet(now, zone, o));
	if (quiet.length === 0) return ALLOW;
	const retryAt = firstMomentNoneQuiet(now, zones, o);
	const where = quiet
		.map((zone) => `${zone}, ${DateTime.fromMillis(now, { zone }).toFormat('HH:mm')} there`)
		.join('; ');
	const unknown =
		given.length === 0 ? ' (the number gives no time zone, so the fallback zone is used)' : '';
	const when =
		retryAt === undefined
			? "the contact's possible time zones leave no hour outside quiet hours, so shorten the quiet hours or set the contact's zone"
			: `it can be sent from ${formatUtc(retryAt)} (${o.end} their time)`;
	return {
		allowed: false,
		rule: 'quiet hours',
		reason: 'quiet_hours',
		message: `It is quiet hours (${o.start}–${o.end}) for ${input.contact} (${where})${unknown}, so this marketing template waits: ${when}.`,
		...(retryAt === undefined ? {} : { retryAt }),
	};
}
