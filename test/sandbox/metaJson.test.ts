import { createHmac } from 'node:crypto';
import { metaJson, signatureOf } from '../../sandbox/metaJson';

describe('webhook escaping', () => {
	it('writes non-ASCII characters as \\u escapes with lower-case hex', () => {
		expect(metaJson({ name: 'João Müller' })).toBe('{"name":"Jo\\u00e3o M\\u00fcller"}');
	});

	it('writes characters outside the BMP as two escaped surrogates', () => {
		expect(metaJson({ emoji: '👍' })).toBe('{"emoji":"\\ud83d\\udc4d"}');
	});

	it("escapes '/' as '\\/' and '<' '%' '@' as \\u003C \\u0025 \\u0040", () => {
		expect(metaJson({ s: 'a/b <c> 5% x@y.de' })).toBe(
			'{"s":"a\\/b \\u003Cc> 5\\u0025 x\\u0040y.de"}',
		);
	});

	it('leaves only ASCII in the text and parses back to the same value', () => {
		const value = { text: 'Grüße / <b> 100% @home 😀', n: 1, list: ['ß', null, true] };
		const text = metaJson(value);
		expect([...text].every((char) => char.charCodeAt(0) < 0x80)).toBe(true);
		expect(JSON.parse(text)).toEqual(value);
	});

	it('keeps escaped backslashes before a slash intact', () => {
		const value = { path: 'a\\/b' };
		expect(JSON.parse(metaJson(value))).toEqual(value);
	});
});

describe('webhook signature', () => {
	it('is sha256= and the HMAC-SHA256 hex of the exact bytes with the app secret', () => {
		const body = metaJson({ a: 'ü' });
		const expected = createHmac('sha256', 'secret').update(body).digest('hex');
		expect(signatureOf(body, 'secret')).toBe(`sha256=${expected}`);
	});

	it('differs for a re-serialised body with non-ASCII text', () => {
		const value = { name: 'João' };
		const sent = metaJson(value);
		const reserialised = JSON.stringify(JSON.parse(sent));
		expect(reserialised).not.toBe(sent);
		expect(signatureOf(reserialised, 'secret')).not.toBe(signatureOf(sent, 'secret'));
	});
});
