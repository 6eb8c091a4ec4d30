import type { SentMessage } from '../model';
import { formatUtc } from './format';
import { ALLOW, type Decision } from './types';

export interface IdempotencyInput {
	/** The contact as the user gave it, used in the message. */
	contact: string;
	idempotencyKey: string | undefined;
	/** What the store holds under this key (Snapshot.sends), if anything. */
	existing: SentMessage | undefined;
}

/**
 * The idempotency rule: one idempotency key is sent at most once. An accepted send answers with
 * its first wamid (a re-run reports the message as sent, not as sent twice); a pending one is
 * under way elsewhere; a failed one never reached the contact, so it may be sent again.
 */
export function checkIdempotency(input: IdempotencyInput): Decision {
	const { contact, idempotencyKey, existing } = input;
	if (idempotencyKey === undefined || !existing || existing.state === 'failed') return ALLOW;
	if (existing.state === 'accepted') {
		return {
			allowed: false,
			rule: 'idempotency',
			reason: 'duplicate',
			message: `This message was already sent to ${contact}${existing.sentAt === undefined ? '' : ` on ${formatUtc(existing.sentAt)}`} with the idempotency key "${idempotencyKey}", so it is not sent again: its WhatsApp message id is ${existing.wamid ?? 'unknown'}.`,
			...(existing.wamid === undefined ? {} : { wamid: existing.wamid }),
		};
	}
	return {
		allowed: false,
		rule: 'idempotency',
		reason: 'send_in_progress',
		message: `A message to ${contact} with the idempotency key "${idempotencyKey}" has been on its way since ${formatUtc(existing.createdAt)} in another execution, so it is not sent twice: run again once that execution has finished.`,
	};
}
