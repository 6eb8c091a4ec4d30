/**
 * The send budget nodes wait for (issue 8): one per sender number, shared through the store by
 * every workflow and process, with a node's Rate Limit only ever lowering it for that node. Real
 * time and a real SQLite store file opened twice (two processes); the bounds are upper bounds on
 * how many sends had been let through by each moment, which a slow machine can only stay further
 * below.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INode } from 'n8n-workflow';

import { SqliteComplianceStore } from '../../../nodes/core/store/sqlite';
import { SENDER_BURST_SECONDS } from '../../../nodes/core/pace/schedule';
import { sendBudgetFor, type BudgetSettings } from '../../../nodes/shared/send/senderBudget';
import { TEST_ERASURE_KEY } from '../../support/erasureKey';

const SENDER = '106540352242922';
/** The number's Messages Per Second in the credential. */
const NUMBER_RATE = 100;
const SENDS_EACH = 60;
/** A Rate Limit below what the node would get of the number's rate shared three ways. */
const LOW_RATE = 20;
/** The Rate Limit of the node two processes run at once, and how many sends each makes. */
const NODE_RATE = 10;
const SENDS_PER_WORKER = 20;

let dir: string;
let processA: SqliteComplianceStore;
let processB: SqliteComplianceStore;

beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), 'wa-budget-'));
	const path = join(dir, 'store.sqlite');
	processA = new SqliteComplianceStore({ erasureKey: TEST_ERASURE_KEY, path });
	await processA.migrate();
	processB = new SqliteComplianceStore({ erasureKey: TEST_ERASURE_KEY, path });
});

afterAll(async () => {
	await processA.close();
	await processB.close();
	rmSync(dir, { recursive: true, force: true });
});

function node(id: string): INode {
	return {
		id,
		name: 'WhatsApp Send Template',
		type: 'n8n-nodes-whatsapp-compliance.whatsAppSendTemplate',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};
}

/** `count` sends through `settings`' budget, each to its own contact; when each was let through. */
async function sendAll(
	settings: BudgetSettings,
	count: number,
	prefix: string,
	start: number,
	budgetFor = sendBudgetFor,
): Promise<number[]> {
	const budget = budgetFor(SENDER, settings);
	return Promise.all(
		Array.from({ length: count }, async (_, i) => {
			await budget.take(`49151${prefix}${String(i).padStart(5, '0')}`);
			return Date.now() - start;
		}),
	);
}

/** The most sends `ratePerSecond` allows by `ms` after the start, with its burst and one spare. */
function allowedBy(ms: number, ratePerSecond: number): number {
	return Math.floor(ratePerSecond * (ms / 1000 + SENDER_BURST_SECONDS)) + 2;
}

describe('send budget of a sender number', () => {
	it('keeps two workflows with different Rate Limits, in two processes, within the number’s limit together', async () => {
		const start = Date.now();
		const [high, low, unset] = await Promise.all([
			// Rate Limit above the number's throughput: the number's limit applies.
			sendAll(
				{
					ledger: processA,
					messagesPerSecond: NUMBER_RATE,
					nodeRate: 150,
					workflowId: 'wf-orders',
					node: node('n-high'),
				},
				SENDS_EACH,
				'1',
				start,
			),
			// A lower Rate Limit slows this node only.
			sendAll(
				{
					ledger: processA,
					messagesPerSecond: NUMBER_RATE,
					nodeRate: LOW_RATE,
					workflowId: 'wf-reminders',
					node: node('n-low'),
				},
				SENDS_EACH,
				'2',
				start,
			),
			// Another process, the Rate Limit left empty.
			sendAll(
				{
					ledger: processB,
					messagesPerSecond: NUMBER_RATE,
					nodeRate: undefined,
					workflowId: 'wf-shop',
					node: node('n-unset'),
				},
				SENDS_EACH,
				'3',
				start,
			),
		]);
		const all = [...high, ...low, ...unset].sort((a, b) => a - b);
		const overNumber = all.filter((ms, i) => i + 1 > allowedBy(ms, NUMBER_RATE));
		const lowSorted = [...low].sort((a, b) => a - b);
		const overNode = lowSorted.filter((ms, i) => i + 1 > allowedBy(ms, LOW_RATE));
		expect({ sent: all.length, overNumber, overNode }).toEqual({
			sent: 3 * SENDS_EACH,
			overNumber: [],
			overNode: [],
		});
		// 180 sends at no more than 100/s (with a tenth of a second of burst) take at least 1.7 s.
		expect(all[all.length - 1]).toBeGreaterThanOrEqual(
			((3 * SENDS_EACH) / NUMBER_RATE - SENDER_BURST_SECONDS) * 1000 - 50,
		);
	}, 30_000);

	it('keeps one node’s Rate Limit for the node as a whole when two processes run it', async () => {
		// The same workflow and node, run by two processes at once (two queue-mode workers): each
		// "process" has the module to itself, as separate processes would, and its own connection.
		const inProcess = () => {
			let loaded: typeof sendBudgetFor | undefined;
			jest.isolateModules(() => {
				loaded = (
					jest.requireActual('../../../nodes/shared/send/senderBudget') as {
						sendBudgetFor: typeof sendBudgetFor;
					}
				).sendBudgetFor;
			});
			return loaded!;
		};
		const [workerA, workerB] = [inProcess(), inProcess()];
		const settings = (ledger: SqliteComplianceStore): BudgetSettings => ({
			ledger,
			messagesPerSecond: NUMBER_RATE,
			nodeRate: NODE_RATE,
			workflowId: 'wf-campaign',
			node: node('n-campaign'),
		});
		const start = Date.now();
		const [a, b] = await Promise.all([
			sendAll(settings(processA), SENDS_PER_WORKER, '4', start, workerA),
			sendAll(settings(processB), SENDS_PER_WORKER, '5', start, workerB),
		]);
		const all = [...a, ...b].sort((x, y) => x - y);
		const overNode = all.filter((ms, i) => i + 1 > allowedBy(ms, NODE_RATE));
		expect({ sent: all.length, overNode }).toEqual({ sent: 2 * SENDS_PER_WORKER, overNode: [] });
		// 40 sends at 10/s together take about 4 s, not the 2 s two separate budgets would allow.
		expect(all[all.length - 1]).toBeGreaterThanOrEqual(
			((2 * SENDS_PER_WORKER) / NODE_RATE - SENDER_BURST_SECONDS) * 1000 - 50,
		);
		expect(a.length + b.length).toBe(2 * SENDS_PER_WORKER);
	}, 30_000);
});
