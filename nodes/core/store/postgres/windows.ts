/** Customer service windows and free entry points, per sender number and contact (WindowStore). */
import { unique } from '../batches';
import { checkWindows } from '../checks';
import { toWindow } from '../rows';
import type { InboundTouch, WindowClose, WindowStore } from '../types';
import { freeEntryPointStarts } from '../windows';
import type { PostgresDatabase, Tx } from './connection';
import { withoutErased } from './erasure';
import type { PostgresNames } from './names';

/** The windows of `sender` (a parameter) with `contacts` (a text[] parameter), as JSON. */
export function windowsSql(n: PostgresNames, sender: string, contacts: string): string {
	return `(SELECT coalesce(json_agg(w), '[]') FROM ${n.qualified('windows')} AS w
		WHERE w.sender = ${sender} AND w.contact = ANY (${contacts}::text[]))`;
}

export function windowStatements(n: PostgresNames) {
	const windows = n.qualified('windows');
	return {
		// Aggregated per (sender, contact) so one statement touches each row once; a touch never
		// moves a window back in time.
		touch: `INSERT INTO ${windows} AS w (sender, contact, last_inbound_at, referral_at)
			SELECT r.sender, r.contact, max(r.at), max(r.at) FILTER (WHERE coalesce(r.referral, false))
			FROM jsonb_to_recordset($1::jsonb) AS r(sender text, contact text, at bigint, referral boolean)
			GROUP BY r.sender, r.contact
			ORDER BY r.sender, r.contact
			ON CONFLICT (sender, contact) DO UPDATE SET
				closed_at = CASE WHEN excluded.last_inbound_at > w.closed_at THEN NULL ELSE w.closed_at END,
				last_inbound_at = greatest(w.last_inbound_at, excluded.last_inbound_at),
				referral_at = greatest(w.referral_at, excluded.referral_at)`,
		// Closed until the contact writes again: a close older than the last inbound message is void.
		close: `UPDATE ${windows} AS w SET closed_at = greatest(w.closed_at, c.at)
			FROM (
				SELECT r.sender, r.contact, max(r.at) AS at
				FROM jsonb_to_recordset($1::jsonb) AS r(sender text, contact text, at bigint)
				GROUP BY r.sender, r.contact
			) AS c
			WHERE w.sender = c.sender AND w.contact = c.contact AND w.last_inbound_at <= c.at`,
		// The windows replies went to, and the free entry point starts policy/fep.ts decided.
		windowsOf: `SELECT w.* FROM ${windows} AS w
			JOIN unnest($1::text[], $2::text[]) AS p(sender, contact)
				ON w.sender = p.sender AND w.contact = p.contact`,
		startFreeEntryPoints: `UPDATE ${windows} AS w SET fep_started_at = s.at
			FROM unnest($1::text[], $2::text[], $3::bigint[]) AS s(sender, contact, at)
			WHERE w.sender = s.sender AND w.contact = s.contact`,
	};
}

export type WindowStatements = ReturnType<typeof windowStatements>;

/** Inbound messages, inside the caller's transaction (the contacts locked, the erased left out). */
export async function writeTouches(
	tx: Tx,
	sql: WindowStatements,
	touches: readonly InboundTouch[],
): Promise<void> {
	if (touches.length > 0) await tx(sql.touch, [JSON.stringify(touches)]);
}

/** 131047 answers, inside the caller's transaction: after the touches, which they must see. */
export async function writeCloses(
	tx: Tx,
	sql: WindowStatements,
	closes: readonly WindowClose[],
): Promise<void> {
	if (closes.length > 0) await tx(sql.close, [JSON.stringify(closes)]);
}

export class PostgresWindows implements WindowStore {
	readonly #sql: WindowStatements;

	constructor(private readonly db: PostgresDatabase) {
		this.#sql = windowStatements(db.names);
	}

	async touchWindows(touches: InboundTouch[]): Promise<void> {
		const hash = await this.db.ready();
		checkWindows('touchWindows', touches);
		if (touches.length === 0) return;
		await this.db.transaction(async (tx) => {
			const effects = await withoutErased(tx, this.db, hash, { windows: touches });
			await writeTouches(tx, this.#sql, effects.windows ?? []);
		});
	}

	async closeWindows(closes: WindowClose[]): Promise<void> {
		const hash = await this.db.ready();
		checkWindows('closeWindows', closes);
		if (closes.length === 0) return;
		await this.db.transaction(async (tx) => {
			const effects = await withoutErased(tx, this.db, hash, { closeWindows: closes });
			await writeCloses(tx, this.#sql, effects.closeWindows ?? []);
		});
	}

	/**
	 * Under the contacts' locks: reads the windows the replies went to, lets policy/fep.ts decide
	 * which replies started a free entry point, and writes those starts.
	 */
	async startFreeEntryPoints(starts: WindowClose[]): Promise<void> {
		await this.db.ready();
		checkWindows('startFreeEntryPoints', starts);
		if (starts.length === 0) return;
		await this.db.transaction(async (tx) => {
			await this.db.lockContacts(tx, unique(starts.map((s) => s.contact)));
			const { rows } = await tx(this.#sql.windowsOf, [
				starts.map((s) => s.sender),
				starts.map((s) => s.contact),
			]);
			const windows = new Map(
				rows.map((row) => [JSON.stringify([row.sender, row.contact]), toWindow(row)]),
			);
			const started = freeEntryPointStarts(starts, (sender, contact) =>
				windows.get(JSON.stringify([sender, contact])),
			);
			if (started.length === 0) return;
			await tx(this.#sql.startFreeEntryPoints, [
				started.map((s) => s.sender),
				started.map((s) => s.contact),
				started.map((s) => s.at),
			]);
		});
	}
}
