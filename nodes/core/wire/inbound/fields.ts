/** Inbound webhook payloads: change values, one schema per webhook field (see index.ts). */

import { z } from 'zod';

import { obj, openEnum } from '../zod';
import {
	IdSchema,
	MetadataSchema,
	SecondsNumberOrString,
	TemplateIdSchema,
	TemplateNameSchema,
	WebhookContactSchema,
	WhatsAppErrorSchema,
	type WebhookMetadata,
} from './common';
import { InboundMessageSchema } from './messages';
import { StatusSchema } from './statuses';

/** field "messages": inbound messages, statuses of ours, or system/app/account errors. */
export const MessagesValueSchema = obj({
	messaging_product: z.string().optional(),
	metadata: MetadataSchema,
	contacts: z.array(WebhookContactSchema).optional(),
	messages: z.array(InboundMessageSchema).optional(),
	statuses: z.array(StatusSchema).optional(),
	errors: z.array(WhatsAppErrorSchema).optional(),
});
export type MessagesValue = z.infer<typeof MessagesValueSchema>;

const TemplateCategoryNameSchema = openEnum(['MARKETING', 'UTILITY', 'AUTHENTICATION']);

export const TemplateStatusUpdateValueSchema = obj({
	event: openEnum([
		'APPROVED',
		'ARCHIVED',
		'DELETED',
		'DISABLED',
		'FLAGGED',
		'IN_APPEAL',
		'LIMIT_EXCEEDED',
		'LOCKED',
		'PAUSED',
		'PENDING',
		'PENDING_DELETION',
		'REINSTATED',
		'REJECTED',
	]),
	message_template_id: TemplateIdSchema,
	message_template_name: TemplateNameSchema,
	message_template_language: IdSchema,
	/** Null when the template is scheduled for deletion. */
	reason: z.string().nullable().optional(),
	message_template_category: TemplateCategoryNameSchema.optional(),
	disable_info: obj({ disable_date: z.union([z.number(), z.string()]).optional() }).optional(),
	other_info: obj({
		title: openEnum([
			'FIRST_PAUSE',
			'SECOND_PAUSE',
			'RATE_LIMITING_PAUSE',
			'UNPAUSE',
			'DISABLED',
		]).optional(),
		description: z.string().optional(),
	}).optional(),
	rejection_info: obj({
		reason: z.string().optional(),
		recommendation: z.string().optional(),
	}).optional(),
});
export type TemplateStatusUpdateValue = z.infer<typeof TemplateStatusUpdateValueSchema>;

export const QualityScoreSchema = openEnum(['GREEN', 'YELLOW', 'RED', 'UNKNOWN']);
export const TemplateQualityUpdateValueSchema = obj({
	previous_quality_score: QualityScoreSchema.optional(),
	new_quality_score: QualityScoreSchema,
	message_template_id: TemplateIdSchema,
	message_template_name: TemplateNameSchema,
	message_template_language: IdSchema,
});
export type TemplateQualityUpdateValue = z.infer<typeof TemplateQualityUpdateValueSchema>;

const categoryUpdateBase = {
	message_template_id: TemplateIdSchema,
	message_template_name: TemplateNameSchema,
	message_template_language: IdSchema,
};
/** Sent 24 h ahead: `new_category` is the CURRENT category, `correct_category` the coming one. */
export const TemplateCategoryImpendingSchema = obj({
	...categoryUpdateBase,
	correct_category: TemplateCategoryNameSchema,
	new_category: TemplateCategoryNameSchema.optional(),
	category_update_timestamp: SecondsNumberOrString.optional(),
});
/** Sent when the change took effect. */
export const TemplateCategoryCompletedSchema = obj({
	...categoryUpdateBase,
	previous_category: TemplateCategoryNameSchema,
	new_category: TemplateCategoryNameSchema,
});
export const TemplateCategoryUpdateValueSchema = z.union([
	TemplateCategoryImpendingSchema,
	TemplateCategoryCompletedSchema,
]);
export type TemplateCategoryImpending = z.infer<typeof TemplateCategoryImpendingSchema>;
export type TemplateCategoryCompleted = z.infer<typeof TemplateCategoryCompletedSchema>;
export type TemplateCategoryUpdateValue = z.infer<typeof TemplateCategoryUpdateValueSchema>;

/** The user stopped or resumed marketing messages in WhatsApp's own settings. */
export const UserPreferenceSchema = obj({
	wa_id: IdSchema.optional(),
	user_id: IdSchema.optional(),
	detail: z.string().optional(),
	category: openEnum(['marketing_messages']),
	value: openEnum(['stop', 'resume']),
	timestamp: SecondsNumberOrString,
});
export type UserPreference = z.infer<typeof UserPreferenceSchema>;
export const UserPreferencesValueSchema = obj({
	messaging_product: z.string().optional(),
	metadata: MetadataSchema.optional(),
	contacts: z.array(WebhookContactSchema).optional(),
	user_preferences: z.array(UserPreferenceSchema),
});
export type UserPreferencesValue = z.infer<typeof UserPreferencesValueSchema>;

/**
 * Tier values: TIER_50 ... TIER_100K, TIER_UNLIMITED, TIER_NOT_SET. FLAGGED / UNFLAGGED (a number
 * rated low, and its recovery) and DOWNGRADE / UPGRADE (a limit change) are the events Meta sent
 * before October 2025.
 */
