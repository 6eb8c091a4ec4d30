import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeOperationError } from 'n8n-workflow';

import { HOUR } from '../../../nodes/core/clock';
import { ALL_PURPOSES, MARKETING } from '../../../nodes/core/model';
import type { ComplianceStore } from '../../../nodes/core/store/types';
import { MAX_WEBHOOK_BODY_BYTES } from '../../../nodes/core/webhook/handler';
import { closeAllStores } from '../../../nodes/shared/store';
import {
	changesOf,
	CONTACT_WA_ID,
	envelope,
	metadata,
	PHONE_NUMBER_ID,
	statusWebhook,
	templateQualityWebhook,
	templateStatusWebhook,
	textMessageWebhook,
	userPreferencesWebhook,
	WABA_ID,
	wamid,
	type JsonObject,
} from '../../core/wire/fixtures';
import {
	APP_SECRET,
	callWebhook,
	dumpTables,
	itemsOf,
	signedPost,
	tempStore,
	VERIFY_TOKEN,
	type ContextOptions,
	type WebhookCall,
} from './support';

const OTHER_NUMBER_ID = '774120593389999';

let temp: ReturnType<typeof tempStore>;
let store: ComplianceStore;
let calls: WebhookCall[];

beforeEach(async () => {
	temp = tempStore();
	store = await temp.open();
	calls = [];
});

afterEach(async () => {
	// Secrets never reach items, answers or logs, in any test.
	const seen = JSON.stringify(
		calls.map((c) => [c.result.workflowData ?? null, c.res.body ?? null, c.logs]),
	);
	expect(seen).not.toContain(APP_SECRET);
	expect(seen).not.toContain(VERIFY_TOKEN);
	await temp.cleanUp();
});

async function post(
	body: unknown,
	parameters: ContextOptions['parameters'] = {},
	extra: Parameters<typeof signedPost>[1] = {},
): Promise<WebhookCall> {
	const call = await callWebhook(signedPost(body, extra), { parameters, storePath: temp.path });
	calls.push(call);
	return call;
}

let lastSecond = 0;
/** Unix seconds, later on every call: consent changes in one second would tie (opt-out wins). */
const nowSeconds = () => {
	lastSecond = Math.max(lastSecond + 1, Math.floor(Date.now() / 1000));
	return String(lastSecond);
};

function text(body: string, options: { from?: string; phoneNumberId?: string } = {}): JsonObject {
	return textMessageWebhook({ text: body, timestamp: nowSeconds(), ...options });
}

/** One POST with several messages and statuses, as Meta batches them. */
function batch(): { body: JsonObject; messageIds: string[]; statusIds: string[] } {
	const messageIds = [wamid(), wamid()];
	const statusIds = [wamid(), wamid()];
	const timestamp = nowSeconds();
	const body = envelope([
		{
			field: 'messages',
			value: {
				messaging_product: 'whatsapp',
				metadata: metadata(),
				contacts: [{ profile: { name: 'Mia' }, wa_id: CONTACT_WA_ID }],
				messages: [
					{ from: CONTACT_WA_ID, id: messageIds[0], timestamp, type: 'text', text: { body: 'Hi' } },
					{
						from: CONTACT_WA_ID,
						id: messageIds[1],
						timestamp,
						type: 'text',
						text: { body: 'Is the jacket back?' },
					},
				],
			},
		},
		{
			field: 'messages',
			value: {
				messaging_product: 'whatsapp',
				metadata: metadata(),
				statuses: [
					{
						id: statusIds[0],
						status: 'delivered',
						timestamp,
						recipient_id: CONTACT_WA_ID,
						pricing: { billable: true, pricing_model: 'PMP', type: 'regular', category: 'utility' },
					},
					{ id: statusIds[1], status: 'read', timestamp, recipient_id: CONTACT_WA_ID },
				],
			},
		},
	]);
	return { body, messageIds, statusIds };
}

