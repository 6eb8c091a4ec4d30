/**
 * Meta's Cloud API error codes in one table: code -> category, how (and whether) to retry, and two
 * sentences for a person who is not a developer: what happened, and what to do.
 *
 * Sources: Meta's error code page (support/error-codes, Nov 2025), the changelog (131059, 132018),
 * the business-scoped user id page (131062), the throughput and pair-rate-limit pages. Handle
 * errors by `code` and `error_data.details`, never by title or HTTP status: Meta says titles will go.
 */
import { DAY, HOUR, MINUTE } from '../clock';
import { fullJitterDelayMs, pairBackoffMs, parseRetryAfter } from '../pace/backoff';

export type MetaErrorCategory =
	| 'authorization'
	| 'permission'
	| 'throttling'
	| 'pair_rate_limit'
	| 'reengagement'
	| 'marketing_opt_out'
	| 'marketing_limit'
	| 'template'
	| 'parameter'
	| 'recipient'
	| 'media'
	| 'account'
	| 'billing'
	| 'integrity'
	| 'server'
	| 'unknown';

/**
 * - never: this message to this contact will not go through, whatever you change; do not resend
 * - backoff: a passing condition; retried automatically after a capped, jittered wait
 * - pair_backoff: too many messages to one contact; retried after 4^n seconds (131056)
 * - next_day: Meta held a marketing message back; not before 24 hours (131049)
 * - after_fix: repeating the same request fails again until something is fixed (token, payload, account)
 * - later: try again after a wait Meta names (`minDelayMs`) or a person decides; not automatic
 */
export type RetryKind = 'never' | 'backoff' | 'pair_backoff' | 'next_day' | 'after_fix' | 'later';

export interface RetryPolicy {
	readonly kind: RetryKind;
	/** For 'later' and 'next_day': the shortest wait Meta names before trying again. */
	readonly minDelayMs?: number;
}

export interface MetaErrorEntry {
	/** Meta's error code; {@link NO_META_CODE} when the failure carried none (network, bare HTTP error). */
	readonly code: number;
	/** Meta's title for the code (it also appears in Meta's `message`). */
	readonly title: string;
	readonly category: MetaErrorCategory;
	/** The HTTP status Meta lists for the code; undefined where Meta lists none. */
	readonly httpStatus: number | undefined;
	readonly retry: RetryPolicy;
	/** What happened, in one sentence for a non-developer. */
	readonly meaning: string;
	/** What to do, in one sentence. */
	readonly action: string;
}

/** The code of entries that stand for failures without a Meta error code. */
export const NO_META_CODE = -1;

const never: RetryPolicy = { kind: 'never' };
const backoff: RetryPolicy = { kind: 'backoff' };
const afterFix: RetryPolicy = { kind: 'after_fix' };
const later = (minDelayMs?: number): RetryPolicy =>
	minDelayMs === undefined ? { kind: 'later' } : { kind: 'later', minDelayMs };

function entry(
	code: number,
	title: string,
	category: MetaErrorCategory,
	httpStatus: number | undefined,
	retry: RetryPolicy,
	meaning: string,
	action: string,
): MetaErrorEntry {
	return Object.freeze({ code, title, category, httpStatus, retry, meaning, action });
}

const TOKEN_PERMISSIONS =
	'Check the token in Meta’s access token debugger: it needs whatsapp_business_messaging and whatsapp_business_management for this WhatsApp Business Account.';
const STATUS_PAGE = 'check metastatus.com for an outage';

/** Codes 200-299 share one meaning (API Permission); lookups return it with the actual code. */
const PERMISSION_RANGE = { from: 200, to: 299 } as const;
const PERMISSION_RANGE_ENTRY = entry(
	200,
	'API Permission',
	'permission',
	403,
	afterFix,
	'The access token lacks a permission this request needs, or the permission was removed.',
	TOKEN_PERMISSIONS,
);

