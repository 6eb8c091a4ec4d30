/**
 * The Graph API paths the nodes use, under any /vNN.0/, answered from the sandbox state:
 *
 *   POST   /{phone-number-id}/messages          send, mark as read, typing indicator
 *   POST   /{phone-number-id}/media             upload (multipart: file, type, messaging_product)
 *   GET    /{waba-id}/message_templates         fields, limit, after/before, name/status/category/language
 *   GET    /{waba-id}/phone_numbers
 *   GET|POST|DELETE /{waba-id}/subscribed_apps
 *   GET    /{id}                                phone number, account, media (download URL), template
 *   DELETE /{media-id}
 *   GET    /whatsapp_business/attachments/?mid= the media bytes (bearer token, URL valid 5 minutes)
 *
 * Every call needs the bearer token (header, or access_token in the query as Graph allows).
 */
import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { MINUTE } from '../nodes/core/clock';
import { isObject, type Json } from './checks/fields';
import { checkUpload } from './checks/media';
import { GraphError, objectNotFound } from './graphError';
import type { SandboxState } from './state';

export interface GraphRequest {
	readonly method: string;
	readonly url: URL;
	readonly headers: IncomingHttpHeaders;
	readonly body: Buffer;
	/** "http://host:port" as the client addressed the sandbox (for URLs handed back). */
	readonly origin: string;
}

export interface GraphResponse {
	/** The message was accepted but its answer is lost: the server cuts the connection. */
	readonly drop?: boolean;
	readonly status: number;
	readonly json?: unknown;
	readonly bytes?: { data: Buffer; type: string };
	readonly headers?: Record<string, string>;
}

const MEDIA_PATH = '/whatsapp_business/attachments/';
const MEDIA_URL_MS = 5 * MINUTE;
const DEFAULT_PAGE = 25;
const MAX_PAGE = 1000;
/** Signs media download URLs; new per process, so old URLs die with the sandbox. */
const URL_KEY = randomBytes(32);

const TEMPLATE_FIELDS = new Set([
	'id',
	'name',
	'language',
	'status',
	'category',
	'sub_category',
	'parameter_format',
	'components',
	'quality_score',
	'rejected_reason',
	'previous_category',
	'correct_category',
	'message_send_ttl_seconds',
	'library_template_name',
	'cta_url_link_tracking_opted_out',
]);

export async function handleGraph(
	state: SandboxState,
	request: GraphRequest,
): Promise<GraphResponse> {
	const { method, url } = request;
	if (url.pathname === MEDIA_PATH || url.pathname === MEDIA_PATH.slice(0, -1)) {
		checkToken(state, request);
		if (method !== 'GET') throw unknownPath(url.pathname);
		return downloadMedia(state, url);
	}
	const segments = url.pathname.split('/').filter(Boolean);
	const version = segments.shift() ?? '';
	const major = /^v(\d{2,})\.0$/.exec(version);
	if (!major) {
		throw new GraphError(
			2635,
			`The path must start with a Graph API version such as /v25.0/; got "/${version}". The sandbox takes any /vNN.0/.`,
			{
				title:
					'You are calling a deprecated version of the Graph API. Please update to the latest version: v25.0.',
			},
		);
	}
	checkToken(state, request);
	const [id, edge, ...rest] = segments;
	if (!id || rest.length > 0) throw unknownPath(url.pathname);

	if (edge === undefined) {
		if (method === 'GET') return { status: 200, json: readObject(state, id, url, request.origin) };
		if (method === 'DELETE') return { status: 200, json: deleteObject(state, id, url) };
		throw objectNotFound(id, method === 'POST' ? 'post' : 'get');
	}
	const phone = state.phoneNumber(id);
	const waba = state.businessAccount.id === id;
	if (phone && edge === 'messages' && method === 'POST') {
		const { response } = state.send(id, readBody(request));
		return { status: 200, json: response, drop: state.takeDroppedAnswer() };
	}
	if (phone && edge === 'media' && method === 'POST') {
		return { status: 200, json: await uploadMedia(state, id, request) };
	}
	if (waba && edge === 'message_templates' && method === 'GET') {
		return {
			status: 200,
			json: listTemplates(state, url, version, request.origin, Number(major[1])),
		};
	}
	if (waba && edge === 'phone_numbers' && method === 'GET') {
		return { status: 200, json: listPhoneNumbers(state, url) };
	}
	if (waba && edge === 'subscribed_apps') {
		return { status: 200, json: await subscribedApps(state, method, request) };
	}
	if (phone || waba) {
		throw new GraphError(
			100,
			`Unsupported ${method.toLowerCase()} request: /${id}/${edge} is not an edge the sandbox serves with ${method}.`,
			{ type: 'GraphMethodException', subcode: 33 },
		);
	}
	throw objectNotFound(id, method === 'POST' ? 'post' : method === 'DELETE' ? 'delete' : 'get');
}

