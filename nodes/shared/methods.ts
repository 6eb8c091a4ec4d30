import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { getCloudApi } from './cloudApi';
import { toNodeError } from './nodeErrors';

/** Sender numbers of the credential's business account, for the Sender Number list. */
export async function searchSenderNumbers(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const { client, settings } = await getCloudApi(this);
	try {
		const numbers = await client.listPhoneNumbers(settings.businessAccountId, {
			fields: ['display_phone_number', 'verified_name', 'quality_rating'],
		});
		const needle = filter?.toLowerCase().trim();
		const results = numbers
			.map((n) => {
				const name = [n.display_phone_number, n.verified_name].filter(Boolean).join(' - ') || n.id;
				return {
					name: n.id === settings.phoneNumberId ? `${name} (the credential's)` : name,
					value: n.id,
				};
			})
			.filter((r) => !needle || r.name.toLowerCase().includes(needle) || r.value.includes(needle));
		return { results };
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
}
