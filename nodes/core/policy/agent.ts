/*
 * What the rules tell an AI agent when a node runs as its tool. A model reads the tool's answer and
 * decides its next step from it: a held message must say, in the model's terms and without the
 * contact's personal data, that nothing was sent and what to do instead. The sentences for people
 * running the workflow stay in each rule's Hold.message; these are the model's.
 *
 * And the one rule only an agent needs: the recipient guard. A model picks a tool's arguments
 * from what a customer wrote ("tell my husband +49..."), so a tool answers the contact of the
 * conversation only, unless the builder allows any recipient.
 */
import { ALLOW, type Decision, type HoldReason } from './types';

/** What an agent is told for each held reason: why nothing went, then what to do. */
const ADVICE: Readonly<Record<HoldReason, { why: string; next: string }>> = {
	window_closed: {
		why: 'the customer service window is closed (the contact has not written to this number in the last 24 hours, or never wrote), so free-form messages cannot be sent.',
		next: 'Do not retry and do not say it was sent; send an approved template instead (with a template tool, if you have one), or wait until the contact writes again.',
	},
	opted_out: {
		why: 'the contact opted out of all messages (STOP).',
		next: 'Send them nothing else unless they write to you again.',
	},
	opt_out_confirmed: {
		why: 'the contact opted out of all messages (STOP) and the opt-out was confirmed already.',
		next: 'Send them nothing more unless they write again.',
	},
	no_consent: {
		why: 'the contact has not opted in to this kind of message (a marketing template needs a marketing opt-in, any other template an opt-in for its purpose).',
		next: 'Do not retry or send it another way; answer in the conversation instead if it is open, or tell them how to subscribe.',
	},
	consent_pending: {
		why: "the contact's opt-in waits for their confirmation on WhatsApp (double opt-in).",
		next: 'Send them nothing but the confirmation request until they have confirmed.',
	},
	marketing_opted_out: {
		why: 'the contact stopped marketing messages.',
		next: 'Send them no marketing; utility templates about their own orders or requests may still go.',
	},
	topic_opted_out: {
		why: 'the contact opted out of messages on this topic.',
		next: 'Send them nothing on this topic.',
	},
	suppressed: {
		why: 'the contact had their data erased and nothing may be sent to this number.',
		next: 'Do not retry.',
	},
	template_paused: {
		why: 'Meta paused this template after poor feedback from recipients.',
		next: 'Use another approved template, or try again in a few hours.',
	},
	template_disabled: {
		why: 'Meta disabled this template.',
		next: 'Use another approved template.',
	},
	template_not_approved: {
		why: 'this template is not approved by Meta.',
		next: 'Use another approved template.',
	},
	template_unknown: {
		why: 'the WhatsApp Business account has no template of this name and language.',
		next: 'Use one of the templates you were offered, with its language.',
	},
	us_marketing: {
		why: 'Meta delivers no marketing templates to US numbers.',
		next: 'Use a utility template if the message is about their own order or request; otherwise send nothing.',
	},
	frequency_cap: {
		why: 'the contact already got as many marketing messages as allowed for now.',
		next: 'Do not retry before retryAt.',
	},
	quiet_hours: {
		why: "it is quiet hours (night) in the contact's time zone, when marketing waits.",
		next: 'Do not retry before retryAt.',
	},
	quality_low: {
		why: "the sending number's quality rating is low, so marketing waits.",
		next: 'Do not retry; utility templates still go.',
	},
	template_quality_low: {
		why: "this template's quality rating is low.",
		next: 'Use another approved template.',
	},
	messaging_limit: {
		why: 'the business reached its 24-hour limit of new contacts outside the customer service window.',
		next: 'Do not retry before retryAt.',
	},
	duplicate: {
		why: 'the same message went to this contact before (same idempotency key); wamid is its message ID.',
		next: 'Do not send it again.',
	},
	send_in_progress: {
		why: 'the same message is being sent by another run right now.',
		next: 'Do not retry.',
	},
	send_unconfirmed: {
		why: 'the same message may have been sent earlier; its result was never confirmed.',
		next: 'Do not retry; tell the contact you are checking.',
	},
	recipient_not_in_conversation: {
		why: 'this tool only messages the contact of this conversation, not other numbers, whoever asks for it.',
		next: 'Do not retry with another recipient; tell the contact you can only answer them here.',
	},
};

