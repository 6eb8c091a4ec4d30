import type { ICredentialType, INodeProperties } from 'n8n-workflow';

import { DEFAULT_POOL_SIZE } from '../nodes/core/store/postgres/defaults';

const postgresOnly = { show: { backend: ['postgres'] } };

/**
 * Where consent, windows, sends and webhook keys are kept. Without this credential every node uses
 * the embedded SQLite file in the n8n user folder, shared by all workflows of the instance.
 * Queue mode (main, webhook and worker processes) needs PostgreSQL: nodes/shared/store.ts refuses
 * SQLite there.
 */
export class WhatsAppComplianceStoreApi implements ICredentialType {
	name = 'whatsAppComplianceStoreApi';

	displayName = 'WhatsApp Compliance Store API';

	icon = {
		light: 'file:../icons/whatsapp-compliance.svg',
		dark: 'file:../icons/whatsapp-compliance.dark.svg',
	} as const;

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-whatsapp-compliance#queue-mode';

	properties: INodeProperties[] = [
		{
			displayName: 'Backend',
			name: 'backend',
			type: 'options',
			options: [
				{
					name: 'Embedded (SQLite)',
					value: 'sqlite',
					description: 'One file on this machine; for a single n8n process',
				},
				{
					name: 'PostgreSQL',
					value: 'postgres',
					description: 'Shared by all n8n processes; needed in queue mode',
				},
			],
			default: 'sqlite',
		},
		{
			displayName: 'SQLite File',
			name: 'sqlitePath',
			type: 'string',
			default: '',
			placeholder: 'e.g. /home/node/.n8n-files/whatsapp-compliance.sqlite',
			description:
				"Leave empty to use whatsapp-compliance.sqlite in the n8n user folder, the file every node uses by default; another file must be in a folder n8n lets nodes use (N8N_RESTRICT_FILE_ACCESS_TO, by default ~/.n8n-files), never n8n's own database",
			displayOptions: { show: { backend: ['sqlite'] } },
		},
		{
			displayName: 'Host',
			name: 'host',
			type: 'string',
			default: 'localhost',
			displayOptions: postgresOnly,
		},
		{
			displayName: 'Port',
			name: 'port',
			type: 'number',
			default: 5432,
			displayOptions: postgresOnly,
		},
		{
			displayName: 'Database',
			name: 'database',
			type: 'string',
			default: 'n8n',
			displayOptions: postgresOnly,
		},
		{
			displayName: 'User',
			name: 'user',
			type: 'string',
			default: '',
			displayOptions: postgresOnly,
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: postgresOnly,
		},
		{
			displayName: 'SSL',
			name: 'ssl',
			type: 'options',
			options: [
				{ name: 'Disable', value: 'disable' },
				{ name: 'Require', value: 'require', description: 'Encrypt; check the certificate' },
				{
					name: 'Require, Allow Self-Signed',
					value: 'allow-self-signed',
					description: 'Encrypt; accept certificates that cannot be verified',
				},
			],
			default: 'disable',
			displayOptions: postgresOnly,
		},
		{
			displayName: 'Schema',
			name: 'schema',
			type: 'string',
			default: 'public',
			description: 'Created if missing',
			displayOptions: postgresOnly,
		},
		{
			displayName: 'Table Prefix',
			name: 'tablePrefix',
			type: 'string',
			default: 'wa_',
			description:
				'Lets several stores share one schema; lower-case letters, digits and underscores',
			displayOptions: postgresOnly,
		},
		{
			displayName: 'Max Connections',
			name: 'poolSize',
			type: 'number',
			typeOptions: { minValue: 1, numberPrecision: 0 },
			default: DEFAULT_POOL_SIZE,
			description:
				'Connections each n8n process (main, every webhook processor and worker) may open to the store at once',
			displayOptions: postgresOnly,
		},
	];
}
