/** Inbound webhook payloads: the pieces every payload shares (see index.ts). */

import { z } from 'zod';

import { WireError } from '../wireError';
import { obj } from '../zod';

/**
 * The longest WhatsApp id read (a wamid, phone number id, wa_id, BSUID, group id, account id, or a
 * template's language): Meta's are far shorter (a wamid has about 60 characters). A longer one is
 * not Meta's and would become a huge key in the store's indexes, so its item does not match.
 */
export const MAX_ID_LENGTH = 256;
export const IdSchema = z
	.string()
	.max(MAX_ID_LENGTH, `Longer than ${MAX_ID_LENGTH} characters, so not a WhatsApp id`);
/** Template names have at most 512 characters (Meta's template limits). */
export const TemplateNameSchema = z
	.string()
	.max(512, 'Longer than 512 characters, so not a template name');
/** biz_opaque_callback_data has at most 512 characters (Meta's send reference). */
export const CallbackDataSchema = z
	.string()
	.max(512, 'Longer than 512 characters, so not callback data set on a send');

/** Unix seconds as a string of digits: how Meta sends message and status timestamps. */
export const UnixSecondsSchema = z
	.string()
	.regex(/^\d+$/, 'Expected Unix seconds as a string of digits');

/** Some fields (entry.time, user_preferences, category updates) carry Unix seconds as numbers. */
export const SecondsNumberOrString = z.union([z.number(), UnixSecondsSchema]);

/** Template ids are integers in webhooks and strings in the Graph API. */
export const TemplateIdSchema = z.union([z.number(), z.string()]);

/** An error as Meta puts it in value.errors, messages[].errors and statuses[].errors. */
export const WhatsAppErrorSchema = obj({
	code: z.number(),
	title: z.string().optional(),
	message: z.string().optional(),
	error_data: obj({ details: z.string().optional() }).optional(),
	href: z.string().optional(),
});
export type WhatsAppError = z.infer<typeof WhatsAppErrorSchema>;

/** The business phone number the change is about. */
export const MetadataSchema = obj({
	display_phone_number: IdSchema,
	phone_number_id: IdSchema,
});
export type WebhookMetadata = z.infer<typeof MetadataSchema>;

/**
 * The WhatsApp user. For username adopters `wa_id` may be empty or missing and `user_id` (the
 * business-scoped user id, BSUID) is the only stable identifier.
 */
export const WebhookContactSchema = obj({
	profile: obj({
		name: z.string().optional(),
		username: z.string().optional(),
		country_code: z.string().optional(),
	}).optional(),
	wa_id: IdSchema.optional(),
	user_id: IdSchema.optional(),
	identity_key_hash: z.string().optional(),
});
export type WebhookContact = z.infer<typeof WebhookContactSchema>;

/**
 * Unix seconds, as a string or a number, to milliseconds since the epoch.
 * @throws WireError when the value is not a non-negative number of seconds.
 */
export function toMillis(timestamp: string | number): number {
	const seconds =
		typeof timestamp === 'number'
			? timestamp
			: /^\s*\d+(\.\d+)?\s*$/.test(timestamp)
				? Number(timestamp)
				: Number.NaN;
	if (!Number.isFinite(seconds) || seconds < 0) {
		throw new WireError(
			'timestamp',
			`Timestamp ${JSON.stringify(timestamp)} is not Unix seconds. WhatsApp sends seconds since 1970 as digits, e.g. "1750030073".`,
		);
	}
	return Math.round(seconds * 1000);
}
