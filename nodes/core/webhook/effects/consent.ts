/** Webhook effects: the consent rules the effects apply (see index.ts). */

import {
	ALL_PURPOSES,
	MARKETING,
	type ConsentEvent,
	type ConsentRecord,
	type ConsentStatus,
	type Purpose,
} from '../../model';
import { effectiveConsent } from '../../policy/consent';
import { effectiveTime } from '../../policy/consentChange';
import { MAX_EFFECT_TEXT_LENGTH } from '../dropped';
import { WHATSAPP_SETTING_SOURCES } from './options';

/**
 * The marketing status a WhatsApp-setting resume restores: the contact's latest applied marketing
 * change must be a stop from WhatsApp's setting (user_preferences, or a 131050 failure); the status
 * before that run of stops is returned when it was opted in or pending. Undefined otherwise: the
 * contact is not stopped there, or had no marketing consent to restore.
 */
export function marketingBeforeWhatsAppStop(
	history: readonly ConsentEvent[],
): Exclude<ConsentStatus, 'opted_out'> | undefined {
	const marketing = history
		.filter((e) => e.purpose === MARKETING && e.applied)
		.sort((a, b) => effectiveTime(a) - effectiveTime(b) || a.id - b.id);
	const isSettingStop = (e: ConsentEvent) =>
		e.action === 'opt_out' && WHATSAPP_SETTING_SOURCES.includes(e.source);
	let i = marketing.length - 1;
	if (i < 0 || !isSettingStop(marketing[i])) return undefined;
	while (i >= 0 && isSettingStop(marketing[i])) i--;
	if (i < 0) return undefined;
	const before = marketing[i].statusAfter;
	return before === 'opted_in' || before === 'pending' ? before : undefined;
}

/** Purposes waiting for the contact's confirmation (a full opt-out newer than the request wins). */
export function pendingPurposes(consents: readonly ConsentRecord[]): Purpose[] {
	const purposes = new Set(consents.map((c) => c.purpose));
	return [...purposes]
		.filter((p) => p !== ALL_PURPOSES && effectiveConsent(consents, p)?.status === 'pending')
		.sort();
}

/**
 * The wording kept with a consent change: at most MAX_EFFECT_TEXT_LENGTH characters (Meta's
 * longest text), so an opt-out with an absurdly long button title or preference detail is still
 * recorded, without a megabyte of it.
 */
export function cutWording(wording: string): string {
	if (wording.length <= MAX_EFFECT_TEXT_LENGTH) return wording;
	const note = ` [cut from ${wording.length} characters]`;
	let end = MAX_EFFECT_TEXT_LENGTH - note.length;
	// Not between the two halves of a surrogate pair.
	if (/[\ud800-\udbff]/.test(wording[end - 1])) end--;
	return wording.slice(0, end) + note;
}
