/**
 * Pieces both backends share: the contact hash, input checks, row mapping and batch helpers.
 * Rows come as SQLite returns them (integers, 0/1, JSON text) or as PostgreSQL does (bigint as
 * string, booleans, jsonb objects); the mappers accept both so each shape is mapped once.
 */
import { hash, randomBytes } from 'node:crypto';

import type {
	ConsentAction,
	ConsentEvent,
	ConsentEventInput,
	ConsentRecord,
	ConsentStatus,
	CostEntry,
	SendState,
	SentMessage,
	TemplateCategory,
	TemplateState,
	WindowState,
} from '../model';
import type { MessagingLimit } from '../policy/messagingLimit';
import type { CostLedgerGroup } from '../report/costReport';
import {
	STANDING_NAMES,
	templateSubject,
	type StandingEntry,
	type StandingName,
} from '../standing';
import type {
	InboundTouch,
	ReachReservation,
	ReportDay,
	SendCompletion,
	SendLeft,
	SendRelease,
	SendReservation,
	StoreEffects,
	TemplateKey,
	WebhookEventEffects,
	WindowClose,
	Delivery,
	Subscription,
} from './types';

/** 32 random bytes, hex: created once per store and kept in its meta table. */
export function newSalt(): string {
	return randomBytes(32).toString('hex');
}

const SHA256_BLOCK = 64;

/**
 * HMAC-SHA256 keyed with the store's salt (hex), as hex: the same contact always gives the same
 * hash. Built from two one-shot SHA-256 calls over the precomputed key pads (RFC 2104), which is
 * byte for byte what createHmac gives at a sixth of the cost: a snapshot hashes every contact.
 */
export function contactHasher(salt: string): (contact: string) => string {
	const key = Buffer.from(salt, 'hex');
	if (key.length === 0 || key.length > SHA256_BLOCK) {
		throw new Error(`contact hash: the salt must be 1 to ${SHA256_BLOCK} bytes of hex`);
	}
	const inner = Buffer.alloc(SHA256_BLOCK, 0x36);
	const outer = Buffer.alloc(SHA256_BLOCK, 0x5c);
	for (let i = 0; i < key.length; i++) {
		inner[i] ^= key[i];
		outer[i] ^= key[i];
	}
	return (contact) => {
		const innerHash = hash(
			'sha256',
			Buffer.concat([inner, Buffer.from(contact, 'utf8')]),
			'buffer',
		);
		return hash('sha256', Buffer.concat([outer, innerHash]), 'hex');
	};
}

type Row = Record<string, unknown>;

const ACTIONS: ReadonlySet<string> = new Set<ConsentAction>([
	'opt_in',
	'request_confirmation',
	'confirm',
	'opt_out',
]);

function fail(where: string, what: string, got: unknown): never {
	throw new Error(`${where} ${what}, got ${JSON.stringify(got) ?? String(got)}`);
}

export function checkTime(where: string, value: unknown): void {
	if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
		fail(where, 'must be a time in milliseconds since the epoch (a whole number >= 0)', value);
	}
}

export function checkText(where: string, value: unknown): void {
	if (typeof value !== 'string' || value.length === 0)
		fail(where, 'must be a non-empty string', value);
}

function checkOptionalText(where: string, value: unknown): void {
	if (value !== undefined && value !== null && typeof value !== 'string') {
		fail(where, 'must be a string when set', value);
	}
}

export function checkConsentEvents(method: string, events: readonly ConsentEventInput[]): void {
	events.forEach((e, i) => {
		const at = `${method}: events[${i}]`;
		checkText(`${at}.contact`, e.contact);
		checkText(`${at}.purpose`, e.purpose);
		if (!ACTIONS.has(e.action)) {
			fail(
				`${at}.action`,
				'must be one of opt_in, request_confirmation, confirm, opt_out',
				e.action,
			);
		}
		checkTime(`${at}.at`, e.at);
		checkText(`${at}.source`, e.source);
		checkOptionalText(`${at}.wording`, e.wording);
		checkOptionalText(`${at}.eventKey`, e.eventKey);
	});
}

