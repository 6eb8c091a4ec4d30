import { HOUR } from '../../../nodes/core/clock';
import {
	ALL_PURPOSES,
	MARKETING,
	TRANSACTIONAL,
	type ConsentEvent,
	type ConsentRecord,
	type TemplateState,
} from '../../../nodes/core/model';
import { META_RATE_CARD_2026_01_USD } from '../../../nodes/core/policy/pricing';
import {
	deriveEffects,
	effectRules,
	marketingBeforeWhatsAppStop,
	WebhookEffectRules,
	WebhookOptionError,
	type EffectContext,
	type WebhookEffectOptions,
} from '../../../nodes/core/webhook/effects';
import { normalizeEnvelope, type WhatsAppEvent } from '../../../nodes/core/webhook/events';
import { MAX_PAYLOAD_LENGTH, normalizePayload } from '../../../nodes/core/webhook/keywords';
import { parseWebhookEnvelope } from '../../../nodes/core/wire';
import {
	adReferral,
	buttonReplyWebhook,
	CONTACT_WA_ID,
	DISPLAY_PHONE_NUMBER,
	envelope,
	listReplyWebhook,
	PHONE_NUMBER_ID,
	phoneNumberQualityWebhook,
	statusWebhook,
	systemMessageWebhook,
	templateButtonWebhook,
	templateCategoryUpdateWebhook,
	templateQualityWebhook,
	templateStatusWebhook,
	textMessageWebhook,
	TIMESTAMP,
	userPreferencesWebhook,
	valueErrorsWebhook,
	WABA_ID,
	type JsonObject,
} from '../wire/fixtures';

const AT = Number(TIMESTAMP) * 1000;
const RECEIVED = AT + 5_000;

function event(body: JsonObject): WhatsAppEvent {
	const parsed = parseWebhookEnvelope(body);
	if (!parsed.ok) throw new Error(parsed.error);
	const events = normalizeEnvelope(parsed.envelope, { receivedAt: RECEIVED });
	expect(events).toHaveLength(1);
	return events[0];
}

function effects(
	body: JsonObject,
	options: WebhookEffectOptions = {},
	context: Partial<EffectContext> = {},
) {
	return deriveEffects(event(body), options, { receivedAt: RECEIVED, ...context });
}

function text(t: string, extra: Parameters<typeof textMessageWebhook>[0] = { text: '' }) {
	return textMessageWebhook({ ...extra, text: t });
}

/** Marks the message of a fixture as written in a group (Groups API). */
function inGroup(body: JsonObject, groupId: string): void {
	type Body = { entry: Array<{ changes: Array<{ value: { messages: JsonObject[] } }> }> };
	(body as unknown as Body).entry[0].changes[0].value.messages[0].group_id = groupId;
}

function record(
	purpose: string,
	status: ConsentRecord['status'],
	changedAt: number,
	source = 'web_form',
): ConsentRecord {
	return { contact: CONTACT_WA_ID, purpose, status, changedAt, source };
}

describe('effects: customer service window (openWindow)', () => {
	it('a message from the contact opens the window with that sender number at the message time', () => {
		expect(effects(text('Hallo')).windows).toEqual([
			{ sender: PHONE_NUMBER_ID, contact: CONTACT_WA_ID, at: AT },
		]);
	});

	it('a message from a click-to-WhatsApp ad also marks the free entry point', () => {
		expect(effects(text('Info?', { text: '', referral: adReferral() })).windows).toEqual([
			{ sender: PHONE_NUMBER_ID, contact: CONTACT_WA_ID, at: AT, referral: true },
		]);
	});

	it('a WhatsApp system notice opens no window', () => {
		expect(effects(systemMessageWebhook())).toEqual({});
	});

	it('a group message opens the window with the group', () => {
		const body = text('Hallo zusammen');
		inGroup(body, 'group.1203');
		expect(effects(body).windows).toEqual([
			{ sender: PHONE_NUMBER_ID, contact: 'group.1203', at: AT },
		]);
	});

	it('can be switched off', () => {
		expect(effects(text('Hallo'), { openWindow: false })).toEqual({});
	});
});

