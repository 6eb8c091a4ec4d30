import type { IBinaryKeyData, IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ConsentEvent, ConsentRecord } from '../../../core/model';
import type { ComplianceStore } from '../../../core/store/types';
import type { Batch } from '../batch';
import { compact, eventJson, iso, itemError, readText, showFor } from '../common';
import { CONSENT_COLUMNS, HISTORY_COLUMNS, consentRow, historyRow, toCsv } from './csv';

/** Rows per listConsents call (the store allows up to 10,000). */
const PAGE = 5000;

export const description: INodeProperties[] = showFor(
	'bulk',
	['export'],
	[
		{
			displayName:
				'Exports every consent of the store as one file, for audits. CSV columns: contact, purpose, status, changed_at, source, wording, opted_in_at, confirmed_at, opted_out_at (times in UTC, ISO 8601).',
			name: 'exportNotice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Format',
			name: 'format',
			type: 'options',
			options: [
				{ name: 'CSV', value: 'csv' },
				{ name: 'JSON', value: 'json' },
			],
			default: 'csv',
		},
		{
			displayName: 'Include History',
			name: 'includeHistory',
			type: 'boolean',
			default: false,
			description:
				'Whether to add every consent change with its wording and evidence (the proof trail): in JSON as "history", in CSV as a second file',
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
					placeholder: 'e.g. consents.csv',
					description: 'Leave empty for whatsapp-consents-<date>.csv or .json',
				},
				{
					displayName: 'Put History in Field',
					name: 'historyBinaryPropertyName',
					type: 'string',
					default: 'history',
					description: 'CSV with history only: the binary field for the history file',
				},
				{
					displayName: 'Put Output File in Field',
					name: 'binaryPropertyName',
					type: 'string',
					default: 'data',
					description: 'The binary field for the exported file',
				},
			],
		},
	],
);

/**
 * Exports all consents (and optionally every change) into one file, paging through the store.
 * Runs once for all input items; the one output item is paired with every input item.
 */
export async function execute(this: IExecuteFunctions, batch: Batch): Promise<void> {
	if (batch.items.length === 0) return;
	const format = this.getNodeParameter('format', 0, 'csv') === 'json' ? 'json' : 'csv';
	const includeHistory = this.getNodeParameter('includeHistory', 0, false) === true;
	const property = readText(this, 0, 'options.binaryPropertyName') ?? 'data';
	const historyProperty = readText(this, 0, 'options.historyBinaryPropertyName') ?? 'history';
	if (format === 'csv' && includeHistory && property === historyProperty) {
		throw itemError(
			this,
			0,
			`Put Output File in Field and Put History in Field are both "${property}"`,
			'Give the history file its own field, e.g. history.',
		);
	}
	const date = iso(batch.now).slice(0, 10);
	const fileName = readText(this, 0, 'options.fileName') ?? `whatsapp-consents-${date}.${format}`;

	const store = await batch.store();
	const consents = await allConsents(store);
	const contacts = [...new Set(consents.map((c) => c.contact))];
	const history: ConsentEvent[] = [];
	if (includeHistory) {
		for (const contact of contacts) history.push(...(await store.getConsentHistory(contact)));
	}

	const binary: IBinaryKeyData = {};
	if (format === 'json') {
		const document: IDataObject = {
			exportedAt: iso(batch.now),
			backend: store.backend,
			contacts: contacts.length,
			consents: consents.map(consentJson),
			...(includeHistory ? { history: history.map(eventJson) } : {}),
		};
		binary[property] = await this.helpers.prepareBinaryData(
			Buffer.from(JSON.stringify(document, null, 2), 'utf8'),
			fileName,
			'application/json',
		);
	} else {
		binary[property] = await this.helpers.prepareBinaryData(
			Buffer.from(toCsv(CONSENT_COLUMNS, consents.map(consentRow)), 'utf8'),
			fileName,
			'text/csv',
		);
		if (includeHistory) {
			binary[historyProperty] = await this.helpers.prepareBinaryData(
				Buffer.from(toCsv(HISTORY_COLUMNS, history.map(historyRow)), 'utf8'),
				fileName.replace(/(\.csv)?$/i, '-history.csv'),
				'text/csv',
			);
		}
	}
	batch.emit(
		batch.items.map((_, i) => i),
		{
			format,
			exportedAt: iso(batch.now),
			contacts: contacts.length,
			consents: consents.length,
			...(includeHistory ? { historyEvents: history.length } : {}),
			fileName,
		},
		{ binary },
	);
}

async function allConsents(store: ComplianceStore): Promise<ConsentRecord[]> {
	const all: ConsentRecord[] = [];
	let after: { contact: string; purpose: string } | undefined;
	for (;;) {
		const page = await store.listConsents({ after, limit: PAGE });
		all.push(...page);
		if (page.length < PAGE) return all;
		const last = page[page.length - 1];
		after = { contact: last.contact, purpose: last.purpose };
	}
}

function consentJson(c: ConsentRecord): IDataObject {
	return compact({
		contact: c.contact,
		purpose: c.purpose,
		status: c.status,
		changedAt: iso(c.changedAt),
		source: c.source,
		wording: c.wording,
		optedInAt: iso(c.optedInAt),
		confirmedAt: iso(c.confirmedAt),
		optedOutAt: iso(c.optedOutAt),
	});
}
