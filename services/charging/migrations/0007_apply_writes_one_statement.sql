-- A group commit as one statement of the extended protocol, in its own (implicit) transaction: the writes as a
-- parameter of a prepared statement, not a literal of several kilobytes that the SQL lexer reads inside
-- "BEGIN; SELECT ...; COMMIT" (three statements parsed and planned per commit). A batch that moves no money
-- (reservations held, extended, released) commits without waiting for its WAL flush: set_config(..., true)
-- holds for this transaction only, and synchronous_commit is read when it commits.
CREATE OR REPLACE FUNCTION "charging"."apply_writes_v3"(p json, p_durable boolean) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF NOT p_durable THEN
    PERFORM set_config('synchronous_commit', 'off', true);
  END IF;
  PERFORM "charging"."apply_writes_v2"(p);
END $$;
