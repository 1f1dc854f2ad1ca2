-- The walls hold against the desks' own login (a member of `podoclinic_app`, the credential every
-- desk keeps), not only against the app's statements.

-- 1. No fake tables. A function runs with its caller's search_path, where the caller's temporary
-- schema comes first: a desk's `CREATE TEMP TABLE cash_sessions (...)` would answer a guard's
-- lookup. Every PL/pgSQL function of the schema looks in the catalog, then the schema, and in its
-- temporary schema last. (SQL functions are qualified instead, so the planner still inlines them;
-- tests/tests/privileges.rs names the ones allowed without a search_path.) CREATE OR REPLACE
-- drops a function's settings: a later migration that replaces one sets it again.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure
        FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        JOIN pg_language l ON l.oid = p.prolang
        WHERE n.nspname = 'public' AND l.lanname = 'plpgsql'
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                          WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, public, pg_temp', f);
    END LOOP;
END;
$$;
CREATE OR REPLACE FUNCTION clinic_day(at timestamptz) RETURNS date LANGUAGE sql STABLE AS $$
    SELECT (at AT TIME ZONE (SELECT timezone FROM public.clinic_profile))::date
$$;

-- ...and no temporary objects for anyone but the owner. (A restored database gets the same from
-- the restore, which runs as the owner: desk/src/backup/dump.rs.)
DO $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'podoclinic_app') THEN
        EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM podoclinic_app', current_database());
        IF has_database_privilege('podoclinic_app', current_database(), 'TEMPORARY') THEN
            RAISE WARNING 'the desks may still create temporary tables in %: revoke TEMPORARY on it '
                'from PUBLIC as the database''s owner (see the README)', current_database();
        END IF;
    END IF;
END;
$$;

-- 2. No fake depth. Stock moved only when the guard was called from inside another trigger,
-- which a desk's own temporary trigger could fake. Now the guard checks what changed: when the
-- writing transaction commits, a product's stock is the sum of its ledger (a product is born with
-- none). The index answers the sum from the index alone.
CREATE INDEX stock_movements_product_quantity ON stock_movements (product_id) INCLUDE (quantity);
CREATE OR REPLACE FUNCTION products_stock_by_ledger() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF (SELECT stock_on_hand FROM public.products WHERE id = NEW.id)
       IS DISTINCT FROM (SELECT coalesce(sum(quantity), 0) FROM public.stock_movements WHERE product_id = NEW.id) THEN
        RAISE EXCEPTION 'stock moves only through stock_movements'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'products_stock_by_ledger';
    END IF;
    RETURN NULL;
END;
$$;
DROP TRIGGER products_stock_by_ledger ON products;
CREATE CONSTRAINT TRIGGER products_stock_by_ledger AFTER INSERT OR UPDATE OF stock_on_hand ON products
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION products_stock_by_ledger();

-- 3. A corte is born open: no closing figures and no anchor at INSERT (only the closing UPDATE
-- sets them, where migration 11's guard makes the anchor the database's), never opened in the
-- future, and never over a period its register already closed.
CREATE FUNCTION cash_sessions_born_open() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NEW.closed_at IS NOT NULL OR NEW.closed_by IS NOT NULL OR NEW.audit_rows IS NOT NULL
       OR NEW.audit_head IS NOT NULL OR NEW.expected_cash_cents IS NOT NULL
       OR NEW.counted_cash_cents IS NOT NULL OR NEW.denominations IS NOT NULL OR NEW.close_note <> '' THEN
        RAISE EXCEPTION 'a cash session is opened, then closed'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'cash_session_born_open';
    END IF;
    IF NEW.opened_at > now() + interval '1 minute'
       OR NEW.opened_at < (SELECT max(closed_at) FROM cash_sessions WHERE register_id = NEW.register_id) THEN
        RAISE EXCEPTION 'a cash session opens after its register''s last corte, and not later than now'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'cash_session_opening_fixed';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER cash_sessions_born_open BEFORE INSERT ON cash_sessions
    FOR EACH ROW EXECUTE FUNCTION cash_sessions_born_open();

