import {
	isKnownMessage,
	parseWebhookEnvelope,
	toMillis,
	WireError,
	type InboundMessage,
	type KnownInboundMessage,
	type MessageStatus,
	type WebhookChange,
	type WebhookEnvelope,
} from '../../../nodes/core/wire';
import { MAX_ITEM_VALUES, MAX_WEBHOOK_ITEMS } from '../../../nodes/core/wire/bodyLimits';
import { MAX_ISSUES } from '../../../nodes/core/wire/inbound';
import {
	accountUpdateWebhook,
	adReferral,
	buttonReplyWebhook,
	CONTACT_BSUID,
	CONTACT_WA_ID,
	contactsMessageWebhook,
	DISPLAY_PHONE_NUMBER,
	envelope,
	flowReplyWebhook,
	listReplyWebhook,
	locationMessageWebhook,
	mediaMessageWebhook,
	messageWebhook,
	metadata,
	orderMessageWebhook,
	PHONE_NUMBER_ID,
	phoneNumberQualityWebhook,
	reactionWebhook,
	requestWelcomeWebhook,
	statusWebhook,
	systemMessageWebhook,
	templateButtonWebhook,
	templateCategoryUpdateWebhook,
	templateQualityWebhook,
	templateStatusWebhook,
	textMessageWebhook,
	unsupportedMessageWebhook,
	userPreferencesWebhook,
	valueErrorsWebhook,
	WABA_ID,
	wamid,
	TIMESTAMP,
	type Json,
	type JsonObject,
} from './fixtures';

function parsed(body: unknown): WebhookEnvelope {
	const result = parseWebhookEnvelope(body);
	if (!result.ok) throw new Error(`expected an envelope, got: ${result.error}`);
	return result.envelope;
}

function onlyChange(body: unknown): WebhookChange {
	const { entry } = parsed(body);
	expect(entry).toHaveLength(1);
	expect(entry[0].changes).toHaveLength(1);
	return entry[0].changes[0];
}

function change<K extends WebhookChange['kind']>(
	body: unknown,
	kind: K,
): Extract<WebhookChange, { kind: K }> {
	const found = onlyChange(body);
	if (found.kind !== kind) throw new Error(`expected ${kind}, got ${JSON.stringify(found)}`);
	return found as Extract<WebhookChange, { kind: K }>;
}

function onlyMessage(body: unknown): InboundMessage {
	const messages = change(body, 'messages').value.messages ?? [];
	expect(messages).toHaveLength(1);
	return messages[0];
}

function known<T extends KnownInboundMessage['type']>(
	body: unknown,
	type: T,
): Extract<KnownInboundMessage, { type: T }> {
	const message = onlyMessage(body);
	if (!isKnownMessage(message) || message.type !== type) {
		throw new Error(`expected a ${type} message, got ${JSON.stringify(message)}`);
	}
	return message as Extract<KnownInboundMessage, { type: T }>;
}

function onlyStatus(body: unknown): MessageStatus {
	const statuses = change(body, 'messages').value.statuses ?? [];
	expect(statuses).toHaveLength(1);
	return statuses[0];
}

describe('inbound webhook: the envelope', () => {
	it('reads the business account, the sender number and the contact of a message webhook', () => {
		const body = textMessageWebhook({ text: 'Hallo', name: 'Mia Hoffmann' });
		const env = parsed(body);
		expect(env.object).toBe('whatsapp_business_account');
		expect(env.entry[0].id).toBe(WABA_ID);
		const messages = change(body, 'messages');
		expect(messages.field).toBe('messages');
		expect(messages.value.metadata).toEqual({
			display_phone_number: DISPLAY_PHONE_NUMBER,
			phone_number_id: PHONE_NUMBER_ID,
		});
		expect(messages.value.contacts).toEqual([
			{ profile: { name: 'Mia Hoffmann' }, wa_id: CONTACT_WA_ID },
		]);
	});

	it('keeps entry.time of non-message fields as Meta sends it (a number)', () => {
		const env = parsed(templateStatusWebhook({ event: 'APPROVED', time: 1751247548 }));
		expect(env.entry[0].time).toBe(1751247548);
	});

	it('accepts the raw body as text or bytes, as it arrives before JSON parsing', () => {
		const body = textMessageWebhook({ text: 'roh' });
		const fromText = parseWebhookEnvelope(JSON.stringify(body));
		const fromBytes = parseWebhookEnvelope(Buffer.from(JSON.stringify(body), 'utf8'));
		expect(fromText).toEqual(parseWebhookEnvelope(body));
		expect(fromBytes).toEqual(parseWebhookEnvelope(body));
	});

	it('keeps every entry and change of a batched webhook in order', () => {
		const a = textMessageWebhook({ text: 'eins' }).entry as JsonObject[];
		const b = statusWebhook({ status: 'read' }).entry as JsonObject[];
		const body = { object: 'whatsapp_business_account', entry: [...a, ...b] };
		const env = parsed(body);
		expect(env.entry.map((e) => e.changes[0].kind)).toEqual(['messages', 'messages']);
		const second = env.entry[1].changes[0];
		expect(second.kind === 'messages' && second.value.statuses?.[0].status).toBe('read');
	});
});