describe('effects: phone number and business-scoped user ID (erasure of both)', () => {
	const BSUID = 'DE.7319246501834562901';

	it('pairs the number and the BSUID when a webhook names the contact by both', () => {
		expect(effects(text('hi', { text: '', userId: BSUID })).aliases).toEqual([
			{ contact: CONTACT_WA_ID, userId: BSUID, at: AT },
		]);
	});

	it('pairs nothing when the webhook names the contact one way only', () => {
		expect(effects(text('hi')).aliases).toBeUndefined();
	});
});

describe('effects: opt-out keywords (optOutKeywords)', () => {
	it('STOP is a full opt-out recorded with the text as typed and the message as evidence', () => {
		const e = event(text('Stop please!'));
		const result = deriveEffects(e, {}, { receivedAt: RECEIVED });
		const common = {
			contact: CONTACT_WA_ID,
			action: 'opt_out',
			at: AT,
			source: 'keyword',
			wording: 'Stop please!',
			evidence: { messageId: e.messageId, note: 'opt-out keyword "STOP"' },
			recordedBy: 'webhook',
		};
		expect(result.consent).toEqual([
			{ ...common, purpose: ALL_PURPOSES, eventKey: `${e.dedupeKey}:${ALL_PURPOSES}` },
			{ ...common, purpose: MARKETING, eventKey: `${e.dedupeKey}:${MARKETING}` },
		]);
		expect(result.windows).toHaveLength(1);
	});

	it.each(['ABMELDEN', 'Baja', 'arrêt', 'İptal', 'uitschrijven'])(
		'%s is a full opt-out',
		(word) => {
			expect(effects(text(word)).consent?.map((c) => [c.purpose, c.action])).toEqual([
				[ALL_PURPOSES, 'opt_out'],
				[MARKETING, 'opt_out'],
			]);
		},
	);

	it('a sentence containing stop changes no consent', () => {
		expect(effects(text("please don't stop the newsletter")).consent).toBeUndefined();
	});

	it('uses the configured list instead of the defaults', () => {
		expect(effects(text('Ende'), { optOutKeywords: ['ENDE'] }).consent).toHaveLength(2);
		expect(effects(text('stop'), { optOutKeywords: ['ENDE'] }).consent).toBeUndefined();
	});

	it('can be switched off: STOP is then an ordinary message', () => {
		const result = effects(text('STOP'), { optOutKeywords: false });
		expect(result.consent).toBeUndefined();
		expect(result.windows).toHaveLength(1);
	});

	it('is not read from group messages', () => {
		const body = text('STOP');
		inGroup(body, 'group.1203');
		expect(effects(body).consent).toBeUndefined();
	});

	it('is not read from button labels: buttons speak through their payload', () => {
		expect(
			effects(templateButtonWebhook({ text: 'STOP', payload: 'NEXT_PAGE' })).consent,
		).toBeUndefined();
	});
});

describe('effects: opt-out buttons (optOutPayloads)', () => {
	it('a "Stop promotions" quick reply stops marketing only', () => {
		const e = event(templateButtonWebhook({ payload: 'STOP_PROMOTIONS', text: 'Stop promotions' }));
		const result = deriveEffects(e, {}, { receivedAt: RECEIVED });
		expect(result.consent).toEqual([
			{
				contact: CONTACT_WA_ID,
				purpose: MARKETING,
				action: 'opt_out',
				at: AT,
				source: 'button',
				wording: 'Stop promotions',
				evidence: { messageId: e.messageId, note: 'opt-out button payload "STOP_PROMOTIONS"' },
				recordedBy: 'webhook',
				eventKey: `${e.dedupeKey}:${MARKETING}`,
			},
		]);
	});

	it('matches payloads without case, and Meta’s label when no payload was set', () => {
		expect(
			effects(templateButtonWebhook({ payload: 'stop_promotions', text: 'x' })).consent,
		).toHaveLength(1);
		expect(effects(templateButtonWebhook({ text: 'Stop promotions' })).consent).toHaveLength(1);
	});

	it('reads reply button and list row ids too', () => {
		expect(
			effects(buttonReplyWebhook({ buttonId: 'STOP_PROMOTIONS', title: 'Keine Werbung' }))
				.consent?.[0],
		).toMatchObject({
			purpose: MARKETING,
			action: 'opt_out',
			source: 'button',
		});
		expect(
			effects(listReplyWebhook({ rowId: 'stop-promotions', title: 'Abmelden' })).consent,
		).toHaveLength(1);
	});

	it('does not compare a payload longer than any Meta takes (1,024 characters)', () => {
		const padded = `STOP_PROMOTIONS${'_'.repeat(MAX_PAYLOAD_LENGTH)}`;
		// The same words, so only its length keeps it from counting.
		expect(normalizePayload(padded)).toBe(normalizePayload('STOP_PROMOTIONS'));
		expect(effects(templateButtonWebhook({ payload: padded, text: 'x' })).consent).toBeUndefined();
	});

	it('uses the configured payloads and can be switched off', () => {
		const body = templateButtonWebhook({ payload: 'NO_ADS', text: 'Keine Werbung' });
		expect(effects(body).consent).toBeUndefined();
		expect(effects(body, { optOutPayloads: ['NO_ADS'] }).consent).toHaveLength(1);
		expect(
			effects(templateButtonWebhook({ payload: 'STOP_PROMOTIONS', text: 'x' }), {
				optOutPayloads: false,
			}).consent,
		).toBeUndefined();
	});
});

