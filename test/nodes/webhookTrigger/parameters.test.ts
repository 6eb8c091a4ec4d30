/**
 * Saved workflows refer to parameters by name and store only values that differ from the default:
 * a rename, a type change or a new default silently changes what existing workflows do. This test
 * pins the public contract; change it only together with a new node version.
 */
import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { WHATSAPP_EVENT_KINDS } from '../../../nodes/core/webhook/events';
import { WhatsAppWebhookTrigger } from '../../../nodes/WhatsAppWebhookTrigger/WhatsAppWebhookTrigger.node';
import { copyProblems } from '../uxCopy';

const node = new WhatsAppWebhookTrigger();
const { description } = node;

function flatten(properties: INodeProperties[], prefix = ''): [string, string, unknown][] {
	return properties.flatMap((p): [string, string, unknown][] => {
		const row: [string, string, unknown] = [prefix + p.name, p.type, p.default];
		return p.type === 'collection'
			? [row, ...flatten(p.options as INodeProperties[], `${prefix}${p.name}.`)]
			: [row];
	});
}

function values(name: string): unknown[] {
	const property = description.properties.find((p) => p.name === name)!;
	return (property.options as INodePropertyOptions[]).map((o) => o.value);
}

describe('webhook trigger parameters', () => {
	it('keeps the node name, version, output, credentials and methods', () => {
		expect(description.name).toBe('whatsAppWebhookTrigger');
		expect(description.version).toBe(1);
		expect(description.group).toEqual(['trigger']);
		expect(description.inputs).toEqual([]);
		expect(description.outputs).toEqual(['main']);
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
		expect(Object.keys(node.methods.loadOptions)).toEqual(['getSenderNumbers']);
		expect(Object.keys(node.webhookMethods.default).sort()).toEqual([
			'checkExists',
			'create',
			'delete',
		]);
	});

	it('answers the GET handshake and the POSTs on one URL: the Path, or the webhook ID', () => {
		expect(description.webhooks).toEqual([
			{
				name: 'setup',
				httpMethod: 'GET',
				responseMode: 'onReceived',
				path: '={{$parameter["path"]}}',
				isFullPath: true,
			},
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: '={{$parameter["path"]}}',
				isFullPath: true,
			},
		]);
	});

	it('keeps every parameter name, type and default', () => {
		expect(flatten(description.properties)).toEqual([
			['setupNotice', 'notice', ''],
			['storeNotice', 'callout', ''],
			['path', 'string', ''],
			['triggerOn', 'multiOptions', ['message']],
			['messageStatuses', 'multiOptions', ['sent', 'delivered', 'read', 'played', 'failed']],
			['senderNumbers', 'multiOptions', []],
			['options', 'collection', {}],
			['options.closeWindowOn131047', 'boolean', true],
			['options.confirmationPayloads', 'string', ''],
			['options.confirmationKeywords', 'string', ''],
			['options.honourOptInKeywords', 'boolean', true],
			['options.honourOptOutButtons', 'boolean', true],
			['options.honourOptOutKeywords', 'boolean', true],
			['options.honourUserPreferences', 'boolean', true],
			['options.optInKeywords', 'string', ''],
			['options.optOutPayloads', 'string', ''],
			['options.optOutKeywords', 'string', ''],
			['options.recordCosts', 'boolean', true],
			['options.recordConfirmations', 'boolean', true],
			['options.recordAccountStanding', 'boolean', true],
			['options.recordSendFailures', 'boolean', true],
			['options.recordTemplateStatus', 'boolean', true],
			['options.recordWindow', 'boolean', true],
			['options.subscribeApp', 'boolean', false],
			['options.suppressMarketingOn131050', 'boolean', true],
		]);
	});

	it('offers every event kind of the core as a Trigger On choice, and every message status', () => {
		expect([...values('triggerOn')].sort()).toEqual([...WHATSAPP_EVENT_KINDS].sort());
		expect(values('triggerOn')).toEqual([
			'account_update',
			'business_capability',
			'error',
			'group',
			'message',
			'status',
			'other',
			'phone_number_quality',
			'template_category',
			'template_quality',
			'template_status',
			'user_preference',
		]);
		expect(values('messageStatuses')).toEqual(['delivered', 'failed', 'played', 'read', 'sent']);
	});

	it('lists options alphabetically, booleans described with "Whether"', () => {
		const options = description.properties.find((p) => p.name === 'options')!
			.options as INodeProperties[];
		const names = options.map((o) => o.displayName);
		expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
		for (const option of options.filter((o) => o.type === 'boolean')) {
			expect(option.description).toMatch(/^Whether /);
		}
	});

	it('describes every parameter in one sentence without a final period, in American English', () => {
		expect(copyProblems(description.properties)).toEqual([]);
		const options = description.properties.find((p) => p.name === 'options')!
			.options as INodeProperties[];
		expect(options.filter((o) => o.name.startsWith('honour')).map((o) => o.displayName)).toEqual([
			'Honor Opt-In Keywords',
			'Honor Opt-Out Buttons',
			'Honor Opt-Out Keywords',
			'Honor User Preferences',
		]);
	});
});
