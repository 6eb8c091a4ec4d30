/**
 * Hands the events of a Meta app to the other workflows of this n8n instance (core/webhook/fanout.ts
 * says why through the store). A trigger whose deliveries wait in the store is woken with a small
 * request signed with the app secret, sent to THIS process's own loopback address: every n8n
 * process that serves production webhooks (the single process; main and each webhook processor in
 * queue mode) serves the webhook of every published workflow, so the process that received Meta's
 * call can always reach the others' triggers without knowing where any other process runs. The
 * woken trigger claims its deliveries from the store and emits them; a claim removes them, so
 * wake-ups may overlap or repeat without an event being emitted twice.
 *
 * Who wakes whom:
 * - the receiving process, right after answering Meta, wakes each subscription it recorded
 *   deliveries for (at most one request in flight per subscription; a wake-up asked for while one
 *   is under way is sent again after it);
 * - every process that has run a trigger sweeps every SWEEP_MS for deliveries older than
 *   SWEEP_GRACE_MS (a wake-up that failed: the workflow's webhook not registered yet after a
 *   restart, a process that stopped between its answer to Meta and its wake-ups) and wakes their
 *   subscriptions again;
 * - a test listener (the editor's "Listen for test event") is served only by the process it was
 *   registered in (n8n's main: webhook processors do not serve test webhooks), which polls every
 *   TEST_POLL_MS while it listens.
 *
 * The address: N8N_PROTOCOL, N8N_LISTEN_ADDRESS (127.0.0.1 when n8n listens on every address) and
 * N8N_PORT, as n8n itself listens, and N8N_ENDPOINT_WEBHOOK / N8N_ENDPOINT_WEBHOOK_TEST for the
 * paths; WHATSAPP_COMPLIANCE_LOOPBACK_URL replaces the address where n8n is only reachable
 * otherwise. Nothing secret is sent: the body names the subscription, the signature proves the app.
 */
import * as http from 'node:http';
import * as https from 'node:https';

import { SECOND } from '../core/clock';
import type { DeliveryStore } from '../core/store/types';
import { WAKE_UP_HEADER, wakeUpRequest, type Subscription } from '../core/webhook/fanout';
import { whileStoreOpen } from '../shared/store';

/** How often a process looks for deliveries that wait. */
export const SWEEP_MS = 5 * SECOND;
/** Deliveries younger than this are left to the receiver's own wake-up. */
export const SWEEP_GRACE_MS = 2 * SECOND;
/** How often the process of a test listener looks for its deliveries while it listens. */
export const TEST_POLL_MS = 300;
/** A wake-up that takes longer has failed; the sweep tries again. */
const WAKE_UP_TIMEOUT_MS = 30 * SECOND;
/** The same failure of one subscription is logged at most this often. */
const WARN_EVERY_MS = 10 * 60 * SECOND;

export interface DelivererLog {
	warn(message: string): void;
	debug(message: string): void;
}

/** Where this process's n8n answers webhooks (see the top of this file). */
export function loopbackUrl(
	subscription: Pick<Subscription, 'mode' | 'path'>,
	env: NodeJS.ProcessEnv = process.env,
): string {
	const override = env.WHATSAPP_COMPLIANCE_LOOPBACK_URL?.trim();
	let base: string;
	if (override) base = override.replace(/\/+$/, '');
	else {
		const tls = env.N8N_PROTOCOL === 'https' && !!env.N8N_SSL_KEY && !!env.N8N_SSL_CERT;
		const listen = env.N8N_LISTEN_ADDRESS?.trim();
		const host =
			!listen || listen === '::' || listen === '0.0.0.0'
				? '127.0.0.1'
				: listen.includes(':')
					? `[${listen}]`
					: listen;
		base = `${tls ? 'https' : 'http'}://${host}:${env.N8N_PORT?.trim() || '5678'}`;
	}
	const endpoint =
		subscription.mode === 'test'
			? env.N8N_ENDPOINT_WEBHOOK_TEST || 'webhook-test'
			: env.N8N_ENDPOINT_WEBHOOK || 'webhook';
	return `${base}/${endpoint}/${subscription.path}`;
}

interface Flight {
	again: boolean;
}

export class Deliverer {
	readonly #store: DeliveryStore;
	readonly #instance: string;
	readonly #secrets = new Map<string, string>();
	readonly #inFlight = new Map<string, Flight>();
	readonly #tests = new Map<string, number>();
	readonly #warned = new Map<string, number>();
	#log: DelivererLog;
	#sweep: NodeJS.Timeout | undefined;
	#testPoll: NodeJS.Timeout | undefined;
	#polling = false;

	constructor(store: DeliveryStore, instance: string, log: DelivererLog) {
		this.#store = store;
		this.#instance = instance;
		this.#log = log;
	}

	/**
	 * Keeps the app's secret in this process's memory (never in the store, never logged) to sign
	 * wake-ups for its triggers, and starts the sweep.
	 */
	remember(app: string, appSecret: string, log?: DelivererLog): void {
		if (log) this.#log = log;
		this.#secrets.set(app, appSecret);
		if (!this.#sweep) {
			this.#sweep = setInterval(() => void this.#sweepOnce(), SWEEP_MS);
			this.#sweep.unref();
		}
	}

	/** A test listener registered in this process: polled for until it stops or expires. */
	listen(subscription: Subscription): void {
		this.#tests.set(subscription.id, subscription.expiresAt ?? Number.MAX_SAFE_INTEGER);
		if (!this.#testPoll) {
			this.#testPoll = setInterval(() => void this.#pollTests(), TEST_POLL_MS);
			this.#testPoll.unref();
		}
	}

