import type { Sandbox } from '../../sandbox/server';
import { api, PHONE, PHONE_US, startTestSandbox, TOKEN, WABA } from './support';

let sandbox: Sandbox;
beforeAll(async () => {
	sandbox = await startTestSandbox();
});
afterAll(() => sandbox.close());

describe('access token', () => {
	it("answers a call without a token with HTTP 401 and code 190 in Meta's envelope", async () => {
		const answer = await api(sandbox, 'GET', `/${PHONE}`, { token: null });
		expect(answer.status).toBe(401);
		expect(answer.json).toEqual({
			error: {
				message: expect.stringMatching(/^\(#190\) /),
				type: 'OAuthException',
				code: 190,
				error_data: { messaging_product: 'whatsapp', details: expect.any(String) },
				fbtrace_id: expect.any(String),
			},
		});
		expect(answer.headers.get('www-authenticate')).toContain('invalid_token');
	});

	it('answers a wrong token with 401 and code 190, without echoing either token', async () => {
		const answer = await api(sandbox, 'POST', `/${PHONE}/messages`, {
			token: 'wrong-token',
			body: {},
		});
		expect(answer.status).toBe(401);
		expect(answer.json.error.code).toBe(190);
		const text = JSON.stringify(answer.json);
		expect(text).not.toContain('wrong-token');
		expect(text).not.toContain(TOKEN);
	});

	it('takes the token as access_token in the query, as Graph does', async () => {
		const response = await fetch(`${sandbox.url}/v25.0/${PHONE}?access_token=${TOKEN}`);
		expect(response.status).toBe(200);
	});
});

describe('API versions', () => {
	it.each(['v19.0', 'v23.0', 'v25.0', 'v26.0'])('serves %s', async (version) => {
		const answer = await api(sandbox, 'GET', `/${PHONE}`, { version });
		expect(answer.status).toBe(200);
	});

	it.each(['v2.12', 'v25.1', 'v9.0', 'latest'])('rejects /%s/ with code 2635', async (version) => {
		const answer = await api(sandbox, 'GET', `/${PHONE}`, { version });
		expect(answer.status).toBe(400);
		expect(answer.json.error.code).toBe(2635);
		expect(answer.json.error.type).toBe('OAuthException');
	});
});

describe('objects', () => {
	it('answers an unknown id with code 100 (GraphMethodException, subcode 33)', async () => {
		const answer = await api(sandbox, 'GET', '/999000111');
		expect(answer.status).toBe(400);
		expect(answer.json.error).toMatchObject({
			code: 100,
			type: 'GraphMethodException',
			error_subcode: 33,
		});
	});

	it('answers unknown path components with code 2500', async () => {
		const answer = await api(sandbox, 'GET', `/${PHONE}/messages/extra`);
		expect(answer.json.error.code).toBe(2500);
	});
});

describe('phone numbers', () => {
	it('returns the default fields of a phone number: id, display number, verified name, quality', async () => {
		const answer = await api(sandbox, 'GET', `/${PHONE}`);
		expect(answer.json).toEqual({
			id: PHONE,
			display_phone_number: '+49 30 57700180',
			verified_name: 'Sandbox Shop',
			quality_rating: 'GREEN',
		});
	});

	it('returns the throughput level asked for: STANDARD at 80, HIGH at 1000 messages per second', async () => {
		const standard = await api(sandbox, 'GET', `/${PHONE}?fields=throughput`);
		const high = await api(sandbox, 'GET', `/${PHONE_US}?fields=throughput,verified_name`);
		expect(standard.json).toEqual({ throughput: { level: 'STANDARD' }, id: PHONE });
		expect(high.json).toEqual({
			verified_name: 'Sandbox Shop US',
			throughput: { level: 'HIGH' },
			id: PHONE_US,
		});
	});

	it('rejects a field that does not exist with code 100 naming it', async () => {
		const answer = await api(sandbox, 'GET', `/${PHONE}?fields=colour`);
		expect(answer.json.error.code).toBe(100);
		expect(answer.json.error.message).toContain('colour');
	});

	it("lists the account's phone numbers in a data/paging envelope", async () => {
		const answer = await api(sandbox, 'GET', `/${WABA}/phone_numbers`);
		expect(answer.json.data.map((p: { id: string }) => p.id)).toEqual([PHONE, PHONE_US]);
		expect(answer.json.data[0]).toMatchObject({
			verified_name: 'Sandbox Shop',
			display_phone_number: '+49 30 57700180',
			quality_rating: 'GREEN',
			platform_type: 'CLOUD_API',
			throughput: { level: 'STANDARD' },
		});
		expect(answer.json.paging.cursors).toEqual({
			before: expect.any(String),
			after: expect.any(String),
		});
	});
});

describe('subscribed apps', () => {
	it('lists the sandbox app as subscribed, and none after DELETE', async () => {
		const before = await api(sandbox, 'GET', `/${WABA}/subscribed_apps`);
		expect(before.json.data).toEqual([
			{
				whatsapp_business_api_data: {
					id: expect.any(String),
					link: expect.any(String),
					name: expect.any(String),
				},
			},
		]);
		expect((await api(sandbox, 'DELETE', `/${WABA}/subscribed_apps`)).json).toEqual({
			success: true,
		});
		expect((await api(sandbox, 'GET', `/${WABA}/subscribed_apps`)).json).toEqual({ data: [] });
		expect((await api(sandbox, 'POST', `/${WABA}/subscribed_apps`)).json).toEqual({
			success: true,
		});
		expect((await api(sandbox, 'GET', `/${WABA}/subscribed_apps`)).json.data).toHaveLength(1);
	});
});