export function checkWindows(method: string, items: readonly (InboundTouch | WindowClose)[]): void {
	items.forEach((w, i) => {
		checkText(`${method}: [${i}].sender`, w.sender);
		checkText(`${method}: [${i}].contact`, w.contact);
		checkTime(`${method}: [${i}].at`, w.at);
	});
}

export function checkReservations(reservations: readonly SendReservation[]): void {
	reservations.forEach((r, i) => {
		const at = `reserveSends: reservations[${i}]`;
		checkText(`${at}.idempotencyKey`, r.idempotencyKey);
		checkText(`${at}.sender`, r.sender);
		checkText(`${at}.contact`, r.contact);
		checkText(`${at}.kind`, r.kind);
		checkText(`${at}.category`, r.category);
		checkTime(`${at}.at`, r.at);
		if (r.callbackId !== undefined) checkText(`${at}.callbackId`, r.callbackId);
	});
}

export function checkReleases(releases: readonly SendRelease[]): void {
	releases.forEach((r, i) => {
		checkText(`releaseSends: releases[${i}].idempotencyKey`, r.idempotencyKey);
		if (r.callbackId !== undefined)
			checkText(`releaseSends: releases[${i}].callbackId`, r.callbackId);
	});
}

export function checkSendsLeft(marks: readonly SendLeft[]): void {
	marks.forEach((m, i) => {
		checkText(`markSendsLeft: marks[${i}].idempotencyKey`, m.idempotencyKey);
		checkText(`markSendsLeft: marks[${i}].callbackId`, m.callbackId);
		checkTime(`markSendsLeft: marks[${i}].at`, m.at);
	});
}

export function checkCompletions(completions: readonly SendCompletion[]): void {
	completions.forEach((c, i) => {
		const at = `completeSends: completions[${i}]`;
		checkText(`${at}.idempotencyKey`, c.idempotencyKey);
		checkTime(`${at}.at`, c.at);
		// Checked at run time too: the input often comes from n8n items, not typed code.
		const state: string = c.state;
		if (state === 'accepted') checkText(`${at}.wamid`, (c as { wamid?: unknown }).wamid);
		else if (state !== 'failed') fail(`${at}.state`, 'must be accepted or failed', state);
	});
}

export function checkTemplates(method: string, states: readonly TemplateState[]): void {
	states.forEach((t, i) => {
		checkTemplateKey(`${method}: [${i}]`, t);
		checkText(`${method}: [${i}].status`, t.status);
		checkTime(`${method}: [${i}].updatedAt`, t.updatedAt);
	});
}

function checkTemplateKey(where: string, k: TemplateKey): void {
	checkText(`${where}.account`, k.account);
	checkText(`${where}.name`, k.name);
	checkText(`${where}.language`, k.language);
}

/** Checks template keys and drops repeats (a key twice in one request is one key). */
export function uniqueTemplateKeys(method: string, keys: readonly TemplateKey[]): TemplateKey[] {
	keys.forEach((k, i) => checkTemplateKey(`${method}: templates[${i}]`, k));
	return firstByKey(keys, (k) => JSON.stringify([k.account, k.name, k.language]));
}

function checkCosts(method: string, costs: readonly CostEntry[]): void {
	costs.forEach((c, i) => {
		checkText(`${method}: costs[${i}].wamid`, c.wamid);
		checkText(`${method}: costs[${i}].category`, c.category);
		checkText(`${method}: costs[${i}].pricingType`, c.pricingType);
		checkText(`${method}: costs[${i}].contact`, c.contact);
		checkTime(`${method}: costs[${i}].at`, c.at);
	});
}

export function checkReachReservation(r: ReachReservation): void {
	checkTime('reserveReach: now', r.now);
	const { limit } = r;
	if (limit !== undefined && limit !== 'unlimited' && !(Number.isInteger(limit) && limit >= 1)) {
		fail(
			'reserveReach: limit',
			"must be a whole number of at least 1, 'unlimited' or undefined",
			limit,
		);
	}
	if (!Number.isInteger(r.oldest) || r.oldest < 0) {
		fail('reserveReach: oldest', 'must be a whole number >= 0', r.oldest);
	}
	r.recipients.forEach((x, i) => {
		checkText(`reserveReach: recipients[${i}].contact`, x.contact);
		checkText(`reserveReach: recipients[${i}].key`, x.key);
	});
}

