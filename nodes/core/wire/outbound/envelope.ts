/**
 * What every message payload carries around its content: the address (a phone number or group id
 * in `to`, a BSUID in `recipient`), the quoted message and the callback data.
 */
import { looksLikeBsuid } from '../../phone';
import { CALLBACK_DATA_LIMIT, CALLBACK_ID_RESERVED } from '../callback';
import { WireError } from '../wireError';
import { optionalText, requiredText } from './checks';

/** Meta's limit on the envelope, in characters. */
export const ENVELOPE_LIMITS = {
	/** The user's Callback Data: Meta's 512 less what the send's own id takes (callback.ts). */
	bizOpaqueCallbackData: CALLBACK_DATA_LIMIT - CALLBACK_ID_RESERVED,
} as const;

/**
 * Where Meta reads the address from: a phone number (or a group id) in `to`, a business-scoped
 * user ID (BSUID) in `recipient`. A payload carries exactly one of them.
 */
export type OutboundAddress = { to: string; recipient?: never } | { recipient: string; to?: never };

export type OutboundEnvelope = OutboundAddress & {
	messaging_product: 'whatsapp';
	recipient_type: 'individual' | 'group';
	context?: { message_id: string };
	biz_opaque_callback_data?: string;
};

export interface SendOptions {
	/**
	 * The recipient: a phone number (with "+" and country code; the caller normalises it), a group
	 * id, or a business-scoped user ID (BSUID, e.g. "US.13491208655302741918"). A phone number or
	 * group id is sent in `to` as given; a BSUID is sent in `recipient`, where Meta reads it.
	 */
	readonly to: string;
	/** @default 'individual' */
	readonly recipient_type?: 'individual' | 'group';
	/** Quote this message (contextual reply). */
	readonly context?: { readonly message_id: string };
	/** Echoed back in the status webhooks of this message; at most 512 characters. */
	readonly biz_opaque_callback_data?: string;
}

export function buildEnvelope(options: SendOptions): OutboundEnvelope {
	const to = requiredText('to', 'Recipient (to)', options.to);
	const recipientType = options.recipient_type ?? 'individual';
	if (recipientType !== 'individual' && recipientType !== 'group') {
		throw new WireError(
			'recipient_type',
			`Recipient type "${String(recipientType)}" is not valid; use "individual" or "group".`,
		);
	}
	const envelope: OutboundEnvelope = {
		messaging_product: 'whatsapp',
		recipient_type: recipientType,
		...(recipientType === 'individual' && looksLikeBsuid(to) ? { recipient: to.trim() } : { to }),
	};
	const quoted = optionalText(
		'context.message_id',
		'Quoted message id',
		options.context?.message_id,
	);
	if (quoted !== undefined) envelope.context = { message_id: quoted };
	const callback = optionalText(
		'biz_opaque_callback_data',
		'Callback data (biz_opaque_callback_data)',
		options.biz_opaque_callback_data,
		ENVELOPE_LIMITS.bizOpaqueCallbackData,
		`Of WhatsApp's ${CALLBACK_DATA_LIMIT}, ${CALLBACK_ID_RESERVED} carry the send's own id, which confirms it when Meta reports its status. Store the rest yourself and send a short key.`,
	);
	if (callback !== undefined) envelope.biz_opaque_callback_data = callback;
	return envelope;
}
