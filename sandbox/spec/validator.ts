/**
 * Request bodies checked against Meta's own schema (sandbox/spec/messageSchema.json, generated
 * from Meta's OpenAPI spec by tools/meta-openapi), with each problem told the way Meta's Graph API
 * tells it: a missing field is 131008, a value of the wrong kind, length or form 131009, a key
 * Meta does not know 100 ("Unexpected key").
 *
 * Ajv (with ajv-formats for `url`, `email`, `date`...) is a runtime dependency of the package for
 * the sandbox alone: only sandbox/ imports it, the n8n nodes never load it.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

export interface SpecIssue {
	/** 131008 (required parameter missing), 131009 (value not valid) or 100 (unexpected key). */
	readonly code: 100 | 131008 | 131009;
	/** Where, as the caller wrote it: "interactive.action.buttons[0].reply.title"; "" for the body. */
	readonly path: string;
	/** One sentence naming the field and what is wrong. */
	readonly details: string;
}

/** A compiled schema: `check` lists what is wrong with a body, nothing when it fits. */
export class SpecValidator {
	readonly #validate: ValidateFunction;

	constructor(schema: object) {
		const ajv = new Ajv({ allErrors: true, strictTypes: false });
		addFormats(ajv);
		// ajv-formats' "url" turns away private and loopback hosts; Meta's spec says only "HTTP/HTTPS".
		ajv.addFormat('url', isHttpUrl);
		this.#validate = ajv.compile(schema);
	}

	check(body: unknown): SpecIssue[] {
		if (this.#validate(body)) return [];
		return issuesOf(this.#validate.errors ?? [], body);
	}
}

function isHttpUrl(value: string): boolean {
	try {
		const url = new URL(value);
		return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
	} catch {
		return false;
	}
}

function issuesOf(errors: readonly ErrorObject[], body: unknown): SpecIssue[] {
	// "must match then schema" only says a branch failed; its own errors are listed too.
	const relevant = errors.filter((e) => e.keyword !== 'if');
	// A oneOf or anyOf that no branch fits is told once, from what its branches lack.
	const oneOfs = relevant.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
	const inBranch = (e: ErrorObject, of: ErrorObject) =>
		e !== of &&
		e.schemaPath.startsWith(`${of.schemaPath}/`) &&
		e.instancePath.startsWith(of.instancePath);
	const issues: SpecIssue[] = [];
	for (const error of relevant) {
		if (oneOfs.some((of) => inBranch(error, of))) continue;
		if (error.keyword === 'oneOf' || error.keyword === 'anyOf') {
			issues.push(
				oneOfIssue(
					error,
					relevant.filter((e) => inBranch(e, error)),
					body,
				),
			);
		} else {
			issues.push(issueOf(error, body));
		}
	}
	return unique(issues);
}

function oneOfIssue(
	error: ErrorObject,
	branchErrors: readonly ErrorObject[],
	body: unknown,
): SpecIssue {
	const path = pathOf(error.instancePath);
	const passing = (error.params as { passingSchemas?: number[] | null }).passingSchemas;
	if (passing) {
		return {
			code: 131009,
			path,
			details: `${label(path)} fits ${passing.length} of the forms Meta's spec allows here; exactly one must fit (a media object takes either id or link, not both).`,
		};
	}
	const alternatives = branchErrors.filter(
		(e) => e.keyword === 'required' && e.instancePath === error.instancePath,
	);
	if (alternatives.length === branchErrors.length && alternatives.length > 0) {
		const names = [
			...new Set(
				alternatives.map((e) =>
					join(path, (e.params as { missingProperty: string }).missingProperty),
				),
			),
		];
		return { code: 131008, path, details: `The parameter ${names.join(' or ')} is required.` };
	}
	// The branch meant is the one that came closest: fewest errors, then the deepest one (a
	// cta_url action missing its url fails deeper than the reply-buttons branch it is not).
	const byBranch = new Map<string, ErrorObject[]>();
	for (const e of branchErrors) {
		const branch = e.schemaPath.slice(error.schemaPath.length + 1).split('/')[0];
		byBranch.set(branch, [...(byBranch.get(branch) ?? []), e]);
	}
	const depth = (list: ErrorObject[]) => Math.max(...list.map((e) => e.instancePath.length));
	const closest = [...byBranch.values()].sort(
		(a, b) => a.length - b.length || depth(b) - depth(a),
	)[0];
	if (closest) return issueOf(closest[0], body);
	return {
		code: 131009,
		path,
		details: `${label(path)} fits none of the forms Meta's spec allows here.`,
	};
}

function issueOf(error: ErrorObject, body: unknown): SpecIssue {
	const path = pathOf(error.instancePath);
	const params = error.params as Record<string, unknown>;
	switch (error.keyword) {
		case 'required': {
			const missing = join(path, String(params.missingProperty));
			return { code: 131008, path: missing, details: `The parameter ${missing} is required.` };
		}
		case 'additionalProperties':
			return {
				code: 100,
				path,
				details: `Unexpected key "${String(params.additionalProperty)}" on param "${path || 'the request body'}".`,
			};
		case 'enum':
			// An unknown message type is answered with 100 and Meta's list of types.
			if (path === 'type') {
				const types = (params.allowedValues as string[]).map((v) => v.toUpperCase()).join(', ');
				return {
					code: 100,
					path,
					details: `Param type must be one of {${types}} - got ${describe(valueAt(body, error.instancePath))}.`,
				};
			}
			return {
				code: 131009,
				path,
				details: `${label(path)} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}; got ${describe(valueAt(body, error.instancePath))}.`,
			};
		case 'type':
			return {
				code: 131009,
				path,
				details: `${label(path)} must be ${article(String(params.type))}; got ${describe(valueAt(body, error.instancePath))}.`,
			};
		case 'maxItems':
		case 'minItems':
		case 'maxLength':
		case 'minLength': {
			const value = valueAt(body, error.instancePath);
			const size = Array.isArray(value) ? value.length : Array.from(String(value)).length;
			const unit = error.keyword.endsWith('Items') ? 'items' : 'characters';
			const bound = error.keyword.startsWith('max') ? 'at most' : 'at least';
			return {
				code: 131009,
				path,
				details: `${label(path)} has ${size} ${unit}; ${bound} ${String(params.limit)} are allowed.`,
			};
		}
		default:
			return { code: 131009, path, details: `${label(path)} ${error.message ?? 'is not valid'}.` };
	}
}

/** "/interactive/action/buttons/0/reply/title" -> "interactive.action.buttons[0].reply.title". */
function pathOf(pointer: string): string {
	if (pointer === '') return '';
	return pointer
		.slice(1)
		.split('/')
		.map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
		.reduce(
			(out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part),
			'',
		);
}

function join(path: string, key: string): string {
	return path ? `${path}.${key}` : key;
}

function label(path: string): string {
	return path === '' ? 'The request body' : path;
}

function valueAt(body: unknown, pointer: string): unknown {
	if (pointer === '') return body;
	let node = body;
	for (const part of pointer.slice(1).split('/')) {
		if (typeof node !== 'object' || node === null) return undefined;
		node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
	}
	return node;
}

function article(type: string): string {
	const names = type.split(',').map((t) => (t === 'integer' ? 'a whole number' : `a ${t}`));
	return names.join(' or ');
}

function describe(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	if (typeof value === 'object') return 'an object';
	if (typeof value === 'string')
		return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
	return `${typeof value} ${String(value)}`;
}

function unique(issues: SpecIssue[]): SpecIssue[] {
	const seen = new Set<string>();
	return issues.filter((issue) => {
		const key = `${issue.code}|${issue.details}`;
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}
