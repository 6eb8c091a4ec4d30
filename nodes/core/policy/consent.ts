import { CLOCK_SKEW_ALLOWANCE } from '../clock';
import {
	ALL_PURPOSES,
	MARKETING,
	OPT_OUT_CONFIRMATION_KIND_PREFIX,
	type ConsentRecord,
	type ConsentSource,
	type ConsentStatus,
	type Purpose,
	type TemplateCategory,
} from '../model';
import { formatUtc } from './format';
import { ALLOW, PolicyOptionError, type Decision, type Hold } from './types';

/*
 * Three rules live here because they read the same records:
 * - consent: business-initiated templates need an active opt-in for the template's purpose
 *   (marketing: the marketing purpose, or the given topic; utility and authentication: any purpose).
 * - opt-out wins: a purpose is opted out when its latest change is an opt-out. A STOP-style keyword
 *   is an opt-out on ALL_PURPOSES (see model.ts) and overrides every older change of every purpose.
 * - double opt-in: a pending purpose permits no marketing; the only message a pending contact may
 *   get is the confirmation request itself, a utility template (doiConfirmation).
 */

export interface EffectiveConsent {
	status: ConsentStatus;
	changedAt: number;
	source: ConsentSource;
	/** The status comes from an ALL_PURPOSES opt-out newer than the purpose's own last change. */
	byFullOptOut: boolean;
}

/** One record per purpose: the latest change, an opt-out winning a tie (as the store does). */
function indexByPurpose(records: readonly ConsentRecord[]): Map<Purpose, ConsentRecord> {
	const byPurpose = new Map<Purpose, ConsentRecord>();
	for (const record of records) {
		const seen = byPurpose.get(record.purpose);
		if (!seen || newerOrOptOut(record, seen)) byPurpose.set(record.purpose, record);
	}
	return byPurpose;
}

function newerOrOptOut(a: ConsentRecord, b: ConsentRecord): boolean {
	if (a.changedAt !== b.changedAt) return a.changedAt > b.changedAt;
	return a.status === 'opted_out' && b.status !== 'opted_out';
}

function effective(
	byPurpose: Map<Purpose, ConsentRecord>,
	purpose: Purpose,
): EffectiveConsent | undefined {
	const own = byPurpose.get(purpose);
	const all = purpose === ALL_PURPOSES ? undefined : byPurpose.get(ALL_PURPOSES);
	// Only an opt-out on ALL_PURPOSES speaks for other purposes; on a tie the opt-out wins.
	if (all?.status === 'opted_out' && (!own || own.changedAt <= all.changedAt)) {
		return {
			status: 'opted_out',
			changedAt: all.changedAt,
			source: all.source,
			byFullOptOut: true,
		};
	}
	if (!own) return undefined;
	return { status: own.status, changedAt: own.changedAt, source: own.source, byFullOptOut: false };
}

/** The status that decides for `purpose`, after opt-out wins; undefined when never recorded. */
export function effectiveConsent(
	records: readonly ConsentRecord[],
	purpose: Purpose,
): EffectiveConsent | undefined {
	return effective(indexByPurpose(records), purpose);
}

export interface ConsentInput {
	/** The contact as the user gave it, used in messages. */
	contact: string;
	/** The template's category as Meta has it now (see templateStatus.ts). */
	category: TemplateCategory;
	/** The contact's current consent records (ContactSnapshot.consents). */
	consents: readonly ConsentRecord[];
	/**
	 * Marketing only: the user-defined topic the template belongs to (e.g. "back_in_stock"). The
	 * topic must be opted in and marketing must not be opted out.
	 */
	topic?: Purpose;
	/**
	 * The template is the double opt-in confirmation request: a utility template that may go to a
	 * contact whose consent is pending. Ignored for other categories (a confirmation request must
	 * not advertise).
	 */
	doiConfirmation?: boolean;
}

/** The consent, opt-out wins and double opt-in rules for one business-initiated template. */
export function checkConsent(input: ConsentInput): Decision {
	const byPurpose = indexByPurpose(input.consents);
	return input.category === 'marketing'
		? checkMarketing(input, byPurpose)
		: checkAnyOptIn(input, byPurpose);
}

