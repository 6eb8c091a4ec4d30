/**
 * A zod schema as a plain predicate, for the webhook's hot path: true only when zod would accept
 * the value and return it unchanged, so a value that passes is used as it is and only the others
 * go through zod (for its output, or its issues). zod 3 walks a value through parse contexts and
 * copies every object; this reads it once: a 3 MB webhook of statuses is checked about ten times
 * faster (issue 18).
 *
 * The same schemas decide either way: the predicate is built from their definitions, and a
 * schema it cannot read (a refinement, a transform other than byKey, a non-passthrough object)
 * makes compileCheck return undefined, so zod is used throughout. Whenever the predicate says
 * true, zod accepts the value and its output deep-equals it (test/core/wire/fastCheck.test.ts
 * checks this on Meta's examples and thousands of broken ones); it may say false where zod would
 * accept, which costs only time.
 */
import { z } from 'zod';

import { byKeyParts } from './zod';

export type Check = (value: unknown) => boolean;

const compiled = new WeakMap<z.ZodTypeAny, Check | null>();

/** The predicate of `schema`, or undefined when it uses something the predicate cannot follow. */
export function compileCheck(schema: z.ZodTypeAny): Check | undefined {
	return build(schema) ?? undefined;
}

function build(schema: z.ZodTypeAny): Check | null {
	if (compiled.has(schema)) return compiled.get(schema)!;
	// A placeholder while building: the schemas here are not recursive, but a cycle must not loop.
	compiled.set(schema, null);
	const check = buildUncached(schema);
	compiled.set(schema, check);
	return check;
}

function buildUncached(schema: z.ZodTypeAny): Check | null {
	const keyed = byKeyParts.get(schema);
	if (keyed) return byKey(keyed);
	if (schema instanceof z.ZodString) return string(schema);
	if (schema instanceof z.ZodNumber) {
		// JSON has no NaN; any check (int, min...) is left to zod.
		return schema._def.checks.length === 0
			? (v) => typeof v === 'number' && !Number.isNaN(v)
			: null;
	}
	if (schema instanceof z.ZodBoolean) return (v) => typeof v === 'boolean';
	if (schema instanceof z.ZodUnknown || schema instanceof z.ZodAny) return () => true;
	if (schema instanceof z.ZodLiteral) {
		const literal: unknown = schema._def.value;
		return (v) => v === literal;
	}
	if (schema instanceof z.ZodOptional) {
		const inner = build(schema._def.innerType);
		return inner && ((v) => v === undefined || inner(v));
	}
	if (schema instanceof z.ZodNullable) {
		const inner = build(schema._def.innerType);
		return inner && ((v) => v === null || inner(v));
	}
	if (schema instanceof z.ZodArray) return array(schema);
	if (schema instanceof z.ZodObject) return object(schema);
	if (schema instanceof z.ZodUnion) {
		const options = (schema._def.options as z.ZodTypeAny[]).map(build);
		if (options.some((o) => o === null)) return null;
		const checks = options as Check[];
		return (v) => checks.some((c) => c(v));
	}
	return null;
}

function string(schema: z.ZodString): Check | null {
	const patterns: RegExp[] = [];
	let longest = Infinity;
	for (const check of schema._def.checks) {
		if (check.kind === 'max') longest = Math.min(longest, check.value);
		else if (check.kind === 'regex' && !check.regex.global && !check.regex.sticky) {
			patterns.push(check.regex);
		} else return null;
	}
	if (patterns.length === 0 && longest === Infinity) return (v) => typeof v === 'string';
	return (v) => typeof v === 'string' && v.length <= longest && patterns.every((p) => p.test(v));
}

function array(schema: z.ZodArray<z.ZodTypeAny>): Check | null {
	const def = schema._def;
	if (def.exactLength !== null || def.minLength !== null || def.maxLength !== null) return null;
	const item = build(def.type);
	if (!item) return null;
	return (v) => {
		if (!Array.isArray(v)) return false;
		for (let i = 0; i < v.length; i++) if (!item(v[i])) return false;
		return true;
	};
}

function object(schema: z.AnyZodObject): Check | null {
	// Only passthrough objects return what they get: strip and strict change or refuse it.
	if (schema._def.unknownKeys !== 'passthrough' || !(schema._def.catchall instanceof z.ZodNever)) {
		return null;
	}
	const fields: Array<[string, Check]> = [];
	for (const [key, field] of Object.entries(schema.shape as z.ZodRawShape)) {
		const check = build(field);
		if (!check) return null;
		fields.push([key, check]);
	}
	return (v) => {
		if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
		const record = v as Record<string, unknown>;
		// zod leaves a "__proto__" key out of what it returns: let zod have such an object.
		if (Object.hasOwn(record, '__proto__')) return false;
		for (let i = 0; i < fields.length; i++) {
			if (!fields[i][1](record[fields[i][0]])) return false;
		}
		return true;
	};
}

function byKey(parts: NonNullable<ReturnType<typeof byKeyParts.get>>): Check | null {
	const known = new Map<string, Check>();
	for (const [name, schema] of Object.entries(parts.known)) {
		const check = build(schema);
		if (!check) return null;
		known.set(name, check);
	}
	const fallback = build(parts.fallback);
	if (!fallback) return null;
	return (v) => {
		const tag =
			typeof v === 'object' && v !== null && !Array.isArray(v)
				? (v as Record<string, unknown>)[parts.key]
				: undefined;
		if (typeof tag !== 'string') return fallback(v);
		// A tag byKey rewrites (normalise) makes zod return another object.
		if (parts.normalise(tag) !== tag) return false;
		return (known.get(tag) ?? fallback)(v);
	};
}
