import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { HOUR, ManualClock } from '../../../nodes/core/clock';
import { ALL_PURPOSES, MARKETING } from '../../../nodes/core/model';
import { SqliteComplianceStore } from '../../../nodes/core/store/sqlite';
import { WebhookOptionError } from '../../../nodes/core/webhook/effects';
import { MAX_KEYWORD_MESSAGE_LENGTH } from '../../../nodes/core/webhook/keywords';
import { appKey, wakeUpRequest, type Subscription } from '../../../nodes/core/webhook/fanout';
import {
	CONSENT_AFTER_UNREADABLE,
	handleWakeUp,
	handleWebhookGet,
	handleWebhookPost,
	MAX_WEBHOOK_BODY_BYTES,
	type WakeUpInput,
	type WebhookHandlerOptions,
	type WebhookPostResult,
} from '../../../nodes/core/webhook/handler';
import { computeSignature } from '../../../nodes/core/webhook/verify';
import {
	DEEP_VALUE,
	MAX_JSON_CONTAINERS,
	MAX_WEBHOOK_ITEMS,
	META_MAX_UPDATES,
} from '../../../nodes/core/wire/bodyLimits';
import {
	changesOf,
	CONTACT_WA_ID,
	envelope,
	metadata,
	PHONE_NUMBER_ID,
	statusWebhook,
	templateButtonWebhook,
	templateCategoryUpdateWebhook,
	templateQualityWebhook,
	templateStatusWebhook,
	textMessageWebhook,
	TIMESTAMP,
	userPreferencesWebhook,
	WABA_ID,
	wamid,
	type JsonObject,
} from '../wire/fixtures';
import { nodeSqlite } from '../../../nodes/core/store/sqlite/nodeSqlite';
import { subscriptionOf } from './subscriptions';
import { TEST_ERASURE_KEY } from '../../support/erasureKey';

const { DatabaseSync } = nodeSqlite();

const APP_SECRET = 'c0ffee5ecret0f7heme7aapp';
const AT = Number(TIMESTAMP) * 1000;
const NOW = AT + 2_000;

let dir: string;
let path: string;
let store: SqliteComplianceStore;
let clock: ManualClock;

beforeEach(async () => {
	dir = mkdtempSync(join(tmpdir(), 'wa-webhook-'));
	path = join(dir, 'store.sqlite');
	clock = new ManualClock(NOW);
	store = new SqliteComplianceStore({ erasureKey: TEST_ERASURE_KEY, path, clock });
	await store.migrate();
});

afterEach(async () => {
	await store.close();
	rmSync(dir, { recursive: true, force: true });
});

/** Every row of every table, through a second connection (sees the WAL). */
function dumpTables(): string {
	const db = new DatabaseSync(path, { readOnly: true });
	try {
		const tables = db
			.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
			.all()
			.map((row) => String(row.name));
		return JSON.stringify(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}"`).all()]));
	} finally {
		db.close();
	}
}

function post(
	body: JsonObject | string,
	options?: WebhookHandlerOptions,
	extra: { signature?: string | undefined; now?: number } = {},
): Promise<WebhookPostResult> {
	const rawBody = typeof body === 'string' ? body : JSON.stringify(body);
	return handleWebhookPost({
		rawBody: Buffer.from(rawBody, 'utf8'),
		signatureHeader: 'signature' in extra ? extra.signature : computeSignature(rawBody, APP_SECRET),
		appSecret: APP_SECRET,
		store,
		options,
		now: extra.now ?? NOW,
	});
}

/** One POST carrying several messages and statuses (Meta batches up to 1000 updates). */
function batch(messages: JsonObject[], statuses: JsonObject[] = []): JsonObject {
	return envelope([
		{
			field: 'messages',
			value: {
				messaging_product: 'whatsapp',
				metadata: metadata(),
				contacts: [{ profile: { name: 'Mia' }, wa_id: CONTACT_WA_ID }],
				messages,
				statuses,
			},
		},
	]);
}

function signed(rawBody: string): string {
	return computeSignature(rawBody, APP_SECRET);
}

function textMessage(body: string, id = wamid()): JsonObject {
	return { from: CONTACT_WA_ID, id, timestamp: TIMESTAMP, type: 'text', text: { body } };
}

