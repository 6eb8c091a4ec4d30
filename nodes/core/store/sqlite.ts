/**
 * The embedded compliance store: one SQLite file through node:sqlite (built into Node 22 and 24,
 * nothing to compile; loaded on first use by ./nodeSqlite). Every node and workflow of one n8n instance shares the file; WAL mode lets readers
 * run while one connection writes, and every read-modify-write is a BEGIN IMMEDIATE transaction, so
 * several processes or threads on one file serialise their writes instead of losing them.
 */
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';

import { systemClock, type Clock } from '../clock';
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
	lowerMessagingLimit,
	messagingLimitFromMeta,
	MESSAGING_LIMIT_PERIOD_MS,
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
	toConsentEvent,
	toConsentRecord,
	toCostLedgerGroup,
	toSentMessage,
	toStandingEntry,
	toTemplateState,
	toWindow,
	unique,
	uniqueTemplateKeys,
	withTemplateQuality,
} from './common';
import type { SlotLease } from '../graph/budget';
import {
	holdPair,
	holdSender,
	scheduleSends,
	type Pace,
	type ScheduleRequest,
	type ScheduleState,
} from '../graph/schedule';
import { decideConsentBatch } from './consent';
import { nodeSqlite } from './nodeSqlite';
import { contactsOfEffects, withoutErasedContacts } from './erasure';
import {
	CURRENT_SCHEMA_VERSION,
	RECLAIM_FAILED_SEND,
	RECLAIMABLE_SEND,
	SQLITE_META_TABLE,
	quoteLiteral,
	sqliteMigrations,
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
	WebhookEventEffects,
	WindowClose,
} from './types';

export const SQLITE_FILE_NAME = 'whatsapp-compliance.sqlite';

/**
 * Where the embedded store lives when nothing else is configured: beside n8n's own database, in
 * n8n's user folder (the same rule as n8n: N8N_USER_FOLDER, else the home directory, then `.n8n`).
 */
export function defaultSqlitePath(env: NodeJS.ProcessEnv = process.env): string {
	const homeVar = process.platform === 'win32' ? 'USERPROFILE' : 'HOME';
	const userHome = env.N8N_USER_FOLDER ?? env[homeVar] ?? process.cwd();
	return join(userHome, '.n8n', SQLITE_FILE_NAME);
}

/** What inspectSqliteFile found. */
export interface SqliteFileState {
	/** Whether the file exists; when not, whether the store could create it there. */
	exists: boolean;
	creatable?: boolean;
	/** The stored schema version; 0 when the store's tables are not there (yet). */
	version: number;
}

/**
 * Looks at a store file without writing anything (no file, folder, journal or schema is created,
 * nothing is migrated): for the store credential's test.
 */
export function inspectSqliteFile(path: string): SqliteFileState {
	if (!existsSync(path)) {
		let folder = dirname(path);
		while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
		let creatable = true;
		try {
			accessSync(folder, constants.W_OK);
		} catch {
			creatable = false;
		}
		return { exists: false, creatable, version: 0 };
	}
	// Without a WAL (no writer has the file open) a WAL-mode reader would create one and the
	// shared-memory file: read the file as immutable instead. With one, read through it.
	const source = existsSync(`${path}-wal`) ? path : immutable(path);
	let db: DatabaseSync;
	try {
		db = new (nodeSqlite().DatabaseSync)(source, { readOnly: true });
	} catch (error) {
		throw new Error(`SQLite store ${path} cannot be opened: ${(error as Error).message}`);
	}
	try {
		const meta = db
			.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
			.get();
		if (!meta) return { exists: true, version: 0 };
		const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get();
		return { exists: true, version: row ? Number(row.value) : 0 };
	} catch (error) {
		throw new Error(`SQLite store ${path} cannot be read: ${(error as Error).message}`);
	} finally {
		db.close();
	}
}

function immutable(path: string): URL {
	const url = pathToFileURL(resolve(path));
	url.searchParams.set('immutable', '1');
	return url;
}

export interface SqliteStoreOptions {
	/**
	 * The database file; its folder is created if missing. ':memory:' gives a private in-memory
	 * store (tests).
	 * @default defaultSqlitePath()
	 */
	readonly path?: string;
	/**
	 * How long a write waits for another connection's write to finish, in milliseconds, before it
	 * fails with "database is locked".
	 * @default 5000
	 */
	readonly busyTimeoutMs?: number;
	/**
	 * Where `recordedAt` of consent events comes from.
	 * @default systemClock
	 */
	readonly clock?: Clock;
}

type Row = Record<string, SQLInputValue>;

/**
 * `column IN (the list)`: a JSON array parameter read by json_each, one statement for any batch
 * size; a single value compares directly, which skips json_each's cost on one-contact lookups.
 */
function inList(column: string, values: readonly string[]): string {
	return values.length === 1 ? `${column} = ?` : `${column} IN (SELECT value FROM json_each(?))`;
}

function listParameter(values: readonly string[]): string {
	return values.length === 1 ? values[0] : JSON.stringify(values);
}

/** Sends whose kind marks them as opt-out confirmations (LIKE would read "_" as a wildcard). */
const OPT_OUT_CONFIRMATION_SENDS = `substr(kind, 1, ${OPT_OUT_CONFIRMATION_KIND_PREFIX.length}) = ${quoteLiteral(OPT_OUT_CONFIRMATION_KIND_PREFIX)}`;

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;

