import { createHash } from 'node:crypto';
import { ManualClock, MINUTE } from '../../nodes/core/clock';
import type { Sandbox } from '../../sandbox/server';
import { api, type Json, PHONE, PHONE_US, startTestSandbox, TOKEN, VERSION } from './support';

const PNG = Buffer.concat([
	Buffer.from('89504e470d0a1a0a', 'hex'),
	Buffer.from('sandbox test image'),
]);

let sandbox: Sandbox;
let clock: ManualClock;
beforeAll(async () => {
	clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));
	sandbox = await startTestSandbox({ clock });
});
afterAll(() => sandbox.close());

async function upload(
	fields: {
		product?: string | null;
		type?: string | null;
		file?: Buffer | null;
		fileType?: string;
	},
	phone = PHONE,
): Promise<{ status: number; json: Json }> {
	const form = new FormData();
	if (fields.product !== null) form.append('messaging_product', fields.product ?? 'whatsapp');
	if (fields.type !== null) form.append('type', fields.type ?? 'image/png');
	if (fields.file !== null) {
		form.append(
			'file',
			new Blob([new Uint8Array(fields.file ?? PNG)], { type: fields.fileType ?? 'image/png' }),
			'pic.png',
		);
	}
	const response = await fetch(`${sandbox.url}/${VERSION}/${phone}/media`, {
		method: 'POST',
		headers: { authorization: `Bearer ${TOKEN}` },
		body: form,
	});
	return { status: response.status, json: (await response.json()) as Json };
}

describe('media upload', () => {
	it('stores a multipart upload and answers its id', async () => {
		const answer = await upload({});
		expect(answer.status).toBe(200);
		expect(answer.json).toEqual({ id: expect.stringMatching(/^\d+$/) });
	});

	it('requires messaging_product (code 100)', async () => {
		expect((await upload({ product: null })).json.error.code).toBe(100);
	});

	it('requires the file (code 100)', async () => {
		expect((await upload({ file: null })).json.error.code).toBe(100);
	});

	it('rejects a type Meta does not take with 131053', async () => {
		const answer = await upload({ type: 'image/gif', fileType: 'image/gif' });
		expect(answer.json.error.code).toBe(131053);
		expect(answer.json.error.error_data.details).toContain('image/gif');
	});

	it('rejects a sticker over 500 KB with 131053', async () => {
		const answer = await upload({
			type: 'image/webp',
			file: Buffer.alloc(501 * 1024, 1),
			fileType: 'image/webp',
		});
		expect(answer.json.error.code).toBe(131053);
	});
});

describe('media retrieval', () => {
	it('returns the download URL, type, sha256 and size, and the URL gives the bytes with the token', async () => {
		const { json } = await upload({});
		const info = await api(sandbox, 'GET', `/${json.id}`);
		expect(info.json).toEqual({
			messaging_product: 'whatsapp',
			url: expect.stringContaining(sandbox.url),
			mime_type: 'image/png',
			sha256: createHash('sha256').update(PNG).digest('hex'),
			file_size: PNG.byteLength,
			id: json.id,
		});
		const download = await fetch(info.json.url, { headers: { authorization: `Bearer ${TOKEN}` } });
		expect(download.status).toBe(200);
		expect(download.headers.get('content-type')).toBe('image/png');
		expect(Buffer.from(await download.arrayBuffer())).toEqual(PNG);
	});

	it('refuses the download without the token (401, code 190)', async () => {
		const { json } = await upload({});
		const info = await api(sandbox, 'GET', `/${json.id}`);
		const download = await fetch(info.json.url);
		expect(download.status).toBe(401);
		expect(((await download.json()) as Json).error.code).toBe(190);
	});

	it('answers 404 for a download URL older than 5 minutes', async () => {
		const { json } = await upload({});
		const info = await api(sandbox, 'GET', `/${json.id}`);
		clock.advance(6 * MINUTE);
		const download = await fetch(info.json.url, { headers: { authorization: `Bearer ${TOKEN}` } });
		expect(download.status).toBe(404);
	});

	it('answers 404 for a download URL that was tampered with', async () => {
		const { json } = await upload({});
		const info = await api(sandbox, 'GET', `/${json.id}`);
		const download = await fetch(info.json.url.replace(/hash=./, 'hash=x'), {
			headers: { authorization: `Bearer ${TOKEN}` },
		});
		expect(download.status).toBe(404);
	});

	it('treats media of another phone number as not there when phone_number_id is given', async () => {
		const { json } = await upload({}, PHONE_US);
		expect(
			(await api(sandbox, 'GET', `/${json.id}?phone_number_id=${PHONE}`)).json.error.code,
		).toBe(100);
		expect((await api(sandbox, 'GET', `/${json.id}?phone_number_id=${PHONE_US}`)).status).toBe(200);
	});

	it('deletes media: { success: true }, then the id is gone', async () => {
		const { json } = await upload({});
		expect((await api(sandbox, 'DELETE', `/${json.id}`)).json).toEqual({ success: true });
		const after = await api(sandbox, 'GET', `/${json.id}`);
		expect(after.json.error).toMatchObject({ code: 100, error_subcode: 33 });
	});
});
