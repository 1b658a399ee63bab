-- One round trip for what every credit decision needs: the account's row locked (every writer of the account's
-- money, reservations and calls takes it first), then, read after the lock in statements of their own (so
-- they see whatever the previous holder committed), the account's open reservations, the line's channels and
-- held allowance, dunning's standing, rating's last allowance report and the call itself. NULL when the
-- account has no balance row yet (the caller opens it and asks again).
CREATE OR REPLACE FUNCTION "charging"."lock_for_call"(p_account text, p_line text, p_call text, p_unrated_hours int) RETURNS json
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
    RETURN NULL;
  END IF;
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
