/**
 * webhookMethods.default: what activation does outside n8n.
 *
 * - The trigger joins its Meta app (core/webhook/fanout.ts): its subscription goes into the store,
 *   so that whichever trigger of the app Meta calls records a delivery for this one. Deactivating
 *   the workflow (or the editor's test listener ending) takes it out again.
 * - Meta has one callback URL per app (set in the App Dashboard, where Meta also checks the verify
 *   token), so the trigger does not register a URL with Meta. What it can do is link the business
 *   account to the app (POST /<WABA_ID>/subscribed_apps): without that link Meta sends nothing, the
 *   most common reason a WhatsApp trigger "receives nothing".
 */
import { NodeOperationError, type IHookFunctions } from 'n8n-workflow';

import { CLOUD_API_CREDENTIAL, getCloudApi } from '../shared/cloudApi';
import { toNodeError } from '../shared/nodeErrors';
import { getComplianceStore } from '../shared/store';
import { delivererFor } from './deliverer';
import { readTriggerSettings, withAccount } from './settings';
import { buildSubscription, ownSubscriptionId } from './subscription';

/**
 * n8n calls this on every activation, so it also checks what would fail every webhook later: the
 * settings (a bad keyword list, with the option named), the App Secret and the store credential
 * (a SQLite File n8n's settings refuse, or in queue mode a store the processes cannot share).
 *
 * With Subscribe App On Activation, always "missing": Meta lists the apps subscribed to the
 * account, but the credential does not say which app is ours (a system user token carries no app
 * ID), so "ours is there" cannot be told from "another app is". Subscribing again is idempotent
 * at Meta, so create() simply subscribes on every activation.
 */
export async function checkExists(this: IHookFunctions): Promise<boolean> {
	const settings = readTriggerSettings(this);
	const appSecret = await checkAppSecret(this);
	let store;
	try {
		store = await getComplianceStore(this);
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
	// With the credential's business account, as the trigger's own POSTs: the app's other
	// subscriptions merge it (fanout.ts), so each account's webhooks count for its workflows.
	const cloudApi = await this.getCredentials(CLOUD_API_CREDENTIAL);
	const effects = withAccount(settings.handler.effects, cloudApi.businessAccountId);
	const subscription = buildSubscription(
		this,
		{ ...settings, handler: { ...settings.handler, effects } },
		appSecret,
		Date.now(),
	);
	try {
		await store.registerSubscription(subscription);
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
	const deliverer = delivererFor(store, subscription.instance, this.logger);
	deliverer.remember(subscription.app, appSecret, this.logger);
	if (subscription.mode === 'test') deliverer.listen(subscription);
	return !settings.subscribeApp;
}

/**
 * Without an App Secret no signature can be checked: the trigger would answer every POST, Meta's
 * too, with 401. A store that cannot be used (a SQLite File n8n's settings refuse, SQLite in queue
 * mode) would answer 500: getComplianceStore refuses it here, before any webhook is accepted.
 */
async function checkAppSecret(ctx: IHookFunctions): Promise<string> {
	const node = ctx.getNode();
	const cloudApi = await ctx.getCredentials(CLOUD_API_CREDENTIAL);
	const appSecret = String(cloudApi.appSecret ?? '');
	if (appSecret.trim() === '') {
		throw new NodeOperationError(
			node,
			'The WhatsApp Cloud API credential has no App Secret, so this trigger cannot check that webhooks come from Meta',
			{
				description:
					'Enter the app secret of the Meta app whose webhooks call this URL (App Dashboard > App settings > Basic) in the credential, then publish the workflow again.',
			},
		);
	}
	return appSecret;
}

export async function create(this: IHookFunctions): Promise<boolean> {
	if (!readTriggerSettings(this).subscribeApp) return true;
	const { client, settings } = await getCloudApi(this);
	try {
		await client.subscribeApp(settings.businessAccountId);
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
	this.logger.info(
		`Subscribed the Meta app to the webhooks of WhatsApp Business Account ${settings.businessAccountId}`,
	);
	return true;
}

/**
 * The workflow leaves its app: no new deliveries for it. Meta's subscription stays: unsubscribing
 * the app would cut off every other workflow (and any other system) that receives this account's
 * webhooks through the same app. A store that cannot be reached does not keep n8n from
 * deactivating the workflow: its deliveries are woken for in vain and dropped after
 * DELIVERY_RETENTION_MS.
 */
export async function remove(this: IHookFunctions): Promise<boolean> {
	const id = ownSubscriptionId(this);
	try {
		const store = await getComplianceStore(this);
		await store.removeSubscription(id, Date.now());
		delivererFor(store, this.getInstanceId(), this.logger).stopListening(id);
	} catch (error) {
		this.logger.warn(
			`The WhatsApp trigger "${this.getNode().name}" could not leave its app's deliveries: ${(error as Error).message}`,
		);
	}
	return true;
}