-- 4. Who may do what, and the backups, leave their own trace. A change to an account, a role, the
-- backup settings or a backup's record writes an audit row from the database, in the same
-- transaction, whoever sends it (the app, or psql with a desk's login): the fields that changed,
-- their values before and after, a secret only as "changed". The row names no app user (the
-- database does not know one); its `db_login` names the login and its `desk` the client program.
-- TG_ARGV: the secret fields (named, never shown), then the fields not worth a row (bookkeeping,
-- the lockout state the sign-in path keeps), each comma-separated.
CREATE FUNCTION audit_row_change() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    secret  text[] := string_to_array(TG_ARGV[0], ',');
    quiet   text[] := string_to_array(TG_ARGV[1], ',');
    was     jsonb := '{}';
    now_is  jsonb := '{}';
    field   text;
BEGIN
    FOR field IN SELECT key FROM jsonb_object_keys(coalesce(new_row, old_row)) AS key ORDER BY key LOOP
        CONTINUE WHEN field = ANY (quiet) OR (old_row -> field) IS NOT DISTINCT FROM (new_row -> field);
        IF field = ANY (secret) THEN
            was := was || jsonb_build_object(field, CASE WHEN old_row IS NOT NULL THEN 'secreto' END);
            now_is := now_is || jsonb_build_object(field, CASE WHEN new_row IS NOT NULL THEN 'secreto (cambió)' END);
        ELSE
            was := was || jsonb_build_object(field, old_row -> field);
            now_is := now_is || jsonb_build_object(field, new_row -> field);
        END IF;
    END LOOP;
    IF now_is = '{}' THEN
        RETURN NULL;
    END IF;
    INSERT INTO public.audit_log (desk, action, entity, entity_id, before, after)
    VALUES (left(coalesce(nullif(current_setting('application_name', true), ''), 'base de datos'), 80),
            'db.' || lower(TG_OP), TG_TABLE_NAME, coalesce(new_row, old_row) ->> 'id',
            CASE WHEN old_row IS NOT NULL THEN was END, CASE WHEN new_row IS NOT NULL THEN now_is END);
    RETURN NULL;
END;
$$;
CREATE TRIGGER users_audit AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('password_hash', 'updated_at,locked_until,lockout_count');
CREATE TRIGGER roles_audit AFTER INSERT OR UPDATE OR DELETE ON roles
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('', 'updated_at');
CREATE TRIGGER backup_settings_audit AFTER INSERT OR UPDATE OR DELETE ON backup_settings
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('sealed_key', 'updated_at');
CREATE TRIGGER backups_audit AFTER INSERT OR UPDATE ON backups
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('', '');

-- 5. Password hashes are read one account at a time, by the sign-in path: the desks read every
-- other column of `users`, and write the lockout state only through these functions.
CREATE FUNCTION sign_in_credentials(login text)
    RETURNS TABLE (id uuid, username text, display_name text, password_hash text, active boolean,
                   locked_until timestamptz, lockout_count integer, now timestamptz)
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT u.id, u.username, u.display_name, u.password_hash, u.active, u.locked_until, u.lockout_count, now()
    FROM public.users u WHERE u.username = login FOR NO KEY UPDATE
$$;
-- Locks an account for up to an hour (the longest lockout the app gives) from the database's clock.
CREATE FUNCTION users_lock_out(account uuid, minutes integer) RETURNS timestamptz
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    UPDATE public.users SET locked_until = now() + make_interval(mins => least(greatest(minutes, 1), 60)),
                            lockout_count = lockout_count + 1
    WHERE id = account RETURNING locked_until
$$;
CREATE FUNCTION users_lift_lockout(account uuid, forget_repeats boolean) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    UPDATE public.users SET locked_until = NULL,
                            lockout_count = CASE WHEN forget_repeats THEN 0 ELSE lockout_count END
    WHERE id = account
$$;
REVOKE EXECUTE ON FUNCTION sign_in_credentials(text), users_lock_out(uuid, integer),
    users_lift_lockout(uuid, boolean) FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'podoclinic_app') THEN
        REVOKE SELECT, INSERT, UPDATE ON users FROM podoclinic_app;
        GRANT SELECT (id, username, display_name, role_id, active, locked_until, lockout_count, created_at,
                      updated_at) ON users TO podoclinic_app;
        GRANT INSERT (id, username, display_name, password_hash, role_id, active) ON users TO podoclinic_app;
        GRANT UPDATE (display_name, password_hash, role_id, active, updated_at) ON users TO podoclinic_app;
        GRANT EXECUTE ON FUNCTION sign_in_credentials(text), users_lock_out(uuid, integer),
            users_lift_lockout(uuid, boolean) TO podoclinic_app;
    END IF;
