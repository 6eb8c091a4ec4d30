/**
 * Webhook payloads and template definitions shaped exactly like Meta's (docs of Oct-Dec 2025),
 * with our own values. Builders take what a test cares about and fill the rest; everything is
 * plain JSON, so payloads can be posted, signed or mutated as they are.
 */

export const WABA_ID = '318447201993512';
export const PHONE_NUMBER_ID = '774120593381042';
export const DISPLAY_PHONE_NUMBER = '4930901820';
export const CONTACT_WA_ID = '4915112345678';
export const CONTACT_BSUID =
	'user.7f3a9c1e0b2d48a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2';
export const CONTACT_NAME = 'Mia Hoffmann';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

let sequence = 0;
/** A wamid-like id, different on every call. */
export function wamid(): string {
	sequence += 1;
	return `wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYFDNBVEVTVDAw${String(sequence).padStart(6, '0')}AA==`;
}

/** Unix seconds as Meta sends them in messages and statuses. */
export const TIMESTAMP = '1764241200';

export interface EnvelopeOptions {
	wabaId?: string;
	/** entry[].time, which Meta sets on non-message fields. */
	time?: number;
}

export function envelope(
	changes: { field: string; value: Json }[],
	options: EnvelopeOptions = {},
): JsonObject {
	const entry: JsonObject = { id: options.wabaId ?? WABA_ID, changes };
	if (options.time !== undefined) entry.time = options.time;
	return { object: 'whatsapp_business_account', entry: [entry] };
}

/** The changes of the bodies' first entries, to put several webhooks' changes into one envelope. */
export function changesOf(...bodies: JsonObject[]): { field: string; value: Json }[] {
	return bodies.flatMap(
		(body) => (body.entry as JsonObject[])[0].changes as { field: string; value: Json }[],
	);
}

export function metadata(
	options: { phoneNumberId?: string; displayPhoneNumber?: string } = {},
): JsonObject {
	return {
		display_phone_number: options.displayPhoneNumber ?? DISPLAY_PHONE_NUMBER,
		phone_number_id: options.phoneNumberId ?? PHONE_NUMBER_ID,
	};
}

export interface InboundOptions extends EnvelopeOptions {
	/** The user's phone number; "" or null (left out) for username adopters. */
	from?: string | null;
	/** from_user_id / contacts[].user_id: the business-scoped user id (BSUID). */
	userId?: string;
	name?: string;
	username?: string;
	countryCode?: string;
	id?: string;
	timestamp?: string;
	phoneNumberId?: string;
	displayPhoneNumber?: string;
	context?: JsonObject;
	referral?: JsonObject;
	errors?: Json[];
	/** Leave out value.contacts (system messages have none). */
	noContacts?: boolean;
}

/** A field "messages" webhook with one inbound message of `type` carrying `content`. */
export function messageWebhook(
	type: string,
	content: Json | undefined,
	options: InboundOptions = {},
): JsonObject {
	const from = options.from === undefined ? CONTACT_WA_ID : options.from;
	const message: JsonObject = {};
	if (options.context) message.context = options.context;
	if (options.referral) message.referral = options.referral;
	if (from !== null) message.from = from;
	if (options.userId !== undefined) message.from_user_id = options.userId;
	message.id = options.id ?? wamid();
	message.timestamp = options.timestamp ?? TIMESTAMP;
	if (options.errors) message.errors = options.errors;
	message.type = type;
	if (content !== undefined) message[type] = content;

	const value: JsonObject = { messaging_product: 'whatsapp', metadata: metadata(options) };
	if (!options.noContacts) {
		const profile: JsonObject = { name: options.name ?? CONTACT_NAME };
		if (options.username !== undefined) profile.username = options.username;
		if (options.countryCode !== undefined) profile.country_code = options.countryCode;
		const contact: JsonObject = { profile, wa_id: from ?? '' };
		if (options.userId !== undefined) contact.user_id = options.userId;
		value.contacts = [contact];
	}
	value.messages = [message];
	return envelope([{ field: 'messages', value }], options);
}

export function textMessageWebhook(options: InboundOptions & { text: string }): JsonObject {
	return messageWebhook('text', { body: options.text }, options);
}

const MEDIA_URL = 'https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=9981734402';

