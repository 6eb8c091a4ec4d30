/**
 * POST /<PHONE_NUMBER_ID>/messages: a send checked and decided as Meta does it, then answered,
 * recorded and followed by its statuses; or a read receipt (with the typing indicator).
 *
 * What the API refuses at once (the request's shape, the throughput, the message, the recipient,
 * the pair limit; unknown numbers and closed windows too when the options say "sync") is an error
 * answer. What Meta only learns later (an unknown number, a stopped contact, the messaging
 * limit...) is accepted and fails in its status.
 */
import { checkMessage, type CheckedMessage } from '../checks/message';
import { checkShape } from '../checks/spec';
import { fitsMessageType } from '../checks/media';
import { countryCodeOf, readRecipient, type Recipient } from '../checks/recipient';
import type { TemplateLookup } from '../checks/template';
import { isObject, type Json } from '../checks/fields';
import { GraphError, objectNotFound, titleOf } from '../graphError';
import type { SendLimits } from '../limits';
import type { ResolvedOptions } from '../options';
import type { Portfolio } from '../portfolio';
import type { SeedPhoneNumber } from '../seedLoader';
import type { Contact, Contacts } from './contacts';
import { pricingOf, type Conversations } from './conversations';
import { chatKey, iso, wamid } from './format';
import type { UploadedMedia } from './media';
import { viewOfSent, type MessageLog, type SentMessage, type SentRecord } from './messages';
import type { PhoneNumbers } from './numbers';
import type { Statuses } from './statuses';
import type { Templates } from './templates';

export interface SendResult {
	readonly response: Json;
	readonly message?: SentMessage;
}

/** What a send reads and writes. */
export interface OutboxParts {
	readonly options: ResolvedOptions;
	readonly numbers: PhoneNumbers;
	readonly contacts: Contacts;
	readonly templates: Templates;
	readonly media: UploadedMedia;
	readonly portfolio: Portfolio;
	readonly conversations: Conversations;
	readonly limits: SendLimits;
	readonly log: MessageLog;
	readonly statuses: Statuses;
}

export class Outbox {
	/**
	 * Accepted sends whose HTTP answer is not sent: the connection is cut after the message was
	 * accepted (its statuses still follow), as when a response is lost or the sender crashes
	 * between request and answer. Set with dropAnswers(); counts down.
	 */
	#answersToDrop = 0;

	constructor(private readonly parts: OutboxParts) {}

	/** The next `count` accepted sends lose their answer (see #answersToDrop). */
	dropAnswers(count: number): number {
		if (!Number.isInteger(count) || count < 0) {
			throw new GraphError(100, `count must be a whole number >= 0; got ${String(count)}.`);
		}
		this.#answersToDrop = count;
		return this.#answersToDrop;
	}

