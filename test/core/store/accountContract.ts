/**
 * The account part of the ComplianceStore contract, run against every backend (sqlite.test.ts,
 * postgres.test.ts): the portfolio's messaging limit usage (one count shared by every process),
 * the account's standing (limit and quality ratings, the newest value counts), and the cost
 * ledger as the cost report reads it (every member of a group counts; per day, template,
 * category and market).
 */
import { DAY, HOUR, ManualClock, MINUTE } from '../../../nodes/core/clock';
import type { CostEntry } from '../../../nodes/core/model';
import { reportDays } from '../../../nodes/core/report';
import {
	PORTFOLIO,
	displaySubject,
	senderStanding,
	standingFromTemplates,
	templateSubject,
	type StandingEntry,
} from '../../../nodes/core/standing';
import type { ComplianceStore, ReachResult } from '../../../nodes/core/store/types';
import { RACERS, type ContractTarget, type MakeTarget, type RaceMethod } from './contract';

const T0 = Date.UTC(2025, 5, 1, 12);
const SENDER = '106540352242922';
const ALICE = '4915112345678';
const BOB = '4915187654321';
const CAROL = '14155550123';
const DAVE = '447700900123';

/** Distinct contacts, none of them a real number. */
const contacts = (n: number, tag = 0) =>
	Array.from({ length: n }, (_, i) => `4917${tag}${String(i).padStart(8, '0')}`);

/** Keys as the nodes make them: no phone number in them. */
const reach = (list: string[], key = (c: string) => `key:${Buffer.from(c).toString('base64')}`) =>
	list.map((contact) => ({ contact, key: key(contact) }));

function standing(
	subject: string,
	name: StandingEntry['name'],
	value: string,
	at: number,
	source = 'graph',
): StandingEntry {
	return { subject, name, value, at, source };
}

/** A marketing delivery to a German number at the list price. */
export function cost(wamid: string, contact: string, at: number, extra: Partial<CostEntry> = {}) {
	return {
		wamid,
		sender: SENDER,
		contact,
		category: 'marketing',
		pricingType: 'regular',
		billable: true,
		at,
		estimatedPrice: 0.1365,
		currency: 'USD',
		market: 'Germany',
		...extra,
	} satisfies CostEntry;
}

