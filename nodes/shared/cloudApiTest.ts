import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { DEFAULT_API_VERSION, DEFAULT_BASE_URL } from '../core/client/defaults';
import { GraphApiError, GraphClient } from '../core/client/client';

/**
 * The Test of the WhatsApp Cloud API credential: reads the credential's phone number. A failure
 * says what Meta (or the sandbox) answered and how to fix it, where a declarative test would only
 * say "Authorization failed" for any 401.
 */
export async function testCloudApi(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	const phoneNumberId = String(data.phoneNumberId ?? '').trim();
	try {
		const client = new GraphClient({
			accessToken: String(data.accessToken ?? ''),
			apiVersion: String(data.apiVersion || DEFAULT_API_VERSION).trim(),
			baseUrl: String(data.baseUrl || DEFAULT_BASE_URL).trim(),
			maxRetries: 0,
		});
		const number = await client.getPhoneNumber(phoneNumberId, [
			'display_phone_number',
			'verified_name',
		]);
		return {
			status: 'OK',
			message: `Connected: phone number ${number.display_phone_number ?? phoneNumberId} (${number.verified_name ?? 'no verified name'})`,
		};
	} catch (error) {
		if (error instanceof GraphApiError) {
			return { status: 'Error', message: `${error.message} ${error.description}`.trim() };
		}
		return { status: 'Error', message: (error as Error).message };
	}
}
