/**
 * Meta's request schema of POST /<PHONE_NUMBER_ID>/messages as one self-contained JSON Schema
 * (draft-07, definitions under $defs), read the way OpenAPI tools read it:
 *
 * - `allOf` is merged into one object schema (properties and `required` joined, `additionalProperties:
 *   false` of any part applied to the whole). Read literally, Meta's `TextMessage` is
 *   allOf[BaseMessageProperties, {additionalProperties: false, properties: {type, text}}], which
 *   rejects every body: `messaging_product` is not a property of the second part.
 * - A `discriminator` picks the branch by the value of its property (`type`): the mapped schema
 *   is checked, not every branch of a `oneOf`, so an error names the field that is wrong instead of
 *   "must match exactly one schema". A branch inherits its base (allOf) without the base's
 *   discriminator, as in OpenAPI's inheritance pattern.
 * - OpenAPI-only keywords (`example`, `discriminator`) are dropped.
 *
 * The spec's own mistakes are corrected first, each in defects.ts with the reason.
 */
import {
	MISSING_DISCRIMINATOR,
	SPEC_DEFECTS,
	type MissingDiscriminator,
	type SpecDefect,
} from './defects';
import * as path from 'node:path';

import {
	componentSchemas,
	messageRequestSchema,
	ROOT,
	type MetaSpec,
	type OpenApiDocument,
} from './source';

type Schema = Record<string, unknown>;

const COMPONENT_REF = '#/components/schemas/';
const DROPPED = new Set(['example', 'examples', 'discriminator', 'xml', 'externalDocs']);
const SCHEMA_VALUED = ['items', 'additionalProperties', 'not', 'if', 'then', 'else'];
const SCHEMA_LISTS = ['oneOf', 'anyOf', 'allOf'];

