/**
 * One Meta app, many workflows. A Meta app has ONE callback URL for WhatsApp, yet a business
 * usually wants several workflows to start on its events (a support inbox, a STOP handler, a
 * status and cost tracker). So every published WhatsApp Webhook Trigger of an app (an app is its
 * app secret: Meta signs every webhook with it) keeps a subscription in the compliance store, and
 * Meta may call any one of their Production URLs:
 *
 * 1. The trigger Meta calls (the receiver) verifies the signature and records each event once:
 *    its seen key (per app, so a re-delivery to any URL of the app is a duplicate), its side
 *    effects (with the options of every subscription of the app merged: mergeEffectOptions), and
 *    in the same transaction one delivery per other subscription whose filter the event passes
 *    (routeDeliveries). Only then does Meta get its 200: every subscribed workflow's copy is in
 *    the store. The receiver emits its own events directly, as any trigger does.
 * 2. The other triggers get theirs through their own webhook: they are woken with a small signed
 *    request (wakeUpRequest, keyed with the same app secret) and claim their waiting deliveries,
 *    oldest first; a claimed delivery is removed, so two wake-ups never emit one event twice.
 *    Who wakes them (the receiving process, over its own loopback address; a sweeper for what
 *    waits) is the node's business (nodes/WhatsAppWebhookTrigger/deliverer.ts).
 *
 * Why an outbox in the store rather than posting Meta's signed body on to the other URLs: the
 * 200 must mean "recorded for every workflow", which a post still under way cannot promise; each
 * copy would be verified, parsed and deduplicated again; and what a post could not hand over
 * (a process restarting, a webhook processor gone) would live only in the memory of the process
 * that tried. The store is already what every process of an n8n instance shares, in queue mode
 * too, so nothing assumes that one process can reach another.
 *
 * Pure: no clock, no I/O.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

import { MINUTE } from '../clock';
import type { DeliveryPrune, Subscription, SubscriptionMode } from '../store/types';
import { DEFAULT_CONFIRMATION_PAYLOADS, DEFAULT_OPT_OUT_PAYLOADS } from './effects';
import type { WebhookEffectOptions } from './effects';
import type { WhatsAppEvent } from './events';
import { checkFilter, passes, type WebhookEventFilter } from './filter';
import {
	DEFAULT_CONFIRMATION_KEYWORDS,
	DEFAULT_OPT_IN_KEYWORDS,
	DEFAULT_OPT_OUT_KEYWORDS,
} from './keywords';

export type { Delivery, DeliveryInput, Subscription, SubscriptionMode } from '../store/types';

/**
 * n8n keeps a test webhook registered for 2 minutes (TEST_WEBHOOK_TIMEOUT) and removes it then,
 * which removes the subscription too; the expiry is the backstop for a listener whose removal was
 * never called (n8n stopped while listening).
 */
export const TEST_LISTENER_MS = 2 * MINUTE + 30_000;

/**
 * A subscription of a deactivated workflow is kept this long, with its deliveries, before it is
 * forgotten: re-publishing a workflow removes its trigger and adds it again, and what arrived in
 * between is then still delivered.
 */
export const REMOVED_SUBSCRIPTION_GRACE_MS = 10 * MINUTE;

/** Deliveries older than this (nobody claimed them in 8 days: Meta's retry period and a day) are dropped. */
export const DELIVERY_RETENTION_MS = 8 * 24 * 60 * MINUTE;

/** What pruneDeliveries drops at `now`, by the retention periods above. */
export function deliveryPruneAt(now: number): DeliveryPrune {
	return {
		createdBefore: now - DELIVERY_RETENTION_MS,
		removedBefore: now - REMOVED_SUBSCRIPTION_GRACE_MS,
		now,
	};
}

/** The most deliveries one wake-up claims, so that one execution stays of a sensible size. */
export const CLAIM_BATCH = 500;

/**
 * Which app a trigger belongs to, from its app secret: an HMAC, so the key names the app without
 * revealing (or allowing a guess of) the secret.
 */
export function appKey(appSecret: string): string {
	return `app:${createHmac('sha256', appSecret).update('n8n-nodes-whatsapp-compliance/app').digest('hex').slice(0, 24)}`;
}

export function subscriptionId(workflowId: string, nodeId: string, mode: SubscriptionMode): string {
	return `${workflowId}:${nodeId}:${mode}`;
}

/**
 * The side effects of an app's events: each happens once, and it happens when any of the app's
 * published triggers has it on. Keyword and payload lists are joined (a trigger's own list, or the
 * defaults when it left the list empty), so the STOP handler's extra keyword counts whichever
 * workflow's URL Meta calls. Pricing, filler words and recordedBy are the first's.
 */