describe('effects: double opt-in confirmation', () => {
	const pending = [
		record(MARKETING, 'pending', AT - HOUR),
		record(TRANSACTIONAL, 'pending', AT - HOUR),
	];

	it('a confirmation answer confirms every pending purpose of the contact', () => {
		const e = event(text('Ja, bitte'));
		const result = deriveEffects(e, {}, { receivedAt: RECEIVED, consents: pending });
		expect(result.consent?.map((c) => [c.purpose, c.action, c.source, c.eventKey])).toEqual([
			[MARKETING, 'confirm', 'keyword', `${e.dedupeKey}:${MARKETING}`],
			[TRANSACTIONAL, 'confirm', 'keyword', `${e.dedupeKey}:${TRANSACTIONAL}`],
		]);
	});

	it('needs the contact’s consents, and asks for them', () => {
		const rules = new WebhookEffectRules();
		expect(rules.needs(event(text('YES')))).toEqual({
			consents: true,
			consentHistory: false,
			templateState: false,
		});
		expect(rules.needs(event(text('Hallo'))).consents).toBe(false);
		expect(rules.needs(event(text('STOP'))).consents).toBe(false);
	});

	it('without anything pending, "yes" records nothing', () => {
		expect(effects(text('yes')).consent).toBeUndefined();
		expect(
			effects(text('yes'), {}, { consents: [record(MARKETING, 'opted_in', AT - HOUR)] }).consent,
		).toBeUndefined();
	});

	it('only the pending purposes are confirmed', () => {
		const consents = [
			record(MARKETING, 'pending', AT - HOUR),
			record(TRANSACTIONAL, 'opted_in', AT - HOUR),
		];
		expect(effects(text('oui'), {}, { consents }).consent?.map((c) => c.purpose)).toEqual([
			MARKETING,
		]);
	});

	it('a full opt-out newer than the request is not undone by "yes"', () => {
		const consents = [
			record(MARKETING, 'pending', AT - 2 * HOUR),
			record(ALL_PURPOSES, 'opted_out', AT - HOUR, 'keyword'),
		];
		expect(effects(text('yes'), {}, { consents }).consent).toBeUndefined();
	});

	it('a confirmation button confirms with source button', () => {
		const body = templateButtonWebhook({ payload: 'CONFIRM_OPT_IN', text: 'Ja, ich will' });
		expect(effects(body, {}, { consents: pending }).consent?.map((c) => c.source)).toEqual([
			'button',
			'button',
		]);
	});

	it('keywords and payloads can be switched off separately', () => {
		expect(
			effects(text('yes'), { confirmationKeywords: false }, { consents: pending }).consent,
		).toBeUndefined();
		const body = templateButtonWebhook({ payload: 'CONFIRM_OPT_IN', text: 'Ja' });
		expect(
			effects(body, { confirmationKeywords: false }, { consents: pending }).consent,
		).toHaveLength(2);
		expect(
			effects(body, { confirmationPayloads: false }, { consents: pending }).consent,
		).toBeUndefined();
	});
});

