import type { INodeProperties, IWebhookDescription } from 'n8n-workflow';

import { DEFAULT_CONFIRMATION_PAYLOADS, DEFAULT_OPT_OUT_PAYLOADS } from '../core/webhook/effects';
import { MESSAGE_STATUSES } from '../core/webhook/events';
import {
	DEFAULT_CONFIRMATION_KEYWORDS,
	DEFAULT_OPT_IN_KEYWORDS,
	DEFAULT_OPT_OUT_KEYWORDS,
} from '../core/webhook/keywords';
import { storeNotice } from '../shared/descriptions';

/**
 * One URL for Meta's GET handshake and its POSTs. Like n8n's Webhook node: the "Path" parameter,
 * or the node's webhook ID when it is empty (isFullPath), so a fixed path such as
 * "whatsapp-inbox" survives re-imports and the default is still unguessable.
 */
const PATH = '={{$parameter["path"]}}';

export const webhooks: IWebhookDescription[] = [
	{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', path: PATH, isFullPath: true },
	{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: PATH, isFullPath: true },
];

const list = (words: readonly string[]) => words.join(', ');

/** The parameters; their names, types and defaults are public (saved workflows use them). */
export const properties: INodeProperties[] = [
	{
		displayName:
			'In Meta\'s App Dashboard > WhatsApp > Configuration, set the Callback URL to this node\'s Production URL (above) and the Verify Token to the one in your WhatsApp Cloud API credential, then subscribe to the webhook fields you need (messages, message_template_status_update, user_preferences...). Publish the workflow first: Meta checks the URL when you save it. One URL serves the whole Meta app: every published workflow whose WhatsApp Webhook Trigger uses the same credential gets its events from it, each once, so give Meta the Production URL of any one of them. "Listen for test event" here gets the next event Meta sends to that URL. Meta gets its answer before the workflow starts, so each event starts the workflow at most once: an execution that fails to start is not retried.',
		name: 'setupNotice',
		type: 'notice',
		default: '',
	},
	storeNotice,
	{
		displayName: 'Path',
		name: 'path',
		type: 'string',
		default: '',
		placeholder: 'e.g. whatsapp-inbox',
		description:
			"The last part of the webhook URL; leave empty to use this node's unique ID, which nobody can guess",
	},
	{
		displayName: 'Trigger On',
		name: 'triggerOn',
		type: 'multiOptions',
		required: true,
		default: ['message'],
		description:
			'The events that start the workflow; every event is recorded in the compliance store whether it starts the workflow or not',
		options: [
			{
				name: 'Account Update',
				value: 'account_update',
				description: 'A policy violation, a ban, a partner change on the business account',
			},
			{
				name: 'Business Capability Update',
				value: 'business_capability',
				description: "The business portfolio's messaging limit changed",
			},
			{
				name: 'Error',
				value: 'error',
				description: 'A system, app or account error that Meta reports outside a message status',
			},
			{
				name: 'Group Update',
				value: 'group',
				description:
					'A group was created, deleted or suspended, its participants or settings changed (Groups API)',
			},
			{
				name: 'Message',
				value: 'message',
				description: 'A contact sent a message, tapped a button or reacted',
			},
			{
				name: 'Message Status',
				value: 'status',
				description: 'One of your messages was sent, delivered, read, played or failed',
			},
			{
				name: 'Other Webhook Field',
				value: 'other',
				description: 'A webhook field this node does not read yet; Meta\'s object is under "raw"',
			},
			{
				name: 'Phone Number Quality',
				value: 'phone_number_quality',
				description: 'The messaging limit of a business phone number changed',
			},
			{
				name: 'Template Category Update',
				value: 'template_category',
				description: 'Meta changed, or will change, the category of a template',
			},
			{
				name: 'Template Quality Update',
				value: 'template_quality',
				description: 'The quality rating of a template changed',
			},
			{
				name: 'Template Status Update',
				value: 'template_status',
				description: 'A template was approved, rejected, paused, disabled or reinstated',
			},
			{
				name: 'User Preference Change',
				value: 'user_preference',
				description: 'A contact stopped or resumed marketing messages in WhatsApp',
			},
		],
	},
	{
		displayName: 'Message Statuses',
		name: 'messageStatuses',
		type: 'multiOptions',
		default: [...MESSAGE_STATUSES],
		description:
			'The statuses that start the workflow (each message gets several); empty for every status',
		displayOptions: { show: { triggerOn: ['status'] } },
		options: [
			{ name: 'Delivered', value: 'delivered' },
			{ name: 'Failed', value: 'failed' },
			{ name: 'Played', value: 'played', description: 'A voice message was played' },
			{ name: 'Read', value: 'read' },
			{ name: 'Sent', value: 'sent' },
		],
	},
	{
		displayName: 'Sender Number Names or IDs',
		name: 'senderNumbers',
		type: 'multiOptions',
		default: [],
		typeOptions: { loadOptionsMethod: 'getSenderNumbers' },
		description:
			'Business phone numbers whose events start the workflow, so one Meta app serving several numbers does not fire every workflow; empty for all (account-wide events always pass). Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Close Window On 131047',
				name: 'closeWindowOn131047',
				type: 'boolean',
				default: true,
				description:
					'Whether a failed status with error 131047 closes the customer service window, whatever the clock says',
			},
			{
				displayName: 'Confirmation Button Payloads',
				name: 'confirmationPayloads',
				type: 'string',
				default: '',
				placeholder: `e.g. ${list(DEFAULT_CONFIRMATION_PAYLOADS)}`,
				description: `Comma-separated payloads of buttons that confirm a pending double opt-in; empty uses ${list(DEFAULT_CONFIRMATION_PAYLOADS)}`,
			},
			{
				displayName: 'Confirmation Keywords',
				name: 'confirmationKeywords',
				type: 'string',
				default: '',
				placeholder: 'e.g. YES, JA',
				description: `Comma-separated answers that confirm a pending double opt-in (and nothing else); empty uses ${list(DEFAULT_CONFIRMATION_KEYWORDS)}`,
			},
			{
				displayName: 'Honor Opt-In Keywords',
				name: 'honourOptInKeywords',
				type: 'boolean',
				default: true,
				description:
					'Whether a message that is only an opt-in keyword (START...) lifts a full opt-out; it never counts as marketing consent',
			},
			{
				displayName: 'Honor Opt-Out Buttons',
				name: 'honourOptOutButtons',
				type: 'boolean',
				default: true,
				description:
					'Whether tapping a button with an opt-out payload (e.g. "Stop promotions") opts the contact out of marketing',
			},
			{
				displayName: 'Honor Opt-Out Keywords',
				name: 'honourOptOutKeywords',
				type: 'boolean',
				default: true,
				description:
					'Whether a message that is only an opt-out keyword (STOP, ABMELDEN...) opts the contact out of every message',
			},
			{
				displayName: 'Honor User Preferences',
				name: 'honourUserPreferences',
				type: 'boolean',
				default: true,
				description:
					"Whether a contact's stop of marketing messages in WhatsApp's settings opts them out of marketing, and a resume there restores the consent they had",
			},
			{
				displayName: 'Opt-In Keywords',
				name: 'optInKeywords',
				type: 'string',
				default: '',
				placeholder: 'e.g. START, ANMELDEN',
				description: `Comma-separated, in any case, with polite words around them allowed; empty uses ${list(DEFAULT_OPT_IN_KEYWORDS)}`,
			},
			{
				displayName: 'Opt-Out Button Payloads',
				name: 'optOutPayloads',
				type: 'string',
				default: '',
				placeholder: `e.g. ${DEFAULT_OPT_OUT_PAYLOADS[0]}`,
				description: `Comma-separated payloads of quick-reply buttons (or reply button and list row IDs) that stop marketing; empty uses ${list(DEFAULT_OPT_OUT_PAYLOADS)}`,
			},
			{
				displayName: 'Opt-Out Keywords',
				name: 'optOutKeywords',
				type: 'string',
				default: '',
				placeholder: 'e.g. STOP, UNSUBSCRIBE, ABMELDEN',
				description: `Comma-separated, in any case, with polite words around them allowed (sentences are not keywords); empty uses ${list(DEFAULT_OPT_OUT_KEYWORDS)}`,
			},
			{
				displayName: 'Record Costs',
				name: 'recordCosts',
				type: 'boolean',
				default: true,
				description:
					'Whether statuses with pricing add the message to the cost ledger with its estimated price',
			},
			{
				displayName: 'Record Double Opt-In Confirmations',
				name: 'recordConfirmations',
				type: 'boolean',
				default: true,
				description:
					'Whether a confirmation keyword or button confirms the consent that is pending for the contact',
			},
			{
				displayName: 'Record Quality and Messaging Limit',
				name: 'recordAccountStanding',
				type: 'boolean',
				default: true,
				description:
					"Whether quality ratings and messaging limit changes are stored, so Send Template holds marketing while the number or a template is rated low and counts against the portfolio's current limit",
			},
			{
				displayName: 'Record Send Statuses',
				name: 'recordSendFailures',
				type: 'boolean',
				default: true,
				description:
					"Whether statuses update the store's sent messages: a failed one is marked failed (a re-run may send it again), and one whose answer a crash lost is confirmed",
			},
			{
				displayName: 'Record Template Status',
				name: 'recordTemplateStatus',
				type: 'boolean',
				default: true,
				description:
					'Whether template status and category updates are stored, so Send Template holds back paused or disabled templates',
			},
			{
				displayName: 'Record Window',
				name: 'recordWindow',
				type: 'boolean',
				default: true,
				description:
					"Whether a contact's message opens the 24-hour customer service window (and, from an ad or page button, the free entry point)",
			},
			{
				displayName: 'Subscribe App On Activation',
				name: 'subscribeApp',
				type: 'boolean',
				default: false,
				description:
					"Whether to subscribe the credential's Meta app to the business account's webhooks when the workflow is published (needs the whatsapp_business_management permission); the callback URL is still set in the App Dashboard",
			},
			{
				displayName: 'Suppress Marketing On 131050',
				name: 'suppressMarketingOn131050',
				type: 'boolean',
				default: true,
				description:
					'Whether a failed status with error 131050 (the contact stopped marketing messages in WhatsApp) opts the contact out of marketing',
			},
		],
	},
];
