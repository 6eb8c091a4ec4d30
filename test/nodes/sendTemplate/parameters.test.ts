/**
 * The node's public contract: saved workflows refer to the node and its parameters by name, and
 * keep the values of their types. A rename or a changed default fails here before it breaks them.
 */
import type { INodeProperties } from 'n8n-workflow';

import { WhatsAppSendTemplate } from '../../../nodes/WhatsAppSendTemplate/WhatsAppSendTemplate.node';

const { description } = new WhatsAppSendTemplate();

function shape(properties: INodeProperties[]) {
	return properties.map((p) => [p.name, p.type, p.default]);
}

function option(name: string): INodeProperties {
	const options = description.properties.find((p) => p.name === 'options')!
		.options as INodeProperties[];
	return options.find((o) => o.name === name)!;
}

describe('Send Template parameters', () => {
	it('keeps the node name, version, credentials and outputs', () => {
		expect(description.name).toBe('whatsAppSendTemplate');
		expect(description.version).toBe(1);
		// A tool for n8n's AI Agent, without the output names on its one (agent) connection.
		expect(description.usableAsTool).toEqual({ replacements: { outputNames: undefined } });
		expect(description.outputNames).toEqual(['Sent', 'Skipped']);
		expect(description.outputs).toEqual(['main', 'main']);
		expect(description.credentials).toEqual([
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
		]);
	});

	it('keeps every parameter name, type and default', () => {
		expect(shape(description.properties)).toEqual([
			['storeNotice', 'callout', ''],
			// Send Template Tool only: its text may be improved; that it lists the templates may not.
			['toolDescription', 'string', expect.stringContaining('$parameter.modelTemplates')],
			['senderNumber', 'resourceLocator', { mode: 'list', value: '' }],
			['recipient', 'string', ''],
			// Send Template Tool: the contact of the incoming item.
			['recipient', 'string', '={{ $json.contact }}'],
			['allowAnyRecipient', 'boolean', false],
			['templateChoice', 'options', 'fixed'],
			['modelTemplates', 'multiOptions', []],
			// The model's arguments: their keys are what the model sends.
			['modelTemplate', 'string', expect.stringContaining("$fromAI('template', ")],
			['modelVariables', 'json', expect.stringContaining("$fromAI('variables', ")],
			['template', 'resourceLocator', { mode: 'list', value: '' }],
			['language', 'string', ''],
			['variablesMode', 'options', 'fields'],
			['variables', 'resourceMapper', { mappingMode: 'defineBelow', value: null }],
			['components', 'json', '[]'],
			['fullResult', 'boolean', false],
			['options', 'collection', {}],
		]);
	});

	it('keeps the option names, types and defaults, in alphabetical order', () => {
		const options = description.properties.find((p) => p.name === 'options')!
			.options as INodeProperties[];

		expect(shape(options)).toEqual([
			['callbackData', 'string', ''],
			['consentTopic', 'string', ''],
			['defaultCountry', 'options', ''],
			['doubleOptInConfirmation', 'boolean', false],
			['dryRun', 'boolean', false],
			['idempotencyKey', 'string', ''],
			['frequencyCap', 'fixedCollection', {}],
			['messagingLimit', 'fixedCollection', {}],
			['priceTable', 'json', '{}'],
			['qualityProtection', 'boolean', true],
			['quietHours', 'fixedCollection', {}],
			['rateLimit', 'number', 0],
			['sentOutput', 'options', 'everyItem'],
		]);
		const names = options.map((o) => o.displayName);
		expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
	});

	it('keeps the fields of the frequency cap, the quiet hours and the messaging limit', () => {
		const values = (name: string) =>
			(option(name).options as Array<{ name: string; values: INodeProperties[] }>).map((g) => [
				g.name,
				shape(g.values),
			]);

		expect(values('frequencyCap')).toEqual([
			[
				'settings',
				[
					['enabled', 'boolean', true],
					['max', 'number', 2],
					['periodDays', 'number', 7],
				],
			],
		]);
		expect(values('quietHours')).toEqual([
			[
				'settings',
				[
					['enabled', 'boolean', true],
					['start', 'string', '21:00'],
					['end', 'string', '08:00'],
					['fallbackTimeZone', 'string', ''],
				],
			],
		]);
		expect(values('messagingLimit')).toEqual([
			[
				'settings',
				[
					['enabled', 'boolean', true],
					['maxContacts', 'number', 0],
				],
			],
		]);
	});

	it('keeps the values of the choices', () => {
		const variablesMode = description.properties.find((p) => p.name === 'variablesMode')!;
		const template = description.properties.find((p) => p.name === 'template')!;

		expect(variablesMode.options!.map((o) => ('value' in o ? o.value : undefined))).toEqual([
			'fields',
			'json',
		]);
		expect(template.modes!.map((m) => m.name)).toEqual(['list', 'name']);
		expect(template.modes![0].typeOptions?.searchListMethod).toBe('searchTemplates');
	});

	it('names the methods the editor calls', () => {
		const node = new WhatsAppSendTemplate();
		const variables = description.properties.find((p) => p.name === 'variables')!;

		expect(variables.typeOptions?.resourceMapper?.resourceMapperMethod).toBe(
			'getTemplateVariables',
		);
		expect(Object.keys(node.methods.listSearch)).toEqual([
			'searchSenderNumbers',
			'searchTemplates',
		]);
		expect(Object.keys(node.methods.resourceMapping)).toEqual(['getTemplateVariables']);
		expect(Object.keys(node.methods.credentialTest)).toEqual([
			'testCloudApi',
			'testComplianceStore',
		]);
	});
});