describe('webhook handler: body size', () => {
	/** A signed batch of text messages padded with long texts to exactly `bytes` bytes. */
	function bodyOf(bytes: number): string {
		const messages = Array.from({ length: 750 }, () => textMessage('x'));
		let text = JSON.stringify(batch(messages));
		const pad = bytes - Buffer.byteLength(text);
		const long = 'Hello, is my order on its way? '.repeat(Math.ceil(pad / 31 / 750));
		let left = pad;
		for (const m of messages) {
			const add = Math.min(left, long.length);
			(m.text as JsonObject).body = `x${long.slice(0, add)}`;
			left -= add;
		}
		text = JSON.stringify(batch(messages));
		expect(Buffer.byteLength(text)).toBe(bytes);
		return text;
	}

	it('is at most the 3 MB Meta sends', () => {
		expect(MAX_WEBHOOK_BODY_BYTES).toBe(3 * 1024 * 1024);
	});

	it('refuses a larger body with 413 before checking its signature or reading it, recording nothing', async () => {
		const before = dumpTables();
		const tooLarge = bodyOf(MAX_WEBHOOK_BODY_BYTES + 1);
		for (const signature of [computeSignature(tooLarge, APP_SECRET), 'sha256=forged']) {
			const result = await post(tooLarge, {}, { signature });
			expect(result).toMatchObject({ status: 413, events: [], duplicates: 0 });
			expect(result.error).toBe(
				`The webhook was rejected: its body has ${MAX_WEBHOOK_BODY_BYTES + 1} bytes, more than the ${MAX_WEBHOOK_BODY_BYTES} Meta sends at most, so it does not come from Meta.`,
			);
		}
		// Counted in bytes, not characters.
		const wide = JSON.stringify(batch([textMessage('ü'.repeat(MAX_WEBHOOK_BODY_BYTES / 2))]));
		expect((await post(wide)).status).toBe(413);
		expect(dumpTables()).toBe(before);
	});

	it('handles a body of the largest size Meta sends, 750 messages with long texts', async () => {
		const started = performance.now();
		const result = await post(bodyOf(MAX_WEBHOOK_BODY_BYTES));
		const elapsed = performance.now() - started;
		expect(result.status).toBe(200);
		expect(result.events).toHaveLength(750);
		// Linear work; far below what a quadratic step would take on 3 MB (minutes).
		expect(elapsed).toBeLessThan(10_000);
	});

	it('does not read a long text as a keyword, however it ends', async () => {
		const long = `${'please '.repeat(MAX_KEYWORD_MESSAGE_LENGTH / 7 + 1)}STOP`;
		const result = await post(batch([textMessage(long)]));
		expect(result.status).toBe(200);
		expect(result.events[0]).not.toHaveProperty('consentChanges');
		expect(await store.getConsentHistory(CONTACT_WA_ID)).toEqual([]);
	});
});

describe('webhook handler: who may post', () => {
	it('a forged signature gets 401, emits nothing and leaves the store untouched', async () => {
		const before = dumpTables();
		const body = JSON.stringify(textMessageWebhook({ text: 'STOP' }));
		const result = await post(body, undefined, {
			signature: computeSignature(body, 'not-the-secret'),
		});
		expect(result).toMatchObject({ status: 401, events: [], duplicates: 0 });
		expect(result.error).toMatch(/does not match/);
		expect(result.error).not.toContain(APP_SECRET);
		expect(dumpTables()).toBe(before);
	});

	it('a missing or malformed signature gets 401 and nothing is recorded', async () => {
		const before = dumpTables();
		const body = textMessageWebhook({ text: 'Hallo' });
		expect((await post(body, undefined, { signature: undefined })).error).toMatch(/missing/);
		expect((await post(body, undefined, { signature: 'sha256=abc' })).status).toBe(401);
		expect(dumpTables()).toBe(before);
	});

	it('a signed body that is not a WhatsApp envelope gets 400 and nothing is recorded', async () => {
		const before = dumpTables();
		const notEnvelope = await post({ object: 'page', entry: [] });
		expect(notEnvelope).toMatchObject({ status: 400, events: [] });
		expect(notEnvelope.error).toMatch(/whatsapp_business_account/);
		expect((await post('{"object":')).status).toBe(400);
		expect(dumpTables()).toBe(before);
	});

	it('answers the GET handshake', () => {
		const query = { 'hub.mode': 'subscribe', 'hub.verify_token': 'tok', 'hub.challenge': '42' };
		expect(handleWebhookGet(query, 'tok')).toEqual({ status: 200, body: '42' });
		expect(handleWebhookGet(query, 'other')).toEqual({ status: 403 });
	});
});