const ENTRIES: readonly MetaErrorEntry[] = [
	// Authorization and permission
	entry(
		0,
		'AuthException',
		'authorization',
		401,
		afterFix,
		'Meta could not authenticate the access token: it has expired, was revoked, or the app lost access.',
		'Create a new access token (a system user token in Meta Business Suite) and update the WhatsApp Cloud API credential.',
	),
	entry(
		3,
		'API Method',
		'permission',
		500,
		afterFix,
		'The app is missing the capability or permission this request needs.',
		TOKEN_PERMISSIONS,
	),
	entry(
		10,
		'Permission Denied',
		'permission',
		403,
		afterFix,
		'A permission this request needs was not granted or has been removed, or the account is not eligible for this API.',
		TOKEN_PERMISSIONS,
	),
	entry(
		190,
		'Access token has expired',
		'authorization',
		401,
		afterFix,
		'The access token has expired.',
		'Create a new access token (system user tokens can be made to never expire) and update the WhatsApp Cloud API credential.',
	),
	entry(
		131005,
		'Access denied',
		'permission',
		403,
		afterFix,
		'The access token is not allowed to do this: a permission was not granted or has been removed.',
		TOKEN_PERMISSIONS,
	),

	// Integrity
	entry(
		368,
		'Temporarily blocked for policies violations',
		'integrity',
		403,
		afterFix,
		'Meta restricted or disabled the WhatsApp Business Account for violating a WhatsApp policy.',
		'Open Account quality in WhatsApp Manager to see the violation, then appeal it or wait until the restriction ends.',
	),
	entry(
		130497,
		'Business account is restricted from messaging users in this country',
		'integrity',
		403,
		never,
		'Your WhatsApp Business Account may not message people in the contact’s country.',
		'Do not resend to this country; the WhatsApp Business Messaging Policy lists which countries your business category may message.',
	),
	entry(
		131031,
		'Account has been locked',
		'integrity',
		403,
		afterFix,
		'Meta locked the WhatsApp Business Account, for a policy violation or because data in the request (such as the two-step PIN) did not match the account.',
		'Check Account quality and the Health Status API in WhatsApp Manager, fix the cause or appeal, and check the two-step verification PIN.',
	),
	entry(
		131048,
		'Spam rate limit hit',
		'integrity',
		400,
		later(),
		'Meta limited how many messages this number may send because too many earlier messages were blocked or reported as spam.',
		'Check the number’s quality rating in WhatsApp Manager, send only to people who opted in, and resume later at a lower volume.',
	),

	// Throttling
	entry(
		4,
		'API Too Many Calls',
		'throttling',
		400,
		backoff,
		'The app made too many API calls in a short time (its app-level rate limit).',
		'Nothing to do for this request, it is retried after a wait; if it happens often, make fewer API calls.',
	),
	entry(
		613,
		'Calls to this API have exceeded the rate limit',
		'throttling',
		429,
		backoff,
		'Calls to this API went over Meta’s rate limit.',
		'Nothing to do for this request, it is retried after a wait; if it happens often, make fewer API calls.',
	),
	entry(
		80007,
		'Rate limit issues',
		'throttling',
		400,
		backoff,
		'The WhatsApp Business Account made too many management calls (templates, phone numbers): about 200 per hour, 5,000 for active accounts.',
		'Nothing to do for this request, it is retried after a wait; if it happens often, look templates and numbers up less often.',
	),
	entry(
		130429,
		'Rate limit hit',
		'throttling',
		400,
		backoff,
		'The sender number reached its message throughput (80 messages per second unless Meta raised it).',
		'Nothing to do for this message, it is retried after a wait; if it happens often, lower Messages Per Second in the node options.',
	),
	entry(
		131056,
		'(Business Account, Consumer Account) pair rate limit hit',
		'pair_rate_limit',
		400,
		{ kind: 'pair_backoff' },
		'Too many messages went to this one contact in a short time (about one every 6 seconds is allowed over time).',
		'Nothing to do for this message, it is retried after 1, 4, 16... seconds; messages to other contacts are not affected.',
	),
	entry(
		132069,
		'Flow is throttled',
		'throttling',
		400,
		later(HOUR),
		'The Flow is throttled: 10 messages with it were already sent in the last hour.',
		'Wait an hour before sending this Flow again, and fix what made Meta throttle it.',
	),
	entry(
		133016,
		'Account register deregister rate limit exceeded',
		'throttling',
		400,
		later(),
		'There were too many registration or deregistration attempts for this business number in a short time.',
		'Wait until Meta unblocks the number, then register it once.',
	),

	// Marketing: opt-out, limits, experiments
	entry(
		131050,
		'User has stopped receipt of marketing messages',
		'marketing_opt_out',
		400,
		never,
		'The contact chose in WhatsApp to stop marketing messages from your business.',
		'Do not send marketing to this contact again; they are suppressed until they choose to resume (user_preferences webhook).',
	),
	entry(
		131049,
		'Meta chose not to deliver',
		'marketing_limit',
		400,
		{ kind: 'next_day', minDelayMs: DAY },
		'Meta did not deliver this marketing message to keep engagement healthy, most often because the contact reached the limit of marketing messages they receive.',
		'Do not resend now; wait at least 24 hours, and send fewer marketing messages to this contact.',
	),
	entry(
		130472,
		'User’s number is part of an experiment',
		'marketing_limit',
		400,
		never,
		'Meta did not send this marketing message because the contact is in Meta’s marketing message experiment group.',
		'Do not resend this message; nothing on your side is wrong.',
	),

	// Customer service window
	entry(
		131047,
		'Re-engagement message',
		'reengagement',
		400,
		never,
		'More than 24 hours have passed since the contact last wrote to this number, so only templates may be sent.',
		'Send an approved template instead, or wait until the contact writes again.',
	),

	// Recipient
	entry(
		131021,
		'Recipient cannot be sender',
		'recipient',
		400,
		never,
		'The message was addressed to the business number that sends it.',
		'Send to the contact’s number, not to your own business number.',
	),
	entry(
		131026,
		'Message Undeliverable',
		'recipient',
		400,
		never,
		'WhatsApp could not deliver to this number: it is not on WhatsApp, the person has not accepted the current terms, or their app is too old.',
		'Do not resend automatically; ask the contact through another channel to check they can message your number and to update WhatsApp.',
	),
	entry(
		131062,
		'Business-scoped user ID recipients are not supported for this message',
		'recipient',
		undefined,
		afterFix,
		'This message cannot be sent to a business-scoped user ID; one-tap, zero-tap and copy-code authentication templates need a phone number.',
		'Send it to the contact’s phone number instead of their user ID.',
	),

	// Templates
	entry(
		132000,
		'Template Param Count Mismatch',
		'template',
		400,
		afterFix,
		'The number of values sent does not match the number of variables in the template.',
		'Give a value for every variable of the template, no more and no fewer.',
	),
	entry(
		132001,
		'Template does not exist',
		'template',
		404,
		afterFix,
		'The template does not exist in this language, or it is not approved.',
		'Check the template name and language in WhatsApp Manager and that the template is approved.',
	),
	entry(
		132005,
		'Template Hydrated Text Too Long',
		'template',
		400,
		afterFix,
		'The template text with the values filled in is too long.',
		'Use shorter values for the variables, or check in WhatsApp Manager that the template’s translation is complete.',
	),
	entry(
		132007,
		'Template Format Character Policy Violated',
		'template',
		400,
		afterFix,
		'The template content, with the values filled in, breaks a WhatsApp policy.',
		'Change the values (or the template) so the content follows WhatsApp’s template guidelines.',
	),
	entry(
		132012,
		'Template Parameter Format Mismatch',
		'template',
		400,
		afterFix,
		'A value does not have the format the template expects (for example text where a currency, date or image is needed).',
		'Give each variable a value of the type the template defines.',
	),
	entry(
		132015,
		'Template is Paused',
		'template',
		400,
		later(3 * HOUR),
		'Meta paused the template because of low quality (pauses last 3 hours the first time, 6 hours the second).',
		'Wait until the pause ends or edit the template to improve it; consider whether contacts found it unwanted.',
	),
	entry(
		132016,
		'Template is Disabled',
		'template',
		400,
		never,
		'Meta disabled the template for good after it was paused too many times for low quality.',
		'Create a new template with different content and use it instead.',
	),
	entry(
		132018,
		'Template parameter issue',
		'template',
		undefined,
		afterFix,
		'A parameter of the template message is not valid; Meta’s details name it.',
		'Correct the parameter named in the details and send again.',
	),
	entry(
		131055,
		'Method not allowed',
		'template',
		400,
		afterFix,
		'The Marketing Messages API accepts only marketing templates, and this was another kind of message.',
		'Send marketing templates through the Marketing Messages API and everything else through the Cloud API.',
	),
	entry(
		134100,
		'Only marketing messages supported',
		'template',
		400,
		afterFix,
		'The Marketing Messages API accepts only templates categorised as marketing.',
		'Send utility and authentication templates through the Cloud API instead.',
	),
	entry(
		134101,
		'Your template is still syncing',
		'template',
		400,
		later(10 * MINUTE),
		'The new template is still being set up for the Marketing Messages API, which takes up to 10 minutes.',
		'Wait 10 minutes and send again.',
	),
	entry(
		134102,
		'Template unavailable for use',
		'template',
		500,
		afterFix,
		'Meta could not set the template up for the Marketing Messages API, or the account is not eligible for it.',
		'Check the account’s Marketing Messages API onboarding status; contact Meta support if it is onboarded and this persists.',
	),

	// Parameters and requests
	entry(
		100,
		'Invalid parameter',
		'parameter',
		400,
		afterFix,
		'The request contains a parameter that is unsupported, misspelled or too long.',
		'Check the details from Meta for the parameter and correct it.',
	),
	entry(
		131008,
		'Required parameter is missing',
		'parameter',
		400,
		afterFix,
		'The request is missing a parameter that is required.',
		'Fill in the parameter named in the details from Meta.',
	),
	entry(
		131009,
		'Parameter value is not valid',
		'parameter',
		400,
		afterFix,
		'One or more values in the request are not valid.',
		'Correct the value named in the details from Meta.',
	),
	entry(
		131051,
		'Unsupported message type',
		'parameter',
		400,
		afterFix,
		'WhatsApp does not support this type of message.',
		'Send one of the message types WhatsApp supports.',
	),
	entry(
		131059,
		'Invalid cursor',
		'parameter',
		400,
		afterFix,
		'The paging cursor for the template list has expired or is damaged.',
		'List the templates again from the start, without a cursor.',
	),
	entry(
		132068,
		'Flow is blocked',
		'parameter',
		400,
		afterFix,
		'The Flow in this message is blocked.',
		'Correct the Flow in WhatsApp Manager, then send it again.',
	),
	entry(
		135000,
		'Generic user error',
		'parameter',
		400,
		afterFix,
		'The message failed because of an unknown problem with the request’s values.',
		'Check the request against Meta’s reference; contact Meta support if it keeps failing.',
	),

	// Media
	entry(
		131052,
		'Media download error',
		'media',
		400,
		never,
		'Meta could not download the file the contact sent.',
		'Ask the contact to send the file another way.',
	),
	entry(
		131053,
		'Media upload error',
		'media',
		400,
		afterFix,
		'Meta could not upload the file for this message, for example because its type is not supported.',
		'Check the file’s real type and size against WhatsApp’s supported media types and send a supported file.',
	),

	// The business account and its phone number
	entry(
		33,
		'Parameter value is not valid',
		'account',
		400,
		afterFix,
		'The business phone number in the request has been deleted.',
		'Choose a Phone Number ID that still exists in the WhatsApp Business Account.',
	),
	entry(
		131037,
		'WhatsApp provided number needs display name approval before message can be sent',
		'account',
		400,
		afterFix,
		'The 555 business number has no approved display name yet.',
		'Set a display name for the number in WhatsApp Manager and wait for its approval.',
	),
	entry(
		131045,
		'Incorrect certificate',
		'account',
		500,
		afterFix,
		'The message failed because the business phone number is not correctly registered.',
		'Register the phone number with the Cloud API, then send again.',
	),
	entry(
		131057,
		'Account in maintenance mode',
		'account',
		500,
		backoff,
		'The WhatsApp Business Account is in maintenance mode, for example during a throughput upgrade (about a minute).',
		'Nothing to do for this message, it is retried after a wait.',
	),
	entry(
		133000,
		'Incomplete Deregistration',
		'account',
		500,
		afterFix,
		'An earlier attempt to deregister the number failed.',
		'Deregister the number again, then register it.',
	),
	entry(
		133005,
		'Two step verification PIN Mismatch',
		'account',
		400,
		afterFix,
		'The two-step verification PIN in the request is wrong.',
		'Use the correct PIN, or turn two-step verification off and set a new PIN in WhatsApp Manager.',
	),
	entry(
		133006,
		'Phone number re-verification needed',
		'account',
		400,
		afterFix,
		'The number must be verified again before it can be registered.',
		'Verify the number (code by SMS or voice), then register it.',
	),
	// Meta's table lists 133004-133009 as one family but documents no title for 133007.
	entry(
		133007,
		'Registration error',
		'account',
		400,
		afterFix,
		'Registering the business phone number failed; Meta documents no further meaning for this code.',
		'Check the details from Meta and the number’s status in WhatsApp Manager, then register it again.',
	),
	entry(
		133008,
		'Too Many two step verification PIN Guesses',
		'account',
		400,
		later(),
		'There were too many wrong two-step verification PIN attempts for this number.',
		'Wait for the time named in the details from Meta, then try again with the correct PIN.',
	),
	entry(
		133009,
		'Two step verification PIN Guessed Too Fast',
		'account',
		400,
		later(),
		'The two-step verification PIN was tried too quickly.',
		'Wait as the details from Meta say, then try again.',
	),
	entry(
		133010,
		'Phone number Not Registered',
		'account',
		400,
		afterFix,
		'The business phone number is not registered with the WhatsApp Business Platform.',
		'Register the number with the Cloud API, then send again.',
	),
	entry(
		133015,
		'Please wait a few minutes before attempting to register this phone number',
		'account',
		400,
		later(5 * MINUTE),
		'The number was deleted recently and the deletion has not finished.',
		'Wait 5 minutes, then register the number again.',
	),

	// Billing
	entry(
		131042,
		'Business eligibility payment issue',
		'billing',
		400,
		afterFix,
		'Meta refused the message because of a billing problem: no payment method, a credit line over its limit, or the account’s time zone or currency not set.',
		'Fix the payment settings of the WhatsApp Business Account in Meta Business Suite, then send again.',
	),
	entry(
		134011,
		'WhatsApp Payments terms of service has not been accepted',
		'billing',
		400,
		afterFix,
		'The WhatsApp Payments terms of service have not been accepted for this account.',
		'Accept the terms through the link in Meta’s error message, then send again.',
	),

	// Server
	entry(
		1,
		'API Unknown',
		'server',
		400,
		backoff,
		'Meta could not process the request: it is malformed or Meta had an internal problem.',
		`It is retried after a wait; if it keeps failing, ${STATUS_PAGE}, then check the request.`,
	),
	entry(
		2,
		'API Service',
		'server',
		503,
		backoff,
		'The WhatsApp API is temporarily down or overloaded.',
		`It is retried after a wait; if it keeps failing, ${STATUS_PAGE}.`,
	),
	entry(
		131000,
		'Something went wrong',
		'server',
		500,
		backoff,
		'The message failed because of an unknown error at Meta.',
		'Try again; if it keeps failing, open a Direct Support ticket with Meta and give the trace id.',
	),
	entry(
		131016,
		'Service unavailable',
		'server',
		500,
		backoff,
		'A WhatsApp service is temporarily unavailable.',
		`It is retried after a wait; if it keeps failing, ${STATUS_PAGE}.`,
	),
	entry(
		133004,
		'Server Temporarily Unavailable',
		'server',
		503,
		backoff,
		'A WhatsApp server is temporarily unavailable.',
		`It is retried after a wait; if it keeps failing, ${STATUS_PAGE} and read the details from Meta.`,
	),
];

