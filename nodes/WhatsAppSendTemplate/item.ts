/**
 * Reading one item: its parameters, recipient, template, idempotency key, policy options and
 * payload builder. Problems throw (core errors or NodeOperationError); the caller makes them item
 * errors.
 */
import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import { DAY } from '../core/clock';
import type { OutboundMessage } from '../core/client/types';
import {
	lowerMessagingLimit,
	PolicyOptionError,
	resolveFrequencyCapOptions,
	validatePolicyOptions,
	type PolicyOptions,
	type PricingOptions,
} from '../core/policy';
import {
	buildTemplateFromComponents,
	buildTemplateMessage,
	templateInputFromValues,
	WireError,
	type TemplateDefinition,
} from '../core/wire';
import { senderNumberOf } from '../shared/descriptions';
import { defaultIdempotencyKey, scopedKey, type RunIdentity } from '../shared/idempotencyKeys';
import { resolveRecipient } from '../shared/recipient';
import type { SendJob } from '../shared/send/job';
import { chooseOfferedTemplate, parseTemplateRef, type TemplateRef } from './templates';

/** What an item's message is made of: the Variables fields' values, or Components JSON. */
type TemplateContent =
	| { readonly mode: 'fields'; readonly values: Record<string, unknown> }
	| { readonly mode: 'json'; readonly components: unknown };

/** One item, read and checked, before the store is asked. */
export interface TemplateJob extends SendJob {
	readonly template: TemplateRef;
	readonly policy: PolicyOptions;
	readonly topic: string | undefined;
	readonly doiConfirmation: boolean;
	/**
	 * What the payload is built from. The payload is built once to check it (payloadOf) and again
	 * right before its request: a large batch holds these values, not 100,000 requests.
	 */
	readonly content: TemplateContent;
	readonly callbackData: string | undefined;
	/** Meta's definition of the template in this language (set once the definitions are read). */
	definition?: TemplateDefinition;
	/** The request, kept for a dry run's output only. */
	payload?: OutboundMessage;
	/** Meta's category differs from the one the template had (set by the rules). */
	categoryChanged?: boolean;
	/** Allowed outside the customer service window: takes a place of the messaging limit (set by the rules). */
	countsTowardLimit?: boolean;
}

/**
 * The request of a job, checked against the definition when there is one (pure, may throw
 * WireError); undefined when the template is unknown (the rules hold it).
 */
export function payloadOf(
	job: TemplateJob,
	definition: TemplateDefinition | undefined,
): OutboundMessage | undefined {
	const { recipient, template, content } = job;
	const envelope = { biz_opaque_callback_data: job.callbackData };
	if (content.mode === 'json') {
		return buildTemplateFromComponents(
			recipient.address,
			template.name,
			template.language,
			content.components,
			envelope,
		);
	}
	if (definition === undefined) return undefined;
	return buildTemplateMessage(
		{
			to: recipient.address,
			name: template.name,
			language: template.language,
			...templateInputFromValues(definition, content.values),
			...envelope,
		},
		definition,
	);
}

/**
 * What many items of one batch have in common, made once per batch: the policy options, the
 * template and its stored kind. 100,000 items then hold a few shared objects, not 100,000 copies.
 */
export class BatchCommons {
	readonly #made = new Map<string, unknown>();