describe('webhook handler: recording and emitting', () => {
	it('a message is emitted with its window end and the contact’s consent, and opens the window', async () => {
		const result = await post(textMessageWebhook({ text: 'Hallo' }));
		expect(result.status).toBe(200);
		expect(result.events).toHaveLength(1);
		const [event] = result.events;
		expect(event).toMatchObject({ kind: 'message', contact: CONTACT_WA_ID, text: 'Hallo' });
		expect(event.windowOpenUntil).toBe(new Date(AT + 24 * HOUR).toISOString());
		expect(event.consentAfter).toEqual({
			asOf: NOW,
			fullOptOut: undefined,
			purposes: [],
			canReceive: { marketing: false, utility: false },
		});
		const snapshot = await store.getSnapshot({
			sender: PHONE_NUMBER_ID,
			contacts: [CONTACT_WA_ID],
			marketingSince: 0,
		});
		expect(snapshot.contacts.get(CONTACT_WA_ID)?.window).toMatchObject({ lastInboundAt: AT });
	});

	it('a duplicate delivery emits nothing the second time', async () => {
		const body = textMessageWebhook({ text: 'Hallo' });
		expect((await post(body)).events).toHaveLength(1);
		const again = await post(body, undefined, { now: NOW + 3 * 24 * HOUR });
		expect(again).toMatchObject({ status: 200, events: [], duplicates: 1 });
	});

	it('two deliveries of the same body at the same moment: exactly one emits', async () => {
		const body = JSON.stringify(batch([textMessage('a'), textMessage('STOP')]));
		const results = await Promise.all([post(body), post(body), post(body)]);
		expect(results.map((r) => r.events.length).sort()).toEqual([0, 0, 2]);
		expect(results.map((r) => r.duplicates).sort()).toEqual([0, 2, 2]);
		// The STOP was recorded once.
		const history = await store.getConsentHistory(CONTACT_WA_ID);
		expect(history.map((e) => e.purpose).sort()).toEqual([ALL_PURPOSES, MARKETING]);
	});

	it('a failed consent read after recording still emits the events, with consentAfter null', async () => {
		// The read after the commit fails; the recording itself went through.
		const applied = jest.spyOn(store, 'applyWebhookEvents');
		const read = jest.spyOn(store, 'getConsents').mockImplementation(async () => {
			if (applied.mock.calls.length > 0) throw new Error('connection reset');
			return new Map();
		});
		const body = batch([textMessage('Hallo'), textMessage('STOP')]);
		const result = await post(body);
		expect(result.status).toBe(200);
		expect(result.consentReadError).toBe('connection reset');
		expect(result.events).toHaveLength(2);
		for (const event of result.events) {
			expect(event.consentAfter).toBeNull();
			expect(event.consentAfterError).toBe(CONSENT_AFTER_UNREADABLE);
		}
		expect(result.events[1].consentChanges).toHaveLength(2);
		read.mockRestore();
		applied.mockRestore();
		// Recorded: the STOP is in force and a re-delivery is a duplicate.
		expect(await store.getConsentHistory(CONTACT_WA_ID)).toHaveLength(2);
		expect(await post(body)).toMatchObject({ events: [], duplicates: 2 });
	});

	it('the same event twice in one POST is emitted once', async () => {
		const id = wamid();
		const result = await post(batch([textMessage('x', id), textMessage('x', id)]));
		expect(result.events).toHaveLength(1);
		expect(result.duplicates).toBe(1);
	});

	it('STOP: consentAfter shows the contact opted out of everything', async () => {
		const result = await post(textMessageWebhook({ text: 'Stop!' }));
		const [event] = result.events;
		expect(event.consentChanges).toEqual([
			{ purpose: ALL_PURPOSES, action: 'opt_out', source: 'keyword' },
			{ purpose: MARKETING, action: 'opt_out', source: 'keyword' },
		]);
		expect(event.consentAfter?.fullOptOut).toEqual({ at: AT, source: 'keyword' });
		expect(event.consentAfter?.canReceive).toEqual({ marketing: false, utility: false });
		const [stop] = await store.getConsentHistory(CONTACT_WA_ID);
		expect(stop).toMatchObject({
			wording: 'Stop!',
			evidence: { messageId: event.messageId },
			recordedBy: 'webhook',
		});
	});

	it('START after STOP lifts the full opt-out for utility but brings back no marketing', async () => {
		await store.recordConsent([
			{
				contact: CONTACT_WA_ID,
				purpose: MARKETING,
				action: 'opt_in',
				at: AT - 10 * HOUR,
				source: 'web_form',
			},
		]);
		await post(textMessageWebhook({ text: 'STOP', timestamp: String(AT / 1000 - 3600) }));
		const [event] = (await post(textMessageWebhook({ text: 'start' }))).events;
		expect(event.consentAfter?.fullOptOut).toBeUndefined();
		expect(event.consentAfter?.canReceive).toEqual({ marketing: false, utility: true });
	});

	it('a double opt-in is confirmed by "JA" and not by "JA" when nothing is pending', async () => {
		const unrelated = await post(textMessageWebhook({ text: 'ja' }));
		expect(unrelated.events[0].consentChanges).toBeUndefined();
		expect(await store.getConsentHistory(CONTACT_WA_ID)).toEqual([]);

		await store.recordConsent([
			{
				contact: CONTACT_WA_ID,
				purpose: MARKETING,
				action: 'request_confirmation',
				at: AT - HOUR,
				source: 'web_form',
			},
		]);
		const [event] = (await post(textMessageWebhook({ text: 'Ja, bitte!' }))).events;
		expect(event.consentChanges).toEqual([
			{ purpose: MARKETING, action: 'confirm', source: 'keyword' },
		]);
		expect(event.consentAfter?.canReceive.marketing).toBe(true);
	});

	it('a confirmation tapped in the same second as the request confirms it and keeps the consent wording', async () => {
		const wording = 'Yes, send me offers from Acme on WhatsApp';
		// Recorded with milliseconds; Meta stamps the tap in whole seconds, so it looks 400 ms older.
		await store.recordConsent([
			{
				contact: CONTACT_WA_ID,
				purpose: MARKETING,
				action: 'request_confirmation',
				at: AT + 400,
				source: 'web_form',
				wording,
			},
		]);
		const tapId = wamid();
		const [event] = (
			await post(
				templateButtonWebhook({ id: tapId, text: 'Yes, subscribe', payload: 'CONFIRM_OPT_IN' }),
			)
		).events;
		expect(event.consentChanges).toEqual([
			{ purpose: MARKETING, action: 'confirm', source: 'button' },
		]);
		expect(event.consentAfter?.canReceive.marketing).toBe(true);
		const [record] = (await store.getConsents([CONTACT_WA_ID])).get(CONTACT_WA_ID)!;
		expect(record).toMatchObject({
			status: 'opted_in',
			source: 'web_form',
			wording,
			confirmedAt: AT + 400,
		});
		const history = await store.getConsentHistory(CONTACT_WA_ID);
		expect(history.map((e) => [e.action, e.wording, e.evidence?.messageId])).toEqual([
			['request_confirmation', wording, undefined],
			['confirm', 'Yes, subscribe', tapId],
		]);
	});

	it('user_preferences stop suppresses marketing; resume restores the consent given before', async () => {
		await store.recordConsent([
			{
				contact: CONTACT_WA_ID,
				purpose: MARKETING,
				action: 'opt_in',
				at: AT - HOUR,
				source: 'web_form',
			},
		]);
		const stop = await post(userPreferencesWebhook({ value: 'stop', timestamp: AT / 1000 + 60 }));
		expect(stop.events[0].consentAfter?.canReceive.marketing).toBe(false);
		const resume = await post(
			userPreferencesWebhook({ value: 'resume', timestamp: AT / 1000 + 120 }),
		);
		expect(resume.events[0].consentChanges).toEqual([
			{ purpose: MARKETING, action: 'opt_in', source: 'user_preferences' },
		]);
		expect(resume.events[0].consentAfter?.canReceive.marketing).toBe(true);
	});

	it('a resume without earlier consent records nothing', async () => {
		await post(userPreferencesWebhook({ value: 'stop', timestamp: AT / 1000 + 60 }));
		const resume = await post(
			userPreferencesWebhook({ value: 'resume', timestamp: AT / 1000 + 120 }),
		);
		expect(resume.events[0].consentChanges).toBeUndefined();
		expect(resume.events[0].consentAfter?.canReceive.marketing).toBe(false);
	});

	it('a failed 131050 status suppresses marketing, marks the send failed and is priced nowhere', async () => {
		const id = wamid();
		await store.reserveSends([
			{
				idempotencyKey: 'k1',
				sender: PHONE_NUMBER_ID,
				contact: CONTACT_WA_ID,
				kind: 'template:winter_sale',
				category: 'marketing',
				at: AT - HOUR,
			},
		]);
		await store.completeSends([
			{ idempotencyKey: 'k1', state: 'accepted', wamid: id, at: AT - HOUR },
		]);
		const result = await post(statusWebhook({ status: 'failed', id }));
		expect(result.events[0]).toMatchObject({ kind: 'status', status: 'failed' });
		expect(result.events[0].consentAfter?.purposes).toEqual([
			expect.objectContaining({
				purpose: MARKETING,
				status: 'opted_out',
				source: 'delivery_failure',
			}),
		]);
		const snapshot = await store.getSnapshot({
			sender: PHONE_NUMBER_ID,
			contacts: [],
			marketingSince: 0,
			idempotencyKeys: ['k1'],
		});
		expect(snapshot.sends.get('k1')).toMatchObject({ state: 'failed', errorCode: 131050 });
	});

	it('priced statuses go to the cost ledger once, however often Meta delivers them', async () => {
		const id = wamid();
		await post(statusWebhook({ status: 'sent', id }));
		await post(statusWebhook({ status: 'sent', id }));
		await post(statusWebhook({ status: 'delivered', id }));
		expect(await store.costSummary({ from: 0, to: NOW + HOUR })).toEqual([
			expect.objectContaining({
				category: 'marketing',
				pricingType: 'regular',
				messages: 1,
				billable: 1,
				currency: 'USD',
			}),
		]);
	});

	it('template updates set what Send Template checks; a category change keeps the status', async () => {
		await post(
			templateStatusWebhook({
				event: 'APPROVED',
				name: 'order_update',
				language: 'en_US',
				category: 'UTILITY',
				time: AT / 1000,
			}),
		);
		await post(
			templateCategoryUpdateWebhook({ shape: 'completed', previous: 'UTILITY', next: 'MARKETING' }),
		);
		const [state] = await store.getTemplateStates([
			{ account: WABA_ID, name: 'order_update', language: 'en_US' },
		]);
		expect(state).toMatchObject({ status: 'APPROVED', category: 'marketing' });
	});
});

