import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ConsentAction } from '../../../core/model';
import type { Batch } from '../batch';
import {
	itemError,
	readContact,
	readEvidence,
	readPurposes,
	readSource,
	readText,
	readTime,
	recordedBy,
} from '../parameters';
import {
	contactProperty,
	countryOptions,
	evidenceProperty,
	purposesProperty,
	showFor,
	sourceProperty,
	topicsProperty,
} from '../properties';
import { type PlannedEvent, planEvents, recordEvents } from '../recording';

const STATUS_ACTIONS: Record<string, ConsentAction> = {
	opted_in: 'opt_in',
	pending: 'request_confirmation',
	opted_out: 'opt_out',
};

export const description: INodeProperties[] = showFor(
	'bulk',
	['import'],
	[
		{
			displayName:
				'Each input item is one consent change; map its fields with expressions. Rows imported before (same contact, purpose, status, time and source) are skipped, so an import can be run again.',
			name: 'importNotice',
			type: 'notice',
			default: '',
		},
		{ ...contactProperty, placeholder: 'e.g. {{ $json.phone }}' },
		{
			...purposesProperty,
			description:
				'The purposes of the row; map a comma-separated column with an expression, e.g. {{ $json.purposes }}',
		},
		topicsProperty,
		{
			displayName: 'Status',
			name: 'status',
			type: 'options',
			options: [
				{ name: 'Opted In', value: 'opted_in' },
				{
					name: 'Pending Confirmation',
					value: 'pending',
					description: 'Double opt-in requested, not yet confirmed',
				},
				{ name: 'Opted Out', value: 'opted_out' },
			],
			default: 'opted_in',
			description: 'What the row records; map a column with opted_in, pending or opted_out',
		},
		{
			displayName: 'Time',
			name: 'time',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. {{ $json.consented_at }}',
			description:
				'When the consent was given or withdrawn, as ISO 8601, epoch milliseconds or seconds; part of the duplicate check',
		},
		sourceProperty(
			'import',
			'Where the consent came from (part of the duplicate check); map a column with an expression, e.g. {{ $json.source }}',
		),
		{
			displayName: 'Wording',
			name: 'wording',
			type: 'string',
			default: '',
			placeholder: 'e.g. {{ $json.checkbox_text }}',
			description: 'The exact text the contact agreed to, kept as proof',
		},
		{
			displayName: 'Reason',
			name: 'reason',
			type: 'string',
			default: '',
			placeholder: 'e.g. {{ $json.unsubscribe_reason }}',
			description: 'Why the contact opted out (opt-outs only)',
		},
		evidenceProperty,
		countryOptions(),
	],
);

/**
 * Imports consent changes from all items at once: each row is checked first (bad rows fail alone),
 * then recorded in store calls of a few thousand rows. Every event carries a key made of contact,
 * purpose, action, time and source, so a second run skips what the first recorded. One summary
 * item comes out, paired with every row.
 */
export async function execute(this: IExecuteFunctions, batch: Batch): Promise<void> {
	const by = recordedBy(this);
	const read = batch.each((itemIndex): PlannedEvent[] => {
		const contact = readContact(this, itemIndex);
		const purposes = readPurposes(this, itemIndex);
		const status = String(this.getNodeParameter('status', itemIndex, 'opted_in') ?? '').trim();
		const action = STATUS_ACTIONS[status];
		if (!action) {
			throw itemError(
				this,
				itemIndex,
				`Status "${status.slice(0, 30)}" is not a consent status`,
				'Use opted_in, pending or opted_out (map your column with an expression if it says e.g. "yes").',
			);
		}
		const at = readTime(this, itemIndex, 'time', batch.now, { label: 'Time', required: true });
		const source = readSource(this, itemIndex, 'import');
		const wording = readText(this, itemIndex, 'wording');
		const reason = action === 'opt_out' ? readText(this, itemIndex, 'reason') : undefined;
		const evidence = readEvidence(this, itemIndex);
		return planEvents(itemIndex, {
			contact,
			purposes,
			action,
			at,
			source,
			wording,
			reason,
			evidence,
			recordedBy: by,
		});
	});
	const failed = batch.items.length - read.length;
	if (read.length === 0) return;

	const store = await batch.store();
	const outcomes = await recordEvents(
		store,
		read.flatMap((r) => r.value),
		batch.now,
	);
	let imported = 0;
	let notApplied = 0;
	let duplicates = 0;
	let suppressed = 0;
	for (const outcome of outcomes) {
		if ('stored' in outcome) {
			imported++;
			if (!outcome.stored.applied) notApplied++;
		} else if (outcome.skipped === 'duplicate') duplicates++;
		else suppressed++;
	}
	const rows = batch.items.length;
	batch.emit(
		read.map((r) => r.itemIndex),
		{
			rows,
			events: outcomes.length,
			imported,
			notApplied,
			duplicates,
			suppressed,
			failed,
			message: importMessage({ rows, imported, notApplied, duplicates, suppressed, failed }),
		},
	);
}

function importMessage(c: {
	rows: number;
	imported: number;
	notApplied: number;
	duplicates: number;
	suppressed: number;
	failed: number;
}): string {
	const parts = [
		`Imported ${c.imported} consent change${c.imported === 1 ? '' : 's'} from ${c.rows} row${c.rows === 1 ? '' : 's'}.`,
	];
	if (c.notApplied > 0) {
		parts.push(
			`${c.notApplied} of them are kept in the history only, because a newer change of the same purpose decides.`,
		);
	}
	if (c.duplicates > 0) parts.push(`${c.duplicates} were imported before and skipped.`);
	if (c.suppressed > 0) {
		parts.push(
			`${c.suppressed} belong to erased contacts and were dropped: they stay on the suppression list.`,
		);
	}
	if (c.failed > 0)
		parts.push(`${c.failed} row${c.failed === 1 ? '' : 's'} failed (see the error items).`);
	return parts.join(' ');
}
