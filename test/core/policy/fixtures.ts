import { HOUR } from '../../../nodes/core/clock';
import type {
	ConsentRecord,
	ConsentStatus,
	SentMessage,
	TemplateCategory,
	TemplateState,
	WindowState,
} from '../../../nodes/core/model';

/** Monday, March 2, 2026, 12:00 UTC (13:00 in Berlin, winter time). */
export const T0 = Date.UTC(2026, 2, 2, 12, 0, 0);

export const CONTACT = '+49 151 23456789';
export const WA_ID = '4915123456789';
export const SENDER = '1098765432';
/** An idempotency key as a workflow would build it. */
export const ORDER_REF = 'order-1001-shipped';

export function consent(
	purpose: string,
	status: ConsentStatus,
	changedAt: number,
	source = 'web_form',
): ConsentRecord {
	return { contact: WA_ID, purpose, status, changedAt, source };
}

export function windowState(lastInboundAt: number, extra: Partial<WindowState> = {}): WindowState {
	return { sender: SENDER, contact: WA_ID, lastInboundAt, ...extra };
}

export function templateState(
	status: string,
	category: TemplateCategory | undefined,
	extra: Partial<TemplateState> = {},
): TemplateState {
	return {
		account: '5550001',
		name: 'spring_sale',
		language: 'de',
		status,
		category,
		updatedAt: T0 - 10 * HOUR,
		...extra,
	};
}

export function sent(state: SentMessage['state'], extra: Partial<SentMessage> = {}): SentMessage {
	return {
		idempotencyKey: ORDER_REF,
		sender: SENDER,
		contact: WA_ID,
		state,
		kind: 'template:order_shipped',
		category: 'utility',
		createdAt: T0 - HOUR,
		...extra,
	};
}