describe('webhook handler: one invalid field costs its own change, never the webhook', () => {
	const windowOf = async () =>
		(
			await store.getSnapshot({
				sender: PHONE_NUMBER_ID,
				contacts: [CONTACT_WA_ID],
				marketingSince: 0,
			})
		).contacts.get(CONTACT_WA_ID)?.window;

	it('a blank template quality is dropped with why, and the message beside it is recorded and emitted', async () => {
		// Found by fuzzing: the store refused the whole batch ("standing: [0].value must be a
		// non-empty string"), the handler answered 500, and Meta would retry the body for days.
		const body = envelope(
			changesOf(textMessageWebhook({ text: 'Hallo' }), templateQualityWebhook({ next: ' ' })),
		);
		const result = await post(body);
		expect(result.status).toBe(200);
		expect(result.events.map((e) => e.kind)).toEqual(['message', 'template_quality']);
		expect(await windowOf()).toMatchObject({ lastInboundAt: AT });
		expect(result.dropped).toEqual([
			{
				field: 'message_template_quality_update',
				kind: 'template_quality',
				dedupeKey: result.events[1].dedupeKey,
				reason: 'standing value must be a non-empty string, got ""',
			},
		]);
		expect(result.events[1].issues).toEqual([result.dropped[0].reason]);
		expect((await store.getAccountStanding(NOW)).entries).toEqual([]);
		// Reported once: Meta's re-delivery is a duplicate.
		expect(await post(body)).toMatchObject({ status: 200, duplicates: 2, dropped: [] });
	});

	it('a template status with an empty name is emitted without storing a template state', async () => {
		const result = await post(templateStatusWebhook({ event: 'APPROVED', name: '' }));
		expect(result.status).toBe(200);
		expect(result.events).toEqual([expect.objectContaining({ kind: 'template_status' })]);
		expect(result.dropped[0].reason).toBe('templates name must be a non-empty string, got ""');
		expect((await store.getAccountStanding(NOW)).templates).toEqual([]);
	});

	it('a category change of a template without a language reads nothing and answers 200', async () => {
		const result = await post(
			templateCategoryUpdateWebhook({
				shape: 'completed',
				previous: 'UTILITY',
				next: 'MARKETING',
				language: '',
			}),
		);
		expect(result).toMatchObject({ status: 200, dropped: [] });
		expect(result.events).toHaveLength(1);
	});

	it('a status that does not match costs only itself: the statuses beside it are recorded', async () => {
		const good = statusWebhookStatus('delivered');
		const broken = { ...statusWebhookStatus('read'), id: 7 };
		const result = await post(batch([], [good, broken]));
		expect(result.status).toBe(200);
		expect(result.events.map((e) => e.kind)).toEqual(['status', 'other']);
		expect(result.events[1]).toMatchObject({
			raw: broken,
			phoneNumberId: PHONE_NUMBER_ID,
			issues: ['statuses[1].id: Expected string, received number'],
		});
		expect(result.dropped).toEqual([
			expect.objectContaining({
				field: 'messages',
				kind: 'other',
				reason: 'statuses[1].id: Expected string, received number',
			}),
		]);
		expect(await store.costSummary({ from: 0, to: NOW + HOUR })).toEqual([
			expect.objectContaining({ messages: 1 }),
		]);
	});

	it('an id longer than any WhatsApp id makes its message unreadable, not the others', async () => {
		const result = await post(
			batch([textMessage('a', `wamid.${'x'.repeat(300)}`), textMessage('b')]),
		);
		expect(result.events.map((e) => e.kind)).toEqual(['message', 'other']);
		expect(result.dropped[0].reason).toBe(
			'messages[0].id: Longer than 256 characters, so not a WhatsApp id',
		);
	});

	it('an effect with a text longer than any Meta sends is left out, the event recorded', async () => {
		const status = statusWebhook({
			status: 'delivered',
			pricing: { billable: true, type: 'regular', category: 'x'.repeat(5000) },
		});
		const result = await post(status);
		expect(result.status).toBe(200);
		expect(result.dropped[0].reason).toBe(
			'costs category has 5000 characters, more than any text Meta sends (4096)',
		);
		expect(await store.costSummary({ from: 0, to: NOW + HOUR })).toEqual([]);
		expect((await post(status)).duplicates).toBe(1);
	});

	it('an opt-out with a huge button title is recorded, its wording cut to Meta’s longest text', async () => {
		const title = 'Stop promotions '.repeat(1000);
		const result = await post(templateButtonWebhook({ payload: 'STOP_PROMOTIONS', text: title }));
		expect(result.dropped).toEqual([]);
		const [event] = await store.getConsentHistory(CONTACT_WA_ID);
		expect(event).toMatchObject({ purpose: MARKETING, action: 'opt_out', source: 'button' });
		expect(event.wording).toHaveLength(4096);
		expect(event.wording).toMatch(/ \[cut from 16000 characters\]$/);
	});

	it('a value nested deeper than any of Meta’s is cut, so the events can be stored and delivered', async () => {
		const message = textMessage('Hallo');
		const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
		const raw = JSON.stringify(batch([message])).replace(
			'"type":"text"',
			`"extra":${deep},"type":"text"`,
		);
		// Another workflow of the app: the event is serialised for it too.
		const app = appKey(APP_SECRET);
		await store.registerSubscription(
			subscriptionOf('other', app, { path: 'other', registeredAt: NOW }),
		);
		const result = await handleWebhookPost({
			rawBody: raw,
			signatureHeader: computeSignature(raw, APP_SECRET),
			appSecret: APP_SECRET,
			store,
			options: { dedupeScope: app, fanOut: { app, receiver: 'inbox' } },
			now: NOW,
		});
		expect(result.status).toBe(200);
		expect(result.events).toEqual([expect.objectContaining({ kind: 'message', text: 'Hallo' })]);
		expect(JSON.stringify(result.events)).toContain(DEEP_VALUE);
		expect(result.deliveredTo.map((s) => s.id)).toEqual(['other']);
	});
});

