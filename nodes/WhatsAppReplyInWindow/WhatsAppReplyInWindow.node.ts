import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { searchSenderNumbers } from '../shared/methods';
import { testCloudApi } from '../shared/cloudApiTest';
import { testComplianceStore } from '../shared/store';
import { USABLE_AS_TOOL_WITHOUT_OUTPUT_NAMES } from '../shared/tool';
import { properties } from './description';
import { execute } from './execute';

export class WhatsAppReplyInWindow implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WhatsApp Reply in Window',
		name: 'whatsAppReplyInWindow',
		icon: {
			light: 'file:../../icons/whatsapp-compliance.svg',
			dark: 'file:../../icons/whatsapp-compliance.dark.svg',
		},
		group: ['output'],
		version: 1,
		subtitle:
			'={{$parameter["operation"] === "markAsRead" ? "Mark as Read" : "Reply: " + $parameter["messageType"]}}',
		description:
			'Reply to a WhatsApp contact inside the 24-hour customer service window; closed windows go to a second output',
		defaults: { name: 'WhatsApp Reply in Window' },
		usableAsTool: USABLE_AS_TOOL_WITHOUT_OUTPUT_NAMES,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Sent', 'Window Closed'],
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
		properties,
	};

	methods = {
		listSearch: { searchSenderNumbers },
		credentialTest: { testCloudApi, testComplianceStore },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await execute.call(this);
	}
}
