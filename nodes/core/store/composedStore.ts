import type { SlotLedger } from '../pace/budget';
import type {
	ComplianceStore,
	ConsentStore,
	CostStore,
	DeliveryStore,
	ErasureStore,
	ReachStore,
	SendStore,
	SnapshotStore,
	StandingStore,
	WebhookStore,
	WindowStore,
} from './types';

/** What a backend is made of: one object per role of types.ts. */
export interface StoreRoles {
	readonly snapshot: SnapshotStore;
	readonly consents: ConsentStore;
	readonly windows: WindowStore;
	readonly sends: SendStore;
	readonly webhooks: WebhookStore;
	readonly deliveries: DeliveryStore;
	readonly standing: StandingStore;
	readonly costs: CostStore;
	readonly reach: ReachStore;
	readonly erasure: ErasureStore;
	readonly slots: SlotLedger;
}

/**
 * A ComplianceStore made of its roles: every method is its role's, called as is. A backend
 * (sqlite/index.ts, postgres/index.ts) gives its roles and its lifecycle; a new method of a role
 * gets its line here once, for both backends.
 */
export abstract class ComposedStore implements ComplianceStore {
	abstract readonly backend: 'sqlite' | 'postgres';
	abstract migrate(): Promise<void>;
	abstract schemaVersion(): Promise<number>;
	abstract close(): Promise<void>;

	readonly #roles: StoreRoles;

	protected constructor(roles: StoreRoles) {
		this.#roles = roles;
	}

	readonly getSnapshot: SnapshotStore['getSnapshot'] = (request) =>
		this.#roles.snapshot.getSnapshot(request);

	readonly recordConsent: ConsentStore['recordConsent'] = (events) =>
		this.#roles.consents.recordConsent(events);
	readonly getConsents: ConsentStore['getConsents'] = (contacts) =>
		this.#roles.consents.getConsents(contacts);
	readonly getConsentHistory: ConsentStore['getConsentHistory'] = (contact) =>
		this.#roles.consents.getConsentHistory(contact);
	readonly getConsentHistories: ConsentStore['getConsentHistories'] = (contacts) =>
		this.#roles.consents.getConsentHistories(contacts);
	readonly listConsents: ConsentStore['listConsents'] = (page) =>
		this.#roles.consents.listConsents(page);
	readonly countContacts: ConsentStore['countContacts'] = () =>
		this.#roles.consents.countContacts();

	readonly touchWindows: WindowStore['touchWindows'] = (touches) =>
		this.#roles.windows.touchWindows(touches);
	readonly closeWindows: WindowStore['closeWindows'] = (closes) =>
		this.#roles.windows.closeWindows(closes);
	readonly startFreeEntryPoints: WindowStore['startFreeEntryPoints'] = (starts) =>
		this.#roles.windows.startFreeEntryPoints(starts);

	readonly reserveSends: SendStore['reserveSends'] = (reservations) =>
		this.#roles.sends.reserveSends(reservations);
	readonly markSendsLeft: SendStore['markSendsLeft'] = (marks) =>
		this.#roles.sends.markSendsLeft(marks);
	readonly completeSends: SendStore['completeSends'] = (completions) =>
		this.#roles.sends.completeSends(completions);
	readonly releaseSends: SendStore['releaseSends'] = (releases) =>
		this.#roles.sends.releaseSends(releases);
	readonly listUnconfirmedSends: SendStore['listUnconfirmedSends'] = (page) =>
		this.#roles.sends.listUnconfirmedSends(page);
	readonly getSends: SendStore['getSends'] = (keys) => this.#roles.sends.getSends(keys);

	readonly applyWebhookEvents: WebhookStore['applyWebhookEvents'] = (events, at) =>
		this.#roles.webhooks.applyWebhookEvents(events, at);
	readonly pruneSeenEvents: WebhookStore['pruneSeenEvents'] = (before) =>
		this.#roles.webhooks.pruneSeenEvents(before);

	readonly registerSubscription: DeliveryStore['registerSubscription'] = (subscription) =>
		this.#roles.deliveries.registerSubscription(subscription);
	readonly removeSubscription: DeliveryStore['removeSubscription'] = (id, at) =>
		this.#roles.deliveries.removeSubscription(id, at);
	readonly listSubscriptions: DeliveryStore['listSubscriptions'] = (app, now) =>
		this.#roles.deliveries.listSubscriptions(app, now);
	readonly claimDeliveries: DeliveryStore['claimDeliveries'] = (subscription, limit) =>
		this.#roles.deliveries.claimDeliveries(subscription, limit);
	readonly waitingDeliveries: DeliveryStore['waitingDeliveries'] = (before, now) =>
		this.#roles.deliveries.waitingDeliveries(before, now);
	readonly pruneDeliveries: DeliveryStore['pruneDeliveries'] = (cutoffs) =>
		this.#roles.deliveries.pruneDeliveries(cutoffs);

	readonly upsertTemplateStates: StandingStore['upsertTemplateStates'] = (states) =>
		this.#roles.standing.upsertTemplateStates(states);
	readonly getTemplateStates: StandingStore['getTemplateStates'] = (keys) =>
		this.#roles.standing.getTemplateStates(keys);
	readonly recordStanding: StandingStore['recordStanding'] = (entries) =>
		this.#roles.standing.recordStanding(entries);
	readonly getAccountStanding: StandingStore['getAccountStanding'] = (now) =>
		this.#roles.standing.getAccountStanding(now);

	readonly costSummary: CostStore['costSummary'] = (range) => this.#roles.costs.costSummary(range);
	readonly costReport: CostStore['costReport'] = (days) => this.#roles.costs.costReport(days);

	readonly reserveReach: ReachStore['reserveReach'] = (reservation) =>
		this.#roles.reach.reserveReach(reservation);
	readonly releaseReach: ReachStore['releaseReach'] = (keys) =>
		this.#roles.reach.releaseReach(keys);

	readonly eraseContact: ErasureStore['eraseContact'] = (contact, at) =>
		this.#roles.erasure.eraseContact(contact, at);
	readonly eraseContacts: ErasureStore['eraseContacts'] = (contacts, at) =>
		this.#roles.erasure.eraseContacts(contacts, at);
	readonly contactHash: ErasureStore['contactHash'] = (contact) =>
		this.#roles.erasure.contactHash(contact);

	readonly leaseSlots: SlotLedger['leaseSlots'] = (sender, request) =>
		this.#roles.slots.leaseSlots(sender, request);
	readonly holdSender: SlotLedger['holdSender'] = (sender, pace, forMs) =>
		this.#roles.slots.holdSender(sender, pace, forMs);
	readonly holdPair: SlotLedger['holdPair'] = (sender, contact, pace) =>
		this.#roles.slots.holdPair(sender, contact, pace);
}
