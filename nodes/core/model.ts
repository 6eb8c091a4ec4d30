/**
 * The compliance domain shared by the rules (policy/) and the store (store/).
 * Times are milliseconds since the epoch. A contact is Meta's `wa_id` (E.164 digits, no "+"),
 * or a business-scoped user id for contacts that use a WhatsApp username.
 * A sender is a business phone number id (Meta's `phone_number_id`).
 */

/** Template categories as Meta names them (lower case, as in webhooks and pricing). */
export type TemplateCategory = 'marketing' | 'utility' | 'authentication';

/** Built-in consent purposes. Users may add their own topics (e.g. "back_in_stock"). */
export const MARKETING = 'marketing';
export const TRANSACTIONAL = 'transactional';
/**
 * The purpose that stands for every purpose at once: a STOP-style keyword is recorded as an
 * opt_out on ALL_PURPOSES (stores may also write opt_out on each purpose the contact has). An
 * ALL_PURPOSES opt-out overrides every purpose whose own last change is older; a newer change of
 * a purpose (a later opt-in) wins over it. An ALL_PURPOSES opt-in (a START keyword) lifts that
 * block and counts as an active opt-in for utility and authentication, never as marketing consent.
 * "Stop promotions" buttons and user_preferences stops are opt_out on MARKETING only.
 */
export const ALL_PURPOSES = '*';
export type Purpose = string;

/**
 * - opted_in: the contact agreed and (where double opt-in was asked) confirmed
 * - pending: collected off WhatsApp, waiting for the contact's confirmation on WhatsApp
 * - opted_out: withdrawn
 */
export type ConsentStatus = 'opted_in' | 'pending' | 'opted_out';

export type ConsentAction = 'opt_in' | 'request_confirmation' | 'confirm' | 'opt_out';

/** Where a consent change came from. Free text is allowed for user-defined sources. */
export type ConsentSource =
	| 'web_form'
	| 'checkout'
	| 'whatsapp'
	| 'keyword'
	| 'button'
	| 'user_preferences'
	| 'delivery_failure'
	| 'paper'
	| 'import'
	| 'api'
	| (string & {});

/** Proof that goes with a consent change (GDPR Art. 7: the controller must be able to demonstrate it). */
export interface ConsentEvidence {
	url?: string;
	ip?: string;
	userAgent?: string;
	/** The WhatsApp message id (wamid) that carried the opt-in, confirmation or opt-out. */
	messageId?: string;
	/** Anything else worth keeping: a form id, a paper reference, the keyword typed. */
	note?: string;
}

/** One change of consent, as asked for by a node, a keyword or a webhook. */
export interface ConsentEventInput {
	contact: string;
	purpose: Purpose;
	action: ConsentAction;
	/** When it happened (not when it was recorded). Decides which of two racing changes wins. */
	at: number;
	source: ConsentSource;
	/** The exact wording the contact saw or sent. */
	wording?: string;
	evidence?: ConsentEvidence;
	reason?: string;
	/** Who recorded it: a workflow, a user, "webhook". */
	recordedBy?: string;
	/**
	 * Makes recording idempotent: a second event with the same key is ignored.
	 * Imports and webhook effects always set one.
	 */
	eventKey?: string;
}

/** A stored consent event: the input plus what the store assigned. Append-only. */
export interface ConsentEvent extends ConsentEventInput {
	id: number;
	recordedAt: number;
	/**
	 * The purpose's status after this event was applied. Absent when the purpose has no status
	 * at all (a `confirm` that found nothing pending for a contact the store did not know).
	 */
	statusAfter?: ConsentStatus;
	/** False when a newer event already decided the status (the event is kept for the record). */
	applied: boolean;
	/**
	 * Set when the event took effect later than its own `at`: an opt-out that won over a change
	 * stamped up to CLOCK_SKEW_ALLOWANCE later than it, or a confirmation stamped before the request
	 * it answered. The current record carries this time; `at` stays the event's own time (the proof
	 * of when it happened). Histories are ordered by effectiveAt ?? at (see effectiveTime).
	 */
	effectiveAt?: number;
}

/** The current consent of one contact for one purpose. */
export interface ConsentRecord {
	contact: string;
	purpose: Purpose;
	status: ConsentStatus;
	/** Time of the event that set the current status. */
	changedAt: number;
	source: ConsentSource;
	wording?: string;
	/** When consent was first given or requested for this purpose (kept across changes). */
	optedInAt?: number;
	confirmedAt?: number;
	optedOutAt?: number;
}

/** The customer service window between one sender number and one contact. */
export interface WindowState {
	sender: string;
	contact: string;
	/** Last message the contact sent to this sender number. */
	lastInboundAt: number;
	/** Set when the last inbound message came from a click-to-WhatsApp ad or a Page button. */
	referralAt?: number;
	/** When our first reply to a referral opened the 72 h free entry point window. */
	fepStartedAt?: number;
	/** Meta answered 131047 at this time: the window is closed whatever our clock says. */
	closedAt?: number;
}

export type SendState = 'pending' | 'accepted' | 'failed';

/**
 * The start of SentMessage.kind for a reply sent as the confirmation of a contact's opt-out
 * ("opt_out_confirmation:text"), so the store can count them (one per opt-out, policy/consent.ts).
 */
export const OPT_OUT_CONFIRMATION_KIND_PREFIX = 'opt_out_confirmation:';

/** One outbound message, kept by its idempotency key. */
export interface SentMessage {
	idempotencyKey: string;
	sender: string;
	contact: string;
	state: SendState;
	/**
	 * What was sent: "template:<name>" or the free-form type, with OPT_OUT_CONFIRMATION_KIND_PREFIX
	 * before it for the confirmation of an opt-out.
	 */
	kind: string;
	/** The template's category, or "service" for free-form messages. */
	category: TemplateCategory | 'service';
	createdAt: number;
	wamid?: string;
	sentAt?: number;
	estimatedPrice?: number;
	currency?: string;
	errorCode?: number;
	/** The id sent in biz_opaque_callback_data with this claim (see SendReservation). */
	callbackId?: string;
	/**
	 * When the request left (the claimer marks it right after sending): a pending send without it
	 * never left, and its claim is abandoned once older than CLAIM_LEASE_MS (policy/idempotency.ts).
	 */
	leftAt?: number;
}

/** A template as Meta last told us (list or webhook). */
export interface TemplateState {
	/** The business account id. */
	account: string;
	name: string;
	language: string;
	status: string;
	category?: TemplateCategory;
	/** GREEN, YELLOW, RED, UNKNOWN. */
	quality?: string;
	reason?: string;
	updatedAt: number;
}

/**
 * One priced delivery from a status webhook: one per message, and per member it reached for a
 * group message (each member's status names them).
 */
export interface CostEntry {
	wamid: string;
	sender: string;
	contact: string;
	/** Meta's pricing.category (marketing, utility, authentication, service, referral_conversion...). */
	category: string;
	/** Meta's pricing.type: regular, free_customer_service, free_entry_point. */
	pricingType: string;
	billable: boolean;
	at: number;
	estimatedPrice?: number;
	currency?: string;
	/** The rate card market of the contact's number (e.g. "Germany"); absent when unknown. */
	market?: string;
}
