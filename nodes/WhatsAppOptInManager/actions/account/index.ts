import type { INodeProperties } from 'n8n-workflow';

import * as getStatus from './getStatus.operation';

export { getStatus };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['account'] } },
		options: [
			{
				name: 'Get Status',
				value: 'getStatus',
				description:
					"The business portfolio's messaging limit and the quality ratings of its numbers and templates",
				action: 'Get the messaging limit and quality ratings',
			},
		],
		default: 'getStatus',
	},
	...getStatus.description,
];