function isSchema(value: unknown): value is Schema {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refName(ref: unknown): string {
	if (typeof ref !== 'string' || !ref.startsWith(COMPONENT_REF)) {
		throw new Error(`Unsupported $ref ${JSON.stringify(ref)} in Meta's spec.`);
	}
	return ref.slice(COMPONENT_REF.length);
}

/** The JSON Schema of the messages request body, with SPEC_DEFECTS (or the given ones) corrected. */
export function buildMessageSchema(
	document: OpenApiDocument,
	defects: readonly SpecDefect[] = SPEC_DEFECTS,
): Schema {
	const components = structuredClone(componentSchemas(document)) as Record<string, Schema>;
	for (const defect of defects) defect.fix(components);
	const root = messageRequestSchema(document);
	if (!isSchema(root)) throw new Error("Meta's spec has no request schema for the messages path.");
	const rootName = refName(root.$ref);

	const defs: Record<string, unknown> = {};
	const queue = [rootName];
	const enqueue = (ref: unknown): string => {
		const name = refName(ref);
		if (!components[name]) throw new Error(`Meta's spec has no schema ${name}.`);
		queue.push(name);
		return `#/$defs/${name}`;
	};
	const reader = new Reader(components, enqueue);
	while (queue.length > 0) {
		const name = queue.shift() as string;
		if (Object.hasOwn(defs, name)) continue;
		defs[name] = {}; // placeholder: a schema may refer to itself
		defs[name] = reader.convert(components[name]);
	}
	const sorted = Object.fromEntries(
		Object.keys(defs)
			.sort()
			.map((name) => [name, defs[name]]),
	);
	return { $ref: `#/$defs/${rootName}`, $defs: sorted };
}

class Reader {
	constructor(
		private readonly components: Record<string, Schema>,
		private readonly enqueue: (ref: unknown) => string,
	) {}

	convert(raw: unknown): unknown {
		if (Array.isArray(raw)) return raw.map((item) => this.convert(item));
		if (!isSchema(raw)) return raw;
		// A $ref replaces its siblings (descriptions next to it), as in OpenAPI 3.0.
		if (raw.$ref !== undefined) return { $ref: this.enqueue(raw.$ref) };
		const schema = Array.isArray(raw.allOf) ? this.mergeAllOf(raw) : raw;
		const out: Schema = {};
		for (const [key, value] of Object.entries(schema)) {
			if (DROPPED.has(key)) continue;
			if (key === 'properties' && isSchema(value)) {
				out.properties = Object.fromEntries(
					Object.entries(value).map(([name, property]) => [name, this.convert(property)]),
				);
			} else if (SCHEMA_VALUED.includes(key) || SCHEMA_LISTS.includes(key)) {
				out[key] = this.convert(value);
			} else {
				out[key] = value;
			}
		}
		const discriminator = schema.discriminator;
		if (isSchema(discriminator) && isSchema(discriminator.mapping)) {
			this.discriminate(out, discriminator);
		}
		return out;
	}

	/** Replaces oneOf/anyOf by "if <property> is K then <mapping[K]>" for every key K. */
	private discriminate(out: Schema, discriminator: Schema): void {
		const property = String(discriminator.propertyName);
		const mapping = discriminator.mapping as Record<string, string>;
		const keys = Object.keys(mapping);
		delete out.oneOf;
		delete out.anyOf;
		const properties = isSchema(out.properties) ? { ...out.properties } : {};
		const own = isSchema(properties[property]) ? properties[property] : {};
		properties[property] = { type: 'string', ...own, enum: keys };
		out.type = 'object';
		out.properties = properties;
		const branches: Schema[] = keys.map((key) => ({
			if: { properties: { [property]: { const: key } }, required: [property] },
			then: { $ref: this.enqueue(mapping[key]) },
		}));
		const missing = discriminator[MISSING_DISCRIMINATOR] as MissingDiscriminator | undefined;
		if (missing) {
			const absent = { not: { required: [property] } };
			for (const key of keys) {
				branches.push({
					if: { allOf: [absent, { required: [key] }] },
					then: { $ref: this.enqueue(mapping[key]) },
				});
			}
			branches.push({
				if: { allOf: [absent, ...keys.map((key) => ({ not: { required: [key] } }))] },
				then: { $ref: this.enqueue(mapping[missing.default]) },
			});
		} else {
			const required = Array.isArray(out.required) ? out.required : [];
			if (!required.includes(property)) out.required = [...required, property];
		}
		const allOf = Array.isArray(out.allOf) ? out.allOf : [];
		out.allOf = [...allOf, ...branches];
	}

	/** allOf parts merged into one schema; a referenced part comes without its discriminator. */
	private mergeAllOf(schema: Schema): Schema {
		const { allOf, ...own } = schema;
		const parts = (allOf as unknown[]).map((part) => {
			if (isSchema(part) && part.$ref !== undefined) {
				const target = this.components[refName(part.$ref)];
				const merged = Array.isArray(target.allOf) ? this.mergeAllOf(target) : target;
				const rest = { ...merged };
				delete rest.discriminator;
				return rest;
			}
			return isSchema(part) && Array.isArray(part.allOf) ? this.mergeAllOf(part) : part;
		});
		return mergeSchemas([...(parts as Schema[]), own]);
	}
}

function mergeSchemas(parts: readonly Schema[]): Schema {
	const out: Schema = {};
	for (const part of parts) {
		for (const [key, value] of Object.entries(part)) {
			if (key === 'properties' && isSchema(value)) {
				const properties: Schema = isSchema(out.properties) ? { ...out.properties } : {};
				for (const [name, property] of Object.entries(value)) {
					const before = properties[name];
					properties[name] =
						isSchema(before) && isSchema(property) && !before.$ref && !property.$ref
							? { ...before, ...property }
							: property;
				}
				out.properties = properties;
			} else if (key === 'required' && Array.isArray(value)) {
				const required = Array.isArray(out.required) ? (out.required as string[]) : [];
				out.required = [...new Set([...required, ...(value as string[])])];
			} else if (key === 'additionalProperties') {
				out.additionalProperties =
					out.additionalProperties === false || value === false ? false : value;
			} else {
				out[key] = value;
			}
		}
	}
	return out;
}

/** What sandbox/spec/messageSchema.json holds: the schema, where it comes from, its licence. */
export interface MessageSchemaFile {
	readonly comment: readonly string[];
	readonly source: { readonly file: string; readonly sha256: string };
	readonly license: string;
	/** The corrections applied (defects.ts), "id: summary". */
	readonly defects: readonly string[];
	readonly schema: Record<string, unknown>;
}

/** The generated file, committed: the published sandbox cannot read ../shared. */
export const SCHEMA_FILE = path.join(ROOT, 'sandbox', 'spec', 'messageSchema.json');

export const GENERATE_COMMAND =
	'node --require ./scripts/register-ts.js tools/meta-openapi/update.ts';

export function messageSchemaFile(spec: MetaSpec): MessageSchemaFile {
	return {
		comment: [
			"Generated from Meta's OpenAPI spec of the WhatsApp Business Messaging API (github.com/facebook/openapi, MIT licence below): the request schema of POST /<PHONE_NUMBER_ID>/messages, allOf merged and discriminators resolved as OpenAPI tools read them, Meta's own mistakes corrected as listed under defects (tools/meta-openapi/defects.ts).",
			`Do not edit. With the spec in ../shared/reference/meta-openapi/ (or WA_META_OPENAPI), regenerate with: ${GENERATE_COMMAND}`,
		],
		source: { file: path.basename(spec.file), sha256: spec.sha256 },
		license: spec.license,
		defects: SPEC_DEFECTS.map((defect) => `${defect.id}: ${defect.summary}`),
		schema: buildMessageSchema(spec.document),
	};
}