function checkMarketing(input: ConsentInput, byPurpose: Map<Purpose, ConsentRecord>): Decision {
	const { contact, topic } = input;
	if (topic !== undefined && (topic.trim() === '' || topic === ALL_PURPOSES)) {
		throw new PolicyOptionError(
			'topic',
			`The consent topic "${topic}" is not a purpose: leave it empty for plain marketing consent, or name a topic such as "back_in_stock".`,
		);
	}
	const marketing = effective(byPurpose, MARKETING);
	if (marketing?.status === 'opted_out') return optedOut(contact, marketing, MARKETING);
	if (topic !== undefined && topic !== MARKETING) {
		const ofTopic = effective(byPurpose, topic);
		if (ofTopic?.status === 'opted_in') return ALLOW;
		if (ofTopic?.status === 'opted_out') return optedOut(contact, ofTopic, topic);
		if (ofTopic?.status === 'pending') return pending(contact, `"${topic}" messages`);
		return noConsent(
			`${contact} has not opted in to "${topic}" messages, so this marketing template is not sent: record their opt-in for "${topic}" with the Opt-in Manager first.`,
		);
	}
	if (marketing?.status === 'opted_in') return ALLOW;
	if (marketing?.status === 'pending') return pending(contact, 'marketing messages');
	return noConsent(
		`${contact} has not opted in to marketing messages, so this marketing template is not sent: record their opt-in (when, where and the wording they agreed to) with the Opt-in Manager first.`,
	);
}

function checkAnyOptIn(input: ConsentInput, byPurpose: Map<Purpose, ConsentRecord>): Decision {
	const { contact, category } = input;
	const statuses = [...byPurpose.keys()].map((purpose) => effective(byPurpose, purpose));
	if (statuses.some((s) => s?.status === 'opted_in')) return ALLOW;
	const anyPending = statuses.some((s) => s?.status === 'pending');
	if (anyPending && input.doiConfirmation === true && category === 'utility') return ALLOW;
	if (anyPending) {
		return {
			allowed: false,
			rule: 'double opt-in',
			reason: 'consent_pending',
			message: `${contact} has not yet confirmed their opt-in on WhatsApp (double opt-in), so only the confirmation request may be sent to them: if this ${category} template is that request, mark it as the double opt-in confirmation, otherwise wait for their confirmation.`,
		};
	}
	const all = byPurpose.get(ALL_PURPOSES);
	if (all?.status === 'opted_out') {
		const full = { status: all.status, changedAt: all.changedAt, source: all.source };
		return optedOut(contact, { ...full, byFullOptOut: true }, ALL_PURPOSES);
	}
	const withdrew = byPurpose.size > 0;
	return noConsent(
		withdrew
			? `${contact} has withdrawn every opt-in they gave, so this ${category} template is not sent: message them again only after they opt in again.`
			: `${contact} has no opt-in on record, so this ${category} template is not sent: record their opt-in with the Opt-in Manager first.`,
	);
}

function optedOut(contact: string, status: EffectiveConsent, purpose: Purpose): Hold {
	const when = `on ${formatUtc(status.changedAt)}`;
	if (status.byFullOptOut) {
		return {
			allowed: false,
			rule: 'opt-out wins',
			reason: 'opted_out',
			message: `${contact} opted out of all messages from this business ${when} (source: ${status.source}), so nothing but a reply to their own new message may be sent: they have to opt in again themselves.`,
		};
	}
	if (purpose === MARKETING) {
		return {
			allowed: false,
			rule: 'opt-out wins',
			reason: 'marketing_opted_out',
			message: `${contact} stopped marketing messages ${when} (source: ${status.source}), so this marketing template is not sent: utility and authentication templates can still go to them.`,
		};
	}
	return {
		allowed: false,
		rule: 'opt-out wins',
		reason: 'topic_opted_out',
		message: `${contact} opted out of "${purpose}" messages ${when} (source: ${status.source}), so this template is not sent: they have to opt in to "${purpose}" again first.`,
	};
}

function pending(contact: string, what: string): Hold {
	return {
		allowed: false,
		rule: 'double opt-in',
		reason: 'consent_pending',
		message: `${contact} has not yet confirmed on WhatsApp that they want ${what} (double opt-in pending), so no marketing is sent: send the confirmation request and wait for their reply.`,
	};
}

function noConsent(message: string): Hold {
	return { allowed: false, rule: 'consent', reason: 'no_consent', message };
}

export interface PurposeConsent {
	purpose: Purpose;
	/** The status that decides, after opt-out wins. */
	status: ConsentStatus;
	/** The purpose's own stored status (differs when a full opt-out overrides it). */
	recordedStatus: ConsentStatus;
	changedAt: number;
	source: ConsentSource;
	overriddenByFullOptOut: boolean;
	optedInAt?: number;
	confirmedAt?: number;
	optedOutAt?: number;
}

export interface ConsentSummary {
	/** The time the summary describes. */
	asOf: number;
	/** Set when a STOP-style opt-out of everything is in force. */
	fullOptOut?: { at: number; source: ConsentSource };
	/** One entry per recorded purpose (ALL_PURPOSES included, as "*"), sorted by purpose. */
	purposes: PurposeConsent[];
	/** What a business-initiated template may be now (authentication follows utility). */
	canReceive: { marketing: boolean; utility: boolean };
}