describe('inbound webhook: non-envelopes are rejected', () => {
	it.each<[string, unknown, RegExp]>([
		['null', null, /the body is null/],
		['a number', 42, /the body is a number/],
		['an array', [1, 2], /the body is an array/],
		['text that is not JSON', 'hub.challenge=1', /not JSON/],
		['a Page webhook', { object: 'page', entry: [] }, /"object" is "page"/],
		['an object without "object"', { entry: [] }, /"object" is missing/],
		[
			'entry that is not an array',
			{ object: 'whatsapp_business_account', entry: {} },
			/"entry" is an object, expected an array/,
		],
		[
			'entry missing',
			{ object: 'whatsapp_business_account' },
			/"entry" is missing, expected an array/,
		],
	])('rejects %s with a reason', (_name, body, reason) => {
		const result = parseWebhookEnvelope(body);
		expect(result.ok).toBe(false);
		if (!result.ok) expect(result.error).toMatch(reason);
	});

	it('accepts an envelope with no entries (nothing to do, but a valid webhook)', () => {
		expect(parseWebhookEnvelope({ object: 'whatsapp_business_account', entry: [] })).toEqual({
			ok: true,
			envelope: { object: 'whatsapp_business_account', entry: [] },
		});
	});
});

describe('inbound webhook: messages of every type', () => {
	it('reads a text message', () => {
		const message = known(textMessageWebhook({ text: 'Gibt es die Jacke in Blau?' }), 'text');
		expect(message.text.body).toBe('Gibt es die Jacke in Blau?');
		expect(message.from).toBe(CONTACT_WA_ID);
		expect(message.timestamp).toBe('1764241200');
	});

	it.each(['image', 'video', 'document'] as const)('reads a %s with its caption', (type) => {
		const extra: JsonObject =
			type === 'document'
				? { caption: 'Rechnung', filename: 'rechnung.pdf' }
				: { caption: 'Rechnung' };
		const message = onlyMessage(mediaMessageWebhook(type, extra)) as Record<string, unknown>;
		expect(message.type).toBe(type);
		expect(message[type]).toMatchObject({ id: '1203948576102938', caption: 'Rechnung' });
		if (type === 'document') expect(message[type]).toMatchObject({ filename: 'rechnung.pdf' });
	});

	it('reads a voice note (audio with voice: true)', () => {
		const message = known(mediaMessageWebhook('audio', { voice: true }), 'audio');
		expect(message.audio.voice).toBe(true);
		expect(message.audio.mime_type).toBe('audio/ogg; codecs=opus');
	});

	it('reads an animated sticker', () => {
		const message = known(mediaMessageWebhook('sticker', { animated: true }), 'sticker');
		expect(message.sticker.animated).toBe(true);
	});

	it('reads a location', () => {
		const message = known(
			locationMessageWebhook({ latitude: 52.52, longitude: 13.405 }),
			'location',
		);
		expect(message.location).toMatchObject({
			latitude: 52.52,
			longitude: 13.405,
			name: 'Checkpoint Café',
		});
	});

	it('reads shared contact cards', () => {
		const message = known(contactsMessageWebhook(), 'contacts');
		expect(message.contacts[0].name?.formatted_name).toBe('Jonas Weber');
		expect(message.contacts[0].phones?.[0]).toEqual({
			phone: '+49 40 1234567',
			wa_id: '49401234567',
			type: 'WORK',
		});
	});

	it('reads a reply button tap with the message it answers', () => {
		const message = known(
			buttonReplyWebhook({ buttonId: 'slot-2', title: 'Dienstag', repliedTo: 'wamid.ASK' }),
			'interactive',
		);
		expect(message.interactive).toEqual({
			type: 'button_reply',
			button_reply: { id: 'slot-2', title: 'Dienstag' },
		});
		expect(message.context).toEqual({ from: DISPLAY_PHONE_NUMBER, id: 'wamid.ASK' });
	});

	it('reads a list row choice', () => {
		const message = known(
			listReplyWebhook({ rowId: 'express', title: 'Express', description: 'Morgen da' }),
			'interactive',
		);
		expect(message.interactive).toEqual({
			type: 'list_reply',
			list_reply: { id: 'express', title: 'Express', description: 'Morgen da' },
		});
	});

	it('reads a completed Flow with its response JSON as a string', () => {
		const message = known(
			flowReplyWebhook({ flowToken: 'tok-9', data: { slot: 'mo' } }),
			'interactive',
		);
		const reply = message.interactive;
		if (reply.type !== 'nfm_reply') throw new Error('expected nfm_reply');
		expect(
			JSON.parse((reply as { nfm_reply: { response_json: string } }).nfm_reply.response_json),
		).toEqual({
			flow_token: 'tok-9',
			slot: 'mo',
		});
	});

	it('passes an interactive reply of a type it does not know through with its fields', () => {
		const body = messageWebhook('interactive', {
			type: 'call_permission_reply',
			call_permission_reply: { response: 'accept', is_permanent: false },
		});
		const message = known(body, 'interactive');
		expect(message.interactive).toEqual({
			type: 'call_permission_reply',
			call_permission_reply: { response: 'accept', is_permanent: false },
		});
	});

	it('reads a template quick-reply tap (type button) with the template message id', () => {
		const message = known(
			templateButtonWebhook({
				payload: 'STOP_PROMO',
				text: 'Stop promotions',
				templateWamid: 'wamid.TPL',
			}),
			'button',
		);
		expect(message.button).toEqual({ payload: 'STOP_PROMO', text: 'Stop promotions' });
		expect(message.context?.id).toBe('wamid.TPL');
	});

	it('reads a reaction with an emoji', () => {
		const message = known(reactionWebhook({ messageId: 'wamid.OURS', emoji: '👍' }), 'reaction');
		expect(message.reaction).toEqual({ message_id: 'wamid.OURS', emoji: '👍' });
	});

	it('reads a removed reaction, which Meta sends without emoji', () => {
		const message = known(reactionWebhook({ messageId: 'wamid.OURS' }), 'reaction');
		expect(message.reaction).toEqual({ message_id: 'wamid.OURS' });
		expect(message.reaction.emoji).toBeUndefined();
	});

	it('reads an order with its items', () => {
		const message = known(orderMessageWebhook(), 'order');
		expect(message.order.product_items).toHaveLength(2);
		expect(message.order.product_items[0]).toEqual({
			product_retailer_id: 'sku-4411',
			quantity: 2,
			item_price: 19.9,
			currency: 'EUR',
		});
	});

	it('reads a system message about a changed number', () => {
		const message = known(systemMessageWebhook({ newWaId: '4917655501234' }), 'system');
		expect(message.system).toMatchObject({ wa_id: '4917655501234', type: 'user_changed_number' });
	});

	it('reads a system message about a changed business-scoped user id', () => {
		const message = known(
			systemMessageWebhook({ systemType: 'user_changed_user_id', newUserId: 'user.new' }),
			'system',
		);
		expect(message.system).toMatchObject({ type: 'user_changed_user_id', user_id: 'user.new' });
	});

	it('reads an unsupported message with its 131051 error', () => {
		const message = known(unsupportedMessageWebhook({ unsupportedType: 'poll' }), 'unsupported');
		expect(message.unsupported?.type).toBe('poll');
		expect(message.errors?.[0]).toMatchObject({ code: 131051, title: 'Message type unknown' });
	});

	it('reads a request_welcome (the user opened the chat for the first time)', () => {
		const message = known(requestWelcomeWebhook(), 'request_welcome');
		expect(message.id).toMatch(/^wamid\./);
	});
});