export function describeAccount(name: string, makeTarget: MakeTarget): void {
	describe(`${name}: the account (messaging limit usage, standing, cost report)`, () => {
		let clock: ManualClock;
		let target: ContractTarget;
		let store: ComplianceStore;
		beforeEach(async () => {
			clock = new ManualClock(T0);
			target = await makeTarget({ clock });
			store = target.store;
		});
		afterEach(async () => {
			await target.dispose();
		});

		async function usageAt(now: number, list: string[] = [], limit?: number, oldest = 10) {
			const snapshot = await store.getSnapshot({
				sender: SENDER,
				contacts: list,
				marketingSince: 0,
				reach: { now, oldest, limit },
			});
			return {
				usage: snapshot.reach!,
				reachedAt: new Map(list.map((c) => [c, snapshot.contacts.get(c)!.reachedAt])),
			};
		}

		describe('messaging limit usage', () => {
			it('counts each contact once, from its last business-initiated message, for 24 hours', async () => {
				await store.reserveReach({
					now: T0,
					limit: undefined,
					recipients: reach([ALICE, BOB]),
					oldest: 0,
				});
				await store.reserveReach({
					now: T0 + HOUR,
					limit: undefined,
					recipients: reach([ALICE, CAROL]),
					oldest: 0,
				});
				const { usage, reachedAt } = await usageAt(T0 + 2 * HOUR, [ALICE, BOB, DAVE]);
				expect(usage).toEqual({ count: 3, oldestReachedAt: [T0, T0 + HOUR, T0 + HOUR] });
				expect(reachedAt).toEqual(
					new Map([
						[ALICE, T0 + HOUR],
						[BOB, T0],
						[DAVE, undefined],
					]),
				);
				// Bob leaves the 24 hours exactly a day after he was reached; Alice an hour later.
				expect((await usageAt(T0 + DAY, [BOB])).usage.count).toBe(2);
				expect((await usageAt(T0 + DAY - 1, [BOB])).reachedAt.get(BOB)).toBe(T0);
				expect((await usageAt(T0 + DAY + HOUR)).usage.count).toBe(0);
			});

			it('admits counted contacts, then new ones while below the limit, and says who waits', async () => {
				await store.reserveReach({
					now: T0,
					limit: 3,
					recipients: reach([ALICE, BOB]),
					oldest: 0,
				});
				const result = await store.reserveReach({
					now: T0 + HOUR,
					limit: 3,
					recipients: reach([CAROL, ALICE, DAVE, BOB, CAROL]),
					oldest: 2,
				});
				expect(result).toEqual({
					refused: [DAVE],
					// Alice and Bob counted again from now; the oldest first.
					usage: { count: 3, oldestReachedAt: [T0 + HOUR, T0 + HOUR] },
				});
				const limitless = await store.reserveReach({
					now: T0 + HOUR,
					limit: 'unlimited',
					recipients: reach([DAVE]),
					oldest: 0,
				});
				expect(limitless).toEqual({ refused: [], usage: { count: 4, oldestReachedAt: [] } });
			});

			it('returns the reach times a lowered limit needs for a retry time', async () => {
				const list = contacts(5);
				for (const [i, contact] of list.entries()) {
					await store.reserveReach({
						now: T0 + i * MINUTE,
						limit: undefined,
						recipients: reach([contact]),
						oldest: 0,
					});
				}
				const result = await store.reserveReach({
					now: T0 + HOUR,
					limit: 3,
					recipients: reach(contacts(1, 1)),
					oldest: 1,
				});
				// 5 counted, limit 3: the third leaving frees the first place.
				expect(result.usage).toEqual({
					count: 5,
					oldestReachedAt: [T0, T0 + MINUTE, T0 + 2 * MINUTE],
				});
				await store.recordStanding([standing(PORTFOLIO, 'messaging_limit', '4', T0)]);
				expect((await usageAt(T0 + HOUR, [], undefined, 1)).usage.oldestReachedAt).toEqual([
					T0,
					T0 + MINUTE,
				]);
				expect((await usageAt(T0 + HOUR, [], 2, 1)).usage.oldestReachedAt).toHaveLength(4);
			});

			it('never lets racing processes reach more new contacts than the limit', async () => {
				const limit = 5;
				await store.reserveReach({
					now: T0,
					limit,
					recipients: reach(contacts(2, 9)),
					oldest: 0,
				});
				const results = await target.race<ReachResult>(
					'reserveReach' as RaceMethod,
					Array.from({ length: RACERS }, (_, racer) => [
						{ now: T0 + MINUTE, limit, recipients: reach(contacts(3, racer + 1)), oldest: 0 },
					]),
				);
				const admitted = results.reduce((n, r) => n + 3 - r.refused.length, 0);
				expect(admitted).toBe(limit - 2);
				expect((await usageAt(T0 + MINUTE)).usage.count).toBe(limit);
			});

			it('gives the place of a send that certainly failed back', async () => {
				await store.reserveReach({ now: T0, limit: 3, recipients: reach([ALICE]), oldest: 0 });
				await store.reserveReach({
					now: T0 + HOUR,
					limit: 3,
					recipients: reach([ALICE, BOB], (c) => `batch-2:${c}`),
					oldest: 0,
				});
				// Carol's place is taken by another batch after Bob's: releasing Bob leaves it alone.
				await store.reserveReach({
					now: T0 + HOUR,
					limit: 3,
					recipients: reach([CAROL], () => 'batch-3'),
					oldest: 0,
				});
				await store.releaseReach([`batch-2:${ALICE}`, `batch-2:${BOB}`, 'unknown']);
				const { usage, reachedAt } = await usageAt(T0 + 2 * HOUR, [ALICE, BOB, CAROL]);
				expect(usage.count).toBe(2);
				expect(reachedAt).toEqual(
					new Map([
						[ALICE, T0],
						[BOB, undefined],
						[CAROL, T0 + HOUR],
					]),
				);
				await store.releaseReach([]);
			});

			it('gives back the place of a template Meta accepted and then failed (status failed, 131026)', async () => {
				// Alice and Bob new at T0; Carol reached at T0, refreshed by a later template at T0 + HOUR.
				await store.reserveReach({
					now: T0,
					limit: 3,
					recipients: reach([ALICE, BOB, CAROL]),
					oldest: 0,
				});
				await store.reserveReach({
					now: T0 + HOUR,
					limit: 3,
					recipients: reach([CAROL], () => 'later'),
					oldest: 0,
				});
				const sent = [
					[reach([ALICE])[0].key, ALICE, 'wamid.A'],
					[reach([BOB])[0].key, BOB, 'wamid.B'],
					['later', CAROL, 'wamid.C'],
				];
				await store.reserveSends(
					sent.map(([key, contact]) => ({
						idempotencyKey: key,
						sender: SENDER,
						contact,
						kind: 'template:offer',
						category: 'marketing',
						at: T0,
					})),
				);
				await store.completeSends(
					sent.map(([key, , wamid]) => ({ idempotencyKey: key, state: 'accepted', wamid, at: T0 })),
				);
				const failed = (wamid: string) => ({
					key: `status:${wamid}:failed`,
					effects: { sendFailures: [{ wamid, errorCode: 131026, at: T0 + 2 * HOUR }] },
				});
				await store.applyWebhookEvents([failed('wamid.A'), failed('wamid.C')], T0 + 2 * HOUR);
				const { usage, reachedAt } = await usageAt(T0 + 2 * HOUR, [ALICE, BOB, CAROL], 3);
				// Alice's place is free; Carol counts from the template that reached her at T0.
				expect(usage.count).toBe(2);
				expect(reachedAt).toEqual(
					new Map([
						[ALICE, undefined],
						[BOB, T0],
						[CAROL, T0],
					]),
				);
				// The next new contact takes the freed place; the same failure again changes nothing.
				const next = await store.reserveReach({
					now: T0 + 3 * HOUR,
					limit: 3,
					recipients: reach([DAVE]),
					oldest: 0,
				});
				expect(next).toMatchObject({ refused: [], usage: { count: 3 } });
				await store.applyWebhookEvents(
					[{ ...failed('wamid.A'), key: 'status:wamid.A:failed-again' }],
					T0 + 3 * HOUR,
				);
				expect((await usageAt(T0 + 3 * HOUR)).usage.count).toBe(3);
			});

			it('keeps no phone number, and nothing of a contact that left the 24 hours', async () => {
				await store.reserveReach({
					now: T0,
					limit: undefined,
					recipients: reach([ALICE, BOB]),
					oldest: 0,
				});
				const dump = await target.dumpTables();
				expect(dump).toContain('messaging_reach');
				expect(dump).not.toContain(ALICE);
				expect(dump).not.toContain(BOB);
				const aliceHash = await store.contactHash(ALICE);
				expect(dump).toContain(aliceHash);
				await store.reserveReach({
					now: T0 + DAY,
					limit: undefined,
					recipients: reach([CAROL]),
					oldest: 0,
				});
				expect(await target.dumpTables()).not.toContain(aliceHash);
			});

			it('keeps the count right through prunes, refreshes and releases', async () => {
				const at = (hours: number) => T0 + hours * HOUR;
				const reserveAt = (hours: number, list: string[], tag: string) =>
					store.reserveReach({
						now: at(hours),
						limit: undefined,
						recipients: reach(list, (c) => `${tag}:${Buffer.from(c).toString('base64')}`),
						oldest: 0,
					});
				const counts = async (hours: number[]) =>
					Promise.all(hours.map(async (h) => (await usageAt(at(h))).usage.count));
				await reserveAt(0, [ALICE, BOB], 'a');
				await reserveAt(12, [CAROL, ALICE], 'b');
				await store.releaseReach([`b:${Buffer.from(CAROL).toString('base64')}`]);
				expect(await counts([12, 23, 24, 36])).toEqual([2, 2, 1, 0]);
				// 25 hours on: Bob left and is pruned; Alice counts from hour 12, Dave is new.
				const result = await reserveAt(25, [DAVE], 'c');
				expect(result.usage.count).toBe(2);
				expect(await counts([25, 36, 49])).toEqual([2, 1, 0]);
				expect((await store.getAccountStanding(at(25))).reachedLast24h).toBe(2);
			});

			it('checks what it is given', async () => {
				await expect(
					store.reserveReach({ now: T0, limit: 0, recipients: [], oldest: 0 }),
				).rejects.toThrow(/reserveReach: limit/);
				await expect(
					store.reserveReach({
						now: T0,
						limit: 2,
						recipients: [{ contact: '', key: 'k' }],
						oldest: 0,
					}),
				).rejects.toThrow(/recipients\[0\]\.contact/);
			});
		});

		describe('standing', () => {
			it('keeps the newest value of each, whichever arrives last, from both writers', async () => {
				await store.recordStanding([
					standing(PORTFOLIO, 'messaging_limit', '2000', T0 + HOUR),
					standing(SENDER, 'quality_rating', 'GREEN', T0 + HOUR),
					standing(SENDER, 'display_phone_number', '15550001234', T0 + HOUR),
					standing(SENDER, 'checked', 'graph', T0 + HOUR),
				]);
				await store.applyWebhookEvents(
					[
						{
							key: 'capability:old',
							effects: {
								standing: [
									standing(PORTFOLIO, 'messaging_limit', '250', T0, 'business_capability_update'),
								],
							},
						},
						{
							key: 'quality:flagged',
							effects: {
								standing: [
									standing(
										displaySubject('+1 555-000-1234'),
										'quality_rating',
										'FLAGGED',
										T0 + 2 * HOUR,
										'phone_number_quality_update',
									),
								],
							},
						},
					],
					T0 + 2 * HOUR,
				);
				const snapshot = await store.getSnapshot({
					sender: SENDER,
					contacts: [],
					marketingSince: 0,
					standing: true,
				});
				expect(senderStanding(snapshot.standing!, SENDER)).toEqual({
					messagingLimit: { value: 2000, at: T0 + HOUR, source: 'graph' },
					numberQuality: {
						value: 'FLAGGED',
						at: T0 + 2 * HOUR,
						source: 'phone_number_quality_update',
					},
					checkedAt: T0 + HOUR,
				});
				// A newer read of the number wins over the webhook again.
				await store.recordStanding([standing(SENDER, 'quality_rating', 'YELLOW', T0 + 3 * HOUR)]);
				const again = await store.getSnapshot({
					sender: SENDER,
					contacts: [],
					marketingSince: 0,
					standing: true,
				});
				expect(senderStanding(again.standing!, SENDER).numberQuality?.value).toBe('YELLOW');
				expect(
					(await store.getSnapshot({ sender: SENDER, contacts: [], marketingSince: 0 })).standing,
				).toBeUndefined();
			});

			it("gives a template the newer quality by Meta's time: a list read later does not undo a newer webhook", async () => {
				const key = { account: 'waba-1', name: 'spring_sale', language: 'en_US' };
				const autumn = { ...key, name: 'autumn_sale' };
				/** Send Template's read of the list: the state, and each quality with Meta's date. */
				const readList = async (readAt: number, qualityDate: number) => {
					await store.upsertTemplateStates([
						{ ...key, status: 'APPROVED', quality: 'GREEN', updatedAt: readAt },
						{ ...autumn, status: 'APPROVED', quality: 'GREEN', updatedAt: readAt },
					]);
					await store.recordStanding(
						standingFromTemplates(
							'waba-1',
							[key, autumn].map((t) => ({
								...t,
								quality_score: { score: 'GREEN', date: qualityDate / 1000 },
							})),
							readAt,
						),
					);
				};
				const qualityWebhook = (subject: string, at: number) => ({
					key: `quality:${subject}:${at}`,
					effects: {
						standing: [
							standing(subject, 'quality_rating', 'RED', at, 'message_template_quality_update'),
						],
					},
				});
				await readList(T0, T0);
				// spring_sale turns RED an hour after Meta's GREEN; autumn_sale's RED is older than it.
				await store.applyWebhookEvents(
					[
						qualityWebhook(templateSubject(key), T0 + HOUR),
						qualityWebhook(templateSubject(autumn), T0 - HOUR),
					],
					T0 + HOUR,
				);
				// Every execution reads the list again: it still says GREEN, as Meta scored it at T0.
				await readList(T0 + 2 * HOUR, T0);
				const snapshot = await store.getSnapshot({
					sender: SENDER,
					contacts: [],
					marketingSince: 0,
					templates: [key, autumn],
				});
				expect(snapshot.templates.map((t) => [t.name, t.quality])).toEqual([
					['autumn_sale', 'GREEN'],
					['spring_sale', 'RED'],
				]);
				const account = await store.getAccountStanding(T0 + 2 * HOUR);
				expect(account.templates.map((t) => [t.name, t.quality])).toEqual([
					['autumn_sale', 'GREEN'],
					['spring_sale', 'RED'],
				]);
				// Meta scores it GREEN again later: the list read says so with the newer date.
				await readList(T0 + 3 * HOUR, T0 + 3 * HOUR);
				const later = await store.getSnapshot({
					sender: SENDER,
					contacts: [],
					marketingSince: 0,
					templates: [key],
				});
				expect(later.templates.map((t) => t.quality)).toEqual(['GREEN']);
			});

			it('orders a webhook (whole seconds) before a read in the same second, in either order of arrival', async () => {
				const second = T0 + 5000;
				const webhook = (value: string) =>
					standing(SENDER, 'quality_rating', value, second, 'phone_number_quality_update');
				const read = (value: string) => standing(SENDER, 'quality_rating', value, second + 400);
				const quality = async () =>
					senderStanding(
						(await store.getSnapshot({
							sender: SENDER,
							contacts: [],
							marketingSince: 0,
							standing: true,
						}))!.standing!,
						SENDER,
					).numberQuality?.value;
				await store.recordStanding([webhook('RED')]);
				await store.recordStanding([read('GREEN')]);
				expect(await quality()).toBe('RED');
				// The other order: the read first, then the webhook of the same second.
				await store.recordStanding([standing(PORTFOLIO, 'messaging_limit', '2000', second + 400)]);
				await store.applyWebhookEvents(
					[
						{
							key: 'capability:same-second',
							effects: {
								standing: [
									standing(
										PORTFOLIO,
										'messaging_limit',
										'250',
										second,
										'business_capability_update',
									),
								],
							},
						},
					],
					second,
				);
				const account = await store.getAccountStanding(second);
				expect(
					account.entries.find((e) => e.subject === PORTFOLIO && e.name === 'messaging_limit'),
				).toMatchObject({ value: '250', source: 'business_capability_update' });
				// A read one second later wins.
				await store.recordStanding([standing(SENDER, 'quality_rating', 'GREEN', second + 1000)]);
				expect(await quality()).toBe('GREEN');
			});

			it('reads everything known of the account with the contacts reached in the last 24 hours', async () => {
				await store.recordStanding([
					standing(PORTFOLIO, 'messaging_limit', 'unlimited', T0),
					standing(SENDER, 'quality_rating', 'GREEN', T0),
				]);
				await store.reserveReach({
					now: T0 - 2 * DAY,
					limit: undefined,
					recipients: reach([DAVE]),
					oldest: 0,
				});
				await store.reserveReach({
					now: T0,
					limit: undefined,
					recipients: reach([ALICE, BOB]),
					oldest: 0,
				});
				expect(await store.getAccountStanding(T0 + HOUR)).toEqual({
					entries: [
						standing(SENDER, 'quality_rating', 'GREEN', T0),
						standing(PORTFOLIO, 'messaging_limit', 'unlimited', T0),
					],
					templates: [],
					reachedLast24h: 2,
				});
			});

			it('checks entries', async () => {
				await expect(
					store.recordStanding([standing(PORTFOLIO, 'limit' as 'checked', '2', T0)]),
				).rejects.toThrow(/recordStanding: \[0\]\.name/);
			});
		});

		describe('cost report', () => {
			it('counts every member a group message was delivered to', async () => {
				await store.applyWebhookEvents(
					[ALICE, BOB, CAROL].map((member) => ({
						key: `status:wamid.group-1:${member}:delivered`,
						effects: {
							costs: [cost('wamid.group-1', member, T0, { category: 'group_marketing' })],
						},
					})),
					T0,
				);
				// Meta sends the member's read status too: the delivery is counted once.
				await store.applyWebhookEvents(
					[
						{
							key: `status:wamid.group-1:${ALICE}:read`,
							effects: {
								costs: [cost('wamid.group-1', ALICE, T0 + 1, { category: 'group_marketing' })],
							},
						},
					],
					T0,
				);
				const [day] = reportDays('today', T0, 'UTC');
				expect(await store.costReport([day])).toEqual([
					{
						day: 0,
						category: 'group_marketing',
						pricingType: 'regular',
						market: 'Germany',
						currency: 'USD',
						messages: 3,
						billable: 3,
						estimatedTotal: expect.closeTo(3 * 0.1365, 9),
					},
				]);
			});

			it('sums per day of the time zone, template, category, pricing type, market and currency', async () => {
				// Sent by Send Template: the report names the template from the send record.
				await store.reserveSends([
					{
						idempotencyKey: 'campaign-1',
						sender: SENDER,
						contact: ALICE,
						kind: 'template:spring_sale',
						category: 'marketing',
						at: T0,
					},
					{
						idempotencyKey: 'order-1',
						sender: SENDER,
						contact: CAROL,
						kind: 'template:order_update',
						category: 'utility',
						at: T0,
					},
				]);
				await store.completeSends([
					{ idempotencyKey: 'campaign-1', state: 'accepted', wamid: 'wamid.a', at: T0 },
					{ idempotencyKey: 'order-1', state: 'accepted', wamid: 'wamid.c', at: T0 },
				]);
				// Berlin: T0 is 14:00 on June 1; 23:30 UTC is already June 2 there.
				const days = reportDays({ from: '2025-06-01', to: '2025-06-02' }, T0, 'Europe/Berlin');
				const lateInTheDay = Date.UTC(2025, 5, 1, 23, 30);
				await store.applyWebhookEvents(
					[
						{ key: 'a', effects: { costs: [cost('wamid.a', ALICE, T0)] } },
						{ key: 'b', effects: { costs: [cost('wamid.b', BOB, T0 + HOUR)] } },
						{
							key: 'c',
							effects: {
								costs: [
									cost('wamid.c', CAROL, lateInTheDay, {
										category: 'utility',
										estimatedPrice: 0.0034,
										market: 'North America',
									}),
								],
							},
						},
						{
							key: 'd',
							effects: {
								costs: [
									cost('wamid.d', DAVE, lateInTheDay, {
										category: 'service',
										pricingType: 'free_customer_service',
										billable: false,
										estimatedPrice: 0,
										market: undefined,
									}),
								],
							},
						},
						// Outside the two days.
						{ key: 'e', effects: { costs: [cost('wamid.e', ALICE, T0 + 2 * DAY)] } },
					],
					T0,
				);
				const groups = await store.costReport(days);
				expect(groups).toEqual([
					{
						day: 0,
						category: 'marketing',
						pricingType: 'regular',
						market: 'Germany',
						currency: 'USD',
						messages: 1,
						billable: 1,
						estimatedTotal: expect.closeTo(0.1365, 9),
					},
					{
						day: 0,
						template: 'spring_sale',
						category: 'marketing',
						pricingType: 'regular',
						market: 'Germany',
						currency: 'USD',
						messages: 1,
						billable: 1,
						estimatedTotal: expect.closeTo(0.1365, 9),
					},
					{
						day: 1,
						category: 'service',
						pricingType: 'free_customer_service',
						currency: 'USD',
						messages: 1,
						billable: 0,
						estimatedTotal: 0,
					},
					{
						day: 1,
						template: 'order_update',
						category: 'utility',
						pricingType: 'regular',
						market: 'North America',
						currency: 'USD',
						messages: 1,
						billable: 1,
						estimatedTotal: expect.closeTo(0.0034, 9),
					},
				]);
				expect(await store.costReport([])).toEqual([]);
				await expect(store.costReport([days[1], days[0]])).rejects.toThrow(/costReport: days\[1\]/);
			});
		});

		describe('erasure', () => {
			it('leaves no phone number of the contact in the account tables', async () => {
				await store.reserveReach({
					now: T0,
					limit: undefined,
					recipients: reach([ALICE]),
					oldest: 0,
				});
				await store.applyWebhookEvents(
					[{ key: 'x', effects: { costs: [cost('wamid.x', ALICE, T0)] } }],
					T0,
				);
				await store.eraseContact(ALICE, T0 + HOUR);
				expect(await target.dumpTables()).not.toContain(ALICE);
				// Still counted, by its hash: Meta counts the message it delivered.
				expect((await usageAt(T0 + HOUR, [ALICE])).reachedAt.get(ALICE)).toBe(T0);
			});
		});
	});
}
