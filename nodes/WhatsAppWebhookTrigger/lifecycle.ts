/**
 * webhookMethods.default: what activation does outside n8n. Meta has one callback URL per app
 * (set in the App Dashboard, where Meta also checks the verify token), so the trigger does not
 * register a URL. What it can do is link the business account to the app (POST
 * /<WABA_ID>/subscribed_apps): without that link Meta sends nothing, the most common reason a
 * WhatsApp trigger "receives nothing".
 */
import type { IHookFunctions } from 'n8n-workflow';

import { getCloudApi } from '../shared/cloudApi';
import { toNodeError } from '../shared/errors';
import { checkComplianceStore } from '../shared/store';
import { readTriggerSettings } from './settings';

/**
 * Also checks the settings and the store (n8n calls this on every activation), so a bad keyword
 * list or, in queue mode, a store the processes cannot share stops activation with the reason
 * instead of failing every webhook later.
 *
 * With Subscribe App On Activation, always "missing": Meta lists the apps subscribed to the
 * account, but the credential does not say which app is ours (a system user token carries no app
 * ID), so "ours is there" cannot be told from "another app is". Subscribing again is idempotent
 * at Meta, so create() simply subscribes on every activation.
 */
export async function checkExists(this: IHookFunctions): Promise<boolean> {
	const { subscribeApp } = readTriggerSettings(this);
	await checkComplianceStore(this);
	return !subscribeApp;
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
 * Nothing to undo: unsubscribing the app would cut off every other workflow (and any other system)
 * that receives this account's webhooks through the same app.
 */
export async function remove(this: IHookFunctions): Promise<boolean> {
	return true;
}
