/** What the benchmarks put into a store before they measure, so they measure the same things. */
import { DAY, HOUR } from '../nodes/core/clock';
import type { ConsentEventInput } from '../nodes/core/model';
import type { ComplianceStore } from '../nodes/core/store/types';

/**
 * Two marketing templates (back_in_stock) sent to each of `contacts` the day before `now`, an hour
 * apart: the frequency cap (2 in 7 days) holds the next one.
 */
export async function seedMarketingSent(
	store: ComplianceStore,
	sender: string,
	contacts: readonly string[],
	now: number,
): Promise<void> {
	if (contacts.length === 0) return;
	for (const round of [0, 1]) {
		const reservations = contacts.map((contact) => ({
			idempotencyKey: `seed-${round}-${contact}`,
			sender,
			contact,
			kind: 'template:back_in_stock',
			category: 'marketing' as const,
			at: now - DAY + round * HOUR,
		}));
		await store.reserveSends(reservations);
		await store.completeSends(
			reservations.map((r) => ({
				idempotencyKey: r.idempotencyKey,
				state: 'accepted' as const,
				wamid: `wamid.seed.${r.idempotencyKey}`,
				at: r.at,
			})),
		);
	}
}

/** Contact number `i` opted in to marketing 30 days before `now`; every 10th stopped since. */
export function marketingConsents(contact: string, i: number, now: number): ConsentEventInput[] {
	const events: ConsentEventInput[] = [
		{ contact, purpose: 'marketing', action: 'opt_in', at: now - 30 * DAY, source: 'web_form' },
	];
	if (i % 10 === 0) {
		events.push({
			contact,
			purpose: 'marketing',
			action: 'opt_out',
			at: now - 2 * DAY,
			source: 'whatsapp',
		});
	}
	return events;
}
