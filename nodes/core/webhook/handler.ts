/**
 * The Webhook Trigger's request handling, without n8n: the node passes the request in and answers
 * with what comes back.
 *
 * POST: refuse a body larger than MAX_WEBHOOK_BODY_BYTES (413, before any other work) -> verify
 * the signature (401, nothing recorded) -> parse (400 when it is not a WhatsApp
 * envelope, nothing recorded) -> split into events -> read what the effects depend on (only for
 * confirmations, resumes and category changes) -> ONE applyWebhookEvents call: the store records
 * every event's dedupe key and applies the effects of the new ones in one transaction, so two
 * deliveries racing each other emit once -> filter by Trigger On, status and sender number -> ONE
 * getConsents for the contacts of emitted events (consentAfter).
 *
 * Filtering comes after recording: an event the trigger does not emit still opens its window,
 * records its opt-out and is still deduplicated. A store failure up to the commit throws; answer
 * it with a 5xx so Meta delivers again (nothing was recorded: the transaction rolled back). The
 * consentAfter read comes after the commit, so it never throws: a re-delivery would be all
 * duplicates and emit nothing, so the events go out with `consentAfter: null` instead.
 *
 * Everything here is needed before the 200 (a 200 tells Meta the events are safe with us); the
 * consentAfter read is one indexed query for the emitted contacts.
 */
import type { ConsentAction, ConsentSource, Purpose, TemplateState } from '../model';
import { summarizeConsent, type ConsentSummary } from '../policy/consent';
import { CUSTOMER_SERVICE_WINDOW_MS } from '../policy/window';
import type {
	ConsentStore,
	DeliveryStore,
	StandingStore,
	StoreEffects,
	TemplateKey,
	WebhookEventEffects,
	WebhookStore,
} from '../store/types';
import { parseWebhookEnvelope } from '../wire';
import {
	effectRules,
	WebhookOptionError,
	type EffectContext,
	type WebhookEffectOptions,
	type WebhookEffectRules,
} from './effects';
import { droppedChange, leaveOutUnusable, unreadableReason, type DroppedChange } from './dropped';
import { normalizeEnvelope, type WhatsAppEvent } from './events';
import {
	CLAIM_BATCH,
	mergeEffectOptions,
	readWakeUp,
	routeDeliveries,
	type DeliveryInput,
	type Subscription,
} from './fanout';
import { checkFilter, passes, type WebhookEventFilter } from './filter';
import {
	answerHandshake,
	verifySignature,
	type HandshakeAnswer,
	type HandshakeQuery,
	type RawBody,
} from './verify';

export { droppedLogLine, type DroppedChange } from './dropped';
export type { WebhookEventFilter } from './filter';

export interface WebhookHandlerOptions {
	/**
	 * The store side effects (each on by default).
	 * @default {}
	 */
	readonly effects?: WebhookEffectOptions | WebhookEffectRules;
	/**
	 * What to emit.
	 * @default {} (everything)
	 */
	readonly filter?: WebhookEventFilter;
	/**
	 * Prefix for the seen-event keys, e.g. the trigger's webhook id. Without it, all triggers
	 * sharing a store share one "seen" list: when two triggers (two Meta apps, each filtered to its
	 * own number) get the same event, the first would swallow it for the other. Side effects stay
	 * applied once either way (they are idempotent and their consent keys are not scoped).
	 * @default '' (no scope)
	 */
	readonly dedupeScope?: string;
	/**
	 * One Meta app, many workflows (fanout.ts): the app and the receiving trigger's own
	 * subscription. The app's other subscriptions get a delivery of each new event that passes their
	 * filter, recorded with the event, and their side-effect options count too.
	 * @default none (this trigger alone)
	 */
	readonly fanOut?: { readonly app: string; readonly receiver?: string };
}

/**
 * What the handler uses of the store: it records events and their effects, keeps the app's
 * deliveries, and reads the consents and template states the effects and consentAfter need.
 */
export type WebhookHandlerStore = WebhookStore &
	DeliveryStore &
	Pick<ConsentStore, 'getConsents' | 'getConsentHistories'> &
	Pick<StandingStore, 'getTemplateStates'>;

