/**
 * A local HTTP server holding media for messages sent by link, as a shop's web server would: the
 * sandbox downloads such links after accepting a message, as Meta does. Besides one file of each
 * media type it answers 404 (/missing.jpg) and HTML (/page.html), and it records every request.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MediaServer {
	readonly url: string;
	/** The URL of a file: image.jpg, video.mp4, audio.ogg, document.pdf, sticker.webp, missing.jpg, page.html. */
	link(name: string): string;
	/** Paths requested, in order. */
	readonly requested: string[];
	close(): Promise<void>;
}

const FILES: Record<string, { type: string; bytes: number }> = {
	'/image.jpg': { type: 'image/jpeg', bytes: 2048 },
	'/image.png': { type: 'image/png', bytes: 1024 },
	'/video.mp4': { type: 'video/mp4', bytes: 4096 },
	'/audio.ogg': { type: 'audio/ogg', bytes: 1024 },
	'/document.pdf': { type: 'application/pdf', bytes: 3072 },
	'/sticker.webp': { type: 'image/webp', bytes: 512 },
	'/page.html': { type: 'text/html; charset=utf-8', bytes: 300 },
};

export async function startMediaServer(): Promise<MediaServer> {
	const requested: string[] = [];
	const server = http.createServer((req, res) => {
		const path = new URL(req.url ?? '/', 'http://localhost').pathname;
		requested.push(path);
		const file = FILES[path];
		if (!file) {
			res.writeHead(404, { 'content-type': 'text/plain' });
			res.end('Not Found');
			return;
		}
		res.writeHead(200, { 'content-type': file.type, 'content-length': file.bytes });
		res.end(Buffer.alloc(file.bytes, 7));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		url,
		link: (name) => `${url}/${name}`,
		requested,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}