/**
 * How many of the oldest reach times a usage carries for a batch of `oldest` more recipients: a
 * hold's retryAt reads the reach time at index count - limit + (its place among the held), so
 * none while the batch fits, and all of them at most. Without a known limit, `oldest`.
 */
export function reachListLength(
	count: number,
	limit: MessagingLimit | undefined,
	oldest: number,
): number {
	const needed = typeof limit === 'number' ? Math.max(0, count - limit + oldest) : oldest;
	return Math.min(count, needed);
}

export function checkReportDays(days: readonly ReportDay[]): void {
	days.forEach((d, i) => {
		checkTime(`costReport: days[${i}].start`, d.start);
		checkTime(`costReport: days[${i}].end`, d.end);
		if (d.end <= d.start || (i > 0 && d.start < days[i - 1].end)) {
			fail(`costReport: days[${i}]`, 'must end after it starts and after the day before', d);
		}
	});
}

/** A cost report group as either backend returns it. */
export function toCostLedgerGroup(r: Row): CostLedgerGroup {
	return {
		day: Number(r.day),
		...(r.template === null || r.template === undefined ? {} : { template: String(r.template) }),
		category: String(r.category),
		pricingType: String(r.pricing_type),
		...(r.market === null || r.market === undefined ? {} : { market: String(r.market) }),
		...(r.currency === null || r.currency === undefined ? {} : { currency: String(r.currency) }),
		messages: Number(r.messages),
		billable: Number(r.billable),
		estimatedTotal: Number(r.total),
	};
}

export function checkStanding(method: string, entries: readonly StandingEntry[]): void {
	entries.forEach((e, i) => {
		const at = `${method}: [${i}]`;
		checkText(`${at}.subject`, e.subject);
		if (!STANDING_NAMES.includes(e.name)) {
			fail(`${at}.name`, `must be one of ${STANDING_NAMES.join(', ')}`, e.name);
		}
		checkText(`${at}.value`, e.value);
		checkTime(`${at}.at`, e.at);
		checkText(`${at}.source`, e.source);
	});
}

/** Keeps the newest entry per subject and name (the store keeps the newest too). */
export function newestStanding(entries: readonly StandingEntry[]): StandingEntry[] {
	const byKey = new Map<string, StandingEntry>();
	for (const e of entries) {
		const key = JSON.stringify([e.subject, e.name]);
		const before = byKey.get(key);
		if (!before || e.at >= before.at) byKey.set(key, e);
	}
	return [...byKey.values()].sort((a, b) => cmp(a.subject, b.subject) || cmp(a.name, b.name));
}

export function toStandingEntry(r: Row): StandingEntry {
	return {
		subject: String(r.subject),
		name: String(r.name) as StandingName,
		value: String(r.value),
		at: Number(r.at),
		source: String(r.source),
	};
}

/**
 * Template states with the quality a webhook gave (message_template_quality_update), where it is
 * newer than the state: Meta's listing and its webhooks each say the quality, the newer counts.
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
		return said && said.at > state.updatedAt ? { ...state, quality: said.value } : state;
	});
}

export function checkSubscription(s: Subscription): void {
	for (const field of ['id', 'app', 'instance', 'path', 'workflowId', 'node'] as const) {
		checkText(`registerSubscription: ${field}`, s[field]);
	}
	if (s.mode !== 'production' && s.mode !== 'test') {
		fail('registerSubscription: mode', 'must be "production" or "test"', s.mode);
	}
	checkTime('registerSubscription: registeredAt', s.registeredAt);
	if (s.expiresAt !== undefined) checkTime('registerSubscription: expiresAt', s.expiresAt);
}

/** A subscription's row values in column order (both backends' INSERT lists them so). */
export function subscriptionRow(s: Subscription): Array<string | number | null> {
	return [
		s.id,
		s.app,
		s.instance,
		s.mode,
		s.path,
		s.workflowId,
		s.node,
		JSON.stringify(s.filter ?? {}),
		JSON.stringify(s.effects ?? {}),
		s.registeredAt,
		s.expiresAt ?? null,
	];
}

