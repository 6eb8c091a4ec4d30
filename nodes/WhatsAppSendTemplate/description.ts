import type { INodeProperties } from 'n8n-workflow';

import { DAY } from '../core/clock';
import { FREQUENCY_CAP_DEFAULTS, QUIET_HOURS_DEFAULTS } from '../core/policy';
import { WHATSAPP_LIMITS } from '../core/wire/outbound';
import {
	defaultCountryOption,
	rateLimitOption,
	sentOutputOption,
	senderNumberProperty,
	storeNotice,
} from '../shared/descriptions';
import {
	allowAnyRecipientProperty,
	fullResultProperty,
	NOT_TOOL,
	TOOL_ONLY,
	toolDescriptionProperty,
} from '../shared/tool';

export const OUTPUT_SENT = 0;
export const OUTPUT_SKIPPED = 1;

// The policy's defaults by name: n8n's lint reads a parameter's default from a literal or a name.
const CAP_MAX = FREQUENCY_CAP_DEFAULTS.max;
const CAP_DAYS = FREQUENCY_CAP_DEFAULTS.periodMs / DAY;
const QUIET_START = QUIET_HOURS_DEFAULTS.start;
const QUIET_END = QUIET_HOURS_DEFAULTS.end;

/** Shown on the tool variant when the model chooses the template. */
const MODEL_CHOOSES = { ...TOOL_ONLY, templateChoice: ['model'] };
/** Hidden on the tool variant when the model chooses the template. */
const NOT_MODEL_CHOSEN = { templateChoice: ['model'] };

/**
 * What the model reads about the tool (Send Template Tool's default Tool Description): an
 * expression, so that it names the template, or lists the ones offered with their category and
 * variables (Templates to Offer).
 */
const TOOL_DESCRIPTION = `={{ ${JSON.stringify(
	'Sends an approved WhatsApp template message to the customer of this conversation (the person who wrote): the way to reach them when the customer service window is closed. ',
)} + ($parameter.templateChoice === "fixed" ? "It sends the template " + String($parameter.template.value).replace("|", " in language ") + "." : "Templates you may choose, as name (language) · category · variables: " + $parameter.modelTemplates.join("; ") + ".") + ${JSON.stringify(
	' MARKETING templates need the customer\'s marketing opt-in and wait during their night; UTILITY templates are about their own orders or requests; AUTHENTICATION templates carry one-time codes. Each call answers with JSON. "result": "sent" (with its "wamid") means the template went out. "result": "skipped" means nothing was sent; "reason" and "message" say why and what to do next (e.g. "no_consent": do not retry or send it another way). "retryAt" says when a held template may go. Never tell the customer a message was sent unless the result is "sent".',
)} }}`;

/** The model's choice among Templates to Offer. */
const TOOL_TEMPLATE = `={{ /*n8n-auto-generated-fromAI-override*/ $fromAI('template', \`The name of the template to send, one of those listed in the tool description; add its language, e.g. order_update (de), when it is listed in several\`, 'string') }}`;

/** The model's values for the chosen template's variables; none when it leaves them out. */
const TOOL_VARIABLES = `={{ /*n8n-auto-generated-fromAI-override*/ $fromAI('variables', \`The template's variables as a JSON object keyed as the tool description lists them, e.g. {"body.first_name": "Lena"}; {} when it has none\`, 'string', '{}') }}`;

const recipient: INodeProperties = {
	displayName: 'Recipient',
	name: 'recipient',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e.g. +49 151 23456789',
	description:
		"The contact's phone number in any common format, or their business-scoped user ID (e.g. US.13491208655302741918)",
};

