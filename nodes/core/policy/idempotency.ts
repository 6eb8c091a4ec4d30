import { MINUTE } from '../clock';
import type { SentMessage } from '../model';
import { formatUtc } from './format';
import { ALLOW, type Decision } from './types';

/**
 * How long a claimed key may wait for its result before the claim counts as possibly interrupted.
 * The nodes record results at least every second while they send, so an execution that is still
 * sending reports well within this; a claim older than this was most likely left by an execution
 * that stopped (a crash, a restart) after the request may have left.
 */
export const PENDING_SEND_STALE_AFTER_MS = 5 * MINUTE;

export interface IdempotencyInput {
	/** The contact as the user gave it, used in the message. */
	contact: string;
	idempotencyKey: string | undefined;
	/** What the store holds under this key (Snapshot.sends), if anything. */
	existing: SentMessage | undefined;
}

/**
 * The idempotency rule: one idempotency key is sent at most once. An accepted send answers with
 * its first wamid (a re-run reports the message as sent, not as sent twice); a failed one never
 * reached the contact, so it may be sent again. A pending one is held: while it is fresh another
 * execution is sending it; once it is older than PENDING_SEND_STALE_AFTER_MS, nobody is known to
 * be sending it, and it may or may not have gone out.
 */
export function checkIdempotency(input: IdempotencyInput, now: number): Decision {
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
	const claimed = formatUtc(existing.createdAt);
	if (now - existing.createdAt > PENDING_SEND_STALE_AFTER_MS) {
		return {
			allowed: false,
			rule: 'idempotency',
			reason: 'send_unconfirmed',
			message: `A message to ${contact} with the idempotency key "${idempotencyKey}" was claimed on ${claimed} by an execution that never recorded its result; that execution may have been interrupted after the message left, so it may have been sent: check the contact's chat or the message status in the sandbox or WhatsApp Manager, and to send it anyway use a new idempotency key.`,
		};
	}
	return {
		allowed: false,
		rule: 'idempotency',
		reason: 'send_in_progress',
		message: `A message to ${contact} with the idempotency key "${idempotencyKey}" is being sent by another execution (claimed on ${claimed}), so it is not sent twice: see that execution's result, or run again once it has finished.`,
	};
}
