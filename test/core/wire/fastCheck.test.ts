import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';

import { compileCheck } from '../../../nodes/core/wire/fastCheck';
import {
	CHANGE_VALUE_SCHEMAS,
	InboundMessageSchema,
	StatusSchema,
	WebhookContactSchema,
	WebhookEntrySchema,
	WebhookEnvelopeSchema,
} from '../../../nodes/core/wire/inbound';
import { byKey, obj } from '../../../nodes/core/wire/zod';
import { fuzzBody } from '../../../tools/webhook-fuzz/mutate';
import { metaSeeds, ownSeeds } from '../../../tools/webhook-fuzz/seeds';

const SCHEMAS: Array<[string, z.ZodTypeAny]> = [
	...Object.entries(CHANGE_VALUE_SCHEMAS),
	['message', InboundMessageSchema],
	['status', StatusSchema],
	['contact', WebhookContactSchema],
	['entry', WebhookEntrySchema],
	['envelope', WebhookEnvelopeSchema],
];

describe('fastCheck: a schema as a plain predicate', () => {
	it('reads every schema of an inbound webhook', () => {
		for (const [name, schema] of SCHEMAS)
			expect([name, compileCheck(schema)]).toEqual([name, expect.any(Function)]);
	});

	it('says true only where zod accepts the value and returns it unchanged (Meta’s examples and 1,000 broken bodies)', () => {
		const seeds = [...ownSeeds(), ...metaSeeds()];
		let accepted = 0;
		let refused = 0;
		const disagreements: string[] = [];
		for (let i = 0; i < 1000; i++) {
			const body = fuzzBody(7, i, { appSecret: 's', seeds, maxBytes: 16 * 1024 });
			// Deep nesting makes bodies of half a megabyte: bodyLimits.test.ts has those.
			if (body.rawBody.byteLength > 64 * 1024) continue;
			let json: unknown;
			try {
				json = JSON.parse(body.rawBody.toString('utf8'));
			} catch {
				continue;
			}
			for (const [name, schema, value] of candidates(json)) {
				const check = compileCheck(schema)!;
				const zod = schema.safeParse(value);
				if (check(value)) {
					accepted++;
					if (!zod.success || !isDeepStrictEqual(zod.data, value)) {
						disagreements.push(`${name}: ${JSON.stringify(value).slice(0, 200)}`);
					}
				} else refused++;
			}
		}
		expect(disagreements).toEqual([]);
		// Both sides are reached, many times.
		expect(accepted).toBeGreaterThan(1000);
		expect(refused).toBeGreaterThan(300);
	});

	it('says false where zod would return something else: a "__proto__" key, a tag byKey rewrites, stripped keys', () => {
		const withProto = JSON.parse('{"id":"w1","status":"read","timestamp":"1","__proto__":{"x":1}}');
		expect(StatusSchema.safeParse(withProto).success).toBe(true);
		expect(compileCheck(StatusSchema)!(withProto)).toBe(false);

		const upper = byKey('type', { a: obj({ type: z.literal('a') }) }, obj({}), (t) =>
			t.toLowerCase(),
		);
		expect(compileCheck(upper)!({ type: 'A' })).toBe(false);
		expect(compileCheck(upper)!({ type: 'a' })).toBe(true);

		expect(compileCheck(z.object({ a: z.string() }))).toBeUndefined();
		expect(compileCheck(z.string().email())).toBeUndefined();
		expect(compileCheck(obj({ n: z.number().int() }))).toBeUndefined();
	});
});

/** Every value of a body some schema above reads: the envelope, entries, change values and items. */
function candidates(json: unknown): Array<[string, z.ZodTypeAny, unknown]> {
	const out: Array<[string, z.ZodTypeAny, unknown]> = [['envelope', WebhookEnvelopeSchema, json]];
	const entries = (json as { entry?: unknown })?.entry;
	if (!Array.isArray(entries)) return out;
	for (const entry of entries) {
		out.push(['entry', WebhookEntrySchema, entry]);
		const changes = (entry as { changes?: unknown })?.changes;
		if (!Array.isArray(changes)) continue;
		for (const change of changes) {
			const { field, value } = (change ?? {}) as { field?: unknown; value?: unknown };
			if (typeof field === 'string' && Object.hasOwn(CHANGE_VALUE_SCHEMAS, field)) {
				out.push([field, CHANGE_VALUE_SCHEMAS[field as keyof typeof CHANGE_VALUE_SCHEMAS], value]);
			}
			const lists = (value ?? {}) as Record<string, unknown>;
			for (const [list, schema] of [
				['messages', InboundMessageSchema],
				['statuses', StatusSchema],
				['contacts', WebhookContactSchema],
			] as const) {
				const items = lists[list];
				if (Array.isArray(items)) for (const item of items) out.push([list, schema, item]);
			}
		}
	}
	return out;
}
