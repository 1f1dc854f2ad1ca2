-- NOM-004-SSA3-2012's nota de evolución: besides the foot chart, the procedures, the risk and the
-- evolution (`notes`), a note holds vital signs where relevant, one or more diagnoses (with an
-- optional CIE-10 code), the prognosis and the treatment and indications (`plan`). A note is not
-- signed without a diagnosis and a plan; notes signed before this migration keep what they had
-- (the checks are NOT VALID: old rows are never re-read, and a signed note never changes).
ALTER TABLE visits
    ADD COLUMN vitals    jsonb NOT NULL DEFAULT '{}' CONSTRAINT visits_vitals_shape CHECK (jsonb_typeof(vitals) = 'object'),
    ADD COLUMN diagnoses jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN prognosis text  NOT NULL DEFAULT '',
    ADD COLUMN plan      text  NOT NULL DEFAULT '';

-- A list of at most 10 diagnoses, each {"text": a non-blank text of at most 300 characters,
-- "code": null or a CIE-10 code such as "L60.0"}, and nothing else: what the form sends, held
-- against a desk login writing the row by hand. (The code's presence in the shipped CIE-10 list
-- is the form's check: the list is data in the app, not in the database.)
CREATE FUNCTION visit_diagnoses_ok(d jsonb) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT
    SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT jsonb_typeof(d) = 'array' AND jsonb_array_length(d) <= 10
       AND NOT EXISTS (
           SELECT 1 FROM jsonb_array_elements(d) AS e(item)
           WHERE jsonb_typeof(item) <> 'object'
              OR EXISTS (SELECT 1 FROM jsonb_object_keys(item) AS k WHERE k NOT IN ('text', 'code'))
              OR jsonb_typeof(item -> 'text') IS DISTINCT FROM 'string'
              OR length(btrim(item ->> 'text')) = 0
              OR char_length(item ->> 'text') > 300
              OR coalesce(jsonb_typeof(item -> 'code'), 'null') NOT IN ('null', 'string')
              OR (jsonb_typeof(item -> 'code') = 'string' AND (item ->> 'code') !~ '^[A-Z][0-9]{2}(\.[0-9A-Z]{1,2})?$'))
$$;
ALTER TABLE visits ADD CONSTRAINT visits_diagnoses_shape CHECK (visit_diagnoses_ok(diagnoses)) NOT VALID;
ALTER TABLE visits ADD CONSTRAINT visits_prognosis_len CHECK (char_length(prognosis) <= 300) NOT VALID;
ALTER TABLE visits ADD CONSTRAINT visits_plan_len CHECK (char_length(plan) <= 4000) NOT VALID;
ALTER TABLE visits ADD CONSTRAINT visits_sign_needs_diagnosis
    CHECK (signed_at IS NULL OR jsonb_array_length(diagnoses) > 0) NOT VALID;
ALTER TABLE visits ADD CONSTRAINT visits_sign_needs_plan
    CHECK (signed_at IS NULL OR length(btrim(plan)) > 0) NOT VALID;

-- A patient's CURP, optional: 18 characters in RENAPO's shape, the 18th the check digit of the
-- other 17 (never generated here: a CURP is RENAPO's to give). One patient per CURP.
CREATE FUNCTION curp_ok(c text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE STRICT
    SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    alphabet constant text := '0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ';
    total integer := 0;
BEGIN
    IF c !~ ('^[A-Z][AEIOUX][A-Z]{2}[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[HMX]'
             '(AS|BC|BS|CC|CL|CM|CS|CH|DF|DG|GT|GR|HG|JC|MC|MN|MS|NT|NL|OC|PL|QT|QR|SP|SL|SR|TC|TS|TL|VZ|YN|ZS|NE)'
             '[B-DF-HJ-NP-TV-Z]{3}[0-9A-Z][0-9]$') THEN
        RETURN false;
    END IF;
    FOR i IN 1..17 LOOP
        total := total + (strpos(alphabet, substr(c, i, 1)) - 1) * (19 - i);
    END LOOP;
    RETURN (10 - total % 10) % 10 = substr(c, 18, 1)::integer;
END;
$$;
ALTER TABLE patients ADD COLUMN curp text CONSTRAINT patients_curp_format CHECK (curp_ok(curp));
CREATE UNIQUE INDEX patients_curp_key ON patients (curp);

-- A printed note names who signed it with their professional title: the cédula (`license`) and
-- the institution that issued the title.
ALTER TABLE podiatrists ADD COLUMN title_institution text NOT NULL DEFAULT '';
ALTER TABLE podiatrists ADD CONSTRAINT podiatrists_title_institution_len
    CHECK (char_length(title_institution) <= 200) NOT VALID;

-- A nota de referencia (NOM-004 7.2): a patient sent from a signed visit to another establishment,
-- with the reason, the diagnostic impression and the treatment given. Part of the record: written
-- once, never changed nor deleted (a correction is another referral).
CREATE TABLE referrals (
    id          uuid PRIMARY KEY,
    visit_id    uuid        NOT NULL REFERENCES visits (id),
    receiving   text        NOT NULL CONSTRAINT referrals_receiving_not_blank CHECK (length(btrim(receiving)) > 0),
    reason      text        NOT NULL CONSTRAINT referrals_reason_not_blank CHECK (length(btrim(reason)) > 0),
    impression  text        NOT NULL CONSTRAINT referrals_impression_not_blank CHECK (length(btrim(impression)) > 0),
    treatment   text        NOT NULL DEFAULT '',
    created_by  uuid        NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT referrals_receiving_len CHECK (char_length(receiving) <= 200),
    CONSTRAINT referrals_reason_len CHECK (char_length(reason) <= 2000),
    CONSTRAINT referrals_impression_len CHECK (char_length(impression) <= 2000),
    CONSTRAINT referrals_treatment_len CHECK (char_length(treatment) <= 4000)
);
CREATE INDEX referrals_visit ON referrals (visit_id, created_at);
CREATE FUNCTION referrals_guard() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        RAISE EXCEPTION 'referrals are append-only'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'referrals_append_only';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.visits WHERE id = NEW.visit_id AND signed_at IS NOT NULL) THEN
        RAISE EXCEPTION 'a referral is written from a signed note'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'referrals_needs_signed';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER referrals_guard BEFORE INSERT OR UPDATE OR DELETE ON referrals
    FOR EACH ROW EXECUTE FUNCTION referrals_guard();

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'podoclinic_app') THEN
        GRANT SELECT, INSERT ON referrals TO podoclinic_app;
    END IF;
END;
$$;

-- The historia clínica's interrogatorio (NOM-004 6.1), adapted to podiatry: family history,
-- personal conditions, medications, tobacco and alcohol, activity and footwear. Each recording is a
-- new version: the history a note was written against is never written over.
CREATE TABLE patient_histories (
    id           uuid PRIMARY KEY,
    patient_id   uuid        NOT NULL REFERENCES patients (id),
    content      jsonb       NOT NULL
        CONSTRAINT patient_histories_content_shape CHECK (jsonb_typeof(content) = 'object' AND octet_length(content::text) <= 40000),
    recorded_by  uuid        NOT NULL REFERENCES users (id),
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX patient_histories_patient ON patient_histories (patient_id, recorded_at DESC);
CREATE FUNCTION patient_histories_guard() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'a history is recorded again, never changed'
        USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'patient_histories_append_only';
END;
$$;
CREATE TRIGGER patient_histories_guard BEFORE UPDATE OR DELETE ON patient_histories
    FOR EACH ROW EXECUTE FUNCTION patient_histories_guard();

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'podoclinic_app') THEN
        GRANT SELECT, INSERT ON patient_histories TO podoclinic_app;
    END IF;
END;
$$;

-- The SHA-256 of a signed note's content: one rule, here, over the row as stored (jsonb's text is
-- canonical and a signed row never changes), so the digest the signing's audit entry records is
-- the one every later printout carries, whatever later versions of the app add to their types.
-- Times are microseconds since the epoch (a timestamptz's text would follow the session's zone).
CREATE FUNCTION visit_content_sha256(visit uuid) RETURNS text LANGUAGE sql STABLE
    SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT encode(sha256(convert_to(jsonb_build_object(
        'version', 1,
        'id', v.id,
        'appointmentId', v.appointment_id,
        'patientId', v.patient_id,
        'podiatristId', v.podiatrist_id,
        'startsAt', (extract(epoch FROM lower(a.during)) * 1000000)::bigint,
        'findings', v.findings,
        'riskCategory', v.risk_category,
        'notes', v.notes,
        'procedures', coalesce((SELECT jsonb_agg(jsonb_build_array(p.treatment_id, p.quantity) ORDER BY p.treatment_id)
                                FROM visit_procedures p WHERE p.visit_id = v.id), '[]'::jsonb),
        'vitals', v.vitals,
        'diagnoses', v.diagnoses,
        'prognosis', v.prognosis,
        'plan', v.plan,
        'signedAt', (extract(epoch FROM v.signed_at) * 1000000)::bigint,
        'signedBy', v.signed_by
    )::text, 'UTF8')), 'hex')
    FROM visits v JOIN appointments a ON a.id = v.appointment_id
    WHERE v.id = visit