/** The consent view the Opt-in Manager shows: per purpose status and what may be sent. */
export function summarizeConsent(records: readonly ConsentRecord[], now: number): ConsentSummary {
	const byPurpose = indexByPurpose(records);
	const purposes = [...byPurpose.values()]
		.sort((a, b) => (a.purpose < b.purpose ? -1 : a.purpose > b.purpose ? 1 : 0))
		.map((record): PurposeConsent => {
			const decided = effective(byPurpose, record.purpose) as EffectiveConsent;
			return {
				purpose: record.purpose,
				status: decided.status,
				recordedStatus: record.status,
				changedAt: decided.changedAt,
				source: decided.source,
				overriddenByFullOptOut: decided.byFullOptOut,
				optedInAt: record.optedInAt,
				confirmedAt: record.confirmedAt,
				optedOutAt: record.optedOutAt,
			};
		});
	const all = byPurpose.get(ALL_PURPOSES);
	const canReceive = (category: TemplateCategory) =>
		checkConsent({ contact: '', category, consents: records }).allowed;
	return {
		asOf: now,
		fullOptOut: all?.status === 'opted_out' ? { at: all.changedAt, source: all.source } : undefined,
		purposes,
		canReceive: { marketing: canReceive('marketing'), utility: canReceive('utility') },
	};
}

export interface ReplyAfterOptOutInput {
	/** The contact as the user gave it, used in the message. */
	contact: string;
	consents: readonly ConsentRecord[];
	/** The contact's last message to this sender number (WindowState.lastInboundAt). */
	lastInboundAt: number | undefined;
	/** The reply confirms the contact's opt-out ("You will get no more messages"). */
	optOutConfirmation?: boolean;
	/**
	 * When replies marked as opt-out confirmations went to the contact
	 * (ContactSnapshot.optOutConfirmationsSentAt), plus those allowed earlier in the same batch.
	 */
	optOutConfirmationsSentAt?: readonly number[];
}

/** How many replies marked as the confirmation one full opt-out allows. */
export const OPT_OUT_CONFIRMATIONS_PER_OPT_OUT = 1;

/** SentMessage.kind of a reply of `kind` sent as an opt-out confirmation. */
export function optOutConfirmationKind(kind: string): string {
	return `${OPT_OUT_CONFIRMATION_KIND_PREFIX}${kind}`;
}

/**
 * Opt-out wins, for free-form replies inside the customer service window. A reply answers the
 * contact's own message, so it needs no opt-in (Meta: opt-in covers business-initiated messages),
 * with one exception: after a STOP-style opt-out of everything, the only reply to the message that
 * carried it (or to anything older) is the confirmation of the opt-out, one per opt-out
 * (OPT_OUT_CONFIRMATIONS_PER_OPT_OUT). Confirmations count from the opt-out's time less
 * CLOCK_SKEW_ALLOWANCE: they are stamped by the n8n host, whose clock may run behind Meta's.
 * When the contact writes again after opting out, answering that new message is allowed again;
 * their templates stay held.
 */
export function checkReplyAfterOptOut(input: ReplyAfterOptOutInput): Decision {
	const byPurpose = indexByPurpose(input.consents);
	const all = byPurpose.get(ALL_PURPOSES);
	if (all?.status !== 'opted_out') return ALLOW;
	// A purpose opted in after the full opt-out means the contact came back.
	const cameBack = [...byPurpose.keys()].some(
		(purpose) => effective(byPurpose, purpose)?.status === 'opted_in',
	);
	if (cameBack) return ALLOW;
	if (input.lastInboundAt !== undefined && input.lastInboundAt > all.changedAt) return ALLOW;
	const when = formatUtc(all.changedAt);
	if (input.optOutConfirmation === true) {
		const since = all.changedAt - CLOCK_SKEW_ALLOWANCE;
		const sent = (input.optOutConfirmationsSentAt ?? []).filter((at) => at >= since).length;
		if (sent < OPT_OUT_CONFIRMATIONS_PER_OPT_OUT) return ALLOW;
		return {
			allowed: false,
			rule: 'opt-out wins',
			reason: 'opt_out_confirmed',
			message: `${input.contact} opted out of all messages from this business on ${when} and the confirmation of that opt-out was sent already, so this reply is not sent: one confirmation per opt-out; send nothing more unless they write again.`,
		};
	}
	return {
		allowed: false,
		rule: 'opt-out wins',
		reason: 'opted_out',
		message: `${input.contact} opted out of all messages from this business on ${when} (source: ${all.source}), so the only reply allowed is the confirmation of that opt-out: mark this reply as the opt-out confirmation if it is one, otherwise send nothing unless they write again.`,
	};
}
