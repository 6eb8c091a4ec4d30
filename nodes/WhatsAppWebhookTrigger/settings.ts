/**
 * The trigger's parameters as the core webhook handler's options. Read and checked both at
 * activation (so a bad keyword list stops the workflow from being published, with the option
 * named) and per request.
 */
import {
	NodeOperationError,
	type IDataObject,
	type IHookFunctions,
	type IWebhookFunctions,
} from 'n8n-workflow';

import {
	effectRules,
	WebhookOptionError,
	type WebhookEffectOptions,
} from '../core/webhook/effects';
import {
	MESSAGE_STATUSES,
	WHATSAPP_EVENT_KINDS,
	type WhatsAppEventKind,
} from '../core/webhook/events';
import type { WebhookEventFilter } from '../core/webhook/filter';
import type { WebhookHandlerOptions } from '../core/webhook/handler';

export interface TriggerSettings {
	/** What handleWebhookPost gets: the effect options (checked), the filter. */
	readonly handler: WebhookHandlerOptions & {
		readonly effects: WebhookEffectOptions;
		readonly filter: WebhookEventFilter;
	};
	/** Whether activation subscribes the credential's app to the business account. */
	readonly subscribeApp: boolean;
}

type ParameterContext = Pick<IWebhookFunctions | IHookFunctions, 'getNodeParameter' | 'getNode'>;

/** Core option names -> the labels users see, for error messages. */
const OPTION_LABELS: Record<string, string> = {
	optOutKeywords: 'Opt-Out Keywords',
	optInKeywords: 'Opt-In Keywords',
	confirmationKeywords: 'Confirmation Keywords',
	optOutPayloads: 'Opt-Out Button Payloads',
	confirmationPayloads: 'Confirmation Button Payloads',
	'filter.triggerOn': 'Trigger On',
	'filter.statuses': 'Message Statuses',
	'filter.phoneNumberIds': 'Sender Numbers',
};

export function readTriggerSettings(ctx: ParameterContext): TriggerSettings {
	const node = ctx.getNode();
	const triggerOn = stringList(
		ctx.getNodeParameter('triggerOn', ['message']),
	) as WhatsAppEventKind[];
	const unknown = triggerOn.find((kind) => !WHATSAPP_EVENT_KINDS.includes(kind));
	if (unknown !== undefined) {
		throw new NodeOperationError(node, `"Trigger On": "${unknown}" is not an event`, {
			description: `Use one of ${WHATSAPP_EVENT_KINDS.join(', ')}`,
		});
	}
	// Hidden (and not stored) unless statuses are emitted.
	const statuses = triggerOn.includes('status')
		? stringList(ctx.getNodeParameter('messageStatuses', [...MESSAGE_STATUSES]))
		: [];
	const senderNumbers = stringList(ctx.getNodeParameter('senderNumbers', []));
	const options = (ctx.getNodeParameter('options', {}) ?? {}) as IDataObject;

	const flag = (name: string, fallback = true): boolean => {
		const value = options[name];
		if (value === undefined || value === null || value === '') return fallback;
		if (typeof value === 'boolean') return value;
		if (value === 'true' || value === 'false') return value === 'true';
		throw new NodeOperationError(
			node,
			`The "${name}" option must be true or false, got ${JSON.stringify(value)}`,
			{ description: 'Switch the option on or off, or make its expression return a boolean' },
		);
	};
	/** A comma-separated list; empty keeps the core's defaults. */
	const words = (name: string): string[] | undefined => {
		const entries = stringList(options[name]);
		return entries.length > 0 ? entries : undefined;
	};
	const confirmations = flag('recordConfirmations');
	const effects: WebhookEffectOptions = {
		openWindow: flag('recordWindow'),
		optOutKeywords: flag('honourOptOutKeywords') ? words('optOutKeywords') : false,
		optInKeywords: flag('honourOptInKeywords') ? words('optInKeywords') : false,
		confirmationKeywords: confirmations ? words('confirmationKeywords') : false,
		confirmationPayloads: confirmations ? words('confirmationPayloads') : false,
		optOutPayloads: flag('honourOptOutButtons') ? words('optOutPayloads') : false,
		userPreferences: flag('honourUserPreferences'),
		suppressOn131050: flag('suppressMarketingOn131050'),
		closeWindowOn131047: flag('closeWindowOn131047'),
		sendFailures: flag('recordSendFailures'),
		costLedger: flag('recordCosts'),
		templateState: flag('recordTemplateStatus'),
		accountStanding: flag('recordAccountStanding'),
	};
	for (const key of Object.keys(effects) as (keyof WebhookEffectOptions)[]) {
		if (effects[key] === undefined) delete effects[key];
	}

	try {
		// Compiled once per distinct content (core caches it); here it checks the lists.
		effectRules(effects);
	} catch (error) {
		throw optionError(ctx, error);
	}
	return {
		handler: { effects, filter: { triggerOn, statuses, phoneNumberIds: senderNumbers } },
		subscribeApp: flag('subscribeApp', false),
	};
}

/** A core option error as an n8n error naming the trigger's option. */
export function optionError(ctx: Pick<ParameterContext, 'getNode'>, error: unknown): Error {
	if (!(error instanceof WebhookOptionError)) return error as Error;
	const base = error.field.replace(/\[\d+\]$/, '');
	const label = OPTION_LABELS[base] ?? base;
	return new NodeOperationError(ctx.getNode(), `"${label}": ${error.message}`, {
		description: `Correct the trigger's "${label}" setting; separate list entries with commas`,
	});
}

/** A multi-select, a list from an expression, or comma-separated text -> trimmed, non-empty entries. */
function stringList(value: unknown): string[] {
	if (value === undefined || value === null) return [];
	const entries = Array.isArray(value) ? value : String(value).split(',');
	return entries.map((entry) => String(entry).trim()).filter((entry) => entry !== '');
}

/**
 * The effect options with the credential's WhatsApp Business Account: the messaging limit and
 * quality webhooks of other accounts subscribed to the same Meta app change nothing. Without an
 * account in the credential, every account's count.
 */
export function withAccount(
	effects: WebhookEffectOptions,
	businessAccountId: unknown,
): WebhookEffectOptions {
	const account = typeof businessAccountId === 'string' ? businessAccountId.trim() : '';
	return account === '' ? effects : { ...effects, businessAccounts: [account] };
}