/** The store, or how to open it: opened only once the signature holds. */
export type StoreSource = WebhookHandlerStore | (() => Promise<WebhookHandlerStore>);

export interface WebhookPostInput {
	/** The request body exactly as received (not re-serialised). */
	rawBody: RawBody | undefined;
	/** The X-Hub-Signature-256 header. */
	signatureHeader: string | readonly string[] | undefined;
	/** The Meta app's secret (never logged or returned). */
	appSecret: string;
	store: StoreSource;
	options?: WebhookHandlerOptions;
	/** Now, in ms (injected: the handler reads no clock). */
	now: number;
}

/** A consent change the event caused (requested; the store may keep it as history only). */
export interface ConsentChange {
	purpose: Purpose;
	action: ConsentAction;
	source: ConsentSource;
}

/** An event as the trigger emits it. */
export interface EmittedWebhookEvent extends WhatsAppEvent {
	/**
	 * Messages: until when free-form replies may be sent (ISO 8601), 24 h after this message.
	 * A later message extends it; a 131047 answer from Meta ends it early.
	 */
	windowOpenUntil?: string;
	/**
	 * The contact's consent after this webhook was recorded: per purpose status, whether a full
	 * opt-out is in force, and what may be sent (marketing, utility). On messages, user preference
	 * changes, and events that changed consent. null when the store could not be read after the
	 * events were recorded (see consentAfterError).
	 */
	consentAfter?: ConsentSummary | null;
	/** Why consentAfter is null: the store failed on the read after recording. */
	consentAfterError?: string;
	/** The consent changes this event asked the store for (opt-out keyword, button, confirmation...). */
	consentChanges?: ConsentChange[];
}

export interface WebhookPostResult {
	/**
	 * 200: recorded (answer Meta 200); 400: not a WhatsApp webhook; 401: signature check failed;
	 * 413: larger than MAX_WEBHOOK_BODY_BYTES, or (signed) more updates or objects than Meta sends
	 * in one POST (wire/bodyLimits.ts).
	 */
	status: 200 | 400 | 401 | 413;
	/** For 400, 401 and 413: what was wrong, for the log (never contains the secret). */
	error?: string;
	/** New events that pass the filter, in the order Meta sent them. */
	events: EmittedWebhookEvent[];
	/** Events seen before (re-deliveries, copies for other apps, repeats within this POST). */
	duplicates: number;
	/** New events recorded but not emitted (filter). */
	filtered: number;
	/**
	 * New events whose change had an invalid field: recorded (and emitted, if they pass the filter)
	 * without their store effects, with why (dropped.ts). For the log.
	 */
	dropped: DroppedChange[];
	/**
	 * The store's error when the consentAfter read failed after the events were recorded (they are
	 * emitted with `consentAfter: null`); for the log.
	 */
	consentReadError?: string;
	/** The app's other subscriptions that got new deliveries: wake them (fanout.ts). */
	deliveredTo: Subscription[];
	/** Why events of other business accounts changed nothing (WebhookEffectRules.ignores), for the log. */
	ignored?: string[];
	/** The store the events were recorded in (after a 200). */
	store?: WebhookHandlerStore;
}

/** Answers Meta's GET verification handshake. */
export function handleWebhookGet(
	query: HandshakeQuery | undefined,
	verifyToken: string,
): HandshakeAnswer {
	return answerHandshake(query, verifyToken);
}

