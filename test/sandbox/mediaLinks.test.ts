/**
 * Media sent by link, as Meta handles it: the message is accepted at once (HTTP 200 with a wamid)
 * and the media downloaded afterwards; the statuses follow the download. A link that cannot be
 * downloaded, or that holds no media WhatsApp takes for the message, ends in a failed status with
 * 131053 ("Media upload error"). The media comes from a local HTTP server.
 */
import type { Sandbox } from '../../sandbox/server';
import { startMediaServer, type MediaServer } from '../support/mediaServer';
import {
	backInStock,
	control,
	type Json,
	LENA,
	type Receiver,
	say,
	send,
	startReceiver,
	startTestSandbox,
	statusesOf,
	waitForStatus,
} from './support';

let sandbox: Sandbox;
let receiver: Receiver;
let media: MediaServer;
beforeAll(async () => {
	receiver = await startReceiver();
	media = await startMediaServer();
	sandbox = await startTestSandbox({ webhookUrl: receiver.url, mediaFetchTimeoutMs: 2000 });
});
afterAll(async () => {
	await sandbox.close();
	await receiver.close();
	await media.close();
});
beforeEach(async () => {
	await control(sandbox, 'POST', '/reset');
	receiver.reset();
	media.requested.length = 0;
	await say(sandbox, LENA);
});

async function accepted(message: Json): Promise<string> {
	const answer = await send(sandbox, { to: `+${LENA}`, ...message });
	expect(answer.status).toBe(200);
	return answer.json.messages[0].id as string;
}

/** The failed status of `wamid`, after checking it is the only status the message got. */
async function failure(wamid: string): Promise<Json> {
	const failed = await waitForStatus(receiver, wamid, 'failed');
	expect(statusesOf(receiver, wamid).map((s) => s.status)).toEqual(['failed']);
	expect(failed.errors).toHaveLength(1);
	return failed.errors[0];
}

describe('media sent by link', () => {
	it.each([
		[
			'an image',
			() => ({ type: 'image', image: { link: media.link('image.jpg'), caption: 'Look' } }),
		],
		['a video', () => ({ type: 'video', video: { link: media.link('video.mp4') } })],
		['audio', () => ({ type: 'audio', audio: { link: media.link('audio.ogg'), voice: true } })],
		[
			'a document (any supported file)',
			() => ({ type: 'document', document: { link: media.link('image.png'), filename: 'a.png' } }),
		],
		['a sticker', () => ({ type: 'sticker', sticker: { link: media.link('sticker.webp') } })],
		[
			'an interactive header',
			() => ({
				type: 'interactive',
				interactive: {
					type: 'button',
					header: { type: 'document', document: { link: media.link('document.pdf') } },
					body: { text: 'Your invoice' },
					action: { buttons: [{ type: 'reply', reply: { id: 'ok', title: 'OK' } }] },
				},
			}),
		],
	])('downloads %s after accepting, then delivers it', async (_name, message) => {
		const wamid = await accepted(message());
		await waitForStatus(receiver, wamid, 'delivered');
		expect(media.requested).toHaveLength(1);
		expect(statusesOf(receiver, wamid).map((s) => s.status)).not.toContain('failed');
	});

	it("downloads a template's header image before the template's statuses", async () => {
		const wamid = await accepted(backInStock(LENA, media.link('image.jpg')));
		const delivered = await waitForStatus(receiver, wamid, 'delivered');
		expect(delivered.pricing).toMatchObject({ billable: true, category: 'marketing' });
		expect(media.requested).toEqual(['/image.jpg']);
	});

	it('fails a link whose host does not answer with 131053, Media upload error', async () => {
		const closed = await startMediaServer();
		const link = closed.link('image.jpg');
		await closed.close();
		const wamid = await accepted({ type: 'image', image: { link } });
		const error = await failure(wamid);
		expect(error).toMatchObject({ code: 131053, title: 'Media upload error' });
		expect(error.error_data.details).toContain(link);
		expect(error.error_data.details).toContain('ECONNREFUSED');
	});

	it('fails a link answered with 404 with 131053, naming the status', async () => {
		const wamid = await accepted({ type: 'image', image: { link: media.link('missing.jpg') } });
		const error = await failure(wamid);
		expect(error.code).toBe(131053);
		expect(error.error_data.details).toContain('HTTP status 404');
	});

	it('fails a link to a web page (not media) with 131053, naming its content type', async () => {
		const wamid = await accepted({ type: 'video', video: { link: media.link('page.html') } });
		const error = await failure(wamid);
		expect(error.code).toBe(131053);
		expect(error.error_data.details).toContain('text/html');
	});

	it('fails media of another kind (a WebP sticker sent as an image) with 131053', async () => {
		const wamid = await accepted({ type: 'image', image: { link: media.link('sticker.webp') } });
		expect((await failure(wamid)).error_data.details).toContain('cannot be sent as an image');
	});

	it('does not charge a template whose header media fails, and a tap cannot answer it', async () => {
		const wamid = await accepted(backInStock(LENA, media.link('missing.jpg')));
		const error = await failure(wamid);
		expect(error.code).toBe(131053);
		expect((await waitForStatus(receiver, wamid, 'failed')).pricing).toBeUndefined();
		const tap = await control(sandbox, 'POST', `/contacts/${LENA}/tap`, {
			payload: 'Stop promotions',
		});
		expect(tap.status).toBe(404);
		expect(tap.json.error.message).toContain('No template was sent');
	});

	it("serves sample media a flow can link to: the sandbox's own image and PDF", async () => {
		for (const name of ['image.png', 'document.pdf'] as const) {
			const wamid = await accepted({
				type: name === 'image.png' ? 'image' : 'document',
				[name === 'image.png' ? 'image' : 'document']: { link: sandbox.sampleUrl(name) },
			});
			await waitForStatus(receiver, wamid, 'delivered');
		}
		const pdf = await fetch(sandbox.sampleUrl('document.pdf'));
		expect(pdf.headers.get('content-type')).toBe('application/pdf');
		expect(
			Buffer.from(await pdf.arrayBuffer())
				.subarray(0, 5)
				.toString(),
		).toBe('%PDF-');
	});
});
