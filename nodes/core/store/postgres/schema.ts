/**
 * The PostgreSQL store's schema as it is now (CURRENT_SCHEMA_VERSION): what a new store is created
 * with, in one step. A store of an earlier version is brought here by the migrations after its
 * version (migrations.ts), which stay as released; a schema change is a new migration AND the same
 * change here (postgres.test.ts checks that both end with the same catalog).
 *
 * Text keys use the "C" collation: byte order like SQLite (so keyset paging returns the same order
 * on both backends) and cheaper comparisons. No functions: every rule is decided in TypeScript.
 */
import type { PostgresNames } from './names';

/** Created before anything else: it holds the schema version itself and the per-store salt. */
export function postgresMetaTable(n: PostgresNames): string {
	return `CREATE TABLE IF NOT EXISTS ${n.qualified('meta')} (key text PRIMARY KEY, value text NOT NULL)`;
}

export function postgresSchema(n: PostgresNames): string[] {
	const consent = n.qualified('consent');
	const events = n.qualified('consent_events');
	const windows = n.qualified('windows');
	const sent = n.qualified('sent_messages');
	const seen = n.qualified('seen_events');
	const costs = n.qualified('cost_ledger');
	const pairs = n.qualified('pair_budget');
	const reach = n.qualified('messaging_reach');
	const subscriptions = n.qualified('webhook_subscriptions');
	const deliveries = n.qualified('webhook_deliveries');
	return [
		// Consent: the current status per contact and purpose, and every change as proof.
		`CREATE TABLE ${consent} (
			contact text COLLATE "C" NOT NULL,
			purpose text COLLATE "C" NOT NULL,
			status text NOT NULL CHECK (status IN ('opted_in', 'pending', 'opted_out')),
			changed_at bigint NOT NULL,
			source text NOT NULL,
			wording text,
			opted_in_at bigint,
			confirmed_at bigint,
			opted_out_at bigint,
			PRIMARY KEY (contact, purpose)
		)`,
		// effective_at: when a change took effect, if later than its own time.
		`CREATE TABLE ${events} (
			id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			contact text COLLATE "C" NOT NULL,
			purpose text COLLATE "C" NOT NULL,
			action text NOT NULL CHECK (action IN ('opt_in', 'request_confirmation', 'confirm', 'opt_out')),
			at bigint NOT NULL,
			source text NOT NULL,
			wording text,
			evidence jsonb,
			reason text,
			recorded_by text,
			event_key text COLLATE "C",
			recorded_at bigint NOT NULL,
			status_after text CHECK (status_after IN ('opted_in', 'pending', 'opted_out')),
			applied boolean NOT NULL,
			effective_at bigint
		)`,
		`CREATE UNIQUE INDEX ${n.index('consent_events_event_key')} ON ${events} (event_key)
			WHERE event_key IS NOT NULL`,
		`CREATE INDEX ${n.index('consent_events_contact')} ON ${events} (contact, at, id)`,
		`CREATE TABLE ${windows} (
			sender text COLLATE "C" NOT NULL,
			contact text COLLATE "C" NOT NULL,
			last_inbound_at bigint NOT NULL,
			referral_at bigint,
			fep_started_at bigint,
			closed_at bigint,
			PRIMARY KEY (sender, contact)
		)`,
		`CREATE INDEX ${n.index('windows_contact')} ON ${windows} (contact)`,
		// callback_id: sent in biz_opaque_callback_data and echoed on the message's status
		// webhooks. left_at: when the request left (a claim without it never left).
		`CREATE TABLE ${sent} (
			idempotency_key text COLLATE "C" PRIMARY KEY,
			sender text COLLATE "C" NOT NULL,
			contact text COLLATE "C" NOT NULL,
			kind text NOT NULL,
			category text COLLATE "C" NOT NULL,
			state text NOT NULL CHECK (state IN ('pending', 'accepted', 'failed')),
			created_at bigint NOT NULL,
			wamid text COLLATE "C",
			sent_at bigint,
			estimated_price double precision,
			currency text,
			error_code integer,
			callback_id text COLLATE "C",
			left_at bigint
		)`,
		`CREATE INDEX ${n.index('sent_messages_contact')} ON ${sent} (contact, category, created_at)
			INCLUDE (state)`,
		`CREATE INDEX ${n.index('sent_messages_wamid')} ON ${sent} (wamid) WHERE wamid IS NOT NULL`,
		`CREATE UNIQUE INDEX ${n.index('sent_messages_callback_id')} ON ${sent} (callback_id)
			WHERE callback_id IS NOT NULL`,
		`CREATE TABLE ${seen} (
			key text COLLATE "C" PRIMARY KEY,
			seen_at bigint NOT NULL
		)`,
		`CREATE INDEX ${n.index('seen_events_seen_at')} ON ${seen} (seen_at)`,
		`CREATE TABLE ${n.qualified('template_states')} (
			account text COLLATE "C" NOT NULL,
			name text COLLATE "C" NOT NULL,
			language text COLLATE "C" NOT NULL,
			status text NOT NULL,
			category text,
			quality text,
			reason text,
			updated_at bigint NOT NULL,
			PRIMARY KEY (account, name, language)
		)`,
		// A group message is billed per member it reached: one row per message, member and category.
		`CREATE TABLE ${costs} (
			wamid text COLLATE "C" NOT NULL,
			category text COLLATE "C" NOT NULL,
			sender text COLLATE "C" NOT NULL,
			contact text COLLATE "C" NOT NULL,
			pricing_type text COLLATE "C" NOT NULL,
			billable boolean NOT NULL,
			at bigint NOT NULL,
			estimated_price double precision,
			currency text COLLATE "C",
			market text COLLATE "C",
			PRIMARY KEY (wamid, contact, category)
		)`,
		`CREATE INDEX ${n.index('cost_ledger_at')} ON ${costs} (at)`,
		`CREATE INDEX ${n.index('cost_ledger_contact')} ON ${costs} (contact)`,
		`CREATE TABLE ${n.qualified('suppression')} (
			contact_hash text COLLATE "C" PRIMARY KEY,
			suppressed_at bigint NOT NULL
		)`,
		// The send budget (schedule.ts), per sender number and per contact's salted hash.
		`CREATE TABLE ${n.qualified('send_budget')} (
			sender text COLLATE "C" PRIMARY KEY,
			tat double precision NOT NULL
		)`,
		`CREATE TABLE ${pairs} (
			sender text COLLATE "C" NOT NULL,
			contact_hash text COLLATE "C" NOT NULL,
			tat double precision NOT NULL,
			strikes integer NOT NULL DEFAULT 0,
			strike_at bigint,
			PRIMARY KEY (sender, contact_hash)
		)`,
		`CREATE INDEX ${n.index('pair_budget_tat')} ON ${pairs} (tat)`,
		// The portfolio's messaging limit: one row per contact reached outside its window in the
		// last 24 hours, keyed by its salted hash; the total kept by the writers.
		`CREATE TABLE ${reach} (
			contact_hash text COLLATE "C" PRIMARY KEY,
			reached_at bigint NOT NULL,
			previous_at bigint,
			reserved_by text COLLATE "C"
		)`,
		`CREATE INDEX ${n.index('reach_reached_at')} ON ${reach} (reached_at)`,
		`CREATE INDEX ${n.index('reach_reserved_by')} ON ${reach} (reserved_by)
			WHERE reserved_by IS NOT NULL`,
		`CREATE TABLE ${n.qualified('messaging_reach_total')} (
			id integer PRIMARY KEY CHECK (id = 1),
			rows bigint NOT NULL
		)`,
		`INSERT INTO ${n.qualified('messaging_reach_total')} (id, rows) VALUES (1, 0)`,
		// What Meta said of the portfolio, its numbers and templates (standing.ts): the newest wins.
		`CREATE TABLE ${n.qualified('account_standing')} (
			subject text COLLATE "C" NOT NULL,
			name text COLLATE "C" NOT NULL,
			value text NOT NULL,
			at bigint NOT NULL,
			source text NOT NULL,
			PRIMARY KEY (subject, name)
		)`,
		// One Meta app, many workflows (webhook/fanout.ts): the app's triggers, their deliveries.
		`CREATE TABLE ${subscriptions} (
			id text COLLATE "C" PRIMARY KEY,
			app text COLLATE "C" NOT NULL,
			instance text NOT NULL,
			mode text NOT NULL CHECK (mode IN ('production', 'test')),
			path text NOT NULL,
			workflow_id text NOT NULL,
			node text NOT NULL,
			filter text NOT NULL,
			effects text NOT NULL,
			registered_at bigint NOT NULL,
			expires_at bigint,
			removed_at bigint
		)`,
		`CREATE INDEX ${n.index('webhook_subscriptions_app')} ON ${subscriptions} (app)`,
		`CREATE TABLE ${deliveries} (
			seq bigserial PRIMARY KEY,
			subscription text COLLATE "C" NOT NULL,
			event_key text COLLATE "C" NOT NULL,
			contact text COLLATE "C",
			event text NOT NULL,
			created_at bigint NOT NULL
		)`,
		`CREATE INDEX ${n.index('webhook_deliveries_subscription')} ON ${deliveries} (subscription, seq)`,
		`CREATE INDEX ${n.index('webhook_deliveries_created_at')} ON ${deliveries} (created_at)`,
		`CREATE INDEX ${n.index('webhook_deliveries_contact')} ON ${deliveries} (contact)
			WHERE contact IS NOT NULL`,
		// A phone number and the business-scoped user ID a webhook named it with: an erasure of
		// either erases the rows kept under the other (erasure.ts).
		`CREATE TABLE ${n.qualified('contact_aliases')} (
			user_id text COLLATE "C" PRIMARY KEY,
			contact text COLLATE "C" NOT NULL,
			seen_at bigint NOT NULL
		)`,
		`CREATE INDEX ${n.index('contact_aliases_contact')} ON ${n.qualified('contact_aliases')} (contact)`,
	];
}
