-- Credit decisions in two round trips: "BEGIN; SELECT lock_for_call(...)" and "SELECT apply_writes(...); COMMIT".
--
-- lock_for_call now opens the account's balance row on its first use (in the currency and mode its policy
-- gives), so it always answers.
DROP FUNCTION IF EXISTS "charging"."lock_for_call"(text, text, text, int);
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "charging"."lock_for_call"(p_account text, p_currency text, p_mode text, p_line text, p_call text, p_unrated_hours int) RETURNS json
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_account json;
  v_line text;
BEGIN
  SELECT row_to_json(a) INTO v_account FROM (
    SELECT account_id, currency, balance::text AS balance, mode, blocked, recharge_period, recharge_count
    FROM "charging"."accounts" WHERE account_id = p_account FOR UPDATE
  ) a;
  IF v_account IS NULL THEN
    INSERT INTO "charging"."accounts" (account_id, currency, mode) VALUES (p_account, p_currency, p_mode) ON CONFLICT DO NOTHING;
    SELECT row_to_json(a) INTO v_account FROM (
      SELECT account_id, currency, balance::text AS balance, mode, blocked, recharge_period, recharge_count
      FROM "charging"."accounts" WHERE account_id = p_account FOR UPDATE
    ) a;
  END IF;
  -- Read after the lock, in statements of their own: they see whatever the previous holder committed.
  v_line := coalesce(p_line, (SELECT line_id FROM "charging"."calls" WHERE call_id = p_call));
  RETURN json_build_object(
    'account', v_account,
    'reserved', (SELECT coalesce(sum(reserved), 0)::text FROM "charging"."calls"
                 WHERE account_id = p_account AND status = 'active' AND expires_at > now() AND call_id <> p_call),
    'channels', (SELECT count(*) FROM "charging"."calls"
                 WHERE line_id = v_line AND status = 'active' AND holds_channel AND expires_at > now() AND call_id <> p_call),
    'held', (SELECT coalesce(json_agg(d.draws), '[]'::json) FROM (
               SELECT draws FROM "charging"."calls"
               WHERE line_id = v_line AND status = 'active' AND expires_at > now() AND call_id <> p_call AND draws <> '{}'::jsonb
               UNION ALL
               SELECT draws FROM "charging"."calls"
               WHERE line_id = v_line AND committed AND rated_revision IS NULL AND call_id <> p_call AND draws <> '{}'::jsonb
                 AND updated_at > now() - make_interval(hours => p_unrated_hours)
             ) d),
    'standing', (SELECT json_build_object('standing', standing, 'reason', reason) FROM "charging"."account_standing" WHERE account_id = p_account),
    'allowance', (SELECT json_build_object('offerId', offer_id, 'periodKey', period_key, 'at', at, 'remaining', remaining)
                  FROM "charging"."line_allowances" WHERE line_id = v_line),
    'call', (SELECT json_build_object(
               'callId', call_id, 'accountId', account_id, 'lineId', line_id, 'service', service, 'status', status, 'holdsChannel', holds_channel,
               'direction', direction, 'callingNumber', calling_number, 'calledNumber', called_number, 'startTime', start_time,
               'grantedUnits', granted_units, 'usedUnits', used_units, 'reserved', reserved::text, 'draws', draws, 'charged', charged::text,
               'committed', committed, 'ratedRevision', rated_revision,
               'expiresAt', to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
             FROM "charging"."calls" WHERE call_id = p_call)
  );
END $$;
--> statement-breakpoint
-- Everything one transaction writes, from one JSON document: ledger entries, balances, balance events (outbox,
-- in the order given), calls, and rating's allowance reports. Amounts travel as strings and land as numeric
-- with their scale.
CREATE OR REPLACE FUNCTION "charging"."apply_writes"(p json) RETURNS void
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
  SELECT t.call_id, t.account_id, t.line_id, t.service, t.status, t.holds_channel, t.direction, t.calling_number, t.called_number, t.start_time,
         t.granted_units, t.used_units, t.reserved, coalesce(t.draws, '{}'::jsonb), t.charged, t.committed, t.rated_revision,
         CASE WHEN t.validity IS NOT NULL THEN now() + make_interval(secs => t.validity) ELSE t.expires_at END, now()
  FROM json_to_recordset(p->'calls') AS t(call_id text, account_id text, line_id text, service text, status text, holds_channel boolean, direction text,
       calling_number text, called_number text, start_time text, granted_units int, used_units int, reserved numeric, draws jsonb, charged numeric,
       committed boolean, rated_revision int, expires_at timestamptz, validity int)
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
