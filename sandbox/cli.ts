#!/usr/bin/env node
/**
 * whatsapp-sandbox: start the local WhatsApp Cloud API sandbox, and script its contacts.
 * Every command but `start` talks to a running sandbox over HTTP (--url, or WA_SANDBOX_URL).
 */
import { parseDuration } from './duration';
import { DEFAULT_ACCESS_TOKEN, DEFAULT_APP_SECRET } from './options';
import { startSandbox, type Sandbox } from './server';

export const DEFAULT_URL = 'http://127.0.0.1:4010';
export const DEFAULT_PORT = 4010;

const HELP = `whatsapp-sandbox: a local stand-in for Meta's WhatsApp Cloud API

Start it:
  whatsapp-sandbox start [--port 4010] [--host 127.0.0.1] [--webhook-url URL] [--app-secret S]
                         [--token T] [--latency 150] [--rate 80] [--seed file.json]
                         [--reengagement async|sync] [--messaging-limit 250] [--quiet]

Then, from another terminal (--url URL or WA_SANDBOX_URL; default ${DEFAULT_URL}):
  say <wa_id> "<text>" [--ago 25h] [--from-ad] [--phone <phone number id>]
                                   a contact sends a text (--ago backdates it; --from-ad: came from an ad)
  tap <wa_id> <payload or text>    quick-reply tap on the last template sent to the contact
  choose <wa_id> <row id>          choice in the last list message sent to the contact
  button <wa_id> <button id>       press on the last reply-button message sent to the contact
  stop-marketing <wa_id>           the contact stops marketing messages (user_preferences webhook)
  resume-marketing <wa_id>
  pause-template <name> [--language en]     also: approve-template, disable-template
  template-quality <name> <GREEN|YELLOW|RED|UNKNOWN> [--language en]
                                   the template's quality score (message_template_quality_update)
  number-quality <GREEN|YELLOW|RED|NA> [--phone <phone number id>]
                                   the number's quality rating (RED: phone_number_quality_update FLAGGED)
  messaging-limit <250|2000|10000|100000|unlimited>
                                   the portfolio's limit of contacts reached outside the window
                                   per 24 hours (business_capability_update)
  drop-answers [N]                 the next N accepted sends lose their answer (the connection is
                                   cut after the message was accepted), as after a crash (default 1)
  account                          messaging limit, contacts reached in 24 hours, quality ratings
  billing [--time-zone Europe/Berlin]
                                   delivered messages by day, template, pricing and country, as JSON
  sent [--to <wa_id>] [--limit N]  what was sent, as JSON (the last N)
  webhooks [--limit N]             the webhook delivery log, as JSON
  contacts                         the contacts, as JSON
  add-contact <wa_id> [--name "Mia"] [--country DE] [--marketing-limit 2]
  webhook-url <url | none> [url...]
                                   where webhooks go from now on; several URLs each get
                                   every webhook (like several apps subscribed to the account)
  info                             base URL, account and phone number ids
  reset                            back to the seed
`;

export interface CliIo {
	readonly out: (line: string) => void;
	readonly err: (line: string) => void;
	readonly env: Record<string, string | undefined>;
}

const defaultIo: CliIo = {
	out: (line) => process.stdout.write(`${line}\n`),
	err: (line) => process.stderr.write(`${line}\n`),
	env: process.env,
};

interface Parsed {
	readonly positional: string[];
	readonly flags: Map<string, string | true>;
}

const BOOLEAN_FLAGS = new Set(['from-ad', 'quiet', 'help']);

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Parsed {
	const positional: string[] = [];
	const flags = new Map<string, string | true>();
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (arg === '-h') {
			flags.set('help', true);
		} else if (arg.startsWith('--')) {
			const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
			if (BOOLEAN_FLAGS.has(name)) flags.set(name, true);
			else if (inline !== undefined) flags.set(name, inline);
			else {
				const value = argv[++i];
				if (value === undefined) throw new UsageError(`--${name} needs a value.`);
				flags.set(name, value);
			}
		} else {
			positional.push(arg);
		}
	}
	return { positional, flags };
}

