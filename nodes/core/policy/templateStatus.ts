import type { TemplateCategory, TemplateState } from '../model';
import type { Allow, Hold } from './types';

/*
 * Only approved templates are sent. Meta's status webhook also reports events on an approved
 * template that do not stop sending: REINSTATED ("no longer flagged or disabled and can be sent
 * again"), FLAGGED ("at risk of being disabled") and LOCKED ("cannot be edited"). They count as
 * approved here so a store that keeps the last webhook event as the status holds nothing back
 * that Meta would deliver.
 */
const SENDABLE = new Set(['APPROVED', 'REINSTATED', 'FLAGGED', 'LOCKED']);

/** What each status that cannot be sent means, and what to do about it. */
const NOT_APPROVED: Record<string, [what: string, fix: string]> = {
	PENDING: ['is still in review at Meta', 'wait for the approval (up to 24 hours) and run again'],
	IN_APPEAL: ['is in appeal at Meta', 'wait for the outcome, or use another approved template'],
	REJECTED: [
		'was rejected by Meta',
		'edit it in WhatsApp Manager and submit it again, or use another approved template',
	],
	PENDING_DELETION: ['is being deleted', 'use another approved template'],
	DELETED: ['was deleted', 'create it again or use another approved template'],
	ARCHIVED: ['is archived', 'unarchive it in WhatsApp Manager or use another approved template'],
	LIMIT_EXCEEDED: [
		'was not created because the WhatsApp Business account reached its template limit',
		'delete unused templates and submit it again',
	],
};

const CATEGORIES: readonly TemplateCategory[] = ['marketing', 'utility', 'authentication'];

export interface TemplateStatusInput {
	/** The contact as the user gave it, used in the message. */
	contact: string;
	template: {
		name: string;
		language: string;
		/** The category the caller assumed; Meta's current category (state) overrides it. */
		category?: TemplateCategory;
	};
	/** The template as Meta last reported it; undefined when the account has no such template. */
	state: TemplateState | undefined;
}

export type TemplateStatusDecision =
	| (Allow & {
			/** The category every other rule and the price use: Meta's, else the assumed one. */
			category: TemplateCategory;
			/** Meta's category differs from the one the caller assumed. */
			categoryChanged: boolean;
	  })
	| (Hold & { category?: TemplateCategory });

/**
 * A template category as Meta writes it ("MARKETING", "utility"...) as ours; undefined for
 * anything else (Meta's list, webhooks and users write it in either case).
 */
export function templateCategoryOf(value: string | undefined): TemplateCategory | undefined {
	const lower = value?.toLowerCase();
	return CATEGORIES.find((c) => c === lower);
}

/**
 * The template status rule: only approved templates, in the category Meta has now (Meta bills and
 * enforces the category in force when the message is sent, not the one it was created with).
 * A template whose category is known nowhere counts as marketing: Meta files unclear content
 * there, and it is the strictest and most expensive reading.
 */
export function checkTemplateStatus(input: TemplateStatusInput): TemplateStatusDecision {
	const { contact, template, state } = input;
	const label = `The template "${template.name}" (${template.language})`;
	if (!state) {
		return {
			allowed: false,
			rule: 'template status',
			reason: 'template_unknown',
			message: `${label} was not found in the WhatsApp Business account, so nothing was sent to ${contact}: check the name and language, or refresh the template list if it was created just now.`,
			category: template.category,
		};
	}
	const assumed = templateCategoryOf(template.category);
	const category = templateCategoryOf(state.category) ?? assumed ?? 'marketing';
	const status = state.status.toUpperCase();
	if (SENDABLE.has(status)) {
		return {
			allowed: true,
			category,
			categoryChanged: assumed !== undefined && assumed !== category,
		};
	}
	const held = (reason: Hold['reason'], what: string, fix: string): TemplateStatusDecision => ({
		allowed: false,
		rule: 'template status',
		reason,
		message: `${label} ${what}, so nothing was sent to ${contact}: ${fix}.`,
		category,
	});
	if (status === 'PAUSED') {
		return held(
			'template_paused',
			'is paused by Meta because recipients gave it low-quality feedback',
			'it resumes by itself after 3 hours (6 hours the second time), or unpause it in WhatsApp Manager, then run again',
		);
	}
	if (status === 'DISABLED') {
		return held(
			'template_disabled',
			'was disabled by Meta after repeated quality pauses',
			'create a new template with different content, or appeal in WhatsApp Manager',
		);
	}
	const [what, fix] = NOT_APPROVED[status] ?? [
		`has the status ${state.status}, not APPROVED`,
		'only approved templates can be sent, so check it in WhatsApp Manager',
	];
	const why =
		state.reason && state.reason.toUpperCase() !== 'NONE' ? ` (reason: ${state.reason})` : '';
	return held('template_not_approved', what + why, fix);
}
