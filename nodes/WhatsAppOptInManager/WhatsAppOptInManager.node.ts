import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { testComplianceStore } from '../shared/store';
import { outputs, properties } from './actions/node.description';
import { router } from './actions/router';

/**
 * Consent with proof for WhatsApp. Makes no Cloud API call, so it needs no Cloud API credential:
 * everything lives in the compliance store. Operations: actions/<resource>/<operation>.operation.ts.
 */
export class WhatsAppOptInManager implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WhatsApp Opt-in Manager',
		name: 'whatsAppOptInManager',
		icon: {
			light: 'file:../../icons/whatsapp-compliance.svg',
			dark: 'file:../../icons/whatsapp-compliance.dark.svg',
		},
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
		description:
			'Record WhatsApp opt-ins and opt-outs with proof, check consent, export it for audits, erase contacts, and see the messaging limit, quality ratings and costs',
		defaults: { name: 'WhatsApp Opt-in Manager' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs,
		credentials: [
			{
				name: 'whatsAppComplianceStoreApi',
				displayName: 'Compliance Store (Optional)',
				required: false,
				testedBy: 'testComplianceStore',
			},
		],
		properties,
	};

	methods = { credentialTest: { testComplianceStore } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
