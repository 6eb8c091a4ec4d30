import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { searchSenderNumbers } from '../shared/methods';
import { cloudApiCredential, storeCredential } from '../shared/descriptions';
import { testComplianceStore } from '../shared/store';
import { properties } from './description';
import { execute } from './execute';
import { getTemplateVariables, searchTemplates } from './methods';

export class WhatsAppSendTemplate implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WhatsApp Send Template',
		name: 'whatsAppSendTemplate',
		icon: {
			light: 'file:../../icons/whatsapp-compliance.svg',
			dark: 'file:../../icons/whatsapp-compliance.dark.svg',
		},
		group: ['output'],
		version: 1,
		subtitle: '={{ String($parameter["template"].value || "").split("|").join(" · ") }}',
		description:
			'Send an approved WhatsApp template only where consent, opt-outs, quiet hours and the frequency cap allow it',
		defaults: { name: 'WhatsApp Send Template' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Sent', 'Skipped'],
		credentials: [cloudApiCredential, storeCredential],
		properties,
	};

	methods = {
		listSearch: { searchSenderNumbers, searchTemplates },
		resourceMapping: { getTemplateVariables },
		credentialTest: { testComplianceStore },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await execute.call(this);
	}
}
