/**
 * Media sent by link, downloaded the way Meta does it: after the message was accepted (HTTP 200
 * with a wamid), from Meta's servers. A link that cannot be downloaded, or that does not hold
 * media WhatsApp takes for that message, makes the message fail with a `failed` status carrying
 * 131053 ("Media upload error": "Unable to upload the media used in the message", Meta's error
 * codes page) instead of being delivered.
 */
import { MAX_MEDIA_BYTES, mediaProblem } from './checks/media';

/** A media link of a message: the link and what it is sent as (image, video, document...). */
export interface MediaLink {
	readonly url: string;
	readonly kind: string;
}

/** undefined when the media is fine; else the sentence for the status's error_data.details. */
export async function mediaLinkProblem(
	link: MediaLink,
	options: { readonly timeoutMs: number; readonly signal: AbortSignal },
): Promise<string | undefined> {
	const failed = (why: string) => `Downloading the media from ${link.url} failed: ${why}.`;
	let response: Response;
	try {
		response = await fetch(link.url, {
			redirect: 'follow',
			signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
		});
	} catch (error) {
		return failed(reasonOf(error, options.timeoutMs));
	}
	try {
		if (!response.ok) {
			return failed(
				`HTTP status ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
			);
		}
		const type = response.headers.get('content-type') ?? '';
		const declared = Number(response.headers.get('content-length') ?? Number.NaN);
		if (Number.isFinite(declared) && declared > MAX_MEDIA_BYTES) {
			return failed(`the file has ${declared} bytes, more than any media WhatsApp takes`);
		}
		const bytes = (await response.arrayBuffer()).byteLength;
		const problem = mediaProblem(type, bytes, link.kind);
		return problem === undefined
			? undefined
			: `The media at ${link.url} cannot be sent: ${problem}.`;
	} catch (error) {
		return failed(reasonOf(error, options.timeoutMs));
	} finally {
		if (!response.bodyUsed) await response.body?.cancel().catch(() => undefined);
	}
}

function reasonOf(error: unknown, timeoutMs: number): string {
	// Duck-typed: fetch's errors may come from another realm than this module's Error.
	const { name, message, cause } = (error ?? {}) as {
		name?: string;
		message?: string;
		cause?: { code?: string; message?: string };
	};
	if (name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
	if (cause?.code) return cause.message ? `${cause.code} (${cause.message})` : cause.code;
	return message ?? String(error);
}