export function mediaMessageWebhook(
	type: 'image' | 'audio' | 'video' | 'document' | 'sticker',
	extra: JsonObject = {},
	options: InboundOptions = {},
): JsonObject {
	const mime = {
		image: 'image/jpeg',
		audio: 'audio/ogg; codecs=opus',
		video: 'video/mp4',
		document: 'application/pdf',
		sticker: 'image/webp',
	}[type];
	return messageWebhook(
		type,
		{
			mime_type: mime,
			sha256: 'u0Hj3m0pJt3xq5mYb1l6S2rW1cVbq9k2d8Zq7Yw6L0E=',
			id: '1203948576102938',
			url: MEDIA_URL,
			...extra,
		},
		options,
	);
}

export function locationMessageWebhook(
	options: InboundOptions & { latitude?: number; longitude?: number } = {},
): JsonObject {
	return messageWebhook(
		'location',
		{
			address: 'Friedrichstraße 43, 10117 Berlin',
			latitude: options.latitude ?? 52.5069,
			longitude: options.longitude ?? 13.3904,
			name: 'Checkpoint Café',
			url: 'https://example.org/cafe',
		},
		options,
	);
}

export function contactsMessageWebhook(options: InboundOptions = {}): JsonObject {
	return messageWebhook(
		'contacts',
		[
			{
				addresses: [
					{
						city: 'Hamburg',
						country: 'Germany',
						country_code: 'DE',
						street: 'Jungfernstieg 7',
						type: 'WORK',
						zip: '20354',
					},
				],
				birthday: '1988-04-12',
				emails: [{ email: 'jonas@example.de', type: 'WORK' }],
				name: { formatted_name: 'Jonas Weber', first_name: 'Jonas', last_name: 'Weber' },
				org: { company: 'Weber & Söhne', title: 'Einkauf' },
				phones: [{ phone: '+49 40 1234567', wa_id: '49401234567', type: 'WORK' }],
				urls: [{ url: 'https://weber.example.de', type: 'WORK' }],
			},
		],
		options,
	);
}

export function buttonReplyWebhook(
	options: InboundOptions & { buttonId: string; title: string; repliedTo?: string },
): JsonObject {
	return messageWebhook(
		'interactive',
		{ type: 'button_reply', button_reply: { id: options.buttonId, title: options.title } },
		{ ...options, context: { from: DISPLAY_PHONE_NUMBER, id: options.repliedTo ?? wamid() } },
	);
}

export function listReplyWebhook(
	options: InboundOptions & { rowId: string; title: string; description?: string },
): JsonObject {
	const reply: JsonObject = { id: options.rowId, title: options.title };
	if (options.description !== undefined) reply.description = options.description;
	return messageWebhook(
		'interactive',
		{ type: 'list_reply', list_reply: reply },
		{ ...options, context: { from: DISPLAY_PHONE_NUMBER, id: wamid() } },
	);
}

export function flowReplyWebhook(
	options: InboundOptions & { flowToken: string; data?: JsonObject },
): JsonObject {
	return messageWebhook(
		'interactive',
		{
			type: 'nfm_reply',
			nfm_reply: {
				name: 'flow',
				body: 'Sent',
				response_json: JSON.stringify({ flow_token: options.flowToken, ...options.data }),
			},
		},
		{ ...options, context: { from: DISPLAY_PHONE_NUMBER, id: wamid() } },
	);
}

/** A tap on a template's quick-reply button. */
export function templateButtonWebhook(
	options: InboundOptions & { payload?: string; text: string; templateWamid?: string },
): JsonObject {
	const button: JsonObject = { text: options.text };
	if (options.payload !== undefined) button.payload = options.payload;
	return messageWebhook('button', button, {
		...options,
		context: { from: DISPLAY_PHONE_NUMBER, id: options.templateWamid ?? wamid() },
	});
}

/** Without `emoji` it is a removed reaction, as Meta sends it. */
export function reactionWebhook(
	options: InboundOptions & { messageId: string; emoji?: string },
): JsonObject {
	const reaction: JsonObject = { message_id: options.messageId };
	if (options.emoji !== undefined) reaction.emoji = options.emoji;
	return messageWebhook('reaction', reaction, options);
}

export function orderMessageWebhook(options: InboundOptions = {}): JsonObject {
	return messageWebhook(
		'order',
		{
			catalog_id: '880142265931774',
			text: 'Bitte bis Freitag',
			product_items: [
				{ product_retailer_id: 'sku-4411', quantity: 2, item_price: 19.9, currency: 'EUR' },
				{ product_retailer_id: 'sku-0098', quantity: 1, item_price: 4.5, currency: 'EUR' },
			],
		},
		options,
	);
}

