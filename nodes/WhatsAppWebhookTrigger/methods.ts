import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { searchSenderNumbers } from '../shared/methods';

/** The business phone numbers of the credential's account, for the Sender Numbers filter. */
export async function getSenderNumbers(
	this: ILoadOptionsFunctions,
): Promise<INodePropertyOptions[]> {
	const { results } = await searchSenderNumbers.call(this);
	return results.map((result) => ({ name: result.name, value: result.value }));
}
