/**
 * Options of the sandbox, with their defaults, checked once at start.
 */
import { SECOND, MINUTE, systemClock, type Clock } from '../nodes/core/clock';
import { parseMessagingLimit, type SandboxMessagingLimit } from './portfolio';
import type { SandboxSeedInput } from './seedLoader';

/** Meta: about 1 message per 6 s to one user, bursts of up to 45 borrowed from later. */
export interface PairLimitOptions {
	/** Messages to one contact that may go at once. @default 45 */
	readonly burst?: number;
	/** Milliseconds per message at the sustained rate. @default 6000 */
	readonly intervalMs?: number;
}

/** Milliseconds after acceptance at which each status webhook is sent. */
export interface StatusDelayOptions {
	/** @default 100 */
	readonly sent?: number;
	/** @default 400 */
	readonly delivered?: number;
	/** `null`: contacts never read. @default 900 */
	readonly read?: number | null;
}

export interface SandboxPhoneNumberOption {
	/** Phone number ID (digits). */
	readonly id: string;
	/** "+", the country code, a space, then the rest: "+49 30 57700180". */
	readonly display_phone_number: string;
	readonly verified_name: string;
	/** @default 'GREEN' */
	readonly quality_rating?: 'GREEN' | 'YELLOW' | 'RED' | 'NA';
	/** Messages per second: 80 (level STANDARD) or 1000 (level HIGH). @default 80 */
	readonly throughput?: 80 | 1000;
}

export interface SandboxOptions {
	/** TCP port; 0 picks a free one. @default 0 */
	readonly port?: number;
	/** Interface to listen on. The control API answers only loopback clients. @default '127.0.0.1' */
	readonly host?: string;
	/** The bearer token every Graph API call must carry. @default 'sandbox-token' */
	readonly accessToken?: string;
	/** Key of the X-Hub-Signature-256 HMAC on webhooks. @default 'sandbox-app-secret' */
	readonly appSecret?: string;
	/** Where webhooks are posted; none are sent without it (or webhookUrls). @default none */
	readonly webhookUrl?: string;
	/**
	 * Several webhook URLs, as when several Meta apps are subscribed to the account: each gets its
	 * own signed delivery of every webhook, retried on its own. `webhookUrl`, when also given,
	 * comes first.
	 * @default none
	 */
	readonly webhookUrls?: readonly string[];
	/** The WhatsApp Business Account ID. @default the seed's business_account.id */
	readonly businessAccountId?: string;
	/** The business phone numbers. @default the seed's phone_numbers */
	readonly phoneNumbers?: readonly SandboxPhoneNumberOption[];
	/** Milliseconds added before every Graph API answer (benchmarks use 150). @default 0 */
	readonly latencyMs?: number;
	/**
	 * Messages per second per sender number before 130429, for every number.
	 * @default each number's throughput (80 unless the seed says 1000)
	 */
	readonly ratePerSecond?: number;
	/** Per-contact pair limit (131056). @default { burst: 45, intervalMs: 6000 } */
	readonly pairLimit?: PairLimitOptions;
	/**
	 * Milliseconds between webhook retries after an answer other than 200; Meta retries with
	 * decreasing frequency. After the last one the delivery is given up.
	 * @default [1000, 5000, 30000, 120000, 600000]
	 */
	readonly webhookRetryScheduleMs?: readonly number[];
	/** Milliseconds one webhook delivery attempt may take. @default 10000 */
	readonly webhookTimeoutMs?: number;
	/** When status webhooks follow an accepted message. @default { sent: 100, delivered: 400, read: 900 } */
	readonly statusDelaysMs?: StatusDelayOptions;
	/**
	 * Milliseconds the download of media sent by link may take before the message fails with
	 * 131053, as when Meta cannot fetch it. @default 10000
	 */
	readonly mediaFetchTimeoutMs?: number;
	/**
	 * How a free-form message outside the 24-hour window fails (131047): 'async' accepts it and
	 * sends a failed status, as Meta mostly does; 'sync' answers HTTP 400. @default 'async'
	 */
	readonly reengagement?: 'async' | 'sync';
	/**
	 * How a message to a number that is not on WhatsApp (not a sandbox contact) fails (131026):
	 * 'async' (a failed status, as Meta does) or 'sync' (HTTP 400). @default 'async'
	 */
	readonly undeliverable?: 'async' | 'sync';
	/**
	 * Whether marketing templates to US contacts fail with 131049, as Meta has done since
	 * 1 April 2025. @default true
	 */
	readonly usMarketingPaused?: boolean;
	/**
	 * The business portfolio's messaging limit: unique users reached outside a customer service
	 * window per moving 24 hours, shared by every number; messages past it fail with a status
	 * carrying 131048. Meta's limits: 250, 2000, 10000, 100000 or 'unlimited' (also 50 and 1000,
	 * Meta's per-number tiers before October 2025), or the tier name, e.g. 'TIER_2K'.
	 * @default 'unlimited'
	 */
	readonly messagingLimit?: SandboxMessagingLimit | string;
	/** A seed file path or a seed object. @default the bundled sandbox/seed.json */
	readonly seed?: string | SandboxSeedInput;
	/** Time for timestamps, windows and rate limits (timers still run in real time). @default systemClock */
	readonly clock?: Clock;
	/** Let non-loopback clients use the control API (/_sandbox/). @default false */
	readonly allowRemoteControl?: boolean;
	/** Receives one line per Graph API call and webhook delivery (the CLI prints them). @default none */
	readonly log?: (line: string) => void;
}

