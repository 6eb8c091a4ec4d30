import type { IAuthenticateGeneric, ICredentialType, INodeProperties } from 'n8n-workflow';

import { DEFAULT_API_VERSION, DEFAULT_BASE_URL } from '../nodes/core/client/defaults';
import { DEFAULT_MESSAGES_PER_SECOND, MAX_MESSAGES_PER_SECOND } from '../nodes/core/pace/schedule';

export class WhatsAppCloudApi implements ICredentialType {
	name = 'whatsAppCloudApi';

	displayName = 'WhatsApp Cloud API';

	icon = {
		light: 'file:../icons/whatsapp-compliance.svg',
		dark: 'file:../icons/whatsapp-compliance.dark.svg',
	} as const;

	documentationUrl =
		'https://developers.facebook.com/documentation/business-messaging/whatsapp/get-started';

	properties: INodeProperties[] = [
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'A system user access token with the whatsapp_business_messaging and whatsapp_business_management permissions',
		},
		{
			displayName: 'WhatsApp Business Account ID',
			name: 'businessAccountId',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. 102290129340398',
			description: 'Where the templates and phone numbers live (WhatsApp Manager > Account tools)',
		},
		{
			displayName: 'Phone Number ID',
			name: 'phoneNumberId',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. 106540352242922',
			description:
				'The default sender: the ID of your business phone number, not the number itself',
		},
		{
			displayName: 'Messages Per Second',
			name: 'messagesPerSecond',
			type: 'number',
			default: DEFAULT_MESSAGES_PER_SECOND,
			typeOptions: { minValue: 1, maxValue: MAX_MESSAGES_PER_SECOND },
			description: `The throughput of your sender numbers: ${DEFAULT_MESSAGES_PER_SECOND}, or up to ${MAX_MESSAGES_PER_SECOND} once Meta raised it (WhatsApp Manager > Phone numbers). Every workflow and n8n process that uses the same compliance store shares it per number.`,
		},
		{
			displayName: 'Messaging Limit',
			name: 'messagingLimit',
			type: 'number',
			default: 0,
			typeOptions: { minValue: 0, numberPrecision: 0 },
			description:
				"Most unique contacts your business portfolio may reach outside the customer service window in 24 hours; 0 uses Meta's limit, which Send Template reads from the account. A lower number keeps room for other tools that send from the same portfolio.",
		},
		{
			displayName: 'App Secret',
			name: 'appSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Used to check that webhooks really come from Meta (App Dashboard > App settings > Basic)',
		},
		{
			displayName: 'Verify Token',
			name: 'verifyToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Any string you choose; enter the same one in the App Dashboard when you set the callback URL',
		},
		{
			displayName: 'API Version',
			name: 'apiVersion',
			type: 'string',
			default: DEFAULT_API_VERSION,
			placeholder: `e.g. ${DEFAULT_API_VERSION}`,
			description: 'The Graph API version to call',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: DEFAULT_BASE_URL,
			description:
				"Meta's Graph API host; change it only to use the local sandbox (e.g. http://localhost:4010) or a proxy",
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.accessToken}}',
			},
		},
	};
}
