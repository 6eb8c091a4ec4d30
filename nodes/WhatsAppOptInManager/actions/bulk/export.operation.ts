import { Readable } from 'node:stream';

import type { IBinaryKeyData, IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ConsentEvent, ConsentRecord } from '../../../core/model';
import type { ConsentStore, StoreLifecycle } from '../../../core/store/types';
import type { Batch } from '../batch';
import { compact, eventJson, iso, itemError, readText, showFor } from '../common';
import { CONSENT_COLUMNS, HISTORY_COLUMNS, consentRow, csvStream, historyRow } from './csv';

/** Rows per listConsents call (the store allows up to 10,000). */
const PAGE = 5000;

export const description: INodeProperties[] = showFor(
	'bulk',
	['export'],
	[
		{
			displayName:
				"Exports every consent of the store as one file, for audits. CSV columns: contact, purpose, status, changed_at, source, wording, opted_in_at, confirmed_at, opted_out_at (times in UTC, ISO 8601). A cell starting with =, +, - or @ gets a leading ' so spreadsheets show it instead of running it.",
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
					description:
						"Leave empty for whatsapp-consents- and today's date (UTC), e.g. whatsapp-consents-2026-05-31.csv",
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

/** What an export counted while it streamed. */
interface Counts {
	consents: number;
	contacts: number;
	historyEvents: number;
}

/**
 * Exports all consents (and optionally every change) into one file per kind, streamed into the
 * binary output while the store is read page by page (PAGE consents, then the histories of their
 * contacts in one read): memory stays flat however many contacts the store holds. Runs once for
 * all input items; the one output item is paired with every input item.
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
	const counts: Counts = { consents: 0, contacts: 0, historyEvents: 0 };
	const binary: IBinaryKeyData = {};
	if (format === 'json') {
		const document = jsonDocument(store, batch.now, includeHistory, counts);
		binary[property] = await this.helpers.prepareBinaryData(
			Readable.from(utf8(document)),
			fileName,
			'application/json',
		);
	} else {
		const rows = mapPages(consentPages(store, counts), consentRow);
		binary[property] = await this.helpers.prepareBinaryData(
			csvStream(CONSENT_COLUMNS, rows),
			fileName,
			'text/csv',
		);
		if (includeHistory) {
			const history = mapPages(historyPages(store, counts), historyRow);
			binary[historyProperty] = await this.helpers.prepareBinaryData(
				csvStream(HISTORY_COLUMNS, history),
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
			contacts: counts.contacts,
			consents: counts.consents,
			...(includeHistory ? { historyEvents: counts.historyEvents } : {}),
			fileName,
		},
		{ binary },
	);
}

/** Every consent in (contact, purpose) order, a page at a time, counted as it passes. */
async function* consentPages(
	store: ConsentStore,
	counts: Pick<Counts, 'consents' | 'contacts'>,
): AsyncGenerator<ConsentRecord[]> {
	let after: { contact: string; purpose: string } | undefined;
	for (;;) {
		const page = await store.listConsents({ after, limit: PAGE });
		for (const record of page) {
			if (record.contact !== after?.contact) counts.contacts++;
			counts.consents++;
			after = { contact: record.contact, purpose: record.purpose };
		}
		if (page.length > 0) yield page;
		if (page.length < PAGE) return;
	}
}

/** The histories of the contacts with a consent, one store read per page of consents. */
async function* historyPages(store: ConsentStore, counts: Counts): AsyncGenerator<ConsentEvent[]> {
	let lastContact: string | undefined;
	for await (const page of consentPages(store, { consents: 0, contacts: 0 })) {
		// A contact whose purposes span two pages was read with the first.
		const contacts = [...new Set(page.map((c) => c.contact))].filter((c) => c !== lastContact);
		lastContact = page[page.length - 1].contact;
		const histories = await store.getConsentHistories(contacts);
		const events = contacts.flatMap((c) => histories.get(c) ?? []);
		counts.historyEvents += events.length;
		yield events;
	}
}

async function* mapPages<T, U>(
	pages: AsyncIterable<T[]>,
	map: (item: T) => U,
): AsyncGenerator<U[]> {
	for await (const page of pages) yield page.map(map);
}

/**
 * The JSON file, as text chunks: exportedAt, backend, consents, history (when asked), then the
 * number of contacts, counted on the way.
 */
async function* jsonDocument(
	store: ConsentStore & Pick<StoreLifecycle, 'backend'>,
	now: number,
	includeHistory: boolean,
	counts: Counts,
): AsyncGenerator<string> {
	yield `{\n  "exportedAt": ${JSON.stringify(iso(now))},\n  "backend": ${JSON.stringify(store.backend)}`;
	yield* jsonArray('consents', mapPages(consentPages(store, counts), consentJson));
	if (includeHistory) yield* jsonArray('history', mapPages(historyPages(store, counts), eventJson));
	yield `,\n  "contacts": ${counts.contacts}\n}\n`;
}

/** n8n reads binary streams as bytes. */
async function* utf8(chunks: AsyncIterable<string>): AsyncGenerator<Buffer> {
	for await (const chunk of chunks) yield Buffer.from(chunk, 'utf8');
}

async function* jsonArray(
	name: string,
	pages: AsyncIterable<IDataObject[]>,
): AsyncGenerator<string> {
	yield `,\n  ${JSON.stringify(name)}: [`;
	let first = true;
	for await (const page of pages) {
		if (page.length === 0) continue;
		yield (first ? '\n    ' : ',\n    ') + page.map((item) => JSON.stringify(item)).join(',\n    ');
		first = false;
	}
	yield first ? ']' : '\n  ]';
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
