/** Webhook events: what every event family shares when reading Meta's objects (see index.ts). */

import { randomUUID } from 'node:crypto';

import {
	toMillis,
	type InboundMessage,
	type UnreadableItem,
	type WebhookChange,
	type WebhookContact,
	type WebhookEntry,
	type WebhookMetadata,
	type WhatsAppError,
} from '../../wire';
import { contentDedupeKey } from '../dedupe';
import type {
	NormalizeOptions,
	WhatsAppEvent,
	WhatsAppEventError,
	WhatsAppEventKind,
} from './types';

/**
 * One item's event, or, should reading it fail in a way the schemas did not foresee, an "other"
 * event for that item alone: its neighbours in the same change are still read.
 */
export function guarded(
	entry: WebhookEntry,
	field: string,
	raw: unknown,
	options: NormalizeOptions,
	read: () => WhatsAppEvent,
): WhatsAppEvent {
	try {
		return read();
	} catch (error) {
		const event = withTime(base('other', entry, field, raw), optionalMillis(entry.time));
		event.issues = [`could not be read: ${error instanceof Error ? error.message : String(error)}`];
		return keyed(event, options);
	}
}

/**
 * An item of a change's list that did not match (a message, a status...): an "other" event of
 * its own, with what did not match; its neighbours are events as usual.
 */
export function unreadableEvent(
	entry: WebhookEntry,
	change: WebhookChange,
	item: UnreadableItem,
	options: NormalizeOptions,
): WhatsAppEvent {
	const event = base('other', entry, change.field, item.value);
	// The value's header was read (ITEM_LISTS): its metadata, when present, matched.
	setMetadata(event, (change.value as { metadata?: WebhookMetadata }).metadata);
	const own = (item.value as { timestamp?: unknown } | null)?.timestamp;
	const ownTime =
		typeof own === 'string' || typeof own === 'number' ? optionalMillis(own) : undefined;
	withTime(event, ownTime ?? optionalMillis(entry.time));
	event.issues = item.issues;
	return keyed(event, options);
}

export function otherEvent(
	entry: WebhookEntry,
	change: WebhookChange,
	options: NormalizeOptions,
	issues?: string[],
): WhatsAppEvent {
	const event = withTime(
		base('other', entry, change.field ?? '', change.value),
		optionalMillis(entry.time),
	);
	if (issues?.length) event.issues = issues;
	return keyed(event, options);
}

export function base(
	kind: WhatsAppEventKind,
	entry: WebhookEntry,
	field: string,
	raw: unknown,
): WhatsAppEvent {
	return { kind, field, businessAccountId: entry.id ?? '', raw, dedupeKey: '' };
}

/** Events without a message or status id are keyed by their content (see dedupe.ts). */
export function keyed(event: WhatsAppEvent, options: NormalizeOptions): WhatsAppEvent {
	try {
		event.dedupeKey = contentDedupeKey({
			field: event.field,
			businessAccountId: event.businessAccountId,
			phoneNumberId: event.phoneNumberId,
			raw: event.raw,
			timeMs: event.timestampMs,
			receivedAt: options.receivedAt,
		});
	} catch {
		// Content that cannot even be serialised (never from JSON): a key of its own, never a duplicate.
		event.dedupeKey = `evt:${event.field}:unreadable:${randomUUID()}`;
	}
	return event;
}

export function withTime(event: WhatsAppEvent, ms: number | undefined): WhatsAppEvent {
	if (ms !== undefined) {
		event.timestamp = iso(ms);
		event.timestampMs = ms;
	}
	return event;
}

export function setMetadata(
	event: WhatsAppEvent,
	metadata: { phone_number_id: string; display_phone_number: string } | undefined,
): void {
	if (!metadata) return;
	setIf(event, 'phoneNumberId', nonEmpty(metadata.phone_number_id));
	setIf(event, 'displayPhoneNumber', nonEmpty(metadata.display_phone_number));
}

export function setContact(
	event: WhatsAppEvent,
	waId: string | undefined,
	userId: string | undefined,
	card: WebhookContact | undefined,
): void {
	const phone = waId ?? nonEmpty(card?.wa_id);
	const bsuid = userId ?? nonEmpty(card?.user_id);
	const contact = phone ?? bsuid;
	if (contact !== undefined) event.contact = contact;
	if (phone !== undefined) event.contactWaId = phone;
	if (bsuid !== undefined) event.contactUserId = bsuid;
	setIf(event, 'contactName', nonEmpty(card?.profile?.name));
	setIf(event, 'username', nonEmpty(card?.profile?.username));
}

