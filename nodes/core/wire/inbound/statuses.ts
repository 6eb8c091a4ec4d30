/** Inbound webhook payloads: statuses of outbound messages (see index.ts). */

import { z } from 'zod';

import { obj, openEnum } from '../zod';
import { CallbackDataSchema, IdSchema, UnixSecondsSchema, WhatsAppErrorSchema } from './common';

/**
 * - `type`: regular (billable), free_customer_service, free_entry_point
 * - `category`: marketing, utility, authentication, authentication-international (hyphen here),
 *   marketing_lite, referral_conversion, service
 * - `billable` is deprecated by Meta in favour of type + category
 */
export const PricingSchema = obj({
	billable: z.boolean().optional(),
	pricing_model: openEnum(['PMP', 'CBP']).optional(),
	type: openEnum(['regular', 'free_customer_service', 'free_entry_point']).optional(),
	category: openEnum([
		'marketing',
		'utility',
		'authentication',
		'authentication-international',
		'marketing_lite',
		'referral_conversion',
		'service',
	]).optional(),
});
export type Pricing = z.infer<typeof PricingSchema>;

/** Omitted from v24.0 on unless the message went out in a free entry point window. */
export const ConversationSchema = obj({
	id: z.string().optional(),
	expiration_timestamp: z.union([z.string(), z.number()]).optional(),
	origin: obj({ type: z.string().optional() }).optional(),
});
export type Conversation = z.infer<typeof ConversationSchema>;

export const StatusSchema = obj({
	/** The wamid of our message. */
	id: IdSchema,
	status: openEnum(['sent', 'delivered', 'read', 'played', 'failed']),
	timestamp: UnixSecondsSchema,
	/** Phone number or group id; empty when we sent to a BSUID. */
	recipient_id: IdSchema.optional(),
	/** Set when we sent to the user's BSUID. */
	recipient_user_id: IdSchema.optional(),
	parent_recipient_user_id: IdSchema.optional(),
	recipient_type: z.string().optional(),
	recipient_participant_id: IdSchema.optional(),
	recipient_identity_key_hash: z.string().optional(),
	/** Echo of what we set on send. */
	biz_opaque_callback_data: CallbackDataSchema.optional(),
	conversation: ConversationSchema.optional(),
	pricing: PricingSchema.optional(),
	/** Only on `failed`. */
	errors: z.array(WhatsAppErrorSchema).optional(),
});
export type MessageStatus = z.infer<typeof StatusSchema>;