export const DEFAULT_ACCESS_TOKEN = 'sandbox-token';
export const DEFAULT_APP_SECRET = 'sandbox-app-secret';
export const DEFAULT_RETRY_SCHEDULE_MS = [
	1 * SECOND,
	5 * SECOND,
	30 * SECOND,
	2 * MINUTE,
	10 * MINUTE,
] as const;

export interface ResolvedOptions {
	readonly port: number;
	readonly host: string;
	readonly accessToken: string;
	readonly appSecret: string;
	/** webhookUrl and webhookUrls, in that order, without repeats. */
	readonly webhookUrls: readonly string[];
	readonly businessAccountId: string | undefined;
	readonly phoneNumbers: readonly SandboxPhoneNumberOption[] | undefined;
	readonly latencyMs: number;
	readonly ratePerSecond: number | undefined;
	readonly pairBurst: number;
	readonly pairIntervalMs: number;
	readonly webhookRetryScheduleMs: readonly number[];
	readonly webhookTimeoutMs: number;
	readonly statusDelaysMs: { sent: number; delivered: number; read: number | null };
	readonly mediaFetchTimeoutMs: number;
	readonly reengagement: 'async' | 'sync';
	readonly undeliverable: 'async' | 'sync';
	readonly usMarketingPaused: boolean;
	readonly messagingLimit: SandboxMessagingLimit;
	readonly seed: string | SandboxSeedInput | undefined;
	readonly clock: Clock;
	readonly allowRemoteControl: boolean;
	readonly log: ((line: string) => void) | undefined;
}