const BY_CODE: ReadonlyMap<number, MetaErrorEntry> = new Map(ENTRIES.map((e) => [e.code, e]));

/** Every entry of the catalog, the 200-299 range as one entry (code 200). */
export const META_ERROR_CATALOG: readonly MetaErrorEntry[] = [...ENTRIES, PERMISSION_RANGE_ENTRY];

/**
 * The catalog entry for a Meta error code. Codes 200-299 return the API Permission entry with
 * the actual code. An unknown code returns an 'unknown' entry that keeps the code; `httpStatus`
 * (when known) decides whether such an error is worth an automatic retry (5xx and 429 are).
 */
export function lookupMetaError(code: number, httpStatus?: number): MetaErrorEntry {
	const known = BY_CODE.get(code);
	if (known) return known;
	if (Number.isInteger(code) && code >= PERMISSION_RANGE.from && code <= PERMISSION_RANGE.to) {
		return code === PERMISSION_RANGE_ENTRY.code
			? PERMISSION_RANGE_ENTRY
			: Object.freeze({ ...PERMISSION_RANGE_ENTRY, code });
	}
	return unknownEntry(code, httpStatus);
}

/**
 * The entry for a failure that carried no Meta error code: a bare HTTP error (from Meta or a
 * proxy) or, without `httpStatus`, a request that got no answer at all.
 */
