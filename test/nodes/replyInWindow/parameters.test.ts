/**
 * Saved workflows refer to parameters by name and store only values that differ from the default:
 * a rename, a type change or a new default silently changes what existing workflows do. This test
 * pins the public contract; change it only together with a new node version.
 */
import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { WhatsAppReplyInWindow } from '../../../nodes/WhatsAppReplyInWindow/WhatsAppReplyInWindow.node';

const { description } = new WhatsAppReplyInWindow();

function flatten(properties: INodeProperties[], prefix = ''): [string, string, unknown][] {
	return properties.flatMap((p): [string, string, unknown][] => {
		const row: [string, string, unknown] = [prefix + p.name, p.type, p.default];
		if (p.type === 'collection') {
			return [row, ...flatten(p.options as INodeProperties[], `${prefix}${p.name}.`)];
		}
		if (p.type === 'fixedCollection') {
			return [
				row,
				...(p.options as Array<{ name: string; values: INodeProperties[] }>).flatMap((o) =>
					flatten(o.values, `${prefix}${p.name}.${o.name}.`),
				),
			];
		}
		return [row];
	});
}

function values(name: string): unknown[] {
	const property = description.properties.find((p) => p.name === name)!;
	return (property.options as INodePropertyOptions[]).map((o) => o.value).sort();
}

describe('reply in window parameters', () => {
	it('keeps the node name, version, outputs and credentials', () => {
		expect(description.name).toBe('whatsAppReplyInWindow');
		expect(description.version).toBe(1);
		expect(description.outputNames).toEqual(['Sent', 'Window Closed']);
		// A tool for n8n's AI Agent, without the output names on its one (agent) connection.
		expect(description.usableAsTool).toEqual({ replacements: { outputNames: undefined } });
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
		expect(flatten(description.properties)).toEqual([
			['storeNotice', 'callout', ''],
			// Reply in Window Tool only: its text may be improved.
			['toolDescription', 'string', expect.stringContaining('"window_closed"')],
			['operation', 'options', 'send'],
			['windowNotice', 'notice', ''],
			['senderNumber', 'resourceLocator', { mode: 'id', value: '={{ $json.phoneNumberId }}' }],
			['recipient', 'string', '={{ $json.contact }}'],
			['allowAnyRecipient', 'boolean', false],
			['messageType', 'options', 'text'],
			['text', 'string', ''],
			// Reply in Window Tool: the model writes the text (its key is what the model sends).
			['text', 'string', expect.stringContaining("$fromAI('text', ")],
			['mediaSource', 'options', 'link'],
			['mediaLink', 'string', ''],
			['mediaId', 'string', ''],
			['binaryPropertyName', 'string', 'data'],
			['latitude', 'number', 0],
			['longitude', 'number', 0],
			['contactCards', 'fixedCollection', {}],
			['contactCards.cards.birthday', 'string', ''],
			['contactCards.cards.company', 'string', ''],
			['contactCards.cards.email', 'string', ''],
			['contactCards.cards.firstName', 'string', ''],
			['contactCards.cards.formattedName', 'string', ''],
			['contactCards.cards.lastName', 'string', ''],
			['contactCards.cards.phone', 'string', ''],
			['contactCards.cards.phoneType', 'options', 'CELL'],
			['contactCards.cards.url', 'string', ''],
			['contactCards.cards.waId', 'string', ''],
			['bodyText', 'string', ''],
			['buttons', 'fixedCollection', {}],
			['buttons.button.title', 'string', ''],
			['buttons.button.id', 'string', ''],
			['listButtonText', 'string', ''],
			['listInput', 'options', 'fields'],
			['listRows', 'fixedCollection', {}],
			['listRows.row.title', 'string', ''],
			['listRows.row.id', 'string', ''],
			['listRows.row.description', 'string', ''],
			['listRows.row.section', 'string', ''],
			[
				'listSectionsJson',
				'json',
				'[\n  {\n    "title": "",\n    "rows": [{ "id": "", "title": "", "description": "" }]\n  }\n]',
			],
			['ctaDisplayText', 'string', ''],
			['ctaUrl', 'string', ''],
			['reactionMessageId', 'string', '={{ $json.messageId }}'],
			['emoji', 'string', ''],
			['quoteIncomingMessage', 'boolean', false],
			['replyToMessageId', 'string', '={{ $json.messageId }}'],
			['messageId', 'string', '={{ $json.messageId }}'],
			['typingIndicator', 'boolean', false],
			['confirmOptOut', 'boolean', expect.stringContaining("$fromAI('optOutConfirmation', ")],
			['optOutConfirmationText', 'string', expect.stringMatching(/Reply START\.$/)],
			['fullResult', 'boolean', false],
			['options', 'collection', {}],
			['options.address', 'string', ''],
			['options.callbackData', 'string', ''],
			['options.caption', 'string', ''],
			['options.defaultCountry', 'options', ''],
			['options.fileName', 'string', ''],
			['options.footer', 'string', ''],
			['options.headerText', 'string', ''],
			['options.idempotencyKey', 'string', ''],
			['options.linkPreview', 'boolean', false],
			['options.locationName', 'string', ''],
			['options.optOutConfirmation', 'boolean', false],
			['options.rateLimit', 'number', 0],
			['options.sentOutput', 'options', 'everyItem'],
			['options.voice', 'boolean', false],
		]);
	});

	it('keeps the values of every choice', () => {
		expect(values('operation')).toEqual(['markAsRead', 'send']);
		expect(values('messageType')).toEqual([
			'audio',
			'buttons',
			'contacts',
			'ctaUrl',
			'document',
			'image',
			'list',
			'location',
			'reaction',
			'sticker',
			'text',
			'video',
		]);
		expect(values('mediaSource')).toEqual(['binary', 'id', 'link']);
		expect(values('listInput')).toEqual(['fields', 'json']);
	});

	it("reads the trigger item's fields by default, so Trigger -> Reply needs nothing typed", () => {
		// The names the WhatsApp Trigger gives its items (nodes/core/webhook/events/types.ts).
		const defaults = Object.fromEntries(description.properties.map((p) => [p.name, p.default]));
		expect(defaults.recipient).toBe('={{ $json.contact }}');
		expect(defaults.senderNumber).toEqual({ mode: 'id', value: '={{ $json.phoneNumberId }}' });
		expect(defaults.replyToMessageId).toBe('={{ $json.messageId }}');
		expect(defaults.quoteIncomingMessage).toBe(false);
	});

	it('keeps the optional fields in alphabetical order', () => {
		const options = description.properties.find((p) => p.name === 'options')!
			.options as INodeProperties[];
		const names = options.map((o) => o.displayName);
		expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
	});
});
