/**
 * The PostgreSQL store's schema migrations, as released (the rules are in ../migrations.ts): each
 * takes a store of the version before it to its own version, in the migration transaction. A new
 * store is created from schema.ts in one step instead, so it never creates (and drops again) the
 * PL/pgSQL functions of version 1.
 */
import type { Migration } from '../migrations';
import { quoteLiteral } from '../sql';
import type { PostgresNames } from './names';

/**
 * Migration 1's PL/pgSQL copy of the confirmation allowance, frozen at its released value so the
 * migration's SQL never changes; migration 2 drops that function (the rule lives in policy/consentChange.ts).
 */
const CONFIRMATION_SKEW_ALLOWANCE = 300000;

/** RECLAIM_FAILED_SEND as schema version 1 had it (no callback ids yet); released, never changed. */
const RECLAIM_FAILED_SEND_V1 = `sender = excluded.sender, contact = excluded.contact,
	kind = excluded.kind, category = excluded.category, state = 'pending',
	created_at = excluded.created_at, wamid = NULL, sent_at = NULL, estimated_price = NULL,
	currency = NULL, error_code = NULL`;

/**
 * PostgreSQL. Migration 1 wrote consent, webhook effects
 * and erasure as PL/pgSQL functions, a second copy of the consent rule; migration 2 drops them:
 * the store locks, reads, lets policy/consentChange.ts decide and writes with plain statements.
 */
