import { HOUR, MINUTE } from '../../../nodes/core/clock';
import {
	canonicalJson,
	contentDedupeKey,
	MAX_DEDUPE_KEY_LENGTH,
	messageDedupeKey,
	statusDedupeKey,
} from '../../../nodes/core/webhook/dedupe';
import { normalizeEnvelope } from '../../../nodes/core/webhook/events';
import { parseWebhookEnvelope } from '../../../nodes/core/wire';
import {
	PHONE_NUMBER_ID,
	statusWebhook,
	templateStatusWebhook,
	textMessageWebhook,
	userPreferencesWebhook,
	valueErrorsWebhook,
	wamid,
	type JsonObject,
} from '../wire/fixtures';

const T0 = Date.UTC(2025, 10, 27, 10, 0, 0);

function keys(body: unknown, receivedAt?: number): string[] {
	const parsed = parseWebhookEnvelope(body);
	if (!parsed.ok) throw new Error(parsed.error);
	return normalizeEnvelope(parsed.envelope, { receivedAt }).map((e) => e.dedupeKey);
}

/** The same JSON with every object's keys in reverse order, as another serialiser might send it. */
function reordered(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(reordered);
	if (typeof value !== 'object' || value === null) return value;
	return Object.fromEntries(
		Object.keys(value)
			.reverse()
			.map((k) => [k, reordered((value as Record<string, unknown>)[k])]),
	);
}