/** The parameters; their names, types and defaults are public (saved workflows use them). */
export const properties: INodeProperties[] = [
	storeNotice,
	toolDescriptionProperty(TOOL_DESCRIPTION),
	senderNumberProperty,
	{ ...recipient, displayOptions: { show: NOT_TOOL } },
	{
		...recipient,
		default: '={{ $json.contact }}',
		description:
			"The contact's phone number in any common format, or their business-scoped user ID; by default the contact of the incoming item (the person who wrote)",
		displayOptions: { show: TOOL_ONLY },
	},
	allowAnyRecipientProperty,
	{
		displayName: 'Template Choice',
		name: 'templateChoice',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Fixed Template',
				value: 'fixed',
				description: 'Always the Template below; the model fills the variables you let it define',
			},
			{
				name: 'The Model Chooses',
				value: 'model',
				description: 'The model picks one of Templates to Offer by name and gives its variables',
			},
		],
		// "fixed" also where the node is no tool: n8n reads every default when it decides what to
		// show, and Template is hidden when the model chooses.
		default: 'fixed',
		displayOptions: { show: TOOL_ONLY },
	},
	{
		displayName: 'Templates to Offer',
		name: 'modelTemplates',
		type: 'multiOptions',
		required: true,
		typeOptions: { loadOptionsMethod: 'getTemplateChoices' },
		default: [],
		description:
			'The approved templates the model may choose from; the tool description lists each with its category and variables. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: { show: MODEL_CHOOSES },
	},
	{
		displayName: 'Chosen Template',
		name: 'modelTemplate',
		type: 'string',
		required: true,
		default: TOOL_TEMPLATE,
		description: 'The name of the template the model chose among Templates to Offer',
		displayOptions: { show: MODEL_CHOOSES },
	},
	{
		displayName: 'Variables (JSON)',
		name: 'modelVariables',
		type: 'json',
		default: TOOL_VARIABLES,
		description:
			"The chosen template's variables as a JSON object keyed like body.first_name or body.1, by default given by the model",
		displayOptions: { show: MODEL_CHOOSES },
	},
	{
		displayName: 'Template',
		name: 'template',
		type: 'resourceLocator',
		required: true,
		default: { mode: 'list', value: '' },
		description: 'The approved template to send, in one of its languages',
		hint: 'Chose another template and Values to Send still shows the old fields? Open ⋮ next to them and choose Refresh Variable List.',
		displayOptions: { hide: NOT_MODEL_CHOSEN },
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchTemplates', searchable: true },
			},
			{
				displayName: 'By Name',
				name: 'name',
				type: 'string',
				placeholder: 'e.g. order_update',
				validation: [
					{
						type: 'regex',
						properties: {
							regex: '^[a-z0-9_]+(\\|[A-Za-z_]+)?$',
							errorMessage:
								'A template name has only lowercase letters, digits and underscores, e.g. order_update',
						},
					},
				],
			},
		],
	},
	{
		displayName: 'Language',
		name: 'language',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. en_US',
		description: "The template's language code, as WhatsApp Manager shows it",
		// A root path: n8n resolves display dependencies by parameter name, and template.mode is
		// inside one.
		displayOptions: { show: { '/template.mode': ['name'] }, hide: NOT_MODEL_CHOSEN },
	},
	{
		displayName: 'Variables Mode',
		name: 'variablesMode',
		type: 'options',
		default: 'fields',
		options: [
			{
				name: 'Map Fields',
				value: 'fields',
				description: 'Fill a field for each variable of the chosen template',
			},
			{
				name: 'Components JSON',
				value: 'json',
				description: "Write the template's components as WhatsApp's API takes them",
			},
		],
		displayOptions: { hide: NOT_MODEL_CHOSEN },
	},
	{
		displayName: 'Variables',
		name: 'variables',
		type: 'resourceMapper',
		noDataExpression: true,
		default: { mappingMode: 'defineBelow', value: null },
		required: true,
		hint: 'Body variables take text, or JSON such as {"type": "currency", "code": "EUR", "amount": 12.5, "fallback_value": "€12.50"} or {"type": "date_time", "fallback_value": "March 14"}. Media headers take a link or an uploaded media ID.',
		typeOptions: {
			loadOptionsDependsOn: ['template.value', 'language'],
			resourceMapper: {
				resourceMapperMethod: 'getTemplateVariables',
				mode: 'add',
				fieldWords: { singular: 'variable', plural: 'variables' },
				addAllFields: true,
				multiKeyMatch: false,
				supportAutoMap: false,
				noFieldsError: 'This template has no variables to fill',
			},
		},
		displayOptions: { show: { variablesMode: ['fields'] }, hide: NOT_MODEL_CHOSEN },
	},
	{
		displayName: 'Components (JSON)',
		name: 'components',
		type: 'json',
		default: '[]',
		description:
			'The "components" array of the template message, e.g. [{"type": "body", "parameters": [{"type": "text", "text": "Lena"}]}]',
		displayOptions: { show: { variablesMode: ['json'] }, hide: NOT_MODEL_CHOSEN },
	},
	fullResultProperty,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Callback Data',
				name: 'callbackData',
				type: 'string',
				default: '',
				placeholder: 'e.g. order-1042',
				description: `Text of up to ${WHATSAPP_LIMITS.bizOpaqueCallbackData} characters that WhatsApp returns with this message's status updates (the trigger's "callbackData")`,
			},
			{
				displayName: 'Consent Topic',
				name: 'consentTopic',
				type: 'string',
				default: '',
				placeholder: 'e.g. back_in_stock',
				description:
					'For marketing templates: the opt-in topic the contact needs instead of general marketing consent',
			},
			{ ...defaultCountryOption },
			{
				displayName: 'Double Opt-In Confirmation',
				name: 'doubleOptInConfirmation',
				type: 'boolean',
				default: false,
				description:
					'Whether this utility template asks a contact with pending consent to confirm it (the one template such a contact may get)',
			},
			{
				displayName: 'Dry Run',
				name: 'dryRun',
				type: 'boolean',
				default: false,
				description:
					'Whether to only check the rules and build the message, without sending it or claiming its idempotency key',
			},
			{
				displayName: 'Idempotency Key',
				name: 'idempotencyKey',
				type: 'string',
				default: '',
				placeholder: 'e.g. {{ $json.orderId }}',
				description:
					'Sends this template to this recipient once per key, across executions (a repeat returns the first message ID); empty uses a key of this execution and item',
			},
			{
				displayName: 'Marketing Frequency Cap',
				name: 'frequencyCap',
				type: 'fixedCollection',
				default: {},
				placeholder: 'Set Frequency Cap',
				description:
					'How many marketing templates one contact may get per period (unless set: 2 in 7 days)',
				options: [
					{
						displayName: 'Frequency Cap',
						name: 'settings',
						values: [
							{
								displayName: 'Enforce',
								name: 'enabled',
								type: 'boolean',
								default: true,
								description: 'Whether marketing templates above the cap are held back',
							},
							{
								displayName: 'Max Templates',
								name: 'max',
								type: 'number',
								default: CAP_MAX,
								typeOptions: { minValue: 1, numberPrecision: 0 },
								description: 'Marketing templates one contact may get within the period',
							},
							{
								displayName: 'Period (Days)',
								name: 'periodDays',
								type: 'number',
								default: CAP_DAYS,
								typeOptions: { minValue: 0.001, maxValue: 366 },
								description: 'The rolling period the cap counts in',
							},
						],
					},
				],
			},
			{
				displayName: 'Messaging Limit',
				name: 'messagingLimit',
				type: 'fixedCollection',
				default: {},
				placeholder: 'Set Messaging Limit',
				description:
					"How many unique contacts the business portfolio may reach outside the customer service window in 24 hours (unless set: Meta's limit, or the credential's where lower)",
				options: [
					{
						displayName: 'Messaging Limit',
						name: 'settings',
						values: [
							{
								displayName: 'Enforce',
								name: 'enabled',
								type: 'boolean',
								default: true,
								description:
									'Whether templates to new contacts past the limit are held back until places free up',
							},
							{
								displayName: 'Max Unique Contacts',
								name: 'maxContacts',
								type: 'number',
								default: 0,
								typeOptions: { minValue: 0, numberPrecision: 0 },
								description:
									"Most unique contacts in 24 hours for this node; 0 uses Meta's limit. A value can only lower it.",
							},
						],
					},
				],
			},
			{
				displayName: 'Price Table Override (JSON)',
				name: 'priceTable',
				type: 'json',
				default: '{}',
				description:
					'Your own rates for the price estimate, e.g. {"countryRates": {"DE": {"marketing": 0.1131}}} or a whole {"rateCard": ...}; empty uses Meta\'s USD list rates of January 2026',
			},
			{
				displayName: 'Quality Protection',
				name: 'qualityProtection',
				type: 'boolean',
				default: true,
				description:
					"Whether marketing templates are held back while the sender number's quality rating is low (red) or the template's quality is low, since more negative feedback gets the account restricted",
			},
			{
				displayName: 'Quiet Hours',
				name: 'quietHours',
				type: 'fixedCollection',
				default: {},
				placeholder: 'Set Quiet Hours',
				description:
					"When marketing templates wait, in the contact's local time (unless set: 21:00 to 08:00)",
				options: [
					{
						displayName: 'Quiet Hours',
						name: 'settings',
						values: [
							{
								displayName: 'Enforce',
								name: 'enabled',
								type: 'boolean',
								default: true,
								description: 'Whether marketing templates wait for the end of quiet hours',
							},
							{
								displayName: 'Start',
								name: 'start',
								type: 'string',
								default: QUIET_START,
								placeholder: 'e.g. 21:00',
								description: "When quiet hours begin, HH:MM in the contact's local time",
							},
							{
								displayName: 'End',
								name: 'end',
								type: 'string',
								default: QUIET_END,
								placeholder: 'e.g. 08:00',
								description:
									'When quiet hours end, HH:MM; earlier than the start means past midnight',
							},
							{
								displayName: 'Fallback Time Zone',
								name: 'fallbackTimeZone',
								type: 'string',
								default: '',
								placeholder: 'e.g. Europe/Berlin',
								description:
									"The time zone for numbers whose country is unknown; empty uses the workflow's time zone",
							},
						],
					},
				],
			},
			rateLimitOption,
			sentOutputOption,
		],
	},
];
