import { MINUTE, SECOND } from '../clock';
import type { SentMessage } from '../model';
import { formatUtc } from './format';
import { ALLOW, type Decision } from './types';

/**
 * How long a claimed key may wait for its result before the claim counts as possibly interrupted.
 * A key is claimed as its request leaves, and the nodes record results at least every second while
 * they send, so an execution that is still sending reports well within this (a request gives up
 * after 30 s, retries after 60 s more at most); a claim older than this was left by an execution
 * that stopped (a crash, a restart) or lost Meta's answer. The Webhook Trigger settles it when
 * Meta's status of the message arrives (it carries the send's callback id).
 */
export const PENDING_SEND_STALE_AFTER_MS = 5 * MINUTE;

/**
 * How long a claim whose request has not left yet holds its key. A key is claimed right before its
 * request leaves and marked as left right after (milliseconds apart), so a claim older than this
 * without the mark belongs to an execution that stopped before sending: the key is free again, and
 * a re-run sends it. A claimer that took longer than half of this between its claim and its
 * request does not send (the key may have been taken over). Status webhooks of a request that did
 * leave settle it long before this in normal operation (Meta posts "sent" within seconds).
 */
export const CLAIM_LEASE_MS = 30 * SECOND;

/** A pending send whose request never left and whose claim is older than CLAIM_LEASE_MS. */
export function isAbandonedClaim(existing: SentMessage, now: number): boolean {
	return (
		existing.state === 'pending' &&
		existing.leftAt === undefined &&
		now - existing.createdAt > CLAIM_LEASE_MS
	);
}

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
 * reached the contact, so it may be sent again, and so may an abandoned claim (its request never
 * left). A pending one is held: while it is fresh another execution is sending it; once its
 * request left longer than PENDING_SEND_STALE_AFTER_MS ago without an outcome, nobody is known to
 * be sending it, and it may or may not have gone out.
 */
export function checkIdempotency(input: IdempotencyInput, now: number): Decision {
	const { contact, idempotencyKey, existing } = input;
	if (idempotencyKey === undefined || !existing || existing.state === 'failed') return ALLOW;
	if (isAbandonedClaim(existing, now)) return ALLOW;
	if (existing.state === 'accepted') {
		return {
			allowed: false,
			rule: 'idempotency',
			reason: 'duplicate',
			message: `This message was already sent to ${contact}${existing.sentAt === undefined ? '' : ` on ${formatUtc(existing.sentAt)}`} with the idempotency key "${idempotencyKey}", so it is not sent again: its WhatsApp message id is ${existing.wamid ?? 'unknown'}.`,
			...(existing.wamid === undefined ? {} : { wamid: existing.wamid }),
		};
	}
	const leftAt = existing.leftAt ?? existing.createdAt;
	const left = formatUtc(leftAt);
	if (now - leftAt > PENDING_SEND_STALE_AFTER_MS) {
		return {
			allowed: false,
			rule: 'idempotency',
			reason: 'send_unconfirmed',
			message: `A message to ${contact} with the idempotency key "${idempotencyKey}" left on ${left}, but neither WhatsApp's answer nor a status of it was recorded (the execution stopped, or the answer was lost), so it may have been sent and is not sent again: the Webhook Trigger settles it when WhatsApp reports its status; if you know it did not arrive, release it with the Opt-in Manager (Sent Message > Release) and run again.`,
		};
	}
	return {
		allowed: false,
		rule: 'idempotency',
		reason: 'send_in_progress',
		message: `A message to ${contact} with the idempotency key "${idempotencyKey}" is being sent by another execution (its request left on ${left}), so it is not sent twice: see that execution's result, or run again once it has finished.`,
	};
}