/** Runs one command; resolves with the exit code (start resolves once the sandbox listens). */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
	let parsed: Parsed;
	try {
		parsed = parseArgs(argv);
	} catch (error) {
		io.err((error as Error).message);
		return 2;
	}
	const [command, ...args] = parsed.positional;
	if (!command || command === 'help' || parsed.flags.has('help')) {
		io.out(HELP);
		return command || parsed.flags.has('help') ? 0 : 2;
	}
	const flag = (name: string) => {
		const value = parsed.flags.get(name);
		return typeof value === 'string' ? value : undefined;
	};
	const base = (flag('url') ?? io.env.WA_SANDBOX_URL ?? DEFAULT_URL).replace(/\/+$/, '');
	const need = (count: number, usage: string) => {
		if (args.length < count) throw new UsageError(`Usage: whatsapp-sandbox ${usage}`);
	};
	try {
		switch (command) {
			case 'start':
				await start(parsed, flag, io);
				return 0;
			case 'say': {
				need(2, 'say <wa_id> "<text>" [--ago 25h] [--from-ad]');
				const ago = flag('ago');
				const message = await call(base, 'POST', `/contacts/${enc(args[0])}/say`, {
					text: args.slice(1).join(' '),
					...(ago !== undefined ? { ago: checkDuration(ago) } : {}),
					...(parsed.flags.has('from-ad') ? { from_ad: true } : {}),
					...(flag('phone') ? { phone_number_id: flag('phone') } : {}),
				});
				io.out(
					`${args[0]} said "${args.slice(1).join(' ')}" at ${message.timestamp} (${message.id})`,
				);
				return 0;
			}
			case 'tap':
			case 'choose':
			case 'button': {
				const what = { tap: 'payload or text', choose: 'row id', button: 'button id' }[command];
				need(2, `${command} <wa_id> <${what}>`);
				const ago = flag('ago');
				const key = command === 'tap' ? 'payload' : 'id';
				const message = await call(base, 'POST', `/contacts/${enc(args[0])}/${command}`, {
					[key]: args.slice(1).join(' '),
					...(ago !== undefined ? { ago: checkDuration(ago) } : {}),
				});
				io.out(`${args[0]}: ${message.summary} (${message.id})`);
				return 0;
			}
			case 'stop-marketing':
			case 'resume-marketing': {
				need(1, `${command} <wa_id>`);
				const value = command === 'stop-marketing' ? 'stop' : 'resume';
				const contact = await call(base, 'POST', `/contacts/${enc(args[0])}/marketing`, { value });
				io.out(`${contact.wa_id} marketing messages: ${contact.marketing}`);
				return 0;
			}
			case 'pause-template':
			case 'approve-template':
			case 'disable-template': {
				need(1, `${command} <name> [--language en]`);
				const status = {
					'pause-template': 'PAUSED',
					'approve-template': 'APPROVED',
					'disable-template': 'DISABLED',
				}[command];
				const result = await call(base, 'POST', `/templates/${enc(args[0])}/status`, {
					status,
					...(flag('language') ? { language: flag('language') } : {}),
				});
				for (const t of result.data as { name: string; language: string; status: string }[]) {
					io.out(`template ${t.name} (${t.language}): ${t.status}`);
				}
				return 0;
			}
			case 'template-quality': {
				need(2, 'template-quality <name> <GREEN|YELLOW|RED|UNKNOWN> [--language en]');
				const result = await call(base, 'POST', `/templates/${enc(args[0])}/quality`, {
					score: args[1],
					...(flag('language') ? { language: flag('language') } : {}),
				});
				for (const t of result.data as {
					name: string;
					language: string;
					quality_score: { score: string };
				}[]) {
					io.out(`template ${t.name} (${t.language}): quality ${t.quality_score.score}`);
				}
				return 0;
			}
			case 'number-quality': {
				need(1, 'number-quality <GREEN|YELLOW|RED|NA> [--phone <phone number id>]');
				// Without --phone: the first number, as for the contacts' messages.
				const phone =
					flag('phone') ?? ((await call(base, 'GET', '/')).phone_numbers as { id: string }[])[0].id;
				const result = await call(base, 'PUT', `/phone-numbers/${enc(phone)}/quality`, {
					rating: args[0],
				});
				io.out(`phone number ${result.id}: quality ${result.quality_rating}`);
				return 0;
			}
			case 'messaging-limit': {
				need(1, 'messaging-limit <250|2000|10000|100000|unlimited>');
				const result = await call(base, 'PUT', '/messaging-limit', { limit: args[0] });
				io.out(
					`messaging limit ${result.messaging_limit} (${result.reached_24h} contacts reached in the last 24 hours)`,
				);
				return 0;
			}
			case 'drop-answers': {
				const count = args[0] === undefined ? 1 : Number(args[0]);
				const result = await call(base, 'POST', '/drop-answers', { count });
				io.out(`the next ${result.answers_to_drop} accepted send(s) lose their answer`);
				return 0;
			}
			case 'account':
				io.out(JSON.stringify(await call(base, 'GET', '/account'), null, 2));
				return 0;
			case 'billing': {
				const zone = flag('time-zone');
				const query = zone ? `?time_zone=${encodeURIComponent(zone)}` : '';
				io.out(JSON.stringify(await call(base, 'GET', `/billing${query}`), null, 2));
				return 0;
			}
			case 'sent':
			case 'webhooks':
			case 'contacts': {
				const query = new URLSearchParams();
				const to = flag('to');
				const limit = flag('limit');
				if (to && command === 'sent') query.set('to', to.replace(/^\+/, ''));
				if (limit && command !== 'contacts') query.set('limit', limit);
				const result = await call(base, 'GET', `/${command}${query.size > 0 ? `?${query}` : ''}`);
				io.out(JSON.stringify(result.data, null, 2));
				return 0;
			}
			case 'add-contact': {
				need(1, 'add-contact <wa_id> [--name "Mia"] [--country DE] [--marketing-limit 2]');
				const limit = flag('marketing-limit');
				const contact = await call(base, 'POST', '/contacts', {
					wa_id: args[0],
					...(flag('name') ? { name: flag('name') } : {}),
					...(flag('country') ? { country: flag('country') } : {}),
					...(limit !== undefined ? { marketing_limit_per_day: Number(limit) } : {}),
				});
				io.out(`contact ${contact.wa_id} (${contact.name}, ${contact.country}) added`);
				return 0;
			}
			case 'webhook-url': {
				need(1, 'webhook-url <url | none> [url...]');
				if (args.length > 1) {
					const result = await call(base, 'PUT', '/webhook-urls', { urls: args });
					io.out(`webhooks go to ${(result.webhook_urls as string[]).join(' and ')}`);
					return 0;
				}
				const url = args[0] === 'none' ? null : args[0];
				const result = await call(base, 'PUT', '/webhook-url', { url });
				io.out(`webhooks go to ${result.webhook_url ?? 'nowhere (none set)'}`);
				return 0;
			}
			case 'info': {
				io.out(JSON.stringify(await call(base, 'GET', '/'), null, 2));
				return 0;
			}
			case 'reset':
				await call(base, 'POST', '/reset', {});
				io.out('sandbox reset to its seed');
				return 0;
			default:
				io.err(`Unknown command "${command}".\n\n${HELP}`);
				return 2;
		}
	} catch (error) {
		if (error instanceof UsageError) {
			io.err(error.message);
			return 2;
		}
		io.err((error as Error).message);
		return 1;
	}
}