	/** Whether the answer of the send just accepted is to be dropped (and counts it). */
	takeDroppedAnswer(): boolean {
		if (this.#answersToDrop <= 0) return false;
		this.#answersToDrop -= 1;
		return true;
	}

	/** @throws GraphError as Meta would answer. */
	send(phoneNumberId: string, body: unknown): SendResult {
		const { options, numbers, conversations, limits, log, statuses } = this.parts;
		const phone = numbers.get(phoneNumberId);
		if (!phone) throw objectNotFound(phoneNumberId, 'post');
		if (!isObject(body)) throw new GraphError(100, 'The request body must be a JSON object.');
		checkProduct(body);
		checkShape(body);
		if (body.status === 'read' || body.typing_indicator !== undefined) {
			return { response: this.#markRead(phone, body) };
		}
		const now = options.clock.now();
		limits.takeThroughput(phone, now);
		if (body.recipient_type !== undefined && body.recipient_type !== 'individual') {
			throw new GraphError(
				131009,
				`recipient_type: "${String(body.recipient_type)}" is not supported by the sandbox; use "individual".`,
			);
		}
		const recipient = readRecipient(body.to);
		const checked = checkMessage(body, this.#lookup(phone.id));
		const countryCode = countryCodeOf(phone.display_phone_number);
		const target = recipient.international ? recipient.digits : countryCode + recipient.digits;
		if (numbers.isOwn(recipient.digits) || numbers.isOwn(target)) {
			throw new GraphError(131021, `to: ${recipient.input} is a phone number of this business.`);
		}
		const contact = this.parts.contacts.forRecipient(recipient, countryCode);
		const waId = contact?.wa_id ?? target;
		if (!contact && options.undeliverable === 'sync') {
			throw new GraphError(131026, undeliverableDetails(recipient));
		}
		const key = chatKey(phone.id, waId);
		const windowOpen = conversations.windowOpen(key, now);
		const freeForm = checked.type !== 'template';
		if (contact && freeForm && !windowOpen && options.reengagement === 'sync') {
			throw new GraphError(131047, conversations.reengagementDetails(key));
		}
		limits.takePair(phone, waId, now);

		const failure = this.#asyncFailure(phone, contact, recipient, checked, key, now, windowOpen);
		const fep = failure ? undefined : conversations.freeEntryPoint(key, now);
		const category = checked.template?.category;
		const record: SentRecord = {
			id: wamid(waId, true),
			phone_number_id: phone.id,
			to: waId,
			input: String(body.to),
			type: checked.type,
			summary: checked.summary,
			...(checked.template
				? {
						template: {
							name: checked.template.definition.name,
							language: checked.template.definition.language,
							category: checked.template.category,
						},
						rendered: checked.template.rendered,
						quick_replies: checked.template.quickReplies,
					}
				: {}),
			...(checked.interactive ? { interactive: checked.interactive } : {}),
			accepted_at: iso(now),
			atMs: now,
			status: 'accepted',
			statuses: [{ status: 'accepted', at: iso(now) }],
			...(failure ? { failure } : {}),
			...(failure ? {} : { pricing: pricingOf(category, windowOpen, fep !== undefined) }),
			...(fep ? { conversation: { id: fep.id, expiresAtMs: fep.endMs } } : {}),
			window_open: windowOpen,
			free_entry_point: fep !== undefined,
			payload: body,
		};
		log.recordSent(record, checked);
		statuses.follow(record, checked.mediaLinks);
		options.log?.(
			`send ${record.summary} from ${phone.id} to ${waId}: accepted ${record.id}${failure ? ` (will fail with ${failure.code})` : ''}`,
		);
		return {
			response: {
				messaging_product: 'whatsapp',
				contacts: [{ input: record.input, wa_id: waId }],
				messages: [
					{ id: record.id, ...(checked.type === 'template' ? { message_status: 'accepted' } : {}) },
				],
			},
			message: viewOfSent(record),
		};
	}

	#lookup(phoneNumberId: string): TemplateLookup {
		const { templates, media } = this.parts;
		return {
			byName: (name) => templates.byName(name),
			hasMedia: (id) => media.get(id)?.phoneNumberId === phoneNumberId,
		};
	}

	/** The failure Meta would report in a status webhook instead of delivering, if any. */
	#asyncFailure(
		phone: SeedPhoneNumber,
		contact: Contact | undefined,
		recipient: Recipient,
		checked: CheckedMessage,
		key: string,
		now: number,
		windowOpen: boolean,
	): { code: number; details: string } | undefined {
		const { options, conversations, media, log, portfolio } = this.parts;
		if (!contact) return { code: 131026, details: undeliverableDetails(recipient) };
		if (checked.type !== 'template' && !windowOpen) {
			return { code: 131047, details: conversations.reengagementDetails(key) };
		}
		if (checked.mediaId) {
			const uploaded = media.get(checked.mediaId);
			if (uploaded && !fitsMessageType(uploaded.mimeType, checked.type)) {
				return {
					code: 131053,
					details: `Media ${uploaded.id} is ${uploaded.mimeType}; it cannot be sent as ${checked.type}.`,
				};
			}
		}
		if (
			checked.reactionTo &&
			!log.isReactionTarget(phone.id, contact.wa_id, checked.reactionTo, now)
		) {
			return {
				code: 131009,
				details: `reaction.message_id ${checked.reactionTo} is not a message of this chat from the last 30 days (or is itself a reaction).`,
			};
		}
		if (checked.template?.category === 'MARKETING') {
			if (contact.marketing === 'stopped') {
				return { code: 131050, details: titleOf(131050) };
			}
			if (options.usMarketingPaused && contact.country === 'US') {
				return {
					code: 131049,
					details:
						'This message was not delivered to maintain healthy ecosystem engagement. Since 1 April 2025 Meta delivers no marketing templates to WhatsApp users with US phone numbers.',
				};
			}
			const limit = contact.marketing_limit_per_day;
			if (limit !== undefined && log.marketingCount(contact.wa_id, now) >= limit) {
				return {
					code: 131049,
					details: `This message was not delivered to maintain healthy ecosystem engagement: the contact reached the per-user marketing limit (${limit} per 24 hours). Do not resend for at least 24 hours.`,
				};
			}
		}
		// Last: only a message that is delivered reaches a user (Meta counts deliveries).
		if (checked.type === 'template' && !windowOpen) return portfolio.reach(contact.wa_id, now);
		return undefined;
	}

	#markRead(phone: SeedPhoneNumber, body: Json): Json {
		const { options, log } = this.parts;
		if (body.status !== 'read') {
			throw new GraphError(131009, 'status: a typing indicator goes with "status": "read".');
		}
		if (typeof body.message_id !== 'string' || body.message_id === '') {
			throw new GraphError(131008, 'The parameter message_id is required.');
		}
		const message = log.received(body.message_id);
		if (!message || message.phone_number_id !== phone.id) {
			throw new GraphError(
				131009,
				`message_id: ${body.message_id} is not a message received by ${phone.display_phone_number}.`,
			);
		}
		if (body.typing_indicator !== undefined) {
			if (!isObject(body.typing_indicator) || body.typing_indicator.type !== 'text') {
				throw new GraphError(131009, 'typing_indicator: must be { "type": "text" }.');
			}
		}
		log.markRead(message, options.clock.now());
		options.log?.(
			`mark read ${message.id} from ${message.from}${body.typing_indicator ? ' + typing indicator' : ''}`,
		);
		return { success: true };
	}
}

function checkProduct(body: Json): void {
	if (body.messaging_product === undefined) {
		throw new GraphError(100, 'The parameter messaging_product is required.');
	}
	if (body.messaging_product !== 'whatsapp') {
		throw new GraphError(
			100,
			`messaging_product must be "whatsapp"; got ${JSON.stringify(body.messaging_product)}.`,
		);
	}
}

function undeliverableDetails(recipient: Recipient): string {
	return `Message Undeliverable: ${recipient.input} is not a WhatsApp user (not one of the sandbox's contacts). Add it with \`whatsapp-sandbox add-contact\` to message it.`;
}
