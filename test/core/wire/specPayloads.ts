/**
 * Every payload shape the nodes send to POST /<PHONE_NUMBER_ID>/messages, built by the pack's own
 * builders (nodes/core/wire/outbound/): each free-form type, templates with every component
 * kind, and the read receipt. The contract test checks each against Meta's request schema.
 */
import {
	buildAudioMessage,
	buildContactsMessage,
	buildCtaUrlMessage,
	buildDocumentMessage,
	buildImageMessage,
	buildListMessage,
	buildLocationMessage,
	buildMarkAsRead,
	buildReactionMessage,
	buildReplyButtonsMessage,
	buildStickerMessage,
	buildTemplateMessage,
	buildTextMessage,
	buildTypingIndicator,
	buildVideoMessage,
} from '../../../nodes/core/wire';

const TO = '+4915112345678';
const BSUID = 'US.13491208655302741918';
const WAMID = 'wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYFDNBMDBBQkNERUYwMTIzNDU2Nzg5AA==';
const LINK = 'https://shop.example.com/media/trail-runner.jpg';
const MEDIA_ID = '1013859600285441';

const template = (extra: Partial<Parameters<typeof buildTemplateMessage>[0]>) =>
	buildTemplateMessage({ to: TO, name: 'order_update', language: 'en_US', ...extra });