describe('webhook handler: bodies larger than Meta sends, in updates or objects', () => {
	it('takes Meta’s largest batch: 1,000 messages, each with its contact card', async () => {
		const messages = Array.from({ length: META_MAX_UPDATES }, (_, i) => ({
			...textMessage('Hallo'),
			from: `49151${String(i).padStart(8, '0')}`,
		}));
		const body = batch(messages);
		((body.entry as JsonObject[])[0].changes as JsonObject[])[0].value = {
			...(((body.entry as JsonObject[])[0].changes as JsonObject[])[0].value as JsonObject),
			contacts: messages.map((m) => ({ profile: { name: 'Kundin' }, wa_id: m.from as string })),
		};
		const result = await post(body);
		expect(result.status).toBe(200);
		expect(result.events).toHaveLength(META_MAX_UPDATES);
	});

	it('refuses more updates and contact cards than MAX_WEBHOOK_ITEMS with 413, recording nothing', async () => {
		const before = dumpTables();
		const statuses = Array.from({ length: MAX_WEBHOOK_ITEMS + 1 }, () => ({
			id: wamid(),
			status: 'read',
			timestamp: TIMESTAMP,
		}));
		const result = await post(batch([], statuses));
		expect(result).toMatchObject({ status: 413, events: [] });
		expect(result.error).toBe(
			`The webhook body holds more than ${MAX_WEBHOOK_ITEMS} updates and contact cards (Meta sends at most ${META_MAX_UPDATES} updates in one POST), so it does not come from Meta.`,
		);
		expect(dumpTables()).toBe(before);
	});

	it('refuses more arrays and objects than MAX_JSON_CONTAINERS with 413', async () => {
		const value = { rows: Array.from({ length: MAX_JSON_CONTAINERS }, () => []) };
		const result = await post(envelope([{ field: 'calls', value }]));
		expect(result.status).toBe(413);
		expect(result.error).toMatch(
			/^The webhook body holds 30007 arrays and objects, more than the 30000 accepted/,
		);
	});
});