	stopListening(id: string): void {
		this.#tests.delete(id);
		if (this.#tests.size === 0 && this.#testPoll) {
			clearInterval(this.#testPoll);
			this.#testPoll = undefined;
		}
	}

	/** Wakes the subscriptions (those this process can serve); never throws, never waits. */
	wake(subscriptions: readonly Subscription[]): void {
		for (const subscription of subscriptions) {
			if (!this.#serves(subscription)) continue;
			const flight = this.#inFlight.get(subscription.id);
			if (flight) {
				flight.again = true;
				continue;
			}
			void this.#fly(subscription);
		}
	}

	/** Stops the timers (tests; a process that ends needs nothing: they are unref'd). */
	close(): void {
		if (this.#sweep) clearInterval(this.#sweep);
		if (this.#testPoll) clearInterval(this.#testPoll);
		this.#sweep = this.#testPoll = undefined;
		this.#tests.clear();
	}

	#serves(subscription: Subscription): boolean {
		if (subscription.instance !== this.#instance) return false;
		if (!this.#secrets.has(subscription.app)) return false;
		return subscription.mode === 'production' || this.#tests.has(subscription.id);
	}

	async #fly(subscription: Subscription): Promise<void> {
		const flight: Flight = { again: false };
		this.#inFlight.set(subscription.id, flight);
		try {
			for (;;) {
				flight.again = false;
				const more = await this.#post(subscription);
				if (!more && !flight.again) break;
			}
		} catch (error) {
			this.#warn(
				subscription.id,
				`WhatsApp event handover to workflow ${subscription.workflowId} ("${subscription.node}") failed, tried again within ${SWEEP_MS / SECOND} s: ${(error as Error).message}`,
			);
		} finally {
			this.#inFlight.delete(subscription.id);
		}
	}

	/** One wake-up; resolves whether more deliveries wait. */
	#post(subscription: Subscription): Promise<boolean> {
		const secret = this.#secrets.get(subscription.app) ?? '';
		const { body, signature } = wakeUpRequest(subscription.id, secret);
		const url = new URL(loopbackUrl(subscription));
		const transport = url.protocol === 'https:' ? https : http;
		return new Promise((resolve, reject) => {
			const request = transport.request(
				url,
				{
					method: 'POST',
					headers: {
						'content-type': 'application/json',
						'content-length': Buffer.byteLength(body),
						'user-agent': 'n8n-nodes-whatsapp-compliance',
						[WAKE_UP_HEADER]: signature,
					},
					timeout: WAKE_UP_TIMEOUT_MS,
					// Our own process on the loopback address: its certificate names the public host.
					...(url.protocol === 'https:' ? { rejectUnauthorized: false } : {}),
				},
				(response) => {
					const chunks: Buffer[] = [];
					response.on('data', (chunk: Buffer) => chunks.push(chunk));
					response.on('end', () => {
						if (response.statusCode !== 200) {
							reject(
								new Error(
									`${url.pathname} answered ${response.statusCode}${response.statusCode === 404 ? ' (the workflow is not published in this process yet, or this process does not serve webhooks)' : ''}`,
								),
							);
							return;
						}
						try {
							const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
								more?: unknown;
							};
							resolve(answer.more === true);
						} catch {
							resolve(false);
						}
					});
					response.on('error', reject);
				},
			);
			request.on('timeout', () => request.destroy(new Error('timed out')));
			request.on('error', reject);
			request.end(body);
		});
	}

	async #sweepOnce(): Promise<void> {
		const now = Date.now();
		try {
			const waiting = await this.#store.waitingDeliveries(now - SWEEP_GRACE_MS, now);
			this.wake(waiting.map((w) => w.subscription).filter((s) => s.mode === 'production'));
		} catch (error) {
			this.#warn(
				'sweep',
				`Looking for waiting WhatsApp events failed: ${(error as Error).message}`,
			);
		}
	}

	async #pollTests(): Promise<void> {
		if (this.#polling) return;
		this.#polling = true;
		const now = Date.now();
		try {
			for (const [id, expiresAt] of this.#tests) if (expiresAt <= now) this.stopListening(id);
			if (this.#tests.size === 0) return;
			const waiting = await this.#store.waitingDeliveries(now + 1, now);
			this.wake(waiting.map((w) => w.subscription).filter((s) => this.#tests.has(s.id)));
		} catch (error) {
			this.#warn('test', `Looking for WhatsApp test events failed: ${(error as Error).message}`);
		} finally {
			this.#polling = false;
		}
	}

	#warn(key: string, message: string): void {
		const now = Date.now();
		if (now - (this.#warned.get(key) ?? 0) < WARN_EVERY_MS) {
			this.#log.debug(message);
			return;
		}
		this.#warned.set(key, now);
		this.#log.warn(message);
	}
}

const deliverers = new WeakMap<DeliveryStore, Deliverer>();

/** The process's deliverer for a store (one per store and process). */
export function delivererFor(store: DeliveryStore, instance: string, log: DelivererLog): Deliverer {
	let deliverer = deliverers.get(store);
	if (!deliverer) {
		const created = new Deliverer(store, instance, log);
		deliverers.set(store, created);
		whileStoreOpen(store, () => {
			created.close();
			deliverers.delete(store);
		});
		deliverer = created;
	}
	return deliverer;
}