export async function handleWebhookPost(input: WebhookPostInput): Promise<WebhookPostResult> {
	const { now } = input;
	const options = input.options ?? {};
	const filter = checkFilter(options.filter ?? {});
	const scope = checkScope(options.dedupeScope);
	const ownEffects = options.effects ?? {};
	effectRules(ownEffects);

	const size = bodySize(input.rawBody);
	if (size > MAX_WEBHOOK_BODY_BYTES) {
		return rejected(
			413,
			`The webhook was rejected: its body has ${size} bytes, more than the ${MAX_WEBHOOK_BODY_BYTES} Meta sends at most, so it does not come from Meta.`,
		);
	}
	if (!verifySignature(input.rawBody, input.signatureHeader, input.appSecret)) {
		return rejected(401, signatureProblem(input));
	}
	const parsed = parseWebhookEnvelope(input.rawBody);
	if (!parsed.ok) return rejected(parsed.tooLarge ? 413 : 400, parsed.error);

	const events = normalizeEnvelope(parsed.envelope, { receivedAt: now });
	const store = typeof input.store === 'function' ? await input.store() : input.store;
	const subscriptions = options.fanOut
		? await store.listSubscriptions(options.fanOut.app, now)
		: [];
	const receiver = options.fanOut?.receiver;
	const others = subscriptions.filter((s) => s.id !== receiver);
	const rules = effectRules(appEffects(ownEffects, others));
	const context = await readContext(events, rules, store, now);

	// First occurrence of each key only: the same event twice in one POST is one event.
	const firsts: WhatsAppEvent[] = [];
	const effectsByKey = new Map<string, StoreEffects>();
	const batch: WebhookEventEffects[] = [];
	const ignored: string[] = [];
	const dropped = new Map<string, DroppedChange>();
	for (const event of events) {
		const key = scope + event.dedupeKey;
		if (effectsByKey.has(key)) continue;
		const effects = rules.derive(event, context(event));
		const ignores = rules.ignores(event);
		if (ignores !== undefined) ignored.push(ignores);
		effectsByKey.set(key, effects);
		firsts.push(event);
		batch.push({ key, effects });
		const unreadable = unreadableReason(event);
		if (unreadable !== undefined) dropped.set(key, droppedChange(event, unreadable));
	}
	// An invalid field costs its own change its effects, never the body (dropped.ts).
	for (const [i, problems] of leaveOutUnusable(batch, now)) {
		const event = firsts[i];
		event.issues = [...(event.issues ?? []), ...problems];
		effectsByKey.set(batch[i].key, batch[i].effects ?? {});
		dropped.set(batch[i].key, droppedChange(event, problems.join('; ')));
	}
	const routes = routeDeliveries(firsts, others, receiver);
	const delivered = new Set<string>();
	batch.forEach((item, i) => {
		if (routes[i].length === 0) return;
		const event = JSON.stringify(decorate(firsts[i], item.effects));
		const contact = firsts[i].contact;
		item.deliveries = routes[i].map(
			(subscription): DeliveryInput => ({
				subscription,
				event,
				...(contact !== undefined ? { contact } : {}),
			}),
		);
	});
	const fresh = new Set(batch.length > 0 ? await store.applyWebhookEvents(batch, now) : []);

	const emitted: EmittedWebhookEvent[] = [];
	let filtered = 0;
	firsts.forEach((event, i) => {
		const key = scope + event.dedupeKey;
		if (!fresh.has(key)) return;
		for (const subscription of routes[i]) delivered.add(subscription);
		if (!passes(event, filter)) {
			filtered++;
			return;
		}
		emitted.push(decorate(event, effectsByKey.get(key) ?? {}));
	});
	const result: WebhookPostResult = {
		status: 200,
		events: emitted,
		duplicates: events.length - fresh.size,
		filtered,
		// Reported once: a re-delivery of the change is a duplicate.
		dropped: [...dropped].filter(([key]) => fresh.has(key)).map(([, change]) => change),
		deliveredTo: others.filter((s) => delivered.has(s.id)),
		store,
		...(ignored.length > 0 ? { ignored } : {}),
	};
	const consentReadError = await attachConsent(emitted, store, now);
	if (consentReadError !== undefined) result.consentReadError = consentReadError;
	return result;
}

/**
 * The largest body accepted: Meta's notifications are at most 3 MB (its webhooks documentation),
 * so a larger one is not Meta's, and refusing it before the signature check and the parse bounds
 * the work one request can cause (the handler is linear in the body size: 3 MB of Meta's updates
 * took 53 ms of CPU, BENCHMARKS.md "Large bodies"; wire/bodyLimits.ts bounds what a body may hold).
 */
export const MAX_WEBHOOK_BODY_BYTES = 3 * 1024 * 1024;

function bodySize(body: RawBody | undefined): number {
	if (body === undefined) return 0;
	return typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength;
}

function rejected(status: 400 | 401 | 413, error: string): WebhookPostResult {
	return { status, error, events: [], duplicates: 0, filtered: 0, dropped: [], deliveredTo: [] };
}

/**
 * The side effects of the app's events: the receiver's options merged with those of the app's
 * published triggers (a test listener's options do not change what production records).
 */
