/**
 * Posts webhooks the way Meta does: the escaped JSON bytes signed with the app secret
 * (X-Hub-Signature-256), a delivery counted only when answered with HTTP 200, and otherwise
 * retried on a schedule with the same bytes and the same signature. Every attempt is recorded.
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
	/** The current webhook URL (it can change between attempts). */
	readonly url: () => string | undefined;
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

	/** Signs and posts one webhook; retries follow on the schedule. */
	post(payload: unknown, field: string, summary: string): WebhookDelivery {
		const body = metaJson(payload);
		const delivery: WebhookDelivery = {
			id: this.#next++,
			field,
			summary,
			body,
			signature: signatureOf(body, this.options.appSecret),
			createdAt: new Date(this.options.clock.now()).toISOString(),
			state: 'pending',
			attempts: [],
		};
		this.#keep(delivery);
		const url = this.options.url();
		if (!this.options.subscribed()) {
			delivery.state = 'not_sent';
			delivery.reason =
				'The app is not subscribed to the account (POST /<WABA_ID>/subscribed_apps).';
		} else if (url === undefined) {
			delivery.state = 'not_sent';
			delivery.reason = 'No webhook URL is set (--webhook-url, or PUT /_sandbox/webhook-url).';
		} else {
			void this.#attempt(delivery, 0);
		}
		return delivery;
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
		const url = this.options.url();
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
