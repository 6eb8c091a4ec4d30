/**
 * Where Meta's OpenAPI spec of the WhatsApp Business Messaging API is read from, and the parts of
 * it the project uses. The spec is not in this repository: every developer and CI have it at
 * ../shared/reference/meta-openapi/ beside the project (MIT, from github.com/facebook/openapi).
 * WA_META_OPENAPI points elsewhere: the folder, or the .yaml file itself.
 *
 * Only development tools read it (the schema generator, the contract tests); the published
 * sandbox uses the schema generated from it (sandbox/spec/messageSchema.json).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { parse } from 'yaml';

export const SPEC_FILE = 'business-messaging-api_v23.0.yaml';
export const ROOT = path.resolve(__dirname, '..', '..');
export const DEFAULT_SPEC_DIR = path.resolve(ROOT, '..', 'shared', 'reference', 'meta-openapi');

export const MESSAGES_PATH = '/{Version}/{Phone-Number-ID}/messages';
export const WEBHOOKS_PATH = '/whatsapp/webhooks';

/** An OpenAPI document, read loosely: the parts used are checked where they are read. */
export type OpenApiDocument = Record<string, unknown>;

export interface MetaSpec {
	readonly document: OpenApiDocument;
	/** The .yaml file read. */
	readonly file: string;
	/** SHA-256 of its bytes, recorded in what is generated from it. */
	readonly sha256: string;
	/** The LICENSE text beside it (MIT), kept with what is generated from it. */
	readonly license: string;
}

export type SpecLookup = { found: true; spec: MetaSpec } | { found: false; reason: string };

/** The spec file WA_META_OPENAPI or the default names (a folder holds SPEC_FILE). */
export function specFile(env: NodeJS.ProcessEnv = process.env): string {
	const given = env.WA_META_OPENAPI?.trim();
	if (!given) return path.join(DEFAULT_SPEC_DIR, SPEC_FILE);
	const resolved = path.resolve(ROOT, given);
	return resolved.endsWith('.yaml') ? resolved : path.join(resolved, SPEC_FILE);
}

/** Reads and parses the spec; never throws for a missing file (the caller decides what that means). */
export function findMetaSpec(env: NodeJS.ProcessEnv = process.env): SpecLookup {
	const file = specFile(env);
	if (!fs.existsSync(file)) {
		return {
			found: false,
			reason: `Meta's OpenAPI spec is not at ${file}. It lives in ../shared/reference/meta-openapi/ beside the project; set WA_META_OPENAPI to its folder if it is elsewhere.`,
		};
	}
	const bytes = fs.readFileSync(file);
	const licenseFile = path.join(path.dirname(file), 'LICENSE');
	const license = fs.existsSync(licenseFile) ? fs.readFileSync(licenseFile, 'utf8').trim() : '';
	const document = parse(bytes.toString('utf8'), { maxAliasCount: -1 }) as OpenApiDocument;
	return {
		found: true,
		spec: {
			document,
			file,
			sha256: createHash('sha256').update(bytes).digest('hex'),
			license,
		},
	};
}

/** Like findMetaSpec, for tools that cannot run without it. @throws Error naming where it looked. */
export function loadMetaSpec(env: NodeJS.ProcessEnv = process.env): MetaSpec {
	const lookup = findMetaSpec(env);
	if (!lookup.found) throw new Error(lookup.reason);
	return lookup.spec;
}

function at(value: unknown, keys: readonly string[]): unknown {
	let node = value;
	for (const key of keys) {
		if (typeof node !== 'object' || node === null) return undefined;
		node = (node as Record<string, unknown>)[key];
	}
	return node;
}

function namedValues(examples: unknown, where: string): Record<string, unknown> {
	if (typeof examples !== 'object' || examples === null) {
		throw new Error(`Meta's spec has no examples at ${where}.`);
	}
	return Object.fromEntries(
		Object.entries(examples as Record<string, { value?: unknown }>).map(([name, example]) => [
			name,
			example.value,
		]),
	);
}

const JSON_BODY = ['requestBody', 'content', 'application/json'];

/** Meta's request examples of POST /<PHONE_NUMBER_ID>/messages, by name. */
export function messageRequestExamples(document: OpenApiDocument): Record<string, unknown> {
	return namedValues(
		at(document, ['paths', MESSAGES_PATH, 'post', ...JSON_BODY, 'examples']),
		`${MESSAGES_PATH} POST`,
	);
}

/** Meta's webhook examples (the POSTs Meta makes to a callback URL), by name. */
export function webhookExamples(document: OpenApiDocument): Record<string, unknown> {
	return namedValues(
		at(document, ['paths', WEBHOOKS_PATH, 'post', ...JSON_BODY, 'examples']),
		`${WEBHOOKS_PATH} POST`,
	);
}

/** The request schema of POST /<PHONE_NUMBER_ID>/messages (a $ref into components.schemas). */
export function messageRequestSchema(document: OpenApiDocument): unknown {
	return at(document, ['paths', MESSAGES_PATH, 'post', ...JSON_BODY, 'schema']);
}

export function componentSchemas(document: OpenApiDocument): Record<string, unknown> {
	const schemas = at(document, ['components', 'schemas']);
	if (typeof schemas !== 'object' || schemas === null) {
		throw new Error("Meta's spec has no components.schemas.");
	}
	return schemas as Record<string, unknown>;
}
