import type { INodeProperties } from 'n8n-workflow';

import * as erase from './erase.operation';
import * as getHistory from './getHistory.operation';

export { erase, getHistory };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['contact'] } },
		options: [
			{
				name: 'Erase',
				value: 'erase',
				description: "Delete the contact's data and keep them blocked (GDPR Article 17)",
				action: 'Erase a contact',
			},
			{
				name: 'Get History',
				value: 'getHistory',
				description: 'The proof trail of every consent change (GDPR Article 7)',
				action: 'Get the consent history of a contact',
			},
		],
		default: 'getHistory',
	},
	...getHistory.description,
	...erase.description,
];