export class SqliteComplianceStore implements ComplianceStore {
	readonly backend = 'sqlite' as const;
	readonly path: string;
	private readonly busyTimeoutMs: number;
	private readonly clock: Clock;
	private readonly db: DatabaseSync;
	private readonly statements = new Map<string, StatementSync>();
	private hasher: ((contact: string) => string) | undefined;
	/** Leases made, to prune the pair budget every PAIR_PRUNE_EVERY of them. */
	private leases = 0;

	constructor(options: SqliteStoreOptions = {}) {
		const path = options.path ?? defaultSqlitePath();
		if (typeof path !== 'string' || path.length === 0) {
			throw new Error(
				`SQLite store: path must be a file path or ':memory:', got ${JSON.stringify(path)}`,
			);
		}
		const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
		if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
			throw new Error(
				`SQLite store: busyTimeoutMs must be a whole number of milliseconds >= 0, got ${busyTimeoutMs}`,
			);
		}
		this.path = path;
		this.busyTimeoutMs = busyTimeoutMs;
		this.clock = options.clock ?? systemClock;
		if (path !== ':memory:' && !path.startsWith('file:')) {
			mkdirSync(dirname(path), { recursive: true });
		}
		this.db = new (nodeSqlite().DatabaseSync)(path, {
			timeout: busyTimeoutMs,
			enableForeignKeyConstraints: true,
		});
		try {
			this.db.exec('PRAGMA journal_mode = WAL');
			// NORMAL in WAL mode: a power cut may lose the last commits, never corrupt the file.
			this.db.exec('PRAGMA synchronous = NORMAL');
			this.db.exec('PRAGMA foreign_keys = ON');
		} catch (error) {
			this.db.close();
			throw this.wrap(error);
		}
	}

	async migrate(): Promise<void> {
		this.migrateNow();
	}

	async schemaVersion(): Promise<number> {
		this.ready();
		return this.readVersion();
	}

	async close(): Promise<void> {
		if (this.db.isOpen) this.db.close();
		this.statements.clear();
	}

	async getSnapshot(request: SnapshotRequest): Promise<Snapshot> {
		const hash = this.ready();
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
		const snapshot: Snapshot = { contacts: byContact, sends: new Map(), templates: [] };

		this.read(() => {
			if (contacts.length > 0) {
				const list = listParameter(contacts);
				for (const row of this.all(
					`SELECT * FROM consent WHERE ${inList('contact', contacts)} ORDER BY contact, purpose`,
					list,
				)) {
					byContact.get(String(row.contact))!.consents.push(toConsentRecord(row));
				}
				for (const row of this.all(
					`SELECT * FROM windows WHERE sender = ? AND ${inList('contact', contacts)}`,
					request.sender,
					list,
				)) {
					byContact.get(String(row.contact))!.window = toWindow(row);
				}
				const hashes = [...byHash.keys()];
				for (const row of this.all(
					`SELECT contact_hash FROM suppression WHERE ${inList('contact_hash', hashes)}`,
					listParameter(hashes),
				)) {
					byHash.get(String(row.contact_hash))!.suppressed = true;
				}
				for (const row of this.all(
					`SELECT contact, created_at FROM sent_messages
					WHERE ${inList('contact', contacts)} AND category = 'marketing'
						AND created_at >= ? AND state <> 'failed'
					ORDER BY contact, created_at`,
					list,
					request.marketingSince,
				)) {
					byContact.get(String(row.contact))!.marketingSentAt.push(Number(row.created_at));
				}
				for (const row of this.all(
					`SELECT contact, created_at FROM sent_messages
					WHERE ${inList('contact', contacts)} AND category = 'service'
						AND ${OPT_OUT_CONFIRMATION_SENDS} AND state <> 'failed'
					ORDER BY contact, created_at`,
					list,
				)) {
					byContact
						.get(String(row.contact))!
						.optOutConfirmationsSentAt.push(Number(row.created_at));
				}
			}
			if (keys.length > 0) snapshot.sends = this.sendsByKey(keys);
			const subjects = templates.map(templateSubject);
			if (request.standing) subjects.push(PORTFOLIO, request.sender);
			const standing = subjects.length > 0 ? this.standingOf(subjects, request.sender) : [];
			if (templates.length > 0) {
				snapshot.templates = withTemplateQuality(this.templateStates(templates), standing);
			}
			if (request.standing) {
				snapshot.standing = standing.filter((e) => !e.subject.startsWith('template:'));
			}
			if (request.reach) {
				const { now, oldest, limit } = request.reach;
				const since = now - MESSAGING_LIMIT_PERIOD_MS;
				const hashes = [...byHash.keys()];
				if (hashes.length > 0) {
					for (const row of this.all(
						`SELECT contact_hash, reached_at FROM messaging_reach
						WHERE ${inList('contact_hash', hashes)} AND reached_at > ?`,
						listParameter(hashes),
						since,
					)) {
						byHash.get(String(row.contact_hash))!.reachedAt = Number(row.reached_at);
					}
				}
				const stored = messagingLimitFromMeta(
					this.get(
						"SELECT value FROM account_standing WHERE subject = ? AND name = 'messaging_limit'",
						PORTFOLIO,
					)?.value,
				);
				const count = this.reachCount(since);
				snapshot.reach = {
					count,
					oldestReachedAt: this.oldestReach(
						since,
						reachListLength(count, lowerMessagingLimit(stored, limit), oldest),
					),
				};
			}
		});
		return snapshot;
	}

	/**
	 * Events of an erased contact (its hash is on the suppression list) are dropped: not applied,
	 * not stored, not returned. Storing them would put the personal data erasure removed back,
	 * and the suppression already blocks every send; an erased contact cannot opt in again here.
	 */
	async recordConsent(events: ConsentEventInput[]): Promise<ConsentEvent[]> {
		this.ready();
		checkConsentEvents('recordConsent', events);
		const recordedAt = this.clock.now();
		return this.write(() => this.applyEffects({ consent: events }, recordedAt));
	}

	async getConsents(contacts: string[]): Promise<Map<string, ConsentRecord[]>> {
		this.ready();
		const list = unique(contacts);
		const result = new Map<string, ConsentRecord[]>(list.map((c) => [c, []]));
		if (list.length === 0) return result;
		for (const row of this.all(
			`SELECT * FROM consent WHERE ${inList('contact', list)} ORDER BY contact, purpose`,
			listParameter(list),
		)) {
			result.get(String(row.contact))!.push(toConsentRecord(row));
		}
		return result;
	}

	async getConsentHistory(contact: string): Promise<ConsentEvent[]> {
		checkText('getConsentHistory: contact', contact);
		return (await this.getConsentHistories([contact])).get(contact)!;
	}

	async getConsentHistories(contacts: string[]): Promise<Map<string, ConsentEvent[]>> {
		this.ready();
		const list = unique(contacts);
		list.forEach((c, i) => checkText(`getConsentHistories: contacts[${i}]`, c));
		const result = new Map<string, ConsentEvent[]>(list.map((c) => [c, []]));
		if (list.length === 0) return result;
		for (const row of this.all(
			`SELECT * FROM consent_events WHERE ${inList('contact', list)}
			ORDER BY contact, coalesce(effective_at, at), id`,
			listParameter(list),
		)) {
			result.get(String(row.contact))!.push(toConsentEvent(row));
		}
		return result;
	}

	async listConsents(page: ListConsentsPage): Promise<ConsentRecord[]> {
		this.ready();
		const limit = checkListLimit(page.limit);
		const rows = page.after
			? this.all(
					`SELECT * FROM consent WHERE (contact, purpose) > (?, ?) ORDER BY contact, purpose LIMIT ?`,
					page.after.contact,
					page.after.purpose,
					limit,
				)
			: this.all('SELECT * FROM consent ORDER BY contact, purpose LIMIT ?', limit);
		return rows.map(toConsentRecord);
	}

	/** Contacts with at least one consent record. */
	async countContacts(): Promise<number> {
		this.ready();
		return Number(this.get('SELECT count(*) AS n FROM (SELECT DISTINCT contact FROM consent)')!.n);
	}

	async touchWindows(touches: InboundTouch[]): Promise<void> {
		this.ready();
		checkWindows('touchWindows', touches);
		this.write(() => this.applyEffects({ windows: touches }, 0));
	}

	async closeWindows(closes: WindowClose[]): Promise<void> {
		this.ready();
		checkWindows('closeWindows', closes);
		this.write(() => this.applyEffects({ closeWindows: closes }, 0));
	}

	/**
	 * Sets fepStartedAt on existing windows. One already set is kept, unless the contact came
	 * through a newer referral since: that is a new entry point, whose first reply starts anew.
	 */
	async startFreeEntryPoints(starts: WindowClose[]): Promise<void> {
		this.ready();
		checkWindows('startFreeEntryPoints', starts);
		this.write(() => {
			for (const s of starts) {
				this.run(
					`UPDATE windows SET fep_started_at = ?
					WHERE sender = ? AND contact = ?
						AND (fep_started_at IS NULL OR (referral_at > fep_started_at AND ? >= referral_at))`,
					s.at,
					s.sender,
					s.contact,
					s.at,
				);
			}
		});
	}

	async reserveSends(reservations: SendReservation[]): Promise<ReserveResult> {
		this.ready();
		checkReservations(reservations);
		const items = firstByKey(reservations, (r) => r.idempotencyKey);
		return this.write(() => {
			const reserved: string[] = [];
			const taken: string[] = [];
			for (const r of items) {
				const row = this.get(
					`INSERT INTO sent_messages (idempotency_key, sender, contact, kind, category, state,
						created_at, callback_id)
					VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)
					ON CONFLICT (idempotency_key) DO UPDATE SET ${RECLAIM_FAILED_SEND}
					WHERE ${RECLAIMABLE_SEND('sent_messages')}
					RETURNING idempotency_key`,
					r.idempotencyKey,
					r.sender,
					r.contact,
					r.kind,
					r.category,
					r.at,
					r.callbackId ?? null,
				);
				(row ? reserved : taken).push(r.idempotencyKey);
			}
			return { reserved, existing: taken.length > 0 ? this.sendsByKey(taken) : new Map() };
		});
	}

	async completeSends(completions: SendCompletion[]): Promise<void> {
		this.ready();
		checkCompletions(completions);
		const items = lastByKey(completions, (c) => c.idempotencyKey);
		this.write(() => {
			for (const c of items) {
				if (c.state === 'accepted') {
					this.run(
						`UPDATE sent_messages SET state = 'accepted', wamid = ?, sent_at = ?, estimated_price = ?,
							currency = ?, error_code = NULL
						WHERE idempotency_key = ? AND state <> 'failed'`,
						c.wamid,
						c.at,
						c.estimatedPrice ?? null,
						c.currency ?? null,
						c.idempotencyKey,
					);
				} else {
					this.run(
						`UPDATE sent_messages SET state = 'failed', error_code = ? WHERE idempotency_key = ?`,
						c.errorCode ?? null,
						c.idempotencyKey,
					);
				}
			}
		});
	}

	async releaseSends(releases: SendRelease[]): Promise<void> {
		this.ready();
		checkReleases(releases);
		if (releases.length === 0) return;
		this.write(() => {
			for (const r of releases) {
				this.run(
					`DELETE FROM sent_messages WHERE state = 'pending' AND idempotency_key = ?
						AND (? IS NULL OR callback_id = ?)`,
					r.idempotencyKey,
					r.callbackId ?? null,
					r.callbackId ?? null,
				);
			}
		});
	}

	async markSendsLeft(marks: SendLeft[]): Promise<void> {
		this.ready();
		checkSendsLeft(marks);
		if (marks.length === 0) return;
		this.write(() => {
			for (const m of marks) {
				this.run(
					`UPDATE sent_messages SET left_at = ?
					WHERE idempotency_key = ? AND callback_id = ? AND state = 'pending'`,
					m.at,
					m.idempotencyKey,
					m.callbackId,
				);
			}
		});
	}

	async getSends(keys: string[]): Promise<Map<string, SentMessage>> {
		this.ready();
		const list = unique(keys);
		return list.length > 0 ? this.sendsByKey(list) : new Map();
	}

	async listUnconfirmedSends(page: UnconfirmedSendsPage): Promise<SentMessage[]> {
		this.ready();
		checkTime('listUnconfirmedSends: before', page.before);
		const limit = checkListLimit(page.limit);
		const after = page.after ?? { createdAt: -1, idempotencyKey: '' };
		return this.all(
			`SELECT * FROM sent_messages
			WHERE state = 'pending' AND left_at IS NOT NULL AND created_at <= ?
				AND (created_at, idempotency_key) > (?, ?)
			ORDER BY created_at, idempotency_key LIMIT ?`,
			page.before,
			after.createdAt,
			after.idempotencyKey,
			limit,
		).map(toSentMessage);
	}

	async applyWebhookEvents(events: WebhookEventEffects[], at: number): Promise<string[]> {
		this.ready();
		checkWebhookEvents(events, at);
		const items = firstByKey(events, (e) => e.key);
		const recordedAt = this.clock.now();
		return this.write(() => {
			const fresh = items.filter((e) =>
				this.get(
					'INSERT INTO seen_events (key, seen_at) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING key',
					e.key,
					at,
				),
			);
			this.applyEffects(mergeEffects(fresh), recordedAt);
			return fresh.map((e) => e.key);
		});
	}

	async pruneSeenEvents(before: number): Promise<number> {
		this.ready();
		checkTime('pruneSeenEvents: before', before);
		return this.write(() =>
			Number(this.run('DELETE FROM seen_events WHERE seen_at < ?', before).changes),
		);
	}

	/** A state older than the stored one is ignored; category and quality are kept when absent. */
	async upsertTemplateStates(states: TemplateState[]): Promise<void> {
		this.ready();
		checkTemplates('upsertTemplateStates', states);
		this.write(() => this.applyEffects({ templates: states }, 0));
	}

	async getTemplateStates(keys: TemplateKey[]): Promise<TemplateState[]> {
		this.ready();
		const list = uniqueTemplateKeys('getTemplateStates', keys);
		return list.length > 0 ? this.templateStates(list) : [];
	}

	/**
	 * Deliveries with `from <= at < to`, one row per category, pricing type and currency (sums in
	 * different currencies are not added up).
	 */
	async costSummary(range: { from: number; to: number }): Promise<CostSummaryRow[]> {
		this.ready();
		checkTime('costSummary: from', range.from);
		checkTime('costSummary: to', range.to);
		return this.all(
			`SELECT category, pricing_type, currency, count(*) AS messages, sum(billable) AS billable,
				total(estimated_price) AS total
			FROM cost_ledger WHERE at >= ? AND at < ?
			GROUP BY category, pricing_type, currency
			ORDER BY category, pricing_type, currency NULLS FIRST`,
			range.from,
			range.to,
		).map((r) => {
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
		this.ready();
		checkReportDays(days);
		if (days.length === 0) return [];
		// The days lead, so each one reads its range of the ledger through the index on `at`.
		return this.all(
			`SELECT d.key AS day, CASE WHEN substr(k.kind, 1, 9) = 'template:' THEN substr(k.kind, 10) END AS template,
				c.category, c.pricing_type, c.market, c.currency, count(*) AS messages,
				sum(c.billable) AS billable, total(c.estimated_price) AS total
			FROM json_each(?) AS d
			CROSS JOIN cost_ledger AS c
			LEFT JOIN (SELECT wamid, min(kind) AS kind FROM sent_messages WHERE wamid IS NOT NULL GROUP BY wamid) AS k
				ON k.wamid = c.wamid
			WHERE c.at >= d.value ->> 0 AND c.at < d.value ->> 1
			GROUP BY 1, 2, 3, 4, 5, 6
			ORDER BY 1, 2, 3, 4, 5, 6`,
			JSON.stringify(days.map((d) => [d.start, d.end])),
		).map(toCostLedgerGroup);
	}

	async reserveReach(reservation: ReachReservation): Promise<ReachResult> {
		const hash = this.ready();
		checkReachReservation(reservation);
		const { now, limit, oldest } = reservation;
		const recipients = reservation.recipients.map((r) => ({ ...r, hash: hash(r.contact) }));
		return this.write(() => {
			const since = now - MESSAGING_LIMIT_PERIOD_MS;
			// Recipients who left the 24 hours say nothing any more: gone, hash and all.
			const pruned = Number(
				this.run('DELETE FROM messaging_reach WHERE reached_at <= ?', since).changes,
			);
			const hashes = unique(recipients.map((r) => r.hash));
			const counted = new Set(
				hashes.length === 0
					? []
					: this.all(
							`SELECT contact_hash FROM messaging_reach WHERE ${inList('contact_hash', hashes)}`,
							listParameter(hashes),
						).map((row) => String(row.contact_hash)),
			);
			// Every row left is counted: the total is the count.
			const count = this.reachTotal() - pruned;
			const admission = admitRecipients(
				recipients,
				(r) => r.hash,
				(h) => counted.has(h),
				count,
				limit,
			);
			// One statement each for the whole batch: a row's own statement costs more than its write.
			if (admission.refreshed.length > 0) {
				this.run(
					`UPDATE messaging_reach SET previous_at = reached_at, reached_at = max(reached_at, ?),
						reserved_by = r.value ->> 1
					FROM json_each(?) AS r
					WHERE contact_hash = r.value ->> 0`,
					now,
					JSON.stringify(admission.refreshed.map((r) => [r.hash, r.key])),
				);
			}
			if (admission.added.length > 0) {
				this.run(
					`INSERT INTO messaging_reach (contact_hash, reached_at, previous_at, reserved_by)
					SELECT value ->> 0, ?, NULL, value ->> 1 FROM json_each(?)`,
					now,
					JSON.stringify(admission.added.map((r) => [r.hash, r.key])),
				);
			}
			const after = count + admission.added.length;
			this.run('UPDATE messaging_reach_total SET rows = ? WHERE id = 1', after);
			return {
				refused: admission.refused.map((r) => r.contact),
				usage: {
					count: after,
					oldestReachedAt: this.oldestReach(since, reachListLength(after, limit, oldest)),
				},
			};
		});
	}

	async releaseReach(keys: string[]): Promise<void> {
		this.ready();
		keys.forEach((k, i) => checkText(`releaseReach: keys[${i}]`, k));
		if (keys.length === 0) return;
		const list = JSON.stringify(unique(keys));
		this.write(() => {
			const gone = this.run(
				`DELETE FROM messaging_reach
				WHERE reserved_by IN (SELECT value FROM json_each(?)) AND previous_at IS NULL`,
				list,
			).changes;
			this.run('UPDATE messaging_reach_total SET rows = rows - ? WHERE id = 1', gone);
			this.run(
				`UPDATE messaging_reach SET reached_at = previous_at, previous_at = NULL, reserved_by = NULL
				WHERE reserved_by IN (SELECT value FROM json_each(?))`,
				list,
			);
		});
	}

	async recordStanding(entries: StandingEntry[]): Promise<void> {
		this.ready();
		checkStanding('recordStanding', entries);
		if (entries.length > 0) this.write(() => this.applyEffects({ standing: entries }, 0));
	}

	async getAccountStanding(now: number): Promise<AccountStanding> {
		this.ready();
		checkTime('getAccountStanding: now', now);
		return this.read(() => {
			const entries = this.all('SELECT * FROM account_standing ORDER BY subject, name').map(
				toStandingEntry,
			);
			const templates = this.all(
				'SELECT * FROM template_states ORDER BY account, name, language',
			).map(toTemplateState);
			return {
				entries,
				templates: withTemplateQuality(templates, entries),
				reachedLast24h: this.reachCount(now - MESSAGING_LIMIT_PERIOD_MS),
			};
		});
	}

	async eraseContact(contact: string, at: number): Promise<EraseReport> {
		checkText('eraseContact: contact', contact);
		return (await this.eraseContacts([contact], at))[0];
	}

	async eraseContacts(contacts: string[], at: number): Promise<EraseReport[]> {
		const hash = this.ready();
		const list = unique(contacts);
		list.forEach((c, i) => checkText(`eraseContacts: contacts[${i}]`, c));
		checkTime('eraseContacts: at', at);
		if (list.length === 0) return [];
		// Deleted rows would otherwise linger in free pages and in the WAL: overwrite them with
		// zeros, then copy the WAL back and empty it (best effort: a reader may hold it open).
		this.db.exec('PRAGMA secure_delete = ON');
		try {
			return this.write(() => list.map((contact) => this.erase(contact, hash(contact), at)));
		} finally {
			this.db.exec('PRAGMA secure_delete = OFF');
			this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
		}
	}

	async contactHash(contact: string): Promise<string> {
		checkText('contactHash: contact', contact);
		return this.ready()(contact);
	}

	// ---- the send budget (SlotLedger): schedule.ts decides, one write transaction per lease ----

	async leaseSlots(sender: string, request: ScheduleRequest): Promise<SlotLease> {
		const hash = this.ready();
		checkText('leaseSlots: sender', sender);
		const recipients = request.recipients.map((c) => (c === undefined ? undefined : hash(c)));
		const contacts = unique(recipients.filter((c): c is string => c !== undefined));
		return this.write(() => {
			const now = this.clock.now();
			const state: ScheduleState = {
				senderTat: numberOrUndefined(
					this.get('SELECT tat FROM send_budget WHERE sender = ?', sender)?.tat,
				),
				pairTats: new Map(),
			};
			if (contacts.length > 0) {
				for (const row of this.all(
					`SELECT contact_hash, tat FROM pair_budget
					WHERE sender = ? AND ${inList('contact_hash', contacts)}`,
					sender,
					listParameter(contacts),
				)) {
					state.pairTats.set(String(row.contact_hash), Number(row.tat));
				}
			}
			const slots = scheduleSends(state, { ...request, recipients }, now);
			this.run(
				`INSERT INTO send_budget (sender, tat) VALUES (?, ?)
				ON CONFLICT (sender) DO UPDATE SET tat = excluded.tat`,
				sender,
				state.senderTat ?? now,
			);
			for (const contact of contacts) {
				const tat = state.pairTats.get(contact);
				if (tat === undefined) continue;
				this.run(
					`INSERT INTO pair_budget (sender, contact_hash, tat) VALUES (?, ?, ?)
					ON CONFLICT (sender, contact_hash) DO UPDATE SET tat = excluded.tat`,
					sender,
					contact,
					tat,
				);
			}
			if (++this.leases % PAIR_PRUNE_EVERY === 0) this.prunePairs(now);
			return { now, slots };
		});
	}

	async holdSender(sender: string, pace: Pace, forMs: number): Promise<void> {
		this.ready();
		checkText('holdSender: sender', sender);
		this.write(() => {
			const now = this.clock.now();
			const tat = numberOrUndefined(
				this.get('SELECT tat FROM send_budget WHERE sender = ?', sender)?.tat,
			);
			this.run(
				`INSERT INTO send_budget (sender, tat) VALUES (?, ?)
				ON CONFLICT (sender) DO UPDATE SET tat = excluded.tat`,
				sender,
				holdSender(tat, pace, now, forMs),
			);
		});
	}

	async holdPair(sender: string, contact: string, pace: Pace): Promise<number> {
		const hash = this.ready();
		checkText('holdPair: sender', sender);
		checkText('holdPair: contact', contact);
		const contactHash = hash(contact);
		return this.write(() => {
			const now = this.clock.now();
			const row = this.get(
				'SELECT tat, strikes, strike_at FROM pair_budget WHERE sender = ? AND contact_hash = ?',
				sender,
				contactHash,
			);
			const held = holdPair(
				numberOrUndefined(row?.tat),
				{ strikes: Number(row?.strikes ?? 0), lastAt: numberOrUndefined(row?.strike_at) },
				pace,
				now,
			);
			this.run(
				`INSERT INTO pair_budget (sender, contact_hash, tat, strikes, strike_at)
				VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (sender, contact_hash) DO UPDATE SET tat = excluded.tat,
					strikes = excluded.strikes, strike_at = excluded.strike_at`,
				sender,
				contactHash,
				held.tat,
				held.strikes.strikes,
				held.strikes.lastAt === undefined ? null : Math.round(held.strikes.lastAt),
			);
			return held.blockMs;
		});
	}

	/** Pair rows whose limit is spent and whose strikes are forgotten say nothing: gone. */
	private prunePairs(now: number): void {
		this.run(
			'DELETE FROM pair_budget WHERE tat < ? AND (strike_at IS NULL OR strike_at < ?)',
			now,
			now - PAIR_STRIKES_KEPT_MS,
		);
	}

	// ---- internals ----

	private erase(contact: string, contactHash: string, at: number): EraseReport {
		const changes = (sql: string, ...params: SQLInputValue[]) =>
			Number(this.run(sql, ...params).changes);
		const report: EraseReport = {
			contactHash,
			consentRecords: changes('DELETE FROM consent WHERE contact = ?', contact),
			consentEvents: changes('DELETE FROM consent_events WHERE contact = ?', contact),
			windows: changes('DELETE FROM windows WHERE contact = ?', contact),
			costEntries: changes('DELETE FROM cost_ledger WHERE contact = ?', contact),
			// A key built from the number (`{{ $json.phone }}-promo1`) would keep it: the number
			// in the key becomes the hash too. A re-run with the old key finds no send, and the
			// suppression holds it.
			sentMessagesAnonymised: changes(
				'UPDATE sent_messages SET contact = ?, idempotency_key = replace(idempotency_key, ?, ?) WHERE contact = ?',
				contactHash,
				contact,
				contactHash,
				contact,
			),
			alreadySuppressed:
				changes(
					'INSERT INTO suppression (contact_hash, suppressed_at) VALUES (?, ?) ON CONFLICT DO NOTHING',
					contactHash,
					at,
				) === 0,
		};
		// The same for the key a place in the messaging limit is held by.
		this.run(
			'UPDATE messaging_reach SET reserved_by = replace(reserved_by, ?, ?) WHERE contact_hash = ?',
			contact,
			contactHash,
			contactHash,
		);
		return report;
	}

	/**
	 * Migrates on first use, so a store works even if nobody called migrate(). Returns the contact
	 * hash function keyed with this store's salt.
	 */
	private ready(): (contact: string) => string {
		return this.hasher ?? this.migrateNow();
	}

	private migrateNow(): (contact: string) => string {
		if (!this.db.isOpen) throw new Error(`SQLite store ${this.path} is closed`);
		const salt = this.write(() => {
			this.db.exec(SQLITE_META_TABLE);
			const version = this.readVersion();
			if (version > CURRENT_SCHEMA_VERSION) {
				throw new Error(
					`SQLite store ${this.path} has schema version ${version}, newer than this package ` +
						`supports (${CURRENT_SCHEMA_VERSION}): update n8n-nodes-whatsapp-compliance`,
				);
			}
			for (const migration of sqliteMigrations) {
				if (migration.version <= version) continue;
				for (const statement of migration.statements) this.db.exec(statement);
			}
			const meta = this.db.prepare(
				'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
			);
			if (version < CURRENT_SCHEMA_VERSION)
				meta.run('schema_version', String(CURRENT_SCHEMA_VERSION));
			this.db
				.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING')
				.run('salt', newSalt());
			return String(this.db.prepare("SELECT value FROM meta WHERE key = 'salt'").get()!.value);
		});
		this.hasher = contactHasher(salt);
		return this.hasher;
	}

	private readVersion(): number {
		const row = this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get();
		return row ? Number(row.value) : 0;
	}

	/**
	 * Applies effects inside the caller's write transaction, with nothing personal about erased
	 * contacts (erasure.ts); returns the consent events stored.
	 */
	private applyEffects(all: StoreEffects, recordedAt: number): ConsentEvent[] {
		const erased = this.erasedAmong(contactsOfEffects(all));
		const effects = withoutErasedContacts(all, erased, this.hasher!);
		for (const t of effects.windows ?? []) {
			const referralAt = t.referral ? t.at : null;
			this.run(
				`INSERT INTO windows (sender, contact, last_inbound_at, referral_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (sender, contact) DO UPDATE SET
					closed_at = CASE WHEN excluded.last_inbound_at > closed_at THEN NULL ELSE closed_at END,
					last_inbound_at = max(last_inbound_at, excluded.last_inbound_at),
					referral_at = CASE WHEN referral_at IS NULL THEN excluded.referral_at
						ELSE max(referral_at, coalesce(excluded.referral_at, referral_at)) END`,
				t.sender,
				t.contact,
				t.at,
				referralAt,
			);
		}
		for (const c of effects.closeWindows ?? []) {
			this.run(
				`UPDATE windows SET closed_at = max(coalesce(closed_at, 0), ?)
				WHERE sender = ? AND contact = ? AND last_inbound_at <= ?`,
				c.at,
				c.sender,
				c.contact,
				c.at,
			);
		}
		const stored = effects.consent?.length
			? this.applyConsent(effects.consent, erased, recordedAt)
			: [];
		for (const c of effects.costs ?? []) {
			this.run(
				`INSERT INTO cost_ledger (wamid, category, sender, contact, pricing_type, billable, at,
					estimated_price, currency, market)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				c.wamid,
				c.category,
				c.sender,
				c.contact,
				c.pricingType,
				c.billable ? 1 : 0,
				c.at,
				c.estimatedPrice ?? null,
				c.currency ?? null,
				c.market ?? null,
			);
		}
		for (const e of newestStanding(effects.standing ?? [])) {
			this.run(
				`INSERT INTO account_standing (subject, name, value, at, source) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (subject, name) DO UPDATE SET
					value = excluded.value, at = excluded.at, source = excluded.source
				WHERE excluded.at >= account_standing.at`,
				e.subject,
				e.name,
				e.value,
				e.at,
				e.source,
			);
		}
		for (const t of effects.templates ?? []) {
			this.run(
				`INSERT INTO template_states (account, name, language, status, category, quality, reason, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (account, name, language) DO UPDATE SET
					status = excluded.status,
					category = coalesce(excluded.category, category),
					quality = coalesce(excluded.quality, quality),
					reason = excluded.reason,
					updated_at = excluded.updated_at
				WHERE excluded.updated_at >= updated_at`,
				t.account,
				t.name,
				t.language,
				t.status,
				t.category ?? null,
				t.quality ?? null,
				t.reason ?? null,
				t.updatedAt,
			);
		}
		for (const f of effects.sendFailures ?? []) {
			this.run(
				`UPDATE sent_messages SET state = 'failed', error_code = coalesce(?, error_code),
					wamid = coalesce(wamid, ?)
				WHERE wamid = ? OR (callback_id = ? AND state <> 'failed')`,
				f.errorCode ?? null,
				f.wamid,
				f.wamid,
				f.callbackId ?? null,
			);
		}
		for (const c of effects.sendConfirmations ?? []) {
			this.run(
				`UPDATE sent_messages SET state = 'accepted', wamid = ?, sent_at = coalesce(sent_at, ?)
				WHERE callback_id = ? AND state = 'pending'`,
				c.wamid,
				c.at,
				c.callbackId,
			);
		}
		return stored;
	}

	/** The contacts among `contacts` whose hash is on the suppression list. */
	private erasedAmong(contacts: readonly string[]): Set<string> {
		if (contacts.length === 0) return new Set();
		const byHash = new Map(contacts.map((c) => [this.hasher!(c), c]));
		return new Set(
			this.all(
				'SELECT contact_hash FROM suppression WHERE contact_hash IN (SELECT value FROM json_each(?))',
				JSON.stringify([...byHash.keys()]),
			).map((r) => byHash.get(String(r.contact_hash))!),
		);
	}

	/**
	 * Reads the current records and known event keys of the batch's contacts, lets the one
	 * consent rule (consent.ts) decide, and writes what it decided: inside the caller's
	 * BEGIN IMMEDIATE transaction, so no other writer comes in between.
	 */
	private applyConsent(
		events: readonly ConsentEventInput[],
		suppressed: ReadonlySet<string>,
		recordedAt: number,
	): ConsentEvent[] {
		const contacts = unique(events.map((e) => e.contact));
		const current = recordsByContact(
			this.all(
				'SELECT * FROM consent WHERE contact IN (SELECT value FROM json_each(?))',
				JSON.stringify(contacts),
			),
		);
		const keys = unique(events.flatMap((e) => (e.eventKey === undefined ? [] : [e.eventKey])));
		const knownEventKeys = new Set(
			keys.length === 0
				? []
				: this.all(
						'SELECT event_key FROM consent_events WHERE event_key IN (SELECT value FROM json_each(?))',
						JSON.stringify(keys),
					).map((r) => String(r.event_key)),
		);
		const decision = decideConsentBatch({ current, events, knownEventKeys, suppressed });

		const stored: ConsentEvent[] = [];
		for (const outcome of decision.outcomes) {
			if (outcome.skipped) continue;
			const e = outcome.event;
			const row = this.get(
				`INSERT INTO consent_events (contact, purpose, action, at, source, wording, evidence, reason,
					recorded_by, event_key, recorded_at, status_after, applied, effective_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				RETURNING *`,
				e.contact,
				e.purpose,
				e.action,
				e.at,
				e.source,
				e.wording ?? null,
				e.evidence === undefined ? null : JSON.stringify(e.evidence),
				e.reason ?? null,
				e.recordedBy ?? null,
				e.eventKey ?? null,
				recordedAt,
				outcome.statusAfter ?? null,
				outcome.applied ? 1 : 0,
				outcome.effectiveAt ?? null,
			)!;
			stored.push(toConsentEvent(row));
		}
		for (const r of decision.records) {
			this.run(
				`INSERT INTO consent (contact, purpose, status, changed_at, source, wording, opted_in_at,
					confirmed_at, opted_out_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (contact, purpose) DO UPDATE SET
					status = excluded.status, changed_at = excluded.changed_at, source = excluded.source,
					wording = excluded.wording, opted_in_at = excluded.opted_in_at,
					confirmed_at = excluded.confirmed_at, opted_out_at = excluded.opted_out_at`,
				r.contact,
				r.purpose,
				r.status,
				r.changedAt,
				r.source,
				r.wording ?? null,
				r.optedInAt ?? null,
				r.confirmedAt ?? null,
				r.optedOutAt ?? null,
			);
		}
		return stored;
	}

	private sendsByKey(keys: readonly string[]) {
		return new Map(
			this.all(
				'SELECT * FROM sent_messages WHERE idempotency_key IN (SELECT value FROM json_each(?))',
				JSON.stringify(keys),
			).map((row) => [String(row.idempotency_key), toSentMessage(row)]),
		);
	}

	/** Recipients reached after `since`: the total less those not counted any more, not yet pruned. */
	private reachCount(since: number): number {
		const left = Number(
			this.get('SELECT count(*) AS n FROM messaging_reach WHERE reached_at <= ?', since)!.n,
		);
		return this.reachTotal() - left;
	}

	private reachTotal(): number {
		return Number(this.get('SELECT rows FROM messaging_reach_total WHERE id = 1')!.rows);
	}

	private oldestReach(since: number, limit: number): number[] {
		if (limit <= 0) return [];
		return this.all(
			'SELECT reached_at FROM messaging_reach WHERE reached_at > ? ORDER BY reached_at LIMIT ?',
			since,
			limit,
		).map((row) => Number(row.reached_at));
	}

	/** The standing entries of `subjects`, and of the display phone number of `sender`. */
	private standingOf(subjects: readonly string[], sender: string): StandingEntry[] {
		return this.all(
			`SELECT * FROM account_standing
			WHERE subject IN (SELECT value FROM json_each(?))
				OR subject = (SELECT 'display:' || value FROM account_standing
					WHERE subject = ? AND name = 'display_phone_number')
			ORDER BY subject, name`,
			JSON.stringify(unique(subjects)),
			sender,
		).map(toStandingEntry);
	}

	private templateStates(keys: readonly TemplateKey[]): TemplateState[] {
		return this.all(
			`SELECT t.* FROM json_each(?) AS k
			JOIN template_states AS t ON t.account = k.value ->> 'account' AND t.name = k.value ->> 'name'
				AND t.language = k.value ->> 'language'
			ORDER BY t.account, t.name, t.language`,
			JSON.stringify(keys.map((k) => ({ account: k.account, name: k.name, language: k.language }))),
		).map(toTemplateState);
	}

	private statement(sql: string): StatementSync {
		let statement = this.statements.get(sql);
		if (!statement) {
			statement = this.db.prepare(sql);
			this.statements.set(sql, statement);
		}
		return statement;
	}

	private all(sql: string, ...params: SQLInputValue[]): Row[] {
		return this.statement(sql).all(...params) as Row[];
	}

	private get(sql: string, ...params: SQLInputValue[]): Row | undefined {
		return this.statement(sql).get(...params) as Row | undefined;
	}

	private run(sql: string, ...params: SQLInputValue[]) {
		return this.statement(sql).run(...params);
	}

	/** A write transaction: takes the write lock first, so a later upgrade cannot fail with BUSY. */
	private write<T>(work: () => T): T {
		return this.transaction('BEGIN IMMEDIATE', work);
	}

	/** A read transaction: the statements of one snapshot see one state of the file. */
	private read<T>(work: () => T): T {
		return this.transaction('BEGIN', work);
	}

	private transaction<T>(begin: string, work: () => T): T {
		try {
			this.db.exec(begin);
		} catch (error) {
			throw this.wrap(error);
		}
		try {
			const result = work();
			this.db.exec('COMMIT');
			return result;
		} catch (error) {
			if (this.db.isTransaction) this.db.exec('ROLLBACK');
			throw this.wrap(error);
		}
	}

	private wrap(error: unknown): unknown {
		const code = (error as { errcode?: number }).errcode;
		if (code !== undefined && ((code & 0xff) === SQLITE_BUSY || (code & 0xff) === SQLITE_LOCKED)) {
			return new Error(
				`SQLite store ${this.path}: the database stayed locked by another writer for more than ` +
					`busyTimeoutMs (${this.busyTimeoutMs} ms). Raise busyTimeoutMs, or use the PostgreSQL ` +
					'store when many processes write at once',
				{ cause: error },
			);
		}
		return error;
	}
}