	get<T>(key: string, make: () => T): T {
		if (this.#made.has(key)) return this.#made.get(key) as T;
		const value = make();
		this.#made.set(key, value);
		return value;
	}
}

export function prepare(
	ctx: IExecuteFunctions,
	i: number,
	defaultSender: string,
	run: RunIdentity,
	workflowTimeZone: string,
	credentialLimit: number | undefined,
	commons: BatchCommons = new BatchCommons(),
	/** The node runs as an AI agent's tool (its tool-only parameters apply). */
	asTool = false,
): TemplateJob {
	const options = ctx.getNodeParameter('options', i, {}) as IDataObject;
	const sender = senderNumberOf(ctx, i, defaultSender);
	if (!sender) {
		throw new NodeOperationError(ctx.getNode(), `[item ${i}] No sender number is set`, {
			itemIndex: i,
			description:
				'Choose a Sender Number, or enter the phone number ID in the WhatsApp Cloud API credential.',
		});
	}
	const recipient = resolveRecipient(
		ctx.getNodeParameter('recipient', i, ''),
		String(options.defaultCountry ?? ''),
	);
	// Send Template Tool: the model may choose among the templates the builder offers.
	const modelChooses = asTool && ctx.getNodeParameter('templateChoice', i, 'fixed') === 'model';
	const parsed = modelChooses
		? chooseOfferedTemplate(
				ctx.getNodeParameter('modelTemplate', i, ''),
				ctx.getNodeParameter('modelTemplates', i, []) as string[],
			)
		: parseTemplateRef(
				ctx.getNodeParameter('template', i, '', { extractValue: true }),
				ctx.getNodeParameter('language', i, ''),
			);
	const { template, kind } = commons.get(`template ${parsed.name}|${parsed.language}`, () => ({
		template: parsed,
		kind: `template:${parsed.name}`,
	}));
	const userKey = String(options.idempotencyKey ?? '').trim();
	const idempotencyKey = userKey
		? scopedKey(userKey, [template.name, recipient.contact])
		: defaultIdempotencyKey('template', run, i, [
				recipient.contact,
				template.name,
				template.language,
			]);
	const policyKey = JSON.stringify([
		options.frequencyCap,
		options.quietHours,
		options.priceTable,
		options.messagingLimit,
		options.qualityProtection,
		workflowTimeZone,
		credentialLimit,
	]);
	const policy = commons.get(`policy ${policyKey}`, () => {
		const made = policyOptionsOf(options, workflowTimeZone, credentialLimit);
		validatePolicyOptions(made);
		return made;
	});
	const callback = String(options.callbackData ?? '');
	const content: TemplateContent = modelChooses
		? { mode: 'fields', values: modelVariables(ctx.getNodeParameter('modelVariables', i, '{}')) }
		: ctx.getNodeParameter('variablesMode', i, 'fields') === 'json'
			? { mode: 'json', components: ctx.getNodeParameter('components', i, '[]') }
			: // Only the values: the mapper's schema would be copied for every item.
				{ mode: 'fields', values: fieldValues(ctx.getNodeParameter('variables.value', i, {})) };
	return {
		index: i,
		sender,
		recipient,
		messageType: 'template',
		kind,
		template,
		idempotencyKey,
		policy,
		topic: String(options.consentTopic ?? '').trim() || undefined,
		doiConfirmation: options.doubleOptInConfirmation === true,
		dryRun: options.dryRun === true,
		content,
		callbackData: callback === '' ? undefined : callback,
	};
}

function settingsOf(value: unknown): IDataObject | undefined {
	const settings = isObject(value) ? value.settings : undefined;
	return isObject(settings) ? settings : undefined;
}

function policyOptionsOf(
	options: IDataObject,
	workflowTimeZone: string,
	credentialLimit: number | undefined,
): PolicyOptions {
	const cap = settingsOf(options.frequencyCap);
	const quiet = settingsOf(options.quietHours);
	const limit = settingsOf(options.messagingLimit);
	const nodeLimit =
		limit?.maxContacts === undefined || Number(limit.maxContacts) === 0
			? undefined
			: Number(limit.maxContacts);
	const fallbackTimeZone = String(quiet?.fallbackTimeZone ?? '').trim() || workflowTimeZone;
	return {
		frequencyCap: cap
			? {
					enabled: cap.enabled as boolean | undefined,
					max: cap.max === undefined ? undefined : Number(cap.max),
					periodMs:
						cap.periodDays === undefined ? undefined : Math.round(Number(cap.periodDays) * DAY),
				}
			: {},
		quietHours: {
			enabled: quiet?.enabled as boolean | undefined,
			start: quiet?.start === undefined ? undefined : String(quiet.start).trim(),
			end: quiet?.end === undefined ? undefined : String(quiet.end).trim(),
			fallbackTimeZone,
		},
		pricing: pricingOf(options.priceTable),
		quality: { enabled: options.qualityProtection as boolean | undefined },
		messagingLimit: {
			enabled: limit?.enabled as boolean | undefined,
			// The credential's and the node's limits may only lower Meta's: the lowest counts.
			limit: lowerMessagingLimit(credentialLimit, nodeLimit),
		},
	};
}

const PRICING_KEYS = new Set(['rateCard', 'countryRates']);

/** Price Table Override: {"countryRates": {...}} and/or {"rateCard": {...}}, as JSON or object. */
function pricingOf(value: unknown): PricingOptions {
	let parsed = value;
	if (typeof value === 'string') {
		if (value.trim() === '') return {};
		let problem: string | undefined;
		try {
			parsed = JSON.parse(value);
		} catch (error) {
			problem = (error as Error).message;
		}
		if (problem !== undefined) {
			throw new PolicyOptionError(
				'pricing',
				`Price Table Override is not valid JSON (${problem}). Write e.g. {"countryRates": {"DE": {"marketing": 0.1131}}}.`,
			);
		}
	}
	if (parsed === undefined || parsed === null) return {};
	if (!isObject(parsed)) {
		throw new PolicyOptionError(
			'pricing',
			'Price Table Override must be a JSON object such as {"countryRates": {"DE": {"marketing": 0.1131}}}.',
		);
	}
	const unknown = Object.keys(parsed).filter((key) => !PRICING_KEYS.has(key));
	if (unknown.length > 0) {
		throw new PolicyOptionError(
			'pricing',
			`Price Table Override has ${unknown.map((k) => `"${k}"`).join(', ')}; it takes only "countryRates" (rates by ISO country) and "rateCard" (a whole rate card).`,
		);
	}
	return parsed as PricingOptions;
}

/**
 * The Variables values, keyed like the template's variables. A field holding a JSON object
 * (a currency, a date, a location, a media object) is read as that object.
 */
function fieldValues(value: unknown): Record<string, unknown> {
	if (!isObject(value)) return {};
	return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, jsonObjectOrSelf(v)]));
}

