/**
 * Tests and the demo send marketing templates through the examples, which keep quiet hours on
 * (21:00-08:00 in the contact's time zone). They pick the contact's country so that the send is
 * not held: the first candidate whose every time zone is outside quiet hours for the whole run.
 * The quiet-hours rule itself is the core's (checkQuietHours); nothing here decides it again.
 */
import { timeZonesOf } from '../../nodes/core/phone';
import { checkQuietHours } from '../../nodes/core/policy/quietHours';

/** True when a marketing template to `country` is allowed from `now` until `now + forMs`. */
export function awakeThroughout(country: string, now: number, forMs: number): boolean {
	// Quiet hours are one span of 11 hours a day: a run shorter than the 13 allowed hours that is
	// allowed at both ends was allowed all along.
	if (forMs >= 11 * 60 * 60 * 1000) throw new Error('awakeThroughout: runs of 11 hours or more');
	const timeZones = timeZonesOf(country);
	return [now, now + forMs].every(
		(at) => checkQuietHours({ contact: country, category: 'marketing', timeZones }, {}, at).allowed,
	);
}

/**
 * The first candidate whose country is awake from `now` for `forMs`. Germany, Colombia and Japan
 * (one time zone each) between them cover every start time for runs up to 2 hours; a list without
 * an awake candidate is an error that names the time, not a silent pick that fails later.
 */
export function firstAwake<T extends { readonly country: string }>(
	candidates: readonly T[],
	now: number,
	forMs: number,
): T {
	const found = candidates.find((candidate) => awakeThroughout(candidate.country, now, forMs));
	if (!found) {
		throw new Error(
			`No candidate country (${candidates.map((c) => c.country).join(', ')}) is outside quiet hours from ${new Date(now).toISOString()} for ${Math.round(forMs / 60_000)} minutes: add one`,
		);
	}
	return found;
}
