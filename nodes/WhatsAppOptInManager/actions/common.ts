import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import {
	NodeOperationError,
	type IDataObject,
	type IDisplayOptions,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import { MINUTE } from '../../core/clock';
import {
	ALL_PURPOSES,
	MARKETING,
	TRANSACTIONAL,
	type ConsentAction,
	type ConsentEvent,
	type ConsentEventInput,
	type ConsentEvidence,
	type ConsentSource,
	type Purpose,
} from '../../core/model';
import type { ConsentStore, SnapshotStore } from '../../core/store/types';
import { defaultCountryOption } from '../../shared/descriptions';
import { resolveRecipient } from '../../shared/recipient';

// ---- descriptions ----

/** Adds "show only for this resource and these operations" to every property. */
export function showFor(
	resource: string,
	operations: string[],
	properties: INodeProperties[],
): INodeProperties[] {
	return properties.map((property) => {
		const displayOptions: IDisplayOptions = {
			...property.displayOptions,
			show: { resource: [resource], operation: operations, ...property.displayOptions?.show },
		};
		return { ...property, displayOptions };
	});
}

export const contactProperty: INodeProperties = {
	displayName: 'Contact',
	name: 'contact',
	type: 'string',
	default: '',
	required: true,
	placeholder: 'e.g. +49 151 23456789',
	description:
		"The contact's phone number in any common format (with Default Country for numbers without a country code), or their business-scoped user ID",
};

export const purposesProperty: INodeProperties = {
	displayName: 'Purposes',
	name: 'purposes',
	type: 'multiOptions',
	options: [
		{
			name: 'Marketing',
			value: MARKETING,
			description: 'Offers, news and reminders: marketing templates',
		},
		{
			name: 'Transactional',
			value: TRANSACTIONAL,
			description: 'Order updates, appointments and account messages: utility templates',
		},
	],
	default: [MARKETING],
	description: 'What the contact agrees to (or withdraws) besides the topics below',
};

export const topicsProperty: INodeProperties = {
	displayName: 'Topics',
	name: 'topics',
	type: 'string',
	default: '',
	placeholder: 'e.g. back_in_stock, price_drop',
	description:
		'Your own consent topics, separated by commas; a marketing template with a topic needs the opt-in to that topic',
};

export const SOURCE_OPTIONS = [
	{ name: 'API', value: 'api' },
	{ name: 'Checkout', value: 'checkout' },
	{ name: 'Import', value: 'import' },
	{ name: 'Paper', value: 'paper' },
	{ name: 'Web Form', value: 'web_form' },
	{ name: 'WhatsApp', value: 'whatsapp' },
];

export function sourceProperty(defaultSource: string, description: string): INodeProperties {
	return {
		displayName: 'Source',
		name: 'source',
		type: 'options',
		options: SOURCE_OPTIONS,
		default: defaultSource,
		description,
	};
}

export const evidenceProperty: INodeProperties = {
	displayName: 'Evidence',
	name: 'evidence',
	type: 'collection',
	placeholder: 'Add Evidence',
	default: {},
	description: 'Proof kept with the change in the history (GDPR Article 7)',
	options: [
		{
			displayName: 'Form URL',
			name: 'url',
			type: 'string',
			default: '',
			placeholder: 'e.g. https://shop.example.com/newsletter',
			description: 'The page where the contact gave or withdrew consent',
		},
		{
			displayName: 'IP Address',
			name: 'ip',
			type: 'string',
			default: '',
			placeholder: 'e.g. 203.0.113.7',
		},
		{
			displayName: 'Message ID',
			name: 'messageId',
			type: 'string',
			default: '',
			placeholder: 'e.g. wamid.HBgLNDkxNTEyMzQ1Njc4FQIAEhgg',
			description: 'The WhatsApp message that carried the opt-in, confirmation or opt-out',
		},
		{
			displayName: 'Note',
			name: 'note',
			type: 'string',
			default: '',
			placeholder: 'e.g. form v3, paper form #1234',
			description: 'Anything else worth keeping as proof',
		},
		{
			displayName: 'User Agent',
			name: 'userAgent',
			type: 'string',
			default: '',
			placeholder: 'e.g. Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)',
		},
	],
};

export function timeOption(description: string): INodeProperties {
	return {
		displayName: 'Time',
		name: 'time',
		type: 'dateTime',
		default: '',
		description: `${description}; leave empty for now; of two changes, the later one decides`,
	};
}

/**
 * The "Options" collection of an operation: Default Country plus `more`, alphabetised by display
 * name (n8n's rule for optional fields).
 */
export function countryOptions(...more: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [defaultCountryOption, ...more].sort((a, b) =>
			a.displayName.localeCompare(b.displayName),
		),
	};
}

