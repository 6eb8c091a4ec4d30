/**
 * What follows an accepted send: the download of media sent by link, then its status webhooks
 * (sent, delivered, read, or failed) after the delays of the options. Reset and close cancel
 * what is still to come.
 */
import { statusError } from '../graphError';
import { mediaLinkProblem, type MediaLink } from '../mediaFetch';
import type { Json } from '../checks/fields';
import type { ResolvedOptions } from '../options';
import type { AccountWebhooks } from './accountWebhooks';
import { iso, seconds } from './format';
import type { MessageLog, MessageStatus, SentRecord } from './messages';
import type { PhoneNumbers } from './numbers';

export class Statuses {
	readonly #timers = new Set<NodeJS.Timeout>();
	/** Downloads being made (see mediaFetch.ts). */
	readonly #fetches = new Set<AbortController>();

	constructor(
		private readonly options: ResolvedOptions,
		private readonly numbers: PhoneNumbers,
		private readonly log: MessageLog,
		private readonly webhooks: AccountWebhooks,
	) {}

	/** Schedules the statuses of a message just accepted, after its media links are fetched. */
	follow(record: SentRecord, mediaLinks: readonly MediaLink[] | undefined): void {
		if (!record.failure && mediaLinks?.length) this.#fetchMediaThenSchedule(record, mediaLinks);
		else this.#schedule(record);
	}

	/** Stops the statuses and downloads still to come. */
	cancel(): void {
		for (const timer of this.#timers) clearTimeout(timer);
		this.#timers.clear();
		for (const controller of this.#fetches) controller.abort();
		this.#fetches.clear();
	}

	/**
	 * Meta downloads media sent by link after accepting the message: the statuses wait for the
	 * download, and a link that fails it turns them into a failed status with 131053.
	 */
	#fetchMediaThenSchedule(record: SentRecord, links: readonly MediaLink[]): void {
		const controller = new AbortController();
		this.#fetches.add(controller);
		const options = { timeoutMs: this.options.mediaFetchTimeoutMs, signal: controller.signal };
		void (async () => {
			for (const link of links) {
				const problem = await mediaLinkProblem(link, options);
				if (controller.signal.aborted) return;
				if (problem !== undefined) {
					record.failure = { code: 131053, details: problem };
					delete record.pricing;
					this.log.forgetAnswerable(record);
					this.options.log?.(`media of ${record.id} cannot be fetched: ${problem}`);
					break;
				}
			}
			this.#fetches.delete(controller);
			this.#schedule(record);
		})();
	}

	#schedule(record: SentRecord): void {
		const delays = this.options.statusDelaysMs;
		if (record.failure) {
			const failure = record.failure;
			this.#after(delays.sent, () =>
				this.#emit(record, 'failed', {
					errors: [statusError(failure.code, failure.details)],
				}),
			);
			return;
		}
		this.#after(delays.sent, () => this.#emit(record, 'sent', { pricing: true }));
		// Reactions by the business only ever get "sent".
		if (record.type === 'reaction') return;
		// Delivered and read at once: Meta sends only "read", which then carries the pricing.
		const together = delays.read !== null && delays.read === delays.delivered;
		if (!together) {
			this.#after(delays.delivered, () => this.#emit(record, 'delivered', { pricing: true }));
		}
		if (delays.read !== null) {
			this.#after(delays.read, () => this.#emit(record, 'read', { pricing: together }));
		}
	}

	#emit(
		record: SentRecord,
		status: MessageStatus,
		extra: { pricing?: boolean; errors?: ReturnType<typeof statusError>[] },
	): void {
		const now = this.options.clock.now();
		record.status = status;
		record.statuses.push({ status, at: iso(now) });
		if (extra.errors) {
			const [error] = extra.errors;
			record.error = { code: error.code, title: error.title, details: error.error_data.details };
		}
		const bizOpaque = record.payload.biz_opaque_callback_data;
		const value: Json = {
			id: record.id,
			status,
			timestamp: seconds(now),
			recipient_id: record.to,
			...(typeof bizOpaque === 'string' ? { biz_opaque_callback_data: bizOpaque } : {}),
			...(extra.pricing && record.conversation
				? {
						conversation: {
							id: record.conversation.id,
							...(status === 'sent'
								? { expiration_timestamp: seconds(record.conversation.expiresAtMs) }
								: {}),
							origin: { type: 'referral_conversion' },
						},
					}
				: {}),
			...(extra.pricing && record.pricing ? { pricing: record.pricing } : {}),
			...(extra.errors ? { errors: extra.errors } : {}),
		};
		const phone = this.numbers.get(record.phone_number_id);
		if (!phone) return;
		this.webhooks.postMessages(
			phone,
			{ statuses: [value] },
			`status ${status} of ${record.id} to ${record.to}`,
		);
	}

	#after(ms: number, action: () => void): void {
		const timer = setTimeout(() => {
			this.#timers.delete(timer);
			action();
		}, ms);
		timer.unref();
		this.#timers.add(timer);
	}
}
