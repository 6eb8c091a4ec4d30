/** Text messages: free-form, so only inside the customer service window. */
import { requiredText } from './checks';
import { buildEnvelope, type OutboundEnvelope, type SendOptions } from './envelope';

/** Meta's limit on a text message, in characters. */
export const TEXT_LIMITS = {
	textBody: 4096,
} as const;

export type TextMessagePayload = OutboundEnvelope & {
	type: 'text';
	text: { body: string; preview_url?: boolean };
};

export interface TextMessageInput extends SendOptions {
	readonly body: string;
	/** Whether WhatsApp renders a preview of the first URL in the body. */
	readonly preview_url?: boolean;
}

export function buildTextMessage(input: TextMessageInput): TextMessagePayload {
	const envelope = buildEnvelope(input);
	const body = requiredText('body', 'Body text', input.body, TEXT_LIMITS.textBody);
	const text: TextMessagePayload['text'] = { body };
	if (input.preview_url !== undefined) text.preview_url = input.preview_url === true;
	return { ...envelope, type: 'text', text };
}
