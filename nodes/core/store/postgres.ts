/**
 * The shared compliance store for n8n queue mode, where main, webhook and worker processes must
 * see one state. Reads are one statement each (array parameters, JSON aggregates). Writes about
 * contacts run in one transaction of a few statements, however large the batch: lock the batch's
 * contacts (advisory locks, one statement, one global order, so no deadlock), read their consent
 * rows, suppression and known event keys (one statement), let policy/consentChange.ts decide in TypeScript,
 * write events and records (jsonb_to_recordset). Concurrent writers of one contact wait for each
 * other, so none loses an update, and the consent rule exists once.
 */
import { createHash } from 'node:crypto';

import { Pool, type PoolClient, type PoolConfig, type QueryResult } from 'pg';

import { systemClock, type Clock } from '../clock';
import { DEFAULT_APPLICATION_NAME, DEFAULT_POOL_SIZE } from './postgresDefaults';
import type { SlotLease } from '../pace/budget';
import {
	holdPair,
	holdSender,
	scheduleSends,
	type Pace,
	type PairStrikes,
	type ScheduleRequest,
	type ScheduleState,
} from '../pace/schedule';
import {
	OPT_OUT_CONFIRMATION_KIND_PREFIX,
	type ConsentEvent,
	type ConsentEventInput,
	type ConsentRecord,
	type SentMessage,
	type TemplateState,
} from '../model';
import {
	admitRecipients,
	MESSAGING_LIMIT_PERIOD_MS,
	type MessagingLimit,
} from '../policy/messagingLimit';
import type { CostLedgerGroup } from '../report/costReport';
import { PORTFOLIO, templateSubject, type StandingEntry } from '../standing';
import {
	checkCompletions,
	checkReleases,
	checkSendsLeft,
	checkConsentEvents,
	checkListLimit,
	checkReachReservation,
	checkReportDays,
	checkStanding,
	checkReservations,
	checkTemplates,
	checkText,
	checkTime,
	checkWebhookEvents,
	checkWindows,
	checkSubscription,
	contactHasher,
	firstByKey,
	lastByKey,
	mergeEffects,
	newestStanding,
	newSalt,
	numberOrUndefined,
	PAIR_PRUNE_EVERY,
	PAIR_STRIKES_KEPT_MS,
	reachListLength,
	recordsByContact,
	SUBSCRIPTION_COLUMNS,
	subscriptionRow,
	toConsentEvent,
	toConsentRecord,
	toCostLedgerGroup,
	toDelivery,
	toSentMessage,
	toStandingEntry,
	toSubscription,
	toTemplateState,
	toWindow,
	unique,
	uniqueTemplateKeys,
	withTemplateQuality,
} from './common';
import { decideConsentBatch } from '../policy/consentChange';
import { contactsOfEffects, withoutErasedContacts } from './erasedContacts';
import {
	CURRENT_SCHEMA_VERSION,
	PostgresNames,
	RECLAIM_FAILED_SEND,
	RECLAIMABLE_SEND,
	postgresMetaTable,
	postgresMigrations,
	quoteIdent,
	quoteLiteral,
} from './migrations';
import type {
	AccountStanding,
	ComplianceStore,
	ContactSnapshot,
	CostSummaryRow,
	EraseReport,
	InboundTouch,
	ListConsentsPage,
	ReachReservation,
	ReachResult,
	ReportDay,
	ReserveResult,
	SendCompletion,
	SendLeft,
	SendRelease,
	UnconfirmedSendsPage,
	SendReservation,
	Snapshot,
	SnapshotRequest,
	StoreEffects,
	TemplateKey,
	DeliveryPrune,
	Delivery,
	Subscription,
	WaitingDeliveries,
	WebhookEventEffects,
	WindowClose,
} from './types';

export interface PostgresConnection {
	readonly host: string;
	/** @default 5432 */
	readonly port?: number;
	readonly database: string;
	readonly user: string;
	readonly password?: string;
	/**
	 * TLS: true to require it (certificates checked), or `{ rejectUnauthorized: false }` to accept
	 * self-signed certificates.
	 * @default false
	 */
	readonly ssl?: boolean | { readonly rejectUnauthorized?: boolean };
}

export interface PostgresStoreOptions {
	/** Where the server is. Give this, a `connectionString`, or a `pool`. */
	readonly connection?: PostgresConnection;
	/** postgres://user:password@host:port/database?sslmode=... instead of `connection`. */
	readonly connectionString?: string;
	/**
	 * A pool to use instead of opening one; `close()` leaves it open. Tests use it to count round
	 * trips; hosts may share their pool.
	 */
	readonly pool?: Pool;
	/**
	 * The schema of the store's tables; created if missing.
	 * @default 'public'
	 */
	readonly schema?: string;
	/**
	 * Prefix of every table and function name, so the store can share a schema with other tables.
	 * @default 'wa_'
	 */
	readonly tablePrefix?: string;
	/**
	 * Connections the store may open at once, per process. In queue mode every n8n process (main,
	 * each webhook processor, each worker) has its own pool: 5 processes at the default take 25 of
	 * PostgreSQL's default 100 connections. An execution holds a connection for one statement at a
	 * time, so a worker's 10 concurrent executions (n8n's default) rarely wait for one of 5.
	 * @default DEFAULT_POOL_SIZE (5)
	 */
	readonly poolSize?: number;
	/**
	 * The `application_name` of the store's connections, so a database administrator can tell
	 * them apart in pg_stat_activity (an `application_name` in `connectionString` wins).
	 * @default DEFAULT_APPLICATION_NAME ('n8n-nodes-whatsapp-compliance')
	 */
	readonly applicationName?: string;
	/**
	 * Where `recordedAt` of consent events comes from.
	 * @default systemClock
	 */
	readonly clock?: Clock;
}

export { DEFAULT_APPLICATION_NAME, DEFAULT_POOL_SIZE };
/** PostgreSQL keeps the first 63 bytes of application_name (NAMEDATALEN - 1). */
const MAX_APPLICATION_NAME = 63;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
/** Longest table or function name we append to the prefix ("consent_events_event_key", 24). */
const MAX_PREFIX = 63 - 24;
/** First key of the two-key advisory lock that guards migrations ("WAMG"). */
const MIGRATION_LOCK = 0x57414d47;
const RETRYABLE = new Set(['40P01', '40001']); // deadlock detected, serialization failure
const MAX_ATTEMPTS = 3;

type Row = Record<string, unknown>;

/** Runs one statement inside a transaction. */
type Tx = (text: string, values: unknown[]) => Promise<QueryResult<Row>>;

/** A concurrent writer got in the way of this transaction: it is run again from the start. */
class TransactionConflict extends Error {
	readonly code = '40001';
}

/** The one row the snapshot statement returns: JSON arrays, parsed by pg. */
interface SnapshotRow {
	consents: Row[];
	windows: Row[];
	suppressed: string[];
	marketing: Array<[string, number]>;
	confirmations: Array<[string, number]>;
	sends: Row[];
	templates: Row[];
	reach_count: string | number;
	reached: Array<[string, number]>;
	reach_oldest: number[];
	standing: Row[];
}

/** A limit as the snapshot statement takes it: a number, or null for none or unlimited. */
function limitParameter(limit: MessagingLimit | undefined): number | null {
	return typeof limit === 'number' ? limit : null;
}

export class PostgresComplianceStore implements ComplianceStore {
	readonly backend = 'postgres' as const;
	readonly schema: string;
	readonly tablePrefix: string;
	private readonly pool: Pool;
	private readonly ownsPool: boolean;
	private readonly clock: Clock;
	private readonly names: PostgresNames;
	private readonly sql: ReturnType<typeof statements>;
	/** Values that must never reach an error message. */
	private readonly secrets: string[];
	private hasher: Promise<(contact: string) => string> | undefined;
	/** Leases made, to prune the pair budget every PAIR_PRUNE_EVERY of them. */
	private leases = 0;
	/** Prepared statement name per SQL text (the text's hash, so it is stable across pools). */
	private readonly statementNames = new Map<string, string>();

