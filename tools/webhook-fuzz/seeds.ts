/**
 * The bodies the webhook fuzzer starts from: one of every webhook field and message type the
 * trigger reads, in the shapes of Meta's webhook reference (our own values), plus Meta's 16 webhook
 * examples from its OpenAPI spec when the spec is beside the project (tools/meta-openapi).
 */
import { findMetaSpec, webhookExamples } from '../meta-openapi/source';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const WABA_ID = '318447201993512';
export const PHONE_NUMBER_ID = '774120593381042';
const DISPLAY_PHONE_NUMBER = '4930901820';
const CONTACT = '4915112345678';
const BSUID = 'DE.13491208655302741918';
const TIME = 1764241200;

const metadata = { display_phone_number: DISPLAY_PHONE_NUMBER, phone_number_id: PHONE_NUMBER_ID };

function envelope(field: string, value: JsonObject, time?: number): JsonObject {
	const entry: JsonObject = { id: WABA_ID, changes: [{ field, value }] };
	if (time !== undefined) entry.time = time;
	return { object: 'whatsapp_business_account', entry: [entry] };
}

function messages(...items: JsonObject[]): JsonObject {
	return envelope('messages', {
		messaging_product: 'whatsapp',
		metadata,
		contacts: [{ profile: { name: 'Mia Hoffmann' }, wa_id: CONTACT, user_id: BSUID }],
		messages: items,
	});
}

function message(type: string, content: JsonObject, extra: JsonObject = {}): JsonObject {
	return {
		from: CONTACT,
		from_user_id: BSUID,
		id: 'wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYFDNBRjE5QjQ0RTM1NjA0MkFBAA==',
		timestamp: String(TIME),
		type,
		...content,
		...extra,
	};
}

const referral: JsonObject = {
	source_url: 'https://fb.me/8kLw2qPz',
	source_id: '120228331771420615',
	source_type: 'ad',
	headline: 'Schreib uns',
	media_type: 'image',
	ctwa_clid: 'ARAkQ7vYw0cLx2m8',
	welcome_message: { text: 'Hallo!' },
};

const error131050: JsonObject = {
	code: 131050,
	title: 'Unable to deliver the message',
	message: 'Unable to deliver the message',
	error_data: { details: 'The recipient stopped marketing messages' },
	href: '/documentation/business-messaging/whatsapp/support/error-codes',
};

function status(state: string, extra: JsonObject = {}): JsonObject {
	return envelope('messages', {
		messaging_product: 'whatsapp',
		metadata,
		statuses: [
			{
				id: 'wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEjQ2QjVBMTk0QTM5RkQ3Q0JEAA==',
				status: state,
				timestamp: String(TIME + 5),
				recipient_id: CONTACT,
				...extra,
			},
		],
	});
}

const pricing: JsonObject = {
	billable: true,
	pricing_model: 'PMP',
	type: 'regular',
	category: 'marketing',
};

