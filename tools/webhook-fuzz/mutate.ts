/**
 * Fuzzed webhook bodies: a seed (seeds.ts) with 1 to 4 mutations of the kinds Meta's payloads, a
 * broken proxy or an attacker could bring (wrong types, empty and blank strings, missing fields,
 * huge arrays, deep nesting, unicode, numbers as strings, unknown keys, other fields' values), some
 * broken at the byte level, then signed with the app secret or not (missing, wrong, malformed).
 *
 * Deterministic: body `index` of run `seed` is always the same bytes, so a body the runner reports
 * can be made again alone (fuzzBody(seed, index)).
 */
import { computeSignature } from '../../nodes/core/webhook/verify';
import type { Json, JsonObject } from './seeds';

export interface FuzzBody {
	readonly index: number;
	readonly rawBody: Buffer;
	readonly signatureHeader: string | string[] | undefined;
	/** Whether the header is the body's signature with the app secret. */
	readonly signed: boolean;
	/** The seed's name and the mutations, in order: what to look at when this body fails. */
	readonly seed: string;
	readonly mutations: readonly string[];
}

export interface FuzzBodyOptions {
	readonly appSecret: string;
	/** The seeds to mutate (ownSeeds() and metaSeeds()). */
	readonly seeds: ReadonlyArray<{ name: string; body: JsonObject }>;
	/**
	 * The most bytes a grown body aims at (huge arrays, long strings).
	 * @default 3 MB less 4 KB (just under the handler's limit)
	 */
	readonly maxBytes?: number;
}

/** Fields the trigger knows, for a change that claims another field's name. */
const FIELDS = [
	'messages',
	'message_template_status_update',
	'message_template_quality_update',
	'template_category_update',
	'user_preferences',
	'phone_number_quality_update',
	'account_update',
	'business_capability_update',
	'group_lifecycle_update',
	'group_participants_update',
	'group_settings_update',
	'group_status_update',
	'calls',
	'',
];

const ODD_VALUES: readonly Json[] = [
	0,
	-1,
	1.5,
	1e21,
	1.7976931348623157e308,
	Number.MAX_SAFE_INTEGER + 2,
	true,
	false,
	null,
	{},
	[],
	'x',
	'99999999999999999999',
	'-5',
	'1e3',
	'0x1F',
	'NaN',
	'Infinity',
	'null',
	'undefined',
	'2025-11-27T12:00:00Z',
];

const UNICODE: readonly string[] = [
	'Grüße 🙏 aus Köln',
	'مرحبا بالعالم',
	'שלום',
	'\u200b\u200c\u200d\ufeff',
	'e\u0301\u0301\u0301',
	'\u0000',
	'\ud800',
	'\udfff\ud800',
	'👩‍👩‍👧‍👦🏳️‍🌈',
	'\u202eSTOP',
	'ＳＴＯＰ',
	'stop\u0000',
	'\\u0000',
	'"\'`<script>',
	'%s%n%x',
];

const ODD_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

/** A small fast generator (mulberry32). */
export function random(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

interface Slot {
	parent: JsonObject | Json[];
	key: string | number;
}

/** The body being mutated; deep values wait as placeholders (JSON.stringify cannot nest them). */
type Tree = { root: JsonObject; deep: Map<string, string> };

/** Body `index` of the run `seed`. */
export function fuzzBody(seed: number, index: number, options: FuzzBodyOptions): FuzzBody {
	const next = random(Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b));
	const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
	const maxBytes = options.maxBytes ?? 3 * 1024 * 1024 - 4096;
	const base = pick(options.seeds);
	const tree: Tree = { root: structuredClone(base.body), deep: new Map() };
	const mutations: string[] = [];
	const count = 1 + Math.floor(next() * 4);
	for (let i = 0; i < count; i++) mutations.push(mutateTree(tree, next, maxBytes));

	let text = next() < 0.2 ? metaEscaped(tree.root) : JSON.stringify(tree.root);
	for (const [placeholder, value] of tree.deep) text = text.replace(`"${placeholder}"`, value);
	let bytes: Buffer | undefined;
	if (next() < 0.08) {
		const raw = mutateBytes(text, next, maxBytes);
		mutations.push(raw.name);
		if (typeof raw.value === 'string') text = raw.value;
		else bytes = raw.value;
	}
	const rawBody = bytes ?? Buffer.from(text, 'utf8');
	const { header, signed, name } = signature(rawBody, options.appSecret, next);
	return {
		index,
		rawBody,
		signatureHeader: header,
		signed,
		seed: base.name,
		mutations: [...mutations, name],
	};
}

