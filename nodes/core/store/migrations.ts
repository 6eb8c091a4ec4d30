/**
 * Versioned schema migrations, one list per dialect (sqlite/migrations.ts, postgres/migrations.ts).
 * The version lives in the `meta` table (key 'schema_version'); each backend applies the
 * migrations above it in one transaction. Never edit a released migration: append a new one and
 * raise CURRENT_SCHEMA_VERSION.
 */

export const CURRENT_SCHEMA_VERSION = 6;

export interface Migration {
	readonly version: number;
	readonly description: string;
	/** Statements run in order inside the migration transaction. */
	readonly statements: readonly string[];
}
