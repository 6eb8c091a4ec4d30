/**
 * One webhook POST -> a flat list of events, one per message, status, error, template update,
 * user preference, phone number or account update, or unknown change. This is the item shape the
 * Webhook Trigger emits (camelCase, ours); Meta's own object for each event stays under `raw`.
 *
 * normalizeEnvelope never throws and never drops: every entry and change is walked, and a change
 * this version cannot read becomes one event of kind "other" carrying it as sent.
 *
 * - types.ts: the event shape (WhatsAppEvent) and its kinds
 * - normalize.ts: the envelope walked change by change (normalizeEnvelope); account-level fields
 * - messages.ts: the field "messages": inbound messages, statuses, errors
 * - groups.ts: the Groups API fields
 * - read.ts: what every family shares: the base event, its dedupe key, flattening Meta's objects
 */

export {
	type WhatsAppEventKind,
	WHATSAPP_EVENT_KINDS,
	MESSAGE_STATUSES,
	type WhatsAppEventError,
	type WhatsAppEvent,
	type WhatsAppGroupParticipant,
	type WhatsAppGroupSettingUpdate,
	type NormalizeOptions,
} from './types';
export { normalizeEnvelope } from './normalize';