describe('effects: opt-in keywords (optInKeywords)', () => {
	it('START lifts a full opt-out: an opt-in on every purpose', () => {
		const e = event(text('start'));
		expect(deriveEffects(e, {}, { receivedAt: RECEIVED }).consent).toEqual([
			expect.objectContaining({
				purpose: ALL_PURPOSES,
				action: 'opt_in',
				source: 'keyword',
				wording: 'start',
				eventKey: `${e.dedupeKey}:${ALL_PURPOSES}`,
			}),
		]);
	});

	it('can be switched off', () => {
		expect(effects(text('START'), { optInKeywords: false }).consent).toBeUndefined();
	});
});

describe('effects: user preferences (userPreferences)', () => {
	const T_PREF = 1764241260 * 1000;

	it('a stop in WhatsApp’s settings is a marketing opt-out', () => {
		expect(effects(userPreferencesWebhook({ value: 'stop' })).consent).toEqual([
			expect.objectContaining({
				contact: CONTACT_WA_ID,
				purpose: MARKETING,
				action: 'opt_out',
				at: T_PREF,
				source: 'user_preferences',
				wording: 'User requested to stop marketing messages',
			}),
		]);
	});

	const history = (...events: Array<Partial<ConsentEvent>>): ConsentEvent[] =>
		events.map((e, i) => ({
			id: i + 1,
			contact: CONTACT_WA_ID,
			purpose: MARKETING,
			action: 'opt_in',
			at: AT - (10 - i) * HOUR,
			source: 'web_form',
			recordedAt: AT,
			applied: true,
			...e,
		}));

	it('a resume restores the marketing consent the stop suspended', () => {
		const h = history(
			{ action: 'opt_in', statusAfter: 'opted_in' },
			{ action: 'opt_out', source: 'user_preferences', statusAfter: 'opted_out' },
		);
		expect(
			effects(userPreferencesWebhook({ value: 'resume' }), {}, { consentHistory: h }).consent,
		).toEqual([
			expect.objectContaining({
				purpose: MARKETING,
				action: 'opt_in',
				source: 'user_preferences',
				at: T_PREF,
			}),
		]);
	});

	it('a resume restores a pending consent as pending', () => {
		const h = history(
			{ action: 'request_confirmation', statusAfter: 'pending' },
			{ action: 'opt_out', source: 'delivery_failure', statusAfter: 'opted_out' },
		);
		expect(
			effects(userPreferencesWebhook({ value: 'resume' }), {}, { consentHistory: h }).consent?.[0]
				.action,
		).toBe('request_confirmation');
	});

	it('a resume is not consent: nothing is recorded without earlier consent', () => {
		const h = history({ action: 'opt_out', source: 'user_preferences', statusAfter: 'opted_out' });
		expect(
			effects(userPreferencesWebhook({ value: 'resume' }), {}, { consentHistory: h }).consent,
		).toBeUndefined();
		expect(effects(userPreferencesWebhook({ value: 'resume' })).consent).toBeUndefined();
	});

	it('a resume does not lift an opt-out the contact made another way', () => {
		const h = history(
			{ action: 'opt_in', statusAfter: 'opted_in' },
			{ action: 'opt_out', source: 'user_preferences', statusAfter: 'opted_out' },
			{ action: 'opt_out', source: 'button', statusAfter: 'opted_out' },
		);
		expect(
			effects(userPreferencesWebhook({ value: 'resume' }), {}, { consentHistory: h }).consent,
		).toBeUndefined();
	});

	it('asks for the history only for resumes', () => {
		const rules = new WebhookEffectRules();
		expect(rules.needs(event(userPreferencesWebhook({ value: 'resume' }))).consentHistory).toBe(
			true,
		);
		expect(rules.needs(event(userPreferencesWebhook({ value: 'stop' }))).consentHistory).toBe(
			false,
		);
		expect(
			new WebhookEffectRules({ userPreferences: false }).needs(
				event(userPreferencesWebhook({ value: 'resume' })),
			).consentHistory,
		).toBe(false);
	});

	it('can be switched off', () => {
		expect(effects(userPreferencesWebhook({ value: 'stop' }), { userPreferences: false })).toEqual(
			{},
		);
	});
});

