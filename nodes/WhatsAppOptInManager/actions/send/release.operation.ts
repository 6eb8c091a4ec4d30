import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { Batch } from '../batch';
import { iso } from '../json';
import { itemError, readText } from '../parameters';
import { showFor } from '../properties';

export const description: INodeProperties[] = showFor(
	'send',
	['release'],
	[
		{
			displayName:
				'Only release a message you know did not reach the contact: a re-run with the same idempotency key then sends it, and if it did arrive, the contact gets it twice.',
			name: 'releaseNotice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Idempotency Key',
			name: 'idempotencyKey',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. {{ $json.idempotencyKey }}',
			description:
				'The key as Get Unconfirmed or the send node reported it (with its "#..." scope)',
		},
	],
);

/**
 * Frees unconfirmed keys (still pending in the store) on purpose. Keys that were confirmed,
 * failed or never claimed are left as they are, and the item says what the store holds.
 */
export async function execute(this: IExecuteFunctions, batch: Batch): Promise<void> {
	const read = batch.each((itemIndex) => {
		const key = readText(this, itemIndex, 'idempotencyKey');
		if (key === undefined) {
			throw itemError(
				this,
				itemIndex,
				'Idempotency Key is empty',
				'Give the key of the message to release, e.g. from Get Unconfirmed.',
			);
		}
		return key;
	});
	if (read.length === 0) return;
	const store = await batch.store();
	const keys = [...new Set(read.map((r) => r.value))];
	const sends = await store.getSends(keys);
	const pending = keys.filter((key) => sends.get(key)?.state === 'pending');
	// With the claim's callback id: a run that claimed the key again meanwhile keeps its claim.
	await store.releaseSends(
		pending.map((key) => ({ idempotencyKey: key, callbackId: sends.get(key)?.callbackId })),
	);
	for (const { itemIndex, value: key } of read) {
		const found = sends.get(key);
		const released = found?.state === 'pending';
		batch.emit(itemIndex, {
			idempotencyKey: key,
			released,
			state: released ? 'released' : (found?.state ?? 'unknown'),
			requestLeftAt: found ? iso(found.createdAt) : null,
			message: released
				? 'Released: a run with this idempotency key sends the message again.'
				: found
					? `Not released: the store holds this message as ${found.state}${found.state === 'accepted' ? `, sent with the WhatsApp message id ${found.wamid ?? 'unknown'}` : ', so it may be sent again already'}.`
					: 'Not released: the store holds no message with this idempotency key.',
		});
	}
}
