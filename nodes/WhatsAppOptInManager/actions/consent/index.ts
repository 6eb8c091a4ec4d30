import type { INodeProperties } from 'n8n-workflow';

import * as check from './check.operation';
import * as confirm from './confirm.operation';
import * as getStatus from './getStatus.operation';
import * as optIn from './optIn.operation';
import * as optOut from './optOut.operation';

export { check, confirm, getStatus, optIn, optOut };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['consent'] } },
		options: [
			{
				name: 'Check',
				value: 'check',
				description: 'Route contacts to Allowed or Not Allowed for a purpose',
				action: 'Check consent for a purpose',
			},
			{
				name: 'Confirm Opt-In',
				value: 'confirm',
				description: "Record the contact's confirmation of a double opt-in",
				action: 'Confirm a double opt in',
			},
			{
				name: 'Get Status',
				value: 'getStatus',
				description: 'Consent per purpose, customer service window and marketing sent',
				action: 'Get the consent status of a contact',
			},
			{
				name: 'Opt In',
				value: 'optIn',
				description: 'Record consent with its source, wording and evidence',
				action: 'Record an opt in',
			},
			{
				name: 'Opt Out',
				value: 'optOut',
				description: 'Record the withdrawal of all or some purposes',
				action: 'Record an opt out',
			},
		],
		default: 'optIn',
	},
	...optIn.description,
	...confirm.description,
	...optOut.description,
	...check.description,
	...getStatus.description,
];