export interface AgentAdviceOptions {
	/**
	 * The tool argument that makes the reply the opt-out confirmation, when the tool offers one:
	 * after a STOP the model is told to use it (once) instead of sending nothing.
	 */
	readonly optOutConfirmationArgument?: string;
}

/**
 * The sentence a model gets for a message the rules held back: "Not sent: <why> <what to do>".
 * Names no contact and no number.
 */
export function agentHoldMessage(reason: HoldReason, options: AgentAdviceOptions = {}): string {
	const { why, next } = ADVICE[reason];
	if (reason === 'opted_out' && options.optOutConfirmationArgument) {
		return `Not sent: ${why} Send them nothing else. The one message allowed now is the confirmation of their opt-out: call this tool once more with ${options.optOutConfirmationArgument} set to true, and the business's confirmation text is sent (not your text).`;
	}
	return `Not sent: ${why} ${next}`;
}

/** The sentence a model gets when its reply after a STOP went out as the opt-out confirmation. */
export function agentOptOutConfirmationSentMessage(): string {
	return "Sent the confirmation of the contact's opt-out (the business's text, not yours). Send them nothing more unless they write again.";
}

/** The sentence a model gets when it asked whether a template may go and the answer is no. */
export function agentNotAllowedMessage(reason: HoldReason): string {
	const { why, next } = ADVICE[reason];
	return `Not allowed: ${why} ${next}`;
}

/** The sentence a model gets when consent allows a template of `category` (and `topic`). */
export function agentAllowedMessage(category: string, topic?: string): string {
	const what = topic ? `${category} templates on "${topic}"` : `${category} templates`;
	return `Allowed: the contact's consent allows ${what}; sending still checks the template, and for marketing the frequency cap and quiet hours.`;
}

export interface ConversationRecipientInput {
	/** The recipient as the tool was given it, for the message to the person running the workflow. */
	readonly recipient: string;
	/** The store's contact keys the recipient stands for (wa_id, user ID, normalised number). */
	readonly recipientKeys: readonly string[];
	/**
	 * The contact keys of the conversation: those the incoming item names (the Webhook Trigger's
	 * `contact`, `contactWaId`, `contactUserId`), without any the model supplied. Empty when the
	 * item names none.
	 */
	readonly conversationKeys: readonly string[];
	/** The builder lets the model message anyone (Allow Any Recipient). */
	readonly allowAnyRecipient: boolean;
}

/**
 * The recipient guard of a node running as an agent's tool: it sends only to the contact of the
 * conversation, unless the builder allows any recipient. With no contact in the incoming item,
 * nobody is the contact: the guard holds every send rather than guess.
 */
export function checkConversationRecipient(input: ConversationRecipientInput): Decision {
	if (input.allowAnyRecipient) return ALLOW;
	const conversation = new Set(input.conversationKeys);
	if (input.recipientKeys.some((key) => conversation.has(key))) return ALLOW;
	const allow = 'turn on Allow Any Recipient to let the model choose';
	return {
		allowed: false,
		rule: 'recipient guard',
		reason: 'recipient_not_in_conversation',
		message:
			conversation.size === 0
				? `The model asked to send to ${input.recipient}, but the incoming item names no contact (other than one the model wrote itself), so nothing was sent: start the agent from the WhatsApp Webhook Trigger or give its item a "contact" field, or ${allow}.`
				: `The model asked to send to ${input.recipient}, who is not the contact of this conversation, so nothing was sent: the tool sends only to the person who wrote; ${allow}.`,
	};
}
