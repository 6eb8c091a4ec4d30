/**
 * Webhook events seen, and their effects (WebhookStore). One transaction records the keys of a
 * delivery (sorted, so two deliveries cannot deadlock; a key a concurrent delivery inserted makes
 * this one wait for it and then skip the key) and applies the effects of the new events only:
 * lock every contact they name, read the suppression list and what the consent rule needs, leave
 * out what is personal about erased contacts (erasedContacts.ts), let policy/consentChange.ts
 * decide, then write in at most three statements (windows; closes, which must see the windows;
 * everything else, each role's part of one statement).
 */
import { firstByKey, mergeEffects, newestStanding } from '../batches';
import { checkTime, checkWebhookEvents } from '../checks';
import { storedEventKey } from '../contactHash';
import { contactsOfEffects, withoutErasedContacts } from '../erasedContacts';
import type { StoreEffects, WebhookEventEffects, WebhookStore } from '../types';
import type { PostgresDatabase, Tx } from './connection';
import {
	checkConsentStored,
	decideConsentUnderLock,
	insertConsentEventsSql,
	upsertConsentRecordsSql,
	type ConsentWrites,
} from './consents';
import { insertCostsSql } from './costs';
import { upsertAliasesSql } from './erasure';
import { deliveryStatements, writeDeliveries, type DeliveryStatements } from './deliveries';
import type { PostgresNames } from './names';
import { givePlacesBack } from './reach';
import { confirmSendsSql, failSendsSql } from './sends';
import { upsertStandingSql, upsertTemplatesSql } from './standing';
import { windowStatements, writeCloses, writeTouches, type WindowStatements } from './windows';

function statements(n: PostgresNames) {
	return {
		recordSeen: `INSERT INTO ${n.qualified('seen_events')} (key, seen_at)
			SELECT k, $2 FROM unnest($1::text[]) AS k ORDER BY k
			ON CONFLICT (key) DO NOTHING
			RETURNING key`,
		prune: `DELETE FROM ${n.qualified('seen_events')} WHERE seen_at < $1`,
		// The effects past the windows, each role's part: consent events and records as
		// policy/consentChange.ts decided them, costs, standing, templates, send failures and
		// confirmations. Returns the consent events stored.
		writeEffects: `WITH stored AS (${insertConsentEventsSql(n, '$1', '$2')}),
			records AS (${upsertConsentRecordsSql(n, '$3')}),
			ledger AS (${insertCostsSql(n, '$4')}),
			standing AS (${upsertStandingSql(n, '$5')}),
			states AS (${upsertTemplatesSql(n, '$6')}),
			failures AS (${failSendsSql(n, '$7')}),
			confirmations AS (${confirmSendsSql(n, '$8')}),
			aliases AS (${upsertAliasesSql(n, '$9')})
			SELECT * FROM stored ORDER BY id`,
	};
}

export class PostgresWebhooks implements WebhookStore {
	readonly #sql: ReturnType<typeof statements>;
	readonly #windows: WindowStatements;
	readonly #deliveries: DeliveryStatements;

	constructor(private readonly db: PostgresDatabase) {
		this.#sql = statements(db.names);
		this.#windows = windowStatements(db.names);
		this.#deliveries = deliveryStatements(db.names);
	}

	async applyWebhookEvents(events: WebhookEventEffects[], at: number): Promise<string[]> {
		const hash = await this.db.ready();
		checkWebhookEvents(events, at);
		if (events.length === 0) return [];
		const items = firstByKey(events, (e) => e.key);
		const recordedAt = this.db.clock.now();
		return await this.db.transaction(async (tx) => {
			const stored = new Map(items.map((e) => [storedEventKey(hash, e.key), e]));
			const { rows } = await tx(this.#sql.recordSeen, [[...stored.keys()].sort(), at]);
			if (rows.length === 0) return [];
			const fresh = new Set(rows.map((r) => stored.get(String(r.key))!));
			const newEvents = items.filter((e) => fresh.has(e));
			await this.#applyEffects(tx, hash, mergeEffects(newEvents), recordedAt);
			const deliveries = newEvents.flatMap((e) =>
				(e.deliveries ?? []).map((d) => ({ ...d, eventKey: e.key })),
			);
			await writeDeliveries(tx, this.#deliveries, deliveries, at);
			return newEvents.map((e) => e.key);
		});
	}

	async pruneSeenEvents(before: number): Promise<number> {
		await this.db.ready();
		checkTime('pruneSeenEvents: before', before);
		const result = await this.db.query(this.#sql.prune, [before]);
		return result.rowCount ?? 0;
	}

	/** The effects of the new events, inside the transaction that recorded their keys. */
	async #applyEffects(
		tx: Tx,
		hash: (contact: string) => string,
		all: StoreEffects,
		recordedAt: number,
	): Promise<void> {
		const contacts = contactsOfEffects(all);
		let effects = all;
		let consent: ConsentWrites = { events: [], records: [] };
		if (contacts.length > 0) {
			await this.db.lockContacts(tx, contacts);
			const decided = await decideConsentUnderLock(
				tx,
				this.db.names,
				hash,
				all.consent ?? [],
				contacts,
			);
			effects = withoutErasedContacts(all, decided.erased, hash);
			consent = decided.writes;
		}
		await writeTouches(tx, this.#windows, effects.windows ?? []);
		await writeCloses(tx, this.#windows, effects.closeWindows ?? []);
		const lists = {
			events: consent.events,
			records: consent.records,
			costs: effects.costs ?? [],
			standing: newestStanding(effects.standing ?? []),
			templates: effects.templates ?? [],
			failures: effects.sendFailures ?? [],
			confirmations: effects.sendConfirmations ?? [],
			aliases: effects.aliases ?? [],
		};
		if (Object.values(lists).every((list) => list.length === 0)) return;
		const json = JSON.stringify;
		const { rows } = await tx(this.#sql.writeEffects, [
			json(lists.events),
			recordedAt,
			json(lists.records),
			json(lists.costs),
			json(lists.standing),
			json(lists.templates),
			json(lists.failures),
			json(lists.confirmations),
			json(lists.aliases),
		]);
		checkConsentStored(rows, consent);
		await givePlacesBack(
			tx,
			this.db,
			hash,
			lists.failures.map((f) => f.wamid),
		);
	}
}