/** Fills in defaults. @throws RangeError / TypeError naming the option and what it accepts. */
export function resolveOptions(options: SandboxOptions = {}): ResolvedOptions {
	const port = options.port ?? 0;
	if (!Number.isInteger(port) || port < 0 || port > 65535) {
		throw new RangeError(`port must be a whole number from 0 to 65535; got ${String(port)}.`);
	}
	const accessToken = options.accessToken ?? DEFAULT_ACCESS_TOKEN;
	if (typeof accessToken !== 'string' || accessToken.trim() === '') {
		throw new TypeError('accessToken must be a non-empty string.');
	}
	const appSecret = options.appSecret ?? DEFAULT_APP_SECRET;
	if (typeof appSecret !== 'string' || appSecret === '') {
		throw new TypeError('appSecret must be a non-empty string.');
	}
	const webhookUrls = checkWebhookUrls([
		...(options.webhookUrl !== undefined ? [options.webhookUrl] : []),
		...(options.webhookUrls ?? []),
	]);
	if (options.businessAccountId !== undefined && !/^\d+$/.test(options.businessAccountId)) {
		throw new TypeError(
			`businessAccountId must be digits, e.g. "240117385066184"; got "${options.businessAccountId}".`,
		);
	}
	const pair = options.pairLimit ?? {};
	const delays = options.statusDelaysMs ?? {};
	const resolved: ResolvedOptions = {
		port,
		host: options.host ?? '127.0.0.1',
		accessToken,
		appSecret,
		webhookUrls,
		businessAccountId: options.businessAccountId,
		phoneNumbers: options.phoneNumbers,
		latencyMs: nonNegative(options.latencyMs ?? 0, 'latencyMs'),
		ratePerSecond:
			options.ratePerSecond === undefined
				? undefined
				: positive(options.ratePerSecond, 'ratePerSecond', 'messages per second'),
		pairBurst: wholePositive(pair.burst ?? 45, 'pairLimit.burst'),
		pairIntervalMs: positive(pair.intervalMs ?? 6 * SECOND, 'pairLimit.intervalMs', 'milliseconds'),
		webhookRetryScheduleMs: (options.webhookRetryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS).map(
			(ms, i) => nonNegative(ms, `webhookRetryScheduleMs[${i}]`),
		),
		webhookTimeoutMs: positive(
			options.webhookTimeoutMs ?? 10 * SECOND,
			'webhookTimeoutMs',
			'milliseconds',
		),
		statusDelaysMs: {
			sent: nonNegative(delays.sent ?? 100, 'statusDelaysMs.sent'),
			delivered: nonNegative(delays.delivered ?? 400, 'statusDelaysMs.delivered'),
			read: delays.read === null ? null : nonNegative(delays.read ?? 900, 'statusDelaysMs.read'),
		},
		mediaFetchTimeoutMs: positive(
			options.mediaFetchTimeoutMs ?? 10 * SECOND,
			'mediaFetchTimeoutMs',
			'milliseconds',
		),
		reengagement: oneOf(options.reengagement ?? 'async', 'reengagement', ['async', 'sync']),
		undeliverable: oneOf(options.undeliverable ?? 'async', 'undeliverable', ['async', 'sync']),
		usMarketingPaused: options.usMarketingPaused ?? true,
		messagingLimit: parseMessagingLimit(options.messagingLimit ?? 'unlimited'),
		seed: options.seed,
		clock: options.clock ?? systemClock,
		allowRemoteControl: options.allowRemoteControl ?? false,
		log: options.log,
	};
	if (resolved.statusDelaysMs.delivered < resolved.statusDelaysMs.sent) {
		throw new RangeError('statusDelaysMs.delivered must not be less than statusDelaysMs.sent.');
	}
	if (
		resolved.statusDelaysMs.read !== null &&
		resolved.statusDelaysMs.read < resolved.statusDelaysMs.delivered
	) {
		throw new RangeError('statusDelaysMs.read must not be less than statusDelaysMs.delivered.');
	}
	return resolved;
}

export function checkWebhookUrl(url: string): void {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		throw new TypeError(
			`webhookUrl must be a URL such as "http://localhost:5678/webhook/..."; got "${url}".`,
		);
	}
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
		throw new TypeError(`webhookUrl must start with http:// or https://; got "${url}".`);
	}
}

/** Checks every URL (as checkWebhookUrl) and drops repeats, keeping the first of each. */
export function checkWebhookUrls(urls: unknown): string[] {
	if (!Array.isArray(urls)) {
		throw new TypeError(
			`webhookUrls must be a list of URLs such as ["http://localhost:5678/webhook/..."]; got ${typeof urls}.`,
		);
	}
	for (const url of urls) {
		if (typeof url !== 'string') {
			throw new TypeError(`webhookUrls must hold URLs as strings; got ${JSON.stringify(url)}.`);
		}
		checkWebhookUrl(url);
	}
	return [...new Set(urls as string[])];
}

function nonNegative(value: number, name: string): number {
	if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
		throw new RangeError(`${name} must be 0 or more milliseconds; got ${String(value)}.`);
	}
	return value;
}

function positive(value: number, name: string, unit: string): number {
	if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
		throw new RangeError(`${name} must be more than 0 ${unit}; got ${String(value)}.`);
	}
	return value;
}

function wholePositive(value: number, name: string): number {
	if (!Number.isInteger(value) || value < 1) {
		throw new RangeError(`${name} must be a whole number of at least 1; got ${String(value)}.`);
	}
	return value;
}

function oneOf<T extends string>(value: T, name: string, allowed: readonly T[]): T {
	if (!allowed.includes(value)) {
		throw new RangeError(
			`${name} must be ${allowed.map((a) => `'${a}'`).join(' or ')}; got ${String(value)}.`,
		);
	}
	return value;
}
