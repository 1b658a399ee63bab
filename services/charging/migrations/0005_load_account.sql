-- The real-time owner keeps each account's credit-control state in memory and loads it once, on first use:
-- the balance row (opened in its policy's mode if new), dunning's standing, the open reservations, the
-- committed calls of its lines whose CDRs are not rated yet (their allowance use still counts) and rating's
-- last allowance report per line. One statement, no lock: from then on only the owner writes the account.
CREATE OR REPLACE FUNCTION "charging"."load_account"(p_account text, p_currency text, p_mode text, p_lines text[], p_unrated_hours int) RETURNS json
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_account json;
BEGIN
  INSERT INTO "charging"."accounts" (account_id, currency, mode) VALUES (p_account, p_currency, p_mode) ON CONFLICT DO NOTHING;
  SELECT row_to_json(a) INTO v_account FROM (
    SELECT account_id, currency, balance::text AS balance, mode, blocked, recharge_period, recharge_count
    FROM "charging"."accounts" WHERE account_id = p_account
  ) a;
  RETURN json_build_object(
    'account', v_account,
    'standing', (SELECT json_build_object('standing', standing, 'reason', reason) FROM "charging"."account_standing" WHERE account_id = p_account),
    'open', (SELECT coalesce(json_agg(json_build_object(
               'callId', call_id, 'accountId', account_id, 'lineId', line_id, 'service', service, 'status', status, 'holdsChannel', holds_channel,
               'direction', direction, 'callingNumber', calling_number, 'calledNumber', called_number, 'startTime', start_time,
               'grantedUnits', granted_units, 'usedUnits', used_units, 'reserved', reserved::text, 'draws', draws, 'charged', charged::text,
               'committed', committed, 'ratedRevision', rated_revision,
               'expiresAt', to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))), '[]'::json)
             FROM "charging"."calls" WHERE account_id = p_account AND status = 'active'),
    'unrated', (SELECT coalesce(json_agg(json_build_object('callId', call_id, 'lineId', line_id, 'draws', draws,
                  'at', to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))), '[]'::json)
                FROM "charging"."calls"
                WHERE line_id = ANY(p_lines) AND committed AND rated_revision IS NULL AND draws <> '{}'::jsonb
                  AND updated_at > now() - make_interval(hours => p_unrated_hours)),
    'allowances', (SELECT coalesce(json_agg(json_build_object('lineId', line_id, 'offerId', offer_id, 'periodKey', period_key, 'at', at, 'remaining', remaining)), '[]'::json)
                   FROM "charging"."line_allowances" WHERE line_id = ANY(p_lines))
  );
END $$;
