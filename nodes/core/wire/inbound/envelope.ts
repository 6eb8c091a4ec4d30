/** Inbound webhook payloads: the envelope, read change by change (see index.ts). */

import { z } from 'zod';

import {
	countItems,
	countValues,
	cutDeep,
	jsonShape,
	MAX_ITEM_VALUES,
	MAX_JSON_CONTAINERS,
	MAX_WEBHOOK_ITEMS,
	META_MAX_UPDATES,
} from '../bodyLimits';
import { compileCheck, type Check } from '../fastCheck';
import { isRecord, obj, summariseIssues } from '../zod';
import {
	IdSchema,
	SecondsNumberOrString,
	WebhookContactSchema,
	WhatsAppErrorSchema,
} from './common';
import { InboundMessageSchema } from './messages';
import { StatusSchema } from './statuses';
import {
	AccountUpdateValueSchema,
	BusinessCapabilityUpdateValueSchema,
	GroupEventSchema,
	GroupsValueSchema,
	groupsValueShape,
	MessagesValueSchema,
	PhoneNumberQualityUpdateValueSchema,
	TemplateCategoryUpdateValueSchema,
	TemplateQualityUpdateValueSchema,
	TemplateStatusUpdateValueSchema,
	UserPreferenceSchema,
	UserPreferencesValueSchema,
} from './fields';

/** The fields whose values this version parses. Others are kept as kind "other". */
export const CHANGE_VALUE_SCHEMAS = {
	messages: MessagesValueSchema,
	message_template_status_update: TemplateStatusUpdateValueSchema,
	message_template_quality_update: TemplateQualityUpdateValueSchema,
	template_category_update: TemplateCategoryUpdateValueSchema,
	user_preferences: UserPreferencesValueSchema,
	phone_number_quality_update: PhoneNumberQualityUpdateValueSchema,
	account_update: AccountUpdateValueSchema,
	business_capability_update: BusinessCapabilityUpdateValueSchema,
	group_lifecycle_update: GroupsValueSchema,
	group_participants_update: GroupsValueSchema,
	group_settings_update: GroupsValueSchema,
	group_status_update: GroupsValueSchema,
};
export type KnownChangeKind = keyof typeof CHANGE_VALUE_SCHEMAS;

const anyItems = z.array(z.unknown());
const groupItems = {
	header: obj({ ...groupsValueShape, groups: anyItems }),
	lists: { groups: GroupEventSchema },
};

/**
 * The values whose lists are read item by item: the value without its items first (`header`, the
 * value's schema with each list as a list of anything), then each item with its own schema. An
 * item that does not match costs that item alone (UnreadableItem), never its neighbours: one
 * odd status must not cost a thousand others their effects.
 */
const ITEM_LISTS: Partial<
	Record<KnownChangeKind, { header: z.ZodTypeAny; lists: Record<string, z.ZodTypeAny> }>
> = {
	messages: {
		header: MessagesValueSchema.extend({
			contacts: anyItems.optional(),
			messages: anyItems.optional(),
			statuses: anyItems.optional(),
			errors: anyItems.optional(),
		}),
		lists: {
			contacts: WebhookContactSchema,
			messages: InboundMessageSchema,
			statuses: StatusSchema,
			errors: WhatsAppErrorSchema,
		},
	},
	user_preferences: {
		header: UserPreferencesValueSchema.extend({
			contacts: anyItems.optional(),
			user_preferences: anyItems,
		}),
		lists: { contacts: WebhookContactSchema, user_preferences: UserPreferenceSchema },
	},
	group_lifecycle_update: groupItems,
	group_participants_update: groupItems,
	group_settings_update: groupItems,
	group_status_update: groupItems,
};

/** The outer shape, as Meta sends it; change values are checked one by one afterwards. */
export const WebhookEnvelopeSchema = obj({
	object: z.literal('whatsapp_business_account'),
	entry: z.array(z.unknown()),
});
export const WebhookEntrySchema = obj({
	/** The WhatsApp Business Account id. */
	id: IdSchema,
	/** Unix seconds; present on non-message fields. */
	time: SecondsNumberOrString.optional(),
	changes: z.array(z.unknown()),
});
export const WebhookChangeSchema = obj({ field: z.string(), value: z.unknown() });

/**
 * One change after parsing. `kind` says how its value was read: the name of a known field, "other"
 * for a field this version does not parse (value as sent), or "unparsed" for a known field whose
 * value did not match (value as sent, plus what did not match). `field` is always Meta's.
 */
export type KnownWebhookChange = {
	[K in KnownChangeKind]: {
		kind: K;
		field: string;
		/** The value with the items that matched (see ITEM_LISTS). */
		value: z.output<(typeof CHANGE_VALUE_SCHEMAS)[K]>;
		/** The items of the value's lists that did not match, left out of `value`. */
		unreadable?: UnreadableItem[];
		[extra: string]: unknown;
	};
}[KnownChangeKind];