async function start(
	parsed: Parsed,
	flag: (name: string) => string | undefined,
	io: CliIo,
): Promise<Sandbox> {
	const number = (name: string) => {
		const value = flag(name);
		if (value === undefined) return undefined;
		const parsedNumber = Number(value);
		if (!Number.isFinite(parsedNumber))
			throw new UsageError(`--${name} must be a number; got "${value}".`);
		return parsedNumber;
	};
	const reengagement = flag('reengagement');
	if (reengagement !== undefined && reengagement !== 'async' && reengagement !== 'sync') {
		throw new UsageError('--reengagement must be async or sync.');
	}
	const quiet = parsed.flags.has('quiet');
	const sandbox = await startSandbox({
		port: number('port') ?? DEFAULT_PORT,
		host: flag('host'),
		webhookUrl: flag('webhook-url'),
		appSecret: flag('app-secret'),
		accessToken: flag('token'),
		latencyMs: number('latency'),
		ratePerSecond: number('rate'),
		seed: flag('seed'),
		reengagement,
		messagingLimit: flag('messaging-limit'),
		log: quiet ? undefined : (line) => io.out(`[sandbox] ${line}`),
	});
	const { state } = sandbox;
	const token = state.options.accessToken;
	const secret = state.options.appSecret;
	io.out(`WhatsApp Cloud API sandbox listening on ${sandbox.url}`);
	io.out('');
	io.out('For the n8n "WhatsApp Cloud API" credential:');
	io.out(`  Base URL (Graph API URL):     ${sandbox.url}`);
	// The sandbox's own defaults are printed; values passed on the command line are not echoed.
	io.out(
		`  Access token:                 ${token === DEFAULT_ACCESS_TOKEN ? token : '(the value of --token)'}`,
	);
	io.out(`  WhatsApp Business Account ID: ${state.businessAccount.id}`);
	for (const phone of state.phoneNumbers) {
		io.out(
			`  Phone number ID:              ${phone.id}  (${phone.display_phone_number}, ${phone.verified_name})`,
		);
	}
	io.out(
		`  App secret:                   ${secret === DEFAULT_APP_SECRET ? secret : '(the value of --app-secret)'}`,
	);
	io.out(
		`Webhooks go to: ${state.webhookUrls.join(', ') || 'nowhere yet (--webhook-url, or `whatsapp-sandbox webhook-url <url>`)'}`,
	);
	io.out(
		`Contacts: ${state
			.contacts()
			.map((c) => `${c.wa_id} (${c.name})`)
			.join(', ')}`,
	);
	io.out('Stop with Ctrl+C.');
	const stop = () => {
		void sandbox.close().then(() => process.exit(0));
	};
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
	return sandbox;
}