describe('webhook trigger: Meta handshake (GET)', () => {
	const handshake = (query: Record<string, unknown>) =>
		callWebhook({ webhookName: 'setup', query }, { storePath: temp.path }).then((call) => {
			calls.push(call);
			return call;
		});

	it('answers hub.challenge as plain text when the verify token is the credential’s', async () => {
		const call = await handshake({
			'hub.mode': 'subscribe',
			'hub.verify_token': VERIFY_TOKEN,
			'hub.challenge': '1158201444',
		});
		expect(call.res.status).toBe(200);
		expect(call.res.headers['content-type']).toMatch(/^text\/plain/);
		expect(call.res.body).toBe('1158201444');
		expect(call.result).toEqual({ noWebhookResponse: true });
	});

	it('answers 403 to a wrong token, another mode or a missing challenge', async () => {
		for (const query of [
			{ 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': '1' },
			{ 'hub.mode': 'unsubscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1' },
			{ 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN },
			{},
		]) {
			const call = await handshake(query);
			expect(call.res.status).toBe(403);
			expect(call.result.workflowData).toBeUndefined();
		}
	});
});

describe('webhook trigger: who may post', () => {
	it('a forged signature gets 401, starts nothing and leaves the store untouched', async () => {
		const before = dumpTables(temp.path);
		const call = await post(text('STOP'), {}, { secret: 'not-the-app-secret' });
		expect(call.res.status).toBe(401);
		expect(call.result).toEqual({ noWebhookResponse: true });
		// The caller learns that the signature failed; why is in the log only.
		expect(call.res.json().error).toBe(
			'The webhook was rejected: its X-Hub-Signature-256 signature could not be verified',
		);
		expect(
			call.logs.some(
				(l) => l.level === 'warn' && l.message.includes('401') && /does not match/.test(l.message),
			),
		).toBe(true);
		expect(dumpTables(temp.path)).toBe(before);
	});

	it('an App Secret emptied after activation gets 401 without telling the caller about the credential', async () => {
		const call = await callWebhook(signedPost(text('Hallo')), {
			storePath: temp.path,
			cloudApi: { appSecret: '' },
		});
		expect(call.res.status).toBe(401);
		expect(call.res.body).not.toMatch(/secret|credential/i);
		expect(call.logs.some((l) => /no app secret/.test(l.message))).toBe(true);
	});

	it('a body larger than Meta sends gets 413, starts nothing and leaves the store untouched', async () => {
		const before = dumpTables(temp.path);
		const call = await post({ ...text('STOP'), padding: 'x'.repeat(MAX_WEBHOOK_BODY_BYTES) });
		expect(call.res.status).toBe(413);
		expect(call.result).toEqual({ noWebhookResponse: true });
		expect(call.res.json().error).toMatch(/more than the 3145728 Meta sends at most/);
		expect(call.logs.some((l) => l.level === 'warn' && l.message.includes('413'))).toBe(true);
		expect(dumpTables(temp.path)).toBe(before);
	});

	it('a missing or malformed signature gets 401 and nothing is recorded', async () => {
		const before = dumpTables(temp.path);
		for (const signature of [null, 'sha256=abc', 'md5=00', '']) {
			const call = await post(text('Hallo'), {}, { signature });
			expect(call.res.status).toBe(401);
			expect(call.result.workflowData).toBeUndefined();
		}
		expect(dumpTables(temp.path)).toBe(before);
	});

	it('a signed body that is not a WhatsApp envelope gets 400 and nothing is recorded', async () => {
		const before = dumpTables(temp.path);
		for (const body of [{ object: 'page', entry: [] }, '{"object":', '[]']) {
			const call = await post(body);
			expect(call.res.status).toBe(400);
			expect(call.result.workflowData).toBeUndefined();
		}
		expect(dumpTables(temp.path)).toBe(before);
	});
});

describe('webhook trigger: events as items', () => {
	it('splits a notification into one item per message and status, with the documented fields', async () => {
		const { body, messageIds, statusIds } = batch();
		const call = await post(body, { triggerOn: ['message', 'status'] });
		expect(call.res.status).toBe(200);
		expect(call.res.json()).toEqual({ received: 4, duplicates: 0 });
		const items = itemsOf(call);
		expect(items.map((i) => [i.kind, i.messageId])).toEqual([
			['message', messageIds[0]],
			['message', messageIds[1]],
			['status', statusIds[0]],
			['status', statusIds[1]],
		]);
		const [first, , delivered] = items;
		expect(first).toMatchObject({
			kind: 'message',
			field: 'messages',
			businessAccountId: WABA_ID,
			phoneNumberId: PHONE_NUMBER_ID,
			contact: CONTACT_WA_ID,
			contactWaId: CONTACT_WA_ID,
			contactName: 'Mia',
			messageType: 'text',
			text: 'Hi',
			dedupeKey: `msg:${PHONE_NUMBER_ID}:${messageIds[0]}`,
		});
		expect(first.windowOpenUntil).toBe(
			new Date((first.timestampMs as number) + 24 * HOUR).toISOString(),
		);
		expect(first.consentAfter).toMatchObject({ purposes: [], canReceive: { marketing: false } });
		expect(first.raw).toMatchObject({ id: messageIds[0], type: 'text', text: { body: 'Hi' } });
		// Flat fields first; the dedupe key and Meta's object last.
		expect(Object.keys(first).slice(-2)).toEqual(['dedupeKey', 'raw']);
		expect(delivered).toMatchObject({
			kind: 'status',
			status: 'delivered',
			statusRecipient: CONTACT_WA_ID,
			pricing: { category: 'utility', type: 'regular', billable: true },
		});
		expect(delivered.raw).toMatchObject({ id: statusIds[0], status: 'delivered' });
	});

	it('emits only the chosen kinds and statuses, but records every event', async () => {
		const { body } = batch();
		const call = await post(body, { triggerOn: ['status'], messageStatuses: ['read'] });
		expect(itemsOf(call).map((i) => i.status)).toEqual(['read']);
		expect(call.res.json()).toEqual({ received: 4, duplicates: 0 });
		const snapshot = await store.getSnapshot({
			sender: PHONE_NUMBER_ID,
			contacts: [CONTACT_WA_ID],
			marketingSince: 0,
		});
		expect(snapshot.contacts.get(CONTACT_WA_ID)?.window?.lastInboundAt).toBeGreaterThan(0);
	});

	it('a re-delivered notification is answered 200 and starts no execution', async () => {
		const body = text('Hallo');
		expect(itemsOf(await post(body))).toHaveLength(1);
		const again = await post(body);
		expect(again.res.status).toBe(200);
		expect(again.res.json()).toEqual({ received: 0, duplicates: 1 });
		expect(again.result).toEqual({ noWebhookResponse: true });
	});

	it('of two identical deliveries arriving at the same moment, exactly one starts an execution', async () => {
		const body = text('Hallo zusammen');
		const both = await Promise.all([post(body), post(body)]);
		expect(both.map((c) => c.res.status)).toEqual([200, 200]);
		expect(both.filter((c) => c.result.workflowData !== undefined)).toHaveLength(1);
		expect(both.flatMap(itemsOf)).toHaveLength(1);
	});

	it('the sender number filter keeps other numbers’ events out but still records them', async () => {
		const parameters = { senderNumbers: [PHONE_NUMBER_ID] };
		const ours = await post(text('Hi', { phoneNumberId: PHONE_NUMBER_ID }), parameters);
		expect(itemsOf(ours)).toHaveLength(1);
		const theirs = await post(text('Hi', { phoneNumberId: OTHER_NUMBER_ID }), parameters);
		expect(theirs.res.status).toBe(200);
		expect(theirs.result.workflowData).toBeUndefined();
		const snapshot = await store.getSnapshot({
			sender: OTHER_NUMBER_ID,
			contacts: [CONTACT_WA_ID],
			marketingSince: 0,
		});
		expect(snapshot.contacts.get(CONTACT_WA_ID)?.window).toBeDefined();
		// Account-wide events carry no number and always pass.
		const template = await post(templateStatusWebhook({ event: 'APPROVED' }), {
			...parameters,
			triggerOn: ['template_status'],
		});
		expect(itemsOf(template)).toHaveLength(1);
	});

	it('reads the sender numbers from a comma-separated expression result too', async () => {
		const call = await post(text('Hi', { phoneNumberId: OTHER_NUMBER_ID }), {
			senderNumbers: `${PHONE_NUMBER_ID}, ${OTHER_NUMBER_ID}` as never,
		});
		expect(itemsOf(call)).toHaveLength(1);
	});

	it('a STOP message comes out with consentAfter showing the full opt-out', async () => {
		const [item] = itemsOf(await post(text('Stop!')));
		expect(item.consentChanges).toEqual([
			{ purpose: ALL_PURPOSES, action: 'opt_out', source: 'keyword' },
			{ purpose: MARKETING, action: 'opt_out', source: 'keyword' },
		]);
		expect(item.consentAfter).toMatchObject({
			fullOptOut: { source: 'keyword' },
			canReceive: { marketing: false, utility: false },
		});
	});
});

describe('webhook trigger: failures', () => {
	it('answers 500 and starts nothing when the store cannot be opened, so Meta delivers again', async () => {
		const blocker = join(temp.dir, 'not-a-folder');
		writeFileSync(blocker, 'x');
		const call = await callWebhook(signedPost(text('Hallo')), {
			storePath: join(blocker, 'store.sqlite'),
		});
		calls.push(call);
		expect(call.res.status).toBe(500);
		expect(call.result).toEqual({ noWebhookResponse: true });
		expect(call.logs.some((l) => l.level === 'error' && /answered 500/.test(l.message))).toBe(true);
	});

	it('refuses an unsigned, forged or oversized POST without opening the store', async () => {
		// A store that cannot be opened: opening it first would answer 500, not 401 or 413.
		const blocker = join(temp.dir, 'not-a-folder');
		writeFileSync(blocker, 'x');
		const storePath = join(blocker, 'store.sqlite');
		const refused = [
			signedPost(text('Hallo'), { signature: null }),
			signedPost(text('Hallo'), { secret: 'not-the-app-secret' }),
			signedPost(' '.repeat(MAX_WEBHOOK_BODY_BYTES + 1)),
			signedPost('{"object":"whatsapp_business_account"'),
		];
		const answers: number[] = [];
		for (const request of refused) {
			const call = await callWebhook(request, { storePath });
			calls.push(call);
			answers.push(call.res.status ?? 0);
		}
		expect(answers).toEqual([401, 401, 413, 400]);
	});

	it('records and emits a webhook with an invalid change, and logs the change it dropped', async () => {
		const body = envelope(changesOf(text('Hallo'), templateQualityWebhook({ next: ' ' })));
		const call = await post(body, { triggerOn: ['message', 'template_quality'] });
		expect(call.res.status).toBe(200);
		expect(itemsOf(call).map((item) => item.kind)).toEqual(['message', 'template_quality']);
		expect(call.logs).toContainEqual({
			level: 'warn',
			message: expect.stringMatching(
				/^WhatsApp webhook recorded, but 1 change has an invalid field and changed nothing in the compliance store; the rest of the webhook was recorded: message_template_quality_update \[template_quality, evt:[^\]]+\]: standing value must be a non-empty string, got ""$/,
			),
		});
	});

	it('answers 500 when the store fails while recording, and a re-delivery is then emitted', async () => {
		const body = text('STOP');
		const before = dumpTables(temp.path);
		await store.close();
		const failed = await post(body);
		expect(failed.res.status).toBe(500);
		expect(failed.result.workflowData).toBeUndefined();
		expect(dumpTables(temp.path)).toBe(before);
		// Reopened (the store is back): the re-delivery is new, its STOP is recorded now.
		await closeAllStores();
		store = await temp.open();
		expect(itemsOf(await post(body))).toHaveLength(1);
	});

	it('answers 200 and emits with consentAfter null when the consent read after recording fails', async () => {
		const applied = jest.spyOn(store, 'applyWebhookEvents');
		const read = jest.spyOn(store, 'getConsents').mockImplementation(async () => {
			if (applied.mock.calls.length > 0) throw new Error('connection reset');
			return new Map();
		});
		const body = text('STOP');
		const call = await post(body);
		read.mockRestore();
		applied.mockRestore();
		expect(call.res.status).toBe(200);
		const [item] = itemsOf(call);
		expect(item).toMatchObject({ kind: 'message', consentAfter: null });
		expect(item.consentAfterError).toMatch(/could not be read/);
		expect(
			call.logs.some(
				(l) => l.level === 'warn' && /consentAfter: null.*connection reset/.test(l.message),
			),
		).toBe(true);
		// The STOP was recorded, so Meta's re-delivery would emit nothing: this was the only chance.
		expect(itemsOf(await post(body))).toEqual([]);
	});

	it('a keyword list the core refuses fails with the option named, before anything is recorded', async () => {
		const before = dumpTables(temp.path);
		const error = await post(text('STOP'), { options: { optOutKeywords: 'STOP, !!' } }).catch(
			(e: unknown) => e,
		);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as Error).message).toMatch(/^"Opt-Out Keywords": optOutKeywords\[1\]/);
		expect(dumpTables(temp.path)).toBe(before);
	});
});

