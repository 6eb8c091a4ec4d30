/**
 * Dedupe keys: one stable string per webhook event, recorded in the store's seen-events table.
 *
 * Why: Meta re-delivers a webhook it thinks failed for up to 7 days (with decreasing frequency),
 * and sends every change to every app subscribed to the WhatsApp Business Account. The same
 * message or status therefore arrives more than once, sometimes at the same moment. A key that
 * depends only on what Meta sends (never on when or where it arrived) lets the store say "seen",
 * so an event starts one execution and applies its side effects once.
 *
 * - message: `msg:<phoneNumberId>:<wamid>` (a wamid is unique; the number scopes it anyway)
 * - status: `status:<wamid>:<status>`, plus `:<error code>` for failed and `:<participant>` for a
 *   group message (one status per member): sent, delivered and read of one message are three events
 * - anything else: `evt:<field>:<hash>`, a SHA-256 over the field, the account, the phone number,
 *   the event's canonical JSON (keys sorted, so key order does not matter) and its time
 *
 * An event that carries no time of its own (value-level errors, unknown fields without entry.time)
 * also gets the hour it was received: identical content within one clock hour is one event (Meta's
 * simultaneous copies and quick retries), a recurring error an hour later is reported again instead
 * of being swallowed for the days the keys are kept.
 */
import { createHash } from 'node:crypto';

import { DAY, HOUR } from '../clock';

/**
 * How long seen keys are kept: Meta's longest stated retry period (7 days) plus a day, so a last
 * retry that arrives late, or a clock that runs behind, still finds its key. Prune older ones.
 */
export const SEEN_KEY_RETENTION_MS = 8 * DAY;

/** Timeless events are one event per this period of receipt (see above). */
export const TIMELESS_EVENT_BUCKET_MS = HOUR;

/**
 * The longest key stored as it is. Meta's ids are short (a wamid about 60 characters), so a real
 * key is far shorter; a longer one (a forged id of a megabyte) is stored as its hash, so that one
 * body cannot put huge keys into the seen-events index.
 */
export const MAX_DEDUPE_KEY_LENGTH = 600;

function bounded(key: string): string {
	if (key.length <= MAX_DEDUPE_KEY_LENGTH) return key;
	const kind = key.slice(0, key.indexOf(':'));
	return `${kind}:sha256:${createHash('sha256').update(key).digest('hex')}`;
}

export function messageDedupeKey(phoneNumberId: string, wamid: string): string {
	return bounded(`msg:${phoneNumberId}:${wamid}`);
}

export interface StatusKeyInput {
	/** The wamid of our message. */
	id: string;
	status: string;
	errors?: ReadonlyArray<{ code: number }>;
	/** Set on statuses of group messages: the member the status is about. */
	recipient_participant_id?: string;
}

export function statusDedupeKey(status: StatusKeyInput): string {
	let key = `status:${status.id}:${status.status}`;
	if (status.status === 'failed') key += `:${status.errors?.[0]?.code ?? ''}`;
	if (status.recipient_participant_id) key += `:${status.recipient_participant_id}`;
	return bounded(key);
}

export interface ContentKeyInput {
	field: string;
	businessAccountId: string;
	phoneNumberId?: string;
	/** The event's own object as Meta sent it. */
	raw: unknown;
	/** The event's own time (ms); undefined when Meta sent none. */
	timeMs?: number;
	/** When the webhook arrived (ms): used only when `timeMs` is undefined. */
	receivedAt?: number;
}

export function contentDedupeKey(input: ContentKeyInput): string {
	const when =
		input.timeMs !== undefined
			? `t${input.timeMs}`
			: input.receivedAt !== undefined
				? `h${Math.floor(input.receivedAt / TIMELESS_EVENT_BUCKET_MS)}`
				: '';
	const digest = createHash('sha256')
		.update(
			canonicalJson([
				input.field,
				input.businessAccountId,
				input.phoneNumberId ?? '',
				when,
				input.raw,
			]),
		)
		.digest('hex')
		.slice(0, 40);
	return bounded(`evt:${input.field}:${digest}`);
}

/**
 * JSON with object keys sorted at every level, so two serialisations of one value are equal.
 * Values JSON cannot hold (undefined, functions) are left out as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
	return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(sortKeys);
	if (typeof value !== 'object' || value === null) return value;
	const out: Record<string, unknown> = {};
	for (const key of Object.keys(value).sort()) {
		out[key] = sortKeys((value as Record<string, unknown>)[key]);
	}
	return out;
}