function mutateTree(tree: Tree, next: () => number, maxBytes: number): string {
	const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
	const all = slots(tree.root, 20_000);
	const leaf = all.filter((s) => !isContainer(get(s)));
	const strings = all.filter((s) => typeof get(s) === 'string');
	const objects = all.filter((s) => isObject(get(s)));
	const arrays = all.filter((s) => Array.isArray(get(s)));
	const any = () => pick(all);
	if (all.length === 0) {
		// Every key dropped: something to mutate next time.
		tree.root.entry = [];
		return 'empty body: entry = []';
	}
	const roll = next();
	if (roll < 0.12 && strings.length > 0) {
		const slot = pick(strings);
		set(slot, '');
		return `empty ${path(tree.root, slot)}`;
	}
	if (roll < 0.17 && strings.length > 0) {
		const slot = pick(strings);
		set(slot, pick([' ', '\t', '\n', '   ']));
		return `blank ${path(tree.root, slot)}`;
	}
	if (roll < 0.32) {
		const slot = any();
		const value = pick(ODD_VALUES);
		set(slot, structuredClone(value));
		return `wrong type ${path(tree.root, slot)} = ${JSON.stringify(value).slice(0, 40)}`;
	}
	if (roll < 0.4 && leaf.length > 0) {
		const slot = pick(leaf);
		const value = get(slot);
		const swapped =
			typeof value === 'number'
				? String(value)
				: typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)
					? Number(value)
					: pick([String(Math.floor(next() * 1e12)), Math.floor(next() * 1e12)]);
		set(slot, swapped);
		return `number/string ${path(tree.root, slot)}`;
	}
	if (roll < 0.5) {
		const slot = any();
		const where = path(tree.root, slot);
		if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
		else delete slot.parent[slot.key as string];
		return `drop ${where}`;
	}
	if (roll < 0.58 && strings.length > 0) {
		const slot = pick(strings);
		set(slot, pick(UNICODE));
		return `unicode ${path(tree.root, slot)}`;
	}
	if (roll < 0.63 && strings.length > 0) {
		const slot = pick(strings);
		const length = Math.min(maxBytes - 2048, 2 ** (6 + Math.floor(next() * 16)));
		set(slot, pick(['a', 'é', '🙏', 'STOP ']).repeat(Math.max(1, Math.floor(length / 4))));
		return `long string ${path(tree.root, slot)} (${length})`;
	}
	if (roll < 0.7 && objects.length > 0) {
		const slot = pick(objects);
		const object = get(slot) as JsonObject;
		const key = next() < 0.7 ? pick(ODD_KEYS) : `x_${Math.floor(next() * 1000)}`;
		// Defined, not assigned: "__proto__" must become an own key, as JSON.parse makes it.
		Object.defineProperty(object, key, {
			value: structuredClone(pick(ODD_VALUES)),
			enumerable: true,
			writable: true,
			configurable: true,
		});
		return `extra key ${path(tree.root, slot)}.${key}`;
	}
	if (roll < 0.76) {
		const slot = any();
		const depth = pick([10, 100, 1000, 5000, 20_000, 100_000]);
		const placeholder = `__deep_${tree.deep.size}__`;
		tree.deep.set(placeholder, nested(depth, next() < 0.5));
		set(slot, placeholder);
		return `deep nesting ${path(tree.root, slot)} (${depth})`;
	}
	if (roll < 0.82) {
		const changes = all.filter((s) => s.key === 'field');
		if (changes.length > 0) {
			const slot = pick(changes);
			const field = pick(FIELDS);
			set(slot, field);
			return `field ${path(tree.root, slot)} = ${JSON.stringify(field)}`;
		}
	}
	if (roll < 0.88 && arrays.length > 0) {
		const slot = pick(arrays);
		const list = get(slot) as Json[];
		if (list.length > 0) list.push(structuredClone(pick(list)));
		return `duplicate in ${path(tree.root, slot)}`;
	}
	if (roll < 0.96 && arrays.length > 0) {
		return hugeArray(tree, pick(arrays), next, maxBytes);
	}
	const slot = any();
	set(slot, structuredClone(pick(ODD_VALUES)));
	return `odd value ${path(tree.root, slot)}`;
}

/** Grows one array to a random size up to maxBytes, its items repeated with new ids or the same. */
function hugeArray(tree: Tree, slot: Slot, next: () => number, maxBytes: number): string {
	const list = get(slot) as Json[];
	const where = path(tree.root, slot);
	if (list.length === 0) list.push(structuredClone(tree.root.entry ?? null));
	const current = Buffer.byteLength(JSON.stringify(tree.root));
	// Log-uniform from 10 KB: most grown bodies are small, some reach the limit.
	const target = Math.min(maxBytes, Math.floor(10_240 * (maxBytes / 10_240) ** next()));
	const distinct = next() < 0.7;
	const templates = list.map((item) => JSON.stringify(item));
	const sizes = templates.map((t) => Buffer.byteLength(t) + 1);
	let total = current;
	let i = 0;
	while (true) {
		const k = i % templates.length;
		if (total + sizes[k] + 16 > target) break;
		const copy = JSON.parse(templates[k]) as Json;
		if (distinct && isObject(copy) && typeof copy.id === 'string') copy.id = `${copy.id}.${i}`;
		list.push(copy);
		total += sizes[k] + (distinct ? String(i).length + 1 : 0);
		i++;
	}
	return `huge array ${where} (+${i}, ${distinct ? 'new ids' : 'same ids'})`;
}

