/**
 * Contacts writing to a business number (control API): a text (perhaps from an ad), a tap on a
 * quick-reply button of the last template, a row of the last list, a reply button. Each message
 * opens the chat's customer service window and is posted as a messages webhook.
 */
import { randomBytes } from 'node:crypto';
import type { Json } from '../checks/fields';
import type { InteractiveChoice } from '../checks/message';
import { ControlError } from '../controlError';
import type { ResolvedOptions } from '../options';
import type { AccountWebhooks } from './accountWebhooks';
import type { Contacts } from './contacts';
import type { Conversations } from './conversations';
import { chatKey, digitsOf, iso, seconds, wamid } from './format';
import {
	viewOfReceived,
	type MessageLog,
	type ReceivedMessage,
	type ReceivedRecord,
	type SentRecord,
} from './messages';
import type { PhoneNumbers } from './numbers';

export interface InboundOptions {
	/** Milliseconds to backdate the message (its timestamp, and so the window it opens). */
	readonly agoMs?: number;
	/** Which business number the contact writes to. @default the first */
	readonly phoneNumberId?: string;
}

/** What a message from a contact reads and writes. */
export interface InboxParts {
	readonly options: ResolvedOptions;
	readonly numbers: PhoneNumbers;
	readonly contacts: Contacts;
	readonly conversations: Conversations;
	readonly log: MessageLog;
	readonly webhooks: AccountWebhooks;
}

export class Inbox {
	constructor(private readonly parts: InboxParts) {}

	/** The contact sends a text; `fromAd` adds a click-to-WhatsApp referral. */
	say(
		waId: string,
		text: string,
		options: InboundOptions & { fromAd?: boolean } = {},
	): ReceivedMessage {
		if (typeof text !== 'string' || text === '')
			throw new ControlError(400, 'text: give the message text.');
		const referral = options.fromAd
			? {
					source_url: 'https://fb.me/sandbox-ad',
					source_id: '120208112233445566',
					source_type: 'ad',
					body: 'New season, new favourites',
					headline: 'Chat with us on WhatsApp',
					media_type: 'image',
					image_url: 'https://scontent.xx.fbcdn.net/v/t45.1600-4/sandbox-ad.jpg',
					ctwa_clid: `ARA${randomBytes(12).toString('base64url')}`,
					welcome_message: { text: 'Hi! How can we help?' },
				}
			: undefined;
		return this.#receive(waId, options, {
			type: 'text',
			content: { text: { body: text } },
			summary: `text "${text}"${referral ? ' (from an ad)' : ''}`,
			referral,
		});
	}

	/** A tap on a quick-reply button of the last template sent to the contact. */
	tap(waId: string, payloadOrText: string, options: InboundOptions = {}): ReceivedMessage {
		const template = this.parts.log.lastOfKind('template', waId);
		if (!template)
			throw new ControlError(
				404,
				`No template was sent to ${waId} yet, so there is nothing to tap.`,
			);
		const replies = template.quick_replies ?? [];
		const wanted = payloadOrText.toLowerCase();
		const reply =
			replies.find((r) => r.payload === payloadOrText) ??
			replies.find((r) => r.text.toLowerCase() === wanted || r.payload.toLowerCase() === wanted);
		if (!reply) {
			const list = replies.map((r) => `"${r.text}" (payload "${r.payload}")`).join(', ');
			throw new ControlError(
				404,
				`The last template sent to ${waId} (${template.template?.name}, ${template.id}) has no quick-reply button "${payloadOrText}". ${list ? `Its buttons: ${list}.` : 'It has no quick-reply buttons.'}`,
			);
		}
		return this.#receive(
			waId,
			{ ...options, phoneNumberId: template.phone_number_id },
			{
				type: 'button',
				content: { button: { payload: reply.payload, text: reply.text } },
				summary: `tap "${reply.text}" on ${template.template?.name}`,
				context: template,
			},
		);
	}

	/** A choice of a row of the last list message sent to the contact. */
	choose(waId: string, rowId: string, options: InboundOptions = {}): ReceivedMessage {
		return this.#replyToInteractive(waId, rowId, 'list', options);
	}

	/** A press of a reply button of the last button message sent to the contact. */
	press(waId: string, buttonId: string, options: InboundOptions = {}): ReceivedMessage {
		return this.#replyToInteractive(waId, buttonId, 'button', options);
	}

	#replyToInteractive(
		waId: string,
		id: string,
		kind: 'list' | 'button',
		options: InboundOptions,
	): ReceivedMessage {
		const what = kind === 'list' ? 'list message' : 'reply-button message';
		const sent = this.parts.log.lastOfKind(kind, waId);
		if (!sent) throw new ControlError(404, `No ${what} was sent to ${waId} yet.`);
		const choices: readonly InteractiveChoice[] =
			(kind === 'list' ? sent.interactive?.rows : sent.interactive?.buttons) ?? [];
		const choice = choices.find((c) => c.id === id);
		if (!choice) {
			throw new ControlError(
				404,
				`The last ${what} sent to ${waId} (${sent.id}) has no ${kind === 'list' ? 'row' : 'button'} with id "${id}". Ids: ${choices.map((c) => `"${c.id}"`).join(', ')}.`,
			);
		}
		const interactive =
			kind === 'list'
				? { type: 'list_reply', list_reply: { ...choice } }
				: { type: 'button_reply', button_reply: { id: choice.id, title: choice.title } };
		return this.#receive(
			waId,
			{ ...options, phoneNumberId: sent.phone_number_id },
			{
				type: 'interactive',
				content: { interactive },
				summary: `${kind === 'list' ? 'choose' : 'press'} "${choice.title}" (${choice.id})`,
				context: sent,
			},
		);
	}

	#receive(
		waId: string,
		options: InboundOptions,
		message: {
			type: string;
			content: Json;
			summary: string;
			referral?: Json;
			context?: SentRecord;
		},
	): ReceivedMessage {
		const { numbers, contacts, conversations, log, webhooks } = this.parts;
		const contact = contacts.require(waId);
		const phone = numbers.require(options.phoneNumberId);
		const agoMs = options.agoMs ?? 0;
		if (!Number.isFinite(agoMs) || agoMs < 0) {
			throw new ControlError(400, `ago must be 0 or more milliseconds; got ${String(agoMs)}.`);
		}
		const atMs = this.parts.options.clock.now() - agoMs;
		const id = wamid(contact.wa_id, false);
		const wire: Json = {
			...(message.context
				? { context: { from: digitsOf(phone.display_phone_number), id: message.context.id } }
				: {}),
			...(message.referral ? { referral: message.referral } : {}),
			from: contact.wa_id,
			id,
			timestamp: seconds(atMs),
			type: message.type,
			...message.content,
		};
		const record: ReceivedRecord = {
			id,
			from: contact.wa_id,
			phone_number_id: phone.id,
			type: message.type,
			summary: message.summary,
			timestamp: iso(atMs),
			atMs,
			message: wire,
		};
		log.recordReceived(record);
		conversations.inbound(chatKey(phone.id, contact.wa_id), atMs, message.referral !== undefined);
		webhooks.postMessages(
			phone,
			{ contacts: [{ profile: { name: contact.name }, wa_id: contact.wa_id }], messages: [wire] },
			`message from ${contact.wa_id}: ${message.summary}`,
		);
		this.parts.options.log?.(`${contact.wa_id} -> ${phone.id}: ${message.summary} (${id})`);
		return viewOfReceived(record);
	}
}