// ---------------------------------------------------------------------------------------------
// Token

function checkToken(state: SandboxState, request: GraphRequest): void {
	const header = request.headers.authorization;
	const fromHeader =
		typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header.trim())?.[1] : undefined;
	const token = fromHeader ?? request.url.searchParams.get('access_token') ?? undefined;
	const challenge = {
		'www-authenticate': 'OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token"',
	};
	if (token === undefined || token === '') {
		throw new GraphError(
			190,
			'No access token: send the header "Authorization: Bearer <access token>" (the sandbox prints its token at start).',
			{ title: 'Invalid OAuth access token - Cannot parse access token', headers: challenge },
		);
	}
	const expected = Buffer.from(state.options.accessToken);
	const given = Buffer.from(token);
	if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
		throw new GraphError(
			190,
			"The access token is not the sandbox's. Use the token the sandbox printed at start (default sandbox-token).",
			{ title: 'Invalid OAuth access token - Cannot parse access token', headers: challenge },
		);
	}
}

// ---------------------------------------------------------------------------------------------
// Bodies

/** JSON, or form fields (Graph takes both; JSON-looking form values are parsed). */
function readBody(request: GraphRequest): unknown {
	const type = String(request.headers['content-type'] ?? '').toLowerCase();
	const text = request.body.toString('utf8');
	if (type.startsWith('application/x-www-form-urlencoded')) {
		const out: Json = {};
		for (const [key, value] of new URLSearchParams(text)) {
			out[key] = /^[[{]/.test(value.trim()) ? parseJson(value, key) : value;
		}
		return out;
	}
	if (text.trim() === '') return {};
	return parseJson(text, 'body');
}

function parseJson(text: string, what: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		throw new GraphError(100, `The ${what} is not valid JSON.`);
	}
}

// ---------------------------------------------------------------------------------------------
// Objects

function readObject(state: SandboxState, id: string, url: URL, origin: string): Json {
	const fields = fieldsOf(url);
	const phone = state.phoneNumber(id);
	if (phone) {
		return pick(
			phoneNumberFields(state, id),
			fields,
			['id', 'display_phone_number', 'verified_name', 'quality_rating'],
			'WhatsAppBusinessPhoneNumber',
		);
	}
	if (state.businessAccount.id === id) {
		const account = state.businessAccount;
		const all: Json = {
			id: account.id,
			name: account.name,
			timezone_id: '1',
			message_template_namespace: account.message_template_namespace ?? '',
			currency: 'EUR',
			account_review_status: 'APPROVED',
			business_verification_status: 'verified',
			whatsapp_business_manager_messaging_limit: state.portfolio.messagingLimitTier,
		};
		return pick(
			all,
			fields,
			['id', 'name', 'timezone_id', 'message_template_namespace'],
			'WhatsAppBusinessAccount',
		);
	}
	const media = state.media(id);
	if (media) {
		const scope = url.searchParams.get('phone_number_id');
		if (scope !== null && scope !== media.phoneNumberId) throw objectNotFound(id, 'get');
		const expires = Math.floor((state.options.clock.now() + MEDIA_URL_MS) / 1000);
		return {
			messaging_product: 'whatsapp',
			url: `${origin}${MEDIA_PATH}?mid=${id}&ext=${expires}&hash=${mediaHash(id, expires)}`,
			mime_type: media.mimeType,
			sha256: media.sha256,
			file_size: media.data.byteLength,
			id,
		};
	}
	const template = state.templates().find((t) => t.definition.id === id);
	if (template) {
		return pickTemplate(withStatus(template.raw, template.status), fields);
	}
	throw objectNotFound(id, 'get');
}

function deleteObject(state: SandboxState, id: string, url: URL): Json {
	const media = state.media(id);
	const scope = url.searchParams.get('phone_number_id');
	if (!media || (scope !== null && scope !== media.phoneNumberId))
		throw objectNotFound(id, 'delete');
	state.deleteMedia(id);
	return { success: true };
}

function phoneNumberFields(state: SandboxState, id: string): Json {
	const phone = state.phoneNumber(id);
	if (!phone) throw objectNotFound(id, 'get');
	return {
		verified_name: phone.verified_name,
		code_verification_status: 'VERIFIED',
		display_phone_number: phone.display_phone_number,
		quality_rating: state.portfolio.numberQuality(phone.id) ?? phone.quality_rating,
		platform_type: 'CLOUD_API',
		throughput: {
			level: (state.options.ratePerSecond ?? phone.throughput) > 80 ? 'HIGH' : 'STANDARD',
		},
		...(state.webhookUrl ? { webhook_configuration: { application: state.webhookUrl } } : {}),
		name_status: 'APPROVED',
		status: 'CONNECTED',
		is_official_business_account: false,
		// The portfolio's limit, readable on each of its numbers (messaging-limits, Nov 2025).
		whatsapp_business_manager_messaging_limit: state.portfolio.messagingLimitTier,
		id: phone.id,
	};
}

function fieldsOf(url: URL): string[] | undefined {
	const raw = url.searchParams.get('fields');
	if (raw === null || raw.trim() === '') return undefined;
	return raw
		.split(',')
		.map((f) => f.trim())
		.filter(Boolean);
}

/** Requested fields (plus id, which Graph always returns), or the node's default fields. */
function pick(all: Json, fields: string[] | undefined, defaults: string[], nodeType: string): Json {
	const wanted = fields ?? defaults;
	for (const field of wanted) {
		if (!(field in all) && field !== 'webhook_configuration') {
			throw new GraphError(100, `The field "${field}" does not exist on ${nodeType}.`, {
				title: `Tried accessing nonexisting field (${field}) on node type (${nodeType})`,
			});
		}
	}
	const out: Json = {};
	for (const [key, value] of Object.entries(all)) {
		if (wanted.includes(key) || key === 'id') out[key] = value;
	}
	return out;
}

// ---------------------------------------------------------------------------------------------
// Templates

function withStatus(raw: Json, status: string): Json {
	const out: Json = {};
	for (const [key, value] of Object.entries(raw)) out[key] = key === 'status' ? status : value;
	if (!('status' in out)) out.status = status;
	return out;
}

function pickTemplate(template: Json, fields: string[] | undefined): Json {
	if (!fields) return template;
	for (const field of fields) {
		if (!TEMPLATE_FIELDS.has(field)) {
			throw new GraphError(100, `The field "${field}" does not exist on message templates.`, {
				title: `Tried accessing nonexisting field (${field}) on node type (WhatsAppMessageTemplate)`,
			});
		}
	}
	const out: Json = {};
	for (const [key, value] of Object.entries(template)) {
		if (fields.includes(key) || key === 'id') out[key] = value;
	}
	return out;
}

function listTemplates(
	state: SandboxState,
	url: URL,
	version: string,
	origin: string,
	major: number,
): Json {
	const params = url.searchParams;
	const fields = fieldsOf(url);
	const limit = readLimit(params.get('limit'));
	const name = params.get('name')?.toLowerCase();
	const statuses = listParam(params.get('status'));
	const categories = listParam(params.get('category'));
	const languages = params
		.get('language')
		?.split(',')
		.map((l) => l.trim());
	const all = state
		.templates()
		.filter(
			(t) =>
				// Meta's name filter matches parts of names too.
				(name === undefined || t.definition.name.toLowerCase().includes(name)) &&
				(statuses === undefined || statuses.includes(t.status.toUpperCase())) &&
				(categories === undefined || categories.includes(t.definition.category.toUpperCase())) &&
				(languages === undefined || languages.includes(t.definition.language)),
		)
		.map((t) => withStatus(t.raw, t.status));

	const after = params.get('after');
	const before = params.get('before');
	let start = 0;
	let end = Math.min(all.length, limit);
	if (after !== null) {
		start = positionOf(all, after, major) + 1;
		end = Math.min(all.length, start + limit);
	} else if (before !== null) {
		end = positionOf(all, before, major);
		start = Math.max(0, end - limit);
	}
	const page = all.slice(start, end);
	const data = page.map((t) => pickTemplate(t, fields));
	if (page.length === 0) return { data };
	const cursors = { before: cursorOf(page[0]), after: cursorOf(page[page.length - 1]) };
	const pageUrl = (cursor: 'after' | 'before', value: string) => {
		const next = new URLSearchParams(params);
		next.delete('after');
		next.delete('before');
		next.delete('access_token');
		next.set('limit', String(limit));
		next.set(cursor, value);
		return `${origin}/${version}/${state.businessAccount.id}/message_templates?${next}`;
	};
	return {
		data,
		paging: {
			cursors,
			...(end < all.length ? { next: pageUrl('after', cursors.after) } : {}),
			...(start > 0 ? { previous: pageUrl('before', cursors.before) } : {}),
		},
	};
}

function readLimit(raw: string | null): number {
	if (raw === null) return DEFAULT_PAGE;
	const limit = Number(raw);
	if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
		throw new GraphError(100, `limit must be a whole number from 1 to ${MAX_PAGE}; got "${raw}".`);
	}
	return limit;
}

