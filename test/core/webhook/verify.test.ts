import { createHmac } from 'node:crypto';

import {
	answerHandshake,
	computeSignature,
	verifySignature,
} from '../../../nodes/core/webhook/verify';
import { textMessageWebhook } from '../wire/fixtures';

const APP_SECRET = '5f2b9c0e7d1a43f8b6e2c9d0a1b2c3d4';

function sign(body: string | Buffer, secret = APP_SECRET): string {
	return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * What Meta puts on the wire for a text with non-ASCII characters, "<", "/" and "@": each escaped
 * (lower-case \uXXXX, "\/"), which is not what JSON.stringify produces.
 */
const META_ESCAPED_BODY =
	'{"object":"whatsapp_business_account","entry":[{"id":"318447201993512","changes":[{"value":' +
	'{"messaging_product":"whatsapp","metadata":{"display_phone_number":"4930901820","phone_number_id":"774120593381042"},' +
	'"messages":[{"from":"4915112345678","id":"wamid.X1","timestamp":"1764241200","type":"text",' +
	'"text":{"body":"Gr\\u00fc\\u00dfe \\u003C3 an info\\u0040example.de, siehe https:\\/\\/example.de \\ud83d\\ude4f"}}]},' +
	'"field":"messages"}]}]}';

describe('signature (X-Hub-Signature-256)', () => {
	const body = JSON.stringify(textMessageWebhook({ text: 'Hallo' }));

	it('accepts the HMAC-SHA256 of the raw body keyed with the app secret', () => {
		expect(verifySignature(body, sign(body), APP_SECRET)).toBe(true);
		expect(verifySignature(Buffer.from(body), sign(body), APP_SECRET)).toBe(true);
		expect(verifySignature(new Uint8Array(Buffer.from(body)), sign(body), APP_SECRET)).toBe(true);
	});

	it('accepts what computeSignature produces, and upper-case hex', () => {
		expect(computeSignature(body, APP_SECRET)).toBe(sign(body));
		const upper = `sha256=${sign(body).slice(7).toUpperCase()}`;
		expect(verifySignature(body, upper, APP_SECRET)).toBe(true);
	});

	it('rejects a signature made with another secret', () => {
		expect(verifySignature(body, sign(body, 'another-secret'), APP_SECRET)).toBe(false);
	});

	it('rejects a body changed by one byte', () => {
		expect(verifySignature(body.replace('Hallo', 'Hallo!'), sign(body), APP_SECRET)).toBe(false);
	});

	it('rejects a missing header', () => {
		expect(verifySignature(body, undefined, APP_SECRET)).toBe(false);
		expect(verifySignature(body, '', APP_SECRET)).toBe(false);
	});

	it('rejects malformed headers without throwing', () => {
		const hex = sign(body).slice('sha256='.length);
		for (const header of [
			hex, // no prefix
			`sha1=${hex}`,
			`SHA256=${hex}`,
			`sha256=${hex.slice(0, 63)}`, // one digit short
			`sha256=${hex}0`, // one digit long
			`sha256=${hex.slice(0, 62)}zz`, // not hex
			'sha256=',
			`sha256= ${hex}x`,
		]) {
			expect(verifySignature(body, header, APP_SECRET)).toBe(false);
		}
	});

	it('rejects a repeated header but accepts one given as a single-element list', () => {
		expect(verifySignature(body, [sign(body)], APP_SECRET)).toBe(true);
		expect(verifySignature(body, [sign(body), sign(body)], APP_SECRET)).toBe(false);
	});

	it('rejects everything when the app secret is empty', () => {
		expect(verifySignature(body, sign(body, ''), '')).toBe(false);
	});

	it('rejects non-string inputs without throwing', () => {
		expect(verifySignature(undefined, sign(body), APP_SECRET)).toBe(false);
		expect(verifySignature(body, 42 as unknown as string, APP_SECRET)).toBe(false);
		expect(verifySignature(body, sign(body), undefined as unknown as string)).toBe(false);
		expect(verifySignature({} as unknown as string, sign('{}'), APP_SECRET)).toBe(false);
	});

	it('verifies the escaped body Meta sends for non-ASCII text, as received', () => {
		const header = sign(META_ESCAPED_BODY);
		expect(verifySignature(META_ESCAPED_BODY, header, APP_SECRET)).toBe(true);
		expect(verifySignature(Buffer.from(META_ESCAPED_BODY, 'utf8'), header, APP_SECRET)).toBe(true);
	});

	it('fails for a body parsed and re-serialised with JSON.stringify', () => {
		const header = sign(META_ESCAPED_BODY);
		const reserialised = JSON.stringify(JSON.parse(META_ESCAPED_BODY));
		expect(reserialised).not.toBe(META_ESCAPED_BODY);
		expect(verifySignature(reserialised, header, APP_SECRET)).toBe(false);
	});

	it('hashes UTF-8 bytes: unescaped non-ASCII text verifies as the same bytes', () => {
		const text = JSON.stringify(textMessageWebhook({ text: 'Grüße aus Köln 🙏' }));
		const header = sign(Buffer.from(text, 'utf8'));
		expect(verifySignature(text, header, APP_SECRET)).toBe(true);
		expect(verifySignature(Buffer.from(text, 'latin1'), header, APP_SECRET)).toBe(false);
	});
});

describe('handshake (GET hub.challenge)', () => {
	const TOKEN = 'my-verify-token-7f3a';
	const query = (overrides: Record<string, unknown> = {}) => ({
		'hub.mode': 'subscribe',
		'hub.verify_token': TOKEN,
		'hub.challenge': '1158201444',
		...overrides,
	});

	it('answers 200 with the challenge, as given, when mode is subscribe and the token matches', () => {
		expect(answerHandshake(query(), TOKEN)).toEqual({ status: 200, body: '1158201444' });
		expect(answerHandshake(query({ 'hub.challenge': ' 00x-Ä ' }), TOKEN)).toEqual({
			status: 200,
			body: ' 00x-Ä ',
		});
	});

	it('reads query parsers that nest the dotted names', () => {
		const nested = { hub: { mode: 'subscribe', verify_token: TOKEN, challenge: 'abc' } };
		expect(answerHandshake(nested, TOKEN)).toEqual({ status: 200, body: 'abc' });
	});

	it('answers 403 to a wrong token', () => {
		expect(answerHandshake(query({ 'hub.verify_token': 'guess' }), TOKEN)).toEqual({ status: 403 });
		expect(answerHandshake(query({ 'hub.verify_token': `${TOKEN} ` }), TOKEN)).toEqual({
			status: 403,
		});
	});

	it('answers 403 when the mode is not subscribe', () => {
		expect(answerHandshake(query({ 'hub.mode': 'unsubscribe' }), TOKEN)).toEqual({ status: 403 });
		expect(answerHandshake(query({ 'hub.mode': undefined }), TOKEN)).toEqual({ status: 403 });
	});

	it('answers 403 to missing or repeated parameters', () => {
		expect(answerHandshake(query({ 'hub.challenge': undefined }), TOKEN)).toEqual({ status: 403 });
		expect(answerHandshake(query({ 'hub.verify_token': [TOKEN, TOKEN] }), TOKEN)).toEqual({
			status: 403,
		});
		expect(answerHandshake(undefined, TOKEN)).toEqual({ status: 403 });
		expect(answerHandshake({}, TOKEN)).toEqual({ status: 403 });
	});

	it('answers 403 to everything when no verify token is configured', () => {
		expect(answerHandshake(query({ 'hub.verify_token': '' }), '')).toEqual({ status: 403 });
	});
});