function appEffects(
	own: WebhookEffectOptions | WebhookEffectRules,
	others: readonly Subscription[],
): WebhookEffectOptions | WebhookEffectRules {
	const published = others.filter((s) => s.mode === 'production');
	if (published.length === 0 || !isPlainOptions(own)) return own;
	return mergeEffectOptions([own, ...published.map((s) => s.effects)]) ?? own;
}

function isPlainOptions(
	options: WebhookEffectOptions | WebhookEffectRules,
): options is WebhookEffectOptions {
	return !(typeof (options as WebhookEffectRules).derive === 'function');
}

export interface WakeUpInput {
	rawBody: RawBody | undefined;
	/** The WAKE_UP_HEADER header. */
	signatureHeader: string | readonly string[] | undefined;
	appSecret: string;
	/** This trigger's own subscription: a wake-up for another is refused. */
	subscription: string;
	store: StoreSource;
	/** What this trigger emits (the receiver chose by the same filter; checked again). */
	filter?: WebhookEventFilter;
	now: number;
	/**
	 * Most deliveries to take.
	 * @default CLAIM_BATCH
	 */
	limit?: number;
}

export interface WakeUpResult {
	/** 200: claimed (maybe nothing); 401: not a wake-up signed with the app secret; 400: for another trigger. */
	status: 200 | 400 | 401;
	error?: string;
	/** The claimed events, oldest first, with consentAfter read now. */
	events: EmittedWebhookEvent[];
	/** Claimed deliveries (some may be filtered out). */
	claimed: number;
	/** Whether the claim was full: more may wait, wake again. */
	more: boolean;
	consentReadError?: string;
}

/**
 * A wake-up from another trigger of the app (fanout.ts): claims this trigger's waiting deliveries
 * and returns them as events to emit. The signature is checked before the store is opened.
 */
export async function handleWakeUp(input: WakeUpInput): Promise<WakeUpResult> {
	const none = { events: [], claimed: 0, more: false };
	const wakeUp = readWakeUp(input.rawBody, input.signatureHeader, input.appSecret);
	if (!wakeUp) {
		return { status: 401, error: 'The wake-up is not signed with the app secret', ...none };
	}
	if (wakeUp.subscription !== input.subscription) {
		return {
			status: 400,
			error: `The wake-up is for subscription ${wakeUp.subscription}, this trigger is ${input.subscription}`,
			...none,
		};
	}
	const limit = input.limit ?? CLAIM_BATCH;
	const store = typeof input.store === 'function' ? await input.store() : input.store;
	const claimed = await store.claimDeliveries(input.subscription, limit);
	const filter = checkFilter(input.filter ?? {});
	const events: EmittedWebhookEvent[] = [];
	for (const delivery of claimed) {
		const event = JSON.parse(delivery.event) as EmittedWebhookEvent;
		if (passes(event, filter)) events.push(event);
	}
	const result: WakeUpResult = {
		status: 200,
		events,
		claimed: claimed.length,
		more: claimed.length >= limit,
	};
	const consentReadError = await attachConsent(events, store, input.now);
	if (consentReadError !== undefined) result.consentReadError = consentReadError;
	return result;
}

function signatureProblem(input: WebhookPostInput): string {
	if (typeof input.appSecret !== 'string' || input.appSecret === '') {
		return 'The webhook was rejected: the credential has no app secret, so no signature can be checked. Enter the Meta app secret (App Dashboard > App settings > Basic) in the credential.';
	}
	if (input.signatureHeader === undefined) {
		return 'The webhook was rejected: the X-Hub-Signature-256 header is missing. Only Meta can call this URL; requests without its signature are refused.';
	}
	return "The webhook was rejected: the X-Hub-Signature-256 header does not match the body signed with the credential's app secret. Check that the app secret belongs to the Meta app whose webhook calls this URL.";
}

