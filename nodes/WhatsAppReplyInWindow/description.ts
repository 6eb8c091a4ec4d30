import type { INodeProperties } from 'n8n-workflow';

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

/** Message types that carry a file. */
export const MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'sticker'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

export type MessageType =
	| 'text'
	| MediaType
	| 'location'
	| 'contacts'
	| 'buttons'
	| 'list'
	| 'ctaUrl'
	| 'reaction';

/** Interactive types: a body text, an optional header text and footer. */
const INTERACTIVE: MessageType[] = ['buttons', 'list', 'ctaUrl'];
/** Everything but a reaction can quote the contact's message. */
const QUOTABLE: MessageType[] = [
	'text',
	...MEDIA_TYPES,
	'location',
	'contacts',
	'buttons',
	'list',
	'ctaUrl',
];

const send = { operation: ['send'] };

/** The $fromAI argument that makes a tool's reply the opt-out confirmation. */
export const OPT_OUT_CONFIRMATION_ARGUMENT = 'optOutConfirmation';

/** What the model reads about the tool (Reply in Window Tool's default Tool Description). */
const TOOL_DESCRIPTION = `Sends a WhatsApp message to the customer of this conversation (the person who wrote). Use it to answer them. It sends only while WhatsApp's customer service window is open: 24 hours from the customer's last message. Each call answers with JSON. "result": "sent" (with its "wamid") means the customer got the message. "result": "skipped" means nothing was sent; "reason" and "message" say why and what to do next, e.g. "window_closed": send an approved template instead; "opted_out": send nothing but the opt-out confirmation. "retryAt" says when a held message may go. Never tell the customer a message was sent unless the result is "sent".`;

/** The model's text, with what it may write. */
const TOOL_TEXT = `={{ /*n8n-auto-generated-fromAI-override*/ $fromAI('text', \`Your message to the customer: plain text of up to ${WHATSAPP_LIMITS.textBody} characters; *bold* and _italic_ work\`, 'string') }}`;

/** The model's flag for the opt-out confirmation; false when it leaves it out (schema: optional). */
const TOOL_CONFIRMS_OPT_OUT = `={{ /*n8n-auto-generated-fromAI-override*/ $fromAI('${OPT_OUT_CONFIRMATION_ARGUMENT}', \`true only when this tool answered "opted_out" and you confirm the customer's opt-out: the business's confirmation text is sent instead of yours, once; false otherwise\`, 'boolean', false) }}`;

/** What a tool sends when the model confirms an opt-out, unless the builder writes another. */
const OPT_OUT_CONFIRMATION_TEXT =
	"You're unsubscribed: you will not get any more messages from us on WhatsApp. Changed your mind? Reply START.";
const ofType = (...types: MessageType[]) => ({ show: { ...send, messageType: types } });
const inOptions = (...types: MessageType[]) => ({
	show: { '/operation': ['send'], '/messageType': types },
});