describe('dedupe keys', () => {
	it('a message is keyed by sender number and wamid', () => {
		const id = wamid();
		expect(keys(textMessageWebhook({ text: 'hi', id }))).toEqual([
			messageDedupeKey(PHONE_NUMBER_ID, id),
		]);
		expect(messageDedupeKey(PHONE_NUMBER_ID, id)).toBe(`msg:${PHONE_NUMBER_ID}:${id}`);
	});

	it('are stable across re-deliveries: days later, re-serialised, as text or bytes', () => {
		for (const body of [
			textMessageWebhook({ text: 'hi', id: 'wamid.R1' }),
			statusWebhook({ status: 'failed', id: 'wamid.R2' }),
			templateStatusWebhook({ event: 'APPROVED' }),
			userPreferencesWebhook({ value: 'stop' }),
		]) {
			const first = keys(body, T0);
			expect(keys(body, T0 + 6 * 24 * HOUR)).toEqual(first);
			expect(keys(reordered(body), T0 + 3 * HOUR)).toEqual(first);
			expect(keys(JSON.stringify(body), T0)).toEqual(first);
			expect(keys(Buffer.from(JSON.stringify(body)), T0)).toEqual(first);
		}
	});

	it('sent, delivered, read and failed of one message are distinct events', () => {
		const id = wamid();
		const all = ['sent', 'delivered', 'read', 'played', 'failed'].flatMap((status) =>
			keys(statusWebhook({ status, id })),
		);
		expect(new Set(all).size).toBe(5);
		expect(all[0]).toBe(`status:${id}:sent`);
	});

	it('a failed status is keyed with its error code', () => {
		const id = wamid();
		const stopped = keys(statusWebhook({ status: 'failed', id }));
		const limited = keys(
			statusWebhook({ status: 'failed', id, errors: [{ code: 131049, title: 'Not delivered' }] }),
		);
		expect(stopped).toEqual([`status:${id}:failed:131050`]);
		expect(limited).toEqual([`status:${id}:failed:131049`]);
	});

	it('statuses of a group message are distinct per member', () => {
		const base = { id: 'wamid.G', status: 'delivered' };
		expect(statusDedupeKey({ ...base, recipient_participant_id: '4915100000001' })).not.toBe(
			statusDedupeKey({ ...base, recipient_participant_id: '4915100000002' }),
		);
	});

	it('other events are keyed by field, content and their own time', () => {
		const approved = keys(templateStatusWebhook({ event: 'APPROVED', time: 1764241300 }));
		expect(approved[0]).toMatch(/^evt:message_template_status_update:[0-9a-f]{40}$/);
		expect(keys(templateStatusWebhook({ event: 'APPROVED', time: 1764241300 }))).toEqual(approved);
		// The same event again at another time (paused, unpaused, paused again) is a new event.
		expect(keys(templateStatusWebhook({ event: 'APPROVED', time: 1764245000 }))).not.toEqual(
			approved,
		);
		expect(keys(templateStatusWebhook({ event: 'PAUSED', time: 1764241300 }))).not.toEqual(
			approved,
		);
		expect(
			keys(templateStatusWebhook({ event: 'APPROVED', time: 1764241300, name: 'other' })),
		).not.toEqual(approved);
	});

	it('the same stop and resume of a contact at different times are distinct', () => {
		const stop1 = keys(userPreferencesWebhook({ value: 'stop', timestamp: 1764241260 }));
		const stop2 = keys(userPreferencesWebhook({ value: 'stop', timestamp: 1764300000 }));
		const resume = keys(userPreferencesWebhook({ value: 'resume', timestamp: 1764241260 }));
		expect(new Set([...stop1, ...stop2, ...resume]).size).toBe(3);
	});

	it('an error without a time is one event per hour of receipt', () => {
		const body = valueErrorsWebhook({ code: 130429 });
		const first = keys(body, T0 + 5 * MINUTE);
		expect(keys(body, T0 + 50 * MINUTE)).toEqual(first);
		expect(keys(body, T0 + 2 * HOUR)).not.toEqual(first);
		expect(keys(valueErrorsWebhook({ code: 131000 }), T0 + 5 * MINUTE)).not.toEqual(first);
		// Without a receipt time the key is the content alone.
		expect(keys(body)).toEqual(keys(body));
		expect(keys(body)).not.toEqual(first);
	});

	it('contentDedupeKey ignores key order but not values', () => {
		const input = {
			field: 'f',
			businessAccountId: 'w',
			raw: { a: 1, b: { c: [1, 2] } },
			timeMs: 1,
		};
		expect(contentDedupeKey(input)).toBe(
			contentDedupeKey({ ...input, raw: { b: { c: [1, 2] }, a: 1 } }),
		);
		expect(contentDedupeKey(input)).not.toBe(
			contentDedupeKey({ ...input, raw: { a: 1, b: { c: [2, 1] } } }),
		);
		expect(contentDedupeKey(input)).not.toBe(contentDedupeKey({ ...input, phoneNumberId: 'p' }));
	});

	it('a key longer than any Meta id makes is kept as its hash: stable, distinct, short', () => {
		const status = { id: 'w'.repeat(700), status: 'read' };
		const key = statusDedupeKey(status);
		expect(key).toMatch(/^status:sha256:[0-9a-f]{64}$/);
		expect(statusDedupeKey({ ...status })).toBe(key);
		expect(statusDedupeKey({ ...status, status: 'delivered' })).not.toBe(key);
		expect(messageDedupeKey(PHONE_NUMBER_ID, 'w'.repeat(700))).toMatch(/^msg:sha256:/);
		const field = 'f'.repeat(MAX_DEDUPE_KEY_LENGTH);
		expect(contentDedupeKey({ field, businessAccountId: 'w', raw: 1 })).toMatch(/^evt:sha256:/);
		// Meta's own keys are far shorter and stay readable.
		expect(statusDedupeKey({ id: 'wamid.HBgL', status: 'read' })).toBe('status:wamid.HBgL:read');
	});

	it('canonicalJson sorts keys at every level', () => {
		const value: JsonObject = { z: 1, a: { y: [{ d: 1, c: 2 }], b: null } };
		expect(canonicalJson(value)).toBe('{"a":{"b":null,"y":[{"c":2,"d":1}]},"z":1}');
		expect(canonicalJson(undefined)).toBe('null');
	});
});