export const PhoneNumberQualityUpdateValueSchema = obj({
	display_phone_number: IdSchema,
	event: openEnum([
		'ONBOARDING',
		'THROUGHPUT_UPGRADE',
		'FLAGGED',
		'UNFLAGGED',
		'DOWNGRADE',
		'UPGRADE',
	]),
	/** Slated for removal (Feb 2026): use max_daily_conversations_per_business. */
	current_limit: z.string().optional(),
	old_limit: z.string().optional(),
	max_daily_conversations_per_business: z.union([z.string(), z.number()]).optional(),
});
export type PhoneNumberQualityUpdateValue = z.infer<typeof PhoneNumberQualityUpdateValueSchema>;

/**
 * A capability of the business portfolio or account changed, e.g. its messaging limit:
 * `max_daily_conversations_per_business` (a tier name such as "TIER_2K", or a number in Meta's
 * example) replaces `max_daily_conversation_per_phone` (an integer, -1 for unlimited; removed in
 * February 2026).
 */
export const BusinessCapabilityUpdateValueSchema = obj({
	max_daily_conversations_per_business: z.union([z.string(), z.number()]).optional(),
	max_daily_conversation_per_phone: z.number().optional(),
	max_phone_numbers_per_business: z.number().optional(),
	max_phone_numbers_per_waba: z.number().optional(),
});
export type BusinessCapabilityUpdateValue = z.infer<typeof BusinessCapabilityUpdateValueSchema>;

export const AccountUpdateValueSchema = obj({
	event: openEnum([
		'ACCOUNT_DELETED',
		'ACCOUNT_VIOLATION',
		'AD_ACCOUNT_LINKED',
		'AUTH_INTL_PRICE_ELIGIBILITY_UPDATE',
		'BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE',
		'DISABLED_UPDATE',
		'MM_LITE_TERMS_SIGNED',
		'PARTNER_ADDED',
		'PARTNER_APP_INSTALLED',
		'PARTNER_APP_UNINSTALLED',
		'PARTNER_CLIENT_CERTIFICATION_STATUS_UPDATE',
	]),
	violation_info: obj({ violation_type: z.string().optional() }).optional(),
	ban_info: obj({
		waba_ban_state: openEnum(['DISABLE', 'REINSTATE', 'SCHEDULE_FOR_DISABLE']).optional(),
		waba_ban_date: z.string().optional(),
	}).optional(),
	waba_info: obj({
		waba_id: z.string().optional(),
		owner_business_id: z.string().optional(),
		ad_account_linked: z.string().optional(),
		partner_app_id: z.string().optional(),
		solution_id: z.string().optional(),
		solution_partner_business_ids: z.array(z.string()).optional(),
	}).optional(),
	country: z.string().optional(),
});
export type AccountUpdateValue = z.infer<typeof AccountUpdateValueSchema>;

/** A participant of a Groups API event; Meta's examples send the phone numbers as numbers too. */
const GroupParticipantSchema = obj({
	input: z.union([z.string(), z.number()]).optional(),
	wa_id: z.union([z.string(), z.number()]).optional(),
	user_id: z.string().optional(),
	errors: z.array(WhatsAppErrorSchema).optional(),
});

/** One group setting a group_settings_update changed (or failed to change). */
const GroupSettingSchema = obj({
	text: z.string().optional(),
	mime_type: z.string().optional(),
	sha256: z.string().optional(),
	update_successful: z.boolean().optional(),
	errors: z.array(WhatsAppErrorSchema).optional(),
});

/**
 * One event of the Groups API (groups/webhooks): a group created or deleted
 * (group_lifecycle_update), participants added, removed, leaving or asking to join
 * (group_participants_update), subject, description or picture changed (group_settings_update),
 * a group suspended or cleared (group_status_update).
 */
export const GroupEventSchema = obj({
	timestamp: SecondsNumberOrString.optional(),
	group_id: IdSchema.optional(),
	type: openEnum([
		'group_create',
		'group_delete',
		'group_participants_add',
		'group_participants_remove',
		'group_join_request_created',
		'group_join_request_revoked',
		'group_settings_update',
		'group_suspend',
		'group_suspend_cleared',
	]),
	request_id: z.string().optional(),
	subject: z.string().optional(),
	description: z.string().optional(),
	invite_link: z.string().optional(),
	join_approval_mode: z.string().optional(),
	reason: z.string().optional(),
	initiated_by: z.string().optional(),
	join_request_id: z.string().optional(),
	wa_id: z.string().optional(),
	added_participants: z.array(GroupParticipantSchema).optional(),
	removed_participants: z.array(GroupParticipantSchema).optional(),
	failed_participants: z.array(GroupParticipantSchema).optional(),
	profile_picture: GroupSettingSchema.optional(),
	group_subject: GroupSettingSchema.optional(),
	group_description: GroupSettingSchema.optional(),
	errors: z.array(WhatsAppErrorSchema).optional(),
});
export type GroupEvent = z.infer<typeof GroupEventSchema>;
export type GroupParticipant = z.infer<typeof GroupParticipantSchema>;
export interface GroupsValue {
	messaging_product?: string;
	metadata?: WebhookMetadata;
	groups: GroupEvent[];
	[extra: string]: unknown;
}
export const groupsValueShape = {
	messaging_product: z.string().optional(),
	metadata: MetadataSchema.optional(),
};
// Annotated: the inferred type of the field table would be too long for declaration files.
export const GroupsValueSchema: z.ZodType<GroupsValue, z.ZodTypeDef, unknown> = obj({
	...groupsValueShape,
	groups: z.array(GroupEventSchema),
});
