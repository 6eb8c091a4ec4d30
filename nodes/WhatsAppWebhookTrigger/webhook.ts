/**
 * The trigger's webhook(): n8n glue around the core handler (nodes/core/webhook). Every answer is
 * written here, through the response object, before webhook() returns (noWebhookResponse), so
 * Meta gets its 200 as soon as the events are recorded and does not wait for n8n to create the
 * execution. Emission is therefore at most once: if n8n fails to start the execution after the
 * 200 (a crash, a restart), the events are not emitted again (Meta got its 200, and a re-delivery
 * would be a duplicate), though their effects (window, opt-outs, statuses) are recorded.
 *
 * - GET (setup): Meta's handshake -> 200 with hub.challenge as text, else 403.
 * - POST from Meta: handleWebhookPost -> 413 (larger than Meta's 3 MB), 401 (signature), 400 (not
 *   a WhatsApp envelope), 200. The store is opened only once the signature holds. The events are
 *   recorded once for the whole app: the other workflows of the app get theirs as deliveries in
 *   the same transaction (core/webhook/fanout.ts), woken after the 200 (deliverer.ts).
 * - POST with a wake-up from another trigger of the app (WAKE_UP_HEADER): handleWakeUp claims this
 *   trigger's deliveries and emits them -> 200 (with whether more wait), 401, 400.
 * - The store fails -> 500, so Meta delivers again (the transaction rolled back: nothing recorded).
 * - A change with an invalid field (a value the schemas or the store refuse) -> 200: the event is
 *   recorded and emitted without its store effects, and a warning says which and why
 *   (core/webhook/dropped.ts); the body's other events are not held back by it.
 * - The consentAfter read fails after the commit -> 200 and the events go out with
 *   `consentAfter: null` (a 500 would make the re-delivery all duplicates: nothing emitted).
 * - A setting the core refuses (a keyword without letters) -> the error is thrown: n8n answers 500
 *   and shows it as a failed execution, and Meta keeps the events until the setting is fixed.
 *
 * The app secret and verify token go to the core only: never into items, errors or logs.
 */
import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import type { DeliveryStore, WebhookStore } from '../core/store/types';

import { WebhookOptionError } from '../core/webhook/effects';
import { appKey, WAKE_UP_HEADER } from '../core/webhook/fanout';
import {
	handleWakeUp,
	handleWebhookGet,
	handleWebhookPost,
	droppedLogLine,
	type EmittedWebhookEvent,
	type WakeUpResult,
	type WebhookPostResult,
} from '../core/webhook/handler';
import { SIGNATURE_HEADER, type HandshakeQuery } from '../core/webhook/verify';
import { CLOUD_API_CREDENTIAL } from '../shared/cloudApi';
import { getComplianceStore } from '../shared/store';
import { delivererFor } from './deliverer';
import { seenEventPruner } from './prune';
import { optionError, readTriggerSettings, withAccount, type TriggerSettings } from './settings';
import { ownSubscriptionId } from './subscription';

const UNVERIFIED =
	'The webhook was rejected: its X-Hub-Signature-256 signature could not be verified';

/** What the trigger reads of n8n's request (express, with n8n's rawBody). */
interface WebhookRequest {
	rawBody?: Buffer;
	headers: Record<string, string | string[] | undefined>;
}

/** What the trigger uses of the response: plain Node, so any http.ServerResponse does. */
interface WebhookResponse {
	readonly headersSent?: boolean;
	writeHead(status: number, headers: Record<string, string | number>): unknown;
	end(body?: string): unknown;
}

