/**
 * Template states and what Meta said of the account's standing (StandingStore): the newest value
 * of each is kept.
 */
import type { TemplateState } from '../../model';
import { MESSAGING_LIMIT_PERIOD_MS } from '../../policy/messagingLimit';
import { PORTFOLIO, type StandingEntry } from '../../standing';
import { newestStanding, withTemplateQuality } from '../batches';
import { checkStanding, checkTemplates, checkTime, uniqueTemplateKeys } from '../checks';
import { toStandingEntry, toTemplateState, type Row } from '../rows';
import { quoteLiteral, STANDING_SUPERSEDES } from '../sql';
import type { AccountStanding, StandingStore, TemplateKey } from '../types';
import type { PostgresDatabase } from './connection';
import type { PostgresNames } from './names';
import { reachCountSql } from './reach';

/**
 * Template states (a jsonb parameter): a state older than the stored one is ignored; category
 * and quality are kept when absent. A statement, or a WITH query's body.
 */
export function upsertTemplatesSql(n: PostgresNames, states: string): string {
	return `INSERT INTO ${n.qualified('template_states')} AS t (account, name, language, status,
			category, quality, reason, updated_at)
		SELECT DISTINCT ON (r.account, r.name, r.language) r.account, r.name, r.language, r.status,
			r.category, r.quality, r.reason, r."updatedAt"
		FROM jsonb_to_recordset(${states}::jsonb) AS r(account text, name text, language text,
			status text, category text, quality text, reason text, "updatedAt" bigint)
		ORDER BY r.account, r.name, r.language, r."updatedAt" DESC
		ON CONFLICT (account, name, language) DO UPDATE SET
			status = excluded.status,
			category = coalesce(excluded.category, t.category),
			quality = coalesce(excluded.quality, t.quality),
			reason = excluded.reason,
			updated_at = excluded.updated_at
		WHERE excluded.updated_at >= t.updated_at`;
}

/**
 * Standing entries (a jsonb parameter of newestStanding's): a value older than the stored one
 * is ignored. A statement, or a WITH query's body.
 */
export function upsertStandingSql(n: PostgresNames, entries: string): string {
	return `INSERT INTO ${n.qualified('account_standing')} AS t (subject, name, value, at, source)
		SELECT r.subject, r.name, r.value, r.at, r.source
		FROM jsonb_to_recordset(${entries}::jsonb) AS r(subject text, name text, value text,
			at bigint, source text)
		ORDER BY r.subject, r.name
		ON CONFLICT (subject, name) DO UPDATE SET
			value = excluded.value, at = excluded.at, source = excluded.source
		WHERE ${STANDING_SUPERSEDES('excluded', 't')}`;
}

/**
 * The template states of the keys given as three text[] parameters from `first` on (accounts,
 * names, languages), as JSON.
 */
export function templatesSql(n: PostgresNames, first: number): string {
	return `(SELECT coalesce(json_agg(t ORDER BY t.account, t.name, t.language), '[]')
		FROM ${templateJoin(n, first)})`;
}

function templateJoin(n: PostgresNames, first: number): string {
	return `${n.qualified('template_states')} AS t
		JOIN unnest($${first}::text[], $${first + 1}::text[], $${first + 2}::text[])
			AS k(account, name, language)
			ON t.account = k.account AND t.name = k.name AND t.language = k.language`;
}

/**
 * The standing entries of `subjects` (a text[] parameter) and, when `withDisplay` (a boolean
 * parameter), of the display phone number of `sender`, as JSON.
 */
export function standingSql(
	n: PostgresNames,
	subjects: string,
	withDisplay: string,
	sender: string,
): string {
	const standing = n.qualified('account_standing');
	return `(SELECT coalesce(json_agg(s ORDER BY s.subject, s.name), '[]') FROM ${standing} AS s
		WHERE s.subject = ANY (${subjects}::text[])
			OR (${withDisplay}::boolean AND s.subject = (SELECT 'display:' || d.value FROM ${standing} AS d
				WHERE d.subject = ${sender} AND d.name = 'display_phone_number')))`;
}

/** The portfolio's messaging limit as stored (messagingLimitFromMeta reads it), or null. */
export function storedMessagingLimitSql(n: PostgresNames): string {
	return `(SELECT value FROM ${n.qualified('account_standing')}
		WHERE subject = ${quoteLiteral(PORTFOLIO)} AND name = 'messaging_limit')`;
}

function statements(n: PostgresNames) {
	return {
		upsertTemplates: upsertTemplatesSql(n, '$1'),
		templates: `SELECT t.* FROM ${templateJoin(n, 1)} ORDER BY t.account, t.name, t.language`,
		upsertStanding: upsertStandingSql(n, '$1'),
		accountStanding: `SELECT
			(SELECT coalesce(json_agg(s ORDER BY s.subject, s.name), '[]')
				FROM ${n.qualified('account_standing')} AS s) AS entries,
			(SELECT coalesce(json_agg(t ORDER BY t.account, t.name, t.language), '[]')
				FROM ${n.qualified('template_states')} AS t) AS templates,
			${reachCountSql(n, '$1')} AS reached`,
	};
}

export class PostgresStanding implements StandingStore {
	readonly #sql: ReturnType<typeof statements>;

	constructor(private readonly db: PostgresDatabase) {
		this.#sql = statements(db.names);
	}

	async upsertTemplateStates(states: TemplateState[]): Promise<void> {
		await this.db.ready();
		checkTemplates('upsertTemplateStates', states);
		if (states.length > 0) {
			await this.db.query(this.#sql.upsertTemplates, [JSON.stringify(states)]);
		}
	}

	async getTemplateStates(keys: TemplateKey[]): Promise<TemplateState[]> {
		await this.db.ready();
		const list = uniqueTemplateKeys('getTemplateStates', keys);
		if (list.length === 0) return [];
		const { rows } = await this.db.query(this.#sql.templates, [
			list.map((t) => t.account),
			list.map((t) => t.name),
			list.map((t) => t.language),
		]);
		return rows.map(toTemplateState);
	}

	async recordStanding(entries: StandingEntry[]): Promise<void> {
		await this.db.ready();
		checkStanding('recordStanding', entries);
		if (entries.length > 0) {
			await this.db.query(this.#sql.upsertStanding, [JSON.stringify(newestStanding(entries))]);
		}
	}

	async getAccountStanding(now: number): Promise<AccountStanding> {
		await this.db.ready();
		checkTime('getAccountStanding: now', now);
		const { rows } = await this.db.query(this.#sql.accountStanding, [
			now - MESSAGING_LIMIT_PERIOD_MS,
		]);
		const r = rows[0] as { entries: Row[]; templates: Row[]; reached: string | number };
		const entries = r.entries.map(toStandingEntry);
		return {
			entries,
			templates: withTemplateQuality(r.templates.map(toTemplateState), entries),
			reachedLast24h: Number(r.reached),
		};
	}
}
