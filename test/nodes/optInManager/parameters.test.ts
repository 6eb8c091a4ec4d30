import { NodeHelpers, type INode, type INodeProperties } from 'n8n-workflow';

import { parseTime } from '../../../nodes/WhatsAppOptInManager/actions/parameters';
import { consentEventKey } from '../../../nodes/WhatsAppOptInManager/actions/recording';
import { csvStream } from '../../../nodes/WhatsAppOptInManager/actions/bulk/csv';
import { copyProblems } from '../uxCopy';
import { node } from './context';

type Pin = [resource: string, operation: string, name: string, type: string, defaultValue: unknown];

/**
 * Saved workflows refer to these names, types and defaults: renaming one breaks them. This list
 * changes only on purpose (and then with a new node version).
 */
const CONTRACT: Pin[] = [
	['', '', 'storeNotice', 'callout', ''],
	['', '', 'resource', 'options', 'consent'],
	['consent', '', 'operation', 'options', 'optIn'],
	['consent', 'optIn', 'contact', 'string', ''],
	['consent', 'optIn', 'purposes', 'multiOptions', ['marketing']],
	['consent', 'optIn', 'topics', 'string', ''],
	['consent', 'optIn', 'source', 'options', 'web_form'],
	['consent', 'optIn', 'wording', 'string', ''],
	['consent', 'optIn', 'doubleOptIn', 'boolean', false],
	['consent', 'optIn', 'evidence', 'collection', {}],
	['consent', 'optIn', 'evidence.url', 'string', ''],
	['consent', 'optIn', 'evidence.ip', 'string', ''],
	['consent', 'optIn', 'evidence.messageId', 'string', ''],
	['consent', 'optIn', 'evidence.note', 'string', ''],
	['consent', 'optIn', 'evidence.userAgent', 'string', ''],
	['consent', 'optIn', 'options', 'collection', {}],
	['consent', 'optIn', 'options.defaultCountry', 'options', ''],
	['consent', 'optIn', 'options.time', 'dateTime', ''],
	['consent', 'confirm', 'contact', 'string', ''],
	['consent', 'confirm', 'confirmScope', 'options', 'pending'],
	['consent', 'confirm', 'purposes', 'multiOptions', ['marketing']],
	['consent', 'confirm', 'topics', 'string', ''],
	['consent', 'confirm', 'source', 'options', 'whatsapp'],
	['consent', 'confirm', 'evidence', 'collection', {}],
	['consent', 'confirm', 'evidence.url', 'string', ''],
	['consent', 'confirm', 'evidence.ip', 'string', ''],
	['consent', 'confirm', 'evidence.messageId', 'string', ''],
	['consent', 'confirm', 'evidence.note', 'string', ''],
	['consent', 'confirm', 'evidence.userAgent', 'string', ''],
	['consent', 'confirm', 'options', 'collection', {}],
	['consent', 'confirm', 'options.defaultCountry', 'options', ''],
	['consent', 'confirm', 'options.time', 'dateTime', ''],
	['consent', 'optOut', 'contact', 'string', ''],
	['consent', 'optOut', 'optOutScope', 'options', 'all'],
	['consent', 'optOut', 'purposes', 'multiOptions', ['marketing']],
	['consent', 'optOut', 'topics', 'string', ''],
	['consent', 'optOut', 'reason', 'string', ''],
	['consent', 'optOut', 'source', 'options', 'whatsapp'],
	['consent', 'optOut', 'evidence', 'collection', {}],
	['consent', 'optOut', 'evidence.url', 'string', ''],
	['consent', 'optOut', 'evidence.ip', 'string', ''],
	['consent', 'optOut', 'evidence.messageId', 'string', ''],
	['consent', 'optOut', 'evidence.note', 'string', ''],
	['consent', 'optOut', 'evidence.userAgent', 'string', ''],
	['consent', 'optOut', 'options', 'collection', {}],
	['consent', 'optOut', 'options.defaultCountry', 'options', ''],
	['consent', 'optOut', 'options.time', 'dateTime', ''],
	['consent', 'check', 'checkNotice', 'notice', ''],
	['consent', 'check', 'contact', 'string', ''],
	['consent', 'check', 'purpose', 'options', 'marketing'],
	['consent', 'check', 'topic', 'string', ''],
	['consent', 'check', 'options', 'collection', {}],
	['consent', 'check', 'options.defaultCountry', 'options', ''],
	// WhatsApp Opt-in Manager Tool only.
	['consent', 'check', 'fullResult', 'boolean', false],
	['consent', 'getStatus', 'contact', 'string', ''],
	['consent', 'getStatus', 'options', 'collection', {}],
	['consent', 'getStatus', 'options.defaultCountry', 'options', ''],
	['consent', 'getStatus', 'options.frequencyCapDays', 'number', 7],
	['consent', 'getStatus', 'options.senderNumberId', 'string', ''],
	['contact', '', 'operation', 'options', 'getHistory'],
	['contact', 'getHistory', 'contact', 'string', ''],
	['contact', 'getHistory', 'output', 'options', 'trail'],
	['contact', 'getHistory', 'options', 'collection', {}],
	['contact', 'getHistory', 'options.defaultCountry', 'options', ''],
	['contact', 'erase', 'eraseNotice', 'notice', ''],
	['contact', 'erase', 'contact', 'string', ''],
	['contact', 'erase', 'options', 'collection', {}],
	['contact', 'erase', 'options.defaultCountry', 'options', ''],
	['bulk', '', 'operation', 'options', 'import'],
	['bulk', 'import', 'importNotice', 'notice', ''],
	['bulk', 'import', 'contact', 'string', ''],
	['bulk', 'import', 'purposes', 'multiOptions', ['marketing']],
	['bulk', 'import', 'topics', 'string', ''],
	['bulk', 'import', 'status', 'options', 'opted_in'],
	['bulk', 'import', 'time', 'string', ''],
	['bulk', 'import', 'source', 'options', 'import'],
	['bulk', 'import', 'wording', 'string', ''],
	['bulk', 'import', 'reason', 'string', ''],
	['bulk', 'import', 'evidence', 'collection', {}],
	['bulk', 'import', 'evidence.url', 'string', ''],
	['bulk', 'import', 'evidence.ip', 'string', ''],
	['bulk', 'import', 'evidence.messageId', 'string', ''],
	['bulk', 'import', 'evidence.note', 'string', ''],
	['bulk', 'import', 'evidence.userAgent', 'string', ''],
	['bulk', 'import', 'options', 'collection', {}],
	['bulk', 'import', 'options.defaultCountry', 'options', ''],
	['bulk', 'export', 'exportNotice', 'notice', ''],
	['bulk', 'export', 'format', 'options', 'csv'],
	['bulk', 'export', 'includeHistory', 'boolean', false],
	['bulk', 'export', 'options', 'collection', {}],
	['bulk', 'export', 'options.fileName', 'string', ''],
	['bulk', 'export', 'options.historyBinaryPropertyName', 'string', 'history'],
	['bulk', 'export', 'options.binaryPropertyName', 'string', 'data'],
	['account', '', 'operation', 'options', 'getStatus'],
	['account', 'getStatus', 'accountNotice', 'notice', ''],
	['report', '', 'operation', 'options', 'cost'],
	['report', 'cost', 'costNotice', 'notice', ''],
	['report', 'cost', 'period', 'options', 'last_7_days'],
	['report', 'cost', 'from', 'dateTime', ''],
	['report', 'cost', 'to', 'dateTime', ''],
	['report', 'cost', 'groupBy', 'multiOptions', ['day', 'template', 'category', 'market']],
	['report', 'cost', 'format', 'options', 'items'],
	['report', 'cost', 'options', 'collection', {}],
	['report', 'cost', 'options.fileName', 'string', ''],
	['report', 'cost', 'options.binaryPropertyName', 'string', 'data'],
	['report', 'cost', 'options.timeZone', 'string', ''],
	['send', '', 'operation', 'options', 'getUnconfirmed'],
	['send', 'getMany', 'returnAll', 'boolean', false],
	['send', 'getMany', 'limit', 'number', 50],
	['send', 'getMany', 'filters', 'collection', {}],
	['send', 'getMany', 'filters.keyPrefix', 'string', ''],
	['send', 'getMany', 'filters.sentAfter', 'dateTime', ''],
	['send', 'getMany', 'filters.sentBefore', 'dateTime', ''],
	['send', 'getMany', 'filters.template', 'string', ''],
	['send', 'getUnconfirmed', 'unconfirmedNotice', 'notice', ''],
	['send', 'getUnconfirmed', 'olderThanMinutes', 'number', 5],
	['send', 'release', 'releaseNotice', 'notice', ''],
	['send', 'release', 'idempotencyKey', 'string', ''],
];