describe('inbound webhook: context and referral', () => {
	it('marks forwarded and frequently forwarded messages', () => {
		const forwarded = known(
			textMessageWebhook({ text: 'fw', context: { forwarded: true } }),
			'text',
		);
		const often = known(
			textMessageWebhook({ text: 'fw', context: { frequently_forwarded: true } }),
			'text',
		);
		expect(forwarded.context).toEqual({ forwarded: true });
		expect(often.context).toEqual({ frequently_forwarded: true });
	});

	it('reads the product behind a "Message business" button', () => {
		const message = known(
			textMessageWebhook({
				text: 'Noch da?',
				context: {
					from: DISPLAY_PHONE_NUMBER,
					id: 'wamid.PRODUCT',
					referred_product: { catalog_id: '880142265931774', product_retailer_id: 'sku-4411' },
				},
			}),
			'text',
		);
		expect(message.context?.referred_product).toEqual({
			catalog_id: '880142265931774',
			product_retailer_id: 'sku-4411',
		});
	});

	it('reads the referral of a click-to-WhatsApp ad', () => {
		const message = known(textMessageWebhook({ text: 'Info?', referral: adReferral() }), 'text');
		expect(message.referral).toMatchObject({
			source_type: 'ad',
			source_id: '120228331771420615',
			media_type: 'image',
			ctwa_clid: 'ARAkQ7vYw0cLx2m8',
			welcome_message: { text: 'Hallo! Wie können wir helfen?' },
		});
	});

	it('reads a Status-placement ad referral, which has no ctwa_clid', () => {
		const message = known(
			textMessageWebhook({ text: 'Info?', referral: adReferral({ ctwaClid: null }) }),
			'text',
		);
		expect(message.referral?.source_type).toBe('ad');
		expect(message.referral).not.toHaveProperty('ctwa_clid');
	});
});

