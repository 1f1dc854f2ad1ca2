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
        CREATE ROLE podoclinic_app NOLOGIN;
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
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO podoclinic_app;
    -- Append-only records: no UPDATE, no DELETE (their triggers refuse them too).
    REVOKE UPDATE, DELETE ON audit_log, payments, charges, charge_lines, cash_movements, expenses,
        stock_movements, stock_shortfalls, visit_addenda FROM podoclinic_app;
    -- The migrator's own record is the owner's (it exists wherever the migrator runs this).
    IF to_regclass('_sqlx_migrations') IS NOT NULL THEN
        REVOKE INSERT, UPDATE, DELETE ON _sqlx_migrations FROM podoclinic_app;
    END IF;
    GRANT EXECUTE ON FUNCTION audit_log_link(bigint) TO podoclinic_app;
END;
$$;

-- The audit's time is the database's, its id the identity's (no OVERRIDING SYSTEM VALUE), and its
-- place in the chain is written only at commit.
CREATE FUNCTION audit_log_guard_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    issued bigint;
BEGIN
    BEGIN
        issued := currval(pg_get_serial_sequence('audit_log', 'id'));
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
-- chain (an UPDATE of the audit), and rebuilding the rollups (TRUNCATE).
ALTER FUNCTION audit_log_link(bigint) SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION stats_rebuild() SECURITY DEFINER SET search_path = public, pg_temp;