export const SUBSCRIPTION_COLUMNS =
	'id, app, instance, mode, path, workflow_id, node, filter, effects, registered_at, expires_at';

export function toSubscription(r: Row): Subscription {
	const json = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : (value ?? {}));
	return assign<Subscription>(
		{
			id: String(r.id),
			app: String(r.app),
			instance: String(r.instance),
			mode: r.mode as Subscription['mode'],
			path: String(r.path),
			workflowId: String(r.workflow_id),
			node: String(r.node),
			filter: json(r.filter),
			effects: json(r.effects),
			registeredAt: Number(r.registered_at),
		},
		{ expiresAt: numberOrUndefined(r.expires_at) },
	);
}

export function toDelivery(r: Row): Delivery {
	return {
		seq: Number(r.seq),
		subscription: String(r.subscription),
		eventKey: String(r.event_key),
		event: String(r.event),
		createdAt: Number(r.created_at),
	};
}

function checkEffects(method: string, effects: StoreEffects): void {
	if (effects.windows) checkWindows(`${method}: windows`, effects.windows);
	if (effects.closeWindows) checkWindows(`${method}: closeWindows`, effects.closeWindows);
	if (effects.consent) checkConsentEvents(`${method}: consent`, effects.consent);
	if (effects.costs) checkCosts(method, effects.costs);
	if (effects.templates) checkTemplates(`${method}: templates`, effects.templates);
	if (effects.standing) checkStanding(`${method}: standing`, effects.standing);
	effects.sendFailures?.forEach((f, i) => {
		checkText(`${method}: sendFailures[${i}].wamid`, f.wamid);
		checkTime(`${method}: sendFailures[${i}].at`, f.at);
	});
	effects.sendConfirmations?.forEach((c, i) => {
		checkText(`${method}: sendConfirmations[${i}].callbackId`, c.callbackId);
		checkText(`${method}: sendConfirmations[${i}].wamid`, c.wamid);
		checkTime(`${method}: sendConfirmations[${i}].at`, c.at);
	});
}

export function checkWebhookEvents(events: readonly WebhookEventEffects[], at: number): void {
	checkTime('applyWebhookEvents: at', at);
	events.forEach((e, i) => {
		checkText(`applyWebhookEvents: events[${i}].key`, e.key);
		checkEffects(`applyWebhookEvents: events[${i}].effects`, e.effects ?? {});
		e.deliveries?.forEach((d, j) => {
			checkText(`applyWebhookEvents: events[${i}].deliveries[${j}].subscription`, d.subscription);
			checkText(`applyWebhookEvents: events[${i}].deliveries[${j}].event`, d.event);
		});
	});
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
	};
	for (const e of events) {
		for (const kind of Object.keys(merged) as (keyof StoreEffects)[]) {
			const list = e.effects?.[kind];
			if (list) (merged[kind] as unknown[]).push(...list);
		}
	}
	return merged;
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

export function unique(values: readonly string[]): string[] {
	return [...new Set(values)];
}

function num(value: unknown): number | undefined {
	return value === null || value === undefined ? undefined : Number(value);
}

/** A nullable number column (SQLite number, PostgreSQL string for bigint) as a number. */
export const numberOrUndefined = num;

/** The send budget's pair rows are pruned every this many leases of a process. */
export const PAIR_PRUNE_EVERY = 100;
/** 131056 strikes count as "in a row" for at most this long (schedule.ts holdPair). */
export const PAIR_STRIKES_KEPT_MS = 60 * 60 * 1000;

function str(value: unknown): string | undefined {
	return value === null || value === undefined ? undefined : String(value);
}

function bool(value: unknown): boolean {
	return value === true || value === 1 || value === 't';
}