function listParam(raw: string | null): string[] | undefined {
	if (raw === null || raw.trim() === '') return undefined;
	return raw.split(',').map((s) => s.trim().toUpperCase());
}

function cursorOf(item: Json): string {
	return Buffer.from(`sandbox-cursor:${String(item.id)}`).toString('base64url');
}

function positionOf(list: Json[], cursor: string, major: number): number {
	const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
	const id = decoded.startsWith('sandbox-cursor:')
		? decoded.slice('sandbox-cursor:'.length)
		: undefined;
	const index = id === undefined ? -1 : list.findIndex((t) => String(t.id) === id);
	if (index < 0) {
		const details = `The cursor "${cursor}" is not one this list returned (or the list changed). Start again without after/before.`;
		// v24.0 introduced a dedicated code for bad template cursors.
		throw major >= 24 ? new GraphError(131059, details) : new GraphError(100, details);
	}
	return index;
}

// ---------------------------------------------------------------------------------------------
// Phone numbers, subscribed apps

function listPhoneNumbers(state: SandboxState, url: URL): Json {
	const fields = fieldsOf(url);
	const defaults = [
		'verified_name',
		'code_verification_status',
		'display_phone_number',
		'quality_rating',
		'platform_type',
		'throughput',
		'webhook_configuration',
	];
	const data = state.phoneNumbers.map((p) =>
		pick(phoneNumberFields(state, p.id), fields, defaults, 'WhatsAppBusinessPhoneNumber'),
	);
	return {
		data,
		paging: {
			cursors: {
				before: Buffer.from(`sandbox-cursor:${data[0].id}`).toString('base64url'),
				after: Buffer.from(`sandbox-cursor:${data[data.length - 1].id}`).toString('base64url'),
			},
		},
	};
}

