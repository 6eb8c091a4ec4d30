/**
 * Erasure (ErasureStore) and the suppression list it leaves: the other roles ask it, under the
 * contacts' locks, which contacts were erased (erasedContacts.ts says what they leave out).
 */
import { unique } from '../batches';
import { checkText, checkTime } from '../checks';
import { contactsOfEffects, withAliasCounts, withoutErasedContacts } from '../erasedContacts';
import type { EraseReport, ErasureStore, StoreEffects } from '../types';
import type { PostgresDatabase, Tx } from './connection';
import type { PostgresNames } from './names';

/** The hashes among `hashes` (a text[] parameter) on the suppression list, as a JSON array. */
export function suppressedAmongSql(n: PostgresNames, hashes: string): string {
	return `(SELECT coalesce(json_agg(s.contact_hash), '[]') FROM ${n.qualified('suppression')} AS s
		WHERE s.contact_hash = ANY (${hashes}::text[]))`;
}

/**
 * Locks the contacts the effects name and leaves out what is personal about the erased ones
 * (erasedContacts.ts), inside the caller's transaction: no erasure comes in between.
 */
export async function withoutErased(
	tx: Tx,
	db: PostgresDatabase,
	hash: (contact: string) => string,
	effects: StoreEffects,
): Promise<StoreEffects> {
	const contacts = contactsOfEffects(effects);
	if (contacts.length === 0) return effects;
	await db.lockContacts(tx, contacts);
	const byHash = new Map(contacts.map((c) => [hash(c), c]));
	const { rows } = await tx(`SELECT ${suppressedAmongSql(db.names, '$1')} AS suppressed`, [
		[...byHash.keys()],
	]);
	const erased = new Set((rows[0].suppressed as string[]).map((h) => byHash.get(h)!));
	return withoutErasedContacts(effects, erased, hash);
}

/** Erasure of the given contacts (locked by the caller): one row of counts per contact. */
function eraseSql(n: PostgresNames): string {
	const table = (name: string) => n.qualified(name);
	return `WITH input AS (
			SELECT * FROM unnest($1::text[], $2::text[]) AS i(contact, hash)
		), c AS (
			DELETE FROM ${table('consent')} AS t USING input AS i WHERE t.contact = i.contact
			RETURNING t.contact
		), e AS (
			DELETE FROM ${table('consent_events')} AS t USING input AS i WHERE t.contact = i.contact
			RETURNING t.contact
		), w AS (
			DELETE FROM ${table('windows')} AS t USING input AS i WHERE t.contact = i.contact
			RETURNING t.contact
		), k AS (
			-- Kept for the bill of a period already reported, under the hash (erasedContacts.ts).
			UPDATE ${table('cost_ledger')} AS t SET contact = i.hash
			FROM input AS i WHERE t.contact = i.contact
			RETURNING i.contact
		), m AS (
			-- A key built from the number keeps it no more (see the SQLite store's erasure).
			UPDATE ${table('sent_messages')} AS t SET contact = i.hash,
				idempotency_key = replace(t.idempotency_key, i.contact, i.hash)
			FROM input AS i WHERE t.contact = i.contact
			RETURNING i.contact
		), r AS (
			UPDATE ${table('messaging_reach')} AS t SET reserved_by = replace(t.reserved_by, i.contact, i.hash)
			FROM input AS i WHERE t.contact_hash = i.hash AND t.reserved_by IS NOT NULL
		), d AS (
			-- Events about the contact still waiting for another workflow of the app.
			DELETE FROM ${table('webhook_deliveries')} AS t USING input AS i WHERE t.contact = i.contact
		), a AS (
			-- The pairings of number and BSUID: both names are erased by now.
			DELETE FROM ${table('contact_aliases')} AS t USING input AS i
			WHERE t.contact = i.contact OR t.user_id = i.contact
		), p AS (
			INSERT INTO ${table('suppression')} (contact_hash, suppressed_at)
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
		LEFT JOIN p ON p.contact_hash = i.hash`;
}

/** Pairings of phone number and BSUID (a jsonb parameter). A WITH query's body. */
export function upsertAliasesSql(n: PostgresNames, aliases: string): string {
	const table = n.qualified('contact_aliases');
	return `INSERT INTO ${table} AS t (user_id, contact, seen_at)
		SELECT DISTINCT ON (r."userId") r."userId", r.contact, r.at
		FROM jsonb_to_recordset(${aliases}::jsonb) AS r(contact text, "userId" text, at bigint)
		ORDER BY r."userId", r.at DESC
		ON CONFLICT (user_id) DO UPDATE SET contact = excluded.contact, seen_at = excluded.seen_at
		WHERE excluded.seen_at >= t.seen_at`;
}

export class PostgresErasure implements ErasureStore {
	readonly #erase: string;
	readonly #aliases: string;

	constructor(private readonly db: PostgresDatabase) {
		this.#erase = eraseSql(db.names);
		const aliases = db.names.qualified('contact_aliases');
		this.#aliases = `SELECT contact AS name, user_id AS other FROM ${aliases} WHERE contact = ANY ($1::text[])
			UNION SELECT user_id, contact FROM ${aliases} WHERE user_id = ANY ($1::text[])`;
	}

	async eraseContact(contact: string, at: number): Promise<EraseReport> {
		checkText('eraseContact: contact', contact);
		return (await this.eraseContacts([contact], at))[0];
	}

	/** Under the contacts' locks, so no effect about them slips in between (erasedContacts.ts). */
	async eraseContacts(contacts: string[], at: number): Promise<EraseReport[]> {
		const hash = await this.db.ready();
		const list = unique(contacts);
		list.forEach((c, i) => checkText(`eraseContacts: contacts[${i}]`, c));
		checkTime('eraseContacts: at', at);
		if (list.length === 0) return [];
		const { rows, owner } = await this.db.transaction(async (tx) => {
			await this.db.lockContacts(tx, list);
			// Rows kept under a contact's BSUID (or number) go too; each name is suppressed.
			const owner = new Map(list.map((c) => [c, c]));
			for (const r of (await tx(this.#aliases, [list])).rows) {
				if (!owner.has(String(r.other))) owner.set(String(r.other), String(r.name));
			}
			const names = [...owner.keys()];
			if (names.length > list.length) await this.db.lockContacts(tx, names.slice(list.length));
			const erased = await tx(this.#erase, [names, names.map(hash), at]);
			return { rows: erased.rows, owner };
		});
		const reports = new Map<string, EraseReport>();
		const aliases: Array<[string, EraseReport]> = [];
		for (const r of rows) {
			const contact = String(r.contact);
			const report: EraseReport = {
				contactHash: hash(contact),
				consentRecords: Number(r.consent_records),
				consentEvents: Number(r.consent_events),
				windows: Number(r.windows),
				costEntriesAnonymised: Number(r.cost_entries),
				sentMessagesAnonymised: Number(r.sent_messages),
				alreadySuppressed: r.already_suppressed === true,
			};
			const requester = owner.get(contact)!;
			if (requester === contact) reports.set(contact, report);
			else aliases.push([requester, report]);
		}
		for (const [requester, alias] of aliases) {
			reports.set(requester, withAliasCounts(reports.get(requester)!, alias));
		}
		return list.map((contact) => reports.get(contact)!);
	}

	async contactHash(contact: string): Promise<string> {
		checkText('contactHash: contact', contact);
		return (await this.db.ready())(contact);
	}
}