export function systemMessageWebhook(
	options: InboundOptions & { newWaId?: string; newUserId?: string; systemType?: string } = {},
): JsonObject {
	const system: JsonObject = {
		body: `User ${CONTACT_NAME} changed from ${CONTACT_WA_ID} to ${options.newWaId ?? '4917655501234'}`,
		wa_id: options.newWaId ?? '4917655501234',
		type: options.systemType ?? 'user_changed_number',
	};
	if (options.newUserId !== undefined) system.user_id = options.newUserId;
	return messageWebhook('system', system, { noContacts: true, ...options });
}

export function unsupportedMessageWebhook(
	options: InboundOptions & { unsupportedType?: string } = {},
): JsonObject {
	return messageWebhook(
		'unsupported',
		{ type: options.unsupportedType ?? 'edit' },
		{
			...options,
			errors: [
				{
					code: 131051,
					title: 'Message type unknown',
					message: 'Message type unknown',
					error_data: { details: 'Message type is currently not supported.' },
				},
			],
		},
	);
}

export function requestWelcomeWebhook(options: InboundOptions = {}): JsonObject {
	return messageWebhook('request_welcome', undefined, options);
}

/** The referral object of a click-to-WhatsApp image ad. */
export function adReferral(options: { ctwaClid?: string | null } = {}): JsonObject {
	const referral: JsonObject = {
		source_url: 'https://fb.me/8kLw2qPz',
		source_id: '120228331771420615',
		source_type: 'ad',
		body: 'Winterjacken -30 %',
		headline: 'Schreib uns',
		media_type: 'image',
		image_url: 'https://scontent.xx.fbcdn.net/v/t45.1600-4/winter.jpg',
		welcome_message: { text: 'Hallo! Wie können wir helfen?' },
	};
	if (options.ctwaClid !== null) referral.ctwa_clid = options.ctwaClid ?? 'ARAkQ7vYw0cLx2m8';
	return referral;
}

export interface StatusOptions extends EnvelopeOptions {
	id?: string;
	status: 'sent' | 'delivered' | 'read' | 'played' | 'failed' | (string & {});
	/** recipient_id; "" when sent to a BSUID. */
	recipientId?: string;
	recipientUserId?: string;
	timestamp?: string;
	/** Defaults to regular marketing for sent/delivered; null leaves pricing out. */
	pricing?: JsonObject | null;
	conversation?: JsonObject;
	errors?: Json[];
	bizOpaqueCallbackData?: string;
	phoneNumberId?: string;
}

export function statusWebhook(options: StatusOptions): JsonObject {
	const status: JsonObject = {
		id: options.id ?? wamid(),
		status: options.status,
		timestamp: options.timestamp ?? TIMESTAMP,
		recipient_id: options.recipientId ?? CONTACT_WA_ID,
	};
	if (options.recipientUserId !== undefined) status.recipient_user_id = options.recipientUserId;
	if (options.bizOpaqueCallbackData !== undefined) {
		status.biz_opaque_callback_data = options.bizOpaqueCallbackData;
	}
	if (options.conversation) status.conversation = options.conversation;
	const defaultPricing =
		options.status === 'sent' || options.status === 'delivered'
			? { billable: true, pricing_model: 'PMP', type: 'regular', category: 'marketing' }
			: null;
	const pricing = options.pricing === undefined ? defaultPricing : options.pricing;
	if (pricing) status.pricing = pricing;
	if (options.errors) status.errors = options.errors;
	else if (options.status === 'failed') {
		status.errors = [
			{
				code: 131050,
				title:
					'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business',
				message:
					'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business',
				error_data: { details: 'Unable to deliver the message.' },
				href: '/documentation/business-messaging/whatsapp/support/error-codes',
			},
		];
	}
	return envelope(
		[
			{
				field: 'messages',
				value: { messaging_product: 'whatsapp', metadata: metadata(options), statuses: [status] },
			},
		],
		options,
	);
}

/** value.errors: a system, app or account level error. */
export function valueErrorsWebhook(
	options: { code?: number; title?: string; details?: string } = {},
): JsonObject {
	const title = options.title ?? 'Rate limit hit';
	return envelope([
		{
			field: 'messages',
			value: {
				messaging_product: 'whatsapp',
				metadata: metadata(),
				errors: [
					{
						code: options.code ?? 130429,
						title,
						message: title,
						error_data: {
							details:
								options.details ??
								'Message failed to send because there were too many messages sent from this phone number in a short period of time',
						},
						href: '/documentation/business-messaging/whatsapp/support/error-codes',
					},
				],
			},
		},
	]);
}

