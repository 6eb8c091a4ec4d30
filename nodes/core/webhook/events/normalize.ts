/** Webhook events: a parsed envelope split into events, change by change (see index.ts). */

import type {
	TemplateCategoryCompleted,
	TemplateCategoryImpending,
	WebhookChange,
	WebhookEntry,
	WebhookEnvelope,
} from '../../wire';
import type { NormalizeOptions, WhatsAppEvent } from './types';
import { messagesEvents } from './messages';
import { groupEvents } from './groups';
import {
	base,
	ContactCards,
	iso,
	keyed,
	nonEmpty,
	optionalMillis,
	otherEvent,
	setContact,
	setIf,
	setMetadata,
	unreadableEvent,
	withTime,
} from './read';

/** Splits a parsed envelope (wire/parseWebhookEnvelope) into events. Never throws. */
export function normalizeEnvelope(
	envelope: WebhookEnvelope,
	options: NormalizeOptions = {},
): WhatsAppEvent[] {
	const events: WhatsAppEvent[] = [];
	for (const entry of envelope.entry ?? []) {
		for (const change of entry.changes ?? []) {
			try {
				normalizeChange(entry, change, options, events);
				if (change.kind !== 'other' && change.kind !== 'unparsed' && change.unreadable) {
					for (const item of change.unreadable) {
						events.push(unreadableEvent(entry, change, item, options));
					}
				}
			} catch (error) {
				// Only a payload the wire schemas let through in an unforeseen shape gets here.
				events.push(
					otherEvent(entry, change, options, [
						`could not be read: ${error instanceof Error ? error.message : String(error)}`,
					]),
				);
			}
		}
	}
	return events;
}

function normalizeChange(
	entry: WebhookEntry,
	change: WebhookChange,
	options: NormalizeOptions,
	out: WhatsAppEvent[],
): void {
	const entryTime = optionalMillis(entry.time);
	switch (change.kind) {
		case 'messages':
			return messagesEvents(entry, change.field, change.value, options, out);
		case 'message_template_status_update': {
			const v = change.value;
			const event = withTime(base('template_status', entry, change.field, v), entryTime);
			event.template = {
				id: String(v.message_template_id),
				name: v.message_template_name,
				language: v.message_template_language,
				event: v.event,
			};
			setIf(event.template, 'reason', v.reason ?? undefined);
			setIf(event.template, 'category', v.message_template_category);
			out.push(keyed(event, options));
			return;
		}
		case 'message_template_quality_update': {
			const v = change.value;
			const event = withTime(base('template_quality', entry, change.field, v), entryTime);
			event.template = {
				id: String(v.message_template_id),
				name: v.message_template_name,
				language: v.message_template_language,
				quality: v.new_quality_score,
			};
			setIf(event.template, 'previousQuality', v.previous_quality_score);
			out.push(keyed(event, options));
			return;
		}
		case 'template_category_update': {
			const v = change.value;
			const event = withTime(base('template_category', entry, change.field, v), entryTime);
			const template: NonNullable<WhatsAppEvent['template']> = {
				id: String(v.message_template_id),
				name: v.message_template_name,
				language: v.message_template_language,
			};
			// Two shapes: a completed change (previous_category) or the 24 h notice (correct_category).
			const completed = v as Partial<TemplateCategoryCompleted>;
			const impending = v as Partial<TemplateCategoryImpending>;
			setIf(template, 'previousCategory', completed.previous_category);
			setIf(template, 'newCategory', v.new_category);
			setIf(template, 'correctCategory', impending.correct_category);
			const at = optionalMillis(impending.category_update_timestamp);
			if (at !== undefined) template.categoryChangesAt = iso(at);
			event.template = template;
			out.push(keyed(event, options));
			return;
		}
		case 'user_preferences': {
			const v = change.value;
			const cards = new ContactCards(v.contacts);
			for (const preference of v.user_preferences) {
				const event = base('user_preference', entry, change.field, preference);
				setMetadata(event, v.metadata);
				const card = cards.find(nonEmpty(preference.wa_id), nonEmpty(preference.user_id));
				setContact(event, nonEmpty(preference.wa_id), nonEmpty(preference.user_id), card);
				event.preference = { category: preference.category, value: preference.value };
				setIf(event.preference, 'detail', preference.detail);
				withTime(event, optionalMillis(preference.timestamp));
				out.push(keyed(event, options));
			}
			return;
		}
		case 'phone_number_quality_update': {
			const v = change.value;
			const event = withTime(base('phone_number_quality', entry, change.field, v), entryTime);
			event.displayPhoneNumber = v.display_phone_number;
			event.phoneNumberQuality = { event: v.event };
			setIf(event.phoneNumberQuality, 'currentLimit', v.current_limit);
			setIf(event.phoneNumberQuality, 'oldLimit', v.old_limit);
			if (v.max_daily_conversations_per_business !== undefined) {
				event.phoneNumberQuality.maxDailyConversations = String(
					v.max_daily_conversations_per_business,
				);
			}
			out.push(keyed(event, options));
			return;
		}
		case 'account_update': {
			const v = change.value;
			const event = withTime(base('account_update', entry, change.field, v), entryTime);
			event.account = { event: v.event };
			setIf(event.account, 'violationType', v.violation_info?.violation_type);
			setIf(event.account, 'banState', v.ban_info?.waba_ban_state);
			setIf(event.account, 'banDate', v.ban_info?.waba_ban_date);
			out.push(keyed(event, options));
			return;
		}
		case 'business_capability_update': {
			const v = change.value;
			const event = withTime(base('business_capability', entry, change.field, v), entryTime);
			event.businessCapability = {};
			const limit = v.max_daily_conversations_per_business ?? v.max_daily_conversation_per_phone;
			if (limit !== undefined) event.businessCapability.maxDailyConversations = String(limit);
			setIf(
				event.businessCapability,
				'maxPhoneNumbersPerBusiness',
				v.max_phone_numbers_per_business,
			);
			setIf(event.businessCapability, 'maxPhoneNumbersPerWaba', v.max_phone_numbers_per_waba);
			out.push(keyed(event, options));
			return;
		}
		case 'group_lifecycle_update':
		case 'group_participants_update':
		case 'group_settings_update':
		case 'group_status_update':
			return groupEvents(entry, change.field, change.value, options, out);
		case 'unparsed':
			out.push(otherEvent(entry, change, options, change.issues));
			return;
		default:
			out.push(otherEvent(entry, change, options));
	}
}