// ---- reading items ----

/** A per-item problem, said the way toNodeError says it: "[item N] what", description: how to fix. */
export function itemError(
	ctx: IExecuteFunctions,
	itemIndex: number,
	message: string,
	description?: string,
): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), `[item ${itemIndex}] ${message}`, {
		itemIndex,
		description,
	});
}

export interface Contact {
	/** The store key: E.164 digits (Meta's wa_id) or a business-scoped user ID. */
	contact: string;
	/** E.164 with "+", for phone numbers. */
	phone?: string;
}

/**
 * The contact parameter: a phone number in any common format (national ones with Default
 * Country) or a business-scoped user ID, keyed exactly as the send nodes key it.
 */
export function readContact(ctx: IExecuteFunctions, itemIndex: number): Contact {
	const defaultCountry = String(
		ctx.getNodeParameter('options.defaultCountry', itemIndex, '') ?? '',
	);
	const recipient = resolveRecipient(
		ctx.getNodeParameter('contact', itemIndex, ''),
		defaultCountry,
	);
	return recipient.field === 'to'
		? { contact: recipient.contact, phone: recipient.address }
		: { contact: recipient.contact };
}

const TOPIC_MAX_LENGTH = 64;

/** Splits "a, b" into topics; "*" and empty names are refused. */
export function parseTopics(
	ctx: IExecuteFunctions,
	itemIndex: number,
	value: unknown,
	field: string,
): Purpose[] {
	const list = Array.isArray(value) ? value.map(String) : [String(value ?? '')];
	const topics = list
		.flatMap((t) => t.split(','))
		.map((t) => t.trim())
		.filter((t) => t !== '');
	for (const topic of topics) {
		if (topic === ALL_PURPOSES) {
			throw itemError(
				ctx,
				itemIndex,
				`${field}: "*" is not a topic`,
				'To withdraw everything use Opt Out with "All Purposes"; otherwise name the topics, e.g. back_in_stock.',
			);
		}
		if (topic.length > TOPIC_MAX_LENGTH) {
			throw itemError(
				ctx,
				itemIndex,
				`${field}: the topic "${topic.slice(0, 20)}..." is ${topic.length} characters long; the limit is ${TOPIC_MAX_LENGTH}`,
				'Use a short name such as back_in_stock.',
			);
		}
	}
	return topics;
}

/**
 * Purposes (multi-select, or a comma-separated text from an expression) plus Topics
 * (comma-separated), without repeats; at least one.
 */
export function readPurposes(ctx: IExecuteFunctions, itemIndex: number): Purpose[] {
	const chosen = parseTopics(
		ctx,
		itemIndex,
		ctx.getNodeParameter('purposes', itemIndex, []),
		'Purposes',
	);
	const topics = parseTopics(
		ctx,
		itemIndex,
		ctx.getNodeParameter('topics', itemIndex, ''),
		'Topics',
	);
	const purposes = [...new Set([...chosen, ...topics])];
	if (purposes.length === 0) {
		throw itemError(
			ctx,
			itemIndex,
			'No purpose given: Purposes and Topics are both empty',
			'Choose Marketing or Transactional under Purposes, or name a topic under Topics.',
		);
	}
	return purposes;
}

export function readSource(
	ctx: IExecuteFunctions,
	itemIndex: number,
	fallback: string,
): ConsentSource {
	const source = String(ctx.getNodeParameter('source', itemIndex, fallback) ?? '').trim();
	if (source === '') {
		throw itemError(
			ctx,
			itemIndex,
			'Source is empty',
			'Say where the change came from, e.g. web_form, checkout, whatsapp, paper or import.',
		);
	}
	return source;
}

export function readText(
	ctx: IExecuteFunctions,
	itemIndex: number,
	name: string,
): string | undefined {
	const value = ctx.getNodeParameter(name, itemIndex, '') as unknown;
	const text = value === undefined || value === null ? '' : String(value).trim();
	return text === '' ? undefined : text;
}

export function readEvidence(
	ctx: IExecuteFunctions,
	itemIndex: number,
): ConsentEvidence | undefined {
	const raw = (ctx.getNodeParameter('evidence', itemIndex, {}) ?? {}) as IDataObject;
	const evidence: ConsentEvidence = {};
	for (const key of ['url', 'ip', 'userAgent', 'messageId', 'note'] as const) {
		const value = raw[key];
		if (value !== undefined && value !== null && String(value).trim() !== '') {
			evidence[key] = String(value).trim();
		}
	}
	return Object.keys(evidence).length > 0 ? evidence : undefined;
}