/**
 * The contacts[] cards of a change, found by wa_id or user_id: indexed once, so a change with many
 * messages and many cards is not searched card by card for each message.
 */
export class ContactCards {
	private readonly byWaId = new Map<string, number>();
	private readonly byUserId = new Map<string, number>();

	constructor(private readonly cards: readonly WebhookContact[] | undefined) {
		cards?.forEach((card, i) => {
			if (card.wa_id !== undefined && !this.byWaId.has(card.wa_id)) this.byWaId.set(card.wa_id, i);
			if (card.user_id !== undefined && !this.byUserId.has(card.user_id)) {
				this.byUserId.set(card.user_id, i);
			}
		});
	}

	/** The first card with the sender's wa_id or user_id; the only card when Meta sent one without ids. */
	find(waId: string | undefined, userId: string | undefined): WebhookContact | undefined {
		if (!this.cards?.length) return undefined;
		const a = waId === undefined ? undefined : this.byWaId.get(waId);
		const b = userId === undefined ? undefined : this.byUserId.get(userId);
		const first = a === undefined ? b : b === undefined ? a : Math.min(a, b);
		if (first !== undefined) return this.cards[first];
		return this.cards.length === 1 && waId === undefined && userId === undefined
			? this.cards[0]
			: undefined;
	}
}

export function setMedia(
	event: WhatsAppEvent,
	media: { id: string; mime_type?: string; url?: string },
): void {
	event.mediaId = media.id;
	setIf(event, 'mediaMimeType', media.mime_type);
	setIf(event, 'mediaUrl', media.url);
}

export function flattenError(error: WhatsAppError): WhatsAppEventError {
	const out: WhatsAppEventError = { code: error.code };
	setIf(out, 'title', error.title);
	setIf(out, 'message', error.message);
	setIf(out, 'details', error.error_data?.details);
	setIf(out, 'href', error.href);
	return out;
}

export function flattenContext(
	c: NonNullable<InboundMessage['context']>,
): NonNullable<WhatsAppEvent['context']> {
	const out: NonNullable<WhatsAppEvent['context']> = {};
	setIf(out, 'messageId', c.id);
	setIf(out, 'from', c.from);
	setIf(out, 'forwarded', c.forwarded);
	setIf(out, 'frequentlyForwarded', c.frequently_forwarded);
	if (c.referred_product) {
		out.referredProduct = {
			catalogId: c.referred_product.catalog_id,
			productRetailerId: c.referred_product.product_retailer_id,
		};
	}
	return out;
}

export function flattenReferral(
	r: NonNullable<InboundMessage['referral']>,
): NonNullable<WhatsAppEvent['referral']> {
	const out: NonNullable<WhatsAppEvent['referral']> = {};
	setIf(out, 'sourceType', r.source_type);
	setIf(out, 'sourceId', r.source_id);
	setIf(out, 'sourceUrl', r.source_url);
	setIf(out, 'headline', r.headline);
	setIf(out, 'body', r.body);
	setIf(out, 'mediaType', r.media_type);
	setIf(out, 'imageUrl', r.image_url);
	setIf(out, 'videoUrl', r.video_url);
	setIf(out, 'thumbnailUrl', r.thumbnail_url);
	setIf(out, 'ctwaClid', r.ctwa_clid);
	setIf(out, 'welcomeMessage', r.welcome_message?.text);
	return out;
}

export function flowTokenOf(responseJson: string): string | undefined {
	try {
		const parsed: unknown = JSON.parse(responseJson);
		if (typeof parsed === 'object' && parsed !== null) {
			const token = (parsed as Record<string, unknown>).flow_token;
			if (typeof token === 'string') return token;
		}
	} catch {
		// A Flow response that is not JSON keeps only responseJson.
	}
	return undefined;
}

/** Sets `key` only when the value is defined, so absent fields stay absent (no nulls). */
export function setIf<T extends object, K extends keyof T>(
	target: T,
	key: K,
	value: T[K] | undefined | null,
): void {
	if (value !== undefined && value !== null) target[key] = value;
}

export function nonEmpty(value: string | undefined | null): string | undefined {
	return typeof value === 'string' && value !== '' ? value : undefined;
}

export function optionalMillis(value: string | number | undefined | null): number | undefined {
	if (value === undefined || value === null) return undefined;
	try {
		const ms = toMillis(value);
		// Beyond what a Date can hold: no time rather than a failed event.
		return ms <= MAX_DATE_MS ? ms : undefined;
	} catch {
		return undefined;
	}
}

const MAX_DATE_MS = 8.64e15;

export function iso(ms: number): string {
	return new Date(ms).toISOString();
}
