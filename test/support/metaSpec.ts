/**
 * Meta's OpenAPI spec of the WhatsApp Business Messaging API as a test contract: its request
 * schema (read and corrected by tools/meta-openapi), its 50 request examples and its 16 webhook
 * examples.
 *
 * The spec is at ../shared/reference/meta-openapi/ beside the project (WA_META_OPENAPI elsewhere).
 * Without it a suite that needs it fails in CI (CI is set) with the reason, and is skipped with a
 * note on a developer's machine.
 */
import { buildMessageSchema } from '../../tools/meta-openapi/schema';
import {
	findMetaSpec,
	messageRequestExamples,
	webhookExamples,
	type MetaSpec,
} from '../../tools/meta-openapi/source';
import type { SpecDefect } from '../../tools/meta-openapi/defects';
import { SpecValidator, type SpecIssue } from '../../sandbox/spec/validator';

// Tests read deep into Meta's JSON; a loose type keeps them readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

const lookup = findMetaSpec();

/**
 * describe() with Meta's spec: the body gets it. Fails in CI and is skipped elsewhere (with a
 * console note) when the spec cannot be found.
 */
export function describeWithMetaSpec(title: string, body: (spec: MetaSpec) => void): void {
	if (lookup.found) {
		describe(title, () => body(lookup.spec));
		return;
	}
	if (process.env.CI) {
		describe(title, () => {
			it("finds Meta's OpenAPI spec", () => {
				throw new Error(`${lookup.reason} CI has it beside the project clone.`);
			});
		});
		return;
	}
	console.warn(`Skipping "${title}": ${lookup.reason}`);
	describe.skip(`${title} (Meta's OpenAPI spec not found)`, () => {
		it('needs the spec', () => undefined);
	});
}

const validators = new Map<string, SpecValidator>();

/** Checks a body against the spec's request schema, corrected by `defects` (all by default). */
export function specIssues(
	spec: MetaSpec,
	body: unknown,
	defects?: readonly SpecDefect[],
): SpecIssue[] {
	const key = defects === undefined ? '*' : defects.map((d) => d.id).join('|');
	let validator = validators.get(key);
	if (!validator) {
		validator = new SpecValidator(buildMessageSchema(spec.document, defects));
		validators.set(key, validator);
	}
	return validator.check(body);
}

export function requestExamples(spec: MetaSpec): Record<string, Json> {
	return structuredClone(messageRequestExamples(spec.document)) as Record<string, Json>;
}

export function metaWebhookExamples(spec: MetaSpec): Record<string, Json> {
	return structuredClone(webhookExamples(spec.document)) as Record<string, Json>;
}

/** Placeholders of Meta's examples: "{{Recipient-Phone-Number}}", "<AUDIO_OBJECT_ID>", "http(s)://image-url". */
export function isPlaceholder(value: unknown): value is string {
	return (
		typeof value === 'string' &&
		(/^\{\{.+\}\}$/.test(value) ||
			/^<.+>$/.test(value) ||
			value.startsWith('http(s)://') ||
			value === 'language-and-locale-code' ||
			value === 'template-name')
	);
}

/** Where a string of an example stands: its key, and the keys above it ("template", "components", 0...). */
export interface PlaceholderSite {
	readonly key: string;
	readonly path: readonly (string | number)[];
	readonly value: string;
}

/** A copy of `example` with each string replaced by what `map` returns for it (undefined: kept). */
export function mapStrings(example: Json, map: (site: PlaceholderSite) => unknown): Json {
	const walk = (node: unknown, path: (string | number)[]): unknown => {
		if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
		if (typeof node === 'object' && node !== null) {
			return Object.fromEntries(
				Object.entries(node).map(([key, value]) => [key, walk(value, [...path, key])]),
			);
		}
		if (typeof node !== 'string') return node;
		const replaced = map({ key: String(path[path.length - 1]), path, value: node });
		return replaced === undefined ? node : replaced;
	};
	return walk(example, []) as Json;
}

/**
 * A copy of `example` with each placeholder that `fill` returns a value for replaced; the others
 * (captions, titles such as "<BODY_TEXT>") stay, being valid text as they are.
 */
export function fillPlaceholders(example: Json, fill: (site: PlaceholderSite) => unknown): Json {
	return mapStrings(example, (site) => (isPlaceholder(site.value) ? fill(site) : undefined));
}

const MEDIA = new Set(['audio', 'document', 'image', 'sticker', 'video']);

/** Whether the placeholder is the id or link of a media object (not a list row's id). */
export function isMediaField(site: PlaceholderSite, field: 'id' | 'link'): boolean {
	return site.key === field && MEDIA.has(String(site.path[site.path.length - 2]));
}

/**
 * The placeholders that stand for values the schema checks (a recipient, a URL, a media id, a
 * template name and language, a flow, a header type), filled with plausible values.
 */
export function fillForSchema(example: Json): Json {
	return fillPlaceholders(example, (site) => {
		if (site.key === 'to') return '4915112345601';
		if (isMediaField(site, 'link')) return 'https://media.example.com/files/sample';
		if (isMediaField(site, 'id')) return '1013859600285441';
		if (site.key === 'flow_id') return '1084373206302416';
		if (site.key === 'flow_name') return 'appointment_booking';
		if (site.key === 'code') return 'en_US';
		if (site.key === 'name' && site.path[0] === 'template') return 'order_update';
		if (site.key === 'type' && site.path.includes('header')) return 'text';
		return undefined;
	});
}
