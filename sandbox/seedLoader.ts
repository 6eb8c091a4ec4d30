/**
 * The sandbox's starting data: business account, phone numbers, contacts and templates. Users
 * edit sandbox/seed.json (or pass their own file); it is checked at start and every problem is
 * reported with the entry it is in.
 */
import * as fs from 'node:fs';
import { z } from 'zod';
import bundledSeed from './seed.json';
import { TemplateDefinitionSchema, type TemplateDefinition } from './templateDefinition';

const digits = (what: string, min: number, max: number) =>
	z
		.string()
		.regex(
			new RegExp(`^\\d{${min},${max}}$`),
			`${what} must be ${min} to ${max} digits, without "+" or spaces`,
		);

const PhoneNumberSchema = z
	.object({
		id: digits('id', 5, 20),
		/** As Meta shows it: "+", the country code, a space, then the rest ("+49 30 57700180"). */
		display_phone_number: z
			.string()
			.regex(
				/^\+\d{1,3} [\d -]{4,20}$/,
				'display_phone_number must be "+", the country code, a space and the rest, e.g. "+49 30 57700180"',
			),
		verified_name: z.string().min(1),
		quality_rating: z.enum(['GREEN', 'YELLOW', 'RED', 'NA']).default('GREEN'),
		/** Messages per second Meta allows the number: 80 (STANDARD) or 1000 (HIGH). */
		throughput: z.union([z.literal(80), z.literal(1000)]).default(80),
	})
	.strict();

const ContactSchema = z
	.object({
		wa_id: digits('wa_id', 8, 15),
		name: z.string().min(1),
		/** ISO 3166 alpha-2: "US" contacts get no marketing templates, as with Meta since April 2025. */
		country: z.string().regex(/^[A-Z]{2}$/, 'country must be two capital letters, e.g. "DE"'),
		/** "stopped": the contact turned off marketing messages in WhatsApp (131050). */
		marketing: z.enum(['active', 'stopped']).default('active'),
		/** Meta's per-user marketing limit: marketing templates per rolling 24 h before 131049. */
		marketing_limit_per_day: z.number().int().min(0).optional(),
	})
	.strict();

const SeedSchema = z
	.object({
		business_account: z
			.object({
				id: digits('business_account.id', 5, 20),
				name: z.string().min(1),
				message_template_namespace: z.string().optional(),
			})
			.strict(),
		app: z
			.object({ id: digits('app.id', 5, 20), name: z.string().min(1) })
			.strict()
			.default({ id: '1203948576120394', name: 'WhatsApp Sandbox App' }),
		phone_numbers: z.array(PhoneNumberSchema).min(1, 'at least one phone number is needed'),
		contacts: z.array(ContactSchema),
		templates: z.array(z.unknown()),
	})
	.strict();

export type SeedPhoneNumber = z.output<typeof PhoneNumberSchema>;
export type SeedContact = z.output<typeof ContactSchema>;
/** A seed file as written (defaults may be left out). */
export type SandboxSeedInput = z.input<typeof SeedSchema>;

export interface SeedTemplate {
	/** As written in the seed: what the template list returns (Meta's shape). */
	readonly raw: Record<string, unknown>;
	/** Parsed (types and formats upper-cased) for the sandbox's checks. */
	readonly definition: TemplateDefinition;
}

export interface SandboxSeed {
	readonly business_account: z.output<typeof SeedSchema>['business_account'];
	readonly app: { readonly id: string; readonly name: string };
	readonly phone_numbers: readonly SeedPhoneNumber[];
	readonly contacts: readonly SeedContact[];
	readonly templates: readonly SeedTemplate[];
}

/** A seed that cannot be used; the message names the entry and what is wrong. */
export class SeedError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'SeedError';
	}
}

/** The seed bundled with the package (sandbox/seed.json). */
export function bundledSeedInput(): SandboxSeedInput {
	return structuredClone(bundledSeed) as SandboxSeedInput;
}

/** Values that replace the seed's (from the sandbox options). */
export interface SeedOverrides {
	readonly businessAccountId?: string;
	readonly phoneNumbers?: readonly unknown[];
}

/**
 * Reads a seed: a path to a JSON file, an object, or (undefined) the bundled seed.
 * @throws SeedError naming the file, the entry and the problem.
 */
