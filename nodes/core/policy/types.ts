/**
 * What every rule answers. Rules are pure: plain values and `now` in, a Decision out.
 * A Hold says which rule held the message back (`rule`, as named in docs/DESIGN.md's table), a stable
 * code for workflows to branch on (`reason`) and one sentence for the person running the workflow.
 */

/** Rule ids, as docs/DESIGN.md names them ("erasure" is the suppression list kept after GDPR erasure). */
export type RuleId =
	| 'window'
	| 'fep'
	| 'consent'
	| 'opt-out wins'
	| 'double opt-in'
	| 'erasure'
	| 'template status'
	| 'us marketing'
	| 'frequency cap'
	| 'quiet hours'
	| 'quality'
	| 'messaging limit'
	| 'idempotency'
	| 'recipient guard';

/** Every reason a rule holds a message back for: the stable codes workflows branch on. */
export const HOLD_REASONS = [
	/** No customer service window: only a template can be sent. */
	'window_closed',
	/** No active opt-in for what the template needs. */
	'no_consent',
	/** Consent waits for the contact's confirmation on WhatsApp (double opt-in). */
	'consent_pending',
	/** The contact opted out of everything (STOP-style keyword). */
	'opted_out',
	/** The reply allowed after a full opt-out, its confirmation, was sent already. */
	'opt_out_confirmed',
	/** The contact stopped marketing ("stop promotions" button, user_preferences stop). */
	'marketing_opted_out',
	/** The contact opted out of the template's topic (a user-defined purpose). */
	'topic_opted_out',
	/** The contact was erased and stays on the suppression list. */
	'suppressed',
	'template_paused',
	'template_disabled',
	/** Pending review, rejected, in appeal, deleted, archived... */
	'template_not_approved',
	/** No such template (name and language) in the WhatsApp Business account. */
	'template_unknown',
	/** Meta delivers no marketing templates to US numbers. */
	'us_marketing',
	'frequency_cap',
	'quiet_hours',
	/** The sending number's quality rating is low (RED, or flagged): marketing waits. */
	'quality_low',
	/** The template's quality rating is low (RED): it waits. */
	'template_quality_low',
	/**
	 * The portfolio already reached its messaging limit of unique contacts outside the customer
	 * service window in the moving 24 hours, and this contact would be a new one.
	 */
	'messaging_limit',
	/** Already sent with this idempotency key: `wamid` carries the first message id. */
	'duplicate',
	/** A send with this idempotency key is under way in another execution. */
	'send_in_progress',
	/**
	 * A send with this idempotency key was claimed long ago and never recorded a result: it may
	 * have been sent (see PENDING_SEND_STALE_AFTER_MS).
	 */
	'send_unconfirmed',
	/**
	 * A node running as an AI agent's tool was asked to send to someone other than the contact of
	 * the conversation (the incoming item's contact).
	 */
	'recipient_not_in_conversation',
] as const;

export type HoldReason = (typeof HOLD_REASONS)[number];

export interface Allow {
	allowed: true;
}

export interface Hold {
	allowed: false;
	rule: RuleId;
	reason: HoldReason;
	/** One sentence for a non-developer: what happened and what to do. */
	message: string;
	/** When the hold ends by itself (ms epoch); absent when it does not, or nobody knows when. */
	retryAt?: number;
	/** Only on `duplicate`: the message id (wamid) of the first send with this idempotency key. */
	wamid?: string;
}

export type Decision = Allow | Hold;

export const ALLOW: Allow = Object.freeze({ allowed: true });

/**
 * A rule's options or input are unusable (a programming or configuration error, not a hold).
 * `field` names the option, e.g. "frequencyCap.max".
 */
export class PolicyOptionError extends Error {
	constructor(
		readonly field: string,
		message: string,
	) {
		super(message);
		this.name = 'PolicyOptionError';
	}
}