describe('inbound webhook: usernames and business-scoped user ids', () => {
	it('reads a message whose from and wa_id are empty, identified by from_user_id', () => {
		const body = textMessageWebhook({
			text: 'Hi',
			from: '',
			userId: CONTACT_BSUID,
			username: '@mia.h',
			countryCode: 'DE',
		});
		const messages = change(body, 'messages');
		const message = known(body, 'text');
		expect(message.from).toBe('');
		expect(message.from_user_id).toBe(CONTACT_BSUID);
		expect(messages.value.contacts?.[0]).toEqual({
			profile: { name: 'Mia Hoffmann', username: '@mia.h', country_code: 'DE' },
			wa_id: '',
			user_id: CONTACT_BSUID,
		});
	});

	it('reads a message that has no from at all', () => {
		const message = known(
			textMessageWebhook({ text: 'Hi', from: null, userId: CONTACT_BSUID }),
			'text',
		);
		expect(message).not.toHaveProperty('from');
		expect(message.from_user_id).toBe(CONTACT_BSUID);
	});

	it('reads a status of a message sent to a BSUID (empty recipient_id, recipient_user_id)', () => {
		const status = onlyStatus(
			statusWebhook({ status: 'delivered', recipientId: '', recipientUserId: CONTACT_BSUID }),
		);
		expect(status.recipient_id).toBe('');
		expect(status.recipient_user_id).toBe(CONTACT_BSUID);
	});
});

describe('inbound webhook: statuses of our messages', () => {
	it.each(['sent', 'delivered', 'read', 'played'])('reads a %s status', (value) => {
		const status = onlyStatus(statusWebhook({ status: value, id: 'wamid.OUT' }));
		expect(status).toMatchObject({ id: 'wamid.OUT', status: value, recipient_id: CONTACT_WA_ID });
	});

	it('reads pricing with type, category and billable', () => {
		const status = onlyStatus(
			statusWebhook({
				status: 'delivered',
				pricing: {
					billable: false,
					pricing_model: 'PMP',
					type: 'free_entry_point',
					category: 'referral_conversion',
				},
			}),
		);
		expect(status.pricing).toEqual({
			billable: false,
			pricing_model: 'PMP',
			type: 'free_entry_point',
			category: 'referral_conversion',
		});
	});

	it('reads the conversation object (free entry point window) and the callback data', () => {
		const status = onlyStatus(
			statusWebhook({
				status: 'sent',
				conversation: {
					id: '72b14d6bd5407799e66f64d1b338e567',
					expiration_timestamp: '1764327600',
					origin: { type: 'referral_conversion' },
				},
				bizOpaqueCallbackData: 'campaign=winter',
			}),
		);
		expect(status.conversation?.origin?.type).toBe('referral_conversion');
		expect(status.biz_opaque_callback_data).toBe('campaign=winter');
	});

	it('reads a failed status with its errors', () => {
		const status = onlyStatus(statusWebhook({ status: 'failed' }));
		expect(status.status).toBe('failed');
		expect(status.errors?.[0].code).toBe(131050);
		expect(status.errors?.[0].error_data?.details).toBe('Unable to deliver the message.');
	});

	it('reads a status value Meta adds later without failing', () => {
		expect(onlyStatus(statusWebhook({ status: 'deleted' })).status).toBe('deleted');
	});

	it('reads system, app and account level errors in value.errors', () => {
		const value = change(valueErrorsWebhook({ code: 130429 }), 'messages').value;
		expect(value.errors?.[0]).toMatchObject({ code: 130429, title: 'Rate limit hit' });
		expect(value.messages).toBeUndefined();
	});
});