/** One control API call; the answer's JSON, or an Error with the sandbox's message. */
async function call(
	base: string,
	method: string,
	path: string,
	body?: unknown,
): Promise<Record<string, unknown>> {
	let response: Response;
	try {
		response = await fetch(`${base}/_sandbox${path}`, {
			method,
			headers: body === undefined ? {} : { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
	} catch {
		throw new Error(
			`No sandbox answers at ${base}. Start one with \`whatsapp-sandbox start\`, or point --url / WA_SANDBOX_URL at it.`,
		);
	}
	const text = await response.text();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		throw new Error(`${base} answered HTTP ${response.status} without JSON: is it the sandbox?`);
	}
	if (!response.ok) {
		const message = (json as { error?: { message?: string } }).error?.message;
		throw new Error(message ?? `The sandbox answered HTTP ${response.status}.`);
	}
	return json as Record<string, unknown>;
}

function checkDuration(value: string): string {
	try {
		parseDuration(value, '--ago');
	} catch (error) {
		throw new UsageError((error as Error).message);
	}
	return value;
}

function enc(part: string): string {
	return encodeURIComponent(part.replace(/^\+/, ''));
}

if (require.main === module) {
	runCli(process.argv.slice(2)).then(
		(code) => {
			// `start` keeps running (its server holds the process); the others end here.
			if (code !== 0 || process.argv[2] !== 'start') process.exitCode = code;
		},
		(error: unknown) => {
			process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
			process.exitCode = 1;
		},
	);
}
