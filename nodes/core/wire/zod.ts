/**
 * Small zod helpers shared by the wire schemas. Internal to wire/: not re-exported.
 */
import { z } from 'zod';

export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An object that keeps the fields it does not know: Meta adds fields without notice. */
export function obj<T extends z.ZodRawShape>(shape: T) {
	return z.object(shape).passthrough();
}

/**
 * A string whose documented values are listed for autocompletion, but which accepts any other
 * value: Meta adds enum values (statuses, events, categories) without a version bump, and an
 * unknown value must not turn a whole webhook into an unparsed one.
 */
export function openEnum<const T extends readonly string[]>(
	_documented: T,
): z.ZodType<T[number] | (string & {}), z.ZodTypeDef, string> {
	return z.string();
}

/** What each byKey schema picks by, for fastCheck.ts (a transform cannot be read otherwise). */
export const byKeyParts = new WeakMap<
	z.ZodTypeAny,
	{
		key: string;
		known: Record<string, z.ZodTypeAny>;
		fallback: z.ZodTypeAny;
		normalise: (tag: string) => string;
	}
>();

/**
 * Picks the schema by the value of one string key (`type`, `field`...) and falls back to
 * `fallback` for values it does not know, so new message types pass through instead of failing.
 * Unlike a plain union, the issues reported are those of the chosen schema only.
 */
export function byKey<M extends Record<string, z.ZodTypeAny>, F extends z.ZodTypeAny>(
	key: string,
	known: M,
	fallback: F,
	normalise: (tag: string) => string = (tag) => tag,
): z.ZodType<z.output<M[keyof M]> | z.output<F>, z.ZodTypeDef, unknown> {
	const picker = z.unknown().transform((raw, ctx) => {
		const tag = isRecord(raw) ? raw[key] : undefined;
		const name = typeof tag === 'string' ? normalise(tag) : undefined;
		const schema: z.ZodTypeAny =
			name !== undefined && Object.hasOwn(known, name) ? known[name] : fallback;
		const input =
			name !== undefined && name !== tag && isRecord(raw) ? { ...raw, [key]: name } : raw;
		const result = schema.safeParse(input);
		if (result.success) return result.data as z.output<M[keyof M]> | z.output<F>;
		for (const issue of flattenIssues(result.error.issues)) {
			ctx.addIssue({ code: z.ZodIssueCode.custom, path: issue.path, message: issue.message });
		}
		return z.NEVER;
	});
	byKeyParts.set(picker, { key, known, fallback, normalise });
	return picker;
}

/** Union errors nest the issues of every branch; lift them so a summary can name the field. */
export function flattenIssues(issues: readonly z.ZodIssue[]): z.ZodIssue[] {
	const out: z.ZodIssue[] = [];
	for (const issue of issues) {
		if (issue.code === z.ZodIssueCode.invalid_union) {
			const nested = issue.unionErrors.flatMap((e) => flattenIssues(e.issues));
			out.push(...(nested.length > 0 ? nested : [issue]));
		} else {
			out.push(issue);
		}
	}
	return out;
}

/** "messages[0].text.body: Required": one line per issue, duplicates removed. */
export function summariseIssues(issues: readonly z.ZodIssue[], prefix = ''): string[] {
	const lines = flattenIssues(issues).map((issue) => {
		const path = formatPath(issue.path, prefix);
		return path ? `${path}: ${issue.message}` : issue.message;
	});
	return [...new Set(lines)];
}

export function formatPath(path: readonly (string | number)[], prefix = ''): string {
	let out = prefix;
	for (const part of path) {
		if (typeof part === 'number') out += `[${part}]`;
		else out += out === '' ? part : `.${part}`;
	}
	return out;
}