export function userPreferencesWebhook(
	options: EnvelopeOptions & {
		value: 'stop' | 'resume' | (string & {});
		waId?: string;
		userId?: string;
		timestamp?: number;
	},
): JsonObject {
	const preference: JsonObject = {
		wa_id: options.waId ?? CONTACT_WA_ID,
		detail: `User requested to ${options.value} marketing messages`,
		category: 'marketing_messages',
		value: options.value,
		timestamp: options.timestamp ?? 1764241260,
	};
	if (options.userId !== undefined) preference.user_id = options.userId;
	const contact: JsonObject = { wa_id: options.waId ?? CONTACT_WA_ID };
	if (options.userId !== undefined) contact.user_id = options.userId;
	return envelope(
		[
			{
				field: 'user_preferences',
				value: {
					messaging_product: 'whatsapp',
					metadata: metadata(),
					contacts: [contact],
					user_preferences: [preference],
				},
			},
		],
		options,
	);
}

export interface TemplateRef {
	templateId?: number;
	name?: string;
	language?: string;
}

export function templateStatusWebhook(
	options: TemplateRef & {
		event: string;
		reason?: string | null;
		category?: string;
		extra?: JsonObject;
		time?: number;
	},
): JsonObject {
	return envelope(
		[
			{
				field: 'message_template_status_update',
				value: {
					event: options.event,
					message_template_id: options.templateId ?? 1689556908129832,
					message_template_name: options.name ?? 'winter_sale',
					message_template_language: options.language ?? 'de',
					reason: options.reason === undefined ? 'NONE' : options.reason,
					message_template_category: options.category ?? 'MARKETING',
					...options.extra,
				},
			},
		],
		{ time: options.time ?? 1764241300 },
	);
}

export function templateQualityWebhook(
	options: TemplateRef & { previous?: string; next: string; field?: string },
): JsonObject {
	return envelope(
		[
			{
				field: options.field ?? 'message_template_quality_update',
				value: {
					previous_quality_score: options.previous ?? 'GREEN',
					new_quality_score: options.next,
					message_template_id: options.templateId ?? 1689556908129832,
					message_template_name: options.name ?? 'winter_sale',
					message_template_language: options.language ?? 'de',
				},
			},
		],
		{ time: 1764241400 },
	);
}

/** Impending: 24 h notice (new_category is the current one). Completed: the change happened. */
export function templateCategoryUpdateWebhook(
	options: TemplateRef &
		(
			| { shape: 'impending'; current: string; correct: string; at?: number }
			| { shape: 'completed'; previous: string; next: string }
		),
): JsonObject {
	const base: JsonObject = {
		message_template_id: options.templateId ?? 278077987957091,
		message_template_name: options.name ?? 'order_update',
		message_template_language: options.language ?? 'en_US',
	};
	const value: JsonObject =
		options.shape === 'impending'
			? {
					...base,
					new_category: options.current,
					correct_category: options.correct,
					category_update_timestamp: options.at ?? 1764327600,
				}
			: { ...base, previous_category: options.previous, new_category: options.next };
	return envelope([{ field: 'template_category_update', value }], { time: 1764241200 });
}

export function phoneNumberQualityWebhook(
	options: { event?: string; currentLimit?: string; maxDaily?: string } = {},
): JsonObject {
	const value: JsonObject = {
		display_phone_number: DISPLAY_PHONE_NUMBER,
		event: options.event ?? 'THROUGHPUT_UPGRADE',
		current_limit: options.currentLimit ?? 'TIER_UNLIMITED',
	};
	if (options.maxDaily !== undefined) value.max_daily_conversations_per_business = options.maxDaily;
	return envelope([{ field: 'phone_number_quality_update', value }], { time: 1764241500 });
}

export function accountUpdateWebhook(value: JsonObject): JsonObject {
	return envelope([{ field: 'account_update', value }], { time: 1764241600 });
}

// ---------------------------------------------------------------------------------------------
// Template definitions, as GET /<WABA_ID>/message_templates returns them

