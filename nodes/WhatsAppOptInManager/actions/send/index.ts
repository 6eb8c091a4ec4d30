import type { INodeProperties } from 'n8n-workflow';

import * as getMany from './getMany.operation';
import * as getUnconfirmed from './getUnconfirmed.operation';
import * as release from './release.operation';

export { getMany, getUnconfirmed, release };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['send'] } },
		options: [
			{
				name: 'Get Many',
				value: 'getMany',
				description:
					'Messages the send nodes sent, by idempotency key prefix, time or template, with their outcome',
				action: 'Get many sent messages',
			},
			{
				name: 'Get Unconfirmed',
				value: 'getUnconfirmed',
				description:
					'Messages whose request left but whose outcome nobody learned (a crash, a lost answer)',
				action: 'Get unconfirmed sent messages',
			},
			{
				name: 'Release',
				value: 'release',
				description: 'Free the idempotency key of an unconfirmed message so a re-run sends it',
				action: 'Release an unconfirmed sent message',
			},
		],
		default: 'getUnconfirmed',
	},
	...getMany.description,
	...getUnconfirmed.description,
	...release.description,
];
