/**
 * What Meta would bill for the messages the sandbox delivered, to compare a cost report with.
 * Per-message pricing charges a message when it is delivered, at its pricing category and the
 * recipient's country (pricing, Dec 2025); the status that says so carries the pricing (one of
 * delivered or read). Grouped by the day of delivery in a time zone. Only the messages still in
 * the sent log count (the last 50,000).
 */
import type { SandboxState, SentMessage } from './state';

export interface BillingLine {
	/** The day of delivery in the time zone asked for, "2026-03-02". */
	readonly date: string;
	readonly phone_number_id: string;
	/** The template's name; null for other messages. */
	readonly template: string | null;
	/** pricing.category: marketing, utility, authentication, service, referral_conversion. */
	readonly category: string;
	/** pricing.type: regular (charged), free_customer_service, free_entry_point. */
	readonly pricing_type: string;
	/** The recipient's country (the sandbox contact's). */
	readonly country: string;
	/** Delivered messages. */
	readonly messages: number;
	/** Of those, the charged ones. */
	readonly billable: number;
}

export interface Billing {
	readonly time_zone: string;
	readonly data: BillingLine[];
	readonly totals: { readonly messages: number; readonly billable: number };
}

/** @throws RangeError for a time zone Intl does not know. */
export function billing(state: SandboxState, timeZone = 'UTC'): Billing {
	const dayOf = new Intl.DateTimeFormat('en-CA', {
		timeZone,
		year: 'numeric',
		month: '2-digit',
		day: '2-digit',
	});
	const lines = new Map<string, BillingLine>();
	for (const message of state.sentMessages()) {
		const delivered = deliveredAt(message);
		if (delivered === undefined || !message.pricing) continue;
		const line = {
			date: dayOf.format(new Date(delivered)),
			phone_number_id: message.phone_number_id,
			template: message.template?.name ?? null,
			category: message.pricing.category,
			pricing_type: message.pricing.type,
			country: state.contact(message.to)?.country ?? 'unknown',
		};
		// Sorts by date, number, template (other messages first), category, pricing, country.
		const key = JSON.stringify(Object.values(line).map((v) => v ?? ''));
		const before = lines.get(key) ?? { ...line, messages: 0, billable: 0 };
		lines.set(key, {
			...before,
			messages: before.messages + 1,
			billable: before.billable + (message.pricing.billable ? 1 : 0),
		});
	}
	const data = [...lines.entries()]
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
		.map(([, line]) => line);
	return {
		time_zone: timeZone,
		data,
		totals: {
			messages: data.reduce((sum, l) => sum + l.messages, 0),
			billable: data.reduce((sum, l) => sum + l.billable, 0),
		},
	};
}

/** When the message was delivered: its delivered status, or read when both came at once. */
function deliveredAt(message: SentMessage): number | undefined {
	const status = message.statuses.find((s) => s.status === 'delivered' || s.status === 'read');
	return status === undefined ? undefined : Date.parse(status.at);
}