$$;

-- The right of access (LFPDPPP, ARCO): everything the database holds about one patient, as JSON
-- keyed by table. It starts from the patient's row and follows every foreign key that points at a
-- row already found (appointments, visits, their procedures, addenda and referrals, histories,
-- charges, their lines and payments, the stock a visit used…) until nothing new turns up; then the
-- tables that name a `patient_id` without a foreign key (the dashboard's rollups), and the audit
-- entries about any row found. A table added later is covered without changing this. The tables
-- come from the catalog and are quoted (%I / regclass): no text from outside reaches the SQL.
CREATE FUNCTION patient_data(patient uuid) RETURNS jsonb LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    found jsonb;
    fk record;
    keys text[];
    rows jsonb;
    grew boolean := true;
    ids text[];
BEGIN
    SELECT jsonb_build_object('patients', coalesce(jsonb_agg(to_jsonb(p)), '[]'::jsonb))
    INTO found FROM public.patients p WHERE p.id = patient;
    WHILE grew LOOP
        grew := false;
        FOR fk IN
            SELECT c.conrelid::regclass AS child, ca.attname AS col, c.confrelid::regclass::text AS parent, pa.attname AS refcol
            FROM pg_constraint c
            JOIN pg_attribute ca ON ca.attrelid = c.conrelid AND ca.attnum = c.conkey[1]
            JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1]
            WHERE c.contype = 'f' AND cardinality(c.conkey) = 1
              AND c.connamespace = 'public'::regnamespace
              AND found ? c.confrelid::regclass::text
            ORDER BY 1, 2
        LOOP
            keys := ARRAY(SELECT DISTINCT r ->> fk.refcol FROM jsonb_array_elements(found -> fk.parent) AS r
                          WHERE r ->> fk.refcol IS NOT NULL);
            EXECUTE format('SELECT coalesce(jsonb_agg(to_jsonb(t)), ''[]''::jsonb) FROM %s t WHERE t.%I::text = ANY ($1)',
                           fk.child, fk.col)
                INTO rows USING keys;
            rows := (SELECT coalesce(jsonb_agg(DISTINCT r), '[]'::jsonb)
                     FROM (SELECT jsonb_array_elements(coalesce(found -> fk.child::text, '[]'::jsonb))
                           UNION ALL SELECT jsonb_array_elements(rows)) AS u(r));
            IF jsonb_array_length(rows) > jsonb_array_length(coalesce(found -> fk.child::text, '[]'::jsonb)) THEN
                found := jsonb_set(found, ARRAY[fk.child::text], rows);
                grew := true;
            END IF;
        END LOOP;
    END LOOP;
    FOR fk IN
        SELECT c.oid::regclass AS child
        FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
          AND a.attname = 'patient_id' AND NOT a.attisdropped
          AND NOT found ? c.oid::regclass::text
        ORDER BY 1
    LOOP
        EXECUTE format('SELECT coalesce(jsonb_agg(to_jsonb(t)), ''[]''::jsonb) FROM %s t WHERE t.patient_id = $1', fk.child)
            INTO rows USING patient;
        IF jsonb_array_length(rows) > 0 THEN
            found := jsonb_set(found, ARRAY[fk.child::text], rows);
        END IF;
    END LOOP;
    ids := ARRAY(SELECT DISTINCT r ->> 'id' FROM jsonb_each(found) AS t(name, list), jsonb_array_elements(list) AS r
                 WHERE r ->> 'id' IS NOT NULL);
    found := jsonb_set(found, '{audit_log}', (
        SELECT coalesce(jsonb_agg(jsonb_build_object('at', a.at, 'username', a.username, 'desk', a.desk,
                                                     'action', a.action, 'entity', a.entity, 'entityId', a.entity_id)
                                  ORDER BY a.id), '[]'::jsonb)
        FROM public.audit_log a WHERE a.entity_id = ANY (ids)));
    RETURN found;
END;
$$;
