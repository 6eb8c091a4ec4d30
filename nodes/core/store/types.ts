import type {
	ConsentEvent,
	ConsentEventInput,
	ConsentRecord,
	CostEntry,
	SentMessage,
	TemplateCategory,
	TemplateState,
	WindowState,
} from '../model';
import type { SlotLedger } from '../pace/budget';
import type { MessagingLimit, MessagingLimitUsage } from '../policy/messagingLimit';
import type { CostLedgerGroup } from '../report/costReport';
import type { StandingEntry } from '../standing';

/**
 * The compliance store: one async, batch-first interface with two backends (SQLite through
 * node:sqlite, PostgreSQL through pg), made of one narrow interface per role below. Callers take
 * the roles they use; ComplianceStore is all of them. Every method that takes a list answers it
 * with a fixed number of round trips whatever its length (one for most reads; PostgreSQL
 * writes about contacts take a few: lock, read, write), and every read-modify-write runs in one
 * transaction, so concurrent writers lose nothing. The stores store and read: every rule is
 * decided in TypeScript (policy/), the same function for both. README.md beside this file: where
 * each role's files are, and how a method or a role is added.
 */
export interface ComplianceStore
	extends StoreLifecycle,
		SnapshotStore,
		ConsentStore,
		WindowStore,
		SendStore,
		WebhookStore,
		DeliveryStore,
		StandingStore,
		CostStore,
		ReachStore,
		ErasureStore,
		SlotLedger {}

/** Opening, migrating and closing the store. */
export interface StoreLifecycle {
	readonly backend: 'sqlite' | 'postgres';
	/** Creates the schema or migrates it to the current version. Safe to call again. */
	migrate(): Promise<void>;
	schemaVersion(): Promise<number>;
	close(): Promise<void>;
}

/** What the send rules read, across the roles' tables. */
export interface SnapshotStore {
	/**
	 * Everything the send rules need for a batch, in one round trip (on PostgreSQL, two when the
	 * portfolio is already past its messaging limit and the usage needs more reach times).
	 */
	getSnapshot(request: SnapshotRequest): Promise<Snapshot>;
}

/** Consent records and their proof trail. */
export interface ConsentStore {
	/**
	 * Appends consent events to the history and updates the current status, in one transaction,
	 * as the one consent rule decides (decideConsent in policy/consentChange.ts): the latest change decides, an
	 * opt-out wins ties and wins over changes stamped up to CLOCK_SKEW_ALLOWANCE after it, a
	 * `confirm` applies only to a pending purpose. An event that took effect later than its own
	 * `at` keeps `at` and gets `effectiveAt`; the current record carries the effective time.
	 * Events whose `eventKey` was recorded before are skipped (not returned).
	 * Events for an erased contact (its hash is on the suppression list) are neither applied nor
	 * stored nor returned: storing them would bring back personal data, so an erased contact cannot
	 * be opted in again through this method.
	 */
	recordConsent(events: ConsentEventInput[]): Promise<ConsentEvent[]>;
	getConsents(contacts: string[]): Promise<Map<string, ConsentRecord[]>>;
	/** The whole proof trail of one contact, in the order the changes took effect. */
	getConsentHistory(contact: string): Promise<ConsentEvent[]>;
	/** getConsentHistory for many contacts in one read: an entry for every requested contact. */
	getConsentHistories(contacts: string[]): Promise<Map<string, ConsentEvent[]>>;
	/** Current consents of all contacts, ordered by (contact, purpose), paged by keyset. */
	listConsents(page: ListConsentsPage): Promise<ConsentRecord[]>;
	countContacts(): Promise<number>;
}

/** Customer service windows and free entry points, per sender number and contact. */
export interface WindowStore {
	/** Inbound messages: opens or refreshes windows (a touch never moves a window back in time). */
	touchWindows(touches: InboundTouch[]): Promise<void>;
	/** Meta answered 131047: the window is closed from `at` on, until the contact writes again. */
	closeWindows(closes: WindowClose[]): Promise<void>;
	/**
	 * Our replies to referrals, sent at `at`: each that starts a free entry point window as
	 * policy/fep.ts decides (startsFreeEntryPoint, against the stored window) sets its start; the
	 * others change nothing. Read, decided and written in one transaction.
	 */
	startFreeEntryPoints(starts: WindowClose[]): Promise<void>;
}