describe('webhook handler: filters', () => {
	it('Trigger On: an event not asked for is recorded and deduplicated, but not emitted', async () => {
		const id = wamid();
		const body = statusWebhook({ status: 'delivered', id });
		const result = await post(body, { filter: { triggerOn: ['message'] } });
		expect(result).toMatchObject({ status: 200, events: [], filtered: 1, duplicates: 0 });
		expect((await store.costSummary({ from: 0, to: NOW + HOUR }))[0].messages).toBe(1);
		expect(await post(body)).toMatchObject({ events: [], duplicates: 1 });
	});

	it('statuses: only the chosen status values are emitted', async () => {
		const id = wamid();
		const options = { filter: { triggerOn: ['status' as const], statuses: ['failed'] } };
		expect((await post(statusWebhook({ status: 'read', id }), options)).events).toEqual([]);
		expect((await post(statusWebhook({ status: 'failed', id }), options)).events).toHaveLength(1);
	});

	it('sender filter: another number’s message still opens its window but fires nothing', async () => {
		const result = await post(textMessageWebhook({ text: 'STOP' }), {
			filter: { phoneNumberIds: ['111111111111111'] },
		});
		expect(result).toMatchObject({ events: [], filtered: 1 });
		const consents = await store.getConsents([CONTACT_WA_ID]);
		expect(
			consents
				.get(CONTACT_WA_ID)
				?.map((c) => c.purpose)
				.sort(),
		).toEqual([ALL_PURPOSES, MARKETING]);
		// Account-level events have no number and pass the sender filter.
		const template = await post(templateStatusWebhook({ event: 'APPROVED' }), {
			filter: { phoneNumberIds: ['111111111111111'] },
		});
		expect(template.events).toHaveLength(1);
	});

	it('a dedupe scope lets two triggers each emit an event once, its effects applied once', async () => {
		const body = textMessageWebhook({ text: 'STOP' });
		expect((await post(body, { dedupeScope: 'trigger-a' })).events).toHaveLength(1);
		expect((await post(body, { dedupeScope: 'trigger-b' })).events).toHaveLength(1);
		expect((await post(body, { dedupeScope: 'trigger-a' })).events).toHaveLength(0);
		expect(await store.getConsentHistory(CONTACT_WA_ID)).toHaveLength(2);
	});

	it('rejects an unknown event kind, naming the option', async () => {
		await expect(
			post(textMessageWebhook({ text: 'x' }), { filter: { triggerOn: ['messages' as 'message'] } }),
		).rejects.toThrow(WebhookOptionError);
		await expect(
			post(textMessageWebhook({ text: 'x' }), { filter: { triggerOn: ['messages' as 'message'] } }),
		).rejects.toThrow(/filter\.triggerOn\[0\] "messages" is not an event kind/);
	});
});

