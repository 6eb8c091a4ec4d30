/**
 * The Opt-in Manager inside workflows run by n8n-core's execution engine: expressions, the two
 * outputs of Check and their connections, Continue On Fail as a node setting, binary data.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IConnections, INode, INodeParameters } from 'n8n-workflow';

import { SQLITE_FILE_NAME } from '../../../nodes/core/store/sqlite';
import { closeAllStores } from '../../../nodes/shared/store';
import { WhatsAppOptInManager } from '../../../nodes/WhatsAppOptInManager/WhatsAppOptInManager.node';
import { EMIT_ITEMS, EmitItems, PACKAGE, userFolder, runWorkflow } from '../../support/workflow';
import { contactNo } from './context';

const OPT_IN_MANAGER = `${PACKAGE}.whatsAppOptInManager`;
const nodeTypes = { [EMIT_ITEMS]: new EmitItems(), [OPT_IN_MANAGER]: new WhatsAppOptInManager() };

const dir = mkdtempSync(join(tmpdir(), 'optin-workflow-'));
const credentials = {
	whatsAppComplianceStoreApi: { backend: 'sqlite', sqlitePath: join(dir, 'store.sqlite') },
};
const storeCredential = { whatsAppComplianceStoreApi: { id: 'store', name: 'Test store' } };

afterAll(async () => {
	await closeAllStores();
	rmSync(dir, { recursive: true, force: true });
});

let x = 0;
function manager(name: string, parameters: INodeParameters, extra: Partial<INode> = {}): INode {
	return {
		id: name,
		name,
		type: OPT_IN_MANAGER,
		typeVersion: 1,
		position: [(x += 200), 0],
		parameters,
		credentials: storeCredential,
		...extra,
	};
}

function emit(items: unknown[]): INode {
	return {
		id: 'start',
		name: 'Start',
		type: EMIT_ITEMS,
		typeVersion: 1,
		position: [0, 0],
		parameters: { items: JSON.stringify(items) },
	};
}

/** from -> to, or from output n -> to. */
function connect(...links: Array<[string, string, number?]>): IConnections {
	const connections: IConnections = {};
	for (const [from, to, output = 0] of links) {
		const main = (connections[from] ??= { main: [] }).main;
		while (main.length <= output) main.push([]);
		main[output]!.push({ node: to, type: 'main', index: 0 });
	}
	return connections;
}