/** Idempotent sends: claims of idempotency keys and what became of them. */
export interface SendStore {
	/**
	 * Claims idempotency keys right before their requests leave. A key whose stored send is pending
	 * or accepted is not claimed again; its stored message is returned instead, so a re-run returns
	 * the first wamid. A key whose send failed never reached the contact, and a claim whose request
	 * never left and is older than CLAIM_LEASE_MS was abandoned: either is claimed again (back to
	 * pending, with this reservation's sender, contact, kind, category, time and callback id; the
	 * earlier attempt's wamid, price, error code and left mark cleared) and returned in `reserved`.
	 * Of concurrent claims of one key exactly one wins.
	 */
	reserveSends(reservations: SendReservation[]): Promise<ReserveResult>;
	/**
	 * The requests of these claims left (marked right after sending): from here their outcome is
	 * unknown until Meta's answer or a status webhook, and the claims are never taken over.
	 */
	markSendsLeft(marks: SendLeft[]): Promise<void>;
	completeSends(completions: SendCompletion[]): Promise<void>;
	/**
	 * Frees keys whose send certainly did not reach Meta (or that an operator releases on purpose),
	 * so a later run may send them. Only pending sends are freed; a release that names a callback
	 * id frees only that claim, not one that took the key over since.
	 */
	releaseSends(releases: SendRelease[]): Promise<void>;
	/**
	 * Sends whose request left, claimed at or before `before`, and whose outcome nobody recorded:
	 * no answer (the execution stopped, the answer was lost) and no status webhook since. Oldest
	 * first, paged by key.
	 */
	listUnconfirmedSends(page: UnconfirmedSendsPage): Promise<SentMessage[]>;
	/**
	 * The stored sends that match `query` (a campaign's idempotency key prefix, claim times, a
	 * template), oldest claim first, paged by claim time and key.
	 */
	listSends(query: SendsQuery): Promise<SentMessage[]>;
	/** The sends stored under these idempotency keys (keys without one are left out). */
	getSends(keys: string[]): Promise<Map<string, SentMessage>>;
}

/** Webhook events seen, and their effects on every other role, applied together. */
export interface WebhookStore {
	/**
	 * Records webhook event keys and applies the effects of the events not seen before, in one
	 * transaction. Returns the keys that were new. Two deliveries of one event racing each other:
	 * exactly one of them gets the key back.
	 */
	applyWebhookEvents(events: WebhookEventEffects[], at: number): Promise<string[]>;
	/** Forgets webhook keys seen before `before` (Meta retries for up to 7 days). */
	pruneSeenEvents(before: number): Promise<number>;
}

/** Template states and what Meta said of the account's standing. */
export interface StandingStore {
	/** A state older than the stored one is ignored; category and quality are kept when absent. */
	upsertTemplateStates(states: TemplateState[]): Promise<void>;
	getTemplateStates(keys: TemplateKey[]): Promise<TemplateState[]>;
	/** Records what Meta said of the account's standing; a value older than the stored one is ignored. */
	recordStanding(entries: StandingEntry[]): Promise<void>;
	/** Everything known of the account's standing, with the portfolio's usage at `now`. */
	getAccountStanding(now: number): Promise<AccountStanding>;
}

/** The cost ledger: what Meta's status webhooks said each delivery costs. */
export interface CostStore {
	/** Deliveries with from <= at < to, one row per category, pricing type and currency. */
	costSummary(range: { from: number; to: number }): Promise<CostSummaryRow[]>;
	/**
	 * The cost ledger summed per day of `days` (consecutive, oldest first), template (from the
	 * send record of the message), pricing category and type, market and currency: one group per
	 * combination that has deliveries. Shape it with report/buildCostReport.
	 */
	costReport(days: readonly ReportDay[]): Promise<CostLedgerGroup[]>;
}

/** The portfolio's messaging limit count: who was reached in the last 24 hours. */
export interface ReachStore {
	/**
	 * The portfolio's messaging limit, the authority between processes: in one transaction with
	 * the count, admits the recipients already counted and then new ones in order while fewer
	 * than the limit are counted (admitRecipients), and counts every admitted one from `now` on.
	 * Two processes sending to new contacts at the limit never both pass.
	 */
	reserveReach(reservation: ReachReservation): Promise<ReachResult>;
	/**
	 * Gives back what reserveReach took for sends that certainly reached nobody, by the key the
	 * recipient was reserved with: a new recipient stops counting, one counted before counts from
	 * its earlier time again. A recipient reserved since by another key is left alone.
	 */
	releaseReach(keys: string[]): Promise<void>;
}