describe('marketingBeforeWhatsAppStop', () => {
	const e = (
		id: number,
		at: number,
		action: ConsentEvent['action'],
		source: string,
		statusAfter?: ConsentEvent['statusAfter'],
		applied = true,
	): ConsentEvent => ({
		id,
		contact: CONTACT_WA_ID,
		purpose: MARKETING,
		action,
		at,
		source,
		recordedAt: at,
		statusAfter,
		applied,
	});

	it('skips a run of WhatsApp-setting stops and events that did not apply', () => {
		expect(
			marketingBeforeWhatsAppStop([
				e(4, 40, 'opt_out', 'user_preferences', 'opted_out'),
				e(1, 10, 'opt_in', 'web_form', 'opted_in'),
				e(3, 30, 'opt_out', 'delivery_failure', 'opted_out'),
				e(2, 20, 'opt_out', 'button', 'opted_in', false),
			]),
		).toBe('opted_in');
	});

	it('reads a stop that won within the clock allowance as the latest change', () => {
		// Stamped by Meta 77 ms before the opt-in it overrode; it took effect at the opt-in's time.
		expect(
			marketingBeforeWhatsAppStop([
				e(1, 1077, 'opt_in', 'web_form', 'opted_in'),
				{ ...e(2, 1000, 'opt_out', 'user_preferences', 'opted_out'), effectiveAt: 1077 },
			]),
		).toBe('opted_in');
	});

	it('ignores other purposes', () => {
		expect(
			marketingBeforeWhatsAppStop([
				{ ...e(1, 10, 'opt_in', 'web_form', 'opted_in'), purpose: TRANSACTIONAL },
				e(2, 20, 'opt_out', 'user_preferences', 'opted_out'),
			]),
		).toBeUndefined();
	});

	it('is undefined when the contact is not stopped there', () => {
		expect(
			marketingBeforeWhatsAppStop([e(1, 10, 'opt_in', 'web_form', 'opted_in')]),
		).toBeUndefined();
		expect(marketingBeforeWhatsAppStop([])).toBeUndefined();
	});
});

