/** What the snapshots of both backends share: the request checked, and the shape they fill in. */
import { PORTFOLIO, templateSubject, type StandingEntry } from '../standing';
import { unique } from './batches';
import { checkText, checkTime, uniqueTemplateKeys } from './checks';
import type { ContactSnapshot, SnapshotRequest, TemplateKey } from './types';

/** A snapshot request, checked and without repeats. */
export interface SnapshotQuery {
	readonly contacts: string[];
	readonly keys: string[];
	readonly templates: TemplateKey[];
	/** The standing subjects to read: the templates', and the portfolio's and sender's if asked. */
	readonly subjects: string[];
}

export function snapshotQuery(request: SnapshotRequest): SnapshotQuery {
	checkText('getSnapshot: sender', request.sender);
	checkTime('getSnapshot: marketingSince', request.marketingSince);
	const contacts = unique(request.contacts);
	contacts.forEach((c, i) => checkText(`getSnapshot: contacts[${i}]`, c));
	const templates = uniqueTemplateKeys('getSnapshot', request.templates ?? []);
	const subjects = templates.map(templateSubject);
	if (request.standing) subjects.push(PORTFOLIO, request.sender);
	return {
		contacts,
		keys: unique(request.idempotencyKeys ?? []),
		templates,
		subjects: unique(subjects),
	};
}

/** One empty entry per contact, found by contact and by the contact's hash, to be filled in. */
export function contactEntries(
	contacts: readonly string[],
	hash: (contact: string) => string,
): { byContact: Map<string, ContactSnapshot>; byHash: Map<string, ContactSnapshot> } {
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
	return { byContact, byHash };
}

/** Snapshot.standing: the entries read, without the templates' (in Snapshot.templates). */
export function accountEntries(entries: readonly StandingEntry[]): StandingEntry[] {
	return entries.filter((e) => !e.subject.startsWith('template:'));
}

/**
 * What the template rules read of a contact's snapshot entry; a contact the store never saw has
 * no consent, no window and no marketing sent.
 */
export function contactRuleFacts(contact: ContactSnapshot | undefined): {
	consents: ContactSnapshot['consents'];
	suppressed: boolean;
	window: ContactSnapshot['window'];
	marketingSentAt: number[];
} {
	return {
		consents: contact?.consents ?? [],
		suppressed: contact?.suppressed ?? false,
		window: contact?.window,
		marketingSentAt: contact?.marketingSentAt ?? [],
	};
}
