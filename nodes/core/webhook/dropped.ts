/**
 * One invalid field costs its own change, never the webhook. Meta retries a webhook answered with
 * anything but 200 for days, and every other event in it waits; so a change the handler cannot
 * use is recorded and emitted like any other event, without its store effects, and reported
 * (WebhookPostResult.dropped, logged by the trigger):
 * - a change or an item the wire schemas could not read (an "other" event with `issues`: a known
 *   field whose value does not match, a status whose timestamp is not Unix seconds);
 * - an effect the store would refuse: the store checks its input and refuses the whole batch for
 *   one bad item (a guard against programming errors), and a webhook's values are Meta's, so the
 *   effects are checked here first, with the store's own checks (an empty template name, a blank
 *   quality rating), and an effect that fails them is left out;
 * - an effect carrying a text longer than any Meta sends (MAX_EFFECT_TEXT_LENGTH).
 * What is stored is never weakened: an effect is kept whole or left out.
 */
import { checkWebhookEvents } from '../store/checks';
import type { StoreEffects, WebhookEventEffects } from '../store/types';
import type { WhatsAppEvent, WhatsAppEventKind } from './events';

/** A change (or one item of it) whose effects were left out because a field is invalid. */
export interface DroppedChange {
	/** Meta's webhook field, e.g. "message_template_status_update". */
	field: string;
	/** The event's kind; "other" when the change could not be read at all. */
	kind: WhatsAppEventKind;
	/** The event's dedupe key: the emitted item carries the same. */
	dedupeKey: string;
	/** What was wrong, for the log. */
	reason: string;
}

/**
 * The longest text an effect may carry: Meta's longest (a message body has at most 4096
 * characters). A longer one (a pricing category, a rejection reason, a quality rating of a
 * megabyte) is not Meta's and would only bloat the store; the consent wording is cut to this
 * length instead (effects/consent.ts), so an opt-out is never lost over it.
 */
export const MAX_EFFECT_TEXT_LENGTH = 4096;

/** A reason is for a log line: Meta's values in it are cut to this length. */
const MAX_REASON_LENGTH = 300;

/** The report of an event whose effects were left out. */
export function droppedChange(event: WhatsAppEvent, reason: string): DroppedChange {
	return { field: clip(event.field, 100), kind: event.kind, dedupeKey: event.dedupeKey, reason };
}

/** Why an event's change could not be read (undefined when it could). */
export function unreadableReason(event: WhatsAppEvent): string | undefined {
	if (event.kind !== 'other' || !event.issues?.length) return undefined;
	return clip(event.issues.join('; '));
}

/**
 * Leaves out of the batch the effects the store would refuse (in place) and returns what was left
 * out, by index into the batch. `at` is the time the batch is applied at (the store checks it too).
 * The whole batch is checked first: almost always nothing is wrong.
 */
export function leaveOutUnusable(batch: WebhookEventEffects[], at: number): Map<number, string[]> {
	const left = new Map<number, string[]>();
	if (refusal(batch, at) === undefined) return left;
	batch.forEach((item, i) => {
		const { effects, problems } = usableEffects(item.effects ?? {}, at);
		if (problems.length === 0) return;
		item.effects = effects;
		left.set(i, problems);
	});
	return left;
}

/** The effects of one event the store accepts, and what was left out. */
export function usableEffects(
	effects: StoreEffects,
	at: number,
): { effects: StoreEffects; problems: string[] } {
	if (refusal([{ key: 'check', effects }], at) === undefined) return { effects, problems: [] };
	const kept: StoreEffects = {};
	const problems: string[] = [];
	for (const kind of Object.keys(effects) as (keyof StoreEffects)[]) {
		const items = (effects[kind] ?? []) as unknown[];
		const usable = items.filter((item) => {
			const problem = refusal([{ key: 'check', effects: { [kind]: [item] } }], at);
			if (problem !== undefined) problems.push(problem);
			return problem === undefined;
		});
		if (usable.length > 0) (kept as Record<string, unknown[]>)[kind] = usable;
	}
	return { effects: kept, problems };
}

/**
 * What is wrong with a batch: a text too long, or the store's objection, as "standing value must
 * be a non-empty string, got \"\"" (for a batch of one effect, whose indexes say nothing).
 */
function refusal(batch: readonly WebhookEventEffects[], at: number): string | undefined {
	for (const item of batch) {
		const long = longText(item.effects ?? {});
		if (long !== undefined) return long;
	}
	try {
		checkWebhookEvents(batch, at);
		return undefined;
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		return clip(
			message
				.replace(/^applyWebhookEvents: events\[\d+\]\.effects: /, '')
				.replace(/(?:: )?(?:events)?\[0\]\./, ' '),
		);
	}
}

/** The first text longer than MAX_EFFECT_TEXT_LENGTH in the effects (and what holds it). */
function longText(effects: StoreEffects): string | undefined {
	for (const [kind, items] of Object.entries(effects) as Array<[string, unknown[] | undefined]>) {
		for (const item of items ?? []) {
			const found = longIn(item as Record<string, unknown>, 2);
			if (found) {
				return `${kind} ${found[0]} has ${found[1]} characters, more than any text Meta sends (${MAX_EFFECT_TEXT_LENGTH})`;
			}
		}
	}
	return undefined;
}

/** A string longer than MAX_EFFECT_TEXT_LENGTH in `record` or `levels - 1` levels below it. */
function longIn(record: Record<string, unknown>, levels: number): [string, number] | undefined {
	for (const [key, value] of Object.entries(record)) {
		if (typeof value === 'string' && value.length > MAX_EFFECT_TEXT_LENGTH) {
			return [key, value.length];
		}
		if (levels > 1 && typeof value === 'object' && value !== null) {
			const found = longIn(value as Record<string, unknown>, levels - 1);
			if (found) return [`${key}.${found[0]}`, found[1]];
		}
	}
	return undefined;
}

/** Changes shown one by one in the log line; the rest are counted. */
export const DROPPED_SHOWN = 5;

/** The trigger's log line for the changes whose effects were left out. */
export function droppedLogLine(dropped: readonly DroppedChange[]): string {
	const shown = dropped
		.slice(0, DROPPED_SHOWN)
		.map((d) => `${d.field || '(no field)'} [${d.kind}, ${d.dedupeKey}]: ${d.reason}`);
	const more = dropped.length - shown.length;
	return (
		`WhatsApp webhook recorded, but ${dropped.length} ${dropped.length === 1 ? 'change has' : 'changes have'} an invalid field and changed nothing in the compliance store; the rest of the webhook was recorded: ` +
		shown.join(' | ') +
		(more > 0 ? ` | and ${more} more` : '')
	);
}

function clip(text: string, length = MAX_REASON_LENGTH): string {
	return text.length > length ? `${text.slice(0, length)}...` : text;
}
