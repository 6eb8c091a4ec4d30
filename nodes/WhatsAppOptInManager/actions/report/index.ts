import type { INodeProperties } from 'n8n-workflow';

import * as cost from './cost.operation';

export { cost };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['report'] } },
		options: [
			{
				name: 'Cost',
				value: 'cost',
				description:
					'What the delivered messages of a period cost, per day, template, category and market',
				action: 'Get a cost report',
			},
		],
		default: 'cost',
	},
	...cost.description,
];