/** Clock skew allowed for times in the future (another machine's clock). */
const FUTURE_TOLERANCE_MS = 5 * MINUTE;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
/** Numbers below this are Unix seconds (1e11 s is the year 5138, 1e11 ms is 1973). */
const SECONDS_BELOW = 1e11;

/**
 * Reads a time: ISO 8601 (a time without offset is in the workflow's time zone), RFC 2822, HTTP or
 * SQL dates, a Date or Luxon DateTime from an expression, or epoch milliseconds or seconds.
 * Undefined when empty.
 */
export function parseTime(value: unknown, zone: string): number | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	if (value instanceof Date) return finite(value.getTime());
	if (DateTime.isDateTime(value)) return finite(value.toMillis());
	if (typeof value === 'number') return finite(value < SECONDS_BELOW ? value * 1000 : value);
	const text = String(value).trim();
	if (text === '') return undefined;
	if (/^\d+(\.\d+)?$/.test(text)) return parseTime(Number(text), zone);
	// ISO 8601 with a zone needs no time zone rules: Date.parse reads it exactly, at a tenth of
	// Luxon's cost (imports parse one time per row).
	if (ISO_WITH_ZONE.test(text)) return finite(Date.parse(text));
	for (const parse of [
		DateTime.fromISO,
		DateTime.fromRFC2822,
		DateTime.fromHTTP,
		DateTime.fromSQL,
	]) {
		const parsed = parse(text, { zone });
		if (parsed.isValid) return parsed.toMillis();
	}
	return undefined;
}

function finite(ms: number): number | undefined {
	return Number.isFinite(ms) && ms >= 0 ? Math.round(ms) : undefined;
}

/** The time parameter `name`, or `now` when empty and not required. */
export function readTime(
	ctx: IExecuteFunctions,
	itemIndex: number,
	name: string,
	now: number,
	options: { label: string; required?: boolean },
): number {
	const value = ctx.getNodeParameter(name, itemIndex, '') as unknown;
	const empty = value === undefined || value === null || String(value).trim() === '';
	if (empty) {
		if (!options.required) return now;
		throw itemError(
			ctx,
			itemIndex,
			`${options.label} is empty`,
			'Map the time the consent was given or withdrawn, e.g. {{ $json.created_at }}: re-running an import then skips the rows it already recorded.',
		);
	}
	const at = parseTime(value, ctx.getTimezone());
	if (at === undefined) {
		throw itemError(
			ctx,
			itemIndex,
			`${options.label} "${String(value).slice(0, 40)}" is not a date and time`,
			'Use ISO 8601 (e.g. 2025-06-01T10:30:00Z), epoch milliseconds or seconds.',
		);
	}
	if (at > now + FUTURE_TOLERANCE_MS) {
		throw itemError(
			ctx,
			itemIndex,
			`${options.label} ${iso(at)} is in the future`,
			'A change in the future would override every change until then; use the time it happened.',
		);
	}
	return at;
}

/** Who recorded a change: the workflow and node, kept in the history. */
export function recordedBy(ctx: IExecuteFunctions): string {
	const workflow = ctx.getWorkflow();
	const name = workflow.name ? ` "${workflow.name}"` : '';
	return `n8n workflow${name} (${workflow.id ?? 'unsaved'}), node "${ctx.getNode().name}"`;
}

// ---- recording ----

/**
 * The idempotency key of a consent change: the same contact, purpose, action, time and source is
 * one change, however often an import or a workflow records it.
 */
export function consentEventKey(
	event: Pick<ConsentEventInput, 'contact' | 'purpose' | 'action' | 'at' | 'source'>,
): string {
	const fields = [event.contact, event.purpose, event.action, event.at, event.source];
	return `c1:${createHash('sha256').update(JSON.stringify(fields)).digest('hex')}`;
}

export interface PlannedEvent {
	itemIndex: number;
	event: ConsentEventInput & { eventKey: string };
}

/** One item's consent change, for planEvents. */
export interface EventPlan {
	contact: Contact;
	purposes: readonly Purpose[];
	action: ConsentAction;
	at: number;
	source: ConsentSource;
	wording?: string;
	reason?: string;
	evidence?: ConsentEvidence;
	/** Who recorded it (recordedBy). */
	recordedBy: string;
}

