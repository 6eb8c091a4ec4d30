/** Media uploaded to a business number (POST /<PHONE_NUMBER_ID>/media), until deleted or reset. */
import { createHash, randomInt } from 'node:crypto';

export interface MediaRecord {
	readonly id: string;
	readonly phoneNumberId: string;
	readonly mimeType: string;
	readonly data: Buffer;
	readonly sha256: string;
	readonly fileName?: string;
}

export class UploadedMedia {
	readonly #media = new Map<string, MediaRecord>();

	/** @param taken whether an id is another object's already (a number, a message) */
	constructor(private readonly taken: (id: string) => boolean) {}

	upload(
		phoneNumberId: string,
		input: { data: Buffer; mimeType: string; fileName?: string },
	): string {
		let id: string;
		do
			id = `${randomInt(1, 10)}${String(randomInt(0, 1e9)).padStart(9, '0')}${String(randomInt(0, 1e6)).padStart(6, '0')}`;
		while (this.#media.has(id) || this.taken(id));
		this.#media.set(id, {
			id,
			phoneNumberId,
			mimeType: input.mimeType,
			data: input.data,
			sha256: createHash('sha256').update(input.data).digest('hex'),
			...(input.fileName ? { fileName: input.fileName } : {}),
		});
		return id;
	}

	get(id: string): Readonly<MediaRecord> | undefined {
		return this.#media.get(id);
	}

	delete(id: string): boolean {
		return this.#media.delete(id);
	}
}
