/**
 * n8n's own REST API as its editor uses it, logged in as the instance owner: for what the CLI
 * cannot do while n8n runs, such as deactivating a workflow and publishing it again. The owner is
 * created by n8n at start from N8N_INSTANCE_OWNER_* (ownerEnv), so no setup screen is involved.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';

import type { N8nInstall } from './install';

export interface N8nOwner {
	readonly email: string;
	readonly password: string;
}

/** The environment that makes n8n create `owner` at start. */
export async function ownerEnv(
	install: N8nInstall,
	owner: N8nOwner,
): Promise<Record<string, string>> {
	// n8n checks the owner's password against this bcrypt hash; bcryptjs comes with n8n.
	const bcrypt = (await import(path.join(install.dir, 'node_modules', 'bcryptjs'))) as {
		hashSync(password: string, rounds: number): string;
	};
	return {
		N8N_INSTANCE_OWNER_MANAGED_BY_ENV: 'true',
		N8N_INSTANCE_OWNER_EMAIL: owner.email,
		N8N_INSTANCE_OWNER_PASSWORD_HASH: bcrypt.hashSync(owner.password, 10),
		N8N_INSTANCE_OWNER_FIRST_NAME: 'Demo',
		N8N_INSTANCE_OWNER_LAST_NAME: 'User',
	};
}

export interface N8nRest {
	/** Unpublishes a workflow, as the editor's "Unpublish": its triggers stop. */
	deactivate(workflowId: string): Promise<void>;
	/** Publishes the workflow's current version again. */
	activate(workflowId: string): Promise<void>;
}

/** Logs in as `owner` at `baseUrl` (n8n's editor URL). */
export async function loginAsOwner(baseUrl: string, owner: N8nOwner): Promise<N8nRest> {
	// n8n ties its auth cookie to the browser id the login came with.
	const browserId = randomBytes(8).toString('hex');
	const login = await fetch(`${baseUrl}/rest/login`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'browser-id': browserId },
		body: JSON.stringify({ emailOrLdapLoginId: owner.email, password: owner.password }),
	});
	if (login.status !== 200) {
		throw new Error(`n8n login as ${owner.email} answered ${login.status}: ${await login.text()}`);
	}
	const cookie = (login.headers.getSetCookie?.() ?? [])
		.map((c) => c.split(';')[0])
		.filter((c) => c.startsWith('n8n-auth='))
		.join('; ');
	const call = async (method: string, route: string, body?: unknown) => {
		const answer = await fetch(`${baseUrl}/rest/${route}`, {
			method,
			headers: { 'content-type': 'application/json', 'browser-id': browserId, cookie },
			...(body !== undefined ? { body: JSON.stringify(body) } : {}),
		});
		const text = await answer.text();
		if (answer.status !== 200) {
			throw new Error(`n8n ${method} /rest/${route} answered ${answer.status}: ${text}`);
		}
		return (JSON.parse(text) as { data: Record<string, unknown> }).data;
	};
	return {
		async deactivate(workflowId) {
			await call('POST', `workflows/${workflowId}/deactivate`, {});
		},
		async activate(workflowId) {
			const workflow = await call('GET', `workflows/${workflowId}`);
			await call('POST', `workflows/${workflowId}/activate`, { versionId: workflow.versionId });
		},
	};
}
