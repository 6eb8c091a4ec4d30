/**
 * The ComplianceStore contract: one suite, run against every backend (sqlite.test.ts,
 * postgres.test.ts), so both keep exactly the same behaviour.
 */
import {
	CLOCK_SKEW_ALLOWANCE,
	ManualClock,
	DAY,
	HOUR,
	MINUTE,
	SECOND,
} from '../../../nodes/core/clock';
import {
	ALL_PURPOSES,
	type ConsentAction,
	type ConsentEventInput,
	type ConsentStatus,
	type CostEntry,
	type TemplateState,
} from '../../../nodes/core/model';
import { decideConsentBatch } from '../../../nodes/core/policy/consentChange';
import { CLAIM_LEASE_MS } from '../../../nodes/core/policy/idempotency';
import { CURRENT_SCHEMA_VERSION } from '../../../nodes/core/store/migrations';
import type {
	ComplianceStore,
	ReserveResult,
	SendReservation,
	WebhookEventEffects,
} from '../../../nodes/core/store/types';

export interface ContractTarget {
	store: ComplianceStore;
	/** Every row of every table of this store as text: erasure must leave no trace in it. */
	dumpTables(): Promise<string>;
	/**
	 * Runs one call per racer at the same moment, each racer a separate connection to this
	 * store (threads on one SQLite file, separate pools on PostgreSQL); resolves with each result.
	 */
	race<T>(method: RaceMethod, argsPerRacer: unknown[][]): Promise<T[]>;
	/** Like race, with a method of its own per racer. */
	raceCalls(calls: Array<{ method: RaceMethod; args: unknown[] }>): Promise<unknown[]>;
	dispose(): Promise<void>;
}

export type RaceMethod =
	| 'recordConsent'
	| 'applyWebhookEvents'
	| 'reserveSends'
	| 'eraseContact'
	| 'touchWindows'
	| 'claimDeliveries';

export type MakeTarget = (options: { clock: ManualClock }) => Promise<ContractTarget>;

/** How many racers and rounds the concurrency cases run. */
export const RACERS = 4;
const ROUNDS = 25;

const T0 = Date.UTC(2025, 5, 1, 12);
const SENDER = '106540352242922';
const OTHER_SENDER = '106540352249999';
const ALICE = '4915112345678';
const BOB = '4915187654321';
const CAROL = '14155550123';

let seq = 0;
function consent(
	contact: string,
	action: ConsentEventInput['action'],
	at: number,
	extra: Partial<ConsentEventInput> = {},
): ConsentEventInput {
	return { contact, purpose: 'marketing', action, at, source: 'web_form', ...extra };
}

function reservation(
	key: string,
	contact: string,
	at: number,
	extra: Partial<SendReservation> = {},
) {
	return {
		idempotencyKey: key,
		sender: SENDER,
		contact,
		kind: 'template:spring_sale',
		category: 'marketing',
		at,
		...extra,
	} satisfies SendReservation;
}

function cost(
	wamid: string,
	contact: string,
	at: number,
	extra: Partial<CostEntry> = {},
): CostEntry {
	return {
		wamid,
		sender: SENDER,
		contact,
		category: 'marketing',
		pricingType: 'regular',
		billable: true,
		at,
		estimatedPrice: 0.1,
		currency: 'EUR',
		...extra,
	};
}

function template(
	name: string,
	status: string,
	updatedAt: number,
	extra: Partial<TemplateState> = {},
) {
	return {
		account: 'waba-1',
		name,
		language: 'en_US',
		status,
		updatedAt,
		...extra,
	} satisfies TemplateState;
}

/** A small deterministic PRNG, so a failing race can be replayed from its seed. */
function prng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** Every order of `items`. */
function permutations<T>(items: readonly T[]): T[][] {
	if (items.length <= 1) return [[...items]];
	return items.flatMap((item, i) =>
		permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
	);
}

const TIE_RANK: Record<ConsentStatus, number> = { pending: 1, opted_in: 2, opted_out: 3 };
const STATUS_OF: Record<ConsentAction, ConsentStatus> = {
	opt_in: 'opted_in',
	request_confirmation: 'pending',
	confirm: 'opted_in',
	opt_out: 'opted_out',
};

