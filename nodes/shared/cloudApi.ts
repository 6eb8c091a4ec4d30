import { createHash } from 'node:crypto';
import type {
	IExecuteFunctions,
	IHookFunctions,
	ILoadOptionsFunctions,
	IWebhookFunctions,
} from 'n8n-workflow';

import { DEFAULT_API_VERSION, DEFAULT_BASE_URL } from '../core/client/defaults';
import { GraphClient } from '../core/client/client';
import { DEFAULT_MESSAGES_PER_SECOND, MAX_MESSAGES_PER_SECOND } from '../core/pace/schedule';

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
	/** The throughput of the account's sender numbers (Meta's tier: 80, up to 1,000). */
	messagesPerSecond: number;
	/** The portfolio's messaging limit set by hand (it may only lower Meta's); undefined: Meta's. */
	messagingLimit: number | undefined;
}

export interface CloudApi {
	client: GraphClient;
	settings: CloudApiSettings;
}

/** Keep-alive connections are per client: one client per credential and process. */
const clients = new Map<string, GraphClient>();

export async function getCloudApi(ctx: AnyContext): Promise<CloudApi> {
	const credentials = await ctx.getCredentials(CLOUD_API_CREDENTIAL);
	const settings: CloudApiSettings = {
		businessAccountId: String(credentials.businessAccountId ?? '').trim(),
		phoneNumberId: String(credentials.phoneNumberId ?? '').trim(),
		apiVersion: String(credentials.apiVersion || DEFAULT_API_VERSION).trim(),
		baseUrl: String(credentials.baseUrl || DEFAULT_BASE_URL).trim(),
		messagesPerSecond: throughputOf(credentials.messagesPerSecond),
		messagingLimit: messagingLimitOf(credentials.messagingLimit),
	};
	const accessToken = String(credentials.accessToken ?? '');
	const key = createHash('sha256')
		.update(JSON.stringify([accessToken, settings.apiVersion, settings.baseUrl]))
		.digest('hex');
	let client = clients.get(key);
	if (!client) {
		client = new GraphClient({
			accessToken,
			apiVersion: settings.apiVersion,
			baseUrl: settings.baseUrl,
		});
		clients.set(key, client);
	}
	return { client, settings };
}

/** The credential's Messages Per Second: Meta's default when empty; an error names a wrong value. */
function throughputOf(value: unknown): number {
	if (value === undefined || value === null || value === '') return DEFAULT_MESSAGES_PER_SECOND;
	const rate = Number(value);
	if (!(rate > 0) || rate > MAX_MESSAGES_PER_SECOND) {
		throw new Error(
			`The WhatsApp Cloud API credential's Messages Per Second must be above 0 and at most ${MAX_MESSAGES_PER_SECOND}; it is ${JSON.stringify(value)}. Enter your number's throughput (${DEFAULT_MESSAGES_PER_SECOND} unless Meta raised it).`,
		);
	}
	return rate;
}

/** The credential's Messaging Limit: Meta's when empty or 0; an error names a wrong value. */
function messagingLimitOf(value: unknown): number | undefined {
	if (value === undefined || value === null || value === '' || value === 0) return undefined;
	const limit = Number(value);
	if (!Number.isInteger(limit) || limit < 1) {
		throw new Error(
			`The WhatsApp Cloud API credential's Messaging Limit must be a whole number of contacts; it is ${JSON.stringify(value)}. Enter 0 to use Meta's limit, or a lower number, e.g. 1800 of 2,000.`,
		);
	}
	return limit;
}