/** GDPR erasure and the suppression list it leaves. */
export interface ErasureStore {
	/**
	 * GDPR Art. 17: deletes the contact's consents, history, windows and costs, replaces the
	 * contact in sent messages by its salted hash, and adds the hash to the suppression list.
	 * Whatever arrives about the contact later is stored without personal data (erasedContacts.ts).
	 */
	eraseContact(contact: string, at: number): Promise<EraseReport>;
	/** eraseContact for many contacts in one transaction: one report per distinct contact, in order. */
	eraseContacts(contacts: string[], at: number): Promise<EraseReport[]>;
	/** The salted hash this store uses for `contact` (what stays after erasure). */
	contactHash(contact: string): Promise<string>;
}

export interface SnapshotRequest {
	sender: string;
	contacts: string[];
	/** Marketing sends at or after this time are returned per contact (frequency cap). */
	marketingSince: number;
	idempotencyKeys?: string[];
	templates?: TemplateKey[];
	/**
	 * The portfolio's messaging limit usage at `now` (Snapshot.reach) and when each contact was
	 * last reached (ContactSnapshot.reachedAt). A hold's retryAt is read from the oldest reach
	 * times: the usage holds those `oldest` more recipients may need, max(0, count - L + oldest),
	 * L the lower of the stored limit and `limit` (the user's, if set); `oldest` of them when no
	 * limit is known.
	 */
	reach?: { now: number; oldest: number; limit?: MessagingLimit };
	/** Whether to read the standing of the portfolio and the sender number (Snapshot.standing). */
	standing?: boolean;
}

export interface ContactSnapshot {
	contact: string;
	consents: ConsentRecord[];
	window?: WindowState;
	/** The contact was erased: its hash is on the suppression list. */
	suppressed: boolean;
	/** Times of marketing templates sent (not failed) to the contact since `marketingSince`, oldest first. */
	marketingSentAt: number[];
	/**
	 * Times of replies sent (not failed) to the contact as the confirmation of an opt-out (kind
	 * starting with OPT_OUT_CONFIRMATION_KIND_PREFIX), oldest first: one is allowed per opt-out.
	 */
	optOutConfirmationsSentAt: number[];
	/**
	 * With SnapshotRequest.reach: when a business-initiated message last reached the contact,
	 * from any number, if that was in the 24 hours before `reach.now`.
	 */
	reachedAt?: number;
}

export interface Snapshot {
	/** One entry for every requested contact, known or not. */
	contacts: Map<string, ContactSnapshot>;
	/** Earlier sends by idempotency key (only keys that exist). */
	sends: Map<string, SentMessage>;
	/** With a template's quality from a webhook when that is newer than the stored state. */
	templates: TemplateState[];
	/** With SnapshotRequest.reach: the portfolio's messaging limit usage. */
	reach?: MessagingLimitUsage;
	/**
	 * With SnapshotRequest.standing: the entries of the portfolio, the sender number and its
	 * display phone number (read them with senderStanding).
	 */
	standing?: StandingEntry[];
}

/** Which sends listSends returns; every filter given must match. */
export interface SendsQuery {
	/** Only keys that start with this, e.g. the prefix of a campaign's keys. @default every key */
	keyPrefix?: string;
	/** Only sends claimed at or after this time (ms). */
	from?: number;
	/** Only sends claimed before this time (ms). */
	to?: number;
	/** Only sends of this kind, e.g. "template:back_in_stock" (SentMessage.kind). */
	kind?: string;
	/** Return sends after this one (its claim time and key); omit for the first page. */
	after?: { createdAt: number; idempotencyKey: string };
	/** @default 1000 */
	limit?: number;
}

export interface UnconfirmedSendsPage {
	/** Only sends claimed at or before this time (ms). */
	before: number;
	/** Return sends after this one (its claim time and key); omit for the first page. */
	after?: { createdAt: number; idempotencyKey: string };
	/** @default 1000 */
	limit?: number;
}

export interface ListConsentsPage {
	/** Return rows after this (contact, purpose); omit for the first page. */
	after?: { contact: string; purpose: string };
	/** @default 1000 */
	limit?: number;
}

export interface InboundTouch {
	sender: string;
	contact: string;
	at: number;
	/** The message came from a click-to-WhatsApp ad or a Page button. */
	referral?: boolean;
}

export interface WindowClose {
	sender: string;
	contact: string;
	at: number;
}

