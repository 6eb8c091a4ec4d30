import { normalizeEnvelope, type WhatsAppEvent } from '../../../nodes/core/webhook/events';
import { parseWebhookEnvelope, type WebhookEnvelope } from '../../../nodes/core/wire';
import {
	accountUpdateWebhook,
	adReferral,
	buttonReplyWebhook,
	CONTACT_BSUID,
	CONTACT_NAME,
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
	TIMESTAMP,
	unsupportedMessageWebhook,
	userPreferencesWebhook,
	valueErrorsWebhook,
	WABA_ID,
	wamid,
	type JsonObject,
} from '../wire/fixtures';

const T_MS = Number(TIMESTAMP) * 1000;
const T_ISO = new Date(T_MS).toISOString();

function parsed(body: unknown): WebhookEnvelope {
	const result = parseWebhookEnvelope(body);
	if (!result.ok) throw new Error(result.error);
	return result.envelope;
}

function events(body: unknown, receivedAt?: number): WhatsAppEvent[] {
	return normalizeEnvelope(parsed(body), { receivedAt });
}

function only(body: unknown): WhatsAppEvent {
	const list = events(body);
	expect(list).toHaveLength(1);
	return list[0];
}

type Body = { entry: Array<{ changes: Array<{ value: { messages: unknown[] } }> }> };

function firstChange(body: JsonObject): unknown {
	return (body as unknown as Body).entry[0].changes[0];
}

function firstMessage(body: JsonObject): unknown {
	return (body as unknown as Body).entry[0].changes[0].value.messages[0];
}

/** The change values of several fixture envelopes, in one envelope with several entries. */
function combined(...bodies: JsonObject[]): JsonObject {
	return {
		object: 'whatsapp_business_account',
		entry: bodies.flatMap((b) => b.entry as JsonObject[]),
	};
}