export function entryWithoutCode(httpStatus?: number): MetaErrorEntry {
	if (httpStatus === undefined) {
		return entry(
			NO_META_CODE,
			'No answer from Meta',
			'server',
			undefined,
			backoff,
			'The request got no answer from the WhatsApp API: the connection failed, was cut, or timed out.',
			`It is retried after a wait when that is safe; if it keeps failing, check the network and the Graph API URL, or ${STATUS_PAGE}.`,
		);
	}
	if (httpStatus === 401) {
		return entry(
			NO_META_CODE,
			'HTTP 401',
			'authorization',
			401,
			afterFix,
			'The WhatsApp API did not accept the access token.',
			'Create a new access token and update the WhatsApp Cloud API credential.',
		);
	}
	if (httpStatus === 403) {
		return entry(
			NO_META_CODE,
			'HTTP 403',
			'permission',
			403,
			afterFix,
			'The WhatsApp API refused the request for lack of permission.',
			TOKEN_PERMISSIONS,
		);
	}
	if (httpStatus === 429) {
		return entry(
			NO_META_CODE,
			'HTTP 429',
			'throttling',
			429,
			backoff,
			'The WhatsApp API (or a proxy in front of it) asked to slow down.',
			'Nothing to do for this request, it is retried after a wait; if it happens often, send less often.',
		);
	}
	return unknownEntry(NO_META_CODE, httpStatus);
}