describe('webhook trigger: side effects, each on by default and each switchable', () => {
	const snapshotOf = async (sender = PHONE_NUMBER_ID) =>
		(
			await store.getSnapshot({ sender, contacts: [CONTACT_WA_ID], marketingSince: 0 })
		).contacts.get(CONTACT_WA_ID)!;
	const consentOf = async (purpose: string) =>
		(await store.getConsents([CONTACT_WA_ID]))
			.get(CONTACT_WA_ID)
			?.find((c) => c.purpose === purpose)?.status;

	it('Record Window: a message opens the customer service window', async () => {
		await post(text('Hi'), { options: { recordWindow: false } });
		expect((await snapshotOf()).window).toBeUndefined();
		await post(text('Hi again'));
		expect((await snapshotOf()).window?.lastInboundAt).toBeGreaterThan(0);
	});

	it('Honor Opt-Out Keywords: STOP opts the contact out of everything', async () => {
		await post(text('STOP'), { options: { honourOptOutKeywords: false } });
		expect(await consentOf(ALL_PURPOSES)).toBeUndefined();
		await post(text('stop please'));
		expect(await consentOf(ALL_PURPOSES)).toBe('opted_out');
	});

	it('Opt-Out Keywords: a configured list replaces the built-in one', async () => {
		const options = { optOutKeywords: 'HALT, GENUG' };
		await post(text('STOP'), { options });
		expect(await consentOf(ALL_PURPOSES)).toBeUndefined();
		await post(text('genug'), { options });
		expect(await consentOf(ALL_PURPOSES)).toBe('opted_out');
	});

	it('Honor Opt-In Keywords and Opt-In Keywords: START lifts a full opt-out', async () => {
		await post(text('STOP'));
		await post(text('START'), { options: { honourOptInKeywords: false } });
		expect(await consentOf(ALL_PURPOSES)).toBe('opted_out');
		await post(text('START'), { options: { optInKeywords: 'WIEDER' } });
		expect(await consentOf(ALL_PURPOSES)).toBe('opted_out');
		await post(text('wieder'), { options: { optInKeywords: 'WIEDER' } });
		expect(await consentOf(ALL_PURPOSES)).toBe('opted_in');
	});

	it('Honor Opt-Out Buttons and Opt-Out Button Payloads: a "Stop promotions" tap stops marketing', async () => {
		const tap = (payload: string) =>
			envelope([
				{
					field: 'messages',
					value: {
						messaging_product: 'whatsapp',
						metadata: metadata(),
						contacts: [{ profile: { name: 'Mia' }, wa_id: CONTACT_WA_ID }],
						messages: [
							{
								from: CONTACT_WA_ID,
								id: wamid(),
								timestamp: nowSeconds(),
								type: 'button',
								button: { payload, text: 'Keine Werbung' },
							},
						],
					},
				},
			]);
		await post(tap('STOP_PROMOTIONS'), { options: { honourOptOutButtons: false } });
		expect(await consentOf(MARKETING)).toBeUndefined();
		await post(tap('STOP_PROMOTIONS'), { options: { optOutPayloads: 'NO_ADS' } });
		expect(await consentOf(MARKETING)).toBeUndefined();
		await post(tap('no-ads'), { options: { optOutPayloads: 'NO_ADS' } });
		expect(await consentOf(MARKETING)).toBe('opted_out');
	});

	it('Record Double Opt-In Confirmations and Confirmation Keywords: YES confirms pending consent', async () => {
		await store.recordConsent([
			{
				contact: CONTACT_WA_ID,
				purpose: MARKETING,
				action: 'request_confirmation',
				at: Date.now() - HOUR,
				source: 'form',
			},
		]);
		await post(text('YES'), { options: { recordConfirmations: false } });
		expect(await consentOf(MARKETING)).toBe('pending');
		await post(text('YES'), { options: { confirmationKeywords: 'OKAY DANN' } });
		expect(await consentOf(MARKETING)).toBe('pending');
		await post(text('Okay dann'), { options: { confirmationKeywords: 'OKAY DANN' } });
		expect(await consentOf(MARKETING)).toBe('opted_in');
	});

	it('Honor User Preferences: a stop in WhatsApp’s settings stops marketing', async () => {
		const at = Math.floor(Date.now() / 1000);
		await post(userPreferencesWebhook({ value: 'stop', timestamp: at - 10 }), {
			options: { honourUserPreferences: false },
		});
		expect(await consentOf(MARKETING)).toBeUndefined();
		await post(userPreferencesWebhook({ value: 'stop', timestamp: at }));
		expect(await consentOf(MARKETING)).toBe('opted_out');
	});

	it('Suppress Marketing On 131050: such a failed status stops marketing', async () => {
		await post(statusWebhook({ status: 'failed', timestamp: nowSeconds() }), {
			options: { suppressMarketingOn131050: false },
		});
		expect(await consentOf(MARKETING)).toBeUndefined();
		await post(statusWebhook({ status: 'failed', timestamp: nowSeconds() }));
		expect(await consentOf(MARKETING)).toBe('opted_out');
	});

	it('Close Window On 131047: such a failed status closes the window', async () => {
		await post(text('Hi'));
		const failed = () =>
			statusWebhook({
				status: 'failed',
				timestamp: nowSeconds(),
				errors: [{ code: 131047, title: 'Re-engagement message' }],
			});
		await post(failed(), { options: { closeWindowOn131047: false } });
		expect((await snapshotOf()).window?.closedAt).toBeUndefined();
		await post(failed());
		expect((await snapshotOf()).window?.closedAt).toBeGreaterThan(0);
	});

	it('Record Send Statuses: a failed status marks the sent message failed', async () => {
		const sent = async (key: string) => {
			const id = wamid();
			await store.reserveSends([
				{
					idempotencyKey: key,
					sender: PHONE_NUMBER_ID,
					contact: CONTACT_WA_ID,
					kind: 'template:winter_sale',
					category: 'marketing',
					at: Date.now(),
				},
			]);
			await store.completeSends([
				{ idempotencyKey: key, state: 'accepted', wamid: id, at: Date.now() },
			]);
			return id;
		};
		const stateOf = async (key: string) =>
			(
				await store.getSnapshot({
					sender: PHONE_NUMBER_ID,
					contacts: [],
					marketingSince: 0,
					idempotencyKeys: [key],
				})
			).sends.get(key);
		const off = await sent('send-off');
		await post(statusWebhook({ id: off, status: 'failed', timestamp: nowSeconds() }), {
			options: { recordSendFailures: false },
		});
		expect((await stateOf('send-off'))?.state).toBe('accepted');
		const on = await sent('send-on');
		await post(statusWebhook({ id: on, status: 'failed', timestamp: nowSeconds() }));
		expect(await stateOf('send-on')).toMatchObject({ state: 'failed', errorCode: 131050 });
	});

	it('Record Costs: a delivered status with pricing goes into the cost ledger', async () => {
		const ledger = async () =>
			(await store.costSummary({ from: 0, to: Date.now() + HOUR })).reduce(
				(sum, row) => sum + row.messages,
				0,
			);
		await post(statusWebhook({ status: 'delivered', timestamp: nowSeconds() }), {
			options: { recordCosts: false },
		});
		expect(await ledger()).toBe(0);
		await post(statusWebhook({ status: 'delivered', timestamp: nowSeconds() }));
		expect(await ledger()).toBe(1);
	});

	it('Record Quality and Messaging Limit: the ratings and the limit are stored for Send Template', async () => {
		const templateQuality = async () =>
			(await store.getAccountStanding(Date.now())).entries.filter(
				(e) => e.subject === `template:${WABA_ID}:winter_sale:de`,
			);
		await post(templateQualityWebhook({ next: 'RED' }), {
			options: { recordAccountStanding: false },
		});
		expect(await templateQuality()).toEqual([]);
		await post(templateQualityWebhook({ previous: 'YELLOW', next: 'RED' }));
		expect(await templateQuality()).toEqual([
			expect.objectContaining({ name: 'quality_rating', value: 'RED' }),
		]);
	});

	it('Record Template Status: a status update is stored for Send Template', async () => {
		const key = { account: WABA_ID, name: 'winter_sale', language: 'de' };
		await post(templateStatusWebhook({ event: 'PAUSED', time: 1764241300 }), {
			options: { recordTemplateStatus: false },
		});
		expect(await store.getTemplateStates([key])).toEqual([]);
		await post(templateStatusWebhook({ event: 'PAUSED', time: 1764241400 }));
		expect(await store.getTemplateStates([key])).toMatchObject([{ status: 'PAUSED' }]);
	});
});
