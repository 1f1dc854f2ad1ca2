-- What a desk keeps on its own disk speaks for nobody (issue 32). A write a desk keeps while the
-- server is away carries a proof (HMAC-SHA-256) under its author's outbox key. The key is the
-- server's: derived here from a secret no desk login can read, for one user and one generation of
-- that user's credentials. The desk gets it at an online sign-in and keeps it sealed under the
-- user's password, so a row written into the desk's file by hand, or a sign-in forged there, has no
-- key the server will accept.

-- 1. A user's credentials have generations: a new password, another role or a change of the
-- active flag starts the next one. A desk drops the offline sign-in of an older generation at its
-- next refresh, and a write proved under an older one waits for its author to sign in again.
ALTER TABLE users ADD COLUMN credential_generation integer NOT NULL DEFAULT 1;

CREATE FUNCTION users_credential_generation() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NEW.password_hash IS DISTINCT FROM OLD.password_hash
       OR NEW.role_id IS DISTINCT FROM OLD.role_id
       OR NEW.active IS DISTINCT FROM OLD.active THEN
        NEW.credential_generation := OLD.credential_generation + 1;
    ELSE
        NEW.credential_generation := OLD.credential_generation;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER users_credential_generation BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION users_credential_generation();

-- 2. The secret behind every outbox key: 32 bytes from the server's strong random source (two
-- version-4 UUIDs, 244 random bits), readable by the owner only (no grant to the desks).
CREATE TABLE desk_proof_secret (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    secret bytea NOT NULL CHECK (length(secret) = 32)
);
INSERT INTO desk_proof_secret (secret)
    VALUES (decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));
REVOKE ALL ON desk_proof_secret FROM PUBLIC;

-- A user's outbox key for one generation (the current one when `wanted` is NULL), or no row for a
-- user that does not exist or a generation not reached yet. Fixed-length input (16 + 4 bytes) under
-- a fixed-length secret: a key says nothing about any other.
CREATE FUNCTION outbox_key(account uuid, wanted integer)
    RETURNS TABLE (generation integer, key bytea)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT g.generation, sha256(s.secret || uuid_send(u.id) || int4send(g.generation))
    FROM public.users u
    CROSS JOIN public.desk_proof_secret s
    CROSS JOIN LATERAL (SELECT coalesce(wanted, u.credential_generation) AS generation) g
    WHERE u.id = account AND g.generation BETWEEN 1 AND u.credential_generation
$$;
REVOKE EXECUTE ON FUNCTION outbox_key(uuid, integer) FROM PUBLIC;

-- 3. How long a desk may let someone in without the server, in days (the clinic decides).
ALTER TABLE clinic_profile ADD COLUMN offline_sign_in_days smallint NOT NULL DEFAULT 7
    CONSTRAINT clinic_profile_offline_sign_in_days CHECK (offline_sign_in_days BETWEEN 1 AND 30);

-- 4. The kept writes the server has taken, by their outbox id. Sent again (a crash before the desk
-- noted one sent, or a proven row copied out of a desk's file and put back later), a write is
-- recognised and not made again: a reschedule, a status or a patient's update are not idempotent
-- by their own ids. Append-only for the desks.
CREATE TABLE outbox_landed (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    desk text NOT NULL,
    landed_at timestamptz NOT NULL DEFAULT now()
);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'podoclinic_app') THEN
        GRANT SELECT, INSERT ON outbox_landed TO podoclinic_app;
        GRANT SELECT (credential_generation) ON users TO podoclinic_app;
        GRANT EXECUTE ON FUNCTION outbox_key(uuid, integer) TO podoclinic_app;
        REVOKE ALL ON desk_proof_secret FROM podoclinic_app;
    END IF;
END;
$$;
