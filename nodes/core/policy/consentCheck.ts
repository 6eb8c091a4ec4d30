import {
	ALL_PURPOSES,
	MARKETING,
	TRANSACTIONAL,
	type ConsentRecord,
	type Purpose,
	type TemplateCategory,
} from '../model';
import { checkConsent, summarizeConsent, type ConsentSummary } from './consent';
import { checkErasure } from './erasure';
import { TEMPLATE_SEND_RULES } from './evaluate';
import { PolicyOptionError, type Decision, type Hold, type RuleId } from './types';

/*
 * The consent part of a template send, without a template: "may this contact get a template for
 * this purpose?" (the Opt-in Manager's Check and Get Status). The rules and their order are those
 * of evaluateTemplateSend; the purpose stands for the template category Send Template would check.
 */

export interface ConsentOnlyInput {
	/** The contact as the user gave it, used in messages. */
	contact: string;
	/**
	 * What is asked for: MARKETING, TRANSACTIONAL (a utility or authentication template) or a
	 * user-defined topic (a marketing template on that topic). Not ALL_PURPOSES.
	 */
	purpose: Purpose;
	/** The contact's current consent records (ContactSnapshot.consents). */
	records: readonly ConsentRecord[];
	/** The contact is on the suppression list after an erasure (ContactSnapshot.suppressed). */
	suppressed: boolean;
}

/** An allow of Check, with its sentence. */
export interface ConsentOnlyAllow {
	allowed: true;
	/** One sentence: what may be sent, and what Send Template still checks when it sends. */
	message: string;
}

/** What Check answers: a Decision, the category the purpose stands for, and when. */
export type ConsentOnlyDecision = (ConsentOnlyAllow | Hold) & {
	purpose: Purpose;
	/** The template category Send Template would check consent for. */
	category: TemplateCategory;
	/** Set when the purpose is a user-defined topic. */
	topic?: Purpose;
	/** The moment the decision describes. */
	asOf: number;
};

/**
 * The template category a purpose stands for, as Send Template sees it: transactional messages are
 * utility templates (any active opt-in allows them), marketing and topics are marketing templates.
 */
export function categoryForPurpose(purpose: Purpose): TemplateCategory {
	return purpose === TRANSACTIONAL ? 'utility' : 'marketing';
}

interface Question extends ConsentOnlyInput {
	category: TemplateCategory;
	topic?: Purpose;
}

const CHECKS: Partial<Record<RuleId, (q: Question) => Decision>> = {
	erasure: (q) => checkErasure({ contact: q.contact, suppressed: q.suppressed }),
	consent: (q) =>
		checkConsent({ contact: q.contact, category: q.category, consents: q.records, topic: q.topic }),
};

/** The rules Check runs: those of TEMPLATE_SEND_RULES that need no template, in the same order. */
export const CONSENT_ONLY_RULES: readonly RuleId[] = Object.freeze(
	TEMPLATE_SEND_RULES.filter((rule) => CHECKS[rule] !== undefined),
);

/**
 * Erasure, then consent (with opt-out wins and double opt-in), as evaluateTemplateSend runs them
 * for a template of the purpose's category; the first hold wins.
 */
export function evaluateConsentOnly(input: ConsentOnlyInput, now: number): ConsentOnlyDecision {
	const purpose = typeof input.purpose === 'string' ? input.purpose.trim() : '';
	if (purpose === '' || purpose === ALL_PURPOSES) {
		throw new PolicyOptionError(
			'purpose',
			`The purpose "${String(input.purpose)}" cannot be checked: use "${MARKETING}", "${TRANSACTIONAL}" or a consent topic such as "back_in_stock".`,
		);
	}
	const category = categoryForPurpose(purpose);
	const topic = purpose === MARKETING || purpose === TRANSACTIONAL ? undefined : purpose;
	const question: Question = { ...input, purpose, category, topic };
	const about = { purpose, category, ...(topic !== undefined ? { topic } : {}), asOf: now };
	for (const rule of CONSENT_ONLY_RULES) {
		const decision = (CHECKS[rule] as (q: Question) => Decision)(question);
		if (!decision.allowed) return { ...decision, ...about };
	}
	return { allowed: true, message: allowedMessage(question), ...about };
}

function allowedMessage({ contact, category, topic }: Question): string {
	if (topic !== undefined) {
		return `${contact} opted in to "${topic}" messages and has not stopped marketing, so marketing templates on this topic may be sent (the frequency cap and quiet hours apply when sending).`;
	}
	if (category === 'marketing') {
		return `${contact} opted in to marketing messages, so marketing templates may be sent (the frequency cap and quiet hours apply when sending).`;
	}
	return `${contact} has an active opt-in, so utility and authentication templates may be sent.`;
}

export interface ContactConsentInput {
	/** The contact's current consent records (ContactSnapshot.consents). */
	records: readonly ConsentRecord[];
	/** The contact is on the suppression list after an erasure. */
	suppressed: boolean;
}

/** summarizeConsent plus erasure: a suppressed contact can receive nothing, whatever the records. */
export interface ContactConsentSummary extends ConsentSummary {
	suppressed: boolean;
}

/**
 * The consent view of Get Status: per purpose status, and what may be sent now by the same rules
 * as Check (erasure, then consent) for marketing and for utility templates.
 */
export function summarizeContactConsent(
	input: ContactConsentInput,
	now: number,
): ContactConsentSummary {
	const summary = summarizeConsent(input.records, now);
	const can = (purpose: Purpose) =>
		evaluateConsentOnly(
			{ contact: '', purpose, records: input.records, suppressed: input.suppressed },
			now,
		).allowed;
	return {
		...summary,
		suppressed: input.suppressed,
		canReceive: { marketing: can(MARKETING), utility: can(TRANSACTIONAL) },
	};
}