describe('inbound webhook: other fields', () => {
	it('reads message_template_status_update with the reason and extra info', () => {
		const value = change(
			templateStatusWebhook({
				event: 'PAUSED',
				reason: 'NONE',
				extra: { other_info: { title: 'FIRST_PAUSE', description: 'Paused for 3 hours.' } },
			}),
			'message_template_status_update',
		).value;
		expect(value).toMatchObject({
			event: 'PAUSED',
			message_template_id: 1689556908129832,
			message_template_name: 'winter_sale',
			message_template_language: 'de',
			message_template_category: 'MARKETING',
			other_info: { title: 'FIRST_PAUSE' },
		});
	});

	it('reads a template scheduled for deletion, whose reason is null', () => {
		const value = change(
			templateStatusWebhook({ event: 'PENDING_DELETION', reason: null }),
			'message_template_status_update',
		).value;
		expect(value.reason).toBeNull();
	});

	it('reads message_template_quality_update', () => {
		const value = change(
			templateQualityWebhook({ previous: 'GREEN', next: 'RED' }),
			'message_template_quality_update',
		).value;
		expect(value).toMatchObject({ previous_quality_score: 'GREEN', new_quality_score: 'RED' });
	});

	it('reads a quality update sent under the field name message_template_status_update, as in Meta’s own example', () => {
		const parsedChange = change(
			templateQualityWebhook({ next: 'YELLOW', field: 'message_template_status_update' }),
			'message_template_quality_update',
		);
		expect(parsedChange.field).toBe('message_template_status_update');
		expect(parsedChange.value.new_quality_score).toBe('YELLOW');
	});

	it('reads the impending shape of template_category_update (new_category is the current one)', () => {
		const value = change(
			templateCategoryUpdateWebhook({
				shape: 'impending',
				current: 'UTILITY',
				correct: 'MARKETING',
			}),
			'template_category_update',
		).value;
		expect('correct_category' in value && value.correct_category).toBe('MARKETING');
		expect(value.new_category).toBe('UTILITY');
		expect('category_update_timestamp' in value && value.category_update_timestamp).toBe(
			1764327600,
		);
	});

	it('reads the completed shape of template_category_update', () => {
		const value = change(
			templateCategoryUpdateWebhook({ shape: 'completed', previous: 'UTILITY', next: 'MARKETING' }),
			'template_category_update',
		).value;
		expect(value).toMatchObject({ previous_category: 'UTILITY', new_category: 'MARKETING' });
	});

	it('reads user_preferences stop and resume with their numeric timestamp', () => {
		const stop = change(
			userPreferencesWebhook({ value: 'stop', timestamp: 1764241260 }),
			'user_preferences',
		);
		expect(stop.value.user_preferences[0]).toMatchObject({
			wa_id: CONTACT_WA_ID,
			category: 'marketing_messages',
			value: 'stop',
			timestamp: 1764241260,
		});
		const resume = change(
			userPreferencesWebhook({ value: 'resume', userId: CONTACT_BSUID }),
			'user_preferences',
		);
		expect(resume.value.user_preferences[0]).toMatchObject({
			value: 'resume',
			user_id: CONTACT_BSUID,
		});
	});

	it('reads phone_number_quality_update', () => {
		const value = change(
			phoneNumberQualityWebhook({ event: 'THROUGHPUT_UPGRADE', maxDaily: 'TIER_10K' }),
			'phone_number_quality_update',
		).value;
		expect(value).toMatchObject({
			display_phone_number: DISPLAY_PHONE_NUMBER,
			event: 'THROUGHPUT_UPGRADE',
			current_limit: 'TIER_UNLIMITED',
			max_daily_conversations_per_business: 'TIER_10K',
		});
	});

	it('reads account_update events with their details', () => {
		const violation = change(
			accountUpdateWebhook({
				event: 'ACCOUNT_VIOLATION',
				violation_info: { violation_type: 'SCAM' },
			}),
			'account_update',
		).value;
		expect(violation.violation_info?.violation_type).toBe('SCAM');
		const ban = change(
			accountUpdateWebhook({
				event: 'DISABLED_UPDATE',
				ban_info: { waba_ban_state: 'SCHEDULE_FOR_DISABLE', waba_ban_date: 'December 1, 2025' },
			}),
			'account_update',
		).value;
		expect(ban.ban_info?.waba_ban_state).toBe('SCHEDULE_FOR_DISABLE');
	});
});