	constructor(options: PostgresStoreOptions) {
		const sources = [options.connection, options.connectionString, options.pool].filter(
			(source) => source !== undefined,
		);
		if (sources.length !== 1) {
			throw new Error(
				'PostgreSQL store: give exactly one of connection (host, database, user...), ' +
					`connectionString or pool; got ${sources.length}`,
			);
		}
		const schema = options.schema ?? 'public';
		const tablePrefix = options.tablePrefix ?? 'wa_';
		checkIdentifier('schema', schema, 63);
		checkIdentifier('tablePrefix', tablePrefix, MAX_PREFIX);
		const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
		if (!Number.isInteger(poolSize) || poolSize < 1) {
			throw new Error(`PostgreSQL store: poolSize must be a whole number >= 1, got ${poolSize}`);
		}
		const applicationName = options.applicationName ?? DEFAULT_APPLICATION_NAME;
		// Printable ASCII: PostgreSQL replaces anything else with '?'.
		if (!/^[\x20-\x7e]*$/.test(applicationName) || applicationName.length > MAX_APPLICATION_NAME) {
			throw new Error(
				`PostgreSQL store: applicationName must be printable ASCII of at most ${MAX_APPLICATION_NAME} characters, got ${JSON.stringify(applicationName)}`,
			);
		}
		this.schema = schema;
		this.tablePrefix = tablePrefix;
		this.clock = options.clock ?? systemClock;
		this.names = new PostgresNames(schema, tablePrefix);
		this.sql = statements(this.names);
		this.secrets = [];

		if (options.pool) {
			this.pool = options.pool;
			this.ownsPool = false;
		} else {
			const config: PoolConfig = { max: poolSize, application_name: applicationName };
			if (options.connectionString !== undefined) {
				const url = parseConnectionString(options.connectionString);
				this.secrets.push(options.connectionString);
				if (url.password) this.secrets.push(url.password, safeDecode(url.password));
				config.connectionString = options.connectionString;
			} else {
				const c = options.connection!;
				checkText('PostgreSQL store: connection.host', c.host);
				checkText('PostgreSQL store: connection.database', c.database);
				checkText('PostgreSQL store: connection.user', c.user);
				const port = c.port ?? 5432;
				if (!Number.isInteger(port) || port < 1 || port > 65535) {
					throw new Error(`PostgreSQL store: connection.port must be 1 to 65535, got ${c.port}`);
				}
				if (c.password) this.secrets.push(c.password);
				Object.assign(config, {
					host: c.host,
					port,
					database: c.database,
					user: c.user,
					password: c.password,
					ssl: c.ssl ?? false,
				});
			}
			this.pool = new Pool(config);
			this.ownsPool = true;
			// An idle connection that breaks emits 'error' on the pool, which would crash the process;
			// the pool drops that client and the next query reports any lasting problem.
			this.pool.on('error', () => undefined);
		}
	}

	async migrate(): Promise<void> {
		await this.ready();
	}

	async schemaVersion(): Promise<number> {
		await this.ready();
		const { rows } = await this.query(this.sql.version, []);
		return rows.length > 0 ? Number(rows[0].value) : 0;
	}

	/**
	 * The schema version in the database, without creating or migrating anything: 0 while the
	 * store's schema or tables do not exist. For the store credential's test.
	 */
	async storedSchemaVersion(): Promise<number> {
		try {
			const { rows } = await this.query(this.sql.version, []);
			return rows.length > 0 ? Number(rows[0].value) : 0;
		} catch (error) {
			// undefined_table, invalid_schema_name: nothing was created yet.
			if (['42P01', '3F000'].includes((error as { code?: string }).code ?? '')) return 0;
			throw error;
		}
	}

	async close(): Promise<void> {
		if (this.ownsPool && !this.pool.ended) await this.pool.end();
	}

	async getSnapshot(request: SnapshotRequest): Promise<Snapshot> {
		const hash = await this.ready();
		checkText('getSnapshot: sender', request.sender);
		checkTime('getSnapshot: marketingSince', request.marketingSince);
		const contacts = unique(request.contacts);
		contacts.forEach((c, i) => checkText(`getSnapshot: contacts[${i}]`, c));
		const keys = unique(request.idempotencyKeys ?? []);
		const templates = uniqueTemplateKeys('getSnapshot', request.templates ?? []);

		const byContact = new Map<string, ContactSnapshot>();
		const byHash = new Map<string, ContactSnapshot>();
		for (const contact of contacts) {
			const entry: ContactSnapshot = {
				contact,
				consents: [],
				suppressed: false,
				marketingSentAt: [],
				optOutConfirmationsSentAt: [],
			};
			byContact.set(contact, entry);
			byHash.set(hash(contact), entry);
		}
		const subjects = templates.map(templateSubject);
		if (request.standing) subjects.push(PORTFOLIO, request.sender);
		const reach = request.reach;
		const { rows } = await this.query(this.sql.snapshot, [
			contacts,
			request.sender,
			[...byHash.keys()],
			request.marketingSince,
			keys,
			templates.map((t) => t.account),
			templates.map((t) => t.name),
			templates.map((t) => t.language),
			reach ? reach.now - MESSAGING_LIMIT_PERIOD_MS : null,
			limitParameter(reach?.limit),
			reach?.oldest ?? 0,
			unique(subjects),
			request.standing === true,
		]);
		const r = rows[0] as unknown as SnapshotRow;
		for (const row of r.consents) {
			byContact.get(String(row.contact))!.consents.push(toConsentRecord(row));
		}
		for (const row of r.windows) byContact.get(String(row.contact))!.window = toWindow(row);
		for (const contactHash of r.suppressed) byHash.get(contactHash)!.suppressed = true;
		for (const [contact, at] of r.marketing) {
			byContact.get(contact)!.marketingSentAt.push(Number(at));
		}
		for (const [contact, at] of r.confirmations) {
			byContact.get(contact)!.optOutConfirmationsSentAt.push(Number(at));
		}
		const standing = r.standing.map(toStandingEntry);
		const snapshot: Snapshot = {
			contacts: byContact,
			sends: new Map(r.sends.map((row) => [String(row.idempotency_key), toSentMessage(row)])),
			templates: withTemplateQuality(r.templates.map(toTemplateState), standing),
		};
		if (request.standing) {
			snapshot.standing = standing.filter((e) => !e.subject.startsWith('template:'));
		}
		if (reach) {
			for (const [contactHash, at] of r.reached) byHash.get(contactHash)!.reachedAt = Number(at);
			snapshot.reach = {
				count: Number(r.reach_count),
				oldestReachedAt: r.reach_oldest.map(Number),
			};
		}
		return snapshot;
	}

	/**
	 * Events of an erased contact (its hash is on the suppression list) are dropped: not applied,
	 * not stored, not returned. Storing them would put the personal data erasure removed back,
	 * and the suppression already blocks every send; an erased contact cannot opt in again here.
	 */
	async recordConsent(events: ConsentEventInput[]): Promise<ConsentEvent[]> {
		const hash = await this.ready();
		checkConsentEvents('recordConsent', events);
		if (events.length === 0) return [];
		const recordedAt = this.clock.now();
		const stored = await this.transaction((tx) =>
			this.applyEffects(tx, hash, { consent: events }, recordedAt),
		);
		return stored.map(toConsentEvent);
	}

	async getConsents(contacts: string[]): Promise<Map<string, ConsentRecord[]>> {
		await this.ready();
		const list = unique(contacts);
		const result = new Map<string, ConsentRecord[]>(list.map((c) => [c, []]));
		if (list.length === 0) return result;
		const { rows } = await this.query(this.sql.consents, [list]);
		for (const row of rows) result.get(String(row.contact))!.push(toConsentRecord(row));
		return result;
	}

	async getConsentHistory(contact: string): Promise<ConsentEvent[]> {
		checkText('getConsentHistory: contact', contact);
		return (await this.getConsentHistories([contact])).get(contact)!;
	}

	async getConsentHistories(contacts: string[]): Promise<Map<string, ConsentEvent[]>> {
		await this.ready();
		const list = unique(contacts);
		list.forEach((c, i) => checkText(`getConsentHistories: contacts[${i}]`, c));
		const result = new Map<string, ConsentEvent[]>(list.map((c) => [c, []]));
		if (list.length === 0) return result;
		const { rows } = await this.query(this.sql.histories, [list]);
		for (const row of rows) result.get(String(row.contact))!.push(toConsentEvent(row));
		return result;
	}

	async listConsents(page: ListConsentsPage): Promise<ConsentRecord[]> {
		await this.ready();
		const limit = checkListLimit(page.limit);
		const { rows } = page.after
			? await this.query(this.sql.listAfter, [page.after.contact, page.after.purpose, limit])
			: await this.query(this.sql.listFirst, [limit]);
		return rows.map(toConsentRecord);
	}

	/** Contacts with at least one consent record. */
	async countContacts(): Promise<number> {
		await this.ready();
		const { rows } = await this.query(this.sql.countContacts, []);
		return Number(rows[0].n);
	}

	async touchWindows(touches: InboundTouch[]): Promise<void> {
		const hash = await this.ready();
		checkWindows('touchWindows', touches);
		if (touches.length === 0) return;
		await this.transaction((tx) => this.applyEffects(tx, hash, { windows: touches }, 0));
	}

	async closeWindows(closes: WindowClose[]): Promise<void> {
		const hash = await this.ready();
		checkWindows('closeWindows', closes);
		if (closes.length === 0) return;
		await this.transaction((tx) => this.applyEffects(tx, hash, { closeWindows: closes }, 0));
	}

	/**
	 * Sets fepStartedAt on existing windows. One already set is kept, unless the contact came
	 * through a newer referral since: that is a new entry point, whose first reply starts anew.
	 */
	async startFreeEntryPoints(starts: WindowClose[]): Promise<void> {
		await this.ready();
		checkWindows('startFreeEntryPoints', starts);
		if (starts.length > 0) await this.query(this.sql.freeEntryPoints, [JSON.stringify(starts)]);
	}

