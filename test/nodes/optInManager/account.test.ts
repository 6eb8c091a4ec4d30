import { DAY, HOUR } from '../../../nodes/core/clock';
import { PORTFOLIO, displaySubject, templateSubject } from '../../../nodes/core/standing';
import type { ComplianceStore } from '../../../nodes/core/store/types';
import { cost } from '../../core/store/accountContract';
import { binaryText, run, tempStore } from './context';

const store = tempStore();
let db: ComplianceStore;

beforeAll(async () => {
	db = await store.open();
});
afterAll(async () => {
	await store.cleanUp();
});

const SENDER = '731950246618093';

describe('account: get status', () => {
	it('shows the messaging limit with what is left, every rating, and names the low ones', async () => {
		const now = Date.now();
		await db.recordStanding([
			{
				subject: PORTFOLIO,
				name: 'messaging_limit',
				value: '250',
				at: now - HOUR,
				source: 'graph',
			},
			{ subject: SENDER, name: 'quality_rating', value: 'GREEN', at: now - HOUR, source: 'graph' },
			{
				subject: SENDER,
				name: 'display_phone_number',
				value: '493057700180',
				at: now - HOUR,
				source: 'graph',
			},
			{ subject: SENDER, name: 'checked', value: 'graph', at: now - HOUR, source: 'graph' },
			{
				subject: displaySubject('+1 415-555-0142'),
				name: 'quality_rating',
				value: 'FLAGGED',
				at: now - 2 * HOUR,
				source: 'phone_number_quality_update',
			},
			{
				subject: templateSubject({
					account: '240117385066184',
					name: 'spring_sale',
					language: 'en',
				}),
				name: 'quality_rating',
				value: 'RED',
				at: now - HOUR,
				source: 'message_template_quality_update',
			},
		]);
		await db.upsertTemplateStates([
			{
				account: '240117385066184',
				name: 'order_update',
				language: 'en',
				status: 'APPROVED',
				category: 'utility',
				quality: 'GREEN',
				updatedAt: now - DAY,
			},
		]);
		await db.reserveReach({
			now: now - HOUR,
			limit: 250,
			recipients: [
				{ contact: '4915112345601', key: 'k1' },
				{ contact: '4915112345602', key: 'k2' },
			],
			oldest: 0,
		});

		const [[item], ...rest] = await run({
			storePath: store.path,
			parameters: { resource: 'account', operation: 'getStatus' },
			items: [{ a: 1 }, { a: 2 }],
		});

		expect(rest).toEqual([]);
		expect(item.pairedItem).toEqual([{ item: 0 }, { item: 1 }]);
		expect(item.json).toEqual({
			messagingLimit: {
				limit: 250,
				reachedLast24h: 2,
				remaining: 248,
				source: 'graph',
				updatedAt: new Date(now - HOUR).toISOString(),
			},
			qualityLow: true,
			numbers: [
				{
					phoneNumberId: SENDER,
					displayPhoneNumber: '493057700180',
					qualityRating: 'GREEN',
					qualityLow: false,
					source: 'graph',
					updatedAt: new Date(now - HOUR).toISOString(),
					readFromMetaAt: new Date(now - HOUR).toISOString(),
				},
				{
					phoneNumberId: null,
					displayPhoneNumber: '14155550142',
					// Stored as FLAGGED by a webhook before: shown in the read's spelling.
					qualityRating: 'RED',
					qualityLow: true,
					source: 'phone_number_quality_update',
					updatedAt: new Date(now - 2 * HOUR).toISOString(),
					readFromMetaAt: null,
				},
			],
			templates: [
				expect.objectContaining({
					name: 'order_update',
					qualityRating: 'GREEN',
					qualityLow: false,
				}),
				expect.objectContaining({
					name: 'spring_sale',
					status: null,
					qualityRating: 'RED',
					qualityLow: true,
				}),
			],
			message: expect.stringContaining('2 of the business portfolio'),
		});
		expect(item.json.message).toContain(
			'Rated low, so Send Template holds marketing: number 14155550142 (RED), template spring_sale (en).',
		);
	});
});