/** The store reads some effects depend on, batched: one call per kind of read, only when needed. */
async function readContext(
	events: readonly WhatsAppEvent[],
	rules: WebhookEffectRules,
	store: WebhookHandlerStore,
	now: number,
): Promise<(event: WhatsAppEvent) => EffectContext> {
	const consentContacts = new Set<string>();
	const historyContacts = new Set<string>();
	const templateKeys = new Map<string, TemplateKey>();
	for (const event of events) {
		const needs = rules.needs(event);
		if (needs.consents && event.contact) consentContacts.add(event.contact);
		if (needs.consentHistory && event.contact) historyContacts.add(event.contact);
		// A key with an empty part names no stored template (the store would refuse the read).
		if (
			needs.templateState &&
			event.template?.name &&
			event.template.language &&
			event.businessAccountId
		) {
			const key = templateKey(
				event.businessAccountId,
				event.template.name,
				event.template.language,
			);
			templateKeys.set(key, {
				account: event.businessAccountId,
				name: event.template.name,
				language: event.template.language,
			});
		}
	}
	const [consents, historyOf, templates] = await Promise.all([
		consentContacts.size > 0 ? store.getConsents([...consentContacts]) : new Map(),
		historyContacts.size > 0 ? store.getConsentHistories([...historyContacts]) : new Map(),
		templateKeys.size > 0 ? store.getTemplateStates([...templateKeys.values()]) : [],
	]);
	const templateOf = new Map<string, TemplateState>(
		templates.map((t: TemplateState) => [templateKey(t.account, t.name, t.language), t]),
	);
	return (event) => {
		const context: EffectContext = { receivedAt: now };
		if (event.contact !== undefined) {
			const records = consents.get(event.contact);
			if (records) context.consents = records;
			const history = historyOf.get(event.contact);
			if (history) context.consentHistory = history;
		}
		if (event.template) {
			const state = templateOf.get(
				templateKey(event.businessAccountId, event.template.name, event.template.language),
			);
			if (state) context.templateState = state;
		}
		return context;
	};
}

function templateKey(account: string, name: string, language: string): string {
	return JSON.stringify([account, name, language]);
}

function decorate(event: WhatsAppEvent, effects: StoreEffects): EmittedWebhookEvent {
	const out: EmittedWebhookEvent = { ...event };
	if (
		event.kind === 'message' &&
		event.messageType !== 'system' &&
		event.timestampMs !== undefined
	) {
		out.windowOpenUntil = new Date(event.timestampMs + CUSTOMER_SERVICE_WINDOW_MS).toISOString();
	}
	if (effects.consent?.length) {
		out.consentChanges = effects.consent.map((c) => ({
			purpose: c.purpose,
			action: c.action,
			source: c.source,
		}));
	}
	return out;
}

/** What an emitted event says when its consentAfter could not be read. */
export const CONSENT_AFTER_UNREADABLE =
	'The compliance store could not be read after this webhook was recorded, so the consent after it is unknown; the event and its effects were recorded';

/**
 * consentAfter for messages (not in groups), preference changes and events that changed consent.
 * Runs after the commit, so a failure must not fail the POST: returns the store's error instead.
 */
async function attachConsent(
	events: EmittedWebhookEvent[],
	store: Pick<ConsentStore, 'getConsents'>,
	now: number,
): Promise<string | undefined> {
	const wants = (e: EmittedWebhookEvent) =>
		e.contact !== undefined &&
		((e.kind === 'message' && e.groupId === undefined) ||
			e.kind === 'user_preference' ||
			e.consentChanges !== undefined);
	const contacts = [...new Set(events.filter(wants).map((e) => e.contact as string))];
	if (contacts.length === 0) return undefined;
	let consents: Awaited<ReturnType<ConsentStore['getConsents']>>;
	try {
		consents = await store.getConsents(contacts);
	} catch (error) {
		for (const event of events) {
			if (!wants(event)) continue;
			event.consentAfter = null;
			event.consentAfterError = CONSENT_AFTER_UNREADABLE;
		}
		return error instanceof Error ? error.message : String(error);
	}
	for (const event of events) {
		if (wants(event))
			event.consentAfter = summarizeConsent(consents.get(event.contact as string) ?? [], now);
	}
	return undefined;
}

function checkScope(scope: unknown): string {
	if (scope === undefined || scope === '') return '';
	if (typeof scope !== 'string') {
		throw new WebhookOptionError(
			'dedupeScope',
			`dedupeScope must be a string, got ${typeof scope}.`,
		);
	}
	return `${scope}|`;
}