export const properties: INodeProperties[] = [
	storeNotice,
	toolDescriptionProperty(TOOL_DESCRIPTION),
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Mark as Read',
				value: 'markAsRead',
				description:
					'Show the contact blue ticks on their message (and all earlier ones), optionally with a typing indicator',
				action: 'Mark a message as read',
			},
			{
				name: 'Send Message',
				value: 'send',
				description: 'Reply inside the 24-hour customer service window',
				action: 'Send a message in the customer service window',
			},
		],
		default: 'send',
	},
	{
		displayName:
			'Free-form replies need an open customer service window: 24 hours from the contact\'s last message. Items outside it leave on the "Window Closed" output; connect a WhatsApp Send Template node there.',
		name: 'windowNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: send },
	},
	{
		...senderNumberProperty,
		// The trigger's item names the number the contact wrote to: reply from the same one.
		default: { mode: 'id', value: '={{ $json.phoneNumberId }}' },
		description:
			"The business phone number to send from: by default the number the incoming message was sent to, and when that is empty the credential's phone number ID",
	},
	{
		displayName: 'Recipient',
		name: 'recipient',
		type: 'string',
		required: true,
		default: '={{ $json.contact }}',
		placeholder: 'e.g. +49 151 23456789',
		description:
			"The contact's phone number with country code, or their business-scoped user ID; by default the contact who wrote the incoming message",
		displayOptions: { show: send },
	},
	{ ...allowAnyRecipientProperty, displayOptions: { show: { ...send, ...TOOL_ONLY } } },
	{
		displayName: 'Message Type',
		name: 'messageType',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Audio', value: 'audio', description: 'An audio file or voice message' },
			{
				name: 'Call-to-Action URL Button',
				value: 'ctaUrl',
				description: 'A text with one button that opens a web page',
			},
			{ name: 'Contacts', value: 'contacts', description: 'One or more contact cards' },
			{ name: 'Document', value: 'document', description: 'A file such as a PDF' },
			{ name: 'Image', value: 'image' },
			{ name: 'List', value: 'list', description: 'A menu of up to 10 rows to choose from' },
			{ name: 'Location', value: 'location', description: 'A pin on the map' },
			{
				name: 'Reaction',
				value: 'reaction',
				description: "An emoji reaction to the contact's message",
			},
			{
				name: 'Reply Buttons',
				value: 'buttons',
				description: 'A text with up to 3 buttons to tap',
			},
			{ name: 'Sticker', value: 'sticker', description: 'A WebP sticker' },
			{ name: 'Text', value: 'text' },
			{ name: 'Video', value: 'video' },
		],
		default: 'text',
		displayOptions: { show: send },
	},

	// Text: the model writes it when the node is a tool.
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		required: true,
		default: '',
		typeOptions: { rows: 4 },
		description: `The message, up to ${WHATSAPP_LIMITS.textBody} characters; WhatsApp formatting (*bold*, _italic_) works`,
		displayOptions: { show: { ...send, messageType: ['text'], ...NOT_TOOL } },
	},
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		required: true,
		default: TOOL_TEXT,
		typeOptions: { rows: 4 },
		description: `The message, up to ${WHATSAPP_LIMITS.textBody} characters; by default the model writes it`,
		displayOptions: { show: { ...send, messageType: ['text'], ...TOOL_ONLY } },
	},

	// Media
	{
		displayName: 'Media Source',
		name: 'mediaSource',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Binary Field',
				value: 'binary',
				description: 'A file from an earlier node, uploaded to WhatsApp first',
			},
			{
				name: 'Link',
				value: 'link',
				description: 'A public http(s) URL WhatsApp downloads the file from',
			},
			{ name: 'Media ID', value: 'id', description: 'The ID of media uploaded to WhatsApp before' },
		],
		default: 'link',
		displayOptions: ofType(...MEDIA_TYPES),
	},
	{
		displayName: 'Link',
		name: 'mediaLink',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. https://example.com/photo.jpg',
		description: 'Public http(s) URL of the file',
		displayOptions: { show: { ...send, messageType: [...MEDIA_TYPES], mediaSource: ['link'] } },
	},
	{
		displayName: 'Media ID',
		name: 'mediaId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 1037543291543636',
		description: 'The ID WhatsApp returned when the file was uploaded',
		displayOptions: { show: { ...send, messageType: [...MEDIA_TYPES], mediaSource: ['id'] } },
	},
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		required: true,
		default: 'data',
		hint: 'The name of the input binary field containing the file to be uploaded',
		displayOptions: { show: { ...send, messageType: [...MEDIA_TYPES], mediaSource: ['binary'] } },
	},

	// Location
	{
		displayName: 'Latitude',
		name: 'latitude',
		type: 'number',
		required: true,
		default: 0,
		typeOptions: { minValue: -90, maxValue: 90, numberPrecision: 6 },
		description: 'Decimal degrees, e.g. 52.520008',
		displayOptions: ofType('location'),
	},
	{
		displayName: 'Longitude',
		name: 'longitude',
		type: 'number',
		required: true,
		default: 0,
		typeOptions: { minValue: -180, maxValue: 180, numberPrecision: 6 },
		description: 'Decimal degrees, e.g. 13.404954',
		displayOptions: ofType('location'),
	},

	// Contacts
	{
		displayName: 'Contact Cards',
		name: 'contactCards',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Contact Card',
		default: {},
		displayOptions: ofType('contacts'),
		options: [
			{
				displayName: 'Card',
				name: 'cards',
				values: [
					{
						displayName: 'Birthday',
						name: 'birthday',
						type: 'string',
						default: '',
						placeholder: 'e.g. 1815-12-10',
						description: 'In the form YYYY-MM-DD',
					},
					{
						displayName: 'Company',
						name: 'company',
						type: 'string',
						default: '',
					},
					{
						displayName: 'Email',
						name: 'email',
						type: 'string',
						placeholder: 'e.g. name@email.com',
						default: '',
					},
					{
						displayName: 'First Name',
						name: 'firstName',
						type: 'string',
						default: '',
					},
					{
						displayName: 'Formatted Name',
						name: 'formattedName',
						type: 'string',
						required: true,
						default: '',
						placeholder: 'e.g. Ada Lovelace',
						description: 'The full name as WhatsApp shows it',
					},
					{
						displayName: 'Last Name',
						name: 'lastName',
						type: 'string',
						default: '',
					},
					{
						displayName: 'Phone',
						name: 'phone',
						type: 'string',
						default: '',
						placeholder: 'e.g. +49 30 1234567',
					},
					{
						displayName: 'Phone Type',
						name: 'phoneType',
						type: 'options',
						options: [
							{ name: 'Cell', value: 'CELL' },
							{ name: 'Home', value: 'HOME' },
							{ name: 'IPhone', value: 'IPHONE' },
							{ name: 'Main', value: 'MAIN' },
							{ name: 'Work', value: 'WORK' },
						],
						default: 'CELL',
					},
					{
						displayName: 'Website',
						name: 'url',
						type: 'string',
						default: '',
						placeholder: 'e.g. https://example.com',
					},
					{
						displayName: 'WhatsApp ID',
						name: 'waId',
						type: 'string',
						default: '',
						description: 'The WhatsApp ID of the phone, which adds a "Message" button to the card',
					},
				],
			},
		],
	},

	// Interactive
	{
		displayName: 'Body Text',
		name: 'bodyText',
		type: 'string',
		required: true,
		default: '',
		typeOptions: { rows: 3 },
		description: `The message above the buttons or list: up to ${WHATSAPP_LIMITS.interactiveBody} characters (${WHATSAPP_LIMITS.listBody} for lists)`,
		displayOptions: ofType(...INTERACTIVE),
	},
	{
		displayName: 'Buttons',
		name: 'buttons',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Button',
		default: {},
		description: `1 to ${WHATSAPP_LIMITS.replyButtons} buttons; the tapped button's ID comes back in the trigger's "buttonReply"`,
		displayOptions: ofType('buttons'),
		options: [
			{
				displayName: 'Button',
				name: 'button',
				values: [
					{
						displayName: 'Title',
						name: 'title',
						type: 'string',
						required: true,
						default: '',
						placeholder: 'e.g. Yes, Please',
						description: `The label, up to ${WHATSAPP_LIMITS.replyButtonTitle} characters`,
					},
					{
						displayName: 'ID',
						name: 'id',
						type: 'string',
						required: true,
						default: '',
						placeholder: 'e.g. confirm_yes',
						description: `What your workflow receives when the contact taps it, up to ${WHATSAPP_LIMITS.replyButtonId} characters`,
					},
				],
			},
		],
	},
	{
		displayName: 'Button Text',
		name: 'listButtonText',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. Choose a Time',
		description: `The button that opens the list, up to ${WHATSAPP_LIMITS.listButton} characters`,
		displayOptions: ofType('list'),
	},
	{
		displayName: 'Define List',
		name: 'listInput',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Using Fields Below', value: 'fields' },
			{
				name: 'Using JSON',
				value: 'json',
				description: "WhatsApp's sections array, e.g. built by an earlier node",
			},
		],
		default: 'fields',
		displayOptions: ofType('list'),
	},
	{
		displayName: 'Rows',
		name: 'listRows',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Row',
		default: {},
		description: `Up to ${WHATSAPP_LIMITS.listRows} rows; rows with the same section title form one section`,
		displayOptions: { show: { ...send, messageType: ['list'], listInput: ['fields'] } },
		options: [
			{
				displayName: 'Row',
				name: 'row',
				values: [
					{
						displayName: 'Title',
						name: 'title',
						type: 'string',
						required: true,
						default: '',
						placeholder: 'e.g. Tomorrow 10:00',
						description: `Up to ${WHATSAPP_LIMITS.listRowTitle} characters`,
					},
					{
						displayName: 'ID',
						name: 'id',
						type: 'string',
						required: true,
						default: '',
						placeholder: 'e.g. slot_1000',
						description: `What your workflow receives when the contact picks it, up to ${WHATSAPP_LIMITS.listRowId} characters`,
					},
					{
						displayName: 'Description',
						name: 'description',
						type: 'string',
						default: '',
						description: `Shown under the title, up to ${WHATSAPP_LIMITS.listRowDescription} characters`,
					},
					{
						displayName: 'Section Title',
						name: 'section',
						type: 'string',
						default: '',
						placeholder: 'e.g. Morning',
						description: `Needed when the list has several sections, up to ${WHATSAPP_LIMITS.listSectionTitle} characters`,
					},
				],
			},
		],
	},
	{
		displayName: 'Sections (JSON)',
		name: 'listSectionsJson',
		type: 'json',
		required: true,
		default:
			'[\n  {\n    "title": "",\n    "rows": [{ "id": "", "title": "", "description": "" }]\n  }\n]',
		description:
			"WhatsApp's sections as in the default: each with a title and rows, each row with its own ID, a title and a description",
		displayOptions: { show: { ...send, messageType: ['list'], listInput: ['json'] } },
	},
	{
		displayName: 'Button Text',
		name: 'ctaDisplayText',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. Track Order',
		description: `The button's label, up to ${WHATSAPP_LIMITS.ctaDisplayText} characters`,
		displayOptions: ofType('ctaUrl'),
	},
	{
		displayName: 'URL',
		name: 'ctaUrl',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. https://example.com/orders/1234',
		description: 'The https address the button opens',
		displayOptions: ofType('ctaUrl'),
	},

	// Reaction
	{
		displayName: 'React To Message ID',
		name: 'reactionMessageId',
		type: 'string',
		required: true,
		default: '={{ $json.messageId }}',
		description:
			"The contact's message to react to (at most 30 days old); by default the incoming message",
		displayOptions: ofType('reaction'),
	},
	{
		displayName: 'Emoji',
		name: 'emoji',
		type: 'string',
		default: '',
		description: 'One emoji; leave empty to remove an earlier reaction',
		displayOptions: ofType('reaction'),
	},

	// Quoting
	{
		displayName: 'Quote Incoming Message',
		name: 'quoteIncomingMessage',
		type: 'boolean',
		default: false,
		description: "Whether to show the reply as an answer to the contact's message (a quote)",
		displayOptions: ofType(...QUOTABLE),
	},
	{
		displayName: 'Reply To Message ID',
		name: 'replyToMessageId',
		type: 'string',
		required: true,
		default: '={{ $json.messageId }}',
		description: 'The message to quote; by default the incoming message',
		displayOptions: {
			show: { ...send, messageType: QUOTABLE, quoteIncomingMessage: [true] },
		},
	},

	// Mark as read
	{
		displayName: 'Message ID',
		name: 'messageId',
		type: 'string',
		required: true,
		default: '={{ $json.messageId }}',
		description:
			"The contact's message to mark as read, by default the incoming message; earlier messages are marked too",
		displayOptions: { show: { operation: ['markAsRead'] } },
	},
	{
		displayName: 'Show Typing Indicator',
		name: 'typingIndicator',
		type: 'boolean',
		default: false,
		description:
			'Whether to show "typing…" to the contact until you reply or for up to 25 seconds; only use it when a reply follows',
		displayOptions: { show: { operation: ['markAsRead'] } },
	},

	{
		displayName: 'Confirm Opt-Out',
		name: 'confirmOptOut',
		type: 'boolean',
		// The model decides by default: an expression ($fromAI), which no boolean literal can be.
		// eslint-disable-next-line n8n-nodes-base/node-param-default-wrong-for-boolean
		default: TOOL_CONFIRMS_OPT_OUT,
		description:
			"Whether this reply confirms the contact's opt-out (STOP) with Opt-Out Confirmation Text, at most once per opt-out; by default the model decides",
		displayOptions: { show: { ...send, ...TOOL_ONLY } },
	},
	{
		displayName: 'Opt-Out Confirmation Text',
		name: 'optOutConfirmationText',
		type: 'string',
		default: OPT_OUT_CONFIRMATION_TEXT,
		typeOptions: { rows: 2 },
		description:
			"The business's own text that confirms an opt-out, sent instead of the model's; empty means the model is told to send nothing after a STOP",
		displayOptions: { show: { ...send, ...TOOL_ONLY } },
	},
	{ ...fullResultProperty, displayOptions: { show: { ...send, ...TOOL_ONLY } } },
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Address',
				name: 'address',
				type: 'string',
				default: '',
				placeholder: 'e.g. Pariser Platz, 10117 Berlin',
				displayOptions: inOptions('location'),
			},
			{
				displayName: 'Callback Data',
				name: 'callbackData',
				type: 'string',
				default: '',
				description: `Text of up to ${WHATSAPP_LIMITS.bizOpaqueCallbackData} characters that WhatsApp returns with this message's status updates (the trigger's "callbackData")`,
				displayOptions: { show: { '/operation': ['send'] } },
			},
			{
				displayName: 'Caption',
				name: 'caption',
				type: 'string',
				default: '',
				typeOptions: { rows: 2 },
				description: `Text under the image, video or document, up to ${WHATSAPP_LIMITS.mediaCaption} characters`,
				displayOptions: inOptions('image', 'video', 'document'),
			},
			{
				...defaultCountryOption,
				displayOptions: { show: { '/operation': ['send'] } },
			},
			{
				displayName: 'File Name',
				name: 'fileName',
				type: 'string',
				default: '',
				placeholder: 'e.g. invoice-1234.pdf',
				description:
					"The document's name as the contact sees it, by default the binary file's name; its extension picks the icon",
				displayOptions: inOptions('document'),
			},
			{
				displayName: 'Footer',
				name: 'footer',
				type: 'string',
				default: '',
				description: `Small grey text under the message, up to ${WHATSAPP_LIMITS.interactiveFooter} characters`,
				displayOptions: inOptions(...INTERACTIVE),
			},
			{
				displayName: 'Header Text',
				name: 'headerText',
				type: 'string',
				default: '',
				description: `Bold text above the message, up to ${WHATSAPP_LIMITS.interactiveHeaderText} characters`,
				displayOptions: inOptions(...INTERACTIVE),
			},
			{
				displayName: 'Idempotency Key',
				name: 'idempotencyKey',
				type: 'string',
				default: '',
				placeholder: 'e.g. {{ $json.messageId }}-answer',
				description:
					'A reply of one message type goes to one contact at most once per key (e.g. an order ID), also across executions, and a second run returns the first message ID; by default derived from the execution, this node and the item, which covers only "Retry On Fail"',
				displayOptions: { show: { '/operation': ['send'] } },
			},
			{
				displayName: 'Link Preview',
				name: 'linkPreview',
				type: 'boolean',
				default: false,
				description: 'Whether to show a preview of the first link in the text',
				displayOptions: inOptions('text'),
			},
			{
				displayName: 'Location Name',
				name: 'locationName',
				type: 'string',
				default: '',
				placeholder: 'e.g. Brandenburg Gate',
				displayOptions: inOptions('location'),
			},
			{
				displayName: 'Opt-Out Confirmation',
				name: 'optOutConfirmation',
				type: 'boolean',
				default: false,
				description:
					'Whether this reply confirms that the contact opted out (e.g. after "STOP"): the only reply allowed after a full opt-out, one per opt-out',
				displayOptions: { show: { '/operation': ['send'] } },
			},
			rateLimitOption,
			{ ...sentOutputOption, displayOptions: { show: { '/operation': ['send'] } } },
			{
				displayName: 'Voice Message',
				name: 'voice',
				type: 'boolean',
				default: false,
				description:
					'Whether to send the audio as a voice message; WhatsApp expects an OGG file with the Opus codec',
				displayOptions: inOptions('audio'),
			},
		],
	},
];
