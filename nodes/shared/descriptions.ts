import { getCountries, getCountryCallingCode } from 'libphonenumber-js/max';
import type { IExecuteFunctions, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

export const storeNotice: INodeProperties = {
	displayName:
		'Consent, windows and sends are kept in the compliance store. Without a WhatsApp Compliance Store credential, all workflows share an embedded SQLite file in the n8n user folder; use PostgreSQL in queue mode.',
	name: 'storeNotice',
	type: 'notice',
	default: '',
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
