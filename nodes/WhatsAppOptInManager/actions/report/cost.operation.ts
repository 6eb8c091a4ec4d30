import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import {
	buildCostReport,
	COST_REPORT_DIMENSIONS,
	reportDays,
	ReportOptionError,
	type CostReport,
	type CostReportDimension,
	type CostReportLine,
	type LocalDay,
	type ReportPeriod,
} from '../../../core/report';
import type { Batch } from '../batch';
import { csvStream } from '../bulk/csv';
import { itemError, readText, showFor } from '../common';

const PERIODS: ReadonlyArray<{ name: string; value: string; description: string }> = [
	{ name: 'Today', value: 'today', description: 'From midnight until now' },
	{ name: 'Yesterday', value: 'yesterday', description: 'The whole day before today' },
	{ name: 'Last 7 Days', value: 'last_7_days', description: 'The 7 days before today' },
	{ name: 'Last Week', value: 'last_week', description: 'Monday to Sunday of the week before' },
	{ name: 'This Month', value: 'this_month', description: 'From the 1st until now' },
	{ name: 'Last Month', value: 'last_month', description: 'The whole month before this one' },
	{ name: 'Custom', value: 'custom', description: 'From one day to another, both included' },
];

export const description: INodeProperties[] = showFor(
	'report',
	['cost'],
	[
		{
			displayName:
				'Costs come from the message statuses the WhatsApp Webhook Trigger recorded: each delivered message at the list price of its category and market (an estimate; Meta bills volume tiers and your currency).',
			name: 'costNotice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Period',
			name: 'period',
			type: 'options',
			options: [...PERIODS],
			default: 'last_7_days',
			description: 'Which days, in the time zone of the report',
		},
		{
			displayName: 'From',
			name: 'from',
			type: 'dateTime',
			default: '',
			required: true,
			description: 'The first day of the report',
			displayOptions: { show: { period: ['custom'] } },
		},
		{
			displayName: 'To',
			name: 'to',
			type: 'dateTime',
			default: '',
			required: true,
			description: 'The last day of the report, included',
			displayOptions: { show: { period: ['custom'] } },
		},
		{
			displayName: 'Group By',
			name: 'groupBy',
			type: 'multiOptions',
			options: [
				{
					name: 'Category',
					value: 'category',
					description: 'Marketing, utility, authentication, service, with the pricing type',
				},
				{ name: 'Day', value: 'day', description: 'Each day of the period' },
				{
					name: 'Market',
					value: 'market',
					description: "The rate card market of the contact's number, e.g. Germany",
				},
				{ name: 'Template', value: 'template', description: 'The template sent' },
			],
			default: [...COST_REPORT_DIMENSIONS],
			description: 'What each line of the report is for; whatever is left out is summed up',
		},
		{
			displayName: 'Format',
			name: 'format',
			type: 'options',
			options: [
				{
					name: 'Items',
					value: 'items',
					description: 'One item per line, then one total per currency, e.g. for a spreadsheet',
				},
				{ name: 'CSV', value: 'csv', description: 'One file with every line and the totals' },
			],
			default: 'items',
		},
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add Option',
			default: {},
			options: [
				{
					displayName: 'File Name',
					name: 'fileName',
					type: 'string',
					default: '',
					placeholder: 'e.g. whatsapp-costs.csv',
					description:
						'CSV only; leave empty for whatsapp-costs- and the first and last day, e.g. whatsapp-costs-2026-05-01-2026-05-31.csv',
				},
				{
					displayName: 'Put Output File in Field',
					name: 'binaryPropertyName',
					type: 'string',
					default: 'data',
					description: 'CSV only: the binary field for the report file',
				},
				{
					displayName: 'Time Zone',
					name: 'timeZone',
					type: 'string',
					default: '',
					placeholder: 'e.g. Europe/Berlin',
					description: "Where the days begin and end; empty uses the workflow's time zone",
				},
			],
		},
	],
);

/** The CSV columns and the item fields they hold: one row per line, then one per currency total. */
const COST_COLUMNS = [
	['kind', 'kind'],
	['from', 'from'],
	['to', 'to'],
	['date', 'date'],
	['template', 'template'],
	['category', 'category'],
	['group', 'group'],
	['pricing_type', 'pricingType'],
	['market', 'market'],
	['currency', 'currency'],
	['messages', 'messages'],
	['billable', 'billable'],
	['estimated_cost', 'estimatedCost'],
] as const satisfies ReadonlyArray<readonly [string, keyof ReportRow]>;

const CSV_HEADER = COST_COLUMNS.map(([column]) => column);

/**
 * The cost report of a period from the cost ledger, summed by the store per day, template,
 * category and market, shaped by core buildCostReport. Runs once for all input items.
 */