/** Marketing, named variables, image header, quick-reply opt-out and a dynamic URL button. */
export function marketingNamedTemplate(): JsonObject {
	return {
		name: 'winter_sale',
		parameter_format: 'NAMED',
		components: [
			{
				type: 'HEADER',
				format: 'IMAGE',
				example: { header_handle: ['https://scontent.whatsapp.net/v/t61/winter.jpg'] },
			},
			{
				type: 'BODY',
				text: 'Hallo {{first_name}}, nur bis {{end_date}}: {{discount}} auf alle Jacken.',
				example: {
					body_text_named_params: [
						{ param_name: 'first_name', example: 'Mia' },
						{ param_name: 'end_date', example: 'Sonntag' },
						{ param_name: 'discount', example: '30 %' },
					],
				},
			},
			{ type: 'FOOTER', text: 'Keine Angebote mehr? Tippe unten.' },
			{
				type: 'BUTTONS',
				buttons: [
					{ type: 'QUICK_REPLY', text: 'Stop promotions' },
					{
						type: 'URL',
						text: 'Zum Shop',
						url: 'https://shop.example.de/sale/{{1}}',
						example: ['https://shop.example.de/sale/winter-2025'],
					},
				],
			},
		],
		language: 'de',
		status: 'APPROVED',
		category: 'MARKETING',
		sub_category: 'CUSTOM',
		id: '1304694804498707',
	};
}

/** Utility, positional variables, text header with a variable, static URL and phone buttons. */
export function utilityPositionalTemplate(): JsonObject {
	return {
		name: 'order_update',
		parameter_format: 'POSITIONAL',
		components: [
			{
				type: 'HEADER',
				format: 'TEXT',
				text: 'Bestellung {{1}}',
				example: { header_text: ['A-1042'] },
			},
			{
				type: 'BODY',
				text: 'Hallo {{1}}, deine Bestellung ist unterwegs und kommt am {{2}}.',
				example: { body_text: [['Mia', '28. November']] },
			},
			{
				type: 'BUTTONS',
				buttons: [
					{ type: 'URL', text: 'Hilfe', url: 'https://shop.example.de/hilfe' },
					{ type: 'PHONE_NUMBER', text: 'Anrufen', phone_number: '+4930901820' },
				],
			},
		],
		language: 'de',
		status: 'APPROVED',
		category: 'UTILITY',
		id: '1387372356726668',
	};
}

/** Authentication with a copy-code OTP button. */
export function authenticationTemplate(): JsonObject {
	return {
		name: 'login_code',
		parameter_format: 'POSITIONAL',
		components: [
			{
				type: 'BODY',
				text: '*{{1}}* ist dein Bestätigungscode.',
				add_security_recommendation: true,
				example: { body_text: [['483920']] },
			},
			{ type: 'FOOTER', text: 'Der Code läuft in 10 Minuten ab.', code_expiration_minutes: 10 },
			{ type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'COPY_CODE', text: 'Code kopieren' }] },
		],
		language: 'de',
		status: 'APPROVED',
		category: 'AUTHENTICATION',
		id: '954638012257287',
	};
}

/** Marketing coupon: location header, copy code and flow buttons, body only named variables. */
export function couponFlowTemplate(): JsonObject {
	return {
		name: 'store_coupon',
		parameter_format: 'NAMED',
		components: [
			{ type: 'HEADER', format: 'LOCATION' },
			{
				type: 'BODY',
				text: '{{first_name}}, dein Gutschein für die Filiale oben.',
				example: { body_text_named_params: [{ param_name: 'first_name', example: 'Mia' }] },
			},
			{
				type: 'BUTTONS',
				buttons: [
					{ type: 'COPY_CODE', example: 'WINTER25' },
					{
						type: 'FLOW',
						text: 'Termin buchen',
						flow_id: '2001183950117',
						flow_action: 'NAVIGATE',
						navigate_screen: 'BOOK',
					},
					{ type: 'QUICK_REPLY', text: 'Kein Interesse' },
				],
			},
		],
		language: 'de',
		status: 'APPROVED',
		category: 'MARKETING',
		id: '1625063511800527',
	};
}

/** A body-only utility template (variables may then be up to 32,768 characters). */
export function bodyOnlyTemplate(): JsonObject {
	return {
		name: 'plain_notice',
		components: [{ type: 'BODY', text: 'Hinweis: {{1}}', example: { body_text: [['Wartung']] } }],
		language: 'de',
		status: 'APPROVED',
		category: 'UTILITY',
		id: '1166414785519855',
	};
}