async function subscribedApps(
	state: SandboxState,
	method: string,
	request: GraphRequest,
): Promise<Json> {
	const app = {
		whatsapp_business_api_data: {
			id: state.app.id,
			link: `https://www.facebook.com/games/?app_id=${state.app.id}`,
			name: state.app.name,
		},
	};
	if (method === 'GET') {
		return { data: state.subscribed ? [app] : [] };
	}
	if (method === 'DELETE') {
		state.subscribed = false;
		return { success: true };
	}
	if (method !== 'POST') throw objectNotFound(state.businessAccount.id, 'get');
	const body = readBody(request);
	const params = request.url.searchParams;
	const read = (key: string) => {
		const value = isObject(body) ? body[key] : undefined;
		return typeof value === 'string' ? value : (params.get(key) ?? undefined);
	};
	const override = read('override_callback_uri');
	const verifyToken = read('verify_token');
	if (override !== undefined || verifyToken !== undefined) {
		if (!override)
			throw new GraphError(
				100,
				'The parameter override_callback_uri is required with verify_token.',
			);
		if (!verifyToken)
			throw new GraphError(
				100,
				'The parameter verify_token is required with override_callback_uri.',
			);
		await verifyCallback(override, verifyToken, state.options.webhookTimeoutMs);
		state.webhookUrl = override;
	}
	state.subscribed = true;
	return override
		? { success: true, data: [{ override_callback_uri: override, ...app }] }
		: { success: true };
}