/** An item of a change's list that did not match its schema, kept as received. */
export interface UnreadableItem {
	/** Where it was in the change's value, e.g. "statuses[3]". */
	path: string;
	value: unknown;
	/** What did not match, one line each: "statuses[3].timestamp: Expected Unix seconds...". */
	issues: string[];
}
export interface OtherWebhookChange {
	kind: 'other';
	field: string;
	value: unknown;
	[extra: string]: unknown;
}
export interface UnparsedWebhookChange {
	kind: 'unparsed';
	/** Meta's field, or "" when the change had none. */
	field: string;
	/** The value (or the whole change or entry, when those were malformed) as received. */
	value: unknown;
	/** What did not match, one line each: "messages[0].text.body: Required". */
	issues: string[];
	[extra: string]: unknown;
}
export type WebhookChange = KnownWebhookChange | OtherWebhookChange | UnparsedWebhookChange;
export type MessagesChange = Extract<WebhookChange, { kind: 'messages' }>;

export interface WebhookEntry {
	/** The WhatsApp Business Account id ("" when the entry was malformed). */
	id: string;
	time?: number | string;
	changes: WebhookChange[];
	[extra: string]: unknown;
}

export interface WebhookEnvelope {
	object: 'whatsapp_business_account';
	entry: WebhookEntry[];
	[extra: string]: unknown;
}

export type ParseWebhookResult =
	| { ok: true; envelope: WebhookEnvelope }
	/** tooLarge: more updates or objects than Meta sends in one POST (bodyLimits.ts). */
	| { ok: false; error: string; tooLarge?: true };

/**
 * Reads a webhook body (the parsed JSON, or its raw text / bytes). Never throws.
 *
 * ok=false only when the body is not a WhatsApp envelope at all (answer 400), or holds more than
 * Meta sends in one POST (tooLarge, bodyLimits.ts; counted only for raw text or bytes). Inside a
 * valid envelope nothing is dropped: a malformed entry or change, or a known field whose value
 * does not match, becomes an "unparsed" change carrying the raw value and what did not match; an
 * item of a list (a message, a status...) that does not match becomes an UnreadableItem of its
 * change, and the others are read.
 */
export function parseWebhookEnvelope(body: unknown): ParseWebhookResult {
	try {
		const json = decodeBody(body);
		if (!json.ok) return json;
		if (json.containers !== undefined && json.containers > MAX_JSON_CONTAINERS) {
			return {
				ok: false,
				tooLarge: true,
				error: `The webhook body holds ${json.containers} arrays and objects, more than the ${MAX_JSON_CONTAINERS} accepted (Meta sends at most ${META_MAX_UPDATES} updates of a few each in one POST), so it does not come from Meta.`,
			};
		}
		// Counted before the envelope is read: a list of 200,000 entries costs zod 150 ms.
		if (countItems(json.value) > MAX_WEBHOOK_ITEMS) {
			return {
				ok: false,
				tooLarge: true,
				error: `The webhook body holds more than ${MAX_WEBHOOK_ITEMS} updates and contact cards (Meta sends at most ${META_MAX_UPDATES} updates in one POST), so it does not come from Meta.`,
			};
		}
		const header = read(WebhookEnvelopeSchema, json.value);
		if (!header.ok) return { ok: false, error: describeNonEnvelope(json.value) };
		const entry = header.data.entry.map(parseEntry);
		return { ok: true, envelope: { ...header.data, object: header.data.object, entry } };
	} catch (error) {
		// Only reachable with exotic inputs (throwing getters); JSON never gets here.
		return { ok: false, error: `The webhook body could not be read: ${messageOf(error)}` };
	}
}

/** The body as JSON, with its shape (jsonShape); a deep value is cut (bodyLimits.ts). */
function decodeBody(
	body: unknown,
): { ok: true; value: unknown; containers?: number } | { ok: false; error: string } {
	if (typeof body !== 'string' && !(body instanceof Uint8Array)) return { ok: true, value: body };
	const text =
		typeof body === 'string'
			? body
			: // A view, not a copy: the body may be 3 MB.
				Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return { ok: false, error: 'The webhook body is not JSON.' };
	}
	const shape = jsonShape(text);
	return { ok: true, value: shape.tooDeep ? cutDeep(value) : value, containers: shape.containers };
}

function describeNonEnvelope(value: unknown): string {
	const what = 'Not a WhatsApp webhook';
	if (!isRecord(value)) return `${what}: the body is ${describeType(value)}, not an object.`;
	if (value.object !== 'whatsapp_business_account') {
		return `${what}: "object" is ${JSON.stringify(value.object) ?? 'missing'}, expected "whatsapp_business_account".`;
	}
	return `${what}: "entry" is ${describeType(value.entry)}, expected an array.`;
}