export async function webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const res = this.getResponseObject() as unknown as WebhookResponse;
	const credentials = await this.getCredentials(CLOUD_API_CREDENTIAL);
	if (this.getWebhookName() === 'setup') {
		const answer = handleWebhookGet(
			this.getQueryData() as HandshakeQuery,
			String(credentials.verifyToken ?? ''),
		);
		if (answer.status === 200) send(res, 200, answer.body, 'text/plain; charset=utf-8');
		else {
			this.logger.warn(
				'WhatsApp webhook handshake refused (403): hub.mode is not "subscribe" or hub.verify_token is not the credential\'s verify token',
			);
			sendJson(res, 403, { error: 'Forbidden: the verify token does not match' });
		}
		return { noWebhookResponse: true };
	}

	const settings = readTriggerSettings(this);
	const req = this.getRequestObject() as unknown as WebhookRequest;
	const appSecret = String(credentials.appSecret ?? '');
	if (req.headers[WAKE_UP_HEADER] !== undefined) {
		return await wakeUp(this, req, res, settings, appSecret);
	}
	const now = Date.now();
	const app = appKey(appSecret);
	let result: WebhookPostResult;
	try {
		result = await handleWebhookPost({
			rawBody: req.rawBody,
			signatureHeader: req.headers[SIGNATURE_HEADER],
			appSecret,
			// Opened only once the signature holds: an unsigned post costs no connection.
			store: async () => await getComplianceStore(this),
			options: {
				...settings.handler,
				effects: withAccount(settings.handler.effects, credentials.businessAccountId),
				// Per app: a re-delivery to any trigger URL of the app is a duplicate.
				dedupeScope: app,
				fanOut: { app, receiver: ownSubscriptionId(this) },
			},
			now,
		});
	} catch (error) {
		if (error instanceof WebhookOptionError) throw optionError(this, error);
		const message = error instanceof Error ? error.message : String(error);
		this.logger.error(
			`WhatsApp webhook not recorded (answered 500, Meta will deliver it again): ${message}`,
		);
		sendJson(res, 500, { error: 'The compliance store could not record the webhook' });
		return { noWebhookResponse: true };
	}

	if (result.status !== 200 || !result.store) {
		this.logger.warn(`WhatsApp webhook rejected (${result.status}): ${result.error ?? ''}`);
		// Any caller gets a 401: it learns that the signature failed, the log says why.
		const error = result.status === 401 ? UNVERIFIED : (result.error ?? 'Rejected');
		sendJson(res, result.status, { error });
		return { noWebhookResponse: true };
	}
	const store = result.store;
	for (const line of result.ignored ?? []) this.logger.info(line);
	if (result.dropped.length > 0) this.logger.warn(droppedLogLine(result.dropped));
	if (result.consentReadError !== undefined) {
		this.logger.warn(
			`WhatsApp webhook recorded, but the consent after it could not be read (items have consentAfter: null): ${result.consentReadError}`,
		);
	}
	sendJson(res, 200, {
		received: result.events.length + result.filtered,
		duplicates: result.duplicates,
	});
	const deliverer = delivererFor(store, this.getInstanceId(), this.logger);
	deliverer.remember(app, appSecret, this.logger);
	deliverer.wake(result.deliveredTo);
	schedulePrune(this, store, now);
	return emit(result.events);
}

/** A wake-up from another trigger of the app: this trigger's waiting deliveries, emitted. */
async function wakeUp(
	ctx: IWebhookFunctions,
	req: WebhookRequest,
	res: WebhookResponse,
	settings: TriggerSettings,
	appSecret: string,
): Promise<IWebhookResponseData> {
	let result: WakeUpResult;
	try {
		result = await handleWakeUp({
			rawBody: req.rawBody,
			signatureHeader: req.headers[WAKE_UP_HEADER],
			appSecret,
			subscription: ownSubscriptionId(ctx),
			store: async () => await getComplianceStore(ctx),
			filter: settings.handler.filter,
			now: Date.now(),
		});
	} catch (error) {
		ctx.logger.error(
			`WhatsApp events of another workflow's webhook not taken over (tried again later): ${error instanceof Error ? error.message : String(error)}`,
		);
		sendJson(res, 500, { error: 'The compliance store could not be read' });
		return { noWebhookResponse: true };
	}
	if (result.status !== 200) {
		ctx.logger.warn(`WhatsApp wake-up rejected (${result.status}): ${result.error ?? ''}`);
		sendJson(res, result.status, { error: result.error ?? 'Rejected' });
		return { noWebhookResponse: true };
	}
	if (result.consentReadError !== undefined) {
		ctx.logger.warn(
			`WhatsApp events taken over, but the consent after them could not be read (items have consentAfter: null): ${result.consentReadError}`,
		);
	}
	sendJson(res, 200, { claimed: result.claimed, emitted: result.events.length, more: result.more });
	return emit(result.events);
}

function schedulePrune(
	ctx: IWebhookFunctions,
	store: WebhookStore & DeliveryStore,
	now: number,
): void {
	seenEventPruner.schedule(store, now, (error) =>
		ctx.logger.error(
			`Pruning seen WhatsApp webhook keys failed (tried again in an hour): ${(error as Error)?.message ?? String(error)}`,
		),
	);
}

function emit(events: EmittedWebhookEvent[]): IWebhookResponseData {
	if (events.length === 0) return { noWebhookResponse: true };
	return {
		noWebhookResponse: true,
		workflowData: [events.map((event) => ({ json: toItemJson(event) }))],
	};
}

/** The event as an item: the flat fields first, then the dedupe key and Meta's object (`raw`). */
function toItemJson(event: EmittedWebhookEvent): IDataObject {
	const { raw, dedupeKey, ...fields } = event;
	return { ...fields, dedupeKey, raw } as IDataObject;
}

function send(res: WebhookResponse, status: number, body: string, contentType: string): void {
	if (res.headersSent) return;
	res.writeHead(status, {
		'content-type': contentType,
		'content-length': Buffer.byteLength(body),
	});
	res.end(body);
}

function sendJson(res: WebhookResponse, status: number, body: IDataObject): void {
	send(res, status, JSON.stringify(body), 'application/json; charset=utf-8');
}
