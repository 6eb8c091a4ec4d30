/**
 * This trigger as a subscription of its Meta app (core/webhook/fanout.ts): which app, which n8n
 * instance, published or listening for a test event, and the path n8n serves its webhook at.
 */
import { NodeHelpers, type IHookFunctions, type IWebhookFunctions } from 'n8n-workflow';

import {
	appKey,
	subscriptionId,
	TEST_LISTENER_MS,
	type Subscription,
	type SubscriptionMode,
} from '../core/webhook/fanout';
import type { TriggerSettings } from './settings';

type TriggerContext = IHookFunctions | IWebhookFunctions;

/**
 * Published or a test listener. n8n calls a test listener's hooks (checkExists, delete) with the
 * workflow marked inactive and runs its webhook in manual mode; a published workflow's hooks see
 * it active, its webhook runs in webhook mode.
 */
export function subscriptionMode(ctx: TriggerContext): SubscriptionMode {
	if ('getRequestObject' in ctx) return ctx.getMode() === 'manual' ? 'test' : 'production';
	return ctx.getMode() === 'manual' || !ctx.getWorkflow().active ? 'test' : 'production';
}

/** This trigger's subscription id: the same in its hooks and in its webhook. */
export function ownSubscriptionId(ctx: TriggerContext): string {
	const node = ctx.getNode();
	return subscriptionId(ctx.getWorkflow().id ?? '', node.id, subscriptionMode(ctx));
}

/**
 * The webhook path below n8n's endpoint, as n8n builds it for this node (the description's path
 * is the Path parameter with isFullPath, else the node's webhook id).
 */
export function webhookPath(ctx: TriggerContext): string {
	const node = ctx.getNode();
	const path = String(ctx.getNodeParameter('path', '') ?? '').replace(/^\/+/, '');
	const isFullPath = !(path.startsWith(':') || path.includes('/:'));
	return NodeHelpers.getNodeWebhookPath(ctx.getWorkflow().id ?? '', node, path, isFullPath);
}

export function buildSubscription(
	ctx: TriggerContext,
	settings: TriggerSettings,
	appSecret: string,
	now: number,
): Subscription {
	const mode = subscriptionMode(ctx);
	return {
		id: ownSubscriptionId(ctx),
		app: appKey(appSecret),
		instance: ctx.getInstanceId(),
		mode,
		path: webhookPath(ctx),
		workflowId: ctx.getWorkflow().id ?? '',
		node: ctx.getNode().name,
		filter: settings.handler.filter,
		effects: settings.handler.effects,
		registeredAt: now,
		...(mode === 'test' ? { expiresAt: now + TEST_LISTENER_MS } : {}),
	};
}
