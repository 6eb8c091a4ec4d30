import { DateTime } from 'luxon';
import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import { MINUTE } from '../../core/clock';
import {
	ALL_PURPOSES,
	type ConsentEvidence,
	type ConsentSource,
	type Purpose,
} from '../../core/model';
import { resolveRecipient } from '../../shared/recipient';
import type { Contact } from './contactFields';
import { iso } from './json';

// Reading an item's parameters: each reader checks its value and says what is wrong with the item.

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
