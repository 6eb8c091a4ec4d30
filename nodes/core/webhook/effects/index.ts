/**
 * What each webhook event changes in the compliance store. Pure: an event, the options and what the
 * caller read from the store before (context) in, StoreEffects out; the handler applies them.
 *
 * Every side effect is on by default and can be switched off:
 * - openWindow: a message from the contact opens or refreshes the 24 h customer service window
 *   with that sender number (a group message: with the group); with an ad or post referral it also
 *   marks the free entry point (fep rule). WhatsApp's own system notices open nothing.
 * - optOutKeywords: a typed STOP-style keyword is a full opt-out: opt_out on ALL_PURPOSES, and
 *   on MARKETING too, so that a later START (which lifts the full opt-out for utility) does not
 *   bring back marketing consent the contact withdrew.
 * - optOutPayloads: a tapped "Stop promotions" quick-reply (or reply button / list row with such
 *   an id) is opt_out on MARKETING only.
 * - confirmationPayloads / confirmationKeywords: a double opt-in confirmation ("YES", "JA", a
 *   CONFIRM_OPT_IN button) confirms every purpose that is pending for the contact, and nothing
 *   else: the caller passes the contact's consents (context.consents), and without a pending
 *   purpose the answer records nothing. So "yes" to any other question never becomes consent.
 *   The confirm keeps Meta's timestamp (whole seconds), even when that looks older than the
 *   request: the store's consent rule (policy/consentChange.ts) allows for that, for every writer.
 * - Every opt-out here (keyword, button, user_preferences stop, 131050) keeps Meta's timestamp
 *   too; the store's rule lets it win over a change stamped up to CLOCK_SKEW_ALLOWANCE later.
 * - optInKeywords: START-style keywords are opt_in on ALL_PURPOSES: they lift a full opt-out and
 *   count for utility and authentication templates, never as marketing consent (model.ts).
 * - userPreferences: the contact's stop in WhatsApp's "Offers and announcements" setting is
 *   opt_out on MARKETING. A resume there is not consent (GDPR Art. 7: consent must be given to the
 *   business for a purpose); it only lifts the block the stop created: when the contact's latest
 *   marketing change is such a stop (or a 131050 failure, the same setting seen from a send), the
 *   marketing status before it (opted in, or pending) is recorded again; otherwise nothing is.
 *   The caller passes the contact's consent history (context.consentHistory) for this.
 * - suppressOn131050: a failed status with 131050 (the contact stopped marketing in WhatsApp) is
 *   opt_out on MARKETING, source delivery_failure.
 * - closeWindowOn131047: a failed status with 131047 closes the customer service window whatever
 *   our clock says.
 * - sendFailures: statuses update the sent messages: a failed one marks its send failed (with the
 *   error code; a re-run may send it again), and any status of a send whose answer was lost
 *   confirms it, found by the id the send carried in biz_opaque_callback_data.
 * - costLedger: a delivered (or read) status with pricing adds the message to the cost ledger,
 *   with the list price of the contact's market for charged (regular) messages and 0 for free
 *   ones, and the market; a group message once per member (each member's status names them).
 *   Meta charges a message when it is delivered: a sent status that never turns into a delivery
 *   costs nothing, so it is not recorded.
 * - accountStanding: business_capability_update and phone_number_quality_update set the
 *   portfolio's messaging limit, phone_number_quality_update's FLAGGED / UNFLAGGED the number's
 *   quality, as RED / YELLOW (numberQualityRating: the read's spelling), kept under its display
 *   phone number, the only way the webhook names it, and
 *   message_template_quality_update the template's quality (standing.ts), for Send Template's
 *   messaging limit and quality rules.
 * - templateState: template status updates set the status (and category) Send Template checks; a
 *   completed category change sets the category of the template as last stored (context.templateState).
 *
 * Consent is never derived from group messages: a word typed in a group is not addressed to the
 * business as a personal request. Every consent event carries eventKey = dedupeKey + ":" + purpose,
 * so a replayed webhook records nothing twice.
 *
 * - options.ts: the options, their defaults and checks, and what a caller reads first
 * - rules.ts: WebhookEffectRules, the options compiled once: the effects of each event kind
 * - consent.ts: the consent rules the effects apply (pending purposes, a WhatsApp-setting resume)
 * - compile.ts: the rules compiled once per options (effectRules), and deriveEffects
 */

export {
	DEFAULT_OPT_OUT_PAYLOADS,
	DEFAULT_CONFIRMATION_PAYLOADS,
	ERROR_WINDOW_CLOSED,
	ERROR_MARKETING_STOPPED,
	WHATSAPP_SETTING_SOURCES,
	type WebhookEffectOptions,
	type EffectContext,
	type EffectNeeds,
	WebhookOptionError,
} from './options';
export { marketingBeforeWhatsAppStop } from './consent';
export { WebhookEffectRules } from './rules';
export { effectRules, deriveEffects } from './compile';
