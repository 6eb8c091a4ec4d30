/**
 * Erasure stays erased (GDPR Art. 17): after Contact > Erase, the store keeps only the contact's
 * salted hash on the suppression list. Meta still sends what it has about the contact, hours or
 * days later: delivered and read statuses of messages sent before the erasure (with pricing), a
 * late message, a 131047 or 131050 failure. Both backends pass every batch of effects through
 * this function, in the transaction that writes them and after reading the suppression list
 * under the contacts' locks, so nothing personal comes back:
 * - windows opened or closed for an erased contact are not stored (nothing may be sent anyway);
 * - a cost entry is kept for the bill, with the contact replaced by its hash (as the erasure does
 *   with the entries it finds);
 * - consent events of an erased contact are dropped by the consent rule (decideConsentBatch);
 * - template states, send failures and confirmations (by wamid or callback id) name no contact
 *   and are kept;
 * - a pairing of phone number and business-scoped user ID is not stored when either was erased.
 */
import type { EraseReport, StoreEffects } from './types';

/** Every contact the effects would store. */
export function contactsOfEffects(effects: StoreEffects): string[] {
	return [
		...new Set([
			...(effects.windows ?? []).map((w) => w.contact),
			...(effects.closeWindows ?? []).map((w) => w.contact),
			...(effects.costs ?? []).map((c) => c.contact),
			...(effects.consent ?? []).map((e) => e.contact),
			...(effects.aliases ?? []).flatMap((a) => [a.contact, a.userId]),
		]),
	];
}

/** The effects with nothing personal about the `erased` contacts (see above). */
export function withoutErasedContacts(
	effects: StoreEffects,
	erased: ReadonlySet<string>,
	hash: (contact: string) => string,
): StoreEffects {
	if (erased.size === 0) return effects;
	const kept: StoreEffects = { ...effects };
	if (effects.windows) kept.windows = effects.windows.filter((w) => !erased.has(w.contact));
	if (effects.closeWindows) {
		kept.closeWindows = effects.closeWindows.filter((w) => !erased.has(w.contact));
	}
	if (effects.aliases) {
		kept.aliases = effects.aliases.filter((a) => !erased.has(a.contact) && !erased.has(a.userId));
	}
	if (effects.costs) {
		kept.costs = effects.costs.map((c) =>
			erased.has(c.contact) ? { ...c, contact: hash(c.contact) } : c,
		);
	}
	return kept;
}

/**
 * The report of a contact erased together with its aliases (its BSUIDs, or its number): the rows
 * erased under every name count for the contact asked for.
 */
export function withAliasCounts(report: EraseReport, alias: EraseReport): EraseReport {
	return {
		...report,
		consentRecords: report.consentRecords + alias.consentRecords,
		consentEvents: report.consentEvents + alias.consentEvents,
		windows: report.windows + alias.windows,
		costEntriesAnonymised: report.costEntriesAnonymised + alias.costEntriesAnonymised,
		sentMessagesAnonymised: report.sentMessagesAnonymised + alias.sentMessagesAnonymised,
	};
}