describe('webhook handler: one app, many workflows', () => {
	const APP = appKey(APP_SECRET);
	const fanOut = { app: APP, receiver: 'inbox' };

	const subscription = (id: string, extra: Partial<Subscription> = {}) =>
		subscriptionOf(id, APP, { path: id, registeredAt: NOW, ...extra });

	function wake(subscriptionId: string, extra: Partial<WakeUpInput> = {}) {
		const { body, signature } = wakeUpRequest(subscriptionId, APP_SECRET);
		return handleWakeUp({
			rawBody: Buffer.from(body),
			signatureHeader: signature,
			appSecret: APP_SECRET,
			subscription: subscriptionId,
			store,
			now: NOW,
			...extra,
		});
	}

	beforeEach(async () => {
		await store.registerSubscription(subscription('inbox', { filter: { triggerOn: ['message'] } }));
		await store.registerSubscription(
			subscription('stop', {
				filter: { triggerOn: ['message'] },
				effects: { optOutKeywords: ['HALT'] },
			}),
		);
		await store.registerSubscription(subscription('costs', { filter: { triggerOn: ['status'] } }));
	});

	it('records one delivery per other workflow whose Trigger On the event passes, and names them', async () => {
		const result = await post(
			batch([textMessage('Where is my order?')], [statusWebhookStatus('delivered')]),
			{ filter: { triggerOn: ['message'] }, dedupeScope: APP, fanOut },
		);
		expect(result.events.map((e) => e.kind)).toEqual(['message']);
		expect(result.deliveredTo.map((s) => s.id).sort()).toEqual(['costs', 'stop']);
		const stop = await wake('stop');
		expect(stop.events).toEqual([
			expect.objectContaining({
				kind: 'message',
				text: 'Where is my order?',
				windowOpenUntil: result.events[0].windowOpenUntil,
				consentAfter: expect.objectContaining({ canReceive: { marketing: false, utility: false } }),
			}),
		]);
		expect((await wake('costs')).events.map((e) => [e.kind, e.status])).toEqual([
			['status', 'delivered'],
		]);
	});

	it('applies the side effects once, with every published trigger’s options: the STOP handler’s keyword counts', async () => {
		const result = await post(batch([textMessage('HALT')]), { dedupeScope: APP, fanOut });
		expect(result.events[0].consentChanges).toEqual(
			expect.arrayContaining([expect.objectContaining({ action: 'opt_out' })]),
		);
		const history = await store.getConsentHistory(CONTACT_WA_ID);
		expect(history.filter((e) => e.action === 'opt_out').length).toBeGreaterThan(0);
		// The STOP handler gets the same event, with the consent after it.
		const [event] = (await wake('stop')).events;
		expect(event.consentAfter).toEqual(
			expect.objectContaining({ fullOptOut: expect.objectContaining({ source: 'keyword' }) }),
		);
	});

	it('a test listener’s options do not change what the published triggers record', async () => {
		await store.removeSubscription('stop', NOW);
		await store.registerSubscription(
			subscription('listener', {
				mode: 'test',
				expiresAt: NOW + 60_000,
				effects: { optOutKeywords: ['HALT'] },
			}),
		);
		const result = await post(batch([textMessage('HALT')]), { dedupeScope: APP, fanOut });
		expect(result.events[0].consentChanges).toBeUndefined();
		expect(result.deliveredTo.map((s) => s.id).sort()).toEqual(['listener']);
	});

	it('a re-delivery to another trigger URL of the app is a duplicate: no second delivery anywhere', async () => {
		const body = batch([textMessage('Hallo')]);
		await post(body, { dedupeScope: APP, fanOut });
		const again = await post(body, { dedupeScope: APP, fanOut: { app: APP, receiver: 'stop' } });
		expect(again).toMatchObject({ events: [], duplicates: 1, deliveredTo: [] });
		expect((await wake('stop')).claimed).toBe(1);
		expect((await wake('stop')).claimed).toBe(0);
	});

	it('a wake-up claims at most its batch and says when more wait', async () => {
		await post(batch([textMessage('one'), textMessage('two'), textMessage('three')]), {
			dedupeScope: APP,
			fanOut,
		});
		const first = await wake('stop', { limit: 2 });
		expect(first).toMatchObject({ status: 200, claimed: 2, more: true });
		expect(first.events.map((e) => e.text)).toEqual(['one', 'two']);
		expect(await wake('stop', { limit: 2 })).toMatchObject({ claimed: 1, more: false });
	});

	it('a wake-up that is not signed with the app secret, or is for another trigger, claims nothing', async () => {
		await post(batch([textMessage('Hallo')]), { dedupeScope: APP, fanOut });
		const { body } = wakeUpRequest('stop', APP_SECRET);
		const forged = await handleWakeUp({
			rawBody: body,
			signatureHeader: computeSignature(body, APP_SECRET),
			appSecret: APP_SECRET,
			subscription: 'stop',
			store,
			now: NOW,
		});
		expect(forged).toMatchObject({ status: 401, claimed: 0 });
		expect(await wake('stop', { subscription: 'costs' })).toMatchObject({
			status: 400,
			claimed: 0,
		});
		expect((await wake('stop')).claimed).toBe(1);
	});

	it('opens the store only once the signature holds and the body is a WhatsApp webhook of Meta’s size', async () => {
		let opened = 0;
		const opener = async () => {
			opened++;
			return store;
		};
		const postWith = (rawBody: string, signature: string | undefined = signed(rawBody)) =>
			handleWebhookPost({
				rawBody,
				signatureHeader: signature,
				appSecret: APP_SECRET,
				store: opener,
				now: NOW,
			});
		const body = JSON.stringify(batch([textMessage('Hallo')]));
		expect((await postWith(body, computeSignature(body, 'not-the-secret'))).status).toBe(401);
		expect((await postWith(body, 'sha256=')).status).toBe(401);
		expect((await postWith(' '.repeat(MAX_WEBHOOK_BODY_BYTES + 1))).status).toBe(413);
		expect((await postWith('{"object":')).status).toBe(400);
		expect((await postWith('{"object":"page","entry":[]}')).status).toBe(400);
		const many = JSON.stringify(
			envelope(Array.from({ length: MAX_WEBHOOK_ITEMS + 1 }, () => ({ field: 'calls', value: 1 }))),
		);
		expect((await postWith(many)).status).toBe(413);
		const { body: wakeBody, signature } = wakeUpRequest('stop', APP_SECRET);
		const wake = (signatureHeader: string, subscription: string) =>
			handleWakeUp({
				rawBody: wakeBody,
				signatureHeader,
				appSecret: APP_SECRET,
				subscription,
				store: opener,
				now: NOW,
			});
		expect((await wake('sha256=00', 'stop')).status).toBe(401);
		expect((await wake(signature, 'costs')).status).toBe(400);
		expect(opened).toBe(0);
		expect((await postWith(body)).status).toBe(200);
		expect(opened).toBe(1);
	});
});

