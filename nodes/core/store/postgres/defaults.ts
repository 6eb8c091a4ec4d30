/**
 * The PostgreSQL store's defaults, apart from the store itself so that the store credential can
 * show them without loading pg.
 */

/** Connections one n8n process opens to the store at most (README: Queue mode). */
export const DEFAULT_POOL_SIZE = 5;

/** pg_stat_activity's application_name of the store's connections (the n8n command is added). */
export const DEFAULT_APPLICATION_NAME = 'n8n-nodes-whatsapp-compliance';