export async function execute(this: IExecuteFunctions, batch: Batch): Promise<void> {
	if (batch.items.length === 0) return;
	const { days, by, timeZone } = readReport(this, batch.now);
	const format = this.getNodeParameter('format', 0, 'items') === 'csv' ? 'csv' : 'items';
	const store = await batch.store();
	const report = buildCostReport(await store.costReport(days), days, by);
	const from = days[0].date;
	const to = days[days.length - 1].date;
	const all = batch.items.map((_, i) => i);
	const rows = reportRows(report, from, to);
	if (format === 'items') {
		for (const row of rows) batch.emit(all, row);
		return;
	}
	const property = readText(this, 0, 'options.binaryPropertyName') ?? 'data';
	const fileName = readText(this, 0, 'options.fileName') ?? `whatsapp-costs-${from}-${to}.csv`;
	const csvRows = rows.map(
		(row) =>
			Object.fromEntries(
				COST_COLUMNS.map(([column, field]) => [column, row[field] ?? undefined]),
			) as Record<(typeof CSV_HEADER)[number], string | number | boolean | undefined>,
	);
	batch.emit(
		all,
		{
			from,
			to,
			timeZone,
			fileName,
			lines: report.lines.length,
			totals: report.totals.map((t) => ({
				currency: t.currency ?? null,
				messages: t.messages,
				billable: t.billable,
				estimatedCost: t.estimatedCost,
			})),
		},
		{
			binary: {
				[property]: await this.helpers.prepareBinaryData(
					csvStream(CSV_HEADER, onePage(csvRows)),
					fileName,
					'text/csv',
				),
			},
		},
	);
}

interface ReportRow extends IDataObject {
	kind: 'line' | 'total';
	from: string;
	to: string;
	date: string | null;
	template: string | null;
	category: string | null;
	group: boolean | null;
	pricingType: string | null;
	market: string | null;
	currency: string | null;
	messages: number;
	billable: number;
	estimatedCost: number;
}

/** Lines, then totals, all with the same fields (null where a line is not broken down by it). */
function reportRows(report: CostReport, from: string, to: string): ReportRow[] {
	const line = (l: Partial<CostReportLine>, kind: ReportRow['kind']): ReportRow => ({
		kind,
		from,
		to,
		date: l.date ?? null,
		template: l.template ?? null,
		category: l.category ?? null,
		group: l.group ?? null,
		pricingType: l.pricingType ?? null,
		market: l.market ?? null,
		currency: l.currency ?? null,
		messages: l.messages ?? 0,
		billable: l.billable ?? 0,
		estimatedCost: l.estimatedCost ?? 0,
	});
	return [
		...report.lines.map((l) => line(l, 'line')),
		...report.totals.map((t) => line(t, 'total')),
	];
}

/** The period's days in the report's time zone and what to break it down by. */
function readReport(
	ctx: IExecuteFunctions,
	now: number,
): { days: LocalDay[]; by: CostReportDimension[]; timeZone: string } {
	const timeZone = readText(ctx, 0, 'options.timeZone') ?? ctx.getTimezone();
	const chosen = String(ctx.getNodeParameter('period', 0, 'last_7_days'));
	const period: ReportPeriod =
		chosen === 'custom'
			? {
					from: dateOf(ctx.getNodeParameter('from', 0, '')),
					to: dateOf(ctx.getNodeParameter('to', 0, '')),
				}
			: (chosen as ReportPeriod);
	const by = (ctx.getNodeParameter('groupBy', 0, [...COST_REPORT_DIMENSIONS]) as string[]).filter(
		(d): d is CostReportDimension => COST_REPORT_DIMENSIONS.includes(d as CostReportDimension),
	);
	try {
		return { days: reportDays(period, now, timeZone), by, timeZone };
	} catch (error) {
		if (!(error instanceof ReportOptionError)) {
			throw new NodeOperationError(ctx.getNode(), error as Error, { itemIndex: 0 });
		}
		const label =
			error.field === 'timeZone'
				? 'Time Zone'
				: error.field.startsWith('period.')
					? error.field === 'period.from'
						? 'From'
						: 'To'
					: 'Period';
		throw itemError(ctx, 0, `${label}: ${error.message}`, fixFor(error.field));
	}
}

function fixFor(field: string): string {
	if (field === 'timeZone')
		return 'Enter an IANA time zone such as Europe/Berlin, or leave it empty.';
	if (field === 'period') return 'Choose a shorter period, e.g. one month at a time.';
	return 'Pick the first and the last day of the report, the first one not after the last.';
}

/** A date picker's value ("2026-03-01T00:00:00", a DateTime from an expression) as its day. */
function dateOf(value: unknown): string {
	const text =
		typeof value === 'string'
			? value
			: value instanceof Date
				? value.toISOString()
				: String(value ?? '');
	return /^\d{4}-\d{2}-\d{2}/.test(text) ? text.slice(0, 10) : text;
}

/** The report's rows, read already: one page for the CSV writer. */
async function* onePage<T>(rows: T[]): AsyncGenerator<T[]> {
	yield rows;
}
