/**
 * Small readers for request bodies that fail the way Meta does: a missing field is 131008, a
 * field of the wrong kind or out of range is 131009. Paths in messages are the JSON paths the
 * caller sent ("interactive.action.buttons[0].reply.title").
 */
import { GraphError } from '../graphError';

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function missing(path: string): GraphError {
	return new GraphError(131008, `The parameter ${path} is required.`);
}

export function invalid(path: string, what: string): GraphError {
	return new GraphError(131009, `${path}: ${what}`);
}

export function requireObject(value: unknown, path: string): Json {
	if (value === undefined || value === null) throw missing(path);
	if (!isObject(value)) throw invalid(path, `must be an object, got ${kindOf(value)}.`);
	return value;
}

export function requireArray(value: unknown, path: string): unknown[] {
	if (value === undefined || value === null) throw missing(path);
	if (!Array.isArray(value)) throw invalid(path, `must be an array, got ${kindOf(value)}.`);
	return value;
}

export interface StringRules {
	/** Most characters allowed. */
	readonly max?: number;
	/** Whether "" counts as given. @default false */
	readonly allowEmpty?: boolean;
}

export function requireString(value: unknown, path: string, rules: StringRules = {}): string {
	if (value === undefined || value === null) throw missing(path);
	if (typeof value !== 'string') throw invalid(path, `must be a string, got ${kindOf(value)}.`);
	if (value.trim() === '' && !rules.allowEmpty) throw missing(path);
	checkLength(value, path, rules.max);
	return value;
}

export function optionalString(value: unknown, path: string, max?: number): string | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'string') throw invalid(path, `must be a string, got ${kindOf(value)}.`);
	checkLength(value, path, max);
	return value;
}

export function optionalBoolean(value: unknown, path: string): boolean | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'boolean')
		throw invalid(path, `must be true or false, got ${kindOf(value)}.`);
	return value;
}

/** Numbers, or strings holding one (Meta accepts "52.52" for a latitude). */
export function requireNumber(value: unknown, path: string, min: number, max: number): number {
	if (value === undefined || value === null || value === '') throw missing(path);
	const number = typeof value === 'string' ? Number(value) : value;
	if (typeof number !== 'number' || !Number.isFinite(number)) {
		throw invalid(path, `must be a number, got ${kindOf(value)}.`);
	}
	if (number < min || number > max)
		throw invalid(path, `must be from ${min} to ${max}, got ${number}.`);
	return number;
}

/** http(s) URLs only: Meta fetches media links and opens CTA links from its servers and apps. */
export function requireUrl(value: unknown, path: string): string {
	const text = requireString(value, path, { max: 2000 });
	let parsed: URL;
	try {
		parsed = new URL(text);
	} catch {
		throw invalid(path, `"${text}" is not a URL.`);
	}
	if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
		throw invalid(path, `must be an http or https URL, got "${text}".`);
	}
	return text;
}

/** Meta counts characters; the sandbox counts code points, as people do. */
export function lengthOf(text: string): number {
	return Array.from(text).length;
}

function checkLength(value: string, path: string, max: number | undefined): void {
	if (max !== undefined && lengthOf(value) > max) {
		throw invalid(path, `is ${lengthOf(value)} characters long; at most ${max} are allowed.`);
	}
}

export function kindOf(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	if (typeof value === 'object') return 'an object';
	if (typeof value === 'string') return `the string "${value.slice(0, 40)}"`;
	return `${typeof value} ${String(value)}`;
}
