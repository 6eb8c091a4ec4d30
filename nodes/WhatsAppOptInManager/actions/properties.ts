import type { IDisplayOptions, INodeProperties } from 'n8n-workflow';

import { MARKETING, TRANSACTIONAL } from '../../core/model';
import { defaultCountryOption } from '../../shared/descriptions';

// The parameters several operations show, each described once.

/** Adds "show only for this resource and these operations" to every property. */
export function showFor(
	resource: string,
	operations: string[],
	properties: INodeProperties[],
): INodeProperties[] {
	return properties.map((property) => {
		const displayOptions: IDisplayOptions = {
			...property.displayOptions,
			show: { resource: [resource], operation: operations, ...property.displayOptions?.show },
		};
		return { ...property, displayOptions };
	});
}

export const contactProperty: INodeProperties = {
	displayName: 'Contact',
	name: 'contact',
	type: 'string',
	default: '',
	required: true,
	placeholder: 'e.g. +49 151 23456789',
	description:
		"The contact's phone number in any common format (with Default Country for numbers without a country code), or their business-scoped user ID",
};

export const purposesProperty: INodeProperties = {
	displayName: 'Purposes',
	name: 'purposes',
	type: 'multiOptions',
	options: [
		{
			name: 'Marketing',
			value: MARKETING,
			description: 'Offers, news and reminders: marketing templates',
		},
		{
			name: 'Transactional',
			value: TRANSACTIONAL,
			description: 'Order updates, appointments and account messages: utility templates',
		},
	],
	default: [MARKETING],
	description: 'What the contact agrees to (or withdraws) besides the topics below',
};

export const topicsProperty: INodeProperties = {
	displayName: 'Topics',
	name: 'topics',
	type: 'string',
	default: '',
	placeholder: 'e.g. back_in_stock, price_drop',
	description:
		'Your own consent topics, separated by commas; a marketing template with a topic needs the opt-in to that topic',
};

export const SOURCE_OPTIONS = [
	{ name: 'API', value: 'api' },
	{ name: 'Checkout', value: 'checkout' },
	{ name: 'Import', value: 'import' },
	{ name: 'Paper', value: 'paper' },
	{ name: 'Web Form', value: 'web_form' },
	{ name: 'WhatsApp', value: 'whatsapp' },
];

export function sourceProperty(defaultSource: string, description: string): INodeProperties {
	return {
		displayName: 'Source',
		name: 'source',
		type: 'options',
		options: SOURCE_OPTIONS,
		default: defaultSource,
		description,
	};
}

export const evidenceProperty: INodeProperties = {
	displayName: 'Evidence',
	name: 'evidence',
	type: 'collection',
	placeholder: 'Add Evidence',
	default: {},
	description: 'Proof kept with the change in the history (GDPR Article 7)',
	options: [
		{
			displayName: 'Form URL',
			name: 'url',
			type: 'string',
			default: '',
			placeholder: 'e.g. https://shop.example.com/newsletter',
			description: 'The page where the contact gave or withdrew consent',
		},
		{
			displayName: 'IP Address',
			name: 'ip',
			type: 'string',
			default: '',
			placeholder: 'e.g. 203.0.113.7',
		},
		{
			displayName: 'Message ID',
			name: 'messageId',
			type: 'string',
			default: '',
			placeholder: 'e.g. wamid.HBgLNDkxNTEyMzQ1Njc4FQIAEhgg',
			description: 'The WhatsApp message that carried the opt-in, confirmation or opt-out',
		},
		{
			displayName: 'Note',
			name: 'note',
			type: 'string',
			default: '',
			placeholder: 'e.g. form v3, paper form #1234',
			description: 'Anything else worth keeping as proof',
		},
		{
			displayName: 'User Agent',
			name: 'userAgent',
			type: 'string',
			default: '',
			placeholder: 'e.g. Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)',
		},
	],
};

export function timeOption(description: string): INodeProperties {
	return {
		displayName: 'Time',
		name: 'time',
		type: 'dateTime',
		default: '',
		description: `${description}; leave empty for now; of two changes, the later one decides`,
	};
}

/**
 * The "Options" collection of an operation: Default Country plus `more`, alphabetised by display
 * name (n8n's rule for optional fields).
 */
export function countryOptions(...more: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [defaultCountryOption, ...more].sort((a, b) =>
			a.displayName.localeCompare(b.displayName),
		),
	};
}
