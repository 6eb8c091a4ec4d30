/**
 * How the store shapes a batch before it writes or after it reads, the same for both backends:
 * repeats dropped or merged, effects of several webhook events as one batch, the newest standing.
 */
import type { TemplateState } from '../model';
import { supersedes, templateSubject, type StandingEntry } from '../standing';
import type { StoreEffects, WebhookEventEffects } from './types';

export function unique(values: readonly string[]): string[] {
	return [...new Set(values)];
}

/** Keeps the first item per key: a key twice in one batch is one item. */
export function firstByKey<T>(items: readonly T[], key: (item: T) => string): T[] {
	const seen = new Set<string>();
	return items.filter((item) => {
		const k = key(item);
		if (seen.has(k)) return false;
		seen.add(k);
		return true;
	});
}

/** Keeps the last item per key (later completions of one send override earlier ones). */
export function lastByKey<T>(items: readonly T[], key: (item: T) => string): T[] {
	const byKey = new Map<string, T>();
	for (const item of items) {
		const k = key(item);
		byKey.delete(k);
		byKey.set(k, item);
	}
	return [...byKey.values()];
}

/** The effects of several webhook events as one batch, each kind in event order. */
export function mergeEffects(events: readonly WebhookEventEffects[]): Required<StoreEffects> {
	const merged: Required<StoreEffects> = {
		windows: [],
		closeWindows: [],
		consent: [],
		costs: [],
		templates: [],
		sendFailures: [],
		sendConfirmations: [],
		standing: [],
		aliases: [],
	};
	for (const e of events) {
		for (const kind of Object.keys(merged) as (keyof StoreEffects)[]) {
			const list = e.effects?.[kind];
			if (list) (merged[kind] as unknown[]).push(...list);
		}
	}
	return merged;
}

/** Keeps the newest entry per subject and name (the store keeps the newest too). */
export function newestStanding(entries: readonly StandingEntry[]): StandingEntry[] {
	const byKey = new Map<string, StandingEntry>();
	for (const e of entries) {
		const key = JSON.stringify([e.subject, e.name]);
		const before = byKey.get(key);
		if (!before || supersedes(e, before)) byKey.set(key, e);
	}
	return [...byKey.values()].sort((a, b) => cmp(a.subject, b.subject) || cmp(a.name, b.name));
}

/**
 * Template states with their quality by Meta's own time. Meta's listing and its webhooks
 * (message_template_quality_update) each say the quality; both are kept as standing entries
 * (the listing's stamped with its quality_score's date), of which the store keeps the newer
 * (standing.ts supersedes). A state read at any time after a webhook does not win over it just
 * because it was read later: that entry is the template's quality. A state without one keeps the
 * quality it was stored with.
 */
export function withTemplateQuality(
	states: readonly TemplateState[],
	entries: readonly StandingEntry[],
): TemplateState[] {
	if (entries.length === 0) return [...states];
	const quality = new Map(
		entries.filter((e) => e.name === 'quality_rating').map((e) => [e.subject, e]),
	);
	return states.map((state) => {
		const said = quality.get(templateSubject(state));
		return said ? { ...state, quality: said.value } : state;
	});
}

/** Byte order of UTF-16 code units; equals SQLite BINARY and PostgreSQL "C" for ASCII keys. */
function cmp(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
