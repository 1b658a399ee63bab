-- The owner's group commits, cheaper on both sides.
--
-- No index of open calls by line: it served lock_for_call (the row lock per decision, gone since the owner
-- decides in memory). Open calls are read by account (load_account, the balance endpoint) and by expiry (the
-- sweep); every reservation written paid for the index and nothing read it.
DROP INDEX "charging"."calls_open_by_line";
--> statement-breakpoint
-- apply_writes_v2: as apply_writes, but calls come as the owner holds them in memory (camelCase fields: no copy
-- per decision to build a row of snake_case fields) and with the expiry their decision gave them (expiresAt:
-- the decision's instant plus the validity, the same instant the owner's memory counts with) instead of a
-- validity counted from the commit. apply_writes stays for an instance still running the previous version
-- (it keeps the lease until it stops).
CREATE OR REPLACE FUNCTION "charging"."apply_writes_v2"(p json) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  INSERT INTO "charging"."ledger" (account_id, cause, cause_ref, amount, balance_after, currency, note)
  SELECT account_id, cause, cause_ref, amount, balance_after, currency, note
  FROM json_to_recordset(p->'ledger') AS t(account_id text, cause text, cause_ref text, amount numeric, balance_after numeric, currency text, note text);

  UPDATE "charging"."accounts" a
  SET balance = t.balance, mode = t.mode, blocked = t.blocked, recharge_period = t.recharge_period, recharge_count = t.recharge_count, updated_at = now()
  FROM json_to_recordset(p->'balances') AS t(account_id text, balance numeric, mode text, blocked boolean, recharge_period text, recharge_count int)
  WHERE a.account_id = t.account_id;

  INSERT INTO "charging"."outbox" (topic, key, payload)
  SELECT 'balance.events', e->>'accountId', e::jsonb FROM json_array_elements(p->'events') WITH ORDINALITY AS x(e, n) ORDER BY n;

  INSERT INTO "charging"."calls" (call_id, account_id, line_id, service, status, holds_channel, direction, calling_number, called_number, start_time,
                                  granted_units, used_units, reserved, draws, charged, committed, rated_revision, expires_at, updated_at)
  SELECT t."callId", t."accountId", t."lineId", t.service, t.status, t."holdsChannel", t.direction, t."callingNumber", t."calledNumber", t."startTime",
         t."grantedUnits", t."usedUnits", t.reserved, coalesce(t.draws, '{}'::jsonb), t.charged, t.committed, t."ratedRevision", t."expiresAt", now()
  FROM json_to_recordset(p->'calls') AS t("callId" text, "accountId" text, "lineId" text, service text, status text, "holdsChannel" boolean, direction text,
       "callingNumber" text, "calledNumber" text, "startTime" text, "grantedUnits" int, "usedUnits" int, reserved numeric, draws jsonb, charged numeric,
       committed boolean, "ratedRevision" int, "expiresAt" timestamptz)
  ON CONFLICT (call_id) DO UPDATE SET
    status = excluded.status, holds_channel = excluded.holds_channel, granted_units = excluded.granted_units, used_units = excluded.used_units,
    reserved = excluded.reserved, draws = excluded.draws, charged = excluded.charged, committed = excluded.committed,
    rated_revision = excluded.rated_revision, expires_at = excluded.expires_at, updated_at = now();

  INSERT INTO "charging"."line_allowances" AS la (line_id, offer_id, period_key, at, remaining)
  SELECT line_id, offer_id, period_key, at, remaining
  FROM json_to_recordset(p->'allowances') AS t(line_id text, offer_id text, period_key text, at text, remaining jsonb)
  ON CONFLICT (line_id) DO UPDATE SET
    remaining = CASE WHEN la.period_key = excluded.period_key AND la.offer_id = excluded.offer_id THEN la.remaining || excluded.remaining ELSE excluded.remaining END,
    offer_id = excluded.offer_id, period_key = excluded.period_key, at = excluded.at, updated_at = now()
  WHERE excluded.period_key >= la.period_key OR excluded.offer_id <> la.offer_id;
END $$;