END;
$$;

-- 6. A backup's file is a plain name in its folder: never a path (retention deletes by it).
-- NOT VALID: a row already stored is the app's own; new rows are checked.
ALTER TABLE backups ADD CONSTRAINT backups_file_name_plain CHECK (
    file_name !~ '[/\\[:cntrl:]]' AND file_name NOT LIKE '%..%' AND file_name NOT LIKE '.%') NOT VALID;

-- A backup is proven to open with the clinic's recovery key when an admin gives the passphrase:
-- the plain dump's checksum is recorded when it is taken, and the decrypted stream must give it
-- again. A record changes only by being proven (again, later) or pruned (once).
ALTER TABLE backups ADD COLUMN plain_sha256 text CONSTRAINT backups_plain_sha256 CHECK (plain_sha256 ~ '^[0-9a-f]{64}$'),
                    ADD COLUMN key_proven_at timestamptz;
CREATE OR REPLACE FUNCTION backups_guard() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'a backup''s record is kept' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (to_jsonb(NEW) - 'pruned_at' - 'key_proven_at') IS DISTINCT FROM (to_jsonb(OLD) - 'pruned_at' - 'key_proven_at')
       OR (NEW.pruned_at IS DISTINCT FROM OLD.pruned_at AND (OLD.pruned_at IS NOT NULL OR NEW.pruned_at IS NULL))
       OR (NEW.key_proven_at IS DISTINCT FROM OLD.key_proven_at
           AND (NEW.key_proven_at IS NULL OR NEW.key_proven_at < coalesce(OLD.key_proven_at, '-infinity')
                OR NEW.plain_sha256 IS NULL))
       OR NEW IS NOT DISTINCT FROM OLD THEN
        RAISE EXCEPTION 'a backup''s record changes only when its file is pruned or its key proven'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'podoclinic_app') THEN
        GRANT UPDATE (key_proven_at) ON backups TO podoclinic_app;
    END IF;
END;
$$;

-- 7. Who wrote a row is part of the row. Rows linked from now on carry chain version 2, whose
-- hashed content adds the version and the database login; rows before stay version 1 (NULL) and
-- hash as they did. The verifier (audit::service::verify) recomputes both and refuses a version
-- going back down the chain.
ALTER TABLE audit_log ADD COLUMN chain_version smallint CONSTRAINT audit_log_chain_version CHECK (chain_version = 2);
CREATE OR REPLACE FUNCTION audit_log_content(r audit_log) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT convert_to(concat_ws('|',
        quote_nullable(r.chain_seq),
        quote_nullable(r.id),
        quote_nullable((extract(epoch FROM r.at) * 1000000)::bigint),
        quote_nullable(r.user_id),
        quote_nullable(r.username),
        quote_nullable(r.desk),
        quote_nullable(r.action),
        quote_nullable(r.entity),
        quote_nullable(r.entity_id),
        quote_nullable(r.before::text),
        quote_nullable(r.after::text),
        CASE WHEN r.chain_version IS NOT NULL THEN quote_nullable(r.chain_version) END,
        CASE WHEN r.chain_version IS NOT NULL THEN quote_nullable(r.db_login) END), 'UTF8')
$$;
CREATE OR REPLACE FUNCTION audit_log_link(row_id bigint) RETURNS void LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
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
    r.chain_version := 2;
    r.hash := pg_catalog.sha256(r.prev_hash || public.audit_log_content(r));
    UPDATE public.audit_log SET chain_seq = r.chain_seq, prev_hash = r.prev_hash, hash = r.hash,
        chain_version = r.chain_version WHERE id = row_id;
END;
$$;
REVOKE EXECUTE ON FUNCTION audit_log_link(bigint) FROM PUBLIC;
-- A desk's INSERT names no version (its column grant is the content's columns), and the one
-- change a row gets, its place in the chain, sets the version with it.
CREATE OR REPLACE FUNCTION audit_log_guard_row() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL AND OLD.chain_version IS NULL
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