describe('report: cost', () => {
	// Tuesday March 3 and Wednesday March 4, 2026, in Berlin (UTC+1).
	const TUESDAY = Date.UTC(2026, 2, 3, 10);
	const WEDNESDAY = Date.UTC(2026, 2, 4, 10);
	const LATE_TUESDAY_UTC = Date.UTC(2026, 2, 3, 23, 30); // Wednesday 00:30 in Berlin

	beforeAll(async () => {
		await db.reserveSends(
			['w1', 'w2', 'w3'].map((key) => ({
				idempotencyKey: key,
				sender: SENDER,
				contact: '4915112345601',
				kind: key === 'w3' ? 'template:order_update' : 'template:spring_sale',
				category: key === 'w3' ? 'utility' : 'marketing',
				at: TUESDAY,
			})),
		);
		await db.completeSends(
			['w1', 'w2', 'w3'].map((key) => ({
				idempotencyKey: key,
				state: 'accepted' as const,
				wamid: `wamid.${key}`,
				at: TUESDAY,
			})),
		);
		await db.applyWebhookEvents(
			[
				{ key: 'c1', effects: { costs: [cost('wamid.w1', '4915112345601', TUESDAY)] } },
				{
					key: 'c2',
					effects: {
						costs: [
							cost('wamid.w2', '34612345678', LATE_TUESDAY_UTC, {
								market: 'Spain',
								estimatedPrice: 0.0615,
							}),
						],
					},
				},
				{
					key: 'c3',
					effects: {
						costs: [
							cost('wamid.w3', '4915112345601', WEDNESDAY, {
								category: 'utility',
								estimatedPrice: 0.055,
							}),
						],
					},
				},
			],
			WEDNESDAY,
		);
	});

	const parameters = (extra: Record<string, unknown> = {}) => ({
		resource: 'report',
		operation: 'cost',
		period: 'custom',
		from: '2026-03-03T00:00:00',
		to: '2026-03-04T00:00:00',
		options: { timeZone: 'Europe/Berlin' },
		...extra,
	});

	it('gives one item per day, template, category and market, then one total per currency', async () => {
		const [out] = await run({ storePath: store.path, parameters: parameters() });

		const rows = out.map((item) => item.json);
		const period = { from: '2026-03-03', to: '2026-03-04' };
		expect(rows).toEqual([
			{
				kind: 'line',
				...period,
				date: '2026-03-03',
				template: 'spring_sale',
				category: 'marketing',
				group: false,
				pricingType: 'regular',
				market: 'Germany',
				currency: 'USD',
				messages: 1,
				billable: 1,
				estimatedCost: 0.1365,
			},
			expect.objectContaining({
				date: '2026-03-04',
				template: 'order_update',
				category: 'utility',
				market: 'Germany',
			}),
			// Delivered at 23:30 UTC on Tuesday: Wednesday in Berlin.
			expect.objectContaining({ date: '2026-03-04', template: 'spring_sale', market: 'Spain' }),
			{
				kind: 'total',
				...period,
				date: null,
				template: null,
				category: null,
				group: null,
				pricingType: null,
				market: null,
				currency: 'USD',
				messages: 3,
				billable: 3,
				estimatedCost: 0.253,
			},
		]);
	});

	it('sums what is not grouped by, and writes a CSV file', async () => {
		const [[item]] = await run({
			storePath: store.path,
			parameters: parameters({ groupBy: ['template'], format: 'csv' }),
		});

		expect(item.json).toEqual({
			from: '2026-03-03',
			to: '2026-03-04',
			timeZone: 'Europe/Berlin',
			fileName: 'whatsapp-costs-2026-03-03-2026-03-04.csv',
			lines: 2,
			totals: [{ currency: 'USD', messages: 3, billable: 3, estimatedCost: 0.253 }],
		});
		expect(binaryText(item).split('\r\n')).toEqual([
			'kind,from,to,date,template,category,group,pricing_type,market,currency,messages,billable,estimated_cost',
			'line,2026-03-03,2026-03-04,,order_update,,,,,USD,1,1,0.055',
			'line,2026-03-03,2026-03-04,,spring_sale,,,,,USD,2,2,0.198',
			'total,2026-03-03,2026-03-04,,,,,,,USD,3,3,0.253',
			'',
		]);
	});

	it('names the setting a report cannot use', async () => {
		await expect(
			run({
				storePath: store.path,
				parameters: parameters({ options: { timeZone: 'Mars/Base' } }),
			}),
		).rejects.toThrow('[item 0] Time Zone: timeZone must be an IANA time zone');
		await expect(
			run({ storePath: store.path, parameters: parameters({ from: '2026-03-05T00:00:00' }) }),
		).rejects.toThrow(/\[item 0\] To: period.to \(2026-03-04\) is before period.from/);
	});

	it("uses the workflow's time zone unless one is set, and gives nothing for a period without deliveries", async () => {
		const [utc] = await run({
			storePath: store.path,
			parameters: parameters({ options: {}, groupBy: ['day'] }),
			timezone: 'UTC',
		});
		expect(utc.map((item) => [item.json.kind, item.json.date, item.json.messages])).toEqual([
			['line', '2026-03-03', 2],
			['line', '2026-03-04', 1],
			['total', null, 3],
		]);
		const [none] = await run({
			storePath: store.path,
			parameters: { resource: 'report', operation: 'cost', period: 'yesterday' },
		});
		expect(none).toEqual([]);
	});
});