function unknownEntry(code: number, httpStatus: number | undefined): MetaErrorEntry {
	const transient = httpStatus !== undefined && (httpStatus >= 500 || httpStatus === 429);
	const label = code === NO_META_CODE ? `HTTP ${httpStatus ?? 'error'}` : `Error ${code}`;
	return entry(
		code,
		label,
		'unknown',
		httpStatus,
		transient ? backoff : afterFix,
		code === NO_META_CODE
			? `The WhatsApp API answered with HTTP ${httpStatus ?? 'error'} and no explanation.`
			: `Meta answered with error ${code}, which this node does not know yet.`,
		transient
			? `It is retried after a wait; if it keeps failing, ${STATUS_PAGE} and contact Meta support with the trace id.`
			: 'Read the details from Meta and correct the request; if the cause is unclear, contact Meta support with the trace id.',
	);
}

/** Whether a client may repeat the request by itself after a wait (backoff or pair backoff). */
export function isAutoRetryable(e: MetaErrorEntry): boolean {
	return e.retry.kind === 'backoff' || e.retry.kind === 'pair_backoff';
}

export interface RetryDelayContext {
	/** The response's Retry-After header (seconds or an HTTP date), if any. */
	readonly retryAfterHeader?: string | number | readonly string[] | null;
	/** Current time in ms since the epoch (reads HTTP-date Retry-After values). */
	readonly now: number;
	/** A random number in [0, 1) for jitter. */
	readonly random: () => number;
}