/** One body of every kind the trigger reads. */
export function ownSeeds(): Array<{ name: string; body: JsonObject }> {
	return [
		{ name: 'text', body: messages(message('text', { text: { body: 'Is the jacket back?' } })) },
		{ name: 'stop', body: messages(message('text', { text: { body: 'STOP' } })) },
		{ name: 'start', body: messages(message('text', { text: { body: 'start bitte' } })) },
		{
			name: 'text from ad',
			body: messages(message('text', { text: { body: 'Hallo' } }, { referral })),
		},
		{
			name: 'image',
			body: messages(
				message('image', {
					image: { id: '1479537139650973', mime_type: 'image/jpeg', sha256: 'abc', caption: 'x' },
				}),
			),
		},
		{
			name: 'document',
			body: messages(
				message('document', {
					document: { id: '1479537139650974', mime_type: 'application/pdf', filename: 'a.pdf' },
				}),
			),
		},
		{
			name: 'location',
			body: messages(
				message('location', { location: { latitude: 52.52, longitude: 13.405, name: 'Berlin' } }),
			),
		},
		{
			name: 'contacts',
			body: messages(
				message('contacts', {
					contacts: [
						{
							name: { formatted_name: 'Jonas Weber', first_name: 'Jonas' },
							phones: [{ phone: '+49 176 12345602', wa_id: '4917612345602', type: 'CELL' }],
						},
					],
				}),
			),
		},
		{
			name: 'button reply',
			body: messages(
				message(
					'interactive',
					{
						interactive: {
							type: 'button_reply',
							button_reply: { id: 'STOP_PROMOTIONS', title: 'Stop promotions' },
						},
					},
					{ context: { from: PHONE_NUMBER_ID, id: 'wamid.ctx1' } },
				),
			),
		},
		{
			name: 'list reply',
			body: messages(
				message('interactive', {
					interactive: {
						type: 'list_reply',
						list_reply: { id: 'row-1', title: 'Size M', description: 'In stock' },
					},
				}),
			),
		},
		{
			name: 'flow reply',
			body: messages(
				message('interactive', {
					interactive: {
						type: 'nfm_reply',
						nfm_reply: { name: 'flow', body: 'Sent', response_json: '{"flow_token":"t-1"}' },
					},
				}),
			),
		},
		{
			name: 'confirmation tap',
			body: messages(
				message(
					'button',
					{ button: { payload: 'CONFIRM_OPT_IN', text: 'Yes, subscribe' } },
					{ context: { from: PHONE_NUMBER_ID, id: 'wamid.ctx2' } },
				),
			),
		},
		{
			name: 'reaction',
			body: messages(message('reaction', { reaction: { message_id: 'wamid.r1', emoji: '👍' } })),
		},
		{
			name: 'order',
			body: messages(
				message('order', {
					order: {
						catalog_id: '194836987003835',
						text: 'Bitte schnell',
						product_items: [
							{ product_retailer_id: 'sku-1', quantity: 2, item_price: 49.9, currency: 'EUR' },
						],
					},
				}),
			),
		},
		{
			name: 'system',
			body: messages(
				message('system', {
					system: {
						body: 'User changed number',
						wa_id: '4915112345679',
						type: 'user_changed_number',
					},
				}),
			),
		},
		{
			name: 'unsupported',
			body: messages(
				message(
					'unsupported',
					{ unsupported: { type: 'edit' } },
					{ errors: [{ code: 131051, title: 'Message type unknown' }] },
				),
			),
		},
		{
			name: 'group message',
			body: messages(
				message('text', { text: { body: 'Hallo Gruppe' } }, { group_id: 'Y2FwaV9ncm91cDox' }),
			),
		},
		{ name: 'sent', body: status('sent', { pricing }) },
		{ name: 'delivered', body: status('delivered', { pricing }) },
		{ name: 'read', body: status('read') },
		{ name: 'failed 131050', body: status('failed', { errors: [error131050] }) },
		{
			name: 'failed 131047',
			body: status('failed', { errors: [{ ...error131050, code: 131047 }] }),
		},
		{
			name: 'status with callback',
			body: status('delivered', {
				pricing,
				biz_opaque_callback_data: 'wa1:7f3c2a9e-1b4d-4c8e-9f2a-3d5b7c9e1f2a|campaign=winter',
			}),
		},
		{
			name: 'value errors',
			body: envelope('messages', {
				messaging_product: 'whatsapp',
				metadata,
				errors: [{ code: 130429, title: 'Rate limit hit', error_data: { details: 'Too many' } }],
			}),
		},
		{
			name: 'user preferences stop',
			body: envelope('user_preferences', {
				messaging_product: 'whatsapp',
				metadata,
				contacts: [{ wa_id: CONTACT }],
				user_preferences: [
					{
						wa_id: CONTACT,
						detail: 'User requested to stop marketing messages',
						category: 'marketing_messages',
						value: 'stop',
						timestamp: TIME + 60,
					},
				],
			}),
		},
		{
			name: 'template status',
			body: envelope(
				'message_template_status_update',
				{
					event: 'APPROVED',
					message_template_id: 1689556908129832,
					message_template_name: 'winter_sale',
					message_template_language: 'de',
					reason: 'NONE',
					message_template_category: 'MARKETING',
				},
				TIME + 100,
			),
		},
		{
			name: 'template quality',
			body: envelope(
				'message_template_quality_update',
				{
					previous_quality_score: 'GREEN',
					new_quality_score: 'YELLOW',
					message_template_id: 1689556908129832,
					message_template_name: 'winter_sale',
					message_template_language: 'de',
				},
				TIME + 200,
			),
		},
		{
			name: 'template category completed',
			body: envelope(
				'template_category_update',
				{
					message_template_id: 278077987957091,
					message_template_name: 'order_update',
					message_template_language: 'en_US',
					previous_category: 'UTILITY',
					new_category: 'MARKETING',
				},
				TIME + 300,
			),
		},
		{
			name: 'phone number quality',
			body: envelope(
				'phone_number_quality_update',
				{
					display_phone_number: DISPLAY_PHONE_NUMBER,
					event: 'FLAGGED',
					current_limit: 'TIER_2K',
					max_daily_conversations_per_business: 'TIER_2K',
				},
				TIME + 400,
			),
		},
		{
			name: 'business capability',
			body: envelope(
				'business_capability_update',
				{
					max_daily_conversations_per_business: 'TIER_10K',
					max_daily_conversation_per_phone: 1000,
					max_phone_numbers_per_business: 2,
				},
				TIME + 500,
			),
		},
		{
			name: 'account update',
			body: envelope(
				'account_update',
				{
					event: 'ACCOUNT_VIOLATION',
					violation_info: { violation_type: 'SCAM' },
					ban_info: { waba_ban_state: 'SCHEDULE_FOR_DISABLE', waba_ban_date: '2025-12-01' },
				},
				TIME + 600,
			),
		},
		{
			name: 'group participants',
			body: envelope(
				'group_participants_update',
				{
					messaging_product: 'whatsapp',
					metadata,
					groups: [
						{
							timestamp: TIME + 700,
							group_id: 'Y2FwaV9ncm91cDox',
							type: 'group_participants_add',
							added_participants: [{ input: CONTACT, wa_id: CONTACT }],
						},
					],
				},
				TIME + 700,
			),
		},
		{
			name: 'unknown field',
			body: envelope('calls', { calls: [{ id: 'c1', event: 'connect' }] }, TIME + 800),
		},
	];
}

/** Meta's own webhook examples (its OpenAPI spec), when the spec is found; [] otherwise. */
export function metaSeeds(): Array<{ name: string; body: JsonObject }> {
	const lookup = findMetaSpec();
	if (!lookup.found) return [];
	return Object.entries(webhookExamples(lookup.spec.document)).map(([name, body]) => ({
		name: `Meta: ${name}`,
		body: body as JsonObject,
	}));
}