describe('effects: statuses', () => {
	it('a failed status with 131050 marks the send failed and stops marketing (suppressOn131050)', () => {
		const e = event(statusWebhook({ status: 'failed', pricing: null }));
		const result = deriveEffects(e, {}, { receivedAt: RECEIVED });
		expect(result.sendFailures).toEqual([{ wamid: e.messageId, errorCode: 131050, at: AT }]);
		expect(result.consent).toEqual([
			expect.objectContaining({
				contact: CONTACT_WA_ID,
				purpose: MARKETING,
				action: 'opt_out',
				source: 'delivery_failure',
				evidence: { messageId: e.messageId },
				eventKey: `${e.dedupeKey}:${MARKETING}`,
			}),
		]);
		expect(
			deriveEffects(e, { suppressOn131050: false }, { receivedAt: RECEIVED }).consent,
		).toBeUndefined();
	});

	it('a failed status with 131047 closes the window (closeWindowOn131047)', () => {
		const body = statusWebhook({
			status: 'failed',
			errors: [{ code: 131047, title: 'Re-engagement message' }],
		});
		expect(effects(body).closeWindows).toEqual([
			{ sender: PHONE_NUMBER_ID, contact: CONTACT_WA_ID, at: AT },
		]);
		expect(effects(body).consent).toBeUndefined();
		expect(effects(body, { closeWindowOn131047: false }).closeWindows).toBeUndefined();
	});

	it('confirms a send whose answer was lost by the callback id it carried (sendFailures)', () => {
		const callback = 'wac1:0123456789abcdef|order-42';
		const delivered = event(
			statusWebhook({ status: 'delivered', bizOpaqueCallbackData: callback }),
		);
		expect(delivered).toMatchObject({ callbackData: 'order-42', callbackId: '0123456789abcdef' });
		const result = deriveEffects(delivered, {}, { receivedAt: RECEIVED });
		expect(result.sendConfirmations).toEqual([
			{ callbackId: '0123456789abcdef', wamid: delivered.messageId, at: AT },
		]);
		const failed = effects(statusWebhook({ status: 'failed', bizOpaqueCallbackData: callback }));
		expect(failed.sendFailures).toEqual([
			expect.objectContaining({ callbackId: '0123456789abcdef', errorCode: 131050 }),
		]);
		expect(failed.sendConfirmations).toBeUndefined();
		// Callback data of another sender is the user's, whole; nothing to confirm.
		const foreign = event(statusWebhook({ status: 'sent', bizOpaqueCallbackData: 'crm:77' }));
		expect(foreign).toMatchObject({ callbackData: 'crm:77' });
		expect(foreign.callbackId).toBeUndefined();
		expect(deriveEffects(foreign, {}, { receivedAt: RECEIVED }).sendConfirmations).toBeUndefined();
	});

	it('recording send failures can be switched off (sendFailures)', () => {
		expect(
			effects(statusWebhook({ status: 'failed' }), { sendFailures: false }).sendFailures,
		).toBeUndefined();
		expect(effects(statusWebhook({ status: 'read' })).sendFailures).toBeUndefined();
	});

	it('a charged delivery goes to the cost ledger at the list price of the contact’s market (costLedger)', () => {
		const e = event(statusWebhook({ status: 'delivered' }));
		expect(deriveEffects(e, {}, { receivedAt: RECEIVED }).costs).toEqual([
			{
				wamid: e.messageId,
				sender: PHONE_NUMBER_ID,
				contact: CONTACT_WA_ID,
				category: 'marketing',
				pricingType: 'regular',
				billable: true,
				at: AT,
				estimatedPrice: META_RATE_CARD_2026_01_USD.markets.Germany.marketing,
				currency: 'USD',
				market: 'Germany',
			},
		]);
	});

	it('records the delivery, not the sent status: Meta charges a message when it is delivered (costLedger)', () => {
		expect(effects(statusWebhook({ status: 'sent' }))).toEqual({});
		const read = effects(
			statusWebhook({
				status: 'read',
				pricing: { billable: true, pricing_model: 'PMP', type: 'regular', category: 'utility' },
			}),
		);
		expect(read.costs).toEqual([expect.objectContaining({ category: 'utility', at: AT })]);
	});

	it('counts a group message once per member, at the category it bills (costLedger)', () => {
		// Each member's status names the member (recipient_participant_id) under the group's id.
		const member = (participant: string) =>
			event(
				envelope([
					{
						field: 'messages',
						value: {
							messaging_product: 'whatsapp',
							metadata: { display_phone_number: '4930901820', phone_number_id: PHONE_NUMBER_ID },
							statuses: [
								{
									id: 'wamid.group-1',
									status: 'delivered',
									timestamp: TIMESTAMP,
									recipient_id: '120363025555555555',
									recipient_type: 'group',
									recipient_participant_id: participant,
									pricing: {
										billable: true,
										pricing_model: 'PMP',
										type: 'regular',
										category: 'group_marketing',
									},
								},
							],
						},
					},
				]),
			);
		const costs = ['4915112345601', '447812345678'].flatMap(
			(participant) => deriveEffects(member(participant), {}, { receivedAt: RECEIVED }).costs ?? [],
		);
		expect(costs.map((c) => [c.wamid, c.contact, c.category, c.market])).toEqual([
			['wamid.group-1', '4915112345601', 'group_marketing', 'Germany'],
			['wamid.group-1', '447812345678', 'group_marketing', 'United Kingdom'],
		]);
		expect(costs[1].estimatedPrice).toBe(
			META_RATE_CARD_2026_01_USD.markets['United Kingdom'].marketing,
		);
	});

	it('free deliveries cost 0; unknown categories get no estimate', () => {
		const free = effects(
			statusWebhook({
				status: 'delivered',
				pricing: {
					billable: false,
					pricing_model: 'PMP',
					type: 'free_customer_service',
					category: 'service',
				},
			}),
		).costs?.[0];
		expect(free).toMatchObject({
			pricingType: 'free_customer_service',
			billable: false,
			estimatedPrice: 0,
			currency: 'USD',
		});
		const lite = effects(
			statusWebhook({
				status: 'delivered',
				pricing: {
					billable: true,
					pricing_model: 'PMP',
					type: 'regular',
					category: 'marketing_lite',
				},
			}),
		).costs?.[0];
		expect(lite).toMatchObject({ category: 'marketing_lite', billable: true });
		expect(lite).not.toHaveProperty('estimatedPrice');
	});

	it('uses the configured rates', () => {
		const result = effects(statusWebhook({ status: 'delivered' }), {
			pricing: { countryRates: { DE: { marketing: 0.1131 } } },
		});
		expect(result.costs?.[0].estimatedPrice).toBe(0.1131);
	});

	it('the cost ledger can be switched off; statuses without pricing add nothing', () => {
		expect(effects(statusWebhook({ status: 'delivered' }), { costLedger: false })).toEqual({});
		expect(effects(statusWebhook({ status: 'read' }))).toEqual({});
	});
});

