/** SQL both dialects share: quoting, and how a claim takes over a stored send. */
import { CLAIM_LEASE_MS } from '../policy/idempotency';
import { GRAPH_SOURCE } from '../standing';

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

/**
 * Whether a standing entry replaces the stored one (both dialects; `incoming` and `stored` are row
 * names with integer `at` in ms and `source`): standing.ts supersedes, the same rule. Compared to
 * the second (integer division); within one second a webhook wins over a read of the Cloud API.
 */
export const STANDING_SUPERSEDES = (incoming: string, stored: string) => {
	const graph = quoteLiteral(GRAPH_SOURCE);
	const second = (row: string) => `(${row}.at / 1000)`;
	const read = (row: string) => `(${row}.source = ${graph})`;
	return `(${second(incoming)} > ${second(stored)} OR (${second(incoming)} = ${second(stored)}
		AND ((${read(incoming)} = ${read(stored)} AND ${incoming}.at >= ${stored}.at)
			OR (NOT ${read(incoming)} AND ${read(stored)}))))`;
};
