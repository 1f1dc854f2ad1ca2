-- Anchors for the audit chain, and the database login behind every audit row.
--
-- The chain shows an edit, a deletion or a row slipped in, but not rows cut from its end: the
-- shorter chain is still a chain. So each corte Z records the chain as it stood when the drawer
-- closed (its length and head hash, also printed on the report), set by the database, not by the
-- desk; the verifier then names any corte whose place in the chain is gone (truncated) or holds
-- another hash (rewritten from there on).
ALTER TABLE cash_sessions ADD COLUMN audit_rows bigint, ADD COLUMN audit_head bytea;
ALTER TABLE cash_sessions ADD CONSTRAINT cash_sessions_anchor CHECK (
    (audit_rows IS NULL) = (audit_head IS NULL) AND (audit_rows IS NULL OR closed_at IS NOT NULL));

CREATE OR REPLACE FUNCTION cash_sessions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'cash sessions are never deleted'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'cash_sessions_never_deleted';
    END IF;
    IF OLD.closed_at IS NOT NULL THEN
        RAISE EXCEPTION 'cash session % is closed', OLD.id
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'cash_session_closed';
    END IF;
    IF NEW.register_id <> OLD.register_id OR NEW.opened_at <> OLD.opened_at OR NEW.opened_by <> OLD.opened_by
       OR NEW.opening_float_cents <> OLD.opening_float_cents THEN
        RAISE EXCEPTION 'an open cash session only changes by closing'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'cash_session_opening_fixed';
    END IF;
    -- The anchor is the database's: whatever the closing statement says, it is the chain's head.
    NEW.audit_rows := NULL;
    NEW.audit_head := NULL;
    IF NEW.closed_at IS NOT NULL THEN
        SELECT chain_seq, hash INTO NEW.audit_rows, NEW.audit_head
        FROM audit_log WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1;
        IF NEW.audit_rows IS NULL THEN
            NEW.audit_rows := 0;
            NEW.audit_head := '\x'::bytea;
        END IF;
    END IF;
    RETURN NEW;
END;
$$;

-- Who the database let in, beside who the app says acted: the login is the session's, which no
-- SET ROLE changes and a desk cannot write (its INSERT grant names the content columns only). Not
-- part of the chain's content (rows before this migration have none).
ALTER TABLE audit_log ADD COLUMN db_login text;
CREATE OR REPLACE FUNCTION audit_log_guard_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    issued bigint;
BEGIN
    BEGIN
        issued := currval(pg_get_serial_sequence('public.audit_log', 'id'));
    EXCEPTION WHEN object_not_in_prerequisite_state THEN
        issued := NULL;
    END;
    IF issued IS DISTINCT FROM NEW.id OR NEW.chain_seq IS NOT NULL OR NEW.prev_hash IS NOT NULL
       OR NEW.hash IS NOT NULL THEN
        RAISE EXCEPTION 'audit rows take their id, time and chain from the database'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'audit_log_append_only';
    END IF;
    NEW.at := clock_timestamp();
    NEW.db_login := session_user;
    RETURN NEW;
END;
$$;

-- The one change an audit row ever gets stays its place in the chain: the login is kept too.
CREATE OR REPLACE FUNCTION audit_log_guard_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL
       AND (NEW.id, NEW.at, NEW.user_id, NEW.username, NEW.desk, NEW.action, NEW.entity, NEW.entity_id,
            NEW.before, NEW.after, NEW.db_login)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.at, OLD.user_id, OLD.username, OLD.desk, OLD.action, OLD.entity, OLD.entity_id,
            OLD.before, OLD.after, OLD.db_login) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only'
        USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'audit_log_append_only';
END;
$$;
