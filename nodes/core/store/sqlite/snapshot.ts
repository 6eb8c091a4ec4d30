/**
 * What the send rules read for a batch (SnapshotStore): each role's rows, read in one read
 * transaction, so they all see one state of the file.
 */
import {
	lowerMessagingLimit,
	messagingLimitFromMeta,
	MESSAGING_LIMIT_PERIOD_MS,
	reachListLength,
} from '../../policy/messagingLimit';
import { withTemplateQuality } from '../batches';
import { toConsentRecord, toWindow } from '../rows';
import { accountEntries, contactEntries, snapshotQuery } from '../snapshot';
import type { Snapshot, SnapshotRequest, SnapshotStore } from '../types';
import type { SqliteDatabase } from './connection';
import { consentRows } from './consents';
import { suppressedHashes } from './erasure';
import { oldestReach, reachCount, reachedRows } from './reach';
import { marketingSentRows, optOutConfirmationRows, sendsByKey } from './sends';
import { standingOf, storedMessagingLimit, templateStates } from './standing';
import { windowRows } from './windows';

export class SqliteSnapshot implements SnapshotStore {
	constructor(private readonly db: SqliteDatabase) {}

	async getSnapshot(request: SnapshotRequest): Promise<Snapshot> {
		const hash = await this.db.ready();
		const { contacts, keys, templates, subjects } = snapshotQuery(request);
		const { byContact, byHash } = contactEntries(contacts, hash);
		const hashes = [...byHash.keys()];
		const snapshot: Snapshot = { contacts: byContact, sends: new Map(), templates: [] };
		const db = this.db;

		await db.read(() => {
			if (contacts.length > 0) {
				for (const row of consentRows(db, contacts)) {
					byContact.get(String(row.contact))!.consents.push(toConsentRecord(row));
				}
				for (const row of windowRows(db, request.sender, contacts)) {
					byContact.get(String(row.contact))!.window = toWindow(row);
				}
				for (const contactHash of suppressedHashes(db, hashes)) {
					byHash.get(contactHash)!.suppressed = true;
				}
				for (const row of marketingSentRows(db, contacts, request.marketingSince)) {
					byContact.get(String(row.contact))!.marketingSentAt.push(Number(row.created_at));
				}
				for (const row of optOutConfirmationRows(db, contacts)) {
					byContact
						.get(String(row.contact))!
						.optOutConfirmationsSentAt.push(Number(row.created_at));
				}
			}
			if (keys.length > 0) snapshot.sends = sendsByKey(db, keys);
			const standing = subjects.length > 0 ? standingOf(db, subjects, request.sender) : [];
			if (templates.length > 0) {
				snapshot.templates = withTemplateQuality(templateStates(db, templates), standing);
			}
			if (request.standing) {
				snapshot.standing = accountEntries(standing);
			}
			if (request.reach) {
				const { now, oldest, limit } = request.reach;
				const since = now - MESSAGING_LIMIT_PERIOD_MS;
				for (const row of reachedRows(db, hashes, since)) {
					byHash.get(String(row.contact_hash))!.reachedAt = Number(row.reached_at);
				}
				const stored = messagingLimitFromMeta(storedMessagingLimit(db));
				const count = reachCount(db, since);
				snapshot.reach = {
					count,
					oldestReachedAt: oldestReach(
						db,
						since,
						reachListLength(count, lowerMessagingLimit(stored, limit), oldest),
					),
				};
			}
		});
		return snapshot;
	}
}