	async reserveSends(reservations: SendReservation[]): Promise<ReserveResult> {
		await this.ready();
		checkReservations(reservations);
		const result: ReserveResult = { reserved: [], existing: new Map() };
		if (reservations.length === 0) return result;
		const items = firstByKey(reservations, (r) => r.idempotencyKey);
		// New keys are inserted and failed ones claimed again; a key a concurrent claimer holds
		// makes this statement wait for its commit and then skip it.
		const { rows: claimed } = await this.query(this.sql.claim, [JSON.stringify(items)]);
		const reserved = new Set(claimed.map((r) => String(r.idempotency_key)));
		const taken = items.map((r) => r.idempotencyKey).filter((key) => !reserved.has(key));
		// A new statement, so a new snapshot: it sees the rows of the claimers waited for above.
		if (taken.length > 0) result.existing = await this.getSends(taken);
		// Input order, as the SQLite backend returns it.
		for (const { idempotencyKey: key } of items) if (reserved.has(key)) result.reserved.push(key);
		return result;
	}

	async completeSends(completions: SendCompletion[]): Promise<void> {
		await this.ready();
		checkCompletions(completions);
		if (completions.length === 0) return;
		const items = lastByKey(completions, (c) => c.idempotencyKey);
		await this.query(this.sql.complete, [JSON.stringify(items)]);
	}

	async releaseSends(releases: SendRelease[]): Promise<void> {
		await this.ready();
		checkReleases(releases);
		if (releases.length > 0) await this.query(this.sql.release, [JSON.stringify(releases)]);
	}

	/**
	 * One transaction: record the keys (sorted, so two deliveries cannot deadlock; a key a
	 * concurrent delivery inserted makes this one wait for it and then skip the key), then apply
	 * the effects of the new events only.
	 */
	async markSendsLeft(marks: SendLeft[]): Promise<void> {
		await this.ready();
		checkSendsLeft(marks);
		if (marks.length > 0) await this.query(this.sql.markLeft, [JSON.stringify(marks)]);
	}

	async getSends(keys: string[]): Promise<Map<string, SentMessage>> {
		await this.ready();
		const list = unique(keys);
		if (list.length === 0) return new Map();
		const { rows } = await this.query(this.sql.sendsByKey, [list]);
		return new Map(rows.map((row) => [String(row.idempotency_key), toSentMessage(row)]));
	}

	async listUnconfirmedSends(page: UnconfirmedSendsPage): Promise<SentMessage[]> {
		await this.ready();
		checkTime('listUnconfirmedSends: before', page.before);
		const limit = checkListLimit(page.limit);
		const after = page.after ?? { createdAt: -1, idempotencyKey: '' };
		const { rows } = await this.query(this.sql.unconfirmed, [
			page.before,
			after.createdAt,
			after.idempotencyKey,
			limit,
		]);
		return rows.map(toSentMessage);
	}

	async applyWebhookEvents(events: WebhookEventEffects[], at: number): Promise<string[]> {
		const hash = await this.ready();
		checkWebhookEvents(events, at);
		if (events.length === 0) return [];
		const items = firstByKey(events, (e) => e.key);
		const recordedAt = this.clock.now();
		return await this.transaction(async (tx) => {
			const { rows } = await tx(this.sql.recordSeen, [items.map((e) => e.key).sort(), at]);
			const fresh = new Set(rows.map((r) => String(r.key)));
			if (fresh.size === 0) return [];
			const newEvents = items.filter((e) => fresh.has(e.key));
			await this.applyEffects(tx, hash, mergeEffects(newEvents), recordedAt);
			const deliveries = newEvents.flatMap((e) =>
				(e.deliveries ?? []).map((d) => ({
					subscription: d.subscription,
					eventKey: e.key,
					contact: d.contact ?? null,
					event: d.event,
				})),
			);
			if (deliveries.length > 0) {
				await tx(this.sql.addDeliveries, [JSON.stringify(deliveries), at]);
			}
			return newEvents.map((e) => e.key);
		});
	}

	async registerSubscription(subscription: Subscription): Promise<void> {
		await this.ready();
		checkSubscription(subscription);
		await this.query(this.sql.registerSubscription, subscriptionRow(subscription));
	}

	async removeSubscription(id: string, at: number): Promise<void> {
		await this.ready();
		checkText('removeSubscription: id', id);
		checkTime('removeSubscription: at', at);
		await this.query(this.sql.removeSubscription, [id, at]);
	}

	async listSubscriptions(app: string, now: number): Promise<Subscription[]> {
		await this.ready();
		checkText('listSubscriptions: app', app);
		const { rows } = await this.query(this.sql.subscriptions, [app, now]);
		return rows.map(toSubscription);
	}

	/**
	 * The subscription's claims queue on a lock of its own (a transaction-scoped advisory lock), so
	 * a second claim waits for the first and then sees the rows it removed as gone.
	 */
	async claimDeliveries(subscription: string, limit: number): Promise<Delivery[]> {
		await this.ready();
		checkText('claimDeliveries: subscription', subscription);
		return await this.transaction(async (tx) => {
			await tx(this.sql.budgetLock, [`${this.names.namespace}claim:${subscription}`]);
			const { rows } = await tx(this.sql.claimDeliveries, [
				subscription,
				Math.max(1, Math.floor(limit)),
			]);
			return rows.map(toDelivery).sort((a, b) => a.seq - b.seq);
		});
	}

	async waitingDeliveries(before: number, now: number): Promise<WaitingDeliveries[]> {
		await this.ready();
		const { rows } = await this.query(this.sql.waitingDeliveries, [before, now]);
		return rows.map((row) => ({
			subscription: toSubscription(row),
			count: Number(row.n),
			oldestAt: Number(row.oldest),
		}));
	}

	async pruneDeliveries(cutoffs: DeliveryPrune): Promise<number> {
		await this.ready();
		for (const [name, value] of Object.entries(cutoffs))
			checkTime(`pruneDeliveries: ${name}`, value);
		const { rows } = await this.query(this.sql.pruneDeliveries, [
			cutoffs.createdBefore,
			cutoffs.removedBefore,
			cutoffs.now,
		]);
		return Number(rows[0]?.n ?? 0);
	}

	async pruneSeenEvents(before: number): Promise<number> {
		await this.ready();
		checkTime('pruneSeenEvents: before', before);
		const result = await this.query(this.sql.prune, [before]);
		return result.rowCount ?? 0;
	}

	/** A state older than the stored one is ignored; category and quality are kept when absent. */
	async upsertTemplateStates(states: TemplateState[]): Promise<void> {
		await this.ready();
		checkTemplates('upsertTemplateStates', states);
		if (states.length > 0) await this.query(this.sql.upsertTemplates, [JSON.stringify(states)]);
	}

	async getTemplateStates(keys: TemplateKey[]): Promise<TemplateState[]> {
		await this.ready();
		const list = uniqueTemplateKeys('getTemplateStates', keys);
		if (list.length === 0) return [];
		const { rows } = await this.query(this.sql.templates, [
			list.map((t) => t.account),
			list.map((t) => t.name),
			list.map((t) => t.language),
		]);
		return rows.map(toTemplateState);
	}

	/**
	 * Deliveries with `from <= at < to`, one row per category, pricing type and currency (sums in
	 * different currencies are not added up).
	 */
	async costSummary(range: { from: number; to: number }): Promise<CostSummaryRow[]> {
		await this.ready();
		checkTime('costSummary: from', range.from);
		checkTime('costSummary: to', range.to);
		const { rows } = await this.query(this.sql.costSummary, [range.from, range.to]);
		return rows.map((r) => {
			const row: CostSummaryRow = {
				category: String(r.category),
				pricingType: String(r.pricing_type),
				messages: Number(r.messages),
				billable: Number(r.billable),
				estimatedTotal: Number(r.total),
			};
			if (r.currency !== null) row.currency = String(r.currency);
			return row;
		});
	}

	async costReport(days: readonly ReportDay[]): Promise<CostLedgerGroup[]> {
		await this.ready();
		checkReportDays(days);
		if (days.length === 0) return [];
		const { rows } = await this.query(this.sql.costReport, [
			days.map((d) => d.start),
			days.map((d) => d.end),
		]);
		return rows.map(toCostLedgerGroup);
	}

