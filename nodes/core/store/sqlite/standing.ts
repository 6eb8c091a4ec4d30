/**
 * Template states and what Meta said of the account's standing (StandingStore): the newest value
 * of each is kept.
 */
import type { TemplateState } from '../../model';
import { MESSAGING_LIMIT_PERIOD_MS } from '../../policy/messagingLimit';
import { PORTFOLIO, type StandingEntry } from '../../standing';
import { newestStanding, unique, withTemplateQuality } from '../batches';
import { checkStanding, checkTemplates, checkTime, uniqueTemplateKeys } from '../checks';
import { toStandingEntry, toTemplateState } from '../rows';
import { STANDING_SUPERSEDES } from '../sql';
import type { AccountStanding, StandingStore, TemplateKey } from '../types';
import type { SqliteDatabase } from './connection';
import { reachCount } from './reach';

/**
 * Template states, inside the caller's write transaction: a state older than the stored one is
 * ignored; category and quality are kept when absent.
 */
export function writeTemplates(db: SqliteDatabase, states: readonly TemplateState[]): void {
	for (const t of states) {
		db.run(
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
}

/** Standing entries, inside the caller's write transaction: a value older than the stored one is ignored. */
export function writeStanding(db: SqliteDatabase, entries: readonly StandingEntry[]): void {
	for (const e of newestStanding(entries)) {
		db.run(
			`INSERT INTO account_standing (subject, name, value, at, source) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (subject, name) DO UPDATE SET
				value = excluded.value, at = excluded.at, source = excluded.source
			WHERE ${STANDING_SUPERSEDES('excluded', 'account_standing')}`,
			e.subject,
			e.name,
			e.value,
			e.at,
			e.source,
		);
	}
}

export function templateStates(db: SqliteDatabase, keys: readonly TemplateKey[]): TemplateState[] {
	return db
		.all(
			`SELECT t.* FROM json_each(?) AS k
			JOIN template_states AS t ON t.account = k.value ->> 'account' AND t.name = k.value ->> 'name'
				AND t.language = k.value ->> 'language'
			ORDER BY t.account, t.name, t.language`,
			JSON.stringify(keys.map((k) => ({ account: k.account, name: k.name, language: k.language }))),
		)
		.map(toTemplateState);
}

/** The standing entries of `subjects`, and of the display phone number of `sender`. */
export function standingOf(
	db: SqliteDatabase,
	subjects: readonly string[],
	sender: string,
): StandingEntry[] {
	return db
		.all(
			`SELECT * FROM account_standing
			WHERE subject IN (SELECT value FROM json_each(?))
				OR subject = (SELECT 'display:' || value FROM account_standing
					WHERE subject = ? AND name = 'display_phone_number')
			ORDER BY subject, name`,
			JSON.stringify(unique(subjects)),
			sender,
		)
		.map(toStandingEntry);
}

/** The portfolio's messaging limit as stored (messagingLimitFromMeta reads it); undefined when none. */
export function storedMessagingLimit(db: SqliteDatabase): unknown {
	return db.get(
		"SELECT value FROM account_standing WHERE subject = ? AND name = 'messaging_limit'",
		PORTFOLIO,
	)?.value;
}

export class SqliteStanding implements StandingStore {
	constructor(private readonly db: SqliteDatabase) {}

	async upsertTemplateStates(states: TemplateState[]): Promise<void> {
		await this.db.ready();
		checkTemplates('upsertTemplateStates', states);
		await this.db.write(() => writeTemplates(this.db, states));
	}

	async getTemplateStates(keys: TemplateKey[]): Promise<TemplateState[]> {
		await this.db.ready();
		const list = uniqueTemplateKeys('getTemplateStates', keys);
		return list.length > 0 ? templateStates(this.db, list) : [];
	}

	async recordStanding(entries: StandingEntry[]): Promise<void> {
		await this.db.ready();
		checkStanding('recordStanding', entries);
		if (entries.length > 0) await this.db.write(() => writeStanding(this.db, entries));
	}

	async getAccountStanding(now: number): Promise<AccountStanding> {
		await this.db.ready();
		checkTime('getAccountStanding: now', now);
		return this.db.read(() => {
			const entries = this.db
				.all('SELECT * FROM account_standing ORDER BY subject, name')
				.map(toStandingEntry);
			const templates = this.db
				.all('SELECT * FROM template_states ORDER BY account, name, language')
				.map(toTemplateState);
			return {
				entries,
				templates: withTemplateQuality(templates, entries),
				reachedLast24h: reachCount(this.db, now - MESSAGING_LIMIT_PERIOD_MS),
			};
		});
	}
}