/** One event per purpose of an item, each keyed by consentEventKey so a re-run skips it. */
export function planEvents(itemIndex: number, plan: EventPlan): PlannedEvent[] {
	return plan.purposes.map((purpose): PlannedEvent => {
		const fields = {
			contact: plan.contact.contact,
			purpose,
			action: plan.action,
			at: plan.at,
			source: plan.source,
		};
		return {
			itemIndex,
			event: {
				...fields,
				...(plan.wording ? { wording: plan.wording } : {}),
				...(plan.reason ? { reason: plan.reason } : {}),
				...(plan.evidence ? { evidence: plan.evidence } : {}),
				recordedBy: plan.recordedBy,
				eventKey: consentEventKey(fields),
			},
		};
	});
}

export type RecordOutcome =
	| { planned: PlannedEvent; stored: ConsentEvent }
	| { planned: PlannedEvent; skipped: 'duplicate' | 'suppressed' };

/**
 * Events per store call. One call per batch would hold the SQLite write lock for seconds on a
 * large import, and the webhook trigger, writing at the same time, gives up after the store's
 * busy timeout; a few thousand rows take a few tenths of a second.
 */
export const RECORD_CHUNK = 2000;

/** A sender number no business has: the snapshot then reports no window (consent only). */
export const NO_SENDER = '0';

/**
 * Records the events in store calls of RECORD_CHUNK and says for each what happened. The store
 * leaves out events whose key it knew (duplicates) and events of erased contacts (suppressed); a
 * snapshot of only those contacts tells the two apart.
 */
export async function recordEvents(
	store: ConsentStore & SnapshotStore,
	planned: PlannedEvent[],
	now: number,
): Promise<RecordOutcome[]> {
	const outcomes: RecordOutcome[] = [];
	for (let start = 0; start < planned.length; start += RECORD_CHUNK) {
		const chunk = planned.slice(start, start + RECORD_CHUNK);
		const stored = await store.recordConsent(chunk.map((p) => p.event));
		const byKey = new Map(stored.map((e) => [e.eventKey as string, e]));
		const missing: PlannedEvent[] = [];
		const chunkOutcomes: Array<RecordOutcome | PlannedEvent> = chunk.map((p) => {
			const event = byKey.get(p.event.eventKey);
			if (!event) {
				missing.push(p);
				return p;
			}
			// A key twice in one call is stored once: the first item has it, the rest are repeats.
			byKey.delete(p.event.eventKey);
			return { planned: p, stored: event };
		});
		const suppressed = await suppressedContacts(store, missing, now);
		for (const outcome of chunkOutcomes) {
			if ('planned' in outcome) outcomes.push(outcome);
			else {
				const skipped = suppressed.has(outcome.event.contact) ? 'suppressed' : 'duplicate';
				outcomes.push({ planned: outcome, skipped });
			}
		}
	}
	return outcomes;
}

async function suppressedContacts(
	store: SnapshotStore,
	missing: PlannedEvent[],
	now: number,
): Promise<Set<string>> {
	if (missing.length === 0) return new Set();
	const contacts = [...new Set(missing.map((p) => p.event.contact))];
	const snapshot = await store.getSnapshot({ sender: NO_SENDER, contacts, marketingSince: now });
	return new Set(contacts.filter((c) => snapshot.contacts.get(c)?.suppressed));
}

// ---- output ----

/** ISO 8601 in UTC; undefined stays undefined. */
export function iso(ms: number): string;
export function iso(ms: number | undefined): string | undefined;
export function iso(ms: number | undefined): string | undefined {
	return ms === undefined ? undefined : new Date(ms).toISOString();
}

/** "marketing", "marketing and back_in_stock", "a, b and c". */
export function listWords(words: string[]): string {
	if (words.length <= 1) return words.join('');
	return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** How a contact is named in sentences: the phone number with "+", or the user ID. */
export function shown(contact: Contact): string {
	return contact.phone ?? contact.contact;
}

/** The contact fields every result starts with. */
export function contactJson(contact: Contact): IDataObject {
	return { contact: contact.contact, ...(contact.phone ? { phone: contact.phone } : {}) };
}

/** Drops undefined fields, so items carry only what is known. */
export function compact<T extends IDataObject>(json: T): T {
	return Object.fromEntries(Object.entries(json).filter(([, v]) => v !== undefined)) as T;
}

export function eventJson(event: ConsentEvent): IDataObject {
	return compact({
		id: event.id,
		contact: event.contact,
		purpose: event.purpose,
		action: event.action,
		at: iso(event.at),
		effectiveAt: iso(event.effectiveAt),
		source: event.source,
		wording: event.wording,
		evidence: event.evidence as IDataObject | undefined,
		reason: event.reason,
		recordedBy: event.recordedBy,
		recordedAt: iso(event.recordedAt),
		applied: event.applied,
		statusAfter: event.statusAfter,
		eventKey: event.eventKey,
	});
}