	/**
	 * Under one advisory lock for the portfolio's count: prune the recipients who left the 24
	 * hours, read the count and which of the batch's recipients are counted, let
	 * admitRecipients decide, write, read the oldest reach times.
	 */
	async reserveReach(reservation: ReachReservation): Promise<ReachResult> {
		const hash = await this.ready();
		checkReachReservation(reservation);
		const { now, limit, oldest } = reservation;
		const recipients = reservation.recipients.map((r) => ({ ...r, hash: hash(r.contact) }));
		const since = now - MESSAGING_LIMIT_PERIOD_MS;
		return await this.transaction(async (tx) => {
			await tx(this.sql.budgetLock, [this.reachLock]);
			const { rows } = await tx(this.sql.reachState, [
				since,
				unique(recipients.map((r) => r.hash)),
			]);
			const counted = new Set(rows[0].counted as string[]);
			const count = Number(rows[0].count);
			const admission = admitRecipients(
				recipients,
				(r) => r.hash,
				(h) => counted.has(h),
				count,
				limit,
			);
			if (admission.refreshed.length + admission.added.length > 0) {
				await tx(this.sql.reachWrite, [
					now,
					admission.refreshed.map((r) => r.hash),
					admission.refreshed.map((r) => r.key),
					admission.added.map((r) => r.hash),
					admission.added.map((r) => r.key),
				]);
			}
			const after = count + admission.added.length;
			const length = reachListLength(after, limit, oldest);
			const oldestReachedAt =
				length === 0
					? []
					: (await tx(this.sql.reachOldest, [since, length])).rows.map((row) =>
							Number(row.reached_at),
						);
			return {
				refused: admission.refused.map((r) => r.contact),
				usage: { count: after, oldestReachedAt },
			};
		});
	}

	async releaseReach(keys: string[]): Promise<void> {
		await this.ready();
		keys.forEach((k, i) => checkText(`releaseReach: keys[${i}]`, k));
		if (keys.length === 0) return;
		await this.transaction(async (tx) => {
			await tx(this.sql.budgetLock, [this.reachLock]);
			await tx(this.sql.reachRelease, [unique(keys)]);
		});
	}

	async recordStanding(entries: StandingEntry[]): Promise<void> {
		await this.ready();
		checkStanding('recordStanding', entries);
		if (entries.length > 0) {
			await this.query(this.sql.upsertStanding, [JSON.stringify(newestStanding(entries))]);
		}
	}

	async getAccountStanding(now: number): Promise<AccountStanding> {
		await this.ready();
		checkTime('getAccountStanding: now', now);
		const { rows } = await this.query(this.sql.accountStanding, [now - MESSAGING_LIMIT_PERIOD_MS]);
		const r = rows[0] as { entries: Row[]; templates: Row[]; reached: string | number };
		const entries = r.entries.map(toStandingEntry);
		return {
			entries,
			templates: withTemplateQuality(r.templates.map(toTemplateState), entries),
			reachedLast24h: Number(r.reached),
		};
	}

	async eraseContact(contact: string, at: number): Promise<EraseReport> {
		checkText('eraseContact: contact', contact);
		return (await this.eraseContacts([contact], at))[0];
	}

	/** Under the contacts' locks, so no effect about them slips in between (erasedContacts.ts). */
	async eraseContacts(contacts: string[], at: number): Promise<EraseReport[]> {
		const hash = await this.ready();
		const list = unique(contacts);
		list.forEach((c, i) => checkText(`eraseContacts: contacts[${i}]`, c));
		checkTime('eraseContacts: at', at);
		if (list.length === 0) return [];
		const hashes = list.map(hash);
		const { rows } = await this.transaction(async (tx) => {
			await tx(this.sql.lockContacts, [this.lockNamespace, [...list].sort()]);
			return await tx(this.sql.erase, [list, hashes, at]);
		});
		const byContact = new Map(rows.map((r) => [String(r.contact), r]));
		return list.map((contact, i) => {
			const r = byContact.get(contact)!;
			return {
				contactHash: hashes[i],
				consentRecords: Number(r.consent_records),
				consentEvents: Number(r.consent_events),
				windows: Number(r.windows),
				costEntries: Number(r.cost_entries),
				sentMessagesAnonymised: Number(r.sent_messages),
				alreadySuppressed: r.already_suppressed === true,
			};
		});
	}

	async contactHash(contact: string): Promise<string> {
		checkText('contactHash: contact', contact);
		return (await this.ready())(contact);
	}

	// ---- the send budget (SlotLedger): schedule.ts decides, in one transaction per lease ----
	//
	// Read, decide in TypeScript, write, under an advisory lock per sender number: the rule lives
	// once (schedule.ts) instead of again in SQL, at the price of a few round trips per lease
	// (about 1 ms on a local network), one lease per LEASE_SECONDS of the rate at most. The
	// database's clock decides: every process shares its time.

	async leaseSlots(sender: string, request: ScheduleRequest): Promise<SlotLease> {
		const hash = await this.ready();
		checkText('leaseSlots: sender', sender);
		const recipients = request.recipients.map((c) => (c === undefined ? undefined : hash(c)));
		const contacts = unique(recipients.filter((c): c is string => c !== undefined));
		const prune = ++this.leases % PAIR_PRUNE_EVERY === 0;
		return await this.inBudgetLock(sender, async (query) => {
			const { now, state } = await this.readBudget(query, sender, contacts);
			const slots = scheduleSends(state, { ...request, recipients }, now);
			const hashes = contacts.filter((c) => state.pairTats.has(c));
			await query(this.sql.writeBudget, [
				sender,
				state.senderTat ?? null,
				hashes,
				hashes.map((c) => state.pairTats.get(c)!),
				hashes.map(() => 0),
				hashes.map(() => null),
				false,
			]);
			if (prune) {
				const at = Math.floor(now);
				await query(this.sql.prunePairs, [at, at - PAIR_STRIKES_KEPT_MS]);
			}
			return { now, slots };
		});
	}

	async holdSender(sender: string, pace: Pace, forMs: number): Promise<void> {
		await this.ready();
		checkText('holdSender: sender', sender);
		await this.inBudgetLock(sender, async (query) => {
			const { now, state } = await this.readBudget(query, sender, []);
			const tat = holdSender(state.senderTat, pace, now, forMs);
			await query(this.sql.writeBudget, [sender, tat, [], [], [], [], false]);
		});
	}

	async holdPair(sender: string, contact: string, pace: Pace): Promise<number> {
		const hash = await this.ready();
		checkText('holdPair: sender', sender);
		checkText('holdPair: contact', contact);
		const contactHash = hash(contact);
		return await this.inBudgetLock(sender, async (query) => {
			const { now, state, strikes } = await this.readBudget(query, sender, [contactHash]);
			const held = holdPair(
				state.pairTats.get(contactHash),
				strikes.get(contactHash) ?? { strikes: 0, lastAt: undefined },
				pace,
				now,
			);
			await query(this.sql.writeBudget, [
				sender,
				null,
				[contactHash],
				[held.tat],
				[held.strikes.strikes],
				[held.strikes.lastAt === undefined ? null : Math.round(held.strikes.lastAt)],
				true,
			]);
			return held.blockMs;
		});
	}

	private async readBudget(
		query: Tx,
		sender: string,
		contacts: string[],
	): Promise<{ now: number; state: ScheduleState; strikes: Map<string, PairStrikes> }> {
		const { rows } = await query(this.sql.senderBudget, [sender, contacts]);
		const row = rows[0];
		const state: ScheduleState = {
			senderTat: numberOrUndefined(row.tat),
			pairTats: new Map(),
		};
		const strikes = new Map<string, PairStrikes>();
		for (const [contactHash, tat, count, at] of row.pairs as Array<
			[string, number, number, unknown]
		>) {
			state.pairTats.set(contactHash, Number(tat));
			strikes.set(contactHash, { strikes: Number(count), lastAt: numberOrUndefined(at) });
		}
		return { now: Number(row.now), state, strikes };
	}

	/** One transaction holding the advisory lock of `sender`'s budget. */
	private async inBudgetLock<T>(sender: string, work: (tx: Tx) => Promise<T>): Promise<T> {
		return await this.transaction(async (tx) => {
			await tx(this.sql.budgetLock, [`${this.names.namespace}:budget:${sender}`]);
			return await work(tx);
		});
	}

	// ---- internals ----

	/**
	 * Migrates once per store object (on first use if nobody called migrate()); gives the contact
	 * hash function keyed with this store's salt.
	 */
	private ready(): Promise<(contact: string) => string> {
		if (!this.hasher) {
			this.hasher = this.migrateNow().then(contactHasher);
			// A failed attempt (server down) is retried by the next call instead of sticking.
			this.hasher.catch(() => (this.hasher = undefined));
		}
		return this.hasher;
	}