export function ourPayloads(): Record<string, unknown> {
	return {
		text: buildTextMessage({ to: TO, body: 'Your order has shipped.' }),
		'text with link preview': buildTextMessage({
			to: TO,
			body: 'Track it at https://shop.example.com/t/42',
			preview_url: true,
		}),
		'text as a reply (context)': buildTextMessage({
			to: TO,
			body: 'Yes, it is back.',
			context: { message_id: WAMID },
		}),
		'text with callback data': buildTextMessage({
			to: TO,
			body: 'Hi',
			biz_opaque_callback_data: 'wa1:5f0c2a:campaign-42',
		}),
		'text to a business-scoped user ID': buildTextMessage({ to: BSUID, body: 'Hi' }),
		'image by link with caption': buildImageMessage({ to: TO, link: LINK, caption: 'New colours' }),
		'image by id': buildImageMessage({ to: TO, id: MEDIA_ID }),
		'video by link': buildVideoMessage({ to: TO, link: 'https://shop.example.com/v.mp4' }),
		'video by id with caption': buildVideoMessage({ to: TO, id: MEDIA_ID, caption: 'How to' }),
		'audio by link': buildAudioMessage({ to: TO, link: 'https://shop.example.com/a.ogg' }),
		'voice message by id': buildAudioMessage({ to: TO, id: MEDIA_ID, voice: true }),
		'document by link with filename and caption': buildDocumentMessage({
			to: TO,
			link: 'https://shop.example.com/invoice.pdf',
			filename: 'invoice-42.pdf',
			caption: 'Your invoice',
		}),
		'document by id': buildDocumentMessage({ to: TO, id: MEDIA_ID }),
		'sticker by link': buildStickerMessage({ to: TO, link: 'https://shop.example.com/s.webp' }),
		'sticker by id': buildStickerMessage({ to: TO, id: MEDIA_ID }),
		location: buildLocationMessage({
			to: TO,
			latitude: 52.520008,
			longitude: 13.404954,
			name: 'Shop Berlin',
			address: 'Alexanderplatz 1, 10178 Berlin',
		}),
		'location from numeric strings': buildLocationMessage({
			to: TO,
			latitude: '48.137154',
			longitude: '11.576124',
		}),
		contacts: buildContactsMessage({
			to: TO,
			contacts: [
				{
					name: { formatted_name: 'Mia Hoffmann', first_name: 'Mia', last_name: 'Hoffmann' },
					phones: [
						{ phone: '+49 151 12345678', type: 'CELL', wa_id: '4915112345678' },
						{ phone: '+49 30 901820', type: 'WORK' },
					],
					emails: [{ email: 'mia@example.com', type: 'HOME' }],
					urls: [{ url: 'https://example.com', type: 'WORK' }],
					addresses: [
						{
							street: 'Alexanderplatz 1',
							city: 'Berlin',
							zip: '10178',
							country_code: 'DE',
							type: 'WORK',
						},
					],
					org: { company: 'Example GmbH', title: 'Support' },
					birthday: '1990-05-17',
				},
			],
		}),
		'reply buttons with a text header and footer': buildReplyButtonsMessage({
			to: TO,
			header: { type: 'text', text: 'Delivery' },
			body: 'When should we deliver?',
			footer: 'Reply by tapping a button',
			buttons: [
				{ id: 'slot-am', title: 'Morning' },
				{ id: 'slot-pm', title: 'Afternoon' },
				{ id: 'slot-eve', title: 'Evening' },
			],
		}),
		'reply buttons with an image header by link': buildReplyButtonsMessage({
			to: TO,
			header: { type: 'image', link: LINK },
			body: 'Keep it?',
			buttons: [{ id: 'yes', title: 'Yes' }],
		}),
		'reply buttons with a video header by id': buildReplyButtonsMessage({
			to: TO,
			header: { type: 'video', id: MEDIA_ID },
			body: 'Watch and choose',
			buttons: [{ id: 'ok', title: 'OK' }],
		}),
		'reply buttons with a document header': buildReplyButtonsMessage({
			to: TO,
			header: {
				type: 'document',
				link: 'https://shop.example.com/terms.pdf',
				filename: 'terms.pdf',
			},
			body: 'Do you accept?',
			buttons: [{ id: 'accept', title: 'Accept' }],
		}),
		list: buildListMessage({
			to: TO,
			header: 'Appointments',
			body: 'Pick a time',
			footer: 'Times in CET',
			button: 'Show times',
			sections: [
				{ title: 'Monday', rows: [{ id: 'mon-9', title: '09:00', description: 'Berlin shop' }] },
				{ title: 'Tuesday', rows: [{ id: 'tue-9', title: '09:00' }] },
			],
		}),
		'call to action URL button': buildCtaUrlMessage({
			to: TO,
			body: 'Track your parcel',
			display_text: 'Track',
			url: 'https://shop.example.com/t/42',
			footer: 'Example GmbH',
		}),
		'call to action URL button with an image header': buildCtaUrlMessage({
			to: TO,
			header: { type: 'image', link: LINK },
			body: 'New in',
			display_text: 'Shop now',
			url: 'https://shop.example.com/new',
		}),
		reaction: buildReactionMessage({ to: TO, message_id: WAMID, emoji: '👍' }),
		'reaction removed': buildReactionMessage({ to: TO, message_id: WAMID, emoji: '' }),
		'mark as read': buildMarkAsRead({ message_id: WAMID }),
		'mark as read with typing indicator': buildTypingIndicator({ message_id: WAMID }),
		'template without variables': buildTemplateMessage({
			to: TO,
			name: 'hello_world',
			language: 'en_US',
		}),
		'template: positional body': template({ body: ['Mia', '42'] }),
		'template: named body': template({ body: { first_name: 'Mia', order_id: '42' } }),
		'template: body currency and date_time': template({
			body: [
				{ type: 'currency', code: 'EUR', amount: 12.5, fallback_value: '12,50 €' },
				{ type: 'date_time', fallback_value: '28. November 2025' },
			],
		}),
		'template: text header, positional': template({ header: { type: 'text', text: 'Mia' } }),
		'template: text header, named': template({
			header: { type: 'text', text: 'Mia', parameter_name: 'first_name' },
		}),
		'template: image header by link': template({ header: { type: 'image', link: LINK } }),
		'template: image header by id': template({ header: { type: 'image', id: MEDIA_ID } }),
		'template: video header': template({
			header: { type: 'video', link: 'https://shop.example.com/v.mp4' },
		}),
		'template: document header with filename': template({
			header: {
				type: 'document',
				link: 'https://shop.example.com/invoice.pdf',
				filename: 'invoice-42.pdf',
			},
		}),
		'template: location header': template({
			header: {
				type: 'location',
				latitude: 52.52,
				longitude: 13.405,
				name: 'Shop',
				address: 'Berlin',
			},
		}),
		'template: quick reply button payload': template({
			buttons: [{ sub_type: 'quick_reply', index: 0, payload: 'stop-promotions' }],
		}),
		'template: URL button suffix (and one-time password)': template({
			buttons: [{ sub_type: 'url', index: 1, text: 'order-42' }],
		}),
		'template: copy code button': template({
			buttons: [{ sub_type: 'copy_code', index: 0, coupon_code: 'SPRING25' }],
		}),
		'template: flow button': template({
			buttons: [
				{
					sub_type: 'flow',
					index: 0,
					flow_token: 'booking-42',
					flow_action_data: { shop: 'berlin' },
				},
			],
		}),
		'template: every component kind with callback data and a reply': template({
			header: { type: 'image', link: LINK },
			body: ['Mia', '42'],
			buttons: [
				{ sub_type: 'quick_reply', index: 0, payload: 'yes' },
				{ sub_type: 'url', index: 1, text: 'order-42' },
			],
			biz_opaque_callback_data: 'wa1:5f0c2a:order-42',
			context: { message_id: WAMID },
		}),
	};
}
