/**
 * The checks of what callers give the store, the same for both backends: a wrong value fails
 * before any statement, with a message naming the method, the field and what it must be.
 */
import type { ConsentAction, ConsentEventInput, CostEntry, TemplateState } from '../model';
import { STANDING_NAMES, type StandingEntry } from '../standing';
import { firstByKey } from './batches';
import type {
	InboundTouch,
	ReachReservation,
	ReportDay,
	SendCompletion,
	SendLeft,
	SendRelease,
	SendReservation,
	SendsQuery,
	StoreEffects,
	Subscription,
	TemplateKey,
	WebhookEventEffects,
	WindowClose,
} from './types';

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

export function checkReportDays(days: readonly ReportDay[]): void {
	days.forEach((d, i) => {
		checkTime(`costReport: days[${i}].start`, d.start);
		checkTime(`costReport: days[${i}].end`, d.end);
		if (d.end <= d.start || (i > 0 && d.start < days[i - 1].end)) {
			fail(`costReport: days[${i}]`, 'must end after it starts and after the day before', d);
		}
	});
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
	effects.aliases?.forEach((a, i) => {
		checkText(`${method}: aliases[${i}].contact`, a.contact);
		checkText(`${method}: aliases[${i}].userId`, a.userId);
		checkTime(`${method}: aliases[${i}].at`, a.at);
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

const DEFAULT_LIST_LIMIT = 1000;

const MAX_LIST_LIMIT = 10000;

export function checkListLimit(limit: number | undefined): number {
	const value = limit ?? DEFAULT_LIST_LIMIT;
	if (!Number.isInteger(value) || value < 1 || value > MAX_LIST_LIMIT) {
		fail('listConsents: limit', `must be a whole number from 1 to ${MAX_LIST_LIMIT}`, limit);
	}
	return value;
}

/** A SendsQuery with its defaults: every key, all time, any kind, from the first page. */
export interface SendsFilter {
	keyPrefix: string;
	from: number;
	to: number;
	kind: string | null;
	after: { createdAt: number; idempotencyKey: string };
	limit: number;
}

export function checkSendsQuery(query: SendsQuery): SendsFilter {
	const keyPrefix = query.keyPrefix ?? '';
	if (typeof keyPrefix !== 'string') fail('listSends: keyPrefix', 'must be text', keyPrefix);
	if (query.kind !== undefined) checkText('listSends: kind', query.kind);
	if (query.from !== undefined) checkTime('listSends: from', query.from);
	if (query.to !== undefined) checkTime('listSends: to', query.to);
	if (query.after !== undefined) {
		checkTime('listSends: after.createdAt', query.after.createdAt);
		checkText('listSends: after.idempotencyKey', query.after.idempotencyKey);
	}
	return {
		keyPrefix,
		from: query.from ?? 0,
		to: query.to ?? Number.MAX_SAFE_INTEGER,
		kind: query.kind ?? null,
		after: query.after ?? { createdAt: -1, idempotencyKey: '' },
		limit: checkListLimit(query.limit),
	};
}
