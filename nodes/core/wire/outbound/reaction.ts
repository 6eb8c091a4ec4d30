/** Reactions: one emoji on a message of the chat, or "" to remove ours. */
import { WireError } from '../wireError';
import { asText, requiredText } from './checks';
import { buildEnvelope, type OutboundEnvelope, type SendOptions } from './envelope';

export type ReactionMessagePayload = OutboundEnvelope & {
	type: 'reaction';
	reaction: { message_id: string; emoji: string };
};

export interface ReactionMessageInput extends SendOptions {
	/** The wamid of the message to react to (the user's, at most 30 days old). */
	readonly message_id: string;
	/** One emoji, or "" to remove our reaction. */
	readonly emoji: string;
}

const EMOJI_MARK = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u;

export function buildReactionMessage(input: ReactionMessageInput): ReactionMessagePayload {
	const envelope = buildEnvelope(input);
	const messageId = requiredText('message_id', 'Message id to react to', input.message_id);
	const emoji = asText('emoji', 'Emoji', input.emoji) ?? '';
	if (emoji !== '') {
		const graphemes = [...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(emoji)];
		if (graphemes.length !== 1 || !EMOJI_MARK.test(emoji)) {
			throw new WireError(
				'emoji',
				`Reaction "${emoji}" is not a single emoji; give one emoji, or leave it empty to remove the reaction.`,
			);
		}
	}
	return { ...envelope, type: 'reaction', reaction: { message_id: messageId, emoji } };
}