export interface SendReservation {
	idempotencyKey: string;
	sender: string;
	contact: string;
	kind: string;
	category: TemplateCategory | 'service';
	at: number;
	/**
	 * The id the send carries in biz_opaque_callback_data, new for every claim: Meta echoes it on
	 * the message's status webhooks, which confirm (or fail) a send whose answer was lost.
	 */
	callbackId?: string;
}

export interface SendRelease {
	idempotencyKey: string;
	/** The claim to free; without it, whatever claim is pending under the key. */
	callbackId?: string;
}

export interface SendLeft {
	idempotencyKey: string;
	/** The claim's callback id: a mark of an older claim of the key changes nothing. */
	callbackId: string;
	at: number;
}

export interface ReserveResult {
	/** Keys this call claimed: send them. */
	reserved: string[];
	/** Keys claimed before and pending or accepted, with what is known of them: do not send again. */
	existing: Map<string, SentMessage>;
}

export type SendCompletion =
	| {
			idempotencyKey: string;
			state: 'accepted';
			wamid: string;
			at: number;
			estimatedPrice?: number;
			currency?: string;
	  }
	| { idempotencyKey: string; state: 'failed'; errorCode?: number; at: number };

/** What one webhook event changes in the store. */
export interface StoreEffects {
	windows?: InboundTouch[];
	closeWindows?: WindowClose[];
	consent?: ConsentEventInput[];
	costs?: CostEntry[];
	templates?: TemplateState[];
	/**
	 * A status webhook said this message failed: its send is failed (found by wamid, or by the
	 * callback id it carried when the send never learned its wamid).
	 */
	sendFailures?: Array<{ wamid: string; callbackId?: string; errorCode?: number; at: number }>;
	/**
	 * A status webhook (sent, delivered, read) of a message that carried `callbackId`: a send still
	 * pending under it (its answer was lost) is accepted with this wamid.
	 */
	sendConfirmations?: Array<{ callbackId: string; wamid: string; at: number }>;
	/** The messaging limit, a number's or a template's quality changed. */
	standing?: StandingEntry[];
	/**
	 * A webhook named the contact by phone number and by business-scoped user ID (BSUID) at once:
	 * rows kept under either are erased when the other is (ErasureStore).
	 */
	aliases?: ContactAlias[];
}

export interface ContactAlias {
	/** The phone number (wa_id). */
	contact: string;
	/** The business-scoped user ID. */
	userId: string;
	at: number;
}

/** A send that certainly reached nobody (a status webhook said it failed): its key and contact. */
export interface FailedSend {
	/** The idempotency key the send reserved its messaging limit place under. */
	key: string;
	/** The contact's hash (contactHash.ts), the key of the messaging limit's places. */
	contactHash: string;
}

export interface WebhookEventEffects {
	/** The dedupe key of the event (see webhook/). */
	key: string;
	effects: StoreEffects;
	/**
	 * When the event is new: one delivery per other trigger of the app that should emit it
	 * (webhook/fanout.ts), recorded in the same transaction as the key.
	 */
	deliveries?: DeliveryInput[];
}

/** Whether a subscription is a published workflow's trigger or an editor's test listener. */
export type SubscriptionMode = 'production' | 'test';

/**
 * A published trigger (or a test listener) of a Meta app, as the store keeps it: one Meta app
 * feeding every workflow of it (webhook/fanout.ts).
 */
export interface Subscription {
	/** subscriptionId(workflowId, nodeId, mode). */
	readonly id: string;
	/** appKey(app secret): which app's webhooks the trigger receives. */
	readonly app: string;
	/**
	 * The n8n instance the workflow belongs to (n8n's instance id, the same for every process of
	 * one instance): only its processes serve the trigger's webhook.
	 */
	readonly instance: string;
	readonly mode: SubscriptionMode;
	/** The trigger's webhook path below n8n's webhook endpoint, e.g. `whatsapp-inbox`. */
	readonly path: string;
	readonly workflowId: string;
	/** The trigger node's name, for logs. */
	readonly node: string;
	/**
	 * What the trigger emits (webhook/filter.ts WebhookEventFilter): deliveries are made only of
	 * events that pass it. Stored and returned as given.
	 */
	readonly filter: object;
	/**
	 * The trigger's side-effect options (webhook/effects/options.ts WebhookEffectOptions), merged with the
	 * others' by the receiver. Stored and returned as given.
	 */
	readonly effects: object;
	readonly registeredAt: number;
	/** A test listener stops by itself at this time (ms). */
	readonly expiresAt?: number;
}

