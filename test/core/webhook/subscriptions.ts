/** A trigger's subscription of its Meta app (core/webhook/fanout.ts), for tests. */
import type { Subscription } from '../../../nodes/core/webhook/fanout';

export function subscriptionOf(
	id: string,
	app: string,
	extra: Partial<Subscription> = {},
): Subscription {
	return {
		id,
		app,
		instance: 'instance-1',
		mode: 'production',
		path: `path-${id}`,
		workflowId: `wf-${id}`,
		node: 'WhatsApp Webhook Trigger',
		filter: {},
		effects: {},
		registeredAt: 0,
		...extra,
	};
}
