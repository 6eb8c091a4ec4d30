/**
 * examples/docker: the queue-mode deployment README points users at gives every n8n process the
 * settings the queue-mode end-to-end tests run with (tools/n8n/queueEnv.ts), the pinned n8n and
 * this version of the package. Docker itself does not run in CI; this keeps the files honest.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { parse } from 'yaml';

import { QUEUE_MODE_FIXED, queueModeEnv } from '../../tools/n8n/queueEnv';

const ROOT = path.resolve(__dirname, '..', '..');
const DOCKER = path.join(ROOT, 'examples', 'docker');
const readJson = (file: string) =>
	JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as Record<string, unknown>;

interface ComposeService {
	image?: string;
	build?: unknown;
	command?: string;
	environment?: Record<string, string>;
	volumes?: string[];
}

const compose = parse(fs.readFileSync(path.join(DOCKER, 'docker-compose.queue.yml'), 'utf8'), {
	merge: true,
}) as { services: Record<string, ComposeService> };
const dockerfile = fs.readFileSync(path.join(DOCKER, 'Dockerfile'), 'utf8');

/** The variable names of queueModeEnv, whatever the deployment's values. */
const QUEUE_VARIABLES = Object.keys(
	queueModeEnv({
		encryptionKey: 'k',
		redis: { host: 'h', port: '1' },
		bullPrefix: 'p',
		postgres: { host: 'h', port: '1', database: 'd', user: 'u', password: 'pw' },
		webhookUrl: 'u',
		timezone: 'UTC',
	}),
).sort();

const n8nServices = Object.entries(compose.services).filter(([, service]) =>
	service.image?.startsWith('n8n-whatsapp-compliance:'),
);

describe('docker-compose.queue.yml', () => {
	it('has a main process, workers and a webhook processor running the image with the package', () => {
		const commands = n8nServices.map(([, service]) => service.command).sort();
		expect(commands).toEqual(['start', 'webhook', 'worker']);
		for (const [, service] of n8nServices) expect(service.build).toBe('.');
	});

	it('gives every n8n process exactly the variables of the queue-mode e2e deployment', () => {
		for (const [name, service] of n8nServices) {
			const environment = service.environment ?? {};
			expect({ name, variables: Object.keys(environment).sort() }).toEqual({
				name,
				variables: QUEUE_VARIABLES,
			});
			for (const [variable, value] of Object.entries(QUEUE_MODE_FIXED)) {
				expect({ name, variable, value: environment[variable] }).toEqual({
					name,
					variable,
					value,
				});
			}
		}
	});

	it("points n8n at the compose file's own Redis and PostgreSQL", () => {
		const { postgres, redis } = compose.services;
		expect(redis).toBeDefined();
		const database = postgres.environment ?? {};
		for (const [, service] of n8nServices) {
			const environment = service.environment ?? {};
			expect(environment.QUEUE_BULL_REDIS_HOST).toBe('redis');
			expect(environment.DB_POSTGRESDB_HOST).toBe('postgres');
			expect(environment.DB_POSTGRESDB_DATABASE).toBe(database.POSTGRES_DB);
			expect(environment.DB_POSTGRESDB_USER).toBe(database.POSTGRES_USER);
			expect(environment.DB_POSTGRESDB_PASSWORD).toBe(database.POSTGRES_PASSWORD);
		}
	});

	it('mounts nothing over /home/node/.n8n, where the image holds the package', () => {
		for (const [, service] of n8nServices) {
			for (const volume of service.volumes ?? []) {
				expect(volume.split(':')[1]).not.toMatch(/^\/home\/node\/\.n8n/);
			}
		}
	});

	it('builds on the pinned n8n and installs this version of the package', () => {
		const n8n = (readJson('tools/n8n/package.json').dependencies as Record<string, string>).n8n;
		const { name, version } = readJson('package.json') as { name: string; version: string };
		expect(dockerfile).toContain(`ARG N8N_VERSION=${n8n}\n`);
		expect(dockerfile).toContain(`ARG PACKAGE=${name}@${version}\n`);
		for (const [, service] of n8nServices) {
			expect(service.image).toBe(`n8n-whatsapp-compliance:${n8n}`);
		}
	});
});

describe('README, Queue mode', () => {
	it('names every variable the queue-mode deployment gives each n8n process', () => {
		const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
		const section = readme.slice(
			readme.indexOf('### Queue mode'),
			readme.indexOf('\n## ', readme.indexOf('### Queue mode')),
		);
		const missing = QUEUE_VARIABLES.filter((variable) => !section.includes(`\`${variable}\``));
		expect(missing).toEqual([]);
	});
});
