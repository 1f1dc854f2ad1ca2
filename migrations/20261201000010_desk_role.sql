-- The desks' role. `podoclinic_app` is a NOLOGIN group; every desk's login is a member of it. It
-- reads and writes rows and owns nothing: it cannot alter, disable a trigger of, or truncate a
-- table, and (not being a superuser) cannot set session_replication_role. What must never change
-- once written is refused to it by privilege as well as by the tables' triggers. The owner (the
-- role that runs the migrations) creates the group when it may; on a LAN server the README's
-- set-up creates it first.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'podoclinic_app')
       AND (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
        BEGIN
            CREATE ROLE podoclinic_app NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- another database of the cluster created it at the same moment
        END;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'podoclinic_app') THEN
        -- An owner that may not create roles, on a server set up before this migration: the
        -- upgrade goes on (a desk must not be left unable to start) and says what is missing.
        RAISE WARNING 'role podoclinic_app does not exist and % may not create it: create it and '
            'run the grants of migration 10 (see the README)', current_user;
        RETURN;
    END IF;
    GRANT USAGE ON SCHEMA public TO podoclinic_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO podoclinic_app;
    -- An audit row's id, time and place in the chain are the database's: a desk names only what
    -- happened (a column-level grant, so no OVERRIDING SYSTEM VALUE, no back-dating).
    REVOKE INSERT ON audit_log FROM podoclinic_app;
    GRANT INSERT (user_id, username, desk, action, entity, entity_id, before, after) ON audit_log TO podoclinic_app;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO podoclinic_app;
    -- Append-only records: no UPDATE, no DELETE (their triggers refuse them too).
    REVOKE UPDATE, DELETE ON audit_log, payments, charges, charge_lines, cash_movements, expenses,
        stock_movements, stock_shortfalls, visit_addenda FROM podoclinic_app;
    -- The migrator's own record is the owner's (it exists wherever the migrator runs this).
    IF to_regclass('_sqlx_migrations') IS NOT NULL THEN
        REVOKE INSERT, UPDATE, DELETE ON _sqlx_migrations FROM podoclinic_app;
    END IF;
END;
$$;

-- Nobody but the owner creates objects in the schema (PostgreSQL 15 does this by default; on 14
-- the schema's owner must run it, as the README's set-up does): a desk cannot put a function of
-- its own in the way of one the owner's code calls.
DO $$
BEGIN
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'CREATE on schema public is still granted to PUBLIC: revoke it as the schema''s owner';
END;
$$;

-- The chain's lock is a row only the owner can touch (an advisory lock anyone could take and
-- hold, stalling every write).
CREATE TABLE audit_chain_lock (id boolean PRIMARY KEY DEFAULT true CHECK (id));
INSERT INTO audit_chain_lock DEFAULT VALUES;
REVOKE ALL ON audit_chain_lock FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'podoclinic_app') THEN
        REVOKE ALL ON audit_chain_lock FROM podoclinic_app;
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION audit_log_link(row_id bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r    public.audit_log%ROWTYPE;
    head public.audit_log%ROWTYPE;
BEGIN
    PERFORM 1 FROM public.audit_chain_lock FOR UPDATE;
    SELECT * INTO r FROM public.audit_log WHERE id = row_id;
    IF r.chain_seq IS NOT NULL THEN
        RETURN;
    END IF;
    SELECT * INTO head FROM public.audit_log WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1;
    r.chain_seq := coalesce(head.chain_seq, 0) + 1;
    r.prev_hash := coalesce(head.hash, '\x'::bytea);
    r.hash := pg_catalog.sha256(r.prev_hash || public.audit_log_content(r));
    UPDATE public.audit_log SET chain_seq = r.chain_seq, prev_hash = r.prev_hash, hash = r.hash WHERE id = row_id;
END;
$$;

-- The audit's time is the database's, its id the identity's (no OVERRIDING SYSTEM VALUE), and its
-- place in the chain is written only at commit.
CREATE FUNCTION audit_log_guard_insert() RETURNS trigger LANGUAGE plpgsql AS $$
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
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_log_guard_insert BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_guard_insert();

-- Work the desks cause but may not do themselves runs as the owner: linking audit rows into the
-- chain (an UPDATE of the audit, under the owner's lock row), and rebuilding the rollups
-- (TRUNCATE). The built-ins come first on their search path; desks may not call them directly.
ALTER FUNCTION audit_log_link(bigint) SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION audit_log_chain() SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION stats_rebuild() SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION stats_time_zone_changed() SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp;
REVOKE EXECUTE ON FUNCTION audit_log_link(bigint) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION stats_rebuild() FROM PUBLIC;

-- A chain place is a positive number.
ALTER TABLE audit_log ADD CONSTRAINT audit_log_chain_seq_positive CHECK (chain_seq > 0);