/** A delivered status of one of our messages, as it sits in a change's statuses. */
function statusWebhookStatus(status: string): JsonObject {
	const change = (statusWebhook({ status }).entry as JsonObject[])[0].changes as JsonObject[];
	return ((change[0].value as JsonObject).statuses as JsonObject[])[0];
}

describe('handleWebhookPost: business accounts', () => {
	it("records the quality webhook of the credential's account and ignores another's, saying why", async () => {
		const flagged = (wabaId: string) =>
			envelope(
				[
					{
						field: 'phone_number_quality_update',
						value: {
							display_phone_number: '15550001234',
							event: 'FLAGGED',
							current_limit: 'TIER_250',
						},
					},
				],
				{ wabaId, time: Number(TIMESTAMP) },
			);
		const options = { effects: { businessAccounts: [WABA_ID] } };
		const other = await post(flagged('999999999999999'), options);
		expect(other.status).toBe(200);
		expect(other.ignored).toEqual([
			expect.stringContaining(
				"phone_number_quality_update of WhatsApp Business Account 999999999999999 ignored: the credential's account is " +
					WABA_ID,
			),
		]);
		expect((await store.getAccountStanding(NOW)).entries).toEqual([]);
		const own = await post(flagged(WABA_ID), options);
		expect(own.ignored).toBeUndefined();
		expect((await store.getAccountStanding(NOW)).entries).toEqual([
			expect.objectContaining({ subject: 'display:15550001234', value: 'RED' }),
			expect.objectContaining({ subject: 'portfolio', name: 'messaging_limit', value: '250' }),
		]);
	});
});
