/**
 * Posts webhooks the way Meta does: the escaped JSON bytes signed with the app secret
 * (X-Hub-Signature-256), a delivery counted only when answered with HTTP 200, and otherwise
 * retried on a schedule with the same bytes and the same signature. Every attempt is recorded.
 *
 * With several webhook URLs (several apps subscribed to the account), each URL gets its own
 * delivery of every webhook, answered and retried on its own: one app that is down does not make
 * Meta post again to the others.
 */
import type { Clock } from '../nodes/core/clock';
import { metaJson, signatureOf } from './metaJson';

export interface DeliveryAttempt {
	/** ISO time of the attempt (sandbox clock). */
	readonly at: string;
	readonly url: string;
	/** The HTTP status answered, when there was an answer. */
	readonly status?: number;
	/** Why there was no answer (connection refused, timeout...). */
	readonly error?: string;
}

export type DeliveryState =
	/** Waiting for its next attempt (or the first one is under way). */
	| 'pending'
	/** Answered with 200. */
	| 'delivered'
	/** Every attempt of the schedule failed. */
	| 'failed'
	/** Not sent: no webhook URL, or the app is not subscribed. */
	| 'not_sent';

export interface WebhookDelivery {
	readonly id: number;
	/**
	 * Which of the webhook URLs (0-based, in the order they were set) this delivery goes to; each
	 * URL gets its own delivery, as each subscribed app does. Attempts go to the URL at this
	 * position when they are made.
	 */
	readonly target: number;
	/** The webhook field: messages, user_preferences, message_template_status_update... */
	readonly field: string;
	/** What it is about, for people: "status delivered of wamid... to 4915...". */
	readonly summary: string;
	/** The exact bytes sent (ASCII: Meta's escaping leaves nothing else). */
	readonly body: string;
	/** The X-Hub-Signature-256 header sent with every attempt. */
	readonly signature: string;
	readonly createdAt: string;
	state: DeliveryState;
	/** Why it was not sent. */
	reason?: string;
	readonly attempts: DeliveryAttempt[];
}

export interface DispatcherOptions {
	readonly appSecret: string;
	readonly retryScheduleMs: readonly number[];
	readonly timeoutMs: number;
	readonly clock: Clock;
	/** The current webhook URLs, one per subscribed app (they can change between attempts). */
	readonly urls: () => readonly string[];
	/** Whether the app is subscribed to the account's webhooks. */
	readonly subscribed: () => boolean;
	readonly log?: (line: string) => void;
}

/** Deliveries kept for the log; older finished ones are dropped so benchmarks do not fill memory. */
const MAX_KEPT = 20_000;

export class WebhookDispatcher {
	readonly #deliveries: WebhookDelivery[] = [];
	readonly #timers = new Set<NodeJS.Timeout>();
	#abort = new AbortController();
	#next = 1;

	constructor(private readonly options: DispatcherOptions) {}

	/**
	 * Signs and posts one webhook to every webhook URL, one delivery each; retries follow on the
	 * schedule. Returns the deliveries (one `not_sent` when nothing can be sent).
	 */
	post(payload: unknown, field: string, summary: string): WebhookDelivery[] {
		const body = metaJson(payload);
		const signature = signatureOf(body, this.options.appSecret);
		const createdAt = new Date(this.options.clock.now()).toISOString();
		const delivery = (target: number): WebhookDelivery => {
			const made: WebhookDelivery = {
				id: this.#next++,
				target,
				field,
				summary,
				body,
				signature,
				createdAt,
				state: 'pending',
				attempts: [],
			};
			this.#keep(made);
			return made;
		};
		const urls = this.options.urls();
		if (!this.options.subscribed() || urls.length === 0) {
			const unsent = delivery(0);
			unsent.state = 'not_sent';
			unsent.reason = this.options.subscribed()
				? 'No webhook URL is set (--webhook-url, or PUT /_sandbox/webhook-url).'
				: 'The app is not subscribed to the account (POST /<WABA_ID>/subscribed_apps).';
			return [unsent];
		}
		return urls.map((_url, target) => {
			const made = delivery(target);
			void this.#attempt(made, 0);
			return made;
		});
	}

	list(): readonly WebhookDelivery[] {
		return this.#deliveries;
	}

	/** Cancels scheduled retries and attempts under way, and forgets the log. */
	clear(): void {
		this.#cancel();
		this.#deliveries.length = 0;
	}

	close(): void {
		this.#cancel();
	}

	#cancel(): void {
		for (const timer of this.#timers) clearTimeout(timer);
		this.#timers.clear();
		this.#abort.abort();
		this.#abort = new AbortController();
	}

	async #attempt(delivery: WebhookDelivery, retriesDone: number): Promise<void> {
		const signal = this.#abort.signal;
		const url = this.options.urls()[delivery.target];
		const at = new Date(this.options.clock.now()).toISOString();
		let status: number | undefined;
		let error: string | undefined;
		if (url === undefined) {
			error = 'no webhook URL set';
		} else {
			try {
				const response = await fetch(url, {
					method: 'POST',
					headers: {
						'content-type': 'application/json',
						'x-hub-signature-256': delivery.signature,
						'user-agent': 'facebookexternalua',
					},
					body: delivery.body,
					redirect: 'manual',
					signal: AbortSignal.any([signal, AbortSignal.timeout(this.options.timeoutMs)]),
				});
				status = response.status;
				await response.arrayBuffer().catch(() => undefined);
			} catch (cause) {
				if (signal.aborted) return;
				error = describeFailure(cause);
			}
		}
		if (signal.aborted) return;
		delivery.attempts.push({
			at,
			url: url ?? '',
			...(status !== undefined ? { status } : {}),
			...(error !== undefined ? { error } : {}),
		});
		this.options.log?.(
			`webhook #${delivery.id} ${delivery.summary} -> ${status ?? error}${retriesDone > 0 ? ` (retry ${retriesDone})` : ''}`,
		);
		if (status === 200) {
			delivery.state = 'delivered';
			return;
		}
		const wait = this.options.retryScheduleMs[retriesDone];
		if (wait === undefined) {
			delivery.state = 'failed';
			return;
		}
		const timer = setTimeout(() => {
			this.#timers.delete(timer);
			void this.#attempt(delivery, retriesDone + 1);
		}, wait);
		timer.unref();
		this.#timers.add(timer);
	}

	#keep(delivery: WebhookDelivery): void {
		this.#deliveries.push(delivery);
		if (this.#deliveries.length <= MAX_KEPT) return;
		const index = this.#deliveries.findIndex((d) => d.state !== 'pending');
		if (index >= 0) this.#deliveries.splice(index, 1);
	}
}

function describeFailure(cause: unknown): string {
	if (cause instanceof Error) {
		if (cause.name === 'TimeoutError') return 'timed out';
		const code = (cause as { cause?: { code?: string } }).cause?.code;
		return code ? `${cause.message} (${code})` : cause.message;
	}
	return String(cause);
}