export function describeComplianceStore(name: string, makeTarget: MakeTarget): void {
	describe(`compliance store contract: ${name}`, () => {
		let clock: ManualClock;
		let target: ContractTarget;
		let store: ComplianceStore;

		beforeEach(async () => {
			clock = new ManualClock(T0 + 10 * DAY);
			target = await makeTarget({ clock });
			store = target.store;
		});
		afterEach(async () => {
			await target.dispose();
		});

		async function statusOf(contact: string, purpose = 'marketing') {
			const records = (await store.getConsents([contact])).get(contact) ?? [];
			return records.find((r) => r.purpose === purpose);
		}

		/** The snapshot of an erased contact: nothing but the suppression; and its send under `key`. */
		async function erasedSnapshot(contact: string, key: string) {
			const snapshot = await store.getSnapshot({
				sender: SENDER,
				contacts: [contact],
				marketingSince: 0,
				idempotencyKeys: [key],
			});
			expect(snapshot.contacts.get(contact)).toEqual({
				contact,
				consents: [],
				suppressed: true,
				marketingSentAt: [],
				optOutConfirmationsSentAt: [],
			});
			return snapshot;
		}

		describe('migrations', () => {
			it('creates the schema at the current version and can run again', async () => {
				await store.migrate();
				await store.migrate();
				expect(await store.schemaVersion()).toBe(CURRENT_SCHEMA_VERSION);
			});
		});

		describe('consent', () => {
			it('records an opt-in with its proof and makes it the current status', async () => {
				const [event] = await store.recordConsent([
					consent(ALICE, 'opt_in', T0, {
						wording: 'Yes, send me offers from Acme on WhatsApp',
						evidence: { url: 'https://acme.example/form', ip: '203.0.113.7', note: 'form 12' },
						reason: 'newsletter signup',
						recordedBy: 'workflow 42',
						eventKey: 'form-12',
					}),
				]);
				expect(event).toEqual({
					id: expect.any(Number),
					contact: ALICE,
					purpose: 'marketing',
					action: 'opt_in',
					at: T0,
					source: 'web_form',
					wording: 'Yes, send me offers from Acme on WhatsApp',
					evidence: { url: 'https://acme.example/form', ip: '203.0.113.7', note: 'form 12' },
					reason: 'newsletter signup',
					recordedBy: 'workflow 42',
					eventKey: 'form-12',
					recordedAt: clock.now(),
					statusAfter: 'opted_in',
					applied: true,
				});
				expect(await statusOf(ALICE)).toEqual({
					contact: ALICE,
					purpose: 'marketing',
					status: 'opted_in',
					changedAt: T0,
					source: 'web_form',
					wording: 'Yes, send me offers from Acme on WhatsApp',
					optedInAt: T0,
				});
				expect(await store.getConsentHistory(ALICE)).toEqual([event]);
			});

			it('lets the event with the latest time decide and keeps the first opt-in time', async () => {
				await store.recordConsent([consent(ALICE, 'opt_in', T0)]);
				await store.recordConsent([consent(ALICE, 'opt_out', T0 + HOUR, { source: 'keyword' })]);
				expect(await statusOf(ALICE)).toMatchObject({
					status: 'opted_out',
					changedAt: T0 + HOUR,
					source: 'keyword',
					optedInAt: T0,
					optedOutAt: T0 + HOUR,
				});
				await store.recordConsent([consent(ALICE, 'opt_in', T0 + 2 * HOUR)]);
				expect(await statusOf(ALICE)).toMatchObject({
					status: 'opted_in',
					changedAt: T0 + 2 * HOUR,
					optedInAt: T0,
					optedOutAt: T0 + HOUR,
				});
			});

			it('breaks a tie towards the more restrictive status, in either order: opted out, opted in, pending', async () => {
				const ties: Array<[ConsentAction, ConsentAction, ConsentStatus]> = [
					['opt_in', 'opt_out', 'opted_out'],
					['request_confirmation', 'opt_in', 'opted_in'],
					['request_confirmation', 'opt_out', 'opted_out'],
				];
				let n = 0;
				for (const [a, b, winner] of ties) {
					for (const [first, second] of [
						[a, b],
						[b, a],
					]) {
						const contact = `4917100000${String(++n).padStart(3, '0')}`;
						const events = await store.recordConsent([
							consent(contact, first, T0),
							consent(contact, second, T0),
						]);
						expect(events.map((e) => [e.action, e.applied, e.statusAfter])).toEqual([
							[first, true, STATUS_OF[first]],
							[second, STATUS_OF[second] === winner, winner],
						]);
						expect((await statusOf(contact))?.status).toBe(winner);
					}
				}
			});

			it('does not apply a tie with the same status: source and wording stay', async () => {
				await store.recordConsent([
					consent(ALICE, 'opt_in', T0, { wording: 'Offers on WhatsApp, please' }),
				]);
				const [tie] = await store.recordConsent([
					consent(ALICE, 'opt_in', T0, { source: 'paper', wording: 'Paper form wording' }),
				]);
				expect(tie).toMatchObject({ applied: false, statusAfter: 'opted_in' });
				expect(await statusOf(ALICE)).toMatchObject({
					source: 'web_form',
					wording: 'Offers on WhatsApp, please',
				});
			});

			it('clears the wording when a newer event carries none', async () => {
				await store.recordConsent([
					consent(ALICE, 'opt_in', T0, { wording: 'Offers on WhatsApp, please' }),
					consent(ALICE, 'opt_out', T0 + HOUR, { source: 'keyword' }),
				]);
				const afterOptOut = await statusOf(ALICE);
				expect(afterOptOut).toMatchObject({ status: 'opted_out', source: 'keyword' });
				expect(afterOptOut).not.toHaveProperty('wording');
				await store.recordConsent([
					consent(BOB, 'opt_in', T0, { wording: 'Offers on WhatsApp, please' }),
					consent(BOB, 'opt_in', T0 + HOUR, { source: 'import' }),
				]);
				const reimported = await statusOf(BOB);
				expect(reimported).toMatchObject({ status: 'opted_in', source: 'import', optedInAt: T0 });
				expect(reimported).not.toHaveProperty('wording');
			});

			it('keeps the confirmation time after an opt-out and a new opt-in', async () => {
				await store.recordConsent([
					consent(ALICE, 'request_confirmation', T0),
					consent(ALICE, 'confirm', T0 + MINUTE, { source: 'whatsapp' }),
					consent(ALICE, 'opt_out', T0 + HOUR, { source: 'keyword' }),
				]);
				expect(await statusOf(ALICE)).toEqual({
					contact: ALICE,
					purpose: 'marketing',
					status: 'opted_out',
					changedAt: T0 + HOUR,
					source: 'keyword',
					optedInAt: T0,
					confirmedAt: T0 + MINUTE,
					optedOutAt: T0 + HOUR,
				});
				await store.recordConsent([consent(ALICE, 'opt_in', T0 + 2 * HOUR)]);
				expect(await statusOf(ALICE)).toMatchObject({
					status: 'opted_in',
					optedInAt: T0,
					confirmedAt: T0 + MINUTE,
					optedOutAt: T0 + HOUR,
				});
			});

			it('keeps an older event that arrives late without letting it change the status', async () => {
				await store.recordConsent([consent(ALICE, 'opt_out', T0 + HOUR)]);
				const [late] = await store.recordConsent([consent(ALICE, 'opt_in', T0)]);
				expect(late).toMatchObject({ action: 'opt_in', applied: false, statusAfter: 'opted_out' });
				expect(await statusOf(ALICE)).toMatchObject({ status: 'opted_out', changedAt: T0 + HOUR });
				expect(await store.getConsentHistory(ALICE)).toHaveLength(2);
			});

			it('holds consent collected off WhatsApp as pending until the contact confirms', async () => {
				const [requested] = await store.recordConsent([consent(ALICE, 'request_confirmation', T0)]);
				expect(requested).toMatchObject({ applied: true, statusAfter: 'pending' });
				expect(await statusOf(ALICE)).toMatchObject({ status: 'pending', optedInAt: T0 });
				const [confirmed] = await store.recordConsent([
					consent(ALICE, 'confirm', T0 + MINUTE, {
						source: 'whatsapp',
						evidence: { messageId: 'wamid.confirm-1' },
					}),
				]);
				expect(confirmed).toMatchObject({ applied: true, statusAfter: 'opted_in' });
				expect(await statusOf(ALICE)).toMatchObject({
					status: 'opted_in',
					changedAt: T0 + MINUTE,
					source: 'web_form',
					optedInAt: T0,
					confirmedAt: T0 + MINUTE,
				});
			});

			it('keeps the wording and source the contact consented to when the confirmation has its own', async () => {
				const wording = 'Yes, send me offers from Acme on WhatsApp. I can unsubscribe at any time.';
				await store.recordConsent([
					consent(ALICE, 'request_confirmation', T0, {
						wording,
						evidence: { url: 'https://acme.example/newsletter', ip: '203.0.113.7' },
					}),
				]);
				const [confirmed] = await store.recordConsent([
					consent(ALICE, 'confirm', T0 + MINUTE, {
						source: 'button',
						wording: 'Yes, subscribe',
						evidence: { messageId: 'wamid.tap-1', note: 'button payload "CONFIRM_OPT_IN"' },
					}),
				]);
				expect(confirmed).toMatchObject({ applied: true, statusAfter: 'opted_in' });
				expect(await statusOf(ALICE)).toEqual({
					contact: ALICE,
					purpose: 'marketing',
					status: 'opted_in',
					changedAt: T0 + MINUTE,
					source: 'web_form',
					wording,
					optedInAt: T0,
					confirmedAt: T0 + MINUTE,
				});
				const history = await store.getConsentHistory(ALICE);
				expect(history.map((e) => [e.action, e.source, e.wording, e.evidence])).toEqual([
					[
						'request_confirmation',
						'web_form',
						wording,
						{ url: 'https://acme.example/newsletter', ip: '203.0.113.7' },
					],
					[
						'confirm',
						'button',
						'Yes, subscribe',
						{ messageId: 'wamid.tap-1', note: 'button payload "CONFIRM_OPT_IN"' },
					],
				]);
			});

			it('applies a confirmation stamped shortly before its request (whole seconds, clock skew) at the request time', async () => {
				const requestedAt = T0 + 400;
				const wording = 'Offers from Acme on WhatsApp';
				await store.recordConsent([
					consent(ALICE, 'request_confirmation', requestedAt, { wording }),
					consent(BOB, 'request_confirmation', requestedAt, { wording }),
					consent(CAROL, 'request_confirmation', requestedAt, { wording }),
				]);
				// Meta stamps the tap in whole seconds: the same second looks 400 ms older.
				const [tap] = await store.recordConsent([
					consent(ALICE, 'confirm', T0, {
						source: 'button',
						wording: 'Yes, subscribe',
						evidence: { messageId: 'wamid.tap-alice' },
					}),
				]);
				// The history keeps the tap's own time; it took effect at the request's.
				expect(tap).toMatchObject({
					action: 'confirm',
					at: T0,
					effectiveAt: requestedAt,
					source: 'button',
					wording: 'Yes, subscribe',
					evidence: { messageId: 'wamid.tap-alice' },
					applied: true,
					statusAfter: 'opted_in',
				});
				expect(await statusOf(ALICE)).toEqual({
					contact: ALICE,
					purpose: 'marketing',
					status: 'opted_in',
					changedAt: requestedAt,
					source: 'web_form',
					wording,
					optedInAt: requestedAt,
					confirmedAt: requestedAt,
				});
				expect((await store.getConsentHistory(ALICE)).map((e) => e.action)).toEqual([
					'request_confirmation',
					'confirm',
				]);

				// The same through a webhook delivery.
				await store.applyWebhookEvents(
					[
						{
							key: 'message:wamid.tap-bob:confirm',
							effects: {
								consent: [
									consent(BOB, 'confirm', T0, {
										source: 'button',
										evidence: { messageId: 'wamid.tap-bob' },
										eventKey: 'message:wamid.tap-bob:marketing',
									}),
								],
							},
						},
					],
					clock.now(),
				);
				expect(await statusOf(BOB)).toMatchObject({
					status: 'opted_in',
					changedAt: requestedAt,
					source: 'web_form',
					wording,
					confirmedAt: requestedAt,
				});

				// The allowance is inclusive.
				const [edge] = await store.recordConsent([
					consent(CAROL, 'confirm', requestedAt - CLOCK_SKEW_ALLOWANCE),
				]);
				expect(edge).toMatchObject({
					applied: true,
					at: requestedAt - CLOCK_SKEW_ALLOWANCE,
					effectiveAt: requestedAt,
					statusAfter: 'opted_in',
				});
			});

			it('keeps a confirmation stamped more than the allowance before its request in the history only', async () => {
				expect(CLOCK_SKEW_ALLOWANCE).toBeLessThan(10 * MINUTE);
				await store.recordConsent([
					consent(ALICE, 'request_confirmation', T0),
					consent(BOB, 'request_confirmation', T0),
				]);
				const [early] = await store.recordConsent([
					consent(ALICE, 'confirm', T0 - 10 * MINUTE, { evidence: { messageId: 'wamid.old' } }),
				]);
				expect(early).toMatchObject({
					at: T0 - 10 * MINUTE,
					applied: false,
					statusAfter: 'pending',
					evidence: { messageId: 'wamid.old' },
				});
				expect(await statusOf(ALICE)).toMatchObject({ status: 'pending', changedAt: T0 });
				expect(await statusOf(ALICE)).not.toHaveProperty('confirmedAt');

				const [justOver] = await store.recordConsent([
					consent(BOB, 'confirm', T0 - CLOCK_SKEW_ALLOWANCE - 1),
				]);
				expect(justOver).toMatchObject({ applied: false, statusAfter: 'pending' });
				expect((await statusOf(BOB))?.status).toBe('pending');
			});

			it('does not let a confirmation undo an opt-out, nor reach back across one', async () => {
				await store.recordConsent([
					consent(ALICE, 'request_confirmation', T0),
					consent(ALICE, 'opt_out', T0 + MINUTE, { source: 'keyword' }),
				]);
				const [afterOptOut] = await store.recordConsent([
					consent(ALICE, 'confirm', T0 + 2 * MINUTE, { source: 'button' }),
				]);
				expect(afterOptOut).toMatchObject({ applied: false, statusAfter: 'opted_out' });
				expect(await statusOf(ALICE)).toMatchObject({
					status: 'opted_out',
					changedAt: T0 + MINUTE,
					source: 'keyword',
				});

				// Asked again right after the opt-out: an answer stamped before the opt-out is not for it.
				await store.recordConsent([
					consent(BOB, 'request_confirmation', T0),
					consent(BOB, 'opt_out', T0 + SECOND, { source: 'keyword' }),
					consent(BOB, 'request_confirmation', T0 + 2 * SECOND),
				]);
				const [beforeOptOut] = await store.recordConsent([consent(BOB, 'confirm', T0 + 500)]);
				expect(beforeOptOut).toMatchObject({ applied: false, statusAfter: 'pending' });
				const [onOptOut] = await store.recordConsent([consent(BOB, 'confirm', T0 + SECOND)]);
				expect(onOptOut).toMatchObject({ applied: false, statusAfter: 'pending' });
				const [afterIt] = await store.recordConsent([consent(BOB, 'confirm', T0 + 1500)]);
				expect(afterIt).toMatchObject({
					applied: true,
					at: T0 + 1500,
					effectiveAt: T0 + 2 * SECOND,
				});
				expect(await statusOf(BOB)).toMatchObject({
					status: 'opted_in',
					changedAt: T0 + 2 * SECOND,
					confirmedAt: T0 + 2 * SECOND,
					optedOutAt: T0 + SECOND,
				});
			});

			it('keeps a confirmation with nothing pending without applying it', async () => {
				const [unknown] = await store.recordConsent([consent(ALICE, 'confirm', T0)]);
				expect(unknown.applied).toBe(false);
				expect(unknown.statusAfter).toBeUndefined();
				expect(await statusOf(ALICE)).toBeUndefined();

				await store.recordConsent([consent(BOB, 'opt_out', T0)]);
				const [afterOptOut] = await store.recordConsent([consent(BOB, 'confirm', T0 + HOUR)]);
				expect(afterOptOut).toMatchObject({ applied: false, statusAfter: 'opted_out' });
				expect((await statusOf(BOB))?.status).toBe('opted_out');
				expect(await store.getConsentHistory(ALICE)).toHaveLength(1);
			});

			it('applies the events of one batch in order', async () => {
				const events = await store.recordConsent([
					consent(ALICE, 'request_confirmation', T0),
					consent(ALICE, 'confirm', T0 + MINUTE),
					consent(ALICE, 'opt_in', T0, { purpose: 'transactional' }),
				]);
				expect(events.map((e) => e.statusAfter)).toEqual(['pending', 'opted_in', 'opted_in']);
				expect((await statusOf(ALICE))?.status).toBe('opted_in');
				expect((await statusOf(ALICE, 'transactional'))?.status).toBe('opted_in');
			});

			it('skips an event whose eventKey was recorded before, also within one batch', async () => {
				const first = await store.recordConsent([
					consent(ALICE, 'opt_in', T0, { eventKey: 'import-1' }),
					consent(ALICE, 'opt_in', T0, { eventKey: 'import-1' }),
				]);
				expect(first).toHaveLength(1);
				const again = await store.recordConsent([
					consent(ALICE, 'opt_out', T0 + HOUR, { eventKey: 'import-1' }),
					consent(BOB, 'opt_in', T0, { eventKey: 'import-2' }),
				]);
				expect(again.map((e) => e.eventKey)).toEqual(['import-2']);
				expect((await statusOf(ALICE))?.status).toBe('opted_in');
				expect(await store.getConsentHistory(ALICE)).toHaveLength(1);
			});

			it('returns the history of one contact oldest first, across purposes', async () => {
				await store.recordConsent([
					consent(ALICE, 'opt_out', T0 + 2 * HOUR),
					consent(ALICE, 'opt_in', T0, { purpose: 'transactional' }),
					consent(ALICE, 'opt_in', T0 + HOUR),
					consent(BOB, 'opt_in', T0),
				]);
				const history = await store.getConsentHistory(ALICE);
				expect(history.map((e) => [e.at, e.purpose, e.action])).toEqual([
					[T0, 'transactional', 'opt_in'],
					[T0 + HOUR, 'marketing', 'opt_in'],
					[T0 + 2 * HOUR, 'marketing', 'opt_out'],
				]);
			});

			it('reads the histories of many contacts at once, an entry for every requested contact', async () => {
				await store.recordConsent([
					consent(BOB, 'opt_in', T0 + HOUR),
					consent(ALICE, 'opt_out', T0 + HOUR),
					consent(ALICE, 'opt_in', T0),
				]);
				const histories = await store.getConsentHistories([ALICE, CAROL, BOB, ALICE]);
				expect([...histories.keys()]).toEqual([ALICE, CAROL, BOB]);
				expect(histories.get(ALICE)!.map((e) => [e.action, e.at])).toEqual([
					['opt_in', T0],
					['opt_out', T0 + HOUR],
				]);
				expect(histories.get(BOB)).toEqual(await store.getConsentHistory(BOB));
				expect(histories.get(CAROL)).toEqual([]);
				expect(await store.getConsentHistories([])).toEqual(new Map());
			});

			it('answers getConsents with an entry for every requested contact', async () => {
				await store.recordConsent([
					consent(ALICE, 'opt_in', T0),
					consent(ALICE, 'opt_in', T0, { purpose: 'transactional' }),
				]);
				const consents = await store.getConsents([ALICE, BOB]);
				expect([...consents.keys()].sort()).toEqual([ALICE, BOB].sort());
				expect(consents.get(ALICE)!.map((r) => r.purpose)).toEqual(['marketing', 'transactional']);
				expect(consents.get(BOB)).toEqual([]);
			});

			it('keeps a STOP on all purposes ("*") as a purpose of its own, listed first', async () => {
				await store.recordConsent([
					consent(ALICE, 'opt_in', T0),
					consent(ALICE, 'opt_out', T0 + HOUR, { purpose: ALL_PURPOSES, source: 'keyword' }),
				]);
				const records = (await store.getConsents([ALICE])).get(ALICE)!;
				expect(records.map((r) => [r.purpose, r.status])).toEqual([
					[ALL_PURPOSES, 'opted_out'],
					['marketing', 'opted_in'],
				]);
			});

			it('pages through all consents by (contact, purpose) and counts contacts', async () => {
				const contacts = ['4917000000003', '4917000000001', '4917000000002', '4917000000004'];
				await store.recordConsent(
					contacts.flatMap((c) => [
						consent(c, 'opt_in', T0),
						consent(c, 'opt_in', T0, { purpose: 'back_in_stock' }),
					]),
				);
				const seen: string[] = [];
				let after: { contact: string; purpose: string } | undefined;
				for (;;) {
					const page = await store.listConsents({ after, limit: 3 });
					if (page.length === 0) break;
					expect(page.length).toBeLessThanOrEqual(3);
					seen.push(...page.map((r) => `${r.contact}/${r.purpose}`));
					after = { contact: page.at(-1)!.contact, purpose: page.at(-1)!.purpose };
				}
				const expected = [...contacts]
					.sort()
					.flatMap((c) => [`${c}/back_in_stock`, `${c}/marketing`]);
				expect(seen).toEqual(expected);
				expect(await store.countContacts()).toBe(4);
				expect(await store.listConsents({})).toHaveLength(8);
			});

			describe('opt-out wins within the clock allowance', () => {
				/** What the trigger records for a STOP keyword (webhook/effects/rules.ts). */
				function stopWebhook(contact: string, at: number, wamid: string): WebhookEventEffects {
					const stop = (purpose: string) =>
						consent(contact, 'opt_out', at, {
							purpose,
							source: 'keyword',
							wording: 'STOP',
							evidence: { messageId: wamid },
							eventKey: `msg:${SENDER}:${wamid}:${purpose}`,
						});
					return {
						key: `msg:${SENDER}:${wamid}`,
						effects: {
							windows: [{ sender: SENDER, contact, at }],
							consent: [stop(ALL_PURPOSES), stop('marketing')],
						},
					};
				}

				it('lets a STOP in the same second as an earlier opt-in win, at the opt-in time', async () => {
					// The opt-in stamped by the host at .077, the STOP by Meta in whole seconds.
					await store.recordConsent([
						consent(ALICE, 'opt_in', T0 + 77),
						consent(ALICE, 'opt_in', T0 + 77, { purpose: 'transactional' }),
					]);
					await store.applyWebhookEvents([stopWebhook(ALICE, T0, 'wamid.stop-1')], clock.now());
					const records = (await store.getConsents([ALICE])).get(ALICE)!;
					expect(records.map((r) => [r.purpose, r.status, r.changedAt])).toEqual([
						[ALL_PURPOSES, 'opted_out', T0 + 77],
						['marketing', 'opted_out', T0 + 77],
						['transactional', 'opted_in', T0 + 77],
					]);
					const history = await store.getConsentHistory(ALICE);
					// Ordered by when each took effect; the STOP keeps Meta's time as its own.
					expect(history.map((e) => [e.purpose, e.action, e.at, e.effectiveAt])).toEqual([
						['marketing', 'opt_in', T0 + 77, undefined],
						['transactional', 'opt_in', T0 + 77, undefined],
						[ALL_PURPOSES, 'opt_out', T0, T0 + 77],
						['marketing', 'opt_out', T0, T0 + 77],
					]);
				});

				it('wins over a change stamped up to the allowance later, not beyond it', async () => {
					await store.recordConsent([
						consent(ALICE, 'opt_in', T0 + CLOCK_SKEW_ALLOWANCE),
						consent(BOB, 'opt_in', T0 + CLOCK_SKEW_ALLOWANCE + 1),
					]);
					const stored = await store.recordConsent([
						consent(ALICE, 'opt_out', T0, { source: 'button' }),
						consent(BOB, 'opt_out', T0, { source: 'button' }),
					]);
					expect(stored.map((e) => [e.applied, e.statusAfter, e.effectiveAt])).toEqual([
						[true, 'opted_out', T0 + CLOCK_SKEW_ALLOWANCE],
						[false, 'opted_in', undefined],
					]);
					expect(await statusOf(ALICE)).toMatchObject({
						status: 'opted_out',
						optedOutAt: T0 + CLOCK_SKEW_ALLOWANCE,
					});
					expect((await statusOf(BOB))?.status).toBe('opted_in');
				});

				it('gives way to a change recorded after it with a newer time (START a minute later)', async () => {
					await store.recordConsent([consent(ALICE, 'opt_in', T0 + 77)]);
					await store.applyWebhookEvents([stopWebhook(ALICE, T0, 'wamid.stop-2')], clock.now());
					const [tie] = await store.recordConsent([consent(ALICE, 'opt_in', T0 + 77)]);
					expect(tie).toMatchObject({ applied: false, statusAfter: 'opted_out' });
					const [start] = await store.recordConsent([
						consent(ALICE, 'opt_in', T0 + MINUTE, { purpose: ALL_PURPOSES, source: 'keyword' }),
					]);
					expect(start).toMatchObject({ applied: true, statusAfter: 'opted_in' });
					expect((await statusOf(ALICE, ALL_PURPOSES))?.status).toBe('opted_in');
					expect((await statusOf(ALICE))?.status).toBe('opted_out');
				});
			});

			it('rejects an event without a valid time and names the field', async () => {
				await expect(store.recordConsent([consent(ALICE, 'opt_in', Number.NaN)])).rejects.toThrow(
					/events\[0\]\.at must be a time in milliseconds/,
				);
			});
		});

		describe('window', () => {
			async function windowOf(contact: string, sender = SENDER) {
				const snapshot = await store.getSnapshot({
					sender,
					contacts: [contact],
					marketingSince: 0,
				});
				return snapshot.contacts.get(contact)!.window;
			}

			it('opens on an inbound message and never moves back in time', async () => {
				await store.touchWindows([{ sender: SENDER, contact: ALICE, at: T0 + HOUR }]);
				await store.touchWindows([{ sender: SENDER, contact: ALICE, at: T0 }]);
				expect(await windowOf(ALICE)).toEqual({
					sender: SENDER,
					contact: ALICE,
					lastInboundAt: T0 + HOUR,
				});
				await store.touchWindows([{ sender: SENDER, contact: ALICE, at: T0 + 2 * HOUR }]);
				expect((await windowOf(ALICE))?.lastInboundAt).toBe(T0 + 2 * HOUR);
			});

			it('is kept per sender number', async () => {
				await store.touchWindows([{ sender: SENDER, contact: ALICE, at: T0 }]);
				expect(await windowOf(ALICE, OTHER_SENDER)).toBeUndefined();
			});

			it('closes when Meta says so and reopens only when the contact writes again later', async () => {
				await store.touchWindows([{ sender: SENDER, contact: ALICE, at: T0 }]);
				await store.closeWindows([{ sender: SENDER, contact: ALICE, at: T0 + HOUR }]);
				expect((await windowOf(ALICE))?.closedAt).toBe(T0 + HOUR);
				// A message written before the close, delivered late, does not reopen it.
				await store.touchWindows([{ sender: SENDER, contact: ALICE, at: T0 + MINUTE }]);
				expect((await windowOf(ALICE))?.closedAt).toBe(T0 + HOUR);
				await store.touchWindows([{ sender: SENDER, contact: ALICE, at: T0 + 2 * HOUR }]);
				expect(await windowOf(ALICE)).toEqual({
					sender: SENDER,
					contact: ALICE,
					lastInboundAt: T0 + 2 * HOUR,
				});
			});

			it('ignores a close older than the last inbound message and a close with no window', async () => {
				await store.touchWindows([{ sender: SENDER, contact: ALICE, at: T0 + HOUR }]);
				await store.closeWindows([
					{ sender: SENDER, contact: ALICE, at: T0 },
					{ sender: SENDER, contact: BOB, at: T0 },
				]);
				expect((await windowOf(ALICE))?.closedAt).toBeUndefined();
				expect(await windowOf(BOB)).toBeUndefined();
			});

			it('keeps the referral time until a newer referral replaces it', async () => {
				await store.touchWindows([{ sender: SENDER, contact: ALICE, at: T0, referral: true }]);
				await store.touchWindows([{ sender: SENDER, contact: ALICE, at: T0 + HOUR }]);
				expect(await windowOf(ALICE)).toMatchObject({ lastInboundAt: T0 + HOUR, referralAt: T0 });
				await store.touchWindows([
					{ sender: SENDER, contact: ALICE, at: T0 + DAY, referral: true },
				]);
				expect((await windowOf(ALICE))?.referralAt).toBe(T0 + DAY);
			});
		});

		describe('free entry point', () => {
			async function fepOf(contact: string) {
				const snapshot = await store.getSnapshot({
					sender: SENDER,
					contacts: [contact],
					marketingSince: 0,
				});
				return snapshot.contacts.get(contact)!.window?.fepStartedAt;
			}

			it('starts with the first reply to a referral and keeps that start', async () => {
				await store.touchWindows([{ sender: SENDER, contact: ALICE, at: T0, referral: true }]);
				await store.startFreeEntryPoints([{ sender: SENDER, contact: ALICE, at: T0 + MINUTE }]);
				await store.startFreeEntryPoints([{ sender: SENDER, contact: ALICE, at: T0 + HOUR }]);
				expect(await fepOf(ALICE)).toBe(T0 + MINUTE);
			});

			it('starts anew after a newer referral', async () => {
				await store.touchWindows([{ sender: SENDER, contact: ALICE, at: T0, referral: true }]);
				await store.startFreeEntryPoints([{ sender: SENDER, contact: ALICE, at: T0 + MINUTE }]);
				await store.touchWindows([
					{ sender: SENDER, contact: ALICE, at: T0 + 5 * DAY, referral: true },
				]);
				await store.startFreeEntryPoints([
					{ sender: SENDER, contact: ALICE, at: T0 + 5 * DAY + MINUTE },
				]);
				expect(await fepOf(ALICE)).toBe(T0 + 5 * DAY + MINUTE);
			});

			it('keeps a window still open through a newer referral (policy/fep.ts: 72 hours first)', async () => {
				await store.touchWindows([{ sender: SENDER, contact: ALICE, at: T0, referral: true }]);
				await store.startFreeEntryPoints([{ sender: SENDER, contact: ALICE, at: T0 + MINUTE }]);
				await store.touchWindows([
					{ sender: SENDER, contact: ALICE, at: T0 + 10 * HOUR, referral: true },
				]);
				await store.startFreeEntryPoints([
					{ sender: SENDER, contact: ALICE, at: T0 + 10 * HOUR + MINUTE },
				]);
				expect(await fepOf(ALICE)).toBe(T0 + MINUTE);
			});

			it('needs a reply to a referral, within 24 hours of it', async () => {
				await store.touchWindows([
					{ sender: SENDER, contact: ALICE, at: T0 },
					{ sender: SENDER, contact: BOB, at: T0, referral: true },
				]);
				await store.startFreeEntryPoints([
					{ sender: SENDER, contact: ALICE, at: T0 + MINUTE },
					{ sender: SENDER, contact: BOB, at: T0 + DAY },
				]);
				expect(await fepOf(ALICE)).toBeUndefined();
				expect(await fepOf(BOB)).toBeUndefined();
			});

			it('starts with the first of several replies in one batch', async () => {
				await store.touchWindows([{ sender: SENDER, contact: ALICE, at: T0, referral: true }]);
				await store.startFreeEntryPoints([
					{ sender: SENDER, contact: ALICE, at: T0 + HOUR },
					{ sender: SENDER, contact: ALICE, at: T0 + MINUTE },
				]);
				expect(await fepOf(ALICE)).toBe(T0 + MINUTE);
			});

			it('needs a window to start in', async () => {
				await store.startFreeEntryPoints([{ sender: SENDER, contact: BOB, at: T0 }]);
				expect(
					(
						await store.getSnapshot({ sender: SENDER, contacts: [BOB], marketingSince: 0 })
					).contacts.get(BOB)!.window,
				).toBeUndefined();
			});
		});

		describe('idempotency', () => {
			it('claims a key once and returns the stored message to a second claim', async () => {
				const first = await store.reserveSends([reservation('order-1', ALICE, T0)]);
				expect(first).toEqual({ reserved: ['order-1'], existing: new Map() });
				const second = await store.reserveSends([
					reservation('order-1', ALICE, T0 + 10 * SECOND),
					reservation('order-2', BOB, T0 + 10 * SECOND),
				]);
				expect(second.reserved).toEqual(['order-2']);
				expect(second.existing.get('order-1')).toEqual({
					idempotencyKey: 'order-1',
					sender: SENDER,
					contact: ALICE,
					state: 'pending',
					kind: 'template:spring_sale',
					category: 'marketing',
					createdAt: T0,
				});
			});

			it('returns the first wamid once the send completed', async () => {
				await store.reserveSends([reservation('order-1', ALICE, T0)]);
				await store.completeSends([
					{
						idempotencyKey: 'order-1',
						state: 'accepted',
						wamid: 'wamid.HBgLMQ-order-1',
						at: T0 + 1000,
						estimatedPrice: 0.1091,
						currency: 'EUR',
					},
				]);
				const again = await store.reserveSends([reservation('order-1', ALICE, T0 + HOUR)]);
				expect(again.reserved).toEqual([]);
				expect(again.existing.get('order-1')).toMatchObject({
					state: 'accepted',
					wamid: 'wamid.HBgLMQ-order-1',
					sentAt: T0 + 1000,
					estimatedPrice: 0.1091,
					currency: 'EUR',
					createdAt: T0,
				});
			});

			it('claims a key given twice in one batch once', async () => {
				const result = await store.reserveSends([
					reservation('order-1', ALICE, T0),
					reservation('order-1', ALICE, T0),
				]);
				expect(result.reserved).toEqual(['order-1']);
				expect(result.existing.size).toBe(0);
			});

			it('records a failed send with its error code', async () => {
				await store.reserveSends([reservation('order-1', ALICE, T0)]);
				await store.completeSends([
					{ idempotencyKey: 'order-1', state: 'failed', errorCode: 131026, at: T0 + 1000 },
				]);
				const { sends } = await store.getSnapshot({
					sender: SENDER,
					contacts: [],
					marketingSince: 0,
					idempotencyKeys: ['order-1'],
				});
				expect(sends.get('order-1')).toMatchObject({ state: 'failed', errorCode: 131026 });
			});

			it('claims a failed key again for the new reservation, clearing the failed attempt', async () => {
				await store.reserveSends([reservation('order-1', ALICE, T0)]);
				await store.completeSends([
					{
						idempotencyKey: 'order-1',
						state: 'accepted',
						wamid: 'wamid.first-attempt',
						at: T0 + 1000,
						estimatedPrice: 0.1091,
						currency: 'EUR',
					},
				]);
				// A status webhook said the first attempt failed after all.
				await store.applyWebhookEvents(
					[
						{
							key: 'status:wamid.first-attempt:failed',
							effects: {
								sendFailures: [{ wamid: 'wamid.first-attempt', errorCode: 131026, at: T0 + HOUR }],
							},
						},
					],
					T0 + HOUR,
				);
				const again = await store.reserveSends([
					reservation('order-1', BOB, T0 + 2 * HOUR, {
						sender: OTHER_SENDER,
						kind: 'text',
						category: 'service',
					}),
				]);
				expect(again).toEqual({ reserved: ['order-1'], existing: new Map() });
				const { sends } = await store.getSnapshot({
					sender: OTHER_SENDER,
					contacts: [],
					marketingSince: 0,
					idempotencyKeys: ['order-1'],
				});
				expect(sends.get('order-1')).toEqual({
					idempotencyKey: 'order-1',
					sender: OTHER_SENDER,
					contact: BOB,
					state: 'pending',
					kind: 'text',
					category: 'service',
					createdAt: T0 + 2 * HOUR,
				});
				// A late status of the failed attempt no longer matches the new send.
				await store.applyWebhookEvents(
					[
						{
							key: 'status:wamid.first-attempt:failed-again',
							effects: {
								sendFailures: [
									{ wamid: 'wamid.first-attempt', errorCode: 131026, at: T0 + 3 * HOUR },
								],
							},
						},
					],
					T0 + 3 * HOUR,
				);
				const third = await store.reserveSends([
					reservation('order-1', BOB, T0 + 2 * HOUR + 10 * SECOND),
				]);
				expect(third.reserved).toEqual([]);
				expect(third.existing.get('order-1')?.state).toBe('pending');
			});

			it('claims failed keys again but not pending or accepted ones, in one batch', async () => {
				await store.reserveSends([
					reservation('failed-1', ALICE, T0),
					reservation('pending-1', ALICE, T0, { callbackId: 'ccc0000000000001' }),
					reservation('accepted-1', BOB, T0),
				]);
				await store.completeSends([
					{ idempotencyKey: 'failed-1', state: 'failed', errorCode: 131000, at: T0 + 1000 },
					{ idempotencyKey: 'accepted-1', state: 'accepted', wamid: 'wamid.accepted-1', at: T0 },
				]);
				// pending-1's request left: its claim is never taken over.
				await store.markSendsLeft([
					{ idempotencyKey: 'pending-1', callbackId: 'ccc0000000000001', at: T0 + 1 },
				]);
				const again = await store.reserveSends([
					reservation('pending-1', ALICE, T0 + HOUR),
					reservation('failed-1', ALICE, T0 + HOUR),
					reservation('new-1', CAROL, T0 + HOUR),
					reservation('accepted-1', BOB, T0 + HOUR),
				]);
				expect(again.reserved).toEqual(['failed-1', 'new-1']);
				expect([...again.existing.keys()].sort()).toEqual(['accepted-1', 'pending-1']);
				expect(again.existing.get('pending-1')).toMatchObject({
					state: 'pending',
					createdAt: T0,
					leftAt: T0 + 1,
				});
				expect(again.existing.get('accepted-1')).toMatchObject({
					state: 'accepted',
					wamid: 'wamid.accepted-1',
					createdAt: T0,
				});
			});

			it('takes over a claim whose request never left once it is older than the lease', async () => {
				await store.reserveSends([
					reservation('never-left', ALICE, T0, { callbackId: 'eee0000000000001' }),
					reservation('left', BOB, T0, { callbackId: 'eee0000000000002' }),
				]);
				await store.markSendsLeft([
					{ idempotencyKey: 'left', callbackId: 'eee0000000000002', at: T0 + 5 },
					// A mark of another claim of the key changes nothing.
					{ idempotencyKey: 'never-left', callbackId: 'fff0000000000009', at: T0 + 5 },
				]);
				const young = await store.reserveSends([
					reservation('never-left', ALICE, T0 + CLAIM_LEASE_MS),
				]);
				expect(young.reserved).toEqual([]);
				const later = await store.reserveSends([
					reservation('never-left', ALICE, T0 + CLAIM_LEASE_MS + 1, {
						callbackId: 'eee0000000000003',
					}),
					reservation('left', BOB, T0 + HOUR),
				]);
				expect(later.reserved).toEqual(['never-left']);
				expect(later.existing.get('left')).toMatchObject({ state: 'pending', leftAt: T0 + 5 });
				// The first claimer's release no longer frees the key: it names its own claim.
				await store.releaseSends([
					{ idempotencyKey: 'never-left', callbackId: 'eee0000000000001' },
				]);
				const sends = await store.getSends(['never-left']);
				expect(sends.get('never-left')).toMatchObject({
					callbackId: 'eee0000000000003',
					createdAt: T0 + CLAIM_LEASE_MS + 1,
				});
			});

			it('releases only keys whose send is still pending', async () => {
				await store.reserveSends([
					reservation('pending-1', ALICE, T0),
					reservation('sent-1', BOB, T0),
				]);
				await store.completeSends([
					{ idempotencyKey: 'sent-1', state: 'accepted', wamid: 'wamid.sent-1', at: T0 },
				]);
				await store.releaseSends([{ idempotencyKey: 'pending-1' }, { idempotencyKey: 'sent-1' }]);
				const again = await store.reserveSends([
					reservation('pending-1', ALICE, T0 + HOUR),
					reservation('sent-1', BOB, T0 + HOUR),
				]);
				expect(again.reserved).toEqual(['pending-1']);
				expect(again.existing.get('sent-1')?.wamid).toBe('wamid.sent-1');
			});
		});

		describe('snapshot', () => {
			it('answers for every requested contact, known or not, with everything the rules need', async () => {
				await store.recordConsent([
					consent(ALICE, 'opt_in', T0),
					consent(ALICE, 'opt_in', T0, { purpose: 'transactional' }),
				]);
				await store.touchWindows([
					{ sender: SENDER, contact: ALICE, at: T0 + HOUR },
					{ sender: OTHER_SENDER, contact: BOB, at: T0 + HOUR },
				]);
				await store.reserveSends([
					reservation('m-old', ALICE, T0 - 8 * DAY),
					reservation('m-2', ALICE, T0 + 2 * HOUR),
					reservation('m-1', ALICE, T0 + HOUR),
					reservation('m-failed', ALICE, T0 + 3 * HOUR),
					reservation('u-1', ALICE, T0 + HOUR, { category: 'utility', kind: 'template:order' }),
					reservation('m-bob', BOB, T0 + HOUR),
				]);
				await store.completeSends([
					{ idempotencyKey: 'm-1', state: 'accepted', wamid: 'wamid.m-1', at: T0 + HOUR },
					{ idempotencyKey: 'm-failed', state: 'failed', errorCode: 131049, at: T0 + 3 * HOUR },
				]);
				await store.upsertTemplateStates([
					template('spring_sale', 'APPROVED', T0, { category: 'marketing' }),
					template('order_update', 'PAUSED', T0),
				]);
				await store.eraseContact(CAROL, T0);

				const snapshot = await store.getSnapshot({
					sender: SENDER,
					contacts: [ALICE, BOB, CAROL, '4930123456', ALICE],
					marketingSince: T0 - 7 * DAY,
					idempotencyKeys: ['m-1', 'unknown-key'],
					templates: [
						{ account: 'waba-1', name: 'spring_sale', language: 'en_US' },
						{ account: 'waba-1', name: 'spring_sale', language: 'de' },
					],
				});
				expect([...snapshot.contacts.keys()].sort()).toEqual(
					[ALICE, BOB, CAROL, '4930123456'].sort(),
				);
				const alice = snapshot.contacts.get(ALICE)!;
				expect(alice.consents.map((c) => [c.purpose, c.status])).toEqual([
					['marketing', 'opted_in'],
					['transactional', 'opted_in'],
				]);
				expect(alice.window).toEqual({ sender: SENDER, contact: ALICE, lastInboundAt: T0 + HOUR });
				expect(alice.suppressed).toBe(false);
				expect(alice.marketingSentAt).toEqual([T0 + HOUR, T0 + 2 * HOUR]);
				expect(snapshot.contacts.get(BOB)).toEqual({
					contact: BOB,
					consents: [],
					suppressed: false,
					marketingSentAt: [T0 + HOUR],
					optOutConfirmationsSentAt: [],
				});
				expect(snapshot.contacts.get(CAROL)).toEqual({
					contact: CAROL,
					consents: [],
					suppressed: true,
					marketingSentAt: [],
					optOutConfirmationsSentAt: [],
				});
				expect([...snapshot.sends.keys()]).toEqual(['m-1']);
				expect(snapshot.sends.get('m-1')).toMatchObject({ state: 'accepted', wamid: 'wamid.m-1' });
				expect(snapshot.templates).toEqual([
					{
						account: 'waba-1',
						name: 'spring_sale',
						language: 'en_US',
						status: 'APPROVED',
						category: 'marketing',
						updatedAt: T0,
					},
				]);
			});

			it('returns the times of opt-out confirmations sent to each contact (failed ones not)', async () => {
				const confirmation = { kind: 'opt_out_confirmation:text', category: 'service' as const };
				await store.reserveSends([
					reservation('stop-1', ALICE, T0, confirmation),
					reservation('stop-2', ALICE, T0 + DAY, confirmation),
					reservation('stop-3', ALICE, T0 + 2 * DAY, confirmation),
					reservation('reply-1', ALICE, T0, { kind: 'text', category: 'service' }),
					// "_" is not a wildcard here: only the exact prefix counts.
					reservation('reply-2', ALICE, T0, {
						kind: 'optXoutXconfirmation:text',
						category: 'service',
					}),
					reservation('stop-4', BOB, T0 + HOUR, {
						...confirmation,
						kind: 'opt_out_confirmation:interactive:button',
					}),
				]);
				await store.completeSends([
					{ idempotencyKey: 'stop-1', state: 'accepted', wamid: 'wamid.s1', at: T0 },
					{ idempotencyKey: 'stop-3', state: 'failed', errorCode: 131047, at: T0 + 2 * DAY },
				]);
				const snapshot = await store.getSnapshot({
					sender: SENDER,
					contacts: [ALICE, BOB, CAROL],
					marketingSince: T0 + 3 * DAY,
				});
				expect(snapshot.contacts.get(ALICE)!.optOutConfirmationsSentAt).toEqual([T0, T0 + DAY]);
				expect(snapshot.contacts.get(BOB)!.optOutConfirmationsSentAt).toEqual([T0 + HOUR]);
				expect(snapshot.contacts.get(CAROL)!.optOutConfirmationsSentAt).toEqual([]);
			});

			it('answers an empty request', async () => {
				const snapshot = await store.getSnapshot({
					sender: SENDER,
					contacts: [],
					marketingSince: 0,
				});
				expect(snapshot).toEqual({ contacts: new Map(), sends: new Map(), templates: [] });
			});
		});

		describe('webhook events', () => {
			it('applies the effects of a new event once and returns its key once', async () => {
				await store.reserveSends([reservation('m-1', ALICE, T0)]);
				await store.completeSends([
					{ idempotencyKey: 'm-1', state: 'accepted', wamid: 'wamid.m-1', at: T0 },
				]);
				const events: WebhookEventEffects[] = [
					{
						key: 'msg:wamid.in-1',
						effects: {
							windows: [{ sender: SENDER, contact: ALICE, at: T0 + HOUR, referral: true }],
							consent: [
								consent(ALICE, 'opt_out', T0 + HOUR, { source: 'keyword', wording: 'STOP' }),
							],
						},
					},
					{
						key: 'status:wamid.m-1:failed',
						effects: { sendFailures: [{ wamid: 'wamid.m-1', errorCode: 131050, at: T0 + HOUR }] },
					},
					{
						key: 'status:wamid.m-2:delivered',
						effects: { costs: [cost('wamid.m-2', BOB, T0 + HOUR)] },
					},
					{
						key: 'template:spring_sale:PAUSED',
						effects: { templates: [template('spring_sale', 'PAUSED', T0 + HOUR)] },
					},
				];
				const first = await store.applyWebhookEvents(events, T0 + HOUR);
				expect(first).toEqual(events.map((e) => e.key));
				expect(await store.applyWebhookEvents(events, T0 + 2 * HOUR)).toEqual([]);

				const snapshot = await store.getSnapshot({
					sender: SENDER,
					contacts: [ALICE],
					marketingSince: 0,
					idempotencyKeys: ['m-1'],
					templates: [{ account: 'waba-1', name: 'spring_sale', language: 'en_US' }],
				});
				const alice = snapshot.contacts.get(ALICE)!;
				expect(alice.window).toMatchObject({ lastInboundAt: T0 + HOUR, referralAt: T0 + HOUR });
				expect(alice.consents[0]).toMatchObject({ status: 'opted_out', source: 'keyword' });
				expect(alice.marketingSentAt).toEqual([]);
				expect(snapshot.sends.get('m-1')).toMatchObject({ state: 'failed', errorCode: 131050 });
				expect(snapshot.templates[0].status).toBe('PAUSED');
				expect(await store.getConsentHistory(ALICE)).toHaveLength(1);
				const costs = await store.costSummary({ from: 0, to: T0 + DAY });
				expect(costs).toEqual([
					{
						category: 'marketing',
						pricingType: 'regular',
						messages: 1,
						billable: 1,
						estimatedTotal: 0.1,
						currency: 'EUR',
					},
				]);
			});

			it('applies only the new events of a delivery that repeats some', async () => {
				await store.applyWebhookEvents(
					[{ key: 'a', effects: { windows: [{ sender: SENDER, contact: ALICE, at: T0 }] } }],
					T0,
				);
				const keys = await store.applyWebhookEvents(
					[
						{ key: 'a', effects: { consent: [consent(ALICE, 'opt_in', T0)] } },
						{ key: 'b', effects: { consent: [consent(BOB, 'opt_in', T0)] } },
						{ key: 'b', effects: { consent: [consent(BOB, 'opt_out', T0)] } },
					],
					T0,
				);
				expect(keys).toEqual(['b']);
				expect(await statusOf(ALICE)).toBeUndefined();
				expect((await statusOf(BOB))?.status).toBe('opted_in');
			});

			it('records a delivery cost once per message and category, whichever status carries it', async () => {
				await store.applyWebhookEvents(
					[
						{ key: 'status:w1:sent', effects: { costs: [cost('w1', ALICE, T0)] } },
						{ key: 'status:w1:delivered', effects: { costs: [cost('w1', ALICE, T0 + 1000)] } },
						{
							key: 'status:w2:delivered',
							effects: {
								costs: [
									cost('w2', ALICE, T0, {
										category: 'utility',
										pricingType: 'free_customer_service',
										billable: false,
										estimatedPrice: 0,
									}),
								],
							},
						},
						{
							key: 'status:w3:delivered',
							effects: { costs: [cost('w3', BOB, T0, { estimatedPrice: 0.2 })] },
						},
						{ key: 'status:w4:delivered', effects: { costs: [cost('w4', BOB, T0 + 2 * DAY)] } },
					],
					T0,
				);
				const rows = await store.costSummary({ from: T0, to: T0 + DAY });
				expect(
					rows.map((r) => ({ ...r, estimatedTotal: Math.round(r.estimatedTotal * 1000) })),
				).toEqual([
					{
						category: 'marketing',
						pricingType: 'regular',
						messages: 2,
						billable: 2,
						estimatedTotal: 300,
						currency: 'EUR',
					},
					{
						category: 'utility',
						pricingType: 'free_customer_service',
						messages: 1,
						billable: 0,
						estimatedTotal: 0,
						currency: 'EUR',
					},
				]);
			});

			it('forgets keys seen before the cut-off, so they count as new again', async () => {
				await store.applyWebhookEvents([{ key: 'old', effects: {} }], T0);
				await store.applyWebhookEvents([{ key: 'recent', effects: {} }], T0 + 6 * DAY);
				expect(await store.pruneSeenEvents(T0 + DAY)).toBe(1);
				expect(
					await store.applyWebhookEvents(
						[
							{ key: 'old', effects: {} },
							{ key: 'recent', effects: {} },
						],
						T0 + 8 * DAY,
					),
				).toEqual(['old']);
			});
		});

		describe('template status', () => {
			it('keeps the newest state and the category and quality Meta last sent', async () => {
				await store.upsertTemplateStates([
					template('spring_sale', 'APPROVED', T0 + HOUR, {
						category: 'marketing',
						quality: 'GREEN',
					}),
				]);
				await store.upsertTemplateStates([template('spring_sale', 'PENDING', T0)]);
				await store.upsertTemplateStates([
					template('spring_sale', 'PAUSED', T0 + 2 * HOUR, { reason: 'NONE' }),
				]);
				const states = await store.getTemplateStates([
					{ account: 'waba-1', name: 'spring_sale', language: 'en_US' },
					{ account: 'waba-1', name: 'missing', language: 'en_US' },
				]);
				expect(states).toEqual([
					{
						account: 'waba-1',
						name: 'spring_sale',
						language: 'en_US',
						status: 'PAUSED',
						category: 'marketing',
						quality: 'GREEN',
						reason: 'NONE',
						updatedAt: T0 + 2 * HOUR,
					},
				]);
				expect(await store.getTemplateStates([])).toEqual([]);
			});
		});

		describe('erasure', () => {
			it('removes every trace of the contact and keeps only its salted hash', async () => {
				await store.recordConsent([
					consent(ALICE, 'opt_in', T0, {
						wording: 'Yes',
						evidence: { ip: '203.0.113.7', messageId: 'wamid.optin' },
					}),
					consent(ALICE, 'opt_out', T0 + HOUR, { purpose: 'transactional' }),
					consent(BOB, 'opt_in', T0),
				]);
				await store.touchWindows([
					{ sender: SENDER, contact: ALICE, at: T0 },
					{ sender: OTHER_SENDER, contact: ALICE, at: T0 },
				]);
				await store.reserveSends([reservation('order-1', ALICE, T0)]);
				await store.completeSends([
					{ idempotencyKey: 'order-1', state: 'accepted', wamid: 'wamid.x1', at: T0 },
				]);
				await store.applyWebhookEvents(
					[{ key: 'status:x1', effects: { costs: [cost('wamid.x1', ALICE, T0)] } }],
					T0,
				);
				expect(await target.dumpTables()).toContain(ALICE);

				const hash = await store.contactHash(ALICE);
				expect(hash).toMatch(/^[0-9a-f]{64}$/);
				expect(await store.contactHash(ALICE)).toBe(hash);
				expect(await store.contactHash(BOB)).not.toBe(hash);
				const report = await store.eraseContact(ALICE, T0 + DAY);
				expect(report).toEqual({
					contactHash: hash,
					consentRecords: 2,
					consentEvents: 2,
					windows: 2,
					costEntriesAnonymised: 1,
					sentMessagesAnonymised: 1,
					alreadySuppressed: false,
				});
				expect(await target.dumpTables()).not.toContain(ALICE);
				expect(await target.dumpTables()).toContain(BOB);

				const snapshot = await erasedSnapshot(ALICE, 'order-1');
				// The idempotency key still protects against a second send.
				expect(snapshot.sends.get('order-1')).toMatchObject({ contact: hash, wamid: 'wamid.x1' });
				expect(await store.getConsentHistory(ALICE)).toEqual([]);
				expect((await store.eraseContact(ALICE, T0 + 2 * DAY)).alreadySuppressed).toBe(true);
			});

			describe('business-scoped user IDs', () => {
				const BSUID = 'DE.7319246501834562901';
				/** A message from ALICE naming her number and BSUID; her consent kept under the BSUID. */
				async function seenUnderBoth(key: string) {
					await store.applyWebhookEvents(
						[
							{
								key,
								effects: {
									aliases: [{ contact: ALICE, userId: BSUID, at: T0 }],
									windows: [{ sender: SENDER, contact: BSUID, at: T0 }],
									consent: [consent(BSUID, 'opt_in', T0, { source: 'keyword', eventKey: key })],
								},
							},
						],
						T0,
					);
					await store.recordConsent([consent(ALICE, 'opt_in', T0)]);
				}

				it('erases the rows kept under the BSUID with the phone number', async () => {
					await seenUnderBoth('msg:1:bsuid-a');
					await store.recordConsent([consent(BOB, 'opt_in', T0)]);
					const report = await store.eraseContact(ALICE, T0 + DAY);
					expect(report).toMatchObject({
						contactHash: await store.contactHash(ALICE),
						consentRecords: 2,
						consentEvents: 2,
						windows: 1,
						alreadySuppressed: false,
					});
					const dump = await target.dumpTables();
					expect(dump).not.toContain(ALICE);
					expect(dump).not.toContain(BSUID);
					expect(dump).toContain(BOB);
					// Both names are on the suppression list.
					expect((await store.eraseContact(BSUID, T0 + DAY)).alreadySuppressed).toBe(true);
				});

				it('erases the rows kept under the phone number with the BSUID', async () => {
					await seenUnderBoth('msg:1:bsuid-b');
					const report = await store.eraseContact(BSUID, T0 + DAY);
					expect(report).toMatchObject({ consentRecords: 2, windows: 1 });
					const dump = await target.dumpTables();
					expect(dump).not.toContain(ALICE);
					expect(dump).not.toContain(BSUID);
					expect((await store.eraseContact(ALICE, T0 + DAY)).alreadySuppressed).toBe(true);
				});

				it('stores no pairing for an erased contact', async () => {
					await store.eraseContact(ALICE, T0);
					await store.applyWebhookEvents(
						[
							{
								key: 'msg:1:bsuid-c',
								effects: { aliases: [{ contact: ALICE, userId: BSUID, at: T0 + HOUR }] },
							},
						],
						T0 + HOUR,
					);
					expect(await target.dumpTables()).not.toContain(BSUID);
				});
			});

			it('keeps the totals of a billed period: cost entries stay, under the hash', async () => {
				const period = { from: T0, to: T0 + DAY };
				const days = [{ start: T0, end: T0 + DAY }];
				await store.reserveSends([
					reservation('bill-a', ALICE, T0),
					reservation('bill-b', BOB, T0),
				]);
				await store.completeSends([
					{ idempotencyKey: 'bill-a', state: 'accepted', wamid: 'wamid.bill-a', at: T0 },
					{ idempotencyKey: 'bill-b', state: 'accepted', wamid: 'wamid.bill-b', at: T0 },
				]);
				await store.applyWebhookEvents(
					[
						{
							key: 'status:wamid.bill-a:delivered',
							effects: {
								costs: [cost('wamid.bill-a', ALICE, T0 + HOUR, { estimatedPrice: 0.0613 })],
							},
						},
						{
							key: 'status:wamid.bill-b:delivered',
							effects: {
								costs: [cost('wamid.bill-b', BOB, T0 + HOUR, { estimatedPrice: 0.0613 })],
							},
						},
					],
					T0 + HOUR,
				);
				const summary = await store.costSummary(period);
				const report = await store.costReport(days);
				expect(summary[0]).toMatchObject({ messages: 2, billable: 2 });

				const erased = await store.eraseContact(ALICE, T0 + 2 * DAY);
				expect(erased.costEntriesAnonymised).toBe(1);
				expect(await store.costSummary(period)).toEqual(summary);
				expect(await store.costReport(days)).toEqual(report);
				expect(await target.dumpTables()).not.toContain(ALICE);
			});

			it('erases the number from idempotency keys built from it, and still holds a re-run', async () => {
				const keys = [`${ALICE}-promo1`, `+${ALICE}-promo2`, 'order-7'];
				await store.reserveSends(keys.map((key) => reservation(key, ALICE, T0)));
				await store.reserveReach({
					now: T0,
					limit: 10,
					recipients: [{ contact: ALICE, key: keys[0] }],
					oldest: 0,
				});
				await store.reserveSends([reservation(`${BOB}-promo1`, BOB, T0)]);
				const report = await store.eraseContact(ALICE, T0 + HOUR);
				expect(report.sentMessagesAnonymised).toBe(3);
				const dump = await target.dumpTables();
				expect(dump).not.toContain(ALICE);
				expect(dump).toContain(`${BOB}-promo1`);
				const hash = report.contactHash;
				const snapshot = await store.getSnapshot({
					sender: SENDER,
					contacts: [ALICE],
					marketingSince: 0,
					idempotencyKeys: [...keys, `${hash}-promo1`, `+${hash}-promo2`],
				});
				// The same workflow run again finds no send under its key, and the erasure holds it.
				expect(snapshot.sends.has(keys[0])).toBe(false);
				expect(snapshot.contacts.get(ALICE)?.suppressed).toBe(true);
				expect([...snapshot.sends.keys()].sort()).toEqual(
					[`${hash}-promo1`, `+${hash}-promo2`, 'order-7'].sort(),
				);
				// The contact's place in the messaging limit stays (under the hash), held by the key as
				// stored now: a send of the batch that fails after the erasure keeps its place.
				const reachCount = async () =>
					(
						await store.getSnapshot({
							sender: SENDER,
							contacts: [],
							marketingSince: 0,
							reach: { now: T0 + HOUR, oldest: 0, limit: 10 },
						})
					).reach!.count;
				expect(await reachCount()).toBe(1);
				await store.releaseReach([`${hash}-promo1`]);
				expect(await reachCount()).toBe(0);
			});

			it('erases many contacts at once, one report per contact', async () => {
				await store.recordConsent([
					consent(ALICE, 'opt_in', T0),
					consent(BOB, 'opt_in', T0),
					consent(BOB, 'opt_in', T0, { purpose: 'transactional' }),
					consent(CAROL, 'opt_in', T0),
				]);
				await store.eraseContact(CAROL, T0);
				const reports = await store.eraseContacts([BOB, ALICE, CAROL, BOB], T0 + DAY);
				expect(
					reports.map((r) => [r.consentRecords, r.consentEvents, r.alreadySuppressed]),
				).toEqual([
					[2, 2, false],
					[1, 1, false],
					[0, 0, true],
				]);
				expect(reports.map((r) => r.contactHash)).toEqual([
					await store.contactHash(BOB),
					await store.contactHash(ALICE),
					await store.contactHash(CAROL),
				]);
				const dump = await target.dumpTables();
				for (const contact of [ALICE, BOB, CAROL]) expect(dump).not.toContain(contact);
				expect(await store.eraseContacts([], T0)).toEqual([]);
			});

			it('does not let an erased contact be opted in again, nor store anything about it', async () => {
				await store.eraseContact(ALICE, T0);
				const stored = await store.recordConsent([
					consent(ALICE, 'opt_in', T0 + DAY, { evidence: { ip: '203.0.113.7' } }),
					consent(BOB, 'opt_in', T0 + DAY),
				]);
				expect(stored.map((e) => e.contact)).toEqual([BOB]);
				await store.applyWebhookEvents(
					[
						{
							key: 'in-1',
							effects: { consent: [consent(ALICE, 'opt_in', T0 + DAY, { source: 'keyword' })] },
						},
					],
					T0 + DAY,
				);
				expect(await statusOf(ALICE)).toBeUndefined();
				expect(await target.dumpTables()).not.toContain(ALICE);
			});
		});

		describe('erasure stays erased', () => {
			/** What Meta may still send about a contact after the erasure. */
			function lateWebhooks(contact: string, tag: string): WebhookEventEffects[] {
				return [
					{
						key: `status:wamid.${tag}:read`,
						effects: {
							costs: [cost(`wamid.${tag}`, contact, T0 + DAY)],
							sendFailures: [{ wamid: `wamid.${tag}`, errorCode: 131050, at: T0 + DAY }],
						},
					},
					{
						key: `msg:${SENDER}:wamid.in-${tag}`,
						effects: {
							windows: [{ sender: SENDER, contact, at: T0 + DAY, referral: true }],
							closeWindows: [{ sender: OTHER_SENDER, contact, at: T0 + DAY }],
							consent: [
								consent(contact, 'opt_out', T0 + DAY, {
									purpose: ALL_PURPOSES,
									source: 'keyword',
									evidence: { messageId: `wamid.in-${tag}` },
									eventKey: `msg:${SENDER}:wamid.in-${tag}:*`,
								}),
							],
						},
					},
				];
			}

			it('keeps a late status about an erased contact under its hash only, and no window', async () => {
				await store.reserveSends([reservation('order-9', ALICE, T0)]);
				await store.completeSends([
					{ idempotencyKey: 'order-9', state: 'accepted', wamid: 'wamid.late', at: T0 },
				]);
				await store.touchWindows([{ sender: OTHER_SENDER, contact: ALICE, at: T0 }]);
				await store.eraseContact(ALICE, T0 + HOUR);
				const hash = await store.contactHash(ALICE);

				const keys = await store.applyWebhookEvents(lateWebhooks(ALICE, 'late'), T0 + DAY);
				expect(keys).toHaveLength(2);
				await store.touchWindows([{ sender: SENDER, contact: ALICE, at: T0 + 2 * DAY }]);
				await store.closeWindows([{ sender: SENDER, contact: ALICE, at: T0 + 2 * DAY }]);

				const dump = await target.dumpTables();
				expect(dump).not.toContain(ALICE);
				expect(dump).toContain(hash);
				// The bill still counts the delivery.
				expect(await store.costSummary({ from: 0, to: T0 + 2 * DAY })).toMatchObject([
					{ category: 'marketing', messages: 1 },
				]);
				const snapshot = await erasedSnapshot(ALICE, 'order-9');
				expect(snapshot.sends.get('order-9')).toMatchObject({ contact: hash, state: 'failed' });
			});

			it('applies the same effects for contacts that were not erased', async () => {
				await store.eraseContact(ALICE, T0);
				await store.applyWebhookEvents(
					[...lateWebhooks(ALICE, 'a'), ...lateWebhooks(BOB, 'b')],
					T0 + DAY,
				);
				const snapshot = await store.getSnapshot({
					sender: SENDER,
					contacts: [BOB],
					marketingSince: 0,
				});
				const bob = snapshot.contacts.get(BOB)!;
				expect(bob.window).toMatchObject({ lastInboundAt: T0 + DAY, referralAt: T0 + DAY });
				expect(bob.consents.map((c) => [c.purpose, c.status])).toEqual([
					[ALL_PURPOSES, 'opted_out'],
				]);
				expect(await target.dumpTables()).not.toContain(ALICE);
				expect(await store.costSummary({ from: 0, to: T0 + 2 * DAY })).toMatchObject([
					{ messages: 2 },
				]);
			});

			it('leaves no trace when webhooks about a contact race its erasure', async () => {
				for (let round = 0; round < ROUNDS; round++) {
					const contact = `49174${String(round).padStart(8, '0')}`;
					await store.recordConsent([consent(contact, 'opt_in', T0)]);
					const calls = Array.from({ length: RACERS }, (_, racer) =>
						racer === round % RACERS
							? { method: 'eraseContact' as const, args: [contact, T0 + HOUR] }
							: {
									method: 'applyWebhookEvents' as const,
									args: [lateWebhooks(contact, `${round}-${racer}`), T0 + DAY],
								},
					);
					await target.raceCalls(calls);
					const context = `round ${round}`;
					expect({ context, traces: (await target.dumpTables()).includes(contact) }).toEqual({
						context,
						traces: false,
					});
				}
			});
		});

		describe('concurrency', () => {
			/** Random opt-ins and opt-outs of one contact, one batch per racer. */
			function racingBatches(contact: string, round: number, random: () => number, step: number) {
				return Array.from({ length: RACERS }, () =>
					Array.from({ length: 3 }, () =>
						consent(
							contact,
							random() < 0.5 ? 'opt_in' : 'opt_out',
							T0 + Math.floor(random() * 4) * step,
							{
								eventKey: `race-${round}-${++seq}`,
							},
						),
					),
				);
			}

			async function historyKeys(contact: string) {
				return (await store.getConsentHistory(contact)).map((e) => e.eventKey).sort();
			}

			it('ends with the status of the latest event when opt-ins and opt-outs race (opt-out on ties)', async () => {
				// Times further apart than the allowance: the outcome depends on the times alone.
				expect(10 * MINUTE).toBeGreaterThan(CLOCK_SKEW_ALLOWANCE);
				const seed = 20250601;
				const random = prng(seed);
				for (let round = 0; round < ROUNDS; round++) {
					const contact = `49170${String(round).padStart(8, '0')}`;
					const batches = racingBatches(contact, round, random, 10 * MINUTE);
					await target.race(
						'recordConsent',
						batches.map((events) => [events]),
					);
					const all = batches.flat();
					const winner = all.reduce((best, e) => {
						const rank = (x: ConsentEventInput) =>
							TIE_RANK[x.action === 'opt_in' ? 'opted_in' : 'opted_out'];
						return e.at > best.at || (e.at === best.at && rank(e) > rank(best)) ? e : best;
					});
					const record = await statusOf(contact);
					const context = `seed ${seed}, round ${round}`;
					expect({ context, status: record?.status, changedAt: record?.changedAt }).toEqual({
						context,
						status: winner.action === 'opt_in' ? 'opted_in' : 'opted_out',
						changedAt: winner.at,
					});
					expect(await historyKeys(contact)).toEqual(all.map((e) => e.eventKey).sort());
				}
			});

			it('ends as one of the racing batches applied after another when their times are within the allowance', async () => {
				// Within the allowance the order of arrival counts (an opt-out wins over what came
				// before it): the result must be that of some order of the whole batches, none lost.
				const seed = 20250602;
				const random = prng(seed);
				for (let round = 0; round < ROUNDS; round++) {
					const contact = `49172${String(round).padStart(8, '0')}`;
					const batches = racingBatches(contact, round, random, SECOND);
					await target.race(
						'recordConsent',
						batches.map((events) => [events]),
					);
					const possible = new Set(
						permutations(batches).map((order) => {
							const { records } = decideConsentBatch({
								current: new Map(),
								events: order.flat(),
								knownEventKeys: new Set(),
								suppressed: new Set(),
							});
							return JSON.stringify(records);
						}),
					);
					const context = `seed ${seed}, round ${round}`;
					const actual = JSON.stringify((await store.getConsents([contact])).get(contact));
					expect({ context, possible: possible.has(actual) }).toEqual({ context, possible: true });
					expect(await historyKeys(contact)).toEqual(
						batches
							.flat()
							.map((e) => e.eventKey)
							.sort(),
					);
				}
			});

			it('lets a racing opt-out win over opt-ins of the same time, whatever the order', async () => {
				for (let round = 0; round < ROUNDS; round++) {
					const contact = `49173${String(round).padStart(8, '0')}`;
					const batches = Array.from({ length: RACERS }, (_, racer) => [
						consent(contact, racer === round % RACERS ? 'opt_out' : 'opt_in', T0, {
							purpose: racer % 2 === 0 ? ALL_PURPOSES : 'marketing',
							eventKey: `tie-${round}-${racer}`,
						}),
					]);
					await target.race(
						'recordConsent',
						batches.map((events) => [events]),
					);
					const optedOut = batches.flat().find((e) => e.action === 'opt_out')!;
					expect((await statusOf(contact, optedOut.purpose))?.status).toBe('opted_out');
				}
			});

			it('gives a webhook event to exactly one of several deliveries racing each other', async () => {
				for (let round = 0; round < ROUNDS; round++) {
					const contact = `49171${String(round).padStart(8, '0')}`;
					const event: WebhookEventEffects = {
						key: `status:wamid.race-${round}:delivered`,
						effects: {
							costs: [cost(`wamid.race-${round}`, contact, T0)],
							consent: [consent(contact, 'opt_out', T0, { source: 'keyword' })],
						},
					};
					const results = await target.race<string[]>(
						'applyWebhookEvents',
						Array.from({ length: RACERS }, () => [[event], T0]),
					);
					expect(results.filter((keys) => keys.includes(event.key))).toHaveLength(1);
					expect(await store.getConsentHistory(contact)).toHaveLength(1);
				}
				const [row] = await store.costSummary({ from: 0, to: T0 + 1 });
				expect(row.messages).toBe(ROUNDS);
			});

			it('lets exactly one of several racing reservations of one key win', async () => {
				for (let round = 0; round < ROUNDS; round++) {
					const key = `race-order-${round}`;
					const results = await target.race<ReserveResult>(
						'reserveSends',
						Array.from({ length: RACERS }, (_, racer) => [
							[reservation(key, ALICE, T0 + racer), reservation(`${key}-own-${racer}`, ALICE, T0)],
						]),
					);
					expect(results.filter((r) => r.reserved.includes(key))).toHaveLength(1);
					for (const [racer, r] of results.entries()) {
						expect(r.reserved).toContain(`${key}-own-${racer}`);
						if (!r.reserved.includes(key)) expect(r.existing.get(key)?.idempotencyKey).toBe(key);
					}
				}
			});

			it('lets exactly one of several racing claims of one failed key win', async () => {
				for (let round = 0; round < ROUNDS; round++) {
					const key = `race-failed-${round}`;
					await store.reserveSends([reservation(key, ALICE, T0)]);
					await store.completeSends([
						{ idempotencyKey: key, state: 'failed', errorCode: 131000, at: T0 + 1000 },
					]);
					const results = await target.race<ReserveResult>(
						'reserveSends',
						Array.from({ length: RACERS }, (_, racer) => [
							[reservation(key, ALICE, T0 + HOUR + racer)],
						]),
					);
					const winners = results.filter((r) => r.reserved.includes(key));
					expect(winners).toHaveLength(1);
					const winner = results.indexOf(winners[0]);
					for (const r of results) {
						if (r === winners[0]) continue;
						// The losers see the winner's claim, never the failed attempt.
						expect(r.existing.get(key)).toMatchObject({
							state: 'pending',
							createdAt: T0 + HOUR + winner,
						});
					}
				}
			});
		});
	});
}
