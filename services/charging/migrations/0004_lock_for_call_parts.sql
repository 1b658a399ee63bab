-- lock_for_call reads only the parts a decision needs (p_parts, a bit set): 1 the account's open reservations,
-- 2 the line's channels in use, 4 the line's held allowance and rating's report, 8 dunning's standing. A
-- terminate on a line without buckets needs none of them; a pay-as-you-go authorization needs no allowance.
DROP FUNCTION IF EXISTS "charging"."lock_for_call"(text, text, text, text, text, int);
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "charging"."lock_for_call"(p_account text, p_currency text, p_mode text, p_line text, p_call text, p_unrated_hours int, p_parts int) RETURNS json
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
    'reserved', CASE WHEN p_parts & 1 = 0 THEN '0' ELSE (SELECT coalesce(sum(reserved), 0)::text FROM "charging"."calls"
                 WHERE account_id = p_account AND status = 'active' AND expires_at > now() AND call_id <> p_call) END,
    'channels', CASE WHEN p_parts & 2 = 0 THEN 0 ELSE (SELECT count(*) FROM "charging"."calls"
                 WHERE line_id = v_line AND status = 'active' AND holds_channel AND expires_at > now() AND call_id <> p_call) END,
    'held', CASE WHEN p_parts & 4 = 0 THEN '[]'::json ELSE (SELECT coalesce(json_agg(d.draws), '[]'::json) FROM (
               SELECT draws FROM "charging"."calls"
               WHERE line_id = v_line AND status = 'active' AND expires_at > now() AND call_id <> p_call AND draws <> '{}'::jsonb
               UNION ALL
               SELECT draws FROM "charging"."calls"
               WHERE line_id = v_line AND committed AND rated_revision IS NULL AND call_id <> p_call AND draws <> '{}'::jsonb
                 AND updated_at > now() - make_interval(hours => p_unrated_hours)
             ) d) END,
    'standing', CASE WHEN p_parts & 8 = 0 THEN NULL ELSE (SELECT json_build_object('standing', standing, 'reason', reason) FROM "charging"."account_standing" WHERE account_id = p_account) END,
    'allowance', CASE WHEN p_parts & 4 = 0 THEN NULL ELSE (SELECT json_build_object('offerId', offer_id, 'periodKey', period_key, 'at', at, 'remaining', remaining)
                  FROM "charging"."line_allowances" WHERE line_id = v_line) END,
    'call', (SELECT json_build_object(
               'callId', call_id, 'accountId', account_id, 'lineId', line_id, 'service', service, 'status', status, 'holdsChannel', holds_channel,
               'direction', direction, 'callingNumber', calling_number, 'calledNumber', called_number, 'startTime', start_time,
               'grantedUnits', granted_units, 'usedUnits', used_units, 'reserved', reserved::text, 'draws', draws, 'charged', charged::text,
               'committed', committed, 'ratedRevision', rated_revision,
               'expiresAt', to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
             FROM "charging"."calls" WHERE call_id = p_call)
  );
END $$;