export function mergeEffectOptions(
	list: readonly WebhookEffectOptions[],
): WebhookEffectOptions | undefined {
	if (list.length === 0) return undefined;
	if (list.length === 1) return list[0];
	const flag = (name: FlagOption) => list.some((options) => options[name] ?? true);
	const words = (name: ListOption, defaults: readonly string[]): readonly string[] | false => {
		const on = list.map((options) => options[name]).filter((value) => value !== false);
		if (on.length === 0) return false;
		return [...new Set(on.flatMap((value) => value ?? defaults))];
	};
	const [first] = list;
	// An account's webhooks count when any subscription counts them; every account when one does.
	const accounts = list.map((options) => options.businessAccounts);
	const merged: WebhookEffectOptions = {
		...(accounts.every((a) => a !== undefined)
			? { businessAccounts: [...new Set(accounts.flatMap((a) => a ?? []))] }
			: {}),
		...(first.fillerWords !== undefined ? { fillerWords: first.fillerWords } : {}),
		...(first.pricing !== undefined ? { pricing: first.pricing } : {}),
		...(first.recordedBy !== undefined ? { recordedBy: first.recordedBy } : {}),
		openWindow: flag('openWindow'),
		userPreferences: flag('userPreferences'),
		suppressOn131050: flag('suppressOn131050'),
		closeWindowOn131047: flag('closeWindowOn131047'),
		sendFailures: flag('sendFailures'),
		costLedger: flag('costLedger'),
		templateState: flag('templateState'),
		accountStanding: flag('accountStanding'),
		optOutKeywords: words('optOutKeywords', DEFAULT_OPT_OUT_KEYWORDS),
		optInKeywords: words('optInKeywords', DEFAULT_OPT_IN_KEYWORDS),
		confirmationKeywords: words('confirmationKeywords', DEFAULT_CONFIRMATION_KEYWORDS),
		optOutPayloads: words('optOutPayloads', DEFAULT_OPT_OUT_PAYLOADS),
		confirmationPayloads: words('confirmationPayloads', DEFAULT_CONFIRMATION_PAYLOADS),
	};
	return merged;
}

type FlagOption =
	| 'openWindow'
	| 'userPreferences'
	| 'suppressOn131050'
	| 'closeWindowOn131047'
	| 'sendFailures'
	| 'costLedger'
	| 'templateState'
	| 'accountStanding';
type ListOption =
	| 'optOutKeywords'
	| 'optInKeywords'
	| 'confirmationKeywords'
	| 'optOutPayloads'
	| 'confirmationPayloads';

/**
 * For each event, the subscriptions that get a delivery of it: every one but the receiver's own
 * whose filter the event passes. A subscription with a filter that no longer checks (written by
 * another version) gets everything: its trigger filters again when it emits.
 */
export function routeDeliveries(
	events: readonly WhatsAppEvent[],
	subscriptions: readonly Subscription[],
	receiver: string | undefined,
): string[][] {
	const others = subscriptions
		.filter((s) => s.id !== receiver)
		.map((s) => {
			let filter;
			try {
				filter = checkFilter((s.filter ?? {}) as WebhookEventFilter);
			} catch {
				filter = {};
			}
			return { id: s.id, filter };
		});
	return events.map((event) =>
		others.filter(({ filter }) => passes(event, filter)).map(({ id }) => id),
	);
}

/** The header a wake-up carries: "sha256=" and the HMAC-SHA256 of its body under the app secret. */
export const WAKE_UP_HEADER = 'x-whatsapp-compliance-wake-up';

/** What a wake-up says: which subscription should claim its deliveries. */
export interface WakeUp {
	readonly subscription: string;
}

/** The body and signature header of a wake-up for `subscription`. */
export function wakeUpRequest(
	subscription: string,
	appSecret: string,
): { body: string; signature: string } {
	const body = JSON.stringify({ object: 'whatsapp_compliance_wake_up', subscription });
	return { body, signature: wakeUpSignature(body, appSecret) };
}

function wakeUpSignature(body: string | Uint8Array, appSecret: string): string {
	return `sha256=${createHmac('sha256', appSecret).update('wake-up:').update(body).digest('hex')}`;
}

/**
 * The wake-up in a request signed with the app secret, or undefined when the signature does not
 * hold or the body is not a wake-up. Never throws. The signature is keyed with the app secret and
 * a prefix Meta never signs, so a wake-up cannot pass as a Meta webhook, nor the other way round.
 */
export function readWakeUp(
	rawBody: string | Uint8Array | undefined,
	header: string | readonly string[] | undefined,
	appSecret: string,
): WakeUp | undefined {
	try {
		const value = Array.isArray(header) ? (header.length === 1 ? header[0] : undefined) : header;
		if (typeof value !== 'string' || rawBody === undefined || appSecret === '') return undefined;
		const expected = Buffer.from(wakeUpSignature(rawBody, appSecret));
		const given = Buffer.from(value.trim());
		if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
		const parsed = JSON.parse(Buffer.from(rawBody).toString('utf8')) as Record<string, unknown>;
		if (parsed.object !== 'whatsapp_compliance_wake_up') return undefined;
		return typeof parsed.subscription === 'string'
			? { subscription: parsed.subscription }
			: undefined;
	} catch {
		return undefined;
	}
}
