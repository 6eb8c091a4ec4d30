/**
 * Which events a trigger emits: its Trigger On, message statuses and sender numbers. Used by the
 * trigger that Meta calls for its own events and, for every other trigger of the same app, to
 * choose the events it gets a delivery of (fanout.ts).
 */
import { WebhookOptionError } from './effects';
import { WHATSAPP_EVENT_KINDS, type WhatsAppEvent, type WhatsAppEventKind } from './events';

/** Which new events the trigger emits. Empty or missing lists mean "all". */
export interface WebhookEventFilter {
	/**
	 * The event kinds to emit ("Trigger On").
	 * @default every kind
	 */
	readonly triggerOn?: readonly WhatsAppEventKind[];
	/**
	 * The message statuses to emit when "status" is emitted: sent, delivered, read, played, failed.
	 * @default every status
	 */
	readonly statuses?: readonly string[];
	/**
	 * Business phone number ids to emit events of, so one Meta app serving several numbers does not
	 * fire every workflow. Events of the whole account (template, account updates) have no number
	 * and are always emitted.
	 * @default every number
	 */
	readonly phoneNumberIds?: readonly string[];
}

/** A filter checked once: sets for the lists that restrict anything. */
export interface CheckedFilter {
	readonly kinds?: ReadonlySet<string>;
	readonly statuses?: ReadonlySet<string>;
	readonly numbers?: ReadonlySet<string>;
}

/** Checks a filter's lists; throws WebhookOptionError naming the field of a bad entry. */
export function checkFilter(filter: WebhookEventFilter): CheckedFilter {
	const list = (
		field: keyof WebhookEventFilter,
		allowed?: readonly string[],
	): Set<string> | undefined => {
		const value = filter[field];
		if (value === undefined) return undefined;
		if (!Array.isArray(value)) {
			throw new WebhookOptionError(
				`filter.${field}`,
				`filter.${field} must be a list, got ${typeof value}.`,
			);
		}
		value.forEach((item, i) => {
			if (typeof item !== 'string' || item.trim() === '') {
				throw new WebhookOptionError(
					`filter.${field}[${i}]`,
					`filter.${field}[${i}] must be a non-empty string, got ${JSON.stringify(item)}.`,
				);
			}
			if (allowed && !allowed.includes(item)) {
				throw new WebhookOptionError(
					`filter.${field}[${i}]`,
					`filter.${field}[${i}] "${item}" is not an event kind: use one of ${allowed.join(', ')}.`,
				);
			}
		});
		return value.length > 0 ? new Set(value.map((v: string) => v.trim())) : undefined;
	};
	return {
		kinds: list('triggerOn', WHATSAPP_EVENT_KINDS),
		statuses: list('statuses'),
		numbers: list('phoneNumberIds'),
	};
}

/** Whether the filter lets the event through. */
export function passes(event: WhatsAppEvent, filter: CheckedFilter): boolean {
	if (filter.kinds && !filter.kinds.has(event.kind)) return false;
	if (event.kind === 'status' && filter.statuses && !filter.statuses.has(event.status ?? '')) {
		return false;
	}
	if (
		filter.numbers &&
		event.phoneNumberId !== undefined &&
		!filter.numbers.has(event.phoneNumberId)
	) {
		return false;
	}
	return true;
}
