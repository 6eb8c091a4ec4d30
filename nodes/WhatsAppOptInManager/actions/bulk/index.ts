import type { INodeProperties } from 'n8n-workflow';

import * as exportConsents from './export.operation';
import * as importConsents from './import.operation';

// "export" and "import" are reserved words: the modules get longer names, the operations keep theirs.
export { exportConsents as export, importConsents as import };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['bulk'] } },
		options: [
			{
				name: 'Export',
				value: 'export',
				description: 'All consents as a CSV or JSON file for audits',
				action: 'Export all consents',
			},
			{
				name: 'Import',
				value: 'import',
				description: 'Consent changes from many items at once, safe to run again',
				action: 'Import consents',
			},
		],
		default: 'import',
	},
	...importConsents.description,
	...exportConsents.description,
];