/**
 * How long to wait before trying again, in milliseconds, or undefined when no retry time can be
 * named (never, after_fix, 'later' without a known wait). `attempt` counts retries from 0.
 * - pair_backoff: 4^attempt seconds, or a longer Retry-After
 * - backoff: the Retry-After when present, else full-jitter exponential backoff, capped
 * - next_day: at least 24 hours
 * - later: Meta's named minimum wait, or a longer Retry-After
 */
export function retryDelayMs(
	e: MetaErrorEntry,
	attempt: number,
	context: RetryDelayContext,
): number | undefined {
	const retryAfter = parseRetryAfter(context.retryAfterHeader, context.now);
	switch (e.retry.kind) {
		case 'never':
		case 'after_fix':
			return undefined;
		case 'pair_backoff':
			return Math.max(pairBackoffMs(attempt), retryAfter ?? 0);
		case 'backoff':
			return retryAfter ?? fullJitterDelayMs(attempt, context.random);
		case 'next_day':
			return Math.max(e.retry.minDelayMs ?? DAY, retryAfter ?? 0);
		case 'later': {
			const min = e.retry.minDelayMs;
			if (min === undefined) return retryAfter;
			return Math.max(min, retryAfter ?? 0);
		}
	}
}

/** The moment (ms since the epoch) to try again, or undefined; see {@link retryDelayMs}. */
export function retryAt(
	e: MetaErrorEntry,
	attempt: number,
	context: RetryDelayContext,
): number | undefined {
	const delay = retryDelayMs(e, attempt, context);
	return delay === undefined ? undefined : context.now + delay;
}

/**
 * One line for logs and error messages: title, code, what happened, and Meta's details when given.
 * The "what to do" sentence stays separate (the `action`), as n8n shows it as the description.
 */
export function describeMetaError(e: MetaErrorEntry, details?: string): string {
	const codePart = e.code === NO_META_CODE ? '' : ` (#${e.code})`;
	const detailPart = details && details.trim() !== '' ? ` Meta says: “${details.trim()}”` : '';
	return `${e.title}${codePart}: ${e.meaning}${detailPart}`;
}