describe('effects: templates (templateState)', () => {
	it('a status update sets the status, category and reason Send Template checks', () => {
		expect(
			effects(templateStatusWebhook({ event: 'PAUSED', reason: 'NONE', time: 1764241300 }))
				.templates,
		).toEqual([
			{
				account: WABA_ID,
				name: 'winter_sale',
				language: 'de',
				status: 'PAUSED',
				category: 'marketing',
				reason: 'NONE',
				updatedAt: 1764241300 * 1000,
			},
		]);
	});

	it('a completed category change keeps the stored status and its time', () => {
		const stored: TemplateState = {
			account: WABA_ID,
			name: 'order_update',
			language: 'en_US',
			status: 'APPROVED',
			category: 'utility',
			updatedAt: AT - HOUR,
		};
		const body = templateCategoryUpdateWebhook({
			shape: 'completed',
			previous: 'UTILITY',
			next: 'MARKETING',
		});
		expect(new WebhookEffectRules().needs(event(body)).templateState).toBe(true);
		expect(effects(body, {}, { templateState: stored }).templates).toEqual([
			{ ...stored, category: 'marketing' },
		]);
		// Unknown template: the next template list sync brings it.
		expect(effects(body)).toEqual({});
	});

	it('a 24 h category notice changes nothing yet', () => {
		const body = templateCategoryUpdateWebhook({
			shape: 'impending',
			current: 'UTILITY',
			correct: 'MARKETING',
		});
		expect(new WebhookEffectRules().needs(event(body)).templateState).toBe(false);
		expect(effects(body)).toEqual({});
	});

	it('can be switched off', () => {
		expect(effects(templateStatusWebhook({ event: 'APPROVED' }), { templateState: false })).toEqual(
			{},
		);
	});

	it('error events change nothing', () => {
		expect(effects(valueErrorsWebhook())).toEqual({});
	});
});

