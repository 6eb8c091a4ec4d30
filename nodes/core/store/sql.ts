/** SQL both dialects share: quoting, and how a claim takes over a stored send. */
import { CLAIM_LEASE_MS } from '../policy/idempotency';

export function quoteLiteral(value: string): string {
	return `'${value.replace(/'/g, "''")}'`;
}

/**
 * The update of a claim that meets a failed send under its key (both dialects, inside
 * `ON CONFLICT (idempotency_key) DO UPDATE SET`): a failed send never reached the contact, so the
 * key is claimed again by the new send, and nothing of the failed attempt stays (its wamid and
 * callback id would otherwise still match the late status webhooks of that attempt).
 */
export const RECLAIM_FAILED_SEND = `sender = excluded.sender, contact = excluded.contact,
	kind = excluded.kind, category = excluded.category, state = 'pending',
	created_at = excluded.created_at, wamid = NULL, sent_at = NULL, estimated_price = NULL,
	currency = NULL, error_code = NULL, callback_id = excluded.callback_id, left_at = NULL`;

/**
 * Which stored send a new claim takes over (both dialects; `s` is the stored row, `excluded` the
 * claim): a failed one (it never reached the contact), or an abandoned claim, whose request never
 * left and whose claimer stopped (policy/idempotency.ts isAbandonedClaim, the same rule).
 */
export const RECLAIMABLE_SEND = (s: string) => `(${s}.state = 'failed' OR (${s}.state = 'pending'
	AND ${s}.left_at IS NULL AND ${s}.created_at < excluded.created_at - ${CLAIM_LEASE_MS}))`;
