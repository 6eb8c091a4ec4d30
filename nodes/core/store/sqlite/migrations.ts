/**
 * The embedded store's schema migrations, as released (the rules are in ../migrations.ts): each
 * takes a file of the version before it to its own version, in the migration transaction. A new
 * file is created from schema.ts in one step instead.
 */
import type { Migration } from '../migrations';

export const sqliteMigrations: readonly Migration[] = [
	{
		version: 1,
		description:
			'consent, history, windows, sends, seen webhook keys, templates, costs, suppression',
		statements: [
			`CREATE TABLE consent (
				contact TEXT NOT NULL,
				purpose TEXT NOT NULL,
				status TEXT NOT NULL CHECK (status IN ('opted_in', 'pending', 'opted_out')),
				changed_at INTEGER NOT NULL,
				source TEXT NOT NULL,
				wording TEXT,
				opted_in_at INTEGER,
				confirmed_at INTEGER,
				opted_out_at INTEGER,
				PRIMARY KEY (contact, purpose)
			) WITHOUT ROWID`,
			// AUTOINCREMENT: ids of erased rows are never handed out again, so id order stays recording order.
			`CREATE TABLE consent_events (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				contact TEXT NOT NULL,
				purpose TEXT NOT NULL,
				action TEXT NOT NULL CHECK (action IN ('opt_in', 'request_confirmation', 'confirm', 'opt_out')),
				at INTEGER NOT NULL,
				source TEXT NOT NULL,
				wording TEXT,
				evidence TEXT,
				reason TEXT,
				recorded_by TEXT,
				event_key TEXT,
				recorded_at INTEGER NOT NULL,
				status_after TEXT CHECK (status_after IN ('opted_in', 'pending', 'opted_out')),
				applied INTEGER NOT NULL
			)`,
			`CREATE UNIQUE INDEX consent_events_event_key ON consent_events (event_key)
				WHERE event_key IS NOT NULL`,
			'CREATE INDEX consent_events_contact ON consent_events (contact, at, id)',
			`CREATE TABLE windows (
				sender TEXT NOT NULL,
				contact TEXT NOT NULL,
				last_inbound_at INTEGER NOT NULL,
				referral_at INTEGER,
				fep_started_at INTEGER,
				closed_at INTEGER,
				PRIMARY KEY (sender, contact)
			) WITHOUT ROWID`,
			'CREATE INDEX windows_contact ON windows (contact)',
			`CREATE TABLE sent_messages (
				idempotency_key TEXT PRIMARY KEY,
				sender TEXT NOT NULL,
				contact TEXT NOT NULL,
				kind TEXT NOT NULL,
				category TEXT NOT NULL,
				state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'failed')),
				created_at INTEGER NOT NULL,
				wamid TEXT,
				sent_at INTEGER,
				estimated_price REAL,
				currency TEXT,
				error_code INTEGER
			)`,
			// Frequency cap (contact, marketing, since; state read from the index) and erasure
			// (contact) both start with contact.
			'CREATE INDEX sent_messages_contact ON sent_messages (contact, category, created_at, state)',
			'CREATE INDEX sent_messages_wamid ON sent_messages (wamid) WHERE wamid IS NOT NULL',
			`CREATE TABLE seen_events (
				key TEXT PRIMARY KEY,
				seen_at INTEGER NOT NULL
			) WITHOUT ROWID`,
			'CREATE INDEX seen_events_seen_at ON seen_events (seen_at)',
			`CREATE TABLE template_states (
				account TEXT NOT NULL,
				name TEXT NOT NULL,
				language TEXT NOT NULL,
				status TEXT NOT NULL,
				category TEXT,
				quality TEXT,
				reason TEXT,
				updated_at INTEGER NOT NULL,
				PRIMARY KEY (account, name, language)
			) WITHOUT ROWID`,
			`CREATE TABLE cost_ledger (
				wamid TEXT NOT NULL,
				category TEXT NOT NULL,
				sender TEXT NOT NULL,
				contact TEXT NOT NULL,
				pricing_type TEXT NOT NULL,
				billable INTEGER NOT NULL,
				at INTEGER NOT NULL,
				estimated_price REAL,
				currency TEXT,
				PRIMARY KEY (wamid, category)
			) WITHOUT ROWID`,
			'CREATE INDEX cost_ledger_at ON cost_ledger (at)',
			'CREATE INDEX cost_ledger_contact ON cost_ledger (contact)',
			`CREATE TABLE suppression (
				contact_hash TEXT PRIMARY KEY,
				suppressed_at INTEGER NOT NULL
			) WITHOUT ROWID`,
		],
	},
	{
		version: 2,
		description: 'consent events keep the time they took effect when later than their own',
		statements: ['ALTER TABLE consent_events ADD COLUMN effective_at INTEGER'],
	},
	{
		version: 3,
		description:
			'send budget per sender number and contact (shared throughput and pair limit); callback ids of sends',
		statements: [
			// GCRA state (schedule.ts): the theoretical arrival time in ms, fractions kept.
			`CREATE TABLE send_budget (
				sender TEXT PRIMARY KEY,
				tat REAL NOT NULL
			) WITHOUT ROWID`,
			// Keyed by the contact's salted hash: the pair limit needs no phone number.
			`CREATE TABLE pair_budget (
				sender TEXT NOT NULL,
				contact_hash TEXT NOT NULL,
				tat REAL NOT NULL,
				strikes INTEGER NOT NULL DEFAULT 0,
				strike_at INTEGER,
				PRIMARY KEY (sender, contact_hash)
			) WITHOUT ROWID`,
			'CREATE INDEX pair_budget_tat ON pair_budget (tat)',
			// Sent in biz_opaque_callback_data and echoed on the message's status webhooks: a send
			// whose answer was lost is confirmed (or failed) by Meta's own report.
			'ALTER TABLE sent_messages ADD COLUMN callback_id TEXT',
			// When the request left: a claim without it never left (see CLAIM_LEASE_MS).
			'ALTER TABLE sent_messages ADD COLUMN left_at INTEGER',
			`CREATE UNIQUE INDEX sent_messages_callback_id ON sent_messages (callback_id)
				WHERE callback_id IS NOT NULL`,
		],
	},
	{
		version: 4,
		description:
			"the portfolio's messaging limit usage, the account's standing (limit, quality ratings), the cost ledger per group member with its market",
		statements: [
			// One row per contact reached outside its window in the last 24 hours (the portfolio's
			// messaging limit), keyed by the contact's salted hash: no phone number is kept.
			// previous_at and reserved_by let a send that certainly failed give its place back.
			`CREATE TABLE messaging_reach (
				contact_hash TEXT PRIMARY KEY,
				reached_at INTEGER NOT NULL,
				previous_at INTEGER,
				reserved_by TEXT
			) WITHOUT ROWID`,
			'CREATE INDEX reach_reached_at ON messaging_reach (reached_at)',
			'CREATE INDEX reach_reserved_by ON messaging_reach (reserved_by) WHERE reserved_by IS NOT NULL',
			// The rows of messaging_reach, kept by the writers (under the write lock): the count is
			// this less the few rows that left the 24 hours since the last prune, not a scan of all.
			`CREATE TABLE messaging_reach_total (
				id INTEGER PRIMARY KEY CHECK (id = 1),
				rows INTEGER NOT NULL
			)`,
			'INSERT INTO messaging_reach_total (id, rows) VALUES (1, 0)',
			// What Meta said of the portfolio, its numbers and templates (standing.ts): the newest wins.
			`CREATE TABLE account_standing (
				subject TEXT NOT NULL,
				name TEXT NOT NULL,
				value TEXT NOT NULL,
				at INTEGER NOT NULL,
				source TEXT NOT NULL,
				PRIMARY KEY (subject, name)
			) WITHOUT ROWID`,
			// A group message is billed per member it reached: one row per message, member and
			// category. SQLite cannot change a primary key: the table is copied.
			`CREATE TABLE cost_ledger_v4 (
				wamid TEXT NOT NULL,
				category TEXT NOT NULL,
				sender TEXT NOT NULL,
				contact TEXT NOT NULL,
				pricing_type TEXT NOT NULL,
				billable INTEGER NOT NULL,
				at INTEGER NOT NULL,
				estimated_price REAL,
				currency TEXT,
				market TEXT,
				PRIMARY KEY (wamid, contact, category)
			) WITHOUT ROWID`,
			`INSERT INTO cost_ledger_v4 (wamid, category, sender, contact, pricing_type, billable, at,
				estimated_price, currency)
			SELECT wamid, category, sender, contact, pricing_type, billable, at, estimated_price, currency
			FROM cost_ledger`,
			'DROP TABLE cost_ledger',
			'ALTER TABLE cost_ledger_v4 RENAME TO cost_ledger',
			'CREATE INDEX cost_ledger_at ON cost_ledger (at)',
			'CREATE INDEX cost_ledger_contact ON cost_ledger (contact)',
		],
	},
	{
		version: 5,
		description:
			"one Meta app feeding every workflow: the app's trigger subscriptions and their waiting deliveries",
		statements: [
			// One row per published trigger (and per editor test listener) of an app: webhook/fanout.ts.
			`CREATE TABLE webhook_subscriptions (
				id TEXT PRIMARY KEY,
				app TEXT NOT NULL,
				instance TEXT NOT NULL,
				mode TEXT NOT NULL CHECK (mode IN ('production', 'test')),
				path TEXT NOT NULL,
				workflow_id TEXT NOT NULL,
				node TEXT NOT NULL,
				filter TEXT NOT NULL,
				effects TEXT NOT NULL,
				registered_at INTEGER NOT NULL,
				expires_at INTEGER,
				removed_at INTEGER
			) WITHOUT ROWID`,
			'CREATE INDEX webhook_subscriptions_app ON webhook_subscriptions (app)',
			// AUTOINCREMENT: seq never goes back, so claims are oldest first even after deletes.
			`CREATE TABLE webhook_deliveries (
				seq INTEGER PRIMARY KEY AUTOINCREMENT,
				subscription TEXT NOT NULL,
				event_key TEXT NOT NULL,
				contact TEXT,
				event TEXT NOT NULL,
				created_at INTEGER NOT NULL
			)`,
			'CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription, seq)',
			'CREATE INDEX webhook_deliveries_created_at ON webhook_deliveries (created_at)',
			'CREATE INDEX webhook_deliveries_contact ON webhook_deliveries (contact) WHERE contact IS NOT NULL',
		],
	},
	{
		version: 6,
		description:
			'the contact hash key kept only sealed with the erasure key (erasureKey.ts, done by the connection at every open), seen webhook keys stored keyed-hashed (re-hashed by the connection); the version keeps older packages, which would add a new plain key, out; phone numbers and their business-scoped user IDs',
		statements: [
			// A phone number and the business-scoped user ID a webhook named it with: an erasure of
			// either erases the rows kept under the other (erasure.ts).
			`CREATE TABLE contact_aliases (
			user_id TEXT PRIMARY KEY,
			contact TEXT NOT NULL,
			seen_at INTEGER NOT NULL
		) WITHOUT ROWID`,
			'CREATE INDEX contact_aliases_contact ON contact_aliases (contact)',
		],
	},
];