function mutateBytes(
	text: string,
	next: () => number,
	maxBytes: number,
): { name: string; value: string | Buffer } {
	const roll = next();
	const at = Math.floor(next() * text.length);
	if (roll < 0.2) return { name: 'bytes: truncated', value: text.slice(0, at) };
	if (roll < 0.35)
		return { name: 'bytes: garbage', value: text.slice(0, at) + '\u0001}' + text.slice(at) };
	if (roll < 0.5) {
		const bytes = Buffer.from(text, 'utf8');
		const out = Buffer.concat([
			bytes.subarray(0, at),
			Buffer.from([0xc3, 0x28, 0xff]),
			bytes.subarray(at),
		]);
		return { name: 'bytes: invalid UTF-8', value: out };
	}
	if (roll < 0.6) return { name: 'bytes: BOM', value: `\ufeff${text}` };
	if (roll < 0.7) return { name: 'bytes: whitespace', value: `\n\t ${text}\r\n` };
	if (roll < 0.8)
		return { name: 'bytes: not JSON', value: 'object=whatsapp_business_account&entry=1' };
	if (roll < 0.9) return { name: 'bytes: empty', value: '' };
	return {
		name: 'bytes: over the limit',
		value: text + ' '.repeat(Math.max(0, maxBytes + 8192 - Buffer.byteLength(text))),
	};
}

function signature(
	body: Buffer,
	secret: string,
	next: () => number,
): { header: string | string[] | undefined; signed: boolean; name: string } {
	const roll = next();
	const good = computeSignature(body, secret);
	if (roll < 0.6) return { header: good, signed: true, name: 'signed' };
	if (roll < 0.64)
		return {
			header: ` ${good.toUpperCase().replace('SHA256=', 'sha256=')} `,
			signed: true,
			name: 'signed (upper case, spaces)',
		};
	if (roll < 0.72) return { header: undefined, signed: false, name: 'unsigned: no header' };
	if (roll < 0.8)
		return {
			header: computeSignature(body, `${secret}x`),
			signed: false,
			name: 'unsigned: another secret',
		};
	if (roll < 0.84) return { header: '', signed: false, name: 'unsigned: empty header' };
	if (roll < 0.88)
		return { header: good.replace('sha256=', 'sha1='), signed: false, name: 'unsigned: sha1' };
	if (roll < 0.92) return { header: [good, good], signed: false, name: 'unsigned: header twice' };
	if (roll < 0.96) return { header: good.slice(0, 40), signed: false, name: 'unsigned: cut' };
	return { header: `sha256=${'0'.repeat(64)}`, signed: false, name: 'unsigned: zeros' };
}

/** As Meta writes JSON: non-ASCII as \u escapes, "/" as "\/" (the bytes it signs). */
function metaEscaped(value: Json): string {
	return JSON.stringify(value)
		.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
		.replace(/\//g, '\\/');
}

function nested(depth: number, arrays: boolean): string {
	return arrays
		? '['.repeat(depth) + ']'.repeat(depth)
		: '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

function slots(root: JsonObject, limit: number): Slot[] {
	const out: Slot[] = [];
	const stack: Array<JsonObject | Json[]> = [root];
	while (stack.length > 0 && out.length < limit) {
		const node = stack.pop()!;
		const keys: Array<string | number> = Array.isArray(node)
			? node.map((_, i) => i)
			: Object.keys(node);
		for (const key of keys) {
			out.push({ parent: node, key });
			const value = (node as Record<string | number, Json>)[key];
			if (isContainer(value) && out.length < limit) stack.push(value);
		}
	}
	return out;
}

function get(slot: Slot): Json {
	return (slot.parent as Record<string | number, Json>)[slot.key];
}

function set(slot: Slot, value: Json): void {
	Object.defineProperty(slot.parent, slot.key, {
		value,
		enumerable: true,
		writable: true,
		configurable: true,
	});
}

function isContainer(value: Json | undefined): value is JsonObject | Json[] {
	return typeof value === 'object' && value !== null;
}

function isObject(value: Json | undefined): value is JsonObject {
	return isContainer(value) && !Array.isArray(value);
}

/** Where a slot is, e.g. entry[0].changes[0].value.statuses[0].id (found by search: for names only). */
function path(root: JsonObject, slot: Slot): string {
	const stack: Array<{ node: JsonObject | Json[]; path: string }> = [{ node: root, path: '' }];
	let visited = 0;
	while (stack.length > 0 && visited++ < 50_000) {
		const { node, path: at } = stack.pop()!;
		if (node === slot.parent) {
			return typeof slot.key === 'number'
				? `${at}[${slot.key}]`
				: `${at}${at ? '.' : ''}${slot.key}`;
		}
		const keys: Array<string | number> = Array.isArray(node)
			? node.map((_, i) => i)
			: Object.keys(node);
		for (const key of keys) {
			const value = (node as Record<string | number, Json>)[key];
			if (isContainer(value)) {
				stack.push({
					node: value,
					path: typeof key === 'number' ? `${at}[${key}]` : `${at}${at ? '.' : ''}${key}`,
				});
			}
		}
	}
	return String(slot.key);
}
