import { createHash } from 'node:crypto';
import type {
	IExecuteFunctions,
	IHookFunctions,
	ILoadOptionsFunctions,
	IWebhookFunctions,
} from 'n8n-workflow';

import { DEFAULT_API_VERSION, DEFAULT_BASE_URL } from '../core/graph/defaults';
import { GraphClient } from '../core/graph/client';
import { senderPairLimiter } from '../core/graph/pairLimiter';
import { senderLimiter } from '../core/graph/tokenBucket';

export const CLOUD_API_CREDENTIAL = 'whatsAppCloudApi';

type AnyContext = IExecuteFunctions | IWebhookFunctions | IHookFunctions | ILoadOptionsFunctions;

/**
 * The credential's fields the nodes use. No secret is among them: the access token stays inside
 * the client, and the app secret and verify token are read by the Webhook Trigger alone.
 */
export interface CloudApiSettings {
	businessAccountId: string;
	phoneNumberId: string;
	apiVersion: string;
	baseUrl: string;
}

export interface CloudApi {
	client: GraphClient;
	settings: CloudApiSettings;
}

/** Keep-alive connections are per client: one client per credential and process. */
const clients = new Map<string, GraphClient>();

export interface ClientLimits {
	/** Messages per second per sender number; undefined leaves sends unthrottled (reads). */
	ratePerSecond?: number;
}

export async function getCloudApi(ctx: AnyContext, limits: ClientLimits = {}): Promise<CloudApi> {
	const credentials = await ctx.getCredentials(CLOUD_API_CREDENTIAL);
	const settings: CloudApiSettings = {
		businessAccountId: String(credentials.businessAccountId ?? '').trim(),
		phoneNumberId: String(credentials.phoneNumberId ?? '').trim(),
		apiVersion: String(credentials.apiVersion || DEFAULT_API_VERSION).trim(),
		baseUrl: String(credentials.baseUrl || DEFAULT_BASE_URL).trim(),
	};
	const accessToken = String(credentials.accessToken ?? '');
	const rate = limits.ratePerSecond;
	const key = createHash('sha256')
		.update(JSON.stringify([accessToken, settings.apiVersion, settings.baseUrl, rate ?? null]))
		.digest('hex');
	let client = clients.get(key);
	if (!client) {
		client = new GraphClient({
			accessToken,
			apiVersion: settings.apiVersion,
			baseUrl: settings.baseUrl,
			senderLimiter: rate === undefined ? undefined : (id) => senderLimiter(id, rate),
			pairLimiter: rate === undefined ? undefined : (id) => senderPairLimiter(id),
		});
		clients.set(key, client);
	}
	return { client, settings };
}
