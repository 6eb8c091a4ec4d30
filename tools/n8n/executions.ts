/**
 * The executions n8n saved, read from its database: the SQLite file of a single process, or
 * PostgreSQL in queue mode. No owner account, login or API key; every execution is seen as soon as
 * n8n saved it. execution_data.data is stored with `flatted`, parsed with the `flatted` of the
 * installed n8n so that the format always matches. The schema is the pinned n8n's; a new pin may
 * need the queries adjusted.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';

import type { IDataObject, IRunExecutionData } from 'n8n-workflow';
import type { Pool } from 'pg';

import { sleep, tail } from './commands';
import type { N8nInstall } from './install';
import { nodeSqlite } from '../../nodes/core/store/sqlite/nodeSqlite';

const { DatabaseSync } = nodeSqlite();

/** One row of n8n's execution_entity with its execution_data. */
export interface N8nExecution {
	readonly id: string;
	readonly workflowId: string;
	/** new, running, success, error, canceled, crashed or waiting. */
	readonly status: string;
	/** webhook, trigger, manual, cli... */
	readonly mode: string;
	readonly finished: boolean;
	readonly startedAt: Date | undefined;
	readonly stoppedAt: Date | undefined;
	/** Run data as n8n saved it; undefined while n8n has not written it yet. */
	readonly data: IRunExecutionData | undefined;
}

const ENDED_STATUSES = new Set(['success', 'error', 'canceled', 'crashed']);
const POLL_MS = 250;

/** The columns both readers select, as the database returns them. */
type ExecutionRow = Record<string, unknown>;

type Flatted = { parse(text: string): unknown };

/** n8n's own `flatted`, so the format of execution_data.data always matches. */
function flattedOf(install: N8nInstall): Flatted {
	const n8nRequire = createRequire(path.join(install.dir, 'node_modules', 'n8n', 'package.json'));
	return n8nRequire('flatted') as Flatted;
}

/** SQLite has 'YYYY-MM-DD HH:MM:SS.SSS' in UTC; PostgreSQL (pg) gives Date objects. */
function parseTimestamp(value: unknown): Date | undefined {
	if (value instanceof Date) return value;
	if (typeof value !== 'string' || value === '') return undefined;
	return new Date(`${value.replace(' ', 'T')}Z`);
}

function toExecution(row: ExecutionRow, flatted: Flatted): N8nExecution {
	return {
		id: String(row.id),
		workflowId: String(row.workflowId),
		status: String(row.status),
		mode: String(row.mode),
		finished: Boolean(row.finished),
		startedAt: parseTimestamp(row.startedAt),
		stoppedAt: parseTimestamp(row.stoppedAt),
		data:
			typeof row.data === 'string' && row.data !== ''
				? (flatted.parse(row.data) as IRunExecutionData)
				: undefined,
	};
}

/** The same statement for both databases; PostgreSQL needs the camelCase names quoted. */
const SELECT_EXECUTIONS = `SELECT e.id, e."workflowId", e.status, e.mode, e.finished, e."startedAt",
		e."stoppedAt", d.data
	FROM execution_entity e LEFT JOIN execution_data d ON d."executionId" = e.id
	WHERE e."workflowId" = $1 AND e."deletedAt" IS NULL ORDER BY e.id`;

/** Reads the executions of a workflow from the SQLite file of a single n8n (`.n8n/database.sqlite`). */
export function sqliteExecutions(install: N8nInstall, n8nFolder: string) {
	const flatted = flattedOf(install);
	return (workflowId: string): N8nExecution[] => {
		const db = new DatabaseSync(path.join(n8nFolder, 'database.sqlite'), { readOnly: true });
		try {
			return db
				.prepare(SELECT_EXECUTIONS.replace('$1', '?'))
				.all(workflowId)
				.map((row) => toExecution(row, flatted));
		} finally {
			db.close();
		}
	};
}

/**
 * The size in bytes of an execution's saved run data (execution_data.data, as n8n stores it) in
 * the SQLite file of a single n8n: what the execution adds to n8n's history.
 */
export function sqliteExecutionBytes(n8nFolder: string, executionId: string): number {
	const db = new DatabaseSync(path.join(n8nFolder, 'database.sqlite'), { readOnly: true });
	try {
		const row = db
			.prepare(
				'SELECT length(CAST(data AS BLOB)) AS bytes FROM execution_data WHERE "executionId" = ?',
			)
			.get(executionId) as { bytes?: number } | undefined;
		if (row?.bytes === undefined) throw new Error(`execution ${executionId} has no saved data`);
		return Number(row.bytes);
	} finally {
		db.close();
	}
}

/** Reads the executions of a workflow from n8n's PostgreSQL database (queue mode). */
export function postgresExecutions(install: N8nInstall, pool: Pool) {
	const flatted = flattedOf(install);
	return async (workflowId: string): Promise<N8nExecution[]> => {
		const { rows } = await pool.query<ExecutionRow>(SELECT_EXECUTIONS, [workflowId]);
		return rows.map((row) => toExecution(row, flatted));
	};
}

/**
 * Waits until at least `count` executions of the workflow have ended (any status but new, running
 * and waiting) and returns the ended ones, oldest first.
 */
export async function waitForEnded(
	read: (workflowId: string) => N8nExecution[] | Promise<N8nExecution[]>,
	logs: () => string,
	workflowId: string,
	count: number,
	timeoutMs: number,
): Promise<N8nExecution[]> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const all = await read(workflowId);
		const ended = all.filter((execution) => ENDED_STATUSES.has(execution.status));
		if (ended.length >= count) return ended;
		if (Date.now() > deadline) {
			throw new Error(
				`Expected ${count} ended execution(s) of workflow ${workflowId} within ${timeoutMs} ms, ` +
					`found ${JSON.stringify(all.map(({ id, status }) => ({ id, status })))}. ` +
					`Last log lines:\n${tail(logs(), 30)}`,
			);
		}
		await sleep(POLL_MS);
	}
}

/** The items a node put on output `index` in its first run; [] when that output stayed empty. */
export function outputItems(
	execution: N8nExecution,
	nodeName: string,
	index: number,
): IDataObject[] {
	const runs = execution.data?.resultData.runData[nodeName];
	if (!runs?.length) {
		const ran = Object.keys(execution.data?.resultData.runData ?? {});
		throw new Error(
			`Node "${nodeName}" did not run in execution ${execution.id}; these did: ${ran.join(', ')}`,
		);
	}
	return (runs[0].data?.main[index] ?? []).map((item) => item.json);
}

/** The items a node put on its first output in its first run. */
export function nodeOutput(execution: N8nExecution, nodeName: string): IDataObject[] {
	return outputItems(execution, nodeName, 0);
}