function describeType(value: unknown): string {
	if (value === undefined) return 'missing';
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function parseEntry(raw: unknown): WebhookEntry {
	const header = read(WebhookEntrySchema, raw, 'entry');
	if (!header.ok) {
		const id = isRecord(raw) && typeof raw.id === 'string' ? raw.id : '';
		return { id, changes: [{ kind: 'unparsed', field: '', value: raw, issues: header.issues }] };
	}
	return { ...header.data, changes: header.data.changes.map(parseChange) };
}

function parseChange(raw: unknown): WebhookChange {
	try {
		const header = read(WebhookChangeSchema, raw);
		if (!header.ok) {
			const field = isRecord(raw) && typeof raw.field === 'string' ? raw.field : '';
			return { kind: 'unparsed', field, value: raw, issues: header.issues };
		}
		// Fields of the change itself other than field/value are kept too (not one named like ours).
		const { field, value, ...extra } = header.data;
		delete extra.unreadable;
		const kind = changeKind(field, value);
		if (kind === undefined) return { ...extra, kind: 'other', field, value };
		const items = ITEM_LISTS[kind];
		if (items) return readItems(kind, field, value, extra, items.header, items.lists);
		const parsed = read(CHANGE_VALUE_SCHEMAS[kind], value, '', true);
		if (!parsed.ok) return { ...extra, kind: 'unparsed', field, value, issues: parsed.issues };
		return { ...extra, kind, field, value: parsed.data } as KnownWebhookChange;
	} catch (error) {
		return { kind: 'unparsed', field: '', value: raw, issues: [messageOf(error)] };
	}
}

/** A change whose value's lists are read item by item (ITEM_LISTS). */
function readItems(
	kind: KnownChangeKind,
	field: string,
	value: unknown,
	extra: Record<string, unknown>,
	header: z.ZodTypeAny,
	lists: Record<string, z.ZodTypeAny>,
): WebhookChange {
	const parsed = read(header, value);
	if (!parsed.ok) return { ...extra, kind: 'unparsed', field, value, issues: parsed.issues };
	// A copy: the lists are replaced, and the value as received stays as it was.
	const out: Record<string, unknown> = { ...(parsed.data as Record<string, unknown>) };
	const unreadable: UnreadableItem[] = [];
	for (const [list, schema] of Object.entries(lists)) {
		const received = out[list];
		if (!Array.isArray(received)) continue;
		const kept: unknown[] = [];
		for (let i = 0; i < received.length; i++) {
			const path = `${list}[${i}]`;
			const item = read(schema, received[i], path, true);
			if (item.ok) kept.push(item.data);
			else unreadable.push({ path, value: received[i], issues: item.issues });
		}
		out[list] = kept;
	}
	const change = { ...extra, kind, field, value: out } as KnownWebhookChange;
	if (unreadable.length > 0) change.unreadable = unreadable;
	return change;
}

/**
 * `value` read with `schema`: as it is when the schema's predicate accepts it (fastCheck.ts),
 * else through zod, for zod's output or what did not match (prefixed with `path`).
 */
function read<T extends z.ZodTypeAny>(
	schema: T,
	value: unknown,
	path = '',
	bounded = false,
): { ok: true; data: z.output<T> } | { ok: false; issues: string[] } {
	if (checkOf(schema)?.(value)) return { ok: true, data: value as z.output<T> };
	if (bounded && countValues(value) > MAX_ITEM_VALUES) {
		const where = path || 'value';
		return {
			ok: false,
			issues: [`${where}: More than ${MAX_ITEM_VALUES} values, far more than any update of Meta's`],
		};
	}
	const result = schema.safeParse(value);
	if (result.success) return { ok: true, data: result.data as z.output<T> };
	const issues = summariseIssues(result.error.issues, path);
	if (issues.length <= MAX_ISSUES) return { ok: false, issues };
	return {
		ok: false,
		issues: [...issues.slice(0, MAX_ISSUES), `and ${issues.length - MAX_ISSUES} more`],
	};
}

/** What did not match, at most this many lines for one value (the rest counted). */
export const MAX_ISSUES = 10;

const checks = new Map<z.ZodTypeAny, Check | undefined>();
function checkOf(schema: z.ZodTypeAny): Check | undefined {
	if (!checks.has(schema)) checks.set(schema, compileCheck(schema));
	return checks.get(schema);
}

function changeKind(field: string, value: unknown): KnownChangeKind | undefined {
	// Meta's own reference shows quality updates under this field name; read them by shape.
	if (
		field === 'message_template_status_update' &&
		isRecord(value) &&
		!('event' in value) &&
		'new_quality_score' in value
	) {
		return 'message_template_quality_update';
	}
	return Object.hasOwn(CHANGE_VALUE_SCHEMAS, field) ? (field as KnownChangeKind) : undefined;
}

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