export function postgresMigrations(n: PostgresNames): Migration[] {
	const consent = n.qualified('consent');
	const events = n.qualified('consent_events');
	const windows = n.qualified('windows');
	const sent = n.qualified('sent_messages');
	const seen = n.qualified('seen_events');
	const templates = n.qualified('template_states');
	const costs = n.qualified('cost_ledger');
	const suppression = n.qualified('suppression');
	const applyEffects = n.qualified('apply_effects');
	// One advisory lock per contact serialises consent changes and erasure of that contact.
	const contactLock = (expr: string) =>
		`hashtextextended(${quoteLiteral(n.namespace + ':')} || (${expr}), 0)`;
	const rank = (expr: string) =>
		`(CASE ${expr} WHEN 'pending' THEN 1 WHEN 'opted_in' THEN 2 ELSE 3 END)`;

	return [
		{
			version: 1,
			description:
				'consent, history, windows, sends, seen webhook keys, templates, costs, suppression, write functions',
			statements: [
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
					applied boolean NOT NULL
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
					error_code integer
				)`,
				`CREATE INDEX ${n.index('sent_messages_contact')} ON ${sent} (contact, category, created_at)
					INCLUDE (state)`,
				`CREATE INDEX ${n.index('sent_messages_wamid')} ON ${sent} (wamid) WHERE wamid IS NOT NULL`,
				`CREATE TABLE ${seen} (
					key text COLLATE "C" PRIMARY KEY,
					seen_at bigint NOT NULL
				)`,
				`CREATE INDEX ${n.index('seen_events_seen_at')} ON ${seen} (seen_at)`,
				`CREATE TABLE ${templates} (
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
					PRIMARY KEY (wamid, category)
				)`,
				`CREATE INDEX ${n.index('cost_ledger_at')} ON ${costs} (at)`,
				`CREATE INDEX ${n.index('cost_ledger_contact')} ON ${costs} (contact)`,
				`CREATE TABLE ${suppression} (
					contact_hash text COLLATE "C" PRIMARY KEY,
					suppressed_at bigint NOT NULL
				)`,
				// Applies one batch of effects (the same shape as StoreEffects, plus `freeEntryPoints`
				// and a `hash` on each consent event). Returns the consent events it stored, one row each.
				// Mirrors policy/consentChange.ts (decideConsent) and the SQLite backend; the contract suite pins both.
				`CREATE FUNCTION ${applyEffects}(p jsonb, p_recorded_at bigint) RETURNS SETOF jsonb
				LANGUAGE plpgsql AS $fn$
				DECLARE
					lock_key bigint;
					ev record;
					cur ${consent}%ROWTYPE;
					has_cur boolean;
					v_target text;
					v_applied boolean;
					v_after text;
					v_at bigint;
					v_source text;
					v_wording text;
					stored jsonb;
				BEGIN
					-- Windows: aggregated per (sender, contact) so one statement touches each row once;
					-- sorted so concurrent batches lock rows in the same order.
					IF jsonb_typeof(p->'windows') = 'array' THEN
						INSERT INTO ${windows} AS w (sender, contact, last_inbound_at, referral_at)
						SELECT r.sender, r.contact, max(r.at), max(r.at) FILTER (WHERE coalesce(r.referral, false))
						FROM jsonb_to_recordset(p->'windows') AS r(sender text, contact text, at bigint, referral boolean)
						GROUP BY r.sender, r.contact
						ORDER BY r.sender, r.contact
						ON CONFLICT (sender, contact) DO UPDATE SET
							closed_at = CASE WHEN excluded.last_inbound_at > w.closed_at THEN NULL ELSE w.closed_at END,
							last_inbound_at = greatest(w.last_inbound_at, excluded.last_inbound_at),
							referral_at = greatest(w.referral_at, excluded.referral_at);
					END IF;
					IF jsonb_typeof(p->'closeWindows') = 'array' THEN
						UPDATE ${windows} AS w SET closed_at = greatest(w.closed_at, c.at)
						FROM (
							SELECT r.sender, r.contact, max(r.at) AS at
							FROM jsonb_to_recordset(p->'closeWindows') AS r(sender text, contact text, at bigint)
							GROUP BY r.sender, r.contact
							ORDER BY r.sender, r.contact
						) c
						WHERE w.sender = c.sender AND w.contact = c.contact AND w.last_inbound_at <= c.at;
					END IF;
					IF jsonb_typeof(p->'freeEntryPoints') = 'array' THEN
						UPDATE ${windows} AS w SET fep_started_at = s.at
						FROM (
							SELECT r.sender, r.contact, min(r.at) AS at
							FROM jsonb_to_recordset(p->'freeEntryPoints') AS r(sender text, contact text, at bigint)
							GROUP BY r.sender, r.contact
							ORDER BY r.sender, r.contact
						) s
						WHERE w.sender = s.sender AND w.contact = s.contact
							AND (w.fep_started_at IS NULL
								OR (w.referral_at > w.fep_started_at AND s.at >= w.referral_at));
					END IF;

					IF jsonb_typeof(p->'consent') = 'array' THEN
						-- Lock every contact of the batch in one global order: no deadlock between batches.
						FOR lock_key IN
							SELECT DISTINCT ${contactLock("e->>'contact'")}
							FROM jsonb_array_elements(p->'consent') AS e ORDER BY 1
						LOOP
							PERFORM pg_advisory_xact_lock(lock_key);
						END LOOP;
						FOR ev IN
							SELECT e->>'contact' AS contact, e->>'purpose' AS purpose, e->>'action' AS action,
								(e->>'at')::bigint AS at, e->>'source' AS source, e->>'wording' AS wording,
								e->'evidence' AS evidence, e->>'reason' AS reason, e->>'recordedBy' AS recorded_by,
								e->>'eventKey' AS event_key, e->>'hash' AS hash
							FROM jsonb_array_elements(p->'consent') WITH ORDINALITY AS x(e, n) ORDER BY x.n
						LOOP
							-- Erased contacts: nothing personal is stored again (see recordConsent).
							CONTINUE WHEN EXISTS (SELECT 1 FROM ${suppression} WHERE contact_hash = ev.hash);
							SELECT * INTO cur FROM ${consent} WHERE contact = ev.contact AND purpose = ev.purpose;
							has_cur := FOUND;
							v_target := CASE ev.action
								WHEN 'opt_in' THEN 'opted_in' WHEN 'confirm' THEN 'opted_in'
								WHEN 'request_confirmation' THEN 'pending' ELSE 'opted_out' END;
							v_at := ev.at;
							v_source := ev.source;
							v_wording := ev.wording;
							IF NOT has_cur THEN
								v_applied := ev.action <> 'confirm';
								v_after := CASE WHEN v_applied THEN v_target END;
							ELSIF ev.action = 'confirm' THEN
								-- Double opt-in: a confirm stamped slightly before the request still answers it,
								-- takes effect at the request's time, and keeps the request's source and wording.
								v_applied := cur.status = 'pending'
									AND ev.at >= cur.changed_at - ${CONFIRMATION_SKEW_ALLOWANCE}
									AND (cur.opted_out_at IS NULL OR ev.at > cur.opted_out_at);
								IF v_applied THEN
									v_at := greatest(ev.at, cur.changed_at);
									v_source := cur.source;
									v_wording := cur.wording;
								END IF;
								v_after := CASE WHEN v_applied THEN v_target ELSE cur.status END;
							ELSE
								v_applied := ev.at > cur.changed_at
									OR (ev.at = cur.changed_at AND ${rank('v_target')} > ${rank('cur.status')});
								v_after := CASE WHEN v_applied THEN v_target ELSE cur.status END;
							END IF;
							stored := NULL;
							INSERT INTO ${events} AS t (contact, purpose, action, at, source, wording, evidence,
								reason, recorded_by, event_key, recorded_at, status_after, applied)
							VALUES (ev.contact, ev.purpose, ev.action, v_at, ev.source, ev.wording,
								nullif(ev.evidence, 'null'::jsonb), ev.reason, ev.recorded_by, ev.event_key,
								p_recorded_at, v_after, v_applied)
							ON CONFLICT (event_key) WHERE event_key IS NOT NULL DO NOTHING
							RETURNING to_jsonb(t.*) INTO stored;
							-- A known eventKey: an idempotent re-import, skipped.
							CONTINUE WHEN stored IS NULL;
							IF v_applied THEN
								INSERT INTO ${consent} AS c (contact, purpose, status, changed_at, source, wording,
									opted_in_at, confirmed_at, opted_out_at)
								VALUES (ev.contact, ev.purpose, v_target, v_at, v_source, v_wording,
									CASE WHEN ev.action <> 'opt_out' THEN v_at END,
									CASE WHEN ev.action = 'confirm' THEN v_at END,
									CASE WHEN ev.action = 'opt_out' THEN v_at END)
								ON CONFLICT (contact, purpose) DO UPDATE SET
									status = excluded.status,
									changed_at = excluded.changed_at,
									source = excluded.source,
									wording = excluded.wording,
									opted_in_at = coalesce(c.opted_in_at, excluded.opted_in_at),
									confirmed_at = coalesce(excluded.confirmed_at, c.confirmed_at),
									opted_out_at = coalesce(excluded.opted_out_at, c.opted_out_at);
							END IF;
							RETURN NEXT stored;
						END LOOP;
					END IF;

					IF jsonb_typeof(p->'costs') = 'array' THEN
						INSERT INTO ${costs} (wamid, category, sender, contact, pricing_type, billable, at,
							estimated_price, currency)
						SELECT r.wamid, r.category, r.sender, r.contact, r."pricingType", r.billable, r.at,
							r."estimatedPrice", r.currency
						FROM jsonb_to_recordset(p->'costs') AS r(wamid text, category text, sender text,
							contact text, "pricingType" text, billable boolean, at bigint,
							"estimatedPrice" double precision, currency text)
						ORDER BY r.wamid, r.category
						ON CONFLICT (wamid, category) DO NOTHING;
					END IF;
					IF jsonb_typeof(p->'templates') = 'array' THEN
						INSERT INTO ${templates} AS t (account, name, language, status, category, quality,
							reason, updated_at)
						SELECT DISTINCT ON (r.account, r.name, r.language) r.account, r.name, r.language,
							r.status, r.category, r.quality, r.reason, r."updatedAt"
						FROM jsonb_to_recordset(p->'templates') AS r(account text, name text, language text,
							status text, category text, quality text, reason text, "updatedAt" bigint)
						ORDER BY r.account, r.name, r.language, r."updatedAt" DESC
						ON CONFLICT (account, name, language) DO UPDATE SET
							status = excluded.status,
							category = coalesce(excluded.category, t.category),
							quality = coalesce(excluded.quality, t.quality),
							reason = excluded.reason,
							updated_at = excluded.updated_at
						WHERE excluded.updated_at >= t.updated_at;
					END IF;
					IF jsonb_typeof(p->'sendFailures') = 'array' THEN
						UPDATE ${sent} AS s SET state = 'failed', error_code = coalesce(f."errorCode", s.error_code)
						FROM (
							SELECT DISTINCT ON (r.wamid) r.wamid, r."errorCode"
							FROM jsonb_to_recordset(p->'sendFailures') AS r(wamid text, "errorCode" integer, at bigint)
							ORDER BY r.wamid, r.at DESC
						) f
						WHERE s.wamid = f.wamid;
					END IF;
					RETURN;
				END
				$fn$`,
				// Claims idempotency keys: new keys are inserted, failed ones claimed again; any other
				// existing row is only locked (after waiting for a concurrent claimer to commit), in key
				// order, so concurrent batches cannot deadlock. Returns every row of the batch as JSON
				// with "claimed" telling this call's claims from rows claimed before.
				`CREATE FUNCTION ${n.qualified('reserve_sends')}(p jsonb) RETURNS SETOF jsonb
				LANGUAGE plpgsql AS $fn$
				DECLARE
					claimed text[];
				BEGIN
					WITH c AS (
						INSERT INTO ${sent} AS s (idempotency_key, sender, contact, kind, category, state,
							created_at)
						SELECT r."idempotencyKey", r.sender, r.contact, r.kind, r.category, 'pending', r.at
						FROM jsonb_to_recordset(p) AS r("idempotencyKey" text, sender text, contact text,
							kind text, category text, at bigint)
						ORDER BY r."idempotencyKey"
						ON CONFLICT (idempotency_key) DO UPDATE SET ${RECLAIM_FAILED_SEND_V1}
						WHERE s.state = 'failed'
						RETURNING s.idempotency_key
					)
					SELECT coalesce(array_agg(idempotency_key), '{}') INTO claimed FROM c;
					-- A new statement, so a new snapshot: it sees the rows of the claimers waited for above.
					RETURN QUERY
						SELECT to_jsonb(s.*) || jsonb_build_object('claimed', s.idempotency_key = ANY (claimed))
						FROM ${sent} AS s
						WHERE s.idempotency_key IN (SELECT e->>'idempotencyKey' FROM jsonb_array_elements(p) AS e);
				END
				$fn$`,
				// Records the keys of one webhook delivery and applies the effects of the new ones only.
				// A key inserted by a concurrent transaction makes this one wait and then skip it.
				`CREATE FUNCTION ${n.qualified('apply_webhook')}(p_events jsonb, p_at bigint, p_recorded_at bigint)
				RETURNS text[] LANGUAGE plpgsql AS $fn$
				DECLARE
					new_keys text[];
					merged jsonb;
				BEGIN
					WITH inserted AS (
						INSERT INTO ${seen} (key, seen_at)
						SELECT DISTINCT e->>'key', p_at FROM jsonb_array_elements(p_events) AS e ORDER BY 1
						ON CONFLICT (key) DO NOTHING
						RETURNING key
					)
					SELECT coalesce(array_agg(key), '{}') INTO new_keys FROM inserted;
					IF cardinality(new_keys) = 0 THEN
						RETURN new_keys;
					END IF;
					SELECT coalesce(jsonb_object_agg(kind, items), '{}'::jsonb) INTO merged
					FROM (
						SELECT k.kind, jsonb_agg(i.item ORDER BY e.n, i.n) AS items
						FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e(ev, n)
						CROSS JOIN LATERAL jsonb_each(coalesce(e.ev->'effects', '{}'::jsonb)) AS k(kind, list)
						CROSS JOIN LATERAL jsonb_array_elements(
							CASE WHEN jsonb_typeof(k.list) = 'array' THEN k.list ELSE '[]'::jsonb END
						) WITH ORDINALITY AS i(item, n)
						WHERE e.ev->>'key' = ANY (new_keys)
						GROUP BY k.kind
					) per_kind;
					PERFORM ${applyEffects}(merged, p_recorded_at);
					RETURN new_keys;
				END
				$fn$`,
				`CREATE FUNCTION ${n.qualified('erase_contact')}(p_contact text, p_hash text, p_at bigint)
				RETURNS jsonb LANGUAGE plpgsql AS $fn$
				DECLARE
					n_consent integer;
					n_events integer;
					n_windows integer;
					n_costs integer;
					n_sent integer;
					n_new integer;
				BEGIN
					PERFORM pg_advisory_xact_lock(${contactLock('p_contact')});
					DELETE FROM ${consent} WHERE contact = p_contact;
					GET DIAGNOSTICS n_consent = ROW_COUNT;
					DELETE FROM ${events} WHERE contact = p_contact;
					GET DIAGNOSTICS n_events = ROW_COUNT;
					DELETE FROM ${windows} WHERE contact = p_contact;
					GET DIAGNOSTICS n_windows = ROW_COUNT;
					DELETE FROM ${costs} WHERE contact = p_contact;
					GET DIAGNOSTICS n_costs = ROW_COUNT;
					UPDATE ${sent} SET contact = p_hash WHERE contact = p_contact;
					GET DIAGNOSTICS n_sent = ROW_COUNT;
					INSERT INTO ${suppression} (contact_hash, suppressed_at) VALUES (p_hash, p_at)
					ON CONFLICT (contact_hash) DO NOTHING;
					GET DIAGNOSTICS n_new = ROW_COUNT;
					RETURN jsonb_build_object('consentRecords', n_consent, 'consentEvents', n_events,
						'windows', n_windows, 'costEntries', n_costs, 'sentMessagesAnonymised', n_sent,
						'alreadySuppressed', n_new = 0);
				END
				$fn$`,
			],
		},
		{
			version: 2,
			description:
				'consent decided in TypeScript: effective time of consent events; the PL/pgSQL write functions of consent, webhook effects and erasure dropped',
			statements: [
				`ALTER TABLE ${events} ADD COLUMN effective_at bigint`,
				`DROP FUNCTION ${n.qualified('apply_webhook')}(jsonb, bigint, bigint)`,
				`DROP FUNCTION ${applyEffects}(jsonb, bigint)`,
				`DROP FUNCTION ${n.qualified('erase_contact')}(text, text, bigint)`,
			],
		},
		{
			version: 3,
			description:
				'send budget per sender number and contact (shared throughput and pair limit); callback ids of sends',
			statements: [
				`CREATE TABLE ${n.qualified('send_budget')} (
					sender text COLLATE "C" PRIMARY KEY,
					tat double precision NOT NULL
				)`,
				`CREATE TABLE ${n.qualified('pair_budget')} (
					sender text COLLATE "C" NOT NULL,
					contact_hash text COLLATE "C" NOT NULL,
					tat double precision NOT NULL,
					strikes integer NOT NULL DEFAULT 0,
					strike_at bigint,
					PRIMARY KEY (sender, contact_hash)
				)`,
				`CREATE INDEX ${n.index('pair_budget_tat')} ON ${n.qualified('pair_budget')} (tat)`,
				`ALTER TABLE ${sent} ADD COLUMN callback_id text COLLATE "C"`,
				`ALTER TABLE ${sent} ADD COLUMN left_at bigint`,
				// Claims are plain statements now (postgres/sends.ts), made as each request leaves.
				`DROP FUNCTION ${n.qualified('reserve_sends')}(jsonb)`,
				`CREATE UNIQUE INDEX ${n.index('sent_messages_callback_id')} ON ${sent} (callback_id)
					WHERE callback_id IS NOT NULL`,
			],
		},
		{
			version: 4,
			description:
				"the portfolio's messaging limit usage, the account's standing (limit, quality ratings), the cost ledger per group member with its market",
			statements: [
				`CREATE TABLE ${n.qualified('messaging_reach')} (
					contact_hash text COLLATE "C" PRIMARY KEY,
					reached_at bigint NOT NULL,
					previous_at bigint,
					reserved_by text COLLATE "C"
				)`,
				`CREATE INDEX ${n.index('reach_reached_at')} ON ${n.qualified('messaging_reach')} (reached_at)`,
				`CREATE INDEX ${n.index('reach_reserved_by')} ON ${n.qualified('messaging_reach')} (reserved_by)
					WHERE reserved_by IS NOT NULL`,
				`CREATE TABLE ${n.qualified('messaging_reach_total')} (
					id integer PRIMARY KEY CHECK (id = 1),
					rows bigint NOT NULL
				)`,
				`INSERT INTO ${n.qualified('messaging_reach_total')} (id, rows) VALUES (1, 0)`,
				`CREATE TABLE ${n.qualified('account_standing')} (
					subject text COLLATE "C" NOT NULL,
					name text COLLATE "C" NOT NULL,
					value text NOT NULL,
					at bigint NOT NULL,
					source text NOT NULL,
					PRIMARY KEY (subject, name)
				)`,
				`ALTER TABLE ${costs} DROP CONSTRAINT ${n.index('cost_ledger_pkey')}`,
				`ALTER TABLE ${costs} ADD PRIMARY KEY (wamid, contact, category)`,
				`ALTER TABLE ${costs} ADD COLUMN market text COLLATE "C"`,
			],
		},
		{
			version: 5,
			description:
				"one Meta app feeding every workflow: the app's trigger subscriptions and their waiting deliveries",
			statements: [
				`CREATE TABLE ${n.qualified('webhook_subscriptions')} (
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
				`CREATE INDEX ${n.index('webhook_subscriptions_app')} ON ${n.qualified('webhook_subscriptions')} (app)`,
				`CREATE TABLE ${n.qualified('webhook_deliveries')} (
					seq bigserial PRIMARY KEY,
					subscription text COLLATE "C" NOT NULL,
					event_key text COLLATE "C" NOT NULL,
					contact text COLLATE "C",
					event text NOT NULL,
					created_at bigint NOT NULL
				)`,
				`CREATE INDEX ${n.index('webhook_deliveries_subscription')} ON ${n.qualified('webhook_deliveries')} (subscription, seq)`,
				`CREATE INDEX ${n.index('webhook_deliveries_created_at')} ON ${n.qualified('webhook_deliveries')} (created_at)`,
				`CREATE INDEX ${n.index('webhook_deliveries_contact')} ON ${n.qualified('webhook_deliveries')} (contact)
					WHERE contact IS NOT NULL`,
			],
		},
		{
			version: 6,
			description:
				'the contact hash key kept only sealed with the erasure key (erasureKey.ts, done by the connection at every open), seen webhook keys stored keyed-hashed (re-hashed by the connection); the version keeps older packages, which would add a new plain key, out; phone numbers and their business-scoped user IDs',
			statements: [
				// A phone number and the business-scoped user ID a webhook named it with: an erasure of
				// either erases the rows kept under the other (erasure.ts).
				`CREATE TABLE ${n.qualified('contact_aliases')} (
					user_id text COLLATE "C" PRIMARY KEY,
					contact text COLLATE "C" NOT NULL,
					seen_at bigint NOT NULL
				)`,
				`CREATE INDEX ${n.index('contact_aliases_contact')} ON ${n.qualified('contact_aliases')} (contact)`,
			],
		},
	];
}
