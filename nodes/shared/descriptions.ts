import { getCountries, getCountryCallingCode } from 'libphonenumber-js/max';
import type { IExecuteFunctions, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { MAX_MESSAGES_PER_SECOND } from '../core/pace/schedule';

/**
 * Where the node keeps its state. A callout (grey, with an info icon, dismissable): the embedded
 * store is the intended default, so this is information, not the orange box n8n draws for a
 * notice, which reads like a warning.
 */
export const storeNotice: INodeProperties = {
	// The rule predates n8n's callout type and exempts notices only; a callout's text is a sentence.
	// eslint-disable-next-line n8n-nodes-base/node-param-display-name-miscased
	displayName:
		'Consent, windows and sends are kept in the compliance store. Without a WhatsApp Compliance Store credential, all workflows share an embedded SQLite file in the n8n user folder; use PostgreSQL in queue mode.',
	name: 'storeNotice',
	type: 'callout',
	default: '',
};

/**
 * The node's own rate (Options > Rate Limit of both send nodes). The sender number's throughput
 * is the credential's and is shared by every workflow and n8n process using the same store; this
 * can only lower it for the node.
 */
export const rateLimitOption: INodeProperties = {
	displayName: 'Rate Limit',
	name: 'rateLimit',
	type: 'number',
	default: 0,
	typeOptions: { minValue: 0, maxValue: MAX_MESSAGES_PER_SECOND },
	description:
		"Most messages per second this node sends; 0 sends at the sender number's throughput (Messages Per Second in the WhatsApp Cloud API credential), which all workflows and n8n processes share. A value can only lower it.",
};

export const senderNumberProperty: INodeProperties = {
	displayName: 'Sender Number',
	name: 'senderNumber',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	description:
		"The business phone number to send from; leave empty to use the credential's phone number ID",
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			// Empty is a valid choice, not a missing one: the list says what it means.
			placeholder: "The credential's number",
			typeOptions: { searchListMethod: 'searchSenderNumbers', searchable: true },
		},
		{
			displayName: 'By ID',
			name: 'id',
			type: 'string',
			placeholder: 'e.g. 106540352242922',
			validation: [
				{
					type: 'regex',
					properties: { regex: '^\\d+$', errorMessage: 'A phone number ID has only digits' },
				},
			],
		},
	],
};

let countryOptions: INodePropertyOptions[] | undefined;

/** Every country libphonenumber knows, by English name, with its calling code. */
export function defaultCountryOptions(): INodePropertyOptions[] {
	if (!countryOptions) {
		const names = new Intl.DisplayNames(['en'], { type: 'region' });
		countryOptions = getCountries()
			.map((code) => ({
				name: `${names.of(code) ?? code} (+${getCountryCallingCode(code)})`,
				value: code,
			}))
			.sort((a, b) => a.name.localeCompare(b.name));
		countryOptions.unshift({ name: 'None (Numbers Must Include the Country Code)', value: '' });
	}
	return countryOptions;
}

export const defaultCountryOption: INodeProperties = {
	displayName: 'Default Country',
	name: 'defaultCountry',
	type: 'options',
	options: defaultCountryOptions(),
	default: '',
	description:
		'Country of phone numbers written without a country code, e.g. 0151 2345678 in Germany',
};

/** The sender number parameter's value, or the credential's default sender. */
export function senderNumberOf(
	ctx: IExecuteFunctions,
	itemIndex: number,
	credentialDefault: string,
): string {
	const value = ctx.getNodeParameter('senderNumber', itemIndex, '', { extractValue: true });
	const id = String(value ?? '').trim();
	return id || credentialDefault;
}
