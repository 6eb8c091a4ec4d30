/**
 * Proves the e2e harness with what the package holds today: n8n loads the packed package from
 * `.n8n/nodes`, decrypts an imported WhatsApp Cloud API credential and applies its Bearer
 * authentication in an HTTP Request node, and the harness finds the execution.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

import { findInstalledN8n, supportedNode } from '../../tools/n8n/install';
import { nodeOutput, PACKAGE_NAME, startN8n, type N8nInstance } from '../../tools/n8n/n8n';

const WORKFLOW_ID = 'e2eHarnessWf0001';
const CREDENTIAL_ID = 'e2eHarnessCred01';
const WEBHOOK_PATH = 'e2e-harness';

interface ReceivedRequest {
	readonly method: string | undefined;
	readonly url: string | undefined;
	readonly authorization: string | undefined;
}

/** Stands in for the Graph API: records each request and answers with what it saw. */
async function startRecordingServer(): Promise<{
	server: http.Server;
	url: string;
	received: ReceivedRequest[];
}> {
	const received: ReceivedRequest[] = [];
	const server = http.createServer((req, res) => {
		const request = {
			method: req.method,
			url: req.url,
			authorization: req.headers.authorization,
		};
		received.push(request);
		req.resume();
		req.on('end', () => {
			res.setHeader('content-type', 'application/json');
			res.end(JSON.stringify({ seen: request.url, requestNumber: received.length }));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return { server, url: `http://127.0.0.1:${port}`, received };
}

describe('e2e harness', () => {
	// Random, so that only the decrypted credential can have put it in the header.
	const accessToken = `e2e-${randomBytes(12).toString('hex')}`;
	let graph: Awaited<ReturnType<typeof startRecordingServer>>;
	let n8n: N8nInstance | undefined;

	beforeAll(async () => {
		graph = await startRecordingServer();
		n8n = await startN8n({
			credentials: [
				{
					id: CREDENTIAL_ID,
					name: 'WhatsApp e2e',
					type: 'whatsAppCloudApi',
					data: {
						accessToken,
						businessAccountId: '102290129340398',
						phoneNumberId: '106540352242922',
						apiVersion: 'v23.0',
						baseUrl: graph.url,
					},
				},
			],
			workflows: [
				{
					id: WORKFLOW_ID,
					name: 'e2e harness: webhook to HTTP Request with the WhatsApp credential',
					nodes: [
						{
							id: 'a5b5b0a4-6c9e-4bb0-9d55-2f1f1b0c0001',
							name: 'Webhook',
							type: 'n8n-nodes-base.webhook',
							typeVersion: 2,
							position: [0, 0],
							webhookId: 'a5b5b0a4-6c9e-4bb0-9d55-2f1f1b0c0002',
							parameters: {
								httpMethod: 'POST',
								path: WEBHOOK_PATH,
								responseMode: 'lastNode',
								options: {},
							},
						},
						{
							id: 'a5b5b0a4-6c9e-4bb0-9d55-2f1f1b0c0003',
							name: 'Call Graph',
							type: 'n8n-nodes-base.httpRequest',
							typeVersion: 4.2,
							position: [220, 0],
							parameters: {
								method: 'POST',
								url: `${graph.url}/v23.0/106540352242922/messages`,
								authentication: 'predefinedCredentialType',
								nodeCredentialType: 'whatsAppCloudApi',
								options: {},
							},
							credentials: { whatsAppCloudApi: { id: CREDENTIAL_ID, name: 'WhatsApp e2e' } },
						},
					],
					connections: {
						Webhook: { main: [[{ node: 'Call Graph', type: 'main', index: 0 }]] },
					},
				},
			],
		});
	}, 5 * 60_000);

	afterAll(async () => {
		await n8n?.stop();
		await new Promise((resolve) => graph?.server.close(resolve));
	});

	it('loads the package from .n8n/nodes with both credential types and their icons', async () => {
		const instance = n8n!;
		const installed = path.join(instance.userFolder, '.n8n', 'nodes', 'node_modules', PACKAGE_NAME);
		expect(fs.existsSync(path.join(installed, 'package.json'))).toBe(true);

		const credentials = instance.loadedTypes().credentials;
		const cloudApi = credentials.find((type) => type.name === 'whatsAppCloudApi');
		expect(credentials.map((type) => type.name)).toContain('whatsAppComplianceStoreApi');
		// n8n builds the icon URL from the package a type was loaded from.
		expect(cloudApi?.iconUrl).toEqual({
			light: `icons/${PACKAGE_NAME}/dist/icons/whatsapp-compliance.svg`,
			dark: `icons/${PACKAGE_NAME}/dist/icons/whatsapp-compliance.dark.svg`,
		});
		const icon = await fetch(
			`${instance.baseUrl}/icons/${PACKAGE_NAME}/dist/icons/whatsapp-compliance.svg`,
		);
		expect(icon.status).toBe(200);
		expect(await icon.text()).toContain('<svg');
	});

	it('sends the Bearer token of the imported WhatsApp Cloud API credential', async () => {
		const instance = n8n!;
		const response = await fetch(instance.webhookUrl(WEBHOOK_PATH), {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ hello: 'n8n' }),
		});
		expect(response.status).toBe(200);
		expect(graph.received).toEqual([
			{
				method: 'POST',
				url: '/v23.0/106540352242922/messages',
				authorization: `Bearer ${accessToken}`,
			},
		]);

		const [execution] = await instance.waitForExecutions(WORKFLOW_ID, 1);
		expect(execution).toMatchObject({
			workflowId: WORKFLOW_ID,
			status: 'success',
			mode: 'webhook',
		});
		expect(nodeOutput(execution, 'Call Graph')).toEqual([
			{ seen: '/v23.0/106540352242922/messages', requestNumber: 1 },
		]);
		// The token reached the server only; n8n keeps it out of the saved execution.
		expect(JSON.stringify(execution.data)).not.toContain(accessToken);
	}, 60_000);

	it('runs n8n on the Node that runs the tests, a version the package and n8n both support', () => {
		const instance = n8n!;
		// npm test: the project's Node 24; npm run test:node22: the pinned Node 22.
		expect(fs.realpathSync(`/proc/${instance.pid}/exe`)).toBe(fs.realpathSync(process.execPath));
		expect(supportedNode().ok).toBe(true);
	});

	it('declares in engines the Node range the pinned n8n itself requires', () => {
		const read = (file: string) =>
			JSON.parse(fs.readFileSync(file, 'utf8')) as { engines?: { node?: string } };
		const n8nPackage = path.join(findInstalledN8n()!.dir, 'node_modules', 'n8n', 'package.json');
		expect(read(path.resolve(__dirname, '..', '..', 'package.json')).engines?.node).toBe(
			read(n8nPackage).engines?.node,
		);
	});
});