/** A delivery waiting in the store for one subscription. */
export interface Delivery {
	/** Increasing in the order the deliveries were recorded. */
	readonly seq: number;
	readonly subscription: string;
	/** The event's seen key. */
	readonly eventKey: string;
	/** The event as the receiver emitted it (EmittedWebhookEvent without consentAfter), as JSON. */
	readonly event: string;
	readonly createdAt: number;
}

/** One delivery to record with an event, when the event is new. */
export interface DeliveryInput {
	readonly subscription: string;
	/** The contact the event is about, so erasing the contact removes it. */
	readonly contact?: string;
	readonly event: string;
}

/**
 * One Meta app, many workflows (webhook/fanout.ts): the subscriptions of each app's triggers and
 * their waiting deliveries, so one Meta callback URL feeds every workflow of the app.
 */
export interface DeliveryStore {
	/** Adds or replaces a trigger's subscription (on activation); a removed one is active again. */
	registerSubscription(subscription: Subscription): Promise<void>;
	/**
	 * The trigger was deactivated (or its test listener stopped): it gets no new deliveries. A
	 * production subscription keeps what waits until pruneDeliveries drops it, so a re-publish
	 * (remove, then register again) loses nothing; a test listener's deliveries go at once.
	 */
	removeSubscription(id: string, at: number): Promise<void>;
	/** The app's active subscriptions at `now` (not removed, test listeners not expired), by id. */
	listSubscriptions(app: string, now: number): Promise<Subscription[]>;
	/**
	 * Takes up to `limit` of the subscription's waiting deliveries, oldest first, and removes them:
	 * claims of one subscription never overlap, so no delivery is claimed twice.
	 */
	claimDeliveries(subscription: string, limit: number): Promise<Delivery[]>;
	/** Active subscriptions with deliveries recorded before `before`, and how many wait. */
	waitingDeliveries(before: number, now: number): Promise<WaitingDeliveries[]>;
	/**
	 * Drops deliveries recorded before `createdBefore`, subscriptions removed before
	 * `removedBefore` and test listeners expired at `now`, with what waits for them. Returns how
	 * many deliveries were dropped. (The retention periods are webhook/fanout.ts's.)
	 */
	pruneDeliveries(cutoffs: DeliveryPrune): Promise<number>;
}

export interface DeliveryPrune {
	readonly createdBefore: number;
	readonly removedBefore: number;
	readonly now: number;
}

export interface WaitingDeliveries {
	readonly subscription: Subscription;
	readonly count: number;
	readonly oldestAt: number;
}

export interface TemplateKey {
	account: string;
	name: string;
	language: string;
}

export interface CostSummaryRow {
	category: string;
	pricingType: string;
	messages: number;
	billable: number;
	estimatedTotal: number;
	currency?: string;
}

/** One day of a report: local midnight to the next, ms epoch, end excluded (report/reportDays). */
export interface ReportDay {
	readonly start: number;
	readonly end: number;
}

export interface ReachReservation {
	/** When the batch sends: the admitted recipients count for 24 hours from now. */
	now: number;
	/** The limit in force (Meta's, or the user's where lower); undefined or 'unlimited' admits all. */
	limit: MessagingLimit | undefined;
	/**
	 * The recipients the batch reaches outside their customer service window, in batch order,
	 * each with the idempotency key of its first send (what releaseReach gives back by).
	 */
	recipients: Array<{ contact: string; key: string }>;
	/** How many recipients may be held after this batch: `usage` carries the reach times they need. */
	oldest: number;
}

export interface ReachResult {
	/** The recipients refused, past the limit, in batch order. */
	refused: string[];
	/**
	 * The usage after this reservation. `oldestReachedAt` holds the oldest
	 * max(0, count - limit + oldest) reach times (at most all), for the retryAt of the refused.
	 */
	usage: MessagingLimitUsage;
}

export interface AccountStanding {
	/** Every stored standing entry, by subject and name. */
	entries: StandingEntry[];
	/** Every stored template, with its quality from a webhook where that is newer. */
	templates: TemplateState[];
	/** Unique contacts reached with business-initiated messages in the 24 hours before `now`. */
	reachedLast24h: number;
}

export interface EraseReport {
	contactHash: string;
	consentRecords: number;
	consentEvents: number;
	windows: number;
	/**
	 * Cost entries kept with the contact replaced by its hash: the totals of a period already
	 * reported or billed do not change.
	 */
	costEntriesAnonymised: number;
	/** Sent messages kept for idempotency with the contact replaced by its hash. */
	sentMessagesAnonymised: number;
	alreadySuppressed: boolean;
}
