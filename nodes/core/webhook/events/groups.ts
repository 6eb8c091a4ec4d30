/** Webhook events of the Groups API fields (see index.ts). */

import type { GroupEvent, GroupParticipant, GroupsValue, WebhookEntry } from '../../wire';
import type {
	NormalizeOptions,
	WhatsAppEvent,
	WhatsAppGroupParticipant,
	WhatsAppGroupSettingUpdate,
} from './types';
import {
	base,
	flattenError,
	keyed,
	nonEmpty,
	optionalMillis,
	setContact,
	setIf,
	setMetadata,
	withTime,
} from './read';

/** One event per entry of `groups`, keyed by its content and time (group events have no id). */
export function groupEvents(
	entry: WebhookEntry,
	field: string,
	value: GroupsValue,
	options: NormalizeOptions,
	out: WhatsAppEvent[],
): void {
	const entryTime = optionalMillis(entry.time);
	for (const raw of value.groups) {
		const event = base('group', entry, field, raw);
		setMetadata(event, value.metadata);
		setIf(event, 'groupId', nonEmpty(raw.group_id));
		event.group = readGroup(raw);
		const joining = nonEmpty(raw.wa_id);
		if (joining !== undefined) setContact(event, joining, undefined, undefined);
		if (raw.errors?.length) event.errors = raw.errors.map(flattenError);
		withTime(event, optionalMillis(raw.timestamp) ?? entryTime);
		out.push(keyed(event, options));
	}
}

function readGroup(raw: GroupEvent): NonNullable<WhatsAppEvent['group']> {
	const group: NonNullable<WhatsAppEvent['group']> = { type: raw.type };
	setIf(group, 'requestId', raw.request_id);
	setIf(group, 'subject', raw.subject);
	setIf(group, 'description', raw.description);
	setIf(group, 'inviteLink', raw.invite_link);
	setIf(group, 'joinApprovalMode', raw.join_approval_mode);
	setIf(group, 'reason', raw.reason);
	setIf(group, 'initiatedBy', raw.initiated_by);
	setIf(group, 'joinRequestId', raw.join_request_id);
	setIf(group, 'addedParticipants', raw.added_participants?.map(participant));
	setIf(group, 'removedParticipants', raw.removed_participants?.map(participant));
	setIf(group, 'failedParticipants', raw.failed_participants?.map(participant));
	setIf(group, 'subjectUpdate', settingUpdate(raw.group_subject));
	setIf(group, 'descriptionUpdate', settingUpdate(raw.group_description));
	setIf(group, 'pictureUpdate', settingUpdate(raw.profile_picture));
	return group;
}

export function participant(raw: GroupParticipant): WhatsAppGroupParticipant {
	const out: WhatsAppGroupParticipant = {};
	// Meta's own examples send the numbers as JSON numbers; they are phone numbers (text).
	if (raw.input !== undefined) out.input = String(raw.input);
	if (raw.wa_id !== undefined) out.waId = String(raw.wa_id);
	setIf(out, 'userId', nonEmpty(raw.user_id));
	if (raw.errors?.length) out.errors = raw.errors.map(flattenError);
	return out;
}

function settingUpdate(raw: GroupEvent['group_subject']): WhatsAppGroupSettingUpdate | undefined {
	if (!raw) return undefined;
	const out: WhatsAppGroupSettingUpdate = {};
	setIf(out, 'text', raw.text);
	setIf(out, 'mimeType', raw.mime_type);
	setIf(out, 'sha256', raw.sha256);
	setIf(out, 'successful', raw.update_successful);
	if (raw.errors?.length) out.errors = raw.errors.map(flattenError);
	return out;
}
