import { DAY, HOUR, MINUTE } from '../clock';

/** "2026-11-22 07:00 UTC": readable in hold messages without knowing the reader's zone. */
export function formatUtc(ms: number): string {
	const iso = new Date(ms).toISOString();
	return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** 7 days, 24 hours, 90 minutes: the largest unit that divides the duration. */
export function describeDuration(ms: number): string {
	const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
	if (ms % DAY === 0) return unit(ms / DAY, 'day');
	if (ms % HOUR === 0) return unit(ms / HOUR, 'hour');
	if (ms % MINUTE === 0) return unit(ms / MINUTE, 'minute');
	return unit(Math.ceil(ms / 1000), 'second');
}