describe('opt-in manager in a workflow', () => {
	const fan = contactNo(1);
	const utilityOnly = contactNo(2);

	it('records two opt-ins, then Check sends each contact down its branch', async () => {
		const run = await runWorkflow(
			{
				nodes: [
					emit([
						{ phone: fan.national, wants: 'marketing' },
						{ phone: utilityOnly.e164, wants: 'transactional' },
					]),
					manager('Opt In', {
						resource: 'consent',
						operation: 'optIn',
						contact: '={{ $json.phone }}',
						purposes: '={{ [$json.wants] }}',
						wording: 'Yes, message me on WhatsApp',
						source: 'web_form',
						options: { defaultCountry: 'DE' },
					}),
					manager('Check', {
						resource: 'consent',
						operation: 'check',
						contact: '={{ $json.phone }}',
						purpose: 'marketing',
					}),
					manager('Status', {
						resource: 'consent',
						operation: 'getStatus',
						contact: '={{ $json.phone }}',
					}),
					manager('History', {
						resource: 'contact',
						operation: 'getHistory',
						contact: '={{ $json.phone }}',
					}),
				],
				connections: connect(
					['Start', 'Opt In'],
					['Opt In', 'Check'],
					['Check', 'Status', 0],
					['Check', 'History', 1],
				),
			},
			{ nodeTypes, credentials },
		);
		expect(run.error).toBeUndefined();
		expect(run.result.status).toBe('success');
		expect(run.json('Opt In')).toEqual([
			expect.objectContaining({ contact: fan.waId, recorded: true, status: 'opted_in' }),
			expect.objectContaining({ contact: utilityOnly.waId, recorded: true }),
		]);

		const allowed = run.output('Check', 0);
		const notAllowed = run.output('Check', 1);
		expect(allowed.map((i) => [i.json.contact, i.pairedItem])).toEqual([[fan.waId, { item: 0 }]]);
		expect(allowed[0].json.consentCheck).toMatchObject({ allowed: true, purpose: 'marketing' });
		expect(notAllowed.map((i) => [i.json.contact, i.pairedItem])).toEqual([
			[utilityOnly.waId, { item: 1 }],
		]);
		expect(notAllowed[0].json.consentCheck).toMatchObject({
			allowed: false,
			rule: 'consent',
			reason: 'no_consent',
		});

		// Each branch ran with its own items only.
		expect(run.json('Status')).toEqual([
			expect.objectContaining({
				contact: fan.waId,
				canReceive: { marketing: true, utility: true },
			}),
		]);
		expect(run.json('History')).toEqual([
			expect.objectContaining({
				contact: utilityOnly.waId,
				events: 1,
				consents: [expect.objectContaining({ purpose: 'transactional' })],
			}),
		]);
		expect(run.order).toEqual(['Start', 'Opt In', 'Check', 'Status', 'History']);
	});

	it('puts a bad item on Not Allowed with the On Error setting "continue"', async () => {
		const run = await runWorkflow(
			{
				nodes: [
					emit([{ phone: fan.e164 }, { phone: 'call me' }]),
					manager(
						'Check',
						{
							resource: 'consent',
							operation: 'check',
							contact: '={{ $json.phone }}',
							purpose: 'marketing',
						},
						{ onError: 'continueRegularOutput' },
					),
				],
				connections: connect(['Start', 'Check']),
			},
			{ nodeTypes, credentials },
		);
		expect(run.error).toBeUndefined();
		expect(run.output('Check', 0).map((i) => i.json)).toEqual([
			{
				phone: fan.e164,
				consentCheck: expect.objectContaining({ contact: fan.waId, allowed: true }),
			},
		]);
		expect(run.output('Check', 1)).toEqual([
			expect.objectContaining({
				json: expect.objectContaining({ error: expect.stringMatching(/^\[item 1\] /) }),
				pairedItem: { item: 1 },
			}),
		]);
	});

	it('sends a bad item to the error output with On Error "continue (using error output)"', async () => {
		// The error has a description (how to fix it): n8n routes such an item to the error output
		// only by the error it carries, not by its json.
		const run = await runWorkflow(
			{
				nodes: [
					emit([
						{ phone: utilityOnly.e164, wording: '' },
						{ phone: utilityOnly.e164, wording: 'Yes, news please' },
					]),
					manager(
						'Opt In',
						{
							resource: 'consent',
							operation: 'optIn',
							contact: '={{ $json.phone }}',
							wording: '={{ $json.wording }}',
							purposes: ['transactional'],
						},
						{ onError: 'continueErrorOutput' },
					),
				],
				connections: connect(['Start', 'Opt In']),
			},
			{ nodeTypes, credentials },
		);
		expect(run.error).toBeUndefined();
		expect(run.output('Opt In', 0).map((i) => [i.json.contact, i.pairedItem])).toEqual([
			[utilityOnly.waId, { item: 1 }],
		]);
		// n8n keeps the error on the item (message and description) and sets json to {error}.
		const [failed, ...more] = run.output('Opt In', 1);
		expect(more).toEqual([]);
		expect(failed.json).toEqual({ error: '[item 0] Wording is empty' });
		expect(failed.pairedItem).toEqual({ item: 0 });
		expect(failed.error?.description).toMatch(/proof of consent/);
	});

	it('sends every item to the error output when the store cannot be opened', async () => {
		const run = await runWorkflow(
			{
				nodes: [
					emit([{ phone: fan.e164 }, { phone: utilityOnly.e164 }]),
					manager(
						'Opt Out',
						{ resource: 'consent', operation: 'optOut', contact: '={{ $json.phone }}' },
						{ onError: 'continueErrorOutput' },
					),
				],
				connections: connect(['Start', 'Opt Out']),
			},
			{
				nodeTypes,
				// A file cannot hold a folder: opening the store fails with ENOTDIR.
				credentials: {
					whatsAppComplianceStoreApi: { backend: 'sqlite', sqlitePath: '/dev/null/store.sqlite' },
				},
			},
		);
		expect(run.error).toBeUndefined();
		expect(run.output('Opt Out', 0)).toEqual([]);
		const failed = run.output('Opt Out', 1);
		expect(failed.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(failed.every((i) => typeof i.json.error === 'string' && i.error)).toBe(true);
	});

	it('stops the workflow at a bad item without Continue On Fail, naming the item', async () => {
		const run = await runWorkflow(
			{
				nodes: [
					emit([{ phone: fan.e164 }, { phone: 'call me' }]),
					manager('Opt Out', {
						resource: 'consent',
						operation: 'optOut',
						contact: '={{ $json.phone }}',
					}),
				],
				connections: connect(['Start', 'Opt Out']),
			},
			{ nodeTypes, credentials },
		);
		expect(run.result.status).toBe('error');
		expect(run.error?.message).toMatch(/^\[item 1\] /);
		expect(run.output('Opt Out')).toEqual([]);
	});

	it('imports items and exports them as a JSON file through n8n binary data', async () => {
		const rows = [3, 4, 5].map((n) => ({ phone: contactNo(n).e164, at: '2025-06-01T10:00:00Z' }));
		const run = await runWorkflow(
			{
				nodes: [
					emit(rows),
					manager('Import', {
						resource: 'bulk',
						operation: 'import',
						contact: '={{ $json.phone }}',
						time: '={{ $json.at }}',
						topics: 'back_in_stock',
					}),
					manager('Export', { resource: 'bulk', operation: 'export', format: 'json' }),
				],
				connections: connect(['Start', 'Import'], ['Import', 'Export']),
			},
			{ nodeTypes, credentials },
		);
		expect(run.error).toBeUndefined();
		expect(run.json('Import')).toEqual([
			expect.objectContaining({ rows: 3, imported: 6, duplicates: 0 }),
		]);
		const [file] = run.output('Export');
		expect(file.binary?.data).toMatchObject({
			mimeType: 'application/json',
			fileExtension: 'json',
		});
		const document = JSON.parse(Buffer.from(file.binary!.data.data, 'base64').toString('utf8'));
		for (const n of [3, 4, 5]) {
			expect(document.consents).toContainEqual(
				expect.objectContaining({ contact: contactNo(n).waId, purpose: 'back_in_stock' }),
			);
		}
	});

	it('uses the embedded store in the n8n user folder when no store credential is set', async () => {
		const folder = userFolder();
		const run = await runWorkflow(
			{
				nodes: [
					emit([{ phone: fan.e164 }]),
					manager(
						'Status',
						{ resource: 'consent', operation: 'getStatus', contact: '={{ $json.phone }}' },
						{ credentials: {} },
					),
				],
				connections: connect(['Start', 'Status']),
			},
			{ nodeTypes },
		);
		expect(run.error).toBeUndefined();
		// A different store from the credential's: the contact is unknown there.
		expect(run.json('Status')).toEqual([
			expect.objectContaining({ contact: fan.waId, purposes: [] }),
		]);
		expect(existsSync(join(folder, '.n8n', SQLITE_FILE_NAME))).toBe(true);
	});
});
