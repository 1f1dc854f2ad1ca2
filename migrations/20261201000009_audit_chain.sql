-- A tamper-evident audit log. Every row carries its place in one chain (chain_seq), the hash of
-- the row before it (prev_hash) and the SHA-256 of that hash and its own content (hash). The place
-- and hashes are written when the writing transaction commits, by a deferred constraint trigger,
-- under one lock: two desks committing at once cannot fork the chain, and that lock is the last
-- one any write takes (see core/src/db/locks.rs). Editing, deleting or slipping in a row breaks
-- the chain at that row; the verifier (audit::service::verify) names it. Rewriting the whole chain
-- is caught against its head, printed on every corte Z and kept with every backup.

ALTER TABLE audit_log
    ADD COLUMN chain_seq bigint,
    ADD COLUMN prev_hash bytea,
    ADD COLUMN hash      bytea;
CREATE UNIQUE INDEX audit_log_chain_seq ON audit_log (chain_seq);

-- The content a row's hash covers, in one canonical text (the same whatever the session's time
-- zone or settings: the time in epoch microseconds, JSON in jsonb's canonical form).
CREATE FUNCTION audit_log_content(r audit_log) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
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
        quote_nullable(r.after::text)), 'UTF8')
$$;

-- The one change an audit row ever gets: its place in the chain, filled once.
CREATE FUNCTION audit_log_guard_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL
       AND (NEW.id, NEW.at, NEW.user_id, NEW.username, NEW.desk, NEW.action, NEW.entity, NEW.entity_id,
            NEW.before, NEW.after)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.at, OLD.user_id, OLD.username, OLD.desk, OLD.action, OLD.entity, OLD.entity_id,
            OLD.before, OLD.after) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only'
        USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'audit_log_append_only';
END;
$$;
DROP TRIGGER audit_log_append_only_row ON audit_log;
CREATE TRIGGER audit_log_append_only_row BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_guard_row();

-- Links one row to the chain's head. Runs at commit, in the order the transaction wrote its rows.
CREATE FUNCTION audit_log_link(row_id bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r    audit_log%ROWTYPE;
    head audit_log%ROWTYPE;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('podoclinic.audit_chain'));
    SELECT * INTO r FROM audit_log WHERE id = row_id;
    IF r.chain_seq IS NOT NULL THEN
        RETURN;
    END IF;
    SELECT * INTO head FROM audit_log WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1;
    r.chain_seq := coalesce(head.chain_seq, 0) + 1;
    r.prev_hash := coalesce(head.hash, '\x'::bytea);
    r.hash := sha256(r.prev_hash || audit_log_content(r));
    UPDATE audit_log SET chain_seq = r.chain_seq, prev_hash = r.prev_hash, hash = r.hash WHERE id = row_id;
END;
$$;

CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM audit_log_link(NEW.id);
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER audit_log_chain AFTER INSERT ON audit_log
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

-- The rows written before this migration join the chain in their order.
DO $$
DECLARE
    row_id bigint;
BEGIN
    FOR row_id IN SELECT id FROM audit_log WHERE chain_seq IS NULL ORDER BY id LOOP
        PERFORM audit_log_link(row_id);
    END LOOP;
END;
$$;
