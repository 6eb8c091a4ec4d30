/**
 * The control API under /_sandbox/ (no token; loopback clients only unless allowed): script what
 * contacts do and look at what happened. JSON in, JSON out; errors are { error: { message } }.
 *
 *   GET  /_sandbox/                            base URL, account and phone number ids, webhook URL
 *   PUT  /_sandbox/webhook-url                 { url } (null: stop sending webhooks)
 *   PUT  /_sandbox/webhook-urls                { urls: [...] } each gets every webhook ([]: stop)
 *   GET  /_sandbox/contacts                    POST /_sandbox/contacts { wa_id, name?, country?, marketing_limit_per_day? }
 *   POST /_sandbox/contacts/{wa_id}/say        { text, ago?, from_ad?, phone_number_id? }
 *   POST /_sandbox/contacts/{wa_id}/tap        { payload, ago? }   quick reply on the last template
 *   POST /_sandbox/contacts/{wa_id}/choose     { id, ago? }        row of the last list message
 *   POST /_sandbox/contacts/{wa_id}/button     { id, ago? }        button of the last reply-button message
 *   POST /_sandbox/contacts/{wa_id}/marketing  { value: "stop" | "resume", phone_number_id? }
 *   GET  /_sandbox/templates                   POST /_sandbox/templates/{name}/status { status, language?, reason? }
 *   POST /_sandbox/templates/{name}/quality    { score: GREEN|YELLOW|RED|UNKNOWN, language? }
 *   GET  /_sandbox/account                     messaging limit, contacts reached in 24 h, number ratings
 *   PUT  /_sandbox/messaging-limit             { limit: 250 | 2000 | ... | "unlimited" | "TIER_2K" }
 *   PUT  /_sandbox/phone-numbers/{id}/quality  { rating: GREEN|YELLOW|RED|NA, webhook? }
 *   GET  /_sandbox/billing?time_zone=          delivered messages by day, template, pricing, country
 *   GET  /_sandbox/sent?to=&limit=             GET /_sandbox/received?limit=   GET /_sandbox/webhooks?limit=
 *   POST /_sandbox/reset
 */
import { billing } from './billing';
import { isObject, type Json } from './checks/fields';
import { parseDuration } from './duration';
import {
	checkWebhookUrl,
	checkWebhookUrls,
	DEFAULT_ACCESS_TOKEN,
	DEFAULT_APP_SECRET,
} from './options';
import { SeedError } from './seedLoader';
import { ControlError } from './controlError';
import type { SandboxState } from './state';

export interface ControlRequest {
	readonly method: string;
	readonly url: URL;
	readonly body: Buffer;
	readonly origin: string;
}

export interface ControlResponse {
	readonly status: number;
	readonly json: unknown;
}

export function handleControl(state: SandboxState, request: ControlRequest): ControlResponse {
	try {
		return { status: 200, json: route(state, request) };
	} catch (error) {
		if (error instanceof ControlError) return failure(error.status, error.message);
		// A seed file edited into something invalid is reported on reset; the old data stays.
		if (error instanceof SeedError) return failure(400, error.message);
		if (error instanceof RangeError || error instanceof TypeError)
			return failure(400, error.message);
		throw error;
	}
}

function failure(status: number, message: string): ControlResponse {
	return { status, json: { error: { message } } };
}