function pins(properties: INodeProperties[]): Pin[] {
	const list: Pin[] = [];
	for (const p of properties) {
		const show = p.displayOptions?.show ?? {};
		const resource = (show.resource as string[] | undefined)?.join(',') ?? '';
		const operation = (show.operation as string[] | undefined)?.join(',') ?? '';
		list.push([resource, operation, p.name, p.type, p.default]);
		if (p.type === 'collection') {
			for (const o of p.options as INodeProperties[]) {
				list.push([resource, operation, `${p.name}.${o.name}`, o.type, o.default]);
			}
		}
	}
	return list;
}

describe('opt-in manager parameters', () => {
	it('keeps every parameter name, type and default saved workflows rely on', () => {
		expect(pins(node.description.properties)).toEqual(CONTRACT);
	});

	it('keeps the node name, version, outputs and credentials', () => {
		const { description } = node;
		expect(description).toMatchObject({
			name: 'whatsAppOptInManager',
			version: 1,
			usableAsTool: true,
			inputs: ['main'],
			credentials: [
				{
					name: 'whatsAppComplianceStoreApi',
					displayName: 'Compliance Store (Optional)',
					required: false,
					testedBy: 'testComplianceStore',
				},
			],
		});
		expect(description.outputs).toMatch(/^=\{\{.*"check".*"Allowed".*"Not Allowed"/);
		expect(node.methods.credentialTest.testComplianceStore).toBeInstanceOf(Function);
	});

	it('lets Check take its Purpose from an expression: n8n reports no missing parameter', () => {
		// n8n shows every parameter that depends on an expression, so a required Topic would block it.
		const check = (parameters: Record<string, unknown>) =>
			NodeHelpers.getNodeParametersIssues(
				node.description.properties,
				{
					id: 'check',
					name: 'Check',
					type: 'n8n-nodes-whatsapp-compliance.whatsAppOptInManager',
					typeVersion: 1,
					position: [0, 0],
					parameters: {
						resource: 'consent',
						operation: 'check',
						contact: '+4915112345678',
						...parameters,
					},
				} as INode,
				node.description,
			);
		expect(check({ purpose: '={{ $json.purpose }}' })).toBeNull();
		expect(check({ purpose: 'marketing' })).toBeNull();
	});

	it('describes every parameter in one sentence without a final period', () => {
		expect(copyProblems(node.description.properties)).toEqual([]);
	});

	it('lists the options of every collection in alphabetical order', () => {
		for (const p of node.description.properties.filter((x) => x.type === 'collection')) {
			const names = (p.options as INodeProperties[]).map((o) => o.displayName);
			expect([p.name, names]).toEqual([p.name, [...names].sort((a, b) => a.localeCompare(b))]);
		}
	});
});

describe('time parameter', () => {
	const zone = 'Europe/Berlin';

	it('reads ISO 8601 with an offset as given and without one in the workflow time zone', () => {
		expect(parseTime('2025-06-01T10:30:00Z', zone)).toBe(Date.UTC(2025, 5, 1, 10, 30));
		expect(parseTime('2025-06-01T10:30:00', zone)).toBe(Date.UTC(2025, 5, 1, 8, 30));
	});

	it('reads an explicit offset exactly and refuses impossible dates', () => {
		expect(parseTime('2025-06-01T10:30:00.250+02:00', zone)).toBe(
			Date.UTC(2025, 5, 1, 8, 30, 0, 250),
		);
		expect(parseTime('2025-13-01T10:30:00Z', zone)).toBeUndefined();
	});

	it('reads epoch milliseconds and seconds, as numbers or digits', () => {
		const ms = Date.UTC(2025, 5, 1);
		expect(parseTime(ms, zone)).toBe(ms);
		expect(parseTime(ms / 1000, zone)).toBe(ms);
		expect(parseTime(String(ms / 1000), zone)).toBe(ms);
	});

	it('reads SQL and RFC 2822 dates and Date objects', () => {
		expect(parseTime('2025-06-01 10:30:00', 'UTC')).toBe(Date.UTC(2025, 5, 1, 10, 30));
		expect(parseTime('Sun, 01 Jun 2025 10:30:00 +0000', zone)).toBe(Date.UTC(2025, 5, 1, 10, 30));
		expect(parseTime(new Date(Date.UTC(2025, 5, 1)), zone)).toBe(Date.UTC(2025, 5, 1));
	});

	it('answers undefined for empty and unreadable values', () => {
		expect(parseTime('', zone)).toBeUndefined();
		expect(parseTime('next tuesday', zone)).toBeUndefined();
		expect(parseTime(Number.NaN, zone)).toBeUndefined();
	});
});

describe('consent event key', () => {
	const base = {
		contact: '4915123456701',
		purpose: 'marketing',
		action: 'opt_in' as const,
		at: 1,
		source: 'import',
	};

	it('is the same for the same contact, purpose, action, time and source', () => {
		expect(consentEventKey({ ...base })).toBe(consentEventKey(base));
	});

	it('differs when any of them differs', () => {
		const keys = new Set([
			consentEventKey(base),
			consentEventKey({ ...base, contact: '4915123456702' }),
			consentEventKey({ ...base, purpose: 'transactional' }),
			consentEventKey({ ...base, action: 'opt_out' }),
			consentEventKey({ ...base, at: 2 }),
			consentEventKey({ ...base, source: 'web_form' }),
		]);
		expect(keys.size).toBe(6);
	});
});

describe('csv', () => {
	const csv = async (rows: Array<Record<'a' | 'b', string | boolean | undefined>>) =>
		Buffer.concat(await csvStream(['a', 'b'] as const, pagesOf(rows)).toArray()).toString('utf8');

	async function* pagesOf<T>(rows: T[]) {
		yield rows.slice(0, 1);
		yield rows.slice(1);
	}

	it('quotes fields with commas, quotes, line breaks and edge spaces, with CRLF lines', async () => {
		expect(
			await csv([
				{ a: 'plain', b: 'x, y' },
				{ a: 'say "hi"', b: 'two\nlines' },
				{ a: ' padded', b: undefined },
				{ a: 'cr\ronly', b: true },
			]),
		).toBe('a,b\r\nplain,"x, y"\r\n"say ""hi""","two\nlines"\r\n" padded",\r\n"cr\ronly",true\r\n');
	});

	it('defuses cells a spreadsheet would run as a formula (CSV injection)', async () => {
		expect(
			await csv([
				{ a: '=HYPERLINK("https://evil.example","Click")', b: '+1+1' },
				{ a: '-2+3', b: '@SUM(A1:A2)' },
				{ a: '\tcmd', b: 'harmless = text' },
			]),
		).toBe(
			'a,b\r\n' +
				`"'=HYPERLINK(""https://evil.example"",""Click"")",'+1+1\r\n` +
				`'-2+3,'@SUM(A1:A2)\r\n` +
				`"'\tcmd",harmless = text\r\n`,
		);
	});

	it('fails the stream when reading the rows fails', async () => {
		async function* failing() {
			yield [{ a: 'first', b: undefined }];
			throw new Error('the store went away');
		}
		await expect(csvStream(['a', 'b'] as const, failing()).toArray()).rejects.toThrow(
			'the store went away',
		);
	});
});
