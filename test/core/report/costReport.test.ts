import {
	buildCostReport,
	costCategory,
	reportDays,
	type CostLedgerGroup,
} from '../../../nodes/core/report';

const DAYS = reportDays({ from: '2026-03-01', to: '2026-03-02' }, Date.UTC(2026, 2, 3), 'UTC');

const group = (extra: Partial<CostLedgerGroup>): CostLedgerGroup => ({
	day: 0,
	template: 'spring_sale',
	category: 'marketing',
	pricingType: 'regular',
	market: 'Germany',
	currency: 'USD',
	messages: 1,
	billable: 1,
	estimatedTotal: 0.1365,
	...extra,
});

describe('cost report', () => {
	it('reads group categories as the category they bill at, flagged as group messages', () => {
		expect(costCategory('group_marketing')).toEqual({ category: 'marketing', group: true });
		expect(costCategory('group_service')).toEqual({ category: 'service', group: true });
		expect(costCategory('authentication-international')).toEqual({
			category: 'authentication_international',
			group: false,
		});
		expect(costCategory('Utility')).toEqual({ category: 'utility', group: false });
	});

	it('labels each line with its local day and keeps group messages apart from one-to-one ones', () => {
		const report = buildCostReport(
			[
				group({ day: 1, messages: 3, billable: 3, estimatedTotal: 0.4095 }),
				// One group message delivered to 4 members: 4 charges.
				group({ category: 'group_marketing', messages: 4, billable: 4, estimatedTotal: 0.546 }),
				group({
					template: undefined,
					category: 'service',
					pricingType: 'free_customer_service',
					billable: 0,
					estimatedTotal: 0,
				}),
			],
			DAYS,
		);
		expect(report.lines).toEqual([
			{
				date: '2026-03-01',
				category: 'service',
				group: false,
				pricingType: 'free_customer_service',
				market: 'Germany',
				currency: 'USD',
				messages: 1,
				billable: 0,
				estimatedCost: 0,
			},
			{
				date: '2026-03-01',
				template: 'spring_sale',
				category: 'marketing',
				group: true,
				pricingType: 'regular',
				market: 'Germany',
				currency: 'USD',
				messages: 4,
				billable: 4,
				estimatedCost: 0.546,
			},
			{
				date: '2026-03-02',
				template: 'spring_sale',
				category: 'marketing',
				group: false,
				pricingType: 'regular',
				market: 'Germany',
				currency: 'USD',
				messages: 3,
				billable: 3,
				estimatedCost: 0.4095,
			},
		]);
		expect(report.totals).toEqual([
			{ currency: 'USD', messages: 8, billable: 7, estimatedCost: 0.9555 },
		]);
	});

	it('merges groups that Meta spelled two ways and rounds away float noise', () => {
		const report = buildCostReport(
			[
				group({ category: 'authentication-international', estimatedTotal: 0.1 }),
				group({ category: 'authentication_international', estimatedTotal: 0.2 }),
			],
			DAYS,
		);
		expect(report.lines).toHaveLength(1);
		expect(report.lines[0]).toMatchObject({ messages: 2, billable: 2, estimatedCost: 0.3 });
	});

	it('never adds up different currencies, nor deliveries it could not estimate', () => {
		const report = buildCostReport(
			[
				group({ currency: 'USD', estimatedTotal: 0.1365 }),
				group({ currency: 'EUR', market: 'Germany', estimatedTotal: 0.1131 }),
				group({
					currency: undefined,
					market: undefined,
					category: 'marketing_lite',
					estimatedTotal: 0,
				}),
			],
			DAYS,
		);
		expect(report.totals).toEqual([
			{ messages: 1, billable: 1, estimatedCost: 0 },
			{ currency: 'EUR', messages: 1, billable: 1, estimatedCost: 0.1131 },
			{ currency: 'USD', messages: 1, billable: 1, estimatedCost: 0.1365 },
		]);
	});

	it('refuses a group for a day the report does not have', () => {
		expect(() => buildCostReport([group({ day: 2 })], DAYS)).toThrow(RangeError);
	});
});

describe('cost report: broken down by what the reader chose', () => {
	const groups = [
		group({}),
		group({ day: 1, template: 'autumn_sale', market: 'Spain', estimatedTotal: 0.0615 }),
		group({
			day: 1,
			category: 'utility',
			template: 'order_update',
			estimatedTotal: 0.055,
			currency: 'EUR',
		}),
	];

	it('sums everything left out, and keeps currencies apart', () => {
		expect(buildCostReport(groups, DAYS, []).lines).toEqual([
			{ messages: 1, billable: 1, estimatedCost: 0.055, currency: 'EUR' },
			{ messages: 2, billable: 2, estimatedCost: 0.198, currency: 'USD' },
		]);
	});

	it('per template only: the period as a whole', () => {
		expect(
			buildCostReport(groups, DAYS, ['template']).lines.map((l) => [l.template, l.messages]),
		).toEqual([
			['autumn_sale', 1],
			['order_update', 1],
			['spring_sale', 1],
		]);
	});

	it('per market and category: the category brings its pricing type and group flag', () => {
		expect(buildCostReport(groups, DAYS, ['market', 'category']).lines).toEqual([
			{
				category: 'marketing',
				group: false,
				pricingType: 'regular',
				market: 'Germany',
				currency: 'USD',
				messages: 1,
				billable: 1,
				estimatedCost: 0.1365,
			},
			{
				category: 'marketing',
				group: false,
				pricingType: 'regular',
				market: 'Spain',
				currency: 'USD',
				messages: 1,
				billable: 1,
				estimatedCost: 0.0615,
			},
			{
				category: 'utility',
				group: false,
				pricingType: 'regular',
				market: 'Germany',
				currency: 'EUR',
				messages: 1,
				billable: 1,
				estimatedCost: 0.055,
			},
		]);
	});
});