/** Meta's verification request: GET with hub.mode, hub.challenge, hub.verify_token; 200 + challenge. */
async function verifyCallback(url: string, verifyToken: string, timeoutMs: number): Promise<void> {
	let target: URL;
	try {
		target = new URL(url);
		if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error('scheme');
	} catch {
		throw new GraphError(100, `override_callback_uri must be an http(s) URL; got "${url}".`);
	}
	const challenge = String(randomInt(100_000_000, 2_000_000_000));
	target.searchParams.set('hub.mode', 'subscribe');
	target.searchParams.set('hub.challenge', challenge);
	target.searchParams.set('hub.verify_token', verifyToken);
	let status: number | string;
	let text = '';
	try {
		const response = await fetch(target, {
			signal: AbortSignal.timeout(timeoutMs),
			redirect: 'manual',
		});
		status = response.status;
		text = await response.text();
	} catch (error) {
		status = `no answer (${(error as Error).message})`;
	}
	if (status !== 200 || text.trim() !== challenge) {
		throw new GraphError(
			2200,
			`Callback verification failed: ${url} answered HTTP ${status}${status === 200 ? ` with "${text.slice(0, 40)}" instead of the challenge` : ''}. It must answer 200 with the hub.challenge value when hub.verify_token matches.`,
			{
				title: `Callback verification failed with the following errors: HTTP Status Code = ${status}`,
			},
		);
	}
}

// ---------------------------------------------------------------------------------------------
// Media

async function uploadMedia(
	state: SandboxState,
	phoneNumberId: string,
	request: GraphRequest,
): Promise<Json> {
	const type = String(request.headers['content-type'] ?? '');
	if (!type.toLowerCase().startsWith('multipart/form-data')) {
		throw new GraphError(
			100,
			'Upload media as multipart/form-data with the fields file, type and messaging_product.',
		);
	}
	let form: FormData;
	try {
		form = await new Request('http://sandbox.invalid/', {
			method: 'POST',
			headers: { 'content-type': type },
			body: request.body,
		}).formData();
	} catch {
		throw new GraphError(100, 'The multipart body could not be read.');
	}
	const product = form.get('messaging_product');
	if (product === null) throw new GraphError(100, 'The parameter messaging_product is required.');
	if (product !== 'whatsapp') throw new GraphError(100, 'messaging_product must be "whatsapp".');
	const file = form.get('file');
	if (file === null || typeof file === 'string')
		throw new GraphError(100, 'The parameter file is required (a file part).');
	const declared = form.get('type');
	const mimeType = typeof declared === 'string' && declared !== '' ? declared : file.type;
	if (!mimeType)
		throw new GraphError(100, 'The parameter type is required (the MIME type, e.g. image/jpeg).');
	const data = Buffer.from(await file.arrayBuffer());
	checkUpload(mimeType, data.byteLength);
	const id = state.uploadMedia(phoneNumberId, { data, mimeType, fileName: file.name || undefined });
	return { id };
}

function mediaHash(id: string, expires: number): string {
	return createHmac('sha256', URL_KEY).update(`${id}:${expires}`).digest('base64url').slice(0, 22);
}

function downloadMedia(state: SandboxState, url: URL): GraphResponse {
	const id = url.searchParams.get('mid') ?? '';
	const expires = Number(url.searchParams.get('ext'));
	const hash = url.searchParams.get('hash') ?? '';
	const media = state.media(id);
	const valid =
		media !== undefined &&
		Number.isInteger(expires) &&
		hash.length === 22 &&
		timingSafeEqual(Buffer.from(hash), Buffer.from(mediaHash(id, expires))) &&
		state.options.clock.now() < expires * 1000;
	// Meta answers a failed download with 404: get a fresh URL from GET /<MEDIA_ID>.
	if (!valid || !media) return { status: 404, json: { error: 'Not Found' } };
	return { status: 200, bytes: { data: media.data, type: media.mimeType } };
}

function unknownPath(path: string): GraphError {
	return new GraphError(2500, `Unknown path components: ${path}`, {
		title: `Unknown path components: ${path}`,
	});
}