function route(state: SandboxState, request: ControlRequest): unknown {
	const { method, url } = request;
	const parts = url.pathname
		.replace(/^\/_sandbox\/?/, '')
		.split('/')
		.filter(Boolean)
		.map((p) => decodeURIComponent(p));
	const body = method === 'GET' ? {} : readBody(request.body);
	const key = `${method} ${parts.map((p, i) => (i === 1 && parts[0] !== 'templates' ? ':id' : i === 1 ? ':name' : p)).join('/')}`;

	switch (key) {
		case 'GET ':
			return info(state, request.origin);
		case 'PUT webhook-url': {
			const next = body.url;
			if (next === null || next === undefined || next === '') state.webhookUrl = undefined;
			else if (typeof next !== 'string')
				throw new ControlError(400, 'url must be a string or null.');
			else {
				checkWebhookUrl(next);
				state.webhookUrl = next;
			}
			return { webhook_url: state.webhookUrl ?? null };
		}
		case 'PUT webhook-urls': {
			// Several subscribed apps: every URL gets its own delivery of every webhook.
			const next = body.urls ?? [];
			if (!Array.isArray(next)) {
				throw new ControlError(400, 'urls must be a list of http(s) URLs, or [] for none.');
			}
			state.webhookUrls = checkWebhookUrls(next);
			return { webhook_urls: state.webhookUrls };
		}
		case 'GET contacts':
			return { data: state.contacts() };
		case 'POST contacts':
			return state.addContact({
				wa_id: String(body.wa_id ?? ''),
				name: optionalText(body.name, 'name'),
				country: optionalText(body.country, 'country'),
				marketing_limit_per_day:
					body.marketing_limit_per_day === undefined || body.marketing_limit_per_day === null
						? undefined
						: Number(body.marketing_limit_per_day),
			});
		case 'POST contacts/:id/say':
			return state.say(parts[1], text(body.text, 'text'), {
				agoMs: ago(body.ago),
				fromAd: body.from_ad === true,
				phoneNumberId: optionalText(body.phone_number_id, 'phone_number_id'),
			});
		case 'POST contacts/:id/tap':
			return state.tap(parts[1], text(body.payload, 'payload'), { agoMs: ago(body.ago) });
		case 'POST contacts/:id/choose':
			return state.choose(parts[1], text(body.id, 'id'), { agoMs: ago(body.ago) });
		case 'POST contacts/:id/button':
			return state.press(parts[1], text(body.id, 'id'), { agoMs: ago(body.ago) });
		case 'POST contacts/:id/marketing':
			return state.setMarketingPreference(
				parts[1],
				text(body.value, 'value') as 'stop' | 'resume',
				{
					phoneNumberId: optionalText(body.phone_number_id, 'phone_number_id'),
				},
			);
		case 'GET templates':
			return {
				data: state.templates().map((t) => ({
					id: t.definition.id,
					name: t.definition.name,
					language: t.definition.language,
					category: t.definition.category,
					status: t.status,
					quality: (t.raw.quality_score as Json | undefined)?.score ?? null,
				})),
			};
		case 'POST templates/:name/status':
			return {
				data: state.setTemplateStatus(parts[1], text(body.status, 'status'), {
					language: optionalText(body.language, 'language'),
					reason: optionalText(body.reason, 'reason'),
				}),
			};
		case 'POST templates/:name/quality':
			return {
				data: state.setTemplateQuality(parts[1], text(body.score, 'score'), {
					language: optionalText(body.language, 'language'),
				}),
			};
		case 'GET account':
			return account(state);
		case 'PUT messaging-limit':
			if (body.limit === undefined || body.limit === null) {
				throw new ControlError(400, 'limit is required, e.g. 250, 2000 or "unlimited".');
			}
			state.setMessagingLimit(body.limit);
			return account(state);
		case 'PUT phone-numbers/:id/quality':
			if (body.webhook !== undefined && typeof body.webhook !== 'boolean') {
				throw new ControlError(400, 'webhook must be true or false.');
			}
			return state.setNumberQuality(text(body.rating, 'rating'), {
				phoneNumberId: parts[1],
				webhook: body.webhook as boolean | undefined,
			});
		case 'POST drop-answers': {
			const count = body.count ?? 1;
			if (typeof count !== 'number') throw new ControlError(400, 'count must be a number, e.g. 3.');
			return { answers_to_drop: state.dropAnswers(count) };
		}
		case 'GET billing':
			return billing(state, url.searchParams.get('time_zone') ?? 'UTC');
		case 'GET sent': {
			const to = url.searchParams.get('to') ?? undefined;
			return { data: last(state.sentMessages({ to }), url) };
		}
		case 'GET received':
			return { data: last(state.receivedMessages(), url) };
		case 'GET webhooks':
			return { data: last(state.webhookDeliveries(), url) };
		case 'POST reset':
			state.reset();
			return { reset: true };
		default:
			throw new ControlError(
				404,
				`${method} ${url.pathname} is not part of the sandbox control API. See GET /_sandbox/ and the README.`,
			);
	}
}

function info(state: SandboxState, origin: string): Json {
	return {
		graph_api_url: origin,
		business_account_id: state.businessAccount.id,
		phone_numbers: state.phoneNumbers.map((p) => ({
			id: p.id,
			display_phone_number: p.display_phone_number,
			verified_name: p.verified_name,
			throughput: state.options.ratePerSecond ?? p.throughput,
		})),
		webhook_url: state.webhookUrl ?? null,
		webhook_urls: state.webhookUrls,
		subscribed: state.subscribed,
		// Secrets are not returned; say only whether the well-known defaults are in use.
		default_access_token: state.options.accessToken === DEFAULT_ACCESS_TOKEN,
		default_app_secret: state.options.appSecret === DEFAULT_APP_SECRET,
		contacts: state.contacts().length,
		sent: state.sentMessages().length,
	};
}

/** The portfolio's standing: its messaging limit, how much of it is used, the numbers' ratings. */
function account(state: SandboxState): Json {
	const { portfolio } = state;
	return {
		messaging_limit: portfolio.messagingLimitTier,
		reached_24h: portfolio.reachedCount(state.options.clock.now()),
		phone_numbers: state.phoneNumbers.map((p) => ({
			id: p.id,
			display_phone_number: p.display_phone_number,
			quality_rating: portfolio.numberQuality(p.id) ?? p.quality_rating,
		})),
	};
}

/** The last `limit` entries (all without it). */
function last<T>(list: readonly T[], url: URL): T[] {
	const raw = url.searchParams.get('limit');
	if (raw === null) return [...list];
	const limit = Number(raw);
	if (!Number.isInteger(limit) || limit < 1) {
		throw new ControlError(400, `limit must be a whole number of at least 1; got "${raw}".`);
	}
	return list.slice(-limit);
}

function readBody(raw: Buffer): Json {
	const text = raw.toString('utf8').trim();
	if (text === '') return {};
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		throw new ControlError(400, 'The body must be JSON.');
	}
	if (!isObject(value)) throw new ControlError(400, 'The body must be a JSON object.');
	return value;
}

function text(value: unknown, name: string): string {
	if (typeof value !== 'string' || value === '')
		throw new ControlError(400, `${name} is required (a string).`);
	return value;
}

function optionalText(value: unknown, name: string): string | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'string') throw new ControlError(400, `${name} must be a string.`);
	return value;
}

function ago(value: unknown): number | undefined {
	return value === undefined || value === null ? undefined : parseDuration(value);
}