describe('events: messages', () => {
	it('a text message has the flat top level: who, which number, what, when', () => {
		const id = wamid();
		const body = textMessageWebhook({ text: 'Hallo, habt ihr offen?', id });
		const event = only(body);
		expect(event).toEqual({
			kind: 'message',
			field: 'messages',
			businessAccountId: WABA_ID,
			phoneNumberId: PHONE_NUMBER_ID,
			displayPhoneNumber: DISPLAY_PHONE_NUMBER,
			contact: CONTACT_WA_ID,
			contactWaId: CONTACT_WA_ID,
			contactName: CONTACT_NAME,
			messageId: id,
			messageType: 'text',
			text: 'Hallo, habt ihr offen?',
			timestamp: T_ISO,
			timestampMs: T_MS,
			raw: firstMessage(body),
			dedupeKey: `msg:${PHONE_NUMBER_ID}:${id}`,
		});
	});

	it('keeps Meta’s original message object under raw', () => {
		const body = textMessageWebhook({ text: 'roh' });
		expect(only(body).raw).toEqual(firstMessage(body));
	});

	it('a username user without a phone number is keyed by their business-scoped user id', () => {
		const event = only(
			textMessageWebhook({ text: 'hi', from: null, userId: CONTACT_BSUID, username: 'mia.h' }),
		);
		expect(event.contact).toBe(CONTACT_BSUID);
		expect(event.contactUserId).toBe(CONTACT_BSUID);
		expect(event.contactWaId).toBeUndefined();
		expect(event.username).toBe('mia.h');
		expect(event.contactName).toBe(CONTACT_NAME);
	});

	it('prefers the phone number when Meta sends both', () => {
		const event = only(textMessageWebhook({ text: 'hi', userId: CONTACT_BSUID }));
		expect(event.contact).toBe(CONTACT_WA_ID);
		expect(event.contactUserId).toBe(CONTACT_BSUID);
	});

	it('media messages give media id, mime type, URL and caption as text', () => {
		const image = only(mediaMessageWebhook('image', { caption: 'Mein Beleg' }));
		expect(image).toMatchObject({
			messageType: 'image',
			mediaId: '1203948576102938',
			mediaMimeType: 'image/jpeg',
			text: 'Mein Beleg',
		});
		expect(image.mediaUrl).toMatch(/^https:\/\//);
		const doc = only(mediaMessageWebhook('document', { filename: 'rechnung.pdf' }));
		expect(doc).toMatchObject({ mediaFilename: 'rechnung.pdf', mediaMimeType: 'application/pdf' });
		for (const type of ['audio', 'video', 'sticker'] as const) {
			expect(only(mediaMessageWebhook(type)).mediaId).toBe('1203948576102938');
		}
	});

	it('a location message gives the coordinates as numbers', () => {
		expect(only(locationMessageWebhook({ latitude: 52.5, longitude: 13.4 })).location).toEqual({
			latitude: 52.5,
			longitude: 13.4,
			name: 'Checkpoint Café',
			address: 'Friedrichstraße 43, 10117 Berlin',
			url: 'https://example.org/cafe',
		});
	});

	it('a template quick-reply tap gives the payload, the label as text, and the template as context', () => {
		const templateWamid = wamid();
		const event = only(
			templateButtonWebhook({ payload: 'STOP_PROMOTIONS', text: 'Stop promotions', templateWamid }),
		);
		expect(event).toMatchObject({
			messageType: 'button',
			buttonPayload: 'STOP_PROMOTIONS',
			text: 'Stop promotions',
			context: { messageId: templateWamid, from: DISPLAY_PHONE_NUMBER },
		});
	});

	it('interactive replies give the button or list row, with its title as text', () => {
		expect(only(buttonReplyWebhook({ buttonId: 'slot-2', title: 'Dienstag' }))).toMatchObject({
			messageType: 'interactive',
			buttonReply: { id: 'slot-2', title: 'Dienstag' },
			text: 'Dienstag',
		});
		expect(
			only(listReplyWebhook({ rowId: 'express', title: 'Express', description: 'Morgen da' })),
		).toMatchObject({
			listReply: { id: 'express', title: 'Express', description: 'Morgen da' },
			text: 'Express',
		});
	});

	it('a completed Flow gives the response JSON and its flow token', () => {
		const event = only(flowReplyWebhook({ flowToken: 'tok-77', data: { size: 'M' } }));
		expect(event.flowReply).toEqual({
			name: 'flow',
			body: 'Sent',
			responseJson: JSON.stringify({ flow_token: 'tok-77', size: 'M' }),
			flowToken: 'tok-77',
		});
	});

	it('a reaction names the message reacted to; a removed reaction has no emoji', () => {
		const target = wamid();
		expect(only(reactionWebhook({ messageId: target, emoji: '👍' })).reaction).toEqual({
			messageId: target,
			emoji: '👍',
		});
		expect(only(reactionWebhook({ messageId: target })).reaction).toEqual({ messageId: target });
	});

	it('an ad referral is flattened (it opens the free entry point)', () => {
		const event = only(textMessageWebhook({ text: 'Info?', referral: adReferral() }));
		expect(event.referral).toMatchObject({
			sourceType: 'ad',
			sourceId: '120228331771420615',
			headline: 'Schreib uns',
			ctwaClid: 'ARAkQ7vYw0cLx2m8',
			welcomeMessage: 'Hallo! Wie können wir helfen?',
		});
	});

	it('an order gives its items and note', () => {
		const event = only(orderMessageWebhook());
		expect(event.order).toEqual({
			catalogId: '880142265931774',
			text: 'Bitte bis Freitag',
			items: [
				{ productRetailerId: 'sku-4411', quantity: 2, itemPrice: 19.9, currency: 'EUR' },
				{ productRetailerId: 'sku-0098', quantity: 1, itemPrice: 4.5, currency: 'EUR' },
			],
		});
	});

	it('a system notice gives the new number', () => {
		const event = only(systemMessageWebhook({ newWaId: '4917655501234' }));
		expect(event).toMatchObject({
			messageType: 'system',
			contact: CONTACT_WA_ID,
			system: { type: 'user_changed_number', newWaId: '4917655501234' },
		});
		expect(event.contactName).toBeUndefined();
	});

	it('an unsupported message carries its errors; request_welcome and contacts keep raw', () => {
		expect(only(unsupportedMessageWebhook()).errors).toEqual([
			{
				code: 131051,
				title: 'Message type unknown',
				message: 'Message type unknown',
				details: 'Message type is currently not supported.',
			},
		]);
		expect(only(requestWelcomeWebhook())).toMatchObject({ messageType: 'request_welcome' });
		const card = only(contactsMessageWebhook());
		expect(card.messageType).toBe('contacts');
		expect(
			(card.raw as { contacts: Array<{ name: { formatted_name: string } }> }).contacts[0].name
				.formatted_name,
		).toBe('Jonas Weber');
	});

	it('a message type this version does not know passes through with its raw object', () => {
		const event = only(messageWebhook('poll_vote', { option: 2 }));
		expect(event).toMatchObject({
			kind: 'message',
			messageType: 'poll_vote',
			contact: CONTACT_WA_ID,
		});
		expect((event.raw as Record<string, unknown>).poll_vote).toEqual({ option: 2 });
	});
});

describe('events: statuses', () => {
	it('a status names our message, its recipient, the pricing and the time', () => {
		const id = wamid();
		const event = only(
			statusWebhook({ id, status: 'delivered', bizOpaqueCallbackData: 'order-1' }),
		);
		expect(event).toMatchObject({
			kind: 'status',
			messageId: id,
			status: 'delivered',
			contact: CONTACT_WA_ID,
			statusRecipient: CONTACT_WA_ID,
			callbackData: 'order-1',
			pricing: { billable: true, model: 'PMP', type: 'regular', category: 'marketing' },
			timestamp: T_ISO,
			dedupeKey: `status:${id}:delivered`,
		});
		expect(event.errors).toBeUndefined();
	});

	it('a failed status carries the errors', () => {
		const event = only(statusWebhook({ status: 'failed' }));
		expect(event.errors?.[0]).toMatchObject({ code: 131050 });
		expect(event.dedupeKey).toMatch(/^status:.+:failed:131050$/);
	});

	it('a status of a message sent to a business-scoped user id names that id as contact', () => {
		const event = only(
			statusWebhook({ status: 'read', recipientId: '', recipientUserId: CONTACT_BSUID }),
		);
		expect(event.contact).toBe(CONTACT_BSUID);
		expect(event.statusRecipient).toBeUndefined();
	});
});

describe('events: other fields', () => {
	it('value-level errors become one error event each', () => {
		const event = only(valueErrorsWebhook({ code: 130429 }));
		expect(event).toMatchObject({
			kind: 'error',
			phoneNumberId: PHONE_NUMBER_ID,
			errors: [{ code: 130429, title: 'Rate limit hit' }],
		});
		expect(event.timestamp).toBeUndefined();
	});

	it('template status updates give the template, the event, the reason and entry.time', () => {
		const event = only(
			templateStatusWebhook({ event: 'PAUSED', reason: 'NONE', time: 1764241300 }),
		);
		expect(event).toMatchObject({
			kind: 'template_status',
			field: 'message_template_status_update',
			businessAccountId: WABA_ID,
			template: {
				id: '1689556908129832',
				name: 'winter_sale',
				language: 'de',
				event: 'PAUSED',
				reason: 'NONE',
				category: 'MARKETING',
			},
			timestamp: new Date(1764241300 * 1000).toISOString(),
		});
		expect(event.phoneNumberId).toBeUndefined();
		expect(
			only(templateStatusWebhook({ event: 'PENDING_DELETION', reason: null })).template,
		).not.toHaveProperty('reason');
	});

	it('template quality updates give the new and previous score', () => {
		expect(only(templateQualityWebhook({ previous: 'GREEN', next: 'YELLOW' }))).toMatchObject({
			kind: 'template_quality',
			template: { name: 'winter_sale', quality: 'YELLOW', previousQuality: 'GREEN' },
		});
	});

	it('template quality updates filed under the status field are still quality events', () => {
		const event = only(
			templateQualityWebhook({ next: 'RED', field: 'message_template_status_update' }),
		);
		expect(event.kind).toBe('template_quality');
		expect(event.field).toBe('message_template_status_update');
	});

	it('template category updates: completed and 24 h notice', () => {
		expect(
			only(
				templateCategoryUpdateWebhook({
					shape: 'completed',
					previous: 'UTILITY',
					next: 'MARKETING',
				}),
			).template,
		).toEqual({
			id: '278077987957091',
			name: 'order_update',
			language: 'en_US',
			previousCategory: 'UTILITY',
			newCategory: 'MARKETING',
		});
		expect(
			only(
				templateCategoryUpdateWebhook({
					shape: 'impending',
					current: 'UTILITY',
					correct: 'MARKETING',
					at: 1764327600,
				}),
			).template,
		).toMatchObject({
			newCategory: 'UTILITY',
			correctCategory: 'MARKETING',
			categoryChangesAt: new Date(1764327600 * 1000).toISOString(),
		});
	});

	it('user preferences give the contact, stop or resume, and their time', () => {
		const event = only(userPreferencesWebhook({ value: 'stop', timestamp: 1764241260 }));
		expect(event).toMatchObject({
			kind: 'user_preference',
			contact: CONTACT_WA_ID,
			phoneNumberId: PHONE_NUMBER_ID,
			preference: {
				category: 'marketing_messages',
				value: 'stop',
				detail: 'User requested to stop marketing messages',
			},
			timestampMs: 1764241260 * 1000,
		});
	});

	it('phone number quality and account updates are flattened', () => {
		expect(only(phoneNumberQualityWebhook({ maxDaily: '10000' }))).toMatchObject({
			kind: 'phone_number_quality',
			displayPhoneNumber: DISPLAY_PHONE_NUMBER,
			phoneNumberQuality: {
				event: 'THROUGHPUT_UPGRADE',
				currentLimit: 'TIER_UNLIMITED',
				maxDailyConversations: '10000',
			},
		});
		expect(
			only(
				accountUpdateWebhook({
					event: 'DISABLED_UPDATE',
					ban_info: { waba_ban_state: 'SCHEDULE_FOR_DISABLE', waba_ban_date: '2025-12-01' },
				}),
			).account,
		).toEqual({
			event: 'DISABLED_UPDATE',
			banState: 'SCHEDULE_FOR_DISABLE',
			banDate: '2025-12-01',
		});
	});

	it("a business capability update gives the portfolio's messaging limit as Meta sent it", () => {
		const value = {
			max_daily_conversations_per_business: 'TIER_10K',
			max_phone_numbers_per_waba: 25,
		};
		expect(
			only(envelope([{ field: 'business_capability_update', value }], { time: 1764241800 })),
		).toMatchObject({
			kind: 'business_capability',
			field: 'business_capability_update',
			businessCapability: { maxDailyConversations: 'TIER_10K', maxPhoneNumbersPerWaba: 25 },
			timestampMs: 1764241800 * 1000,
			raw: value,
		});
		// The older field: an integer, -1 for unlimited.
		expect(
			only(
				envelope([
					{ field: 'business_capability_update', value: { max_daily_conversation_per_phone: -1 } },
				]),
			).businessCapability,
		).toEqual({ maxDailyConversations: '-1' });
	});

	it('a field this version does not read becomes kind "other" with its value as raw', () => {
		const value = { alert_type: 'INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED' };
		const event = only(envelope([{ field: 'account_alerts', value }], { time: 1764241700 }));
		expect(event).toMatchObject({ kind: 'other', field: 'account_alerts', raw: value });
		expect(event.issues).toBeUndefined();
	});

	it('a known field whose value does not match becomes "other" with what did not match', () => {
		const event = only(
			envelope([{ field: 'message_template_status_update', value: { event: 'APPROVED' } }]),
		);
		expect(event.kind).toBe('other');
		expect(event.issues?.join(' ')).toMatch(/message_template_name/);
	});
});

describe('events: groups', () => {
	const GROUP = 'Y2FwaV9ncm91cDoxNzA1NTU1MDEzOToxMjAzNjM0MDQ2OTQyMzM4MjAZD';
	const AT = 1764241300;
	const groupWebhook = (field: string, group: JsonObject): JsonObject =>
		envelope([
			{
				field,
				value: {
					messaging_product: 'whatsapp',
					metadata: metadata(),
					groups: [{ timestamp: String(AT), group_id: GROUP, ...group }],
				},
			},
		]);

	it('a created group is a "group" item with its id, subject, description, invite link and request id', () => {
		const event = only(
			groupWebhook('group_lifecycle_update', {
				type: 'group_create',
				request_id: '5A1C0E9B7D3F',
				subject: 'Trail Runner 2 owners',
				description: 'Tips and early offers',
				invite_link: 'https://chat.whatsapp.com/K3yR4nd0m',
				join_approval_mode: 'approval_required',
			}),
		);
		expect(event).toMatchObject({
			kind: 'group',
			field: 'group_lifecycle_update',
			businessAccountId: WABA_ID,
			phoneNumberId: PHONE_NUMBER_ID,
			groupId: GROUP,
			timestamp: new Date(AT * 1000).toISOString(),
			group: {
				type: 'group_create',
				requestId: '5A1C0E9B7D3F',
				subject: 'Trail Runner 2 owners',
				description: 'Tips and early offers',
				inviteLink: 'https://chat.whatsapp.com/K3yR4nd0m',
				joinApprovalMode: 'approval_required',
			},
		});
		expect(event.dedupeKey).toMatch(/^evt:group_lifecycle_update:/);
	});

	it('participants added, removed, failed, and who removed them, with phone numbers as text', () => {
		const added = only(
			groupWebhook('group_participants_update', {
				type: 'group_participants_add',
				reason: 'invite_link',
				added_participants: [{ input: 4915112345678, wa_id: 4915112345678 }],
			}),
		);
		expect(added.group).toEqual({
			type: 'group_participants_add',
			reason: 'invite_link',
			addedParticipants: [{ input: '4915112345678', waId: '4915112345678' }],
		});
		const removed = only(
			groupWebhook('group_participants_update', {
				type: 'group_participants_remove',
				request_id: 'R2',
				initiated_by: 'business',
				removed_participants: [{ input: '+4915112345678' }],
				failed_participants: [
					{
						input: '+4917612345602',
						errors: [{ code: 131203, title: 'Unable to remove participant' }],
					},
				],
			}),
		);
		expect(removed.group).toEqual({
			type: 'group_participants_remove',
			requestId: 'R2',
			initiatedBy: 'business',
			removedParticipants: [{ input: '+4915112345678' }],
			failedParticipants: [
				{
					input: '+4917612345602',
					errors: [{ code: 131203, title: 'Unable to remove participant' }],
				},
			],
		});
	});

	it('a join request names the user who asked as the contact', () => {
		const event = only(
			groupWebhook('group_participants_update', {
				type: 'group_join_request_created',
				join_request_id: 'MTY0NjcwNDM1OTU6MTIw',
				wa_id: CONTACT_WA_ID,
			}),
		);
		expect(event).toMatchObject({
			kind: 'group',
			contact: CONTACT_WA_ID,
			contactWaId: CONTACT_WA_ID,
			group: { type: 'group_join_request_created', joinRequestId: 'MTY0NjcwNDM1OTU6MTIw' },
		});
	});

	it('settings changed: subject, description and picture, each with whether it took and its errors', () => {
		const error = { code: 131009, title: 'Parameter value is not valid' };
		const event = only(
			groupWebhook('group_settings_update', {
				type: 'group_settings_update',
				request_id: 'R3',
				profile_picture: { mime_type: 'image/jpeg', sha256: 'c2hhMjU2', update_successful: true },
				group_subject: { text: 'Runners', update_successful: true },
				group_description: { text: 'x', update_successful: false, errors: [error] },
				errors: [error],
			}),
		);
		expect(event.group).toEqual({
			type: 'group_settings_update',
			requestId: 'R3',
			pictureUpdate: { mimeType: 'image/jpeg', sha256: 'c2hhMjU2', successful: true },
			subjectUpdate: { text: 'Runners', successful: true },
			descriptionUpdate: { text: 'x', successful: false, errors: [error] },
		});
		expect(event.errors).toEqual([error]);
	});

	it('a suspended group, and one cleared, are group items of group_status_update', () => {
		for (const type of ['group_suspend', 'group_suspend_cleared']) {
			expect(only(groupWebhook('group_status_update', { type }))).toMatchObject({
				kind: 'group',
				field: 'group_status_update',
				groupId: GROUP,
				group: { type },
			});
		}
	});
});

describe('events: splitting', () => {
	it('one event per message, status and error, across entries and changes, in order', () => {
		const messages = {
			field: 'messages',
			value: {
				messaging_product: 'whatsapp',
				metadata: metadata(),
				contacts: [
					{ profile: { name: 'A' }, wa_id: '4915100000001' },
					{ profile: { name: 'B' }, wa_id: '4915100000002' },
				],
				messages: [
					{
						from: '4915100000001',
						id: 'wamid.A',
						timestamp: TIMESTAMP,
						type: 'text',
						text: { body: 'a' },
					},
					{
						from: '4915100000002',
						id: 'wamid.B',
						timestamp: TIMESTAMP,
						type: 'text',
						text: { body: 'b' },
					},
				],
				statuses: [
					{ id: 'wamid.S', status: 'sent', timestamp: TIMESTAMP, recipient_id: '4915100000003' },
				],
			},
		};
		const body = combined(
			envelope([messages]),
			valueErrorsWebhook(),
			templateStatusWebhook({ event: 'APPROVED' }),
		);
		const list = events(body);
		expect(list.map((e) => [e.kind, e.contact ?? e.template?.name ?? e.errors?.[0].code])).toEqual([
			['message', '4915100000001'],
			['message', '4915100000002'],
			['status', '4915100000003'],
			['error', 130429],
			['template_status', 'winter_sale'],
		]);
		// Each message is matched to its own contact card.
		expect(list.map((e) => e.contactName).slice(0, 2)).toEqual(['A', 'B']);
	});

	it('never throws and never drops: a malformed change among good ones is one "other" event', () => {
		const good = textMessageWebhook({ text: 'ok' });
		const body = {
			object: 'whatsapp_business_account',
			entry: [
				{
					id: WABA_ID,
					changes: [firstChange(good), 'not a change', { field: 'messages', value: {} }],
				},
				{ changes: 'nope' },
			],
		};
		const list = events(body);
		expect(list.map((e) => e.kind)).toEqual(['message', 'other', 'other', 'other']);
		for (const e of list) expect(e.dedupeKey).not.toBe('');
	});

	it('a message that cannot be read costs only itself, not its neighbours', () => {
		const good = (id: string) => ({
			from: CONTACT_WA_ID,
			id,
			timestamp: TIMESTAMP,
			type: 'text',
			text: { body: id },
		});
		const broken = { from: CONTACT_WA_ID, id: 'wamid.BAD', timestamp: TIMESTAMP, type: 'text' };
		Object.defineProperty(broken, 'text', {
			enumerable: true,
			get() {
				throw new Error('unreadable');
			},
		});
		const env = {
			object: 'whatsapp_business_account',
			entry: [
				{
					id: WABA_ID,
					changes: [
						{
							kind: 'messages',
							field: 'messages',
							value: { metadata: metadata(), messages: [good('wamid.A'), broken, good('wamid.B')] },
						},
					],
				},
			],
		} as unknown as WebhookEnvelope;
		const list = normalizeEnvelope(env);
		expect(list.map((e) => [e.kind, e.messageId])).toEqual([
			['message', 'wamid.A'],
			['other', undefined],
			['message', 'wamid.B'],
		]);
		expect(list[1].issues).toEqual(['could not be read: unreadable']);
	});

	it('a message the schemas refuse is an "other" event of its own, with its number, time and what did not match', () => {
		const body = textMessageWebhook({ text: 'ok' });
		const value = (firstChange(body) as { value: { messages: JsonObject[] } }).value;
		const broken = { ...value.messages[0], id: wamid(), timestamp: TIMESTAMP, text: { body: 7 } };
		value.messages.push(broken);
		const list = events(body);
		expect(list.map((e) => e.kind)).toEqual(['message', 'other']);
		expect(list[1]).toMatchObject({
			field: 'messages',
			phoneNumberId: PHONE_NUMBER_ID,
			timestampMs: T_MS,
			raw: broken,
			issues: ['messages[1].text.body: Expected string, received number'],
		});
		// The same item delivered again has the same key.
		expect(events(body)[1].dedupeKey).toBe(list[1].dedupeKey);
	});

	it('finds each sender’s contact card among many, the first with its wa_id or user id', () => {
		const messages = Array.from({ length: 3 }, (_, i) => ({
			from: `4915100000${i}`,
			id: wamid(),
			timestamp: TIMESTAMP,
			type: 'text',
			text: { body: 'Hallo' },
		}));
		const contacts = [
			{ profile: { name: 'By user id' }, user_id: 'DE.1' },
			...messages.map((m, i) => ({ profile: { name: `Person ${i}` }, wa_id: m.from })),
			{ profile: { name: 'Second card of person 0' }, wa_id: messages[0].from },
		];
		const body = envelope([
			{ field: 'messages', value: { metadata: metadata(), contacts, messages } },
		]);
		expect(events(body).map((e) => e.contactName)).toEqual(['Person 0', 'Person 1', 'Person 2']);
		(messages[2] as JsonObject).from_user_id = 'DE.1';
		expect(events(body).map((e) => e.contactName)).toEqual(['Person 0', 'Person 1', 'By user id']);
	});

	it('an empty envelope gives no events', () => {
		expect(events({ object: 'whatsapp_business_account', entry: [] })).toEqual([]);
	});
});