describe('inbound webhook: what this version does not know passes through', () => {
	it('keeps unknown fields at every level', () => {
		const body = textMessageWebhook({ text: 'neu' });
		const entry = (body.entry as JsonObject[])[0];
		const rawChange = (entry.changes as JsonObject[])[0];
		const value = rawChange.value as JsonObject;
		const message = (value.messages as JsonObject[])[0];
		body.delivery_hint = 'x1';
		entry.shard = 7;
		rawChange.version = 'v25.0';
		value.conversation_state = { open: true };
		(value.metadata as JsonObject).region = 'eu';
		message.edit_history = [1, 2];
		(message.text as JsonObject).format = 'markdown';

		const env = parsed(body);
		expect(env.delivery_hint).toBe('x1');
		expect(env.entry[0].shard).toBe(7);
		const parsedChange = env.entry[0].changes[0];
		expect(parsedChange.version).toBe('v25.0');
		if (parsedChange.kind !== 'messages') throw new Error('expected messages');
		expect(parsedChange.value.conversation_state).toEqual({ open: true });
		expect(parsedChange.value.metadata.region).toBe('eu');
		const parsedMessage = parsedChange.value.messages?.[0] as Record<string, unknown>;
		expect(parsedMessage.edit_history).toEqual([1, 2]);
		expect(parsedMessage.text).toEqual({ body: 'neu', format: 'markdown' });
	});

	it('passes a message of an unknown type through with all its fields', () => {
		const body = messageWebhook('poll_vote', { poll_id: 'p1', option: 2 });
		const message = onlyMessage(body);
		expect(isKnownMessage(message)).toBe(false);
		expect(message).toMatchObject({
			type: 'poll_vote',
			from: CONTACT_WA_ID,
			poll_vote: { poll_id: 'p1', option: 2 },
		});
	});

	it('keeps a field it does not parse as kind "other" with the value as sent', () => {
		const value = { display_phone_number: DISPLAY_PHONE_NUMBER, decision: 'APPROVED' };
		const body = envelope([{ field: 'phone_number_username_update', value }]);
		expect(onlyChange(body)).toEqual({
			kind: 'other',
			field: 'phone_number_username_update',
			value,
		});
	});
});

