import {
	NodeConnectionTypes,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { testCloudApi } from '../shared/cloudApiTest';
import { testComplianceStore } from '../shared/store';
import { properties, webhooks } from './description';
import { checkExists, create, remove } from './lifecycle';
import { getSenderNumbers } from './methods';
import { webhook } from './webhook';

export class WhatsAppWebhookTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WhatsApp Webhook Trigger',
		name: 'whatsAppWebhookTrigger',
		icon: {
			light: 'file:../../icons/whatsapp-compliance.svg',
			dark: 'file:../../icons/whatsapp-compliance.dark.svg',
		},
		group: ['trigger'],
		version: 1,
		subtitle: '={{ ($parameter["triggerOn"] || []).join(", ") }}',
		description:
			"Starts the workflow on WhatsApp messages, statuses and account events; checks Meta's signature, drops re-deliveries and records opt-outs and windows",
		defaults: { name: 'WhatsApp Webhook Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		// Labelled, so that the two fields cannot be mixed up (n8n calls both "Credential" otherwise)
		// and the empty store field does not read like something missing. Literal here: n8n's lint
		// rule credential-test-required reads testedBy from the node files.
		credentials: [
			{
				name: 'whatsAppCloudApi',
				displayName: 'WhatsApp Cloud API',
				required: true,
				testedBy: 'testCloudApi',
			},
			{
				name: 'whatsAppComplianceStoreApi',
				displayName: 'Compliance Store (Optional)',
				required: false,
				testedBy: 'testComplianceStore',
			},
		],
		webhooks,
		properties,
	};

	methods = {
		loadOptions: { getSenderNumbers },
		credentialTest: { testCloudApi, testComplianceStore },
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return await checkExists.call(this);
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return await create.call(this);
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return await remove.call(this);
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await webhook.call(this);
	}
}
