/**
 * Erasure (ErasureStore) and the suppression list it leaves: the other roles ask it, inside their
 * write transaction, which contacts were erased (erasedContacts.ts says what they leave out).
 */
import type { SQLInputValue } from 'node:sqlite';

import { unique } from '../batches';
import { checkText, checkTime } from '../checks';
import { contactsOfEffects, withAliasCounts, withoutErasedContacts } from '../erasedContacts';
import type { ContactAlias, EraseReport, ErasureStore, StoreEffects } from '../types';
import { fromList, type SqliteDatabase } from './connection';

/** The hashes among `hashes` that are on the suppression list. */
export function suppressedHashes(db: SqliteDatabase, hashes: readonly string[]): string[] {
	if (hashes.length === 0) return [];
	return db
		.all(
			`SELECT s.contact_hash FROM ${fromList('suppression', 's', 'contact_hash')}`,
			JSON.stringify(hashes),
		)
		.map((row) => String(row.contact_hash));
}

/** The contacts among `contacts` that were erased (their hash is on the suppression list). */
export function erasedAmong(db: SqliteDatabase, contacts: readonly string[]): Set<string> {
	if (contacts.length === 0) return new Set();
	const hash = db.hasher();
	const byHash = new Map(contacts.map((c) => [hash(c), c]));
	return new Set(suppressedHashes(db, [...byHash.keys()]).map((h) => byHash.get(h)!));
}

/**
 * The effects with nothing personal about erased contacts (erasedContacts.ts), and those
 * contacts: inside the caller's write transaction, so no erasure comes in between.
 */
export function withoutErased(
	db: SqliteDatabase,
	effects: StoreEffects,
): { effects: StoreEffects; erased: Set<string> } {
	const erased = erasedAmong(db, contactsOfEffects(effects));
	return { effects: withoutErasedContacts(effects, erased, db.hasher()), erased };
}

/** Pairings of phone number and BSUID, inside the caller's write transaction. */
export function writeAliases(db: SqliteDatabase, aliases: readonly ContactAlias[]): void {
	for (const a of aliases) {
		db.run(
			`INSERT INTO contact_aliases (user_id, contact, seen_at) VALUES (?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET contact = excluded.contact, seen_at = excluded.seen_at
			WHERE excluded.seen_at >= contact_aliases.seen_at`,
			a.userId,
			a.contact,
			a.at,
		);
	}
}

/** The other names (BSUIDs of a number, the number of a BSUID) of `contact`. */
function aliasesOf(db: SqliteDatabase, contact: string): string[] {
	return db
		.all(
			`SELECT user_id AS other FROM contact_aliases WHERE contact = ?
			UNION SELECT contact FROM contact_aliases WHERE user_id = ?`,
			contact,
			contact,
		)
		.map((row) => String(row.other))
		.filter((other) => other !== contact);
}

export class SqliteErasure implements ErasureStore {
	constructor(private readonly db: SqliteDatabase) {}

	async eraseContact(contact: string, at: number): Promise<EraseReport> {
		checkText('eraseContact: contact', contact);
		return (await this.eraseContacts([contact], at))[0];
	}

	async eraseContacts(contacts: string[], at: number): Promise<EraseReport[]> {
		const hash = await this.db.ready();
		const list = unique(contacts);
		list.forEach((c, i) => checkText(`eraseContacts: contacts[${i}]`, c));
		checkTime('eraseContacts: at', at);
		if (list.length === 0) return [];
		// The connection zeroes deleted cells (secure_delete, connection.ts); the WAL still holds
		// the pages as they were before: copy it back and empty it (best effort: a reader may hold
		// it open).
		try {
			return await this.db.write(
				() =>
					list.map((contact) => {
						// Rows kept under the contact's BSUID (or number) go too; each name is suppressed.
						const report = aliasesOf(this.db, contact).reduce(
							(sum, other) => withAliasCounts(sum, this.#erase(other, hash(other), at)),
							this.#erase(contact, hash(contact), at),
						);
						this.db.run(
							'DELETE FROM contact_aliases WHERE contact = ? OR user_id = ?',
							contact,
							contact,
						);
						return report;
					}),
				{ durable: true },
			);
		} finally {
			this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
		}
	}

	async contactHash(contact: string): Promise<string> {
		checkText('contactHash: contact', contact);
		return (await this.db.ready())(contact);
	}

	#erase(contact: string, contactHash: string, at: number): EraseReport {
		const changes = (sql: string, ...params: SQLInputValue[]) =>
			Number(this.db.run(sql, ...params).changes);
		const report: EraseReport = {
			contactHash,
			consentRecords: changes('DELETE FROM consent WHERE contact = ?', contact),
			consentEvents: changes('DELETE FROM consent_events WHERE contact = ?', contact),
			windows: changes('DELETE FROM windows WHERE contact = ?', contact),
			// Kept for the bill of a period already reported, under the hash (erasedContacts.ts).
			costEntriesAnonymised: changes(
				'UPDATE cost_ledger SET contact = ? WHERE contact = ?',
				contactHash,
				contact,
			),
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
		this.db.run(
			'UPDATE messaging_reach SET reserved_by = replace(reserved_by, ?, ?) WHERE contact_hash = ?',
			contact,
			contactHash,
			contactHash,
		);
		// Events about the contact still waiting for another workflow of the app.
		this.db.run('DELETE FROM webhook_deliveries WHERE contact = ?', contact);
		return report;
	}
}