describe('inbound webhook: malformed parts are kept, never dropped or thrown', () => {
	it('keeps a message that does not match as an unreadable item, naming the field, and reads its neighbours', () => {
		const body = textMessageWebhook({ text: 'x' });
		const value = ((body.entry as JsonObject[])[0].changes as JsonObject[])[0].value as JsonObject;
		const broken = (value.messages as JsonObject[])[0];
		delete (broken.text as JsonObject).body;
		const good = { ...broken, id: wamid(), text: { body: 'Hallo' } };
		value.messages = [broken, good];
		const sent = structuredClone(value);
		const result = onlyChange(body);
		expect(result.kind).toBe('messages');
		if (result.kind !== 'messages') return;
		expect(result.value.messages).toEqual([good]);
		expect(result.unreadable).toEqual([
			{ path: 'messages[0]', value: broken, issues: ['messages[0].text.body: Required'] },
		]);
		// The value as received is left as it was.
		expect(value).toEqual(sent);
	});

	it('an update with more values than MAX_ITEM_VALUES is unreadable without being read value by value', () => {
		const body = statusWebhook({ status: 'delivered' });
		const statuses = (
			((body.entry as JsonObject[])[0].changes as JsonObject[])[0].value as JsonObject
		).statuses as JsonObject[];
		// Wrong in every value: zod would make an issue for each one.
		statuses.push({ ...statuses[0], id: wamid(), errors: Array(MAX_ITEM_VALUES).fill(7) });
		const result = onlyChange(body);
		expect(result.kind === 'messages' && result.value.statuses).toHaveLength(1);
		expect(result.kind === 'messages' && result.unreadable?.map((u) => u.issues)).toEqual([
			[`statuses[1]: More than ${MAX_ITEM_VALUES} values, far more than any update of Meta's`],
		]);
	});

	it('counts the entries before reading the envelope: more than MAX_WEBHOOK_ITEMS is too large, not a non-envelope read entry by entry', () => {
		const body = JSON.stringify({ object: null, entry: Array(MAX_WEBHOOK_ITEMS + 1).fill(1) });
		expect(parseWebhookEnvelope(body)).toMatchObject({ ok: false, tooLarge: true });
	});

	it(`names at most ${MAX_ISSUES} things that did not match in one update, and counts the rest`, () => {
		const body = statusWebhook({ status: 'delivered' });
		const statuses = (
			((body.entry as JsonObject[])[0].changes as JsonObject[])[0].value as JsonObject
		).statuses as JsonObject[];
		statuses[0].errors = Array(MAX_ISSUES + 5).fill(7);
		const result = onlyChange(body);
		const issues = result.kind === 'messages' ? result.unreadable?.[0].issues : undefined;
		expect(issues).toHaveLength(MAX_ISSUES + 1);
		expect(issues?.[0]).toBe('statuses[0].errors[0]: Expected object, received number');
		expect(issues?.[MAX_ISSUES]).toBe('and 5 more');
	});

	it('reports a timestamp that is not Unix seconds', () => {
		const result = onlyChange(textMessageWebhook({ text: 'x', timestamp: '2025-11-27T10:00:00Z' }));
		expect(result.kind === 'messages' && result.unreadable?.[0].issues).toEqual([
			'messages[0].timestamp: Expected Unix seconds as a string of digits',
		]);
	});

	it('reads statuses, contacts, errors, user preferences and group events item by item too', () => {
		const status = statusWebhook({ status: 'delivered' });
		const statuses = (
			((status.entry as JsonObject[])[0].changes as JsonObject[])[0].value as JsonObject
		).statuses as JsonObject[];
		statuses.push({ id: 7, status: 'read', timestamp: TIMESTAMP });
		const read = onlyChange(status);
		expect(read.kind === 'messages' && read.value.statuses?.length).toBe(1);
		expect(read.kind === 'messages' && read.unreadable?.map((u) => u.issues)).toEqual([
			['statuses[1].id: Expected string, received number'],
		]);
		const stop = userPreferencesWebhook({ value: 'stop' });
		const value = ((stop.entry as JsonObject[])[0].changes as JsonObject[])[0].value as JsonObject;
		(value.user_preferences as JsonObject[]).unshift({ category: 'marketing_messages' });
		(value.contacts as Json[]).push('not a card');
		const preferences = onlyChange(stop);
		expect(
			preferences.kind === 'user_preferences' && preferences.value.user_preferences,
		).toHaveLength(1);
		expect(
			preferences.kind === 'user_preferences' && preferences.unreadable?.map((u) => u.path),
		).toEqual(['contacts[1]', 'user_preferences[0]']);
	});

	it('keeps a change whose value itself does not match as unparsed', () => {
		const body = textMessageWebhook({ text: 'x' });
		const value = ((body.entry as JsonObject[])[0].changes as JsonObject[])[0].value as JsonObject;
		value.messages = 'none';
		const result = onlyChange(body);
		expect(result).toMatchObject({
			kind: 'unparsed',
			field: 'messages',
			value,
			issues: ['messages: Expected array, received string'],
		});
	});

	it('parses the other changes of the entry when one of them is malformed', () => {
		const good = { field: 'messages', value: { metadata: metadata(), statuses: [] } };
		const bad = { field: 'user_preferences', value: { user_preferences: 'stop' } };
		const env = parsed(envelope([bad, good]));
		expect(env.entry[0].changes.map((c) => c.kind)).toEqual(['unparsed', 'messages']);
	});

	it('keeps a change without a field as unparsed', () => {
		const body = {
			object: 'whatsapp_business_account',
			entry: [{ id: WABA_ID, changes: [{ value: 1 }, 'x'] }],
		};
		const changes = parsed(body).entry[0].changes;
		expect(changes).toEqual([
			{ kind: 'unparsed', field: '', value: { value: 1 }, issues: ['field: Required'] },
			{ kind: 'unparsed', field: '', value: 'x', issues: ['Expected object, received string'] },
		]);
	});

	it('keeps a malformed entry as one unparsed change carrying the whole entry', () => {
		const body = {
			object: 'whatsapp_business_account',
			entry: [{ id: WABA_ID, changes: 'none' }, 7],
		};
		const env = parsed(body);
		expect(env.entry[0]).toEqual({
			id: WABA_ID,
			changes: [
				{
					kind: 'unparsed',
					field: '',
					value: { id: WABA_ID, changes: 'none' },
					issues: ['entry.changes: Expected array, received string'],
				},
			],
		});
		expect(env.entry[1].id).toBe('');
		expect(env.entry[1].changes[0]).toMatchObject({ kind: 'unparsed', value: 7 });
	});

	it('does not throw when reading the body itself throws', () => {
		const hostile = {
			object: 'whatsapp_business_account',
			get entry(): unknown {
				throw new Error('boom');
			},
		};
		const result = parseWebhookEnvelope(hostile);
		expect(result).toEqual({ ok: false, error: 'The webhook body could not be read: boom' });
	});
});

