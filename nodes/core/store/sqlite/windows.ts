/** Customer service windows and free entry points, per sender number and contact (WindowStore). */
import { checkWindows } from '../checks';
import { toWindow } from '../rows';
import type { InboundTouch, WindowClose, WindowStore } from '../types';
import { freeEntryPointStarts } from '../windows';
import { fromList, type SqliteDatabase, type SqliteRow } from './connection';
import { withoutErased } from './erasure';

/** The windows of `sender` with `contacts`. */
export function windowRows(
	db: SqliteDatabase,
	sender: string,
	contacts: readonly string[],
): SqliteRow[] {
	return db.all(
		`SELECT w.* FROM ${fromList('windows', 'w', 'contact')} WHERE w.sender = ?`,
		JSON.stringify(contacts),
		sender,
	);
}

/** Inbound messages, inside the caller's write transaction: a touch never moves a window back. */
export function writeTouches(db: SqliteDatabase, touches: readonly InboundTouch[]): void {
	for (const t of touches) {
		db.run(
			`INSERT INTO windows (sender, contact, last_inbound_at, referral_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (sender, contact) DO UPDATE SET
				closed_at = CASE WHEN excluded.last_inbound_at > closed_at THEN NULL ELSE closed_at END,
				last_inbound_at = max(last_inbound_at, excluded.last_inbound_at),
				referral_at = CASE WHEN referral_at IS NULL THEN excluded.referral_at
					ELSE max(referral_at, coalesce(excluded.referral_at, referral_at)) END`,
			t.sender,
			t.contact,
			t.at,
			t.referral ? t.at : null,
		);
	}
}

/** 131047 answers, inside the caller's write transaction: closed until the contact writes again. */
export function writeCloses(db: SqliteDatabase, closes: readonly WindowClose[]): void {
	for (const c of closes) {
		db.run(
			`UPDATE windows SET closed_at = max(coalesce(closed_at, 0), ?)
			WHERE sender = ? AND contact = ? AND last_inbound_at <= ?`,
			c.at,
			c.sender,
			c.contact,
			c.at,
		);
	}
}

export class SqliteWindows implements WindowStore {
	constructor(private readonly db: SqliteDatabase) {}

	async touchWindows(touches: InboundTouch[]): Promise<void> {
		await this.db.ready();
		checkWindows('touchWindows', touches);
		await this.db.write(() => {
			const { effects } = withoutErased(this.db, { windows: touches });
			writeTouches(this.db, effects.windows ?? []);
		});
	}

	async closeWindows(closes: WindowClose[]): Promise<void> {
		await this.db.ready();
		checkWindows('closeWindows', closes);
		await this.db.write(() => {
			const { effects } = withoutErased(this.db, { closeWindows: closes });
			writeCloses(this.db, effects.closeWindows ?? []);
		});
	}

	/**
	 * Reads the windows the replies went to, lets policy/fep.ts decide which replies started a
	 * free entry point, and writes those starts: in one write transaction.
	 */
	async startFreeEntryPoints(starts: WindowClose[]): Promise<void> {
		await this.db.ready();
		checkWindows('startFreeEntryPoints', starts);
		if (starts.length === 0) return;
		await this.db.write(() => {
			const windows = new Map(
				this.db
					.all(
						`SELECT w.* FROM json_each(?) AS p
						JOIN windows AS w ON w.sender = p.value ->> 0 AND w.contact = p.value ->> 1`,
						JSON.stringify(starts.map((s) => [s.sender, s.contact])),
					)
					.map((row) => [JSON.stringify([row.sender, row.contact]), toWindow(row)]),
			);
			const started = freeEntryPointStarts(starts, (sender, contact) =>
				windows.get(JSON.stringify([sender, contact])),
			);
			for (const s of started) {
				this.db.run(
					'UPDATE windows SET fep_started_at = ? WHERE sender = ? AND contact = ?',
					s.at,
					s.sender,
					s.contact,
				);
			}
		});
	}
}
