/**
 * The settings every n8n process of a queue deployment needs, the same in each (README, Queue
 * mode): the one list of them. The e2e queue deployment (queue.ts) starts every process with
 * them, then adds what differs per process (user folder, N8N_PORT, N8N_RUNNERS_BROKER_PORT) and a
 * test's own `env` and `processEnv`; test/nodes/dockerCompose.test.ts checks that
 * examples/docker/docker-compose.queue.yml gives every n8n service exactly these variables, so the
 * example users copy cannot drift from what the tests run.
 */

/** Where the processes find Redis, PostgreSQL and each other. */
export interface QueueDeployment {
	/** One key for every process: it decrypts the credentials. */
	readonly encryptionKey: string;
	readonly redis: { readonly host: string; readonly port: string };
	/** The Bull queue's key prefix in Redis (one per deployment sharing a Redis). */
	readonly bullPrefix: string;
	/** n8n's own database. */
	readonly postgres: {
		readonly host: string;
		readonly port: string;
		readonly database: string;
		readonly user: string;
		readonly password: string;
	};
	/** The public URL of the webhook processors (what the editor shows as production URLs). */
	readonly webhookUrl: string;
	/** The same time zone everywhere: schedules and the quiet hours' default. */
	readonly timezone: string;
}

/** Values that are the same in every queue deployment. */
export const QUEUE_MODE_FIXED = {
	EXECUTIONS_MODE: 'queue',
	DB_TYPE: 'postgresdb',
	// Manual runs from the editor go to the workers too, as production executions do.
	OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
} as const;

/** Every variable a queue deployment gives each n8n process, with its value. */
export function queueModeEnv(deployment: QueueDeployment): Record<string, string> {
	const { redis, postgres } = deployment;
	return {
		...QUEUE_MODE_FIXED,
		N8N_ENCRYPTION_KEY: deployment.encryptionKey,
		QUEUE_BULL_REDIS_HOST: redis.host,
		QUEUE_BULL_REDIS_PORT: redis.port,
		QUEUE_BULL_PREFIX: deployment.bullPrefix,
		DB_POSTGRESDB_HOST: postgres.host,
		DB_POSTGRESDB_PORT: postgres.port,
		DB_POSTGRESDB_DATABASE: postgres.database,
		DB_POSTGRESDB_USER: postgres.user,
		DB_POSTGRESDB_PASSWORD: postgres.password,
		N8N_WEBHOOK_URL: deployment.webhookUrl,
		GENERIC_TIMEZONE: deployment.timezone,
	};
}
