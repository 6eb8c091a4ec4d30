import {
	NodeConnectionTypes,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { cloudApiCredential, storeCredential } from '../shared/descriptions';
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
		credentials: [cloudApiCredential, storeCredential],
		webhooks,
		properties,
	};

	methods = {
		loadOptions: { getSenderNumbers },
		credentialTest: { testComplianceStore },
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