/**
 * The model's Variables (JSON): an object keyed like the Variables fields, given as JSON text or
 * as an object; empty means none. Throws WireError saying what the model must give instead.
 */
function modelVariables(value: unknown): Record<string, unknown> {
	let parsed = value;
	if (typeof value === 'string') {
		if (value.trim() === '') return {};
		try {
			parsed = JSON.parse(value);
		} catch {
			parsed = undefined;
		}
	}
	if (!isObject(parsed)) {
		throw new WireError(
			'variables',
			`The variables must be a JSON object keyed like the template's variables, e.g. {"body.first_name": "Lena"}, or {} when it has none; got ${JSON.stringify(value)}.`,
		);
	}
	return fieldValues(parsed);
}

function jsonObjectOrSelf(value: unknown): unknown {
	if (typeof value !== 'string') return value;
	const text = value.trim();
	if (!text.startsWith('{') || !text.endsWith('}')) return value;
	try {
		const parsed: unknown = JSON.parse(text);
		return isObject(parsed) ? parsed : value;
	} catch {
		// Text that only looks like JSON is text.
		return value;
	}
}

function isObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The longest frequency-cap period of a group's jobs, read once per distinct policy (the jobs of a
 * batch share them), without spreading the group into Math.max (which overflows the call stack
 * past about 125,000 items).
 */
export function longestCapPeriod(group: TemplateJob[]): number {
	let longest = 0;
	for (const policy of new Set(group.map((job) => job.policy))) {
		longest = Math.max(longest, resolveFrequencyCapOptions(policy.frequencyCap).periodMs);
	}
	return longest;
}