// A small, seeded property check: whatever the body, parsing answers and never throws.
function random(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const WORDS = [
	'',
	'text',
	'messages',
	'whatsapp_business_account',
	'type',
	'id',
	'entry',
	'1764241200',
	'wamid.X',
	'__proto__',
	'constructor',
];

function randomJson(next: () => number, depth: number): Json {
	const pick = Math.floor(next() * (depth > 3 ? 5 : 7));
	switch (pick) {
		case 0:
			return null;
		case 1:
			return next() < 0.5;
		case 2:
			return next() < 0.5 ? Math.floor(next() * 2e9) - 1e9 : next() * 1e6;
		case 3:
		case 4:
			return WORDS[Math.floor(next() * WORDS.length)] + (next() < 0.3 ? String(next()) : '');
		case 5:
			return Array.from({ length: Math.floor(next() * 4) }, () => randomJson(next, depth + 1));
		default: {
			const out: JsonObject = {};
			for (let i = Math.floor(next() * 5); i > 0; i--) {
				out[WORDS[Math.floor(next() * WORDS.length)]] = randomJson(next, depth + 1);
			}
			return out;
		}
	}
}

function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
	const out: (string | number)[][] = [prefix];
	if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
	else if (value && typeof value === 'object') {
		for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
	}
	return out;
}

function replaceAt(root: Json, path: (string | number)[], replacement: Json): void {
	let node = root as Record<string | number, Json>;
	for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, Json>;
	node[path[path.length - 1]] = replacement;
}

const FIXTURES: (() => JsonObject)[] = [
	() => textMessageWebhook({ text: 'x', referral: adReferral(), context: { forwarded: true } }),
	() => mediaMessageWebhook('document', { filename: 'a.pdf' }),
	() => buttonReplyWebhook({ buttonId: 'a', title: 'A' }),
	() => templateButtonWebhook({ payload: 'STOP', text: 'Stop' }),
	() => reactionWebhook({ messageId: 'wamid.A' }),
	() => contactsMessageWebhook(),
	() => orderMessageWebhook(),
	() => statusWebhook({ status: 'failed' }),
	() =>
		statusWebhook({ status: 'delivered', conversation: { id: 'c', origin: { type: 'service' } } }),
	() => userPreferencesWebhook({ value: 'stop' }),
	() => templateStatusWebhook({ event: 'REJECTED', reason: 'INVALID_FORMAT' }),
	() =>
		templateCategoryUpdateWebhook({ shape: 'impending', current: 'UTILITY', correct: 'MARKETING' }),
	() => accountUpdateWebhook({ event: 'ACCOUNT_DELETED' }),
	() => valueErrorsWebhook(),
];

describe('inbound webhook: never throws', () => {
	it('answers ok or not-ok for 1,000 random JSON bodies without throwing', () => {
		const next = random(20251127);
		for (let i = 0; i < 1000; i++) {
			const body =
				next() < 0.5
					? randomJson(next, 0)
					: { object: 'whatsapp_business_account', entry: randomJson(next, 1) };
			let result: ReturnType<typeof parseWebhookEnvelope> | undefined;
			expect(() => {
				result = parseWebhookEnvelope(body);
			}).not.toThrow();
			expect(typeof result?.ok).toBe('boolean');
		}
	});

	it('keeps a valid envelope valid whatever is broken inside it (1,500 mutations)', () => {
		const next = random(4915112);
		const kinds = new Set<string>();
		for (let i = 0; i < 1500; i++) {
			const body = FIXTURES[i % FIXTURES.length]();
			const candidates = paths(body).filter(
				(p) => p.length > 1 || (p.length === 1 && p[0] !== 'object' && p[0] !== 'entry'),
			);
			const path = candidates[Math.floor(next() * candidates.length)];
			replaceAt(body, path, randomJson(next, 2));
			const result = parseWebhookEnvelope(body);
			expect(result.ok).toBe(true);
			if (!result.ok) continue;
			for (const entry of result.envelope.entry) {
				for (const c of entry.changes) kinds.add(c.kind);
			}
		}
		// The mutations reach every outcome: parsed, unparsed, and fields turned into other ones.
		expect([...kinds]).toEqual(expect.arrayContaining(['messages', 'unparsed', 'other']));
	});
});

describe('toMillis', () => {
	it('turns Unix seconds as Meta sends them (strings or numbers) into milliseconds', () => {
		expect(toMillis('1764241200')).toBe(1764241200000);
		expect(toMillis(1764241260)).toBe(1764241260000);
	});

	it('rejects what is not a count of seconds, naming the value', () => {
		expect(() => toMillis('2025-11-27')).toThrow(WireError);
		expect(() => toMillis('2025-11-27')).toThrow(/Timestamp "2025-11-27" is not Unix seconds/);
		expect(() => toMillis(Number.NaN)).toThrow(WireError);
		expect(() => toMillis(-1)).toThrow(WireError);
	});
});