export function loadSeed(
	source: string | SandboxSeedInput | object | undefined,
	overrides: SeedOverrides = {},
): SandboxSeed {
	const [raw, origin] =
		source === undefined
			? [bundledSeedInput(), 'the bundled seed.json']
			: typeof source === 'string'
				? [readSeedFile(source), source]
				: [structuredClone(source), 'the seed object'];
	if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
		const record = raw as Record<string, unknown>;
		if (overrides.phoneNumbers !== undefined) record.phone_numbers = [...overrides.phoneNumbers];
		if (overrides.businessAccountId !== undefined) {
			const account = record.business_account;
			record.business_account = {
				...(typeof account === 'object' && account !== null ? account : { name: 'Sandbox' }),
				id: overrides.businessAccountId,
			};
		}
	}
	return parseSeed(raw, origin);
}

function readSeedFile(source: string): unknown {
	let text: string;
	try {
		text = fs.readFileSync(source, 'utf8');
	} catch (error) {
		const reason = (error as NodeJS.ErrnoException).code ?? String(error);
		throw new SeedError(`Cannot read the seed file ${source} (${reason}).`);
	}
	try {
		return JSON.parse(text);
	} catch (error) {
		throw new SeedError(`The seed file ${source} is not JSON: ${(error as Error).message}`);
	}
}

/** Checks a parsed seed. @throws SeedError */
export function parseSeed(raw: unknown, origin: string): SandboxSeed {
	const parsed = SeedSchema.safeParse(raw);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		throw new SeedError(`${origin}: ${describe(raw, issue.path)}: ${issue.message}.`);
	}
	const seed = parsed.data;
	unique(
		seed.phone_numbers.map((p) => p.id),
		(id) => `${origin}: phone_numbers: the id ${id} is used twice.`,
	);
	unique(
		seed.contacts.map((c) => c.wa_id),
		(id) => `${origin}: contacts: the wa_id ${id} is used twice.`,
	);
	const templates = seed.templates.map((entry, index) => parseTemplate(entry, index, origin));
	unique(
		templates.map((t) => `${t.definition.name} (${t.definition.language})`),
		(key) => `${origin}: templates: ${key} is defined twice; a name and language pair is unique.`,
	);
	unique(
		templates.map((t) => t.definition.id),
		(id) => `${origin}: templates: the id ${id} is used twice.`,
	);
	return { ...seed, templates };
}

function parseTemplate(entry: unknown, index: number, origin: string): SeedTemplate {
	const name =
		typeof entry === 'object' &&
		entry !== null &&
		typeof (entry as { name?: unknown }).name === 'string'
			? ` ("${(entry as { name: string }).name}")`
			: '';
	const where = `${origin}: templates[${index}]${name}`;
	const parsed = TemplateDefinitionSchema.safeParse(entry);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		const path = issue.path.length > 0 ? `${formatPath(issue.path)}: ` : '';
		throw new SeedError(`${where}: ${path}${issue.message}.`);
	}
	const definition = parsed.data;
	if (!/^[a-z0-9_]{1,512}$/.test(definition.name)) {
		throw new SeedError(
			`${where}: name must be lower-case letters, digits and "_" (at most 512), as Meta requires.`,
		);
	}
	if (!/^\d+$/.test(definition.id)) {
		throw new SeedError(`${where}: id must be digits, e.g. "1187420935561021".`);
	}
	if (!['MARKETING', 'UTILITY', 'AUTHENTICATION'].includes(definition.category)) {
		throw new SeedError(
			`${where}: category must be MARKETING, UTILITY or AUTHENTICATION; got "${definition.category}".`,
		);
	}
	if (definition.components.length === 0) {
		throw new SeedError(`${where}: components are missing; a template has at least a BODY.`);
	}
	if (!definition.components.some((c) => c.type === 'BODY')) {
		throw new SeedError(`${where}: has no BODY component.`);
	}
	return { raw: entry as Record<string, unknown>, definition };
}

function unique(values: string[], message: (value: string) => string): void {
	const seen = new Set<string>();
	for (const value of values) {
		if (seen.has(value)) throw new SeedError(message(value));
		seen.add(value);
	}
}

/** "contacts[2] (4915...): wa_id" — the entry named by its id where it has one. */
function describe(raw: unknown, path: readonly (string | number)[]): string {
	if (path.length === 0) return 'the seed';
	let out = '';
	let node: unknown = raw;
	for (const part of path) {
		out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
		node =
			typeof node === 'object' && node !== null
				? (node as Record<string | number, unknown>)[part]
				: undefined;
		if (typeof part === 'number' && typeof node === 'object' && node !== null) {
			const label = (node as Record<string, unknown>).wa_id ?? (node as Record<string, unknown>).id;
			if (typeof label === 'string') out += ` (${label})`;
		}
	}
	return out;
}

function formatPath(path: readonly (string | number)[]): string {
	return path.reduce<string>(
		(out, part) =>
			typeof part === 'number' ? `${out}[${part}]` : out === '' ? part : `${out}.${part}`,
		'',
	);
}
