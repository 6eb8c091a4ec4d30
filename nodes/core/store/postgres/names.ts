/** Schema-qualified, quoted names for one PostgreSQL store (schema + table prefix), and its locks. */
export class PostgresNames {
	/** Lock namespace: stores in other schemas or with other prefixes never wait for each other. */
	readonly namespace: string;

	constructor(
		readonly schema: string,
		readonly prefix: string,
	) {
		this.namespace = `${schema}.${prefix}`;
	}

	/** A table or function of this store: "schema"."prefix_name". */
	qualified(name: string): string {
		return `${quoteIdent(this.schema)}.${quoteIdent(this.prefix + name)}`;
	}

	/** An index name (indexes live in their table's schema, so no schema here). */
	index(name: string): string {
		return quoteIdent(this.prefix + name);
	}

	// The keys of the store's advisory locks, as released: processes of two versions of the package
	// sharing one store during an upgrade still wait for each other.

	/** What each contact's lock key starts with (the contact follows), as migration 1 formed it. */
	get contactLockPrefix(): string {
		return `${this.namespace}:`;
	}

	/** The portfolio's messaging limit count. */
	get reachLock(): string {
		return `${this.namespace}:reach`;
	}

	/** The send budget of one sender number. */
	budgetLock(sender: string): string {
		return `${this.namespace}:budget:${sender}`;
	}

	/** The claims of one subscription's deliveries. */
	claimLock(subscription: string): string {
		return `${this.namespace}claim:${subscription}`;
	}
}

export function quoteIdent(name: string): string {
	return `"${name.replace(/"/g, '""')}"`;
}