/** Sets only defined values, so a record from either backend deep-equals the other's. */
function assign<T extends object>(target: T, extra: Partial<T>): T {
	for (const [k, v] of Object.entries(extra)) {
		if (v !== undefined) (target as Record<string, unknown>)[k] = v;
	}
	return target;
}

export function toConsentRecord(r: Row): ConsentRecord {
	return assign<ConsentRecord>(
		{
			contact: String(r.contact),
			purpose: String(r.purpose),
			status: r.status as ConsentStatus,
			changedAt: Number(r.changed_at),
			source: String(r.source),
		},
		{
			wording: str(r.wording),
			optedInAt: num(r.opted_in_at),
			confirmedAt: num(r.confirmed_at),
			optedOutAt: num(r.opted_out_at),
		},
	);
}

/** Consent rows grouped by contact, as the consent rule reads them (decideConsentBatch). */
export function recordsByContact(rows: readonly Row[]): Map<string, ConsentRecord[]> {
	const byContact = new Map<string, ConsentRecord[]>();
	for (const row of rows) {
		const record = toConsentRecord(row);
		const list = byContact.get(record.contact);
		if (list) list.push(record);
		else byContact.set(record.contact, [record]);
	}
	return byContact;
}

export function toConsentEvent(r: Row): ConsentEvent {
	const evidence =
		typeof r.evidence === 'string' ? JSON.parse(r.evidence) : (r.evidence ?? undefined);
	return assign<ConsentEvent>(
		{
			id: Number(r.id),
			contact: String(r.contact),
			purpose: String(r.purpose),
			action: r.action as ConsentAction,
			at: Number(r.at),
			source: String(r.source),
			recordedAt: Number(r.recorded_at),
			applied: bool(r.applied),
		},
		{
			wording: str(r.wording),
			evidence,
			reason: str(r.reason),
			recordedBy: str(r.recorded_by),
			eventKey: str(r.event_key),
			statusAfter: (r.status_after ?? undefined) as ConsentStatus | undefined,
			effectiveAt: num(r.effective_at),
		},
	);
}

export function toWindow(r: Row): WindowState {
	return assign<WindowState>(
		{
			sender: String(r.sender),
			contact: String(r.contact),
			lastInboundAt: Number(r.last_inbound_at),
		},
		{
			referralAt: num(r.referral_at),
			fepStartedAt: num(r.fep_started_at),
			closedAt: num(r.closed_at),
		},
	);
}

export function toSentMessage(r: Row): SentMessage {
	return assign<SentMessage>(
		{
			idempotencyKey: String(r.idempotency_key),
			sender: String(r.sender),
			contact: String(r.contact),
			state: r.state as SendState,
			kind: String(r.kind),
			category: r.category as TemplateCategory | 'service',
			createdAt: Number(r.created_at),
		},
		{
			wamid: str(r.wamid),
			sentAt: num(r.sent_at),
			estimatedPrice: num(r.estimated_price),
			currency: str(r.currency),
			errorCode: num(r.error_code),
			callbackId: str(r.callback_id),
			leftAt: num(r.left_at),
		},
	);
}

export function toTemplateState(r: Row): TemplateState {
	return assign<TemplateState>(
		{
			account: String(r.account),
			name: String(r.name),
			language: String(r.language),
			status: String(r.status),
			updatedAt: Number(r.updated_at),
		},
		{
			category: (r.category ?? undefined) as TemplateCategory | undefined,
			quality: str(r.quality),
			reason: str(r.reason),
		},
	);
}

/** Byte order of UTF-16 code units; equals SQLite BINARY and PostgreSQL "C" for ASCII keys. */
function cmp(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

const DEFAULT_LIST_LIMIT = 1000;
const MAX_LIST_LIMIT = 10000;

export function checkListLimit(limit: number | undefined): number {
	const value = limit ?? DEFAULT_LIST_LIMIT;
	if (!Number.isInteger(value) || value < 1 || value > MAX_LIST_LIMIT) {
		fail('listConsents: limit', `must be a whole number from 1 to ${MAX_LIST_LIMIT}`, limit);
	}
	return value;
}