describe('effects: the account standing (accountStanding)', () => {
	it("keeps a template's quality under the template", () => {
		expect(effects(templateQualityWebhook({ next: 'RED' }))).toEqual({
			standing: [
				{
					subject: `template:${WABA_ID}:winter_sale:de`,
					name: 'quality_rating',
					value: 'RED',
					at: 1764241400 * 1000,
					source: 'message_template_quality_update',
				},
			],
		});
	});

	it("keeps the portfolio's messaging limit, in any of Meta's forms", () => {
		const limitOf = (value: JsonObject) =>
			effects(envelope([{ field: 'business_capability_update', value }], { time: 1764241800 }))
				.standing;
		expect(limitOf({ max_daily_conversations_per_business: 'TIER_2K' })).toEqual([
			{
				subject: 'portfolio',
				name: 'messaging_limit',
				value: '2000',
				at: 1764241800 * 1000,
				source: 'business_capability_update',
			},
		]);
		expect(limitOf({ max_daily_conversations_per_business: 10000 })?.[0].value).toBe('10000');
		expect(limitOf({ max_daily_conversation_per_phone: -1 })?.[0].value).toBe('unlimited');
		expect(limitOf({ max_phone_numbers_per_waba: 25 })).toBeUndefined();
	});

	it("reads a phone number quality update: the limit, and a flag under the display phone number in the read's spelling (FLAGGED is RED, UNFLAGGED YELLOW)", () => {
		expect(
			effects(phoneNumberQualityWebhook({ event: 'FLAGGED', currentLimit: 'TIER_250' })).standing,
		).toEqual([
			expect.objectContaining({ subject: 'portfolio', name: 'messaging_limit', value: '250' }),
			expect.objectContaining({
				subject: `display:${DISPLAY_PHONE_NUMBER}`,
				name: 'quality_rating',
				value: 'RED',
				source: 'phone_number_quality_update',
			}),
		]);
		// current_limit of a throughput event is the throughput level, not a messaging limit.
		expect(effects(phoneNumberQualityWebhook())).toEqual({});
		expect(
			effects(phoneNumberQualityWebhook({ maxDaily: 'TIER_10K' })).standing?.map((e) => e.value),
		).toEqual(['10000']);
		expect(
			effects(phoneNumberQualityWebhook({ event: 'UNFLAGGED', currentLimit: 'TIER_NOT_SET' }))
				.standing,
		).toEqual([expect.objectContaining({ name: 'quality_rating', value: 'YELLOW' })]);
	});

	it('ignores the messaging limit and quality webhooks of another business account, saying why', () => {
		const own = { businessAccounts: [WABA_ID] };
		const other = { businessAccounts: ['999999999999999'] };
		const flagged = phoneNumberQualityWebhook({ event: 'FLAGGED', currentLimit: 'TIER_250' });
		expect(effects(flagged, own).standing).toHaveLength(2);
		expect(effects(flagged, other)).toEqual({});
		expect(effects(templateQualityWebhook({ next: 'RED' }), other)).toEqual({});
		expect(effectRules(other).ignores(event(flagged))).toBe(
			`WhatsApp webhook phone_number_quality_update of WhatsApp Business Account ${WABA_ID} ignored: the credential's account is 999999999999999, so it does not change this account's messaging limit or quality ratings`,
		);
		expect(effectRules(own).ignores(event(flagged))).toBeUndefined();
		// Without an account every account's count; other events are never ignored for it.
		expect(effects(flagged).standing).toHaveLength(2);
		expect(effectRules(other).ignores(event(text('STOP')))).toBeUndefined();
		expect(() => effectRules({ businessAccounts: [''] })).toThrow(
			'businessAccounts must be a list of WhatsApp Business Account IDs',
		);
	});

	it('can be switched off', () => {
		expect(effects(templateQualityWebhook({ next: 'RED' }), { accountStanding: false })).toEqual(
			{},
		);
		expect(
			effects(phoneNumberQualityWebhook({ event: 'FLAGGED' }), { accountStanding: false }),
		).toEqual({});
	});
});

describe('effects: options', () => {
	it.each([
		[{ openWindow: 'yes' }, 'openWindow'],
		[{ costLedger: 1 }, 'costLedger'],
		[{ optOutKeywords: ['STOP', '🙏'] }, 'optOutKeywords[1]'],
		[{ optInKeywords: 'START' }, 'optInKeywords'],
		[{ optOutPayloads: ['---'] }, 'optOutPayloads[0]'],
		[{ confirmationPayloads: 'YES' }, 'confirmationPayloads'],
		[{ recordedBy: ' ' }, 'recordedBy'],
		[{ pricing: { countryRates: { DE: { marketing: -1 } } } }, 'pricing.countryRates.DE.marketing'],
	])('%j is rejected, naming %s', (options, field) => {
		let error: unknown;
		try {
			new WebhookEffectRules(options as unknown as WebhookEffectOptions);
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(WebhookOptionError);
		expect((error as WebhookOptionError).field).toBe(field);
	});

	it('are compiled once per content, however often a trigger rebuilds them', () => {
		const a = effectRules({ optOutKeywords: ['ENDE'], costLedger: false });
		expect(effectRules({ costLedger: false, optOutKeywords: ['ENDE'] })).toBe(a);
		expect(effectRules({ optOutKeywords: ['ENDE'] })).not.toBe(a);
		expect(effectRules(a)).toBe(a);
	});

	it('every side effect is on by default', () => {
		const rules = new WebhookEffectRules();
		expect([
			rules.openWindow,
			rules.userPreferences,
			rules.suppressOn131050,
			rules.closeWindowOn131047,
			rules.sendFailures,
			rules.costLedger,
			rules.templateState,
		]).toEqual([true, true, true, true, true, true, true]);
		expect(rules.recordedBy).toBe('webhook');
	});
});
