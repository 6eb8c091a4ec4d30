/** Read receipts and the typing indicator: not messages, but posted to the same endpoint. */
import { requiredText } from './checks';

/** Marks a message (and every earlier one) as read; optionally shows the typing indicator. */
export interface MarkAsReadPayload {
	messaging_product: 'whatsapp';
	status: 'read';
	message_id: string;
	typing_indicator?: { type: 'text' };
}

/** Marks the message, and every earlier one in the chat, as read (blue ticks). */
export function buildMarkAsRead(input: { readonly message_id: string }): MarkAsReadPayload {
	return {
		messaging_product: 'whatsapp',
		status: 'read',
		message_id: requiredText('message_id', 'Message id to mark as read', input.message_id),
	};
}

/**
 * Marks the message as read and shows "typing..." for up to 25 s or until we reply. Only send it
 * when a reply follows.
 */
export function buildTypingIndicator(input: { readonly message_id: string }): MarkAsReadPayload {
	return { ...buildMarkAsRead(input), typing_indicator: { type: 'text' } };
}