	/**
	 * One transaction under an advisory lock: processes that start together (n8n queue mode: main,
	 * webhook, workers) wait for each other; the first migrates, the others find the work done.
	 */
	private async migrateNow(): Promise<string> {
		const n = this.names;
		const client = await this.pool.connect().catch((error: unknown) => {
			throw this.sanitize(error);
		});
		try {
			await client.query('BEGIN');
			await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
				MIGRATION_LOCK,
				n.namespace,
			]);
			const schema = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [
				this.schema,
			]);
			if (schema.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdent(this.schema)}`);
			await client.query(postgresMetaTable(n));
			const current = await client.query(this.sql.version);
			const version = current.rows.length > 0 ? Number(current.rows[0].value) : 0;
			if (version > CURRENT_SCHEMA_VERSION) {
				throw new Error(
					`schema version ${version} in ${this.schema}.${this.tablePrefix}meta is newer than this ` +
						`package supports (${CURRENT_SCHEMA_VERSION}): update n8n-nodes-whatsapp-compliance`,
				);
			}
			for (const migration of postgresMigrations(n)) {
				if (migration.version <= version) continue;
				for (const statement of migration.statements) await client.query(statement);
			}
			const meta = n.qualified('meta');
			await client.query(
				`INSERT INTO ${meta} (key, value) VALUES ('schema_version', $1)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
				[String(CURRENT_SCHEMA_VERSION)],
			);
			await client.query(
				`INSERT INTO ${meta} (key, value) VALUES ('salt', $1) ON CONFLICT (key) DO NOTHING`,
				[newSalt()],
			);
			const salt = await client.query(`SELECT value FROM ${meta} WHERE key = 'salt'`);
			await client.query('COMMIT');
			return String(salt.rows[0].value);
		} catch (error) {
			await client.query('ROLLBACK').catch(() => undefined);
			throw this.sanitize(error);
		} finally {
			client.release();
		}
	}

	/**
	 * Applies effects inside the caller's transaction: locks every contact they name, reads the
	 * suppression list and what the consent rule needs, leaves out what is personal about erased
	 * contacts (erasedContacts.ts), lets policy/consentChange.ts decide, then writes in at most three statements
	 * (windows; closes, which must see the windows; consent, costs, templates and failures).
	 * Returns the consent events stored, oldest id first.
	 */
	private async applyEffects(
		tx: Tx,
		hash: (contact: string) => string,
		all: StoreEffects,
		recordedAt: number,
	): Promise<Row[]> {
		const contacts = contactsOfEffects(all).sort();
		let effects = all;
		let decision: ReturnType<typeof decideConsentBatch> | undefined;
		if (contacts.length > 0) {
			await tx(this.sql.lockContacts, [this.lockNamespace, contacts]);
			const consent = all.consent ?? [];
			const byHash = new Map(contacts.map((c) => [hash(c), c]));
			const keys = unique(consent.flatMap((e) => (e.eventKey === undefined ? [] : [e.eventKey])));
			const { rows } = await tx(this.sql.contactState, [
				unique(consent.map((e) => e.contact)),
				[...byHash.keys()],
				keys,
			]);
			const state = rows[0] as { consents: Row[]; suppressed: string[]; known: string[] };
			const erased = new Set(state.suppressed.map((h) => byHash.get(h)!));
			effects = withoutErasedContacts(all, erased, hash);
			if (consent.length > 0) {
				decision = decideConsentBatch({
					current: recordsByContact(state.consents),
					events: consent,
					knownEventKeys: new Set(state.known),
					suppressed: erased,
				});
			}
		}
		if (effects.windows?.length) {
			await tx(this.sql.touchWindows, [JSON.stringify(effects.windows)]);
		}
		if (effects.closeWindows?.length) {
			await tx(this.sql.closeWindows, [JSON.stringify(effects.closeWindows)]);
		}
		const toStore = (decision?.outcomes ?? []).flatMap((o, n) =>
			o.skipped
				? []
				: [
						{
							...o.event,
							n,
							statusAfter: o.statusAfter,
							applied: o.applied,
							effectiveAt: o.effectiveAt,
						},
					],
		);
		const rest = [
			toStore,
			decision?.records ?? [],
			effects.costs ?? [],
			effects.templates ?? [],
			effects.sendFailures ?? [],
		];
		const confirmations = effects.sendConfirmations ?? [];
		const standing = newestStanding(effects.standing ?? []);
		if (
			rest.every((list) => list.length === 0) &&
			confirmations.length === 0 &&
			standing.length === 0
		) {
			return [];
		}
		const { rows } = await tx(this.sql.writeEffects, [
			...rest.map((list) => JSON.stringify(list)),
			recordedAt,
			JSON.stringify(confirmations),
			JSON.stringify(standing),
		]);
		// An event key a writer of another contact stored meanwhile: decide again with it known.
		if (rows.length !== toStore.length) {
			throw new TransactionConflict('a consent event key was recorded concurrently');
		}
		return rows;
	}

	/** The advisory lock of the portfolio's messaging limit count. */
	private get reachLock(): string {
		return `${this.names.namespace}:reach`;
	}

	/** `namespace:` of the advisory lock keys, as migration 1 formed them. */
	private get lockNamespace(): string {
		return `${this.names.namespace}:`;
	}

	/**
	 * Runs `work` in one transaction on one connection. A deadlock, a serialization failure or a
	 * TransactionConflict rolls it back and runs it again from the start (up to MAX_ATTEMPTS).
	 */
	private async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
		for (let attempt = 1; ; attempt++) {
			const client = await this.pool.connect().catch((error: unknown) => {
				throw this.sanitize(error);
			});
			let broken: Error | undefined;
			try {
				await client.query('BEGIN');
				const result = await work((text, values) => this.run(client, text, values));
				await client.query('COMMIT');
				return result;
			} catch (error) {
				await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
				const code = (error as { code?: string }).code;
				if (attempt < MAX_ATTEMPTS && code !== undefined && RETRYABLE.has(code)) continue;
				throw this.sanitize(error);
			} finally {
				client.release(broken);
			}
		}
	}

	/** One named statement on `client`: each connection parses and plans it once. */
	private run(client: Pool | PoolClient, text: string, values: unknown[]) {
		let name = this.statementNames.get(text);
		if (name === undefined) {
			name = `wa_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
			this.statementNames.set(text, name);
		}
		return client.query<Row>({ name, text, values });
	}

	/**
	 * One statement through the pool (one round trip). Named, so each connection parses and plans
	 * it once. A deadlock or serialization failure rolled the whole statement back: run it again.
	 */
	private async query(text: string, values: unknown[]): Promise<QueryResult<Row>> {
		for (let attempt = 1; ; attempt++) {
			try {
				return await this.run(this.pool, text, values);
			} catch (error) {
				const code = (error as { code?: string }).code;
				if (attempt < MAX_ATTEMPTS && code !== undefined && RETRYABLE.has(code)) continue;
				throw this.sanitize(error);
			}
		}
	}

	/** A new error with the secrets masked; the original (which may hold them) is not attached. */
	private sanitize(error: unknown): Error {
		let message = error instanceof Error ? error.message : String(error);
		for (const secret of this.secrets) {
			if (secret) message = message.split(secret).join('***');
		}
		const clean = new Error(`PostgreSQL store: ${message}`);
		const code = (error as { code?: unknown }).code;
		if (typeof code === 'string') Object.assign(clean, { code });
		return clean;
	}
}

function checkIdentifier(field: string, value: string, maxLength: number): void {
	if (typeof value !== 'string' || !IDENTIFIER.test(value) || value.length > maxLength) {
		throw new Error(
			`PostgreSQL store: ${field} ${JSON.stringify(value)} is not allowed: use lower-case letters, ` +
				`digits and underscores, starting with a letter or underscore, at most ${maxLength} ` +
				`characters (e.g. "${field === 'schema' ? 'whatsapp' : 'wa_'}")`,
		);
	}
}

/** Validates without echoing the string: it usually holds the password. */
function parseConnectionString(value: string): URL {
	let url: URL | undefined;
	try {
		url = typeof value === 'string' ? new URL(value) : undefined;
	} catch {
		url = undefined;
	}
	if (!url || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')) {
		throw new Error(
			'PostgreSQL store: connectionString is not a valid URL of the form ' +
				'postgres://user:password@host:5432/database (special characters in the password must ' +
				'be percent-encoded)',
		);
	}
	return url;
}

function safeDecode(value: string): string {
	try {
		return decodeURIComponent(value);
	} catch {
		return value;
	}
}

/** The SQL of one store, built once (names are fixed per store). */
function statements(n: PostgresNames) {
	const consent = n.qualified('consent');
	const events = n.qualified('consent_events');
	const windows = n.qualified('windows');
	const sent = n.qualified('sent_messages');
	const seen = n.qualified('seen_events');
	const templates = n.qualified('template_states');
	const costs = n.qualified('cost_ledger');
	const suppression = n.qualified('suppression');
	// A state older than the stored one is ignored; category and quality are kept when absent.
	const upsertTemplates = (
		param: string,
	) => `INSERT INTO ${templates} AS t (account, name, language,
			status, category, quality, reason, updated_at)
		SELECT DISTINCT ON (r.account, r.name, r.language) r.account, r.name, r.language, r.status,
			r.category, r.quality, r.reason, r."updatedAt"
		FROM jsonb_to_recordset(${param}::jsonb) AS r(account text, name text, language text,
			status text, category text, quality text, reason text, "updatedAt" bigint)
		ORDER BY r.account, r.name, r.language, r."updatedAt" DESC
		ON CONFLICT (account, name, language) DO UPDATE SET
			status = excluded.status,
			category = coalesce(excluded.category, t.category),
			quality = coalesce(excluded.quality, t.quality),
			reason = excluded.reason,
			updated_at = excluded.updated_at
		WHERE excluded.updated_at >= t.updated_at`;
	const reach = n.qualified('messaging_reach');
	const reachTotal = n.qualified('messaging_reach_total');
	/**
	 * Recipients reached after `since`: the rows the writers counted, less those that left the
	 * 24 hours and were not pruned yet (an index range of a few rows, not a scan of all).
	 */
	const reachCount = (since: string) => `((SELECT rows FROM ${reachTotal} WHERE id = 1)
		- (SELECT count(*) FROM ${reach} WHERE reached_at <= ${since}))`;
	const standing = n.qualified('account_standing');
	const subscriptions = n.qualified('webhook_subscriptions');
	const deliveries = n.qualified('webhook_deliveries');
	// A value older than the stored one is ignored (standing.ts: the newest counts).
	const upsertStanding = (
		param: string,
	) => `INSERT INTO ${standing} AS t (subject, name, value, at, source)
		SELECT r.subject, r.name, r.value, r.at, r.source
		FROM jsonb_to_recordset(${param}::jsonb) AS r(subject text, name text, value text, at bigint,
			source text)
		ORDER BY r.subject, r.name
		ON CONFLICT (subject, name) DO UPDATE SET
			value = excluded.value, at = excluded.at, source = excluded.source
		WHERE excluded.at >= t.at`;
	const templateJoin = (table: string, first: number) =>
		`${table} AS t JOIN unnest($${first}::text[], $${first + 1}::text[], $${first + 2}::text[])
			AS k(account, name, language)
			ON t.account = k.account AND t.name = k.name AND t.language = k.language`;
	return {
		version: `SELECT value FROM ${n.qualified('meta')} WHERE key = 'schema_version'`,
		// Everything the send rules need for a batch, as one row of JSON arrays.
		// $9: counted since (null: the reach is not read); $10 the user's limit; $11 how many of the
		// oldest reach times beyond those the count exceeds the lower limit by; $12 standing subjects.
		snapshot: `WITH n AS (
				SELECT ${reachCount('$9::bigint')} AS count WHERE $9::bigint IS NOT NULL
			), lim AS (
				SELECT CASE WHEN value ~ '^[0-9]+$' THEN value::bigint END AS stored FROM ${standing}
				WHERE subject = ${quoteLiteral(PORTFOLIO)} AND name = 'messaging_limit'
			)
			SELECT
			(SELECT count FROM n) AS reach_count,
			(SELECT coalesce(json_agg(json_build_array(r.contact_hash, r.reached_at)), '[]')
				FROM ${reach} AS r
				WHERE $9::bigint IS NOT NULL AND r.contact_hash = ANY ($3::text[])
					AND r.reached_at > $9::bigint) AS reached,
			(SELECT coalesce(json_agg(o.reached_at ORDER BY o.reached_at), '[]') FROM (
				SELECT reached_at FROM ${reach}
				WHERE $9::bigint IS NOT NULL AND reached_at > $9::bigint
				ORDER BY reached_at
				LIMIT (SELECT least(n.count, CASE WHEN least((SELECT stored FROM lim), $10::bigint) IS NULL
					THEN $11::bigint
					ELSE greatest(0, n.count - least((SELECT stored FROM lim), $10::bigint) + $11::bigint) END)
					FROM n)
			) AS o) AS reach_oldest,
			(SELECT coalesce(json_agg(s ORDER BY s.subject, s.name), '[]') FROM ${standing} AS s
				WHERE s.subject = ANY ($12::text[])
					OR ($13::boolean AND s.subject = (SELECT 'display:' || d.value FROM ${standing} AS d
						WHERE d.subject = $2 AND d.name = 'display_phone_number'))) AS standing,
			(SELECT coalesce(json_agg(c ORDER BY c.contact, c.purpose), '[]')
				FROM ${consent} AS c WHERE c.contact = ANY ($1::text[])) AS consents,
			(SELECT coalesce(json_agg(w), '[]')
				FROM ${windows} AS w WHERE w.sender = $2 AND w.contact = ANY ($1::text[])) AS windows,
			(SELECT coalesce(json_agg(s.contact_hash), '[]')
				FROM ${suppression} AS s WHERE s.contact_hash = ANY ($3::text[])) AS suppressed,
			(SELECT coalesce(json_agg(json_build_array(m.contact, m.created_at) ORDER BY m.contact, m.created_at), '[]')
				FROM ${sent} AS m
				WHERE m.contact = ANY ($1::text[]) AND m.category = 'marketing'
					AND m.created_at >= $4 AND m.state <> 'failed') AS marketing,
			(SELECT coalesce(json_agg(json_build_array(m.contact, m.created_at) ORDER BY m.contact, m.created_at), '[]')
				FROM ${sent} AS m
				WHERE m.contact = ANY ($1::text[]) AND m.category = 'service'
					AND starts_with(m.kind, ${quoteLiteral(OPT_OUT_CONFIRMATION_KIND_PREFIX)})
					AND m.state <> 'failed') AS confirmations,
			(SELECT coalesce(json_agg(s), '[]')
				FROM ${sent} AS s WHERE s.idempotency_key = ANY ($5::text[])) AS sends,
			(SELECT coalesce(json_agg(t ORDER BY t.account, t.name, t.language), '[]')
				FROM ${templateJoin(templates, 6)}) AS templates`,
		consents: `SELECT * FROM ${consent} WHERE contact = ANY ($1::text[]) ORDER BY contact, purpose`,
		histories: `SELECT * FROM ${events} WHERE contact = ANY ($1::text[])
			ORDER BY contact, coalesce(effective_at, at), id`,
		listFirst: `SELECT * FROM ${consent} ORDER BY contact, purpose LIMIT $1`,
		listAfter: `SELECT * FROM ${consent} WHERE (contact, purpose) > ($1, $2)
			ORDER BY contact, purpose LIMIT $3`,
		countContacts: `SELECT count(*) AS n FROM (SELECT DISTINCT contact FROM ${consent}) AS c`,
		// Advisory locks of the contacts in one global order (sorted keys), so batches never deadlock.
		lockContacts: `SELECT count(pg_advisory_xact_lock(k)) AS locked FROM (
				SELECT DISTINCT hashtextextended($1 || c, 0) AS k FROM unnest($2::text[]) AS c ORDER BY 1
			) AS keys`,
		// Under the contacts' locks: what the consent rule and erasure need, in one statement.
		contactState: `SELECT
			(SELECT coalesce(json_agg(c), '[]') FROM ${consent} AS c
				WHERE c.contact = ANY ($1::text[])) AS consents,
			(SELECT coalesce(json_agg(s.contact_hash), '[]') FROM ${suppression} AS s
				WHERE s.contact_hash = ANY ($2::text[])) AS suppressed,
			(SELECT coalesce(json_agg(e.event_key), '[]') FROM ${events} AS e
				WHERE e.event_key = ANY ($3::text[])) AS known`,
		recordSeen: `INSERT INTO ${seen} (key, seen_at)
			SELECT k, $2 FROM unnest($1::text[]) AS k ORDER BY k
			ON CONFLICT (key) DO NOTHING
			RETURNING key`,
		// Aggregated per (sender, contact) so one statement touches each row once.
		touchWindows: `INSERT INTO ${windows} AS w (sender, contact, last_inbound_at, referral_at)
			SELECT r.sender, r.contact, max(r.at), max(r.at) FILTER (WHERE coalesce(r.referral, false))
			FROM jsonb_to_recordset($1::jsonb) AS r(sender text, contact text, at bigint, referral boolean)
			GROUP BY r.sender, r.contact
			ORDER BY r.sender, r.contact
			ON CONFLICT (sender, contact) DO UPDATE SET
				closed_at = CASE WHEN excluded.last_inbound_at > w.closed_at THEN NULL ELSE w.closed_at END,
				last_inbound_at = greatest(w.last_inbound_at, excluded.last_inbound_at),
				referral_at = greatest(w.referral_at, excluded.referral_at)`,
		closeWindows: `UPDATE ${windows} AS w SET closed_at = greatest(w.closed_at, c.at)
			FROM (
				SELECT r.sender, r.contact, max(r.at) AS at
				FROM jsonb_to_recordset($1::jsonb) AS r(sender text, contact text, at bigint)
				GROUP BY r.sender, r.contact
			) AS c
			WHERE w.sender = c.sender AND w.contact = c.contact AND w.last_inbound_at <= c.at`,
		freeEntryPoints: `UPDATE ${windows} AS w SET fep_started_at = s.at
			FROM (
				SELECT r.sender, r.contact, min(r.at) AS at
				FROM jsonb_to_recordset($1::jsonb) AS r(sender text, contact text, at bigint)
				GROUP BY r.sender, r.contact
			) AS s
			WHERE w.sender = s.sender AND w.contact = s.contact
				AND (w.fep_started_at IS NULL
					OR (w.referral_at > w.fep_started_at AND s.at >= w.referral_at))`,
		// Consent events and records as policy/consentChange.ts decided them, costs, templates and send failures:
		// one statement; returns the consent events stored.
		writeEffects: `WITH stored AS (
				INSERT INTO ${events} AS t (contact, purpose, action, at, source, wording, evidence, reason,
					recorded_by, event_key, recorded_at, status_after, applied, effective_at)
				SELECT r.contact, r.purpose, r.action, r.at, r.source, r.wording, r.evidence, r.reason,
					r."recordedBy", r."eventKey", $6, r."statusAfter", r.applied, r."effectiveAt"
				FROM jsonb_to_recordset($1::jsonb) AS r(n integer, contact text, purpose text, action text,
					at bigint, source text, wording text, evidence jsonb, reason text, "recordedBy" text,
					"eventKey" text, "statusAfter" text, applied boolean, "effectiveAt" bigint)
				ORDER BY r.n
				ON CONFLICT (event_key) WHERE event_key IS NOT NULL DO NOTHING
				RETURNING t.*
			), records AS (
				INSERT INTO ${consent} AS c (contact, purpose, status, changed_at, source, wording,
					opted_in_at, confirmed_at, opted_out_at)
				SELECT r.contact, r.purpose, r.status, r."changedAt", r.source, r.wording, r."optedInAt",
					r."confirmedAt", r."optedOutAt"
				FROM jsonb_to_recordset($2::jsonb) AS r(contact text, purpose text, status text,
					"changedAt" bigint, source text, wording text, "optedInAt" bigint, "confirmedAt" bigint,
					"optedOutAt" bigint)
				ORDER BY r.contact, r.purpose
				ON CONFLICT (contact, purpose) DO UPDATE SET
					status = excluded.status, changed_at = excluded.changed_at, source = excluded.source,
					wording = excluded.wording, opted_in_at = excluded.opted_in_at,
					confirmed_at = excluded.confirmed_at, opted_out_at = excluded.opted_out_at
			), ledger AS (
				INSERT INTO ${costs} (wamid, category, sender, contact, pricing_type, billable, at,
					estimated_price, currency, market)
				SELECT r.wamid, r.category, r.sender, r.contact, r."pricingType", r.billable, r.at,
					r."estimatedPrice", r.currency, r.market
				FROM jsonb_to_recordset($3::jsonb) AS r(wamid text, category text, sender text,
					contact text, "pricingType" text, billable boolean, at bigint,
					"estimatedPrice" double precision, currency text, market text)
				ORDER BY r.wamid, r.contact, r.category
				ON CONFLICT (wamid, contact, category) DO NOTHING
			), standing AS (
				${upsertStanding('$8')}
			), states AS (
				${upsertTemplates('$4')}
			), failures AS (
				UPDATE ${sent} AS s SET state = 'failed', error_code = coalesce(f."errorCode", s.error_code),
					wamid = coalesce(s.wamid, f.wamid)
				FROM (
					SELECT DISTINCT ON (r.wamid) r.wamid, r."callbackId", r."errorCode"
					FROM jsonb_to_recordset($5::jsonb) AS r(wamid text, "callbackId" text,
						"errorCode" integer, at bigint)
					ORDER BY r.wamid, r.at DESC
				) AS f
				WHERE s.wamid = f.wamid OR (s.callback_id = f."callbackId" AND s.state <> 'failed')
			), confirmations AS (
				UPDATE ${sent} AS s SET state = 'accepted', wamid = c.wamid,
					sent_at = coalesce(s.sent_at, c.at)
				FROM (
					SELECT DISTINCT ON (r."callbackId") r."callbackId", r.wamid, r.at
					FROM jsonb_to_recordset($7::jsonb) AS r("callbackId" text, wamid text, at bigint)
					ORDER BY r."callbackId", r.at
				) AS c
				WHERE s.callback_id = c."callbackId" AND s.state = 'pending'
			)
			SELECT * FROM stored ORDER BY id`,
		upsertTemplates: upsertTemplates('$1'),
		// Erasure of the given contacts (locked by the caller): one row of counts per contact.
		erase: `WITH input AS (
				SELECT * FROM unnest($1::text[], $2::text[]) AS i(contact, hash)
			), c AS (
				DELETE FROM ${consent} AS t USING input AS i WHERE t.contact = i.contact RETURNING t.contact
			), e AS (
				DELETE FROM ${events} AS t USING input AS i WHERE t.contact = i.contact RETURNING t.contact
			), w AS (
				DELETE FROM ${windows} AS t USING input AS i WHERE t.contact = i.contact RETURNING t.contact
			), k AS (
				DELETE FROM ${costs} AS t USING input AS i WHERE t.contact = i.contact RETURNING t.contact
			), m AS (
				-- A key built from the number keeps it no more (see the SQLite store's erase).
				UPDATE ${sent} AS t SET contact = i.hash,
					idempotency_key = replace(t.idempotency_key, i.contact, i.hash)
				FROM input AS i WHERE t.contact = i.contact
				RETURNING i.contact
			), r AS (
				UPDATE ${reach} AS t SET reserved_by = replace(t.reserved_by, i.contact, i.hash)
				FROM input AS i WHERE t.contact_hash = i.hash AND t.reserved_by IS NOT NULL
			), d AS (
				-- Events about the contact still waiting for another workflow of the app.
				DELETE FROM ${deliveries} AS t USING input AS i WHERE t.contact = i.contact
			), p AS (
				INSERT INTO ${suppression} (contact_hash, suppressed_at)
				SELECT hash, $3 FROM input ORDER BY hash
				ON CONFLICT (contact_hash) DO NOTHING
				RETURNING contact_hash
			)
			SELECT i.contact,
				coalesce(c.n, 0) AS consent_records,
				coalesce(e.n, 0) AS consent_events,
				coalesce(w.n, 0) AS windows,
				coalesce(k.n, 0) AS cost_entries,
				coalesce(m.n, 0) AS sent_messages,
				p.contact_hash IS NULL AS already_suppressed
			FROM input AS i
			LEFT JOIN (SELECT contact, count(*) AS n FROM c GROUP BY contact) AS c USING (contact)
			LEFT JOIN (SELECT contact, count(*) AS n FROM e GROUP BY contact) AS e USING (contact)
			LEFT JOIN (SELECT contact, count(*) AS n FROM w GROUP BY contact) AS w USING (contact)
			LEFT JOIN (SELECT contact, count(*) AS n FROM k GROUP BY contact) AS k USING (contact)
			LEFT JOIN (SELECT contact, count(*) AS n FROM m GROUP BY contact) AS m USING (contact)
			LEFT JOIN p ON p.contact_hash = i.hash`,
		claim: `INSERT INTO ${sent} AS s (idempotency_key, sender, contact, kind, category, state,
				created_at, callback_id)
			SELECT r."idempotencyKey", r.sender, r.contact, r.kind, r.category, 'pending', r.at,
				r."callbackId"
			FROM jsonb_to_recordset($1::jsonb) AS r("idempotencyKey" text, sender text, contact text,
				kind text, category text, at bigint, "callbackId" text)
			ORDER BY r."idempotencyKey"
			ON CONFLICT (idempotency_key) DO UPDATE SET ${RECLAIM_FAILED_SEND}
			WHERE ${RECLAIMABLE_SEND('s')}
			RETURNING s.idempotency_key`,
		sendsByKey: `SELECT * FROM ${sent} WHERE idempotency_key = ANY ($1::text[])`,
		unconfirmed: `SELECT * FROM ${sent}
			WHERE state = 'pending' AND left_at IS NOT NULL AND created_at <= $1
				AND (created_at, idempotency_key) > ($2, $3)
			ORDER BY created_at, idempotency_key LIMIT $4`,
		markLeft: `UPDATE ${sent} AS s SET left_at = m.at
			FROM (
				SELECT * FROM jsonb_to_recordset($1::jsonb) AS r("idempotencyKey" text, "callbackId" text,
					at bigint)
				ORDER BY r."idempotencyKey"
			) AS m
			WHERE s.idempotency_key = m."idempotencyKey" AND s.callback_id = m."callbackId"
				AND s.state = 'pending'`,
		budgetLock: `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
		senderBudget: `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now,
				(SELECT tat FROM ${n.qualified('send_budget')} WHERE sender = $1) AS tat,
				(SELECT coalesce(json_agg(json_build_array(p.contact_hash, p.tat, p.strikes, p.strike_at)), '[]')
					FROM ${n.qualified('pair_budget')} AS p
					WHERE p.sender = $1 AND p.contact_hash = ANY ($2::text[])) AS pairs`,
		writeBudget: `WITH s AS (
				INSERT INTO ${n.qualified('send_budget')} (sender, tat) SELECT $1, $2::float8 WHERE $2 IS NOT NULL
				ON CONFLICT (sender) DO UPDATE SET tat = excluded.tat
			)
			INSERT INTO ${n.qualified('pair_budget')} AS p (sender, contact_hash, tat, strikes, strike_at)
			SELECT $1, r.hash, r.tat, coalesce(r.strikes, 0), r.strike_at
			FROM unnest($3::text[], $4::float8[], $5::int[], $6::bigint[]) AS r(hash, tat, strikes, strike_at)
			ORDER BY r.hash
			ON CONFLICT (sender, contact_hash) DO UPDATE SET tat = excluded.tat,
				strikes = CASE WHEN $7 THEN excluded.strikes ELSE p.strikes END,
				strike_at = CASE WHEN $7 THEN excluded.strike_at ELSE p.strike_at END`,
		prunePairs: `DELETE FROM ${n.qualified('pair_budget')}
			WHERE tat < $1 AND (strike_at IS NULL OR strike_at < $2)`,
		complete: `UPDATE ${sent} AS s SET
				state = c.state,
				wamid = CASE WHEN c.state = 'accepted' THEN c.wamid ELSE s.wamid END,
				sent_at = CASE WHEN c.state = 'accepted' THEN c.at ELSE s.sent_at END,
				estimated_price = CASE WHEN c.state = 'accepted' THEN c."estimatedPrice" ELSE s.estimated_price END,
				currency = CASE WHEN c.state = 'accepted' THEN c.currency ELSE s.currency END,
				error_code = CASE WHEN c.state = 'accepted' THEN NULL ELSE c."errorCode" END
			FROM (
				SELECT * FROM jsonb_to_recordset($1::jsonb) AS r("idempotencyKey" text, state text,
					wamid text, at bigint, "estimatedPrice" double precision, currency text, "errorCode" integer)
				ORDER BY r."idempotencyKey"
			) AS c
			-- A failed status that came before our own record of Meta's answer wins.
			WHERE s.idempotency_key = c."idempotencyKey" AND (c.state <> 'accepted' OR s.state <> 'failed')`,
		release: `DELETE FROM ${sent} AS s
			USING jsonb_to_recordset($1::jsonb) AS r("idempotencyKey" text, "callbackId" text)
			WHERE s.state = 'pending' AND s.idempotency_key = r."idempotencyKey"
				AND (r."callbackId" IS NULL OR s.callback_id = r."callbackId")`,
		prune: `DELETE FROM ${seen} WHERE seen_at < $1`,
		addDeliveries: `INSERT INTO ${deliveries} (subscription, event_key, contact, event, created_at)
			SELECT d.subscription, d."eventKey", d.contact, d.event, $2
			FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(value, i),
				jsonb_to_record(x.value) AS d(subscription text, "eventKey" text, contact text, event text)
			ORDER BY x.i`,
		registerSubscription: `INSERT INTO ${subscriptions} (${SUBSCRIPTION_COLUMNS}, removed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL)
			ON CONFLICT (id) DO UPDATE SET app = excluded.app, instance = excluded.instance,
				mode = excluded.mode, path = excluded.path, workflow_id = excluded.workflow_id,
				node = excluded.node, filter = excluded.filter, effects = excluded.effects,
				registered_at = excluded.registered_at, expires_at = excluded.expires_at,
				removed_at = NULL`,
		// A test listener is gone for good, with what waits for it; a published trigger is kept
		// for the grace period (a re-publish removes and adds it again).
		removeSubscription: `WITH test AS (
				DELETE FROM ${subscriptions} WHERE id = $1 AND mode = 'test' RETURNING id
			), dropped AS (
				DELETE FROM ${deliveries} WHERE subscription IN (SELECT id FROM test)
			)
			UPDATE ${subscriptions} SET removed_at = $2
			WHERE id = $1 AND mode = 'production' AND removed_at IS NULL`,
		subscriptions: `SELECT * FROM ${subscriptions} WHERE app = $1 AND removed_at IS NULL
			AND (expires_at IS NULL OR expires_at > $2) ORDER BY id`,
		claimDeliveries: `DELETE FROM ${deliveries} WHERE seq IN (
				SELECT seq FROM ${deliveries} WHERE subscription = $1 ORDER BY seq LIMIT $2
			) RETURNING *`,
		waitingDeliveries: `SELECT s.*, w.n, w.oldest FROM (
				SELECT subscription, count(*) AS n, min(created_at) AS oldest FROM ${deliveries}
				WHERE created_at < $1 GROUP BY subscription
			) AS w
			JOIN ${subscriptions} AS s ON s.id = w.subscription
			WHERE s.removed_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > $2)
			ORDER BY w.oldest`,
		pruneDeliveries: `WITH gone AS (
				DELETE FROM ${subscriptions} WHERE removed_at < $2 OR expires_at <= $3 RETURNING id
			), dropped AS (
				DELETE FROM ${deliveries} WHERE created_at < $1 OR subscription IN (SELECT id FROM gone)
				RETURNING 1
			)
			SELECT count(*) AS n FROM dropped`,
		templates: `SELECT t.* FROM ${templateJoin(templates, 1)} ORDER BY t.account, t.name, t.language`,
		upsertStanding: upsertStanding('$1'),
		// Pruned in the same statement: the count reads the state before it, filtered the same way.
		reachState: `WITH pruned AS (
				DELETE FROM ${reach} WHERE reached_at <= $1 RETURNING 1
			), total AS (
				UPDATE ${reachTotal} SET rows = rows - (SELECT count(*) FROM pruned) WHERE id = 1
				RETURNING rows
			)
			SELECT (SELECT rows FROM total) AS count,
				(SELECT coalesce(json_agg(contact_hash), '[]') FROM ${reach}
					WHERE contact_hash = ANY ($2::text[]) AND reached_at > $1) AS counted`,
		// Under the reach lock, after the prune: every added recipient is a new row.
		reachWrite: `WITH refreshed AS (
				UPDATE ${reach} AS t SET previous_at = t.reached_at,
					reached_at = greatest(t.reached_at, $1), reserved_by = r.key
				FROM unnest($2::text[], $3::text[]) AS r(hash, key)
				WHERE t.contact_hash = r.hash
			), added AS (
				INSERT INTO ${reach} (contact_hash, reached_at, previous_at, reserved_by)
				SELECT a.hash, $1, NULL, a.key FROM unnest($4::text[], $5::text[]) AS a(hash, key)
				ORDER BY a.hash
				RETURNING 1
			)
			UPDATE ${reachTotal} SET rows = rows + (SELECT count(*) FROM added) WHERE id = 1`,
		reachOldest: `SELECT reached_at FROM ${reach} WHERE reached_at > $1 ORDER BY reached_at LIMIT $2`,
		reachRelease: `WITH gone AS (
				DELETE FROM ${reach} WHERE reserved_by = ANY ($1::text[]) AND previous_at IS NULL
				RETURNING 1
			), total AS (
				UPDATE ${reachTotal} SET rows = rows - (SELECT count(*) FROM gone) WHERE id = 1
			)
			UPDATE ${reach} SET reached_at = previous_at, previous_at = NULL, reserved_by = NULL
			WHERE reserved_by = ANY ($1::text[]) AND previous_at IS NOT NULL`,
		accountStanding: `SELECT
			(SELECT coalesce(json_agg(s ORDER BY s.subject, s.name), '[]') FROM ${standing} AS s) AS entries,
			(SELECT coalesce(json_agg(t ORDER BY t.account, t.name, t.language), '[]')
				FROM ${templates} AS t) AS templates,
			${reachCount('$1')} AS reached`,
		// Per day (the boundaries of the reader's days), template (from the send record), pricing
		// category and type, market and currency.
		costReport: `SELECT d.n - 1 AS day,
				(CASE WHEN starts_with(k.kind, 'template:') THEN substr(k.kind, 10) END) COLLATE "C" AS template,
				c.category, c.pricing_type, c.market, c.currency, count(*) AS messages,
				count(*) FILTER (WHERE c.billable) AS billable, coalesce(sum(c.estimated_price), 0) AS total
			FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS d(start, stop, n)
			JOIN ${costs} AS c ON c.at >= d.start AND c.at < d.stop
			LEFT JOIN LATERAL (
				SELECT s.kind FROM ${sent} AS s WHERE s.wamid = c.wamid ORDER BY s.kind LIMIT 1
			) AS k ON true
			GROUP BY 1, 2, 3, 4, 5, 6
			ORDER BY 1, 2 NULLS FIRST, 3, 4, 5 NULLS FIRST, 6 NULLS FIRST`,
		costSummary: `SELECT category, pricing_type, currency, count(*) AS messages,
				count(*) FILTER (WHERE billable) AS billable, coalesce(sum(estimated_price), 0) AS total
			FROM ${costs} WHERE at >= $1 AND at < $2
			GROUP BY category, pricing_type, currency
			ORDER BY category, pricing_type, currency NULLS FIRST`,
	};
}
