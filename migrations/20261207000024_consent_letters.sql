-- Cartas de consentimiento bajo información (NOM-004-SSA3-2012, 10.1): versioned templates whose
-- required contents are placeholders, letters signed at the desk (or on paper and scanned) kept as
-- written, revocations as addenda, and catalog treatments that need a letter in force.

-- What a letter authorises. The list is the clinic's kinds of consent, one place.
CREATE DOMAIN consent_kind AS text
    CHECK (VALUE IN ('nail_surgery', 'minor_surgery', 'clinical_photos', 'minor_patient'));

-- The placeholder of NOM-004 10.1.1 a template's body lacks, or NULL when it has them all (the
-- witnesses' one only when the template asks for witnesses). The signatures' places, where the
-- letter draws the signing lines, stand alone on a line. The one rule, used by the table's CHECK
-- and by the app to name what is missing.
CREATE FUNCTION consent_template_missing(body text, witnesses integer) RETURNS text LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, public, pg_temp
    RETURN (SELECT p FROM unnest(ARRAY['{{establecimiento}}', '{{titulo}}', '{{lugar_y_fecha}}', '{{acto}}',
                                       '{{riesgos_y_beneficios}}', '{{contingencias}}', '{{firmas}}',
                                       CASE WHEN witnesses > 0 THEN '{{testigos}}' END]) WITH ORDINALITY AS x (p, n)
            WHERE p IS NOT NULL
              AND CASE WHEN p IN ('{{firmas}}', '{{testigos}}')
                       THEN NOT EXISTS (SELECT 1 FROM regexp_split_to_table(body, E'\r?\n') AS l (line) WHERE btrim(line) = p)
                       ELSE strpos(body, p) = 0 END
            ORDER BY n LIMIT 1);

CREATE TABLE consent_templates (
    id                 uuid PRIMARY KEY,
    kind               consent_kind NOT NULL,
    version            integer     NOT NULL CHECK (version > 0),
    title              text        NOT NULL CONSTRAINT consent_templates_title_not_blank CHECK (length(btrim(title)) > 0),
    act                text        NOT NULL CONSTRAINT consent_templates_act_not_blank CHECK (length(btrim(act)) > 0),
    risks_benefits     text        NOT NULL CONSTRAINT consent_templates_risks_benefits_not_blank CHECK (length(btrim(risks_benefits)) > 0),
    contingencies      text        NOT NULL CONSTRAINT consent_templates_contingencies_not_blank CHECK (length(btrim(contingencies)) > 0),
    body               text        NOT NULL,
    witnesses          smallint    NOT NULL CONSTRAINT consent_templates_witnesses CHECK (witnesses IN (0, 2)),
    published_by       uuid        NOT NULL REFERENCES users (id),
    published_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT consent_templates_version_key UNIQUE (kind, version),
    CONSTRAINT consent_templates_placeholders CHECK (consent_template_missing(body, witnesses) IS NULL),
    CONSTRAINT consent_templates_title_len CHECK (char_length(title) <= 200),
    CONSTRAINT consent_templates_act_len CHECK (char_length(act) <= 2000),
    CONSTRAINT consent_templates_risks_benefits_len CHECK (char_length(risks_benefits) <= 8000),
    CONSTRAINT consent_templates_contingencies_len CHECK (char_length(contingencies) <= 4000),
    CONSTRAINT consent_templates_body_len CHECK (char_length(body) <= 20000)
);

-- A letter as the patient (or their representative) signed it: the template version, who signed
-- and how they relate to the patient, the witnesses, the professional who informed and confirmed
-- with their password, and the document itself (the PDF/A made at the desk's signing, or the scan
-- of a letter signed on paper) with its SHA-256 computed here from the stored bytes.
CREATE TABLE consent_letters (
    id              uuid PRIMARY KEY,
    patient_id      uuid        NOT NULL REFERENCES patients (id),
    template_id     uuid        NOT NULL REFERENCES consent_templates (id),
    detail          text        NOT NULL DEFAULT '',
    signer          text        NOT NULL CONSTRAINT consent_letters_signer CHECK (signer IN ('patient', 'representative')),
    representative  text        NOT NULL DEFAULT '',
    relationship    text        NOT NULL DEFAULT '',
    witnesses       text[]      NOT NULL DEFAULT '{}',
    podiatrist_id   uuid        NOT NULL REFERENCES podiatrists (id),
    source          text        NOT NULL CONSTRAINT consent_letters_source CHECK (source IN ('desk', 'scan')),
    strokes         jsonb,
    document        bytea       NOT NULL,
    media_type      text        NOT NULL CONSTRAINT consent_letters_media_type CHECK (media_type IN ('application/pdf', 'image/png', 'image/jpeg')),
    sha256          text        NOT NULL GENERATED ALWAYS AS (encode(sha256(document), 'hex')) STORED,
    signed_at       timestamptz NOT NULL,
    recorded_by     uuid        NOT NULL REFERENCES users (id),
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT consent_letters_representative CHECK (
        (signer = 'representative') = (length(btrim(representative)) > 0)
        AND (signer = 'representative') = (length(btrim(relationship)) > 0)),
    CONSTRAINT consent_letters_strokes CHECK ((source = 'desk') = (strokes IS NOT NULL)),
    CONSTRAINT consent_letters_desk_pdf CHECK (source = 'scan' OR media_type = 'application/pdf'),
    CONSTRAINT consent_letters_document_size CHECK (octet_length(document) BETWEEN 1 AND 10485760),
    CONSTRAINT consent_letters_signed_before CHECK (signed_at <= recorded_at + interval '5 minutes'),
    CONSTRAINT consent_letters_detail_len CHECK (char_length(detail) <= 500),
    CONSTRAINT consent_letters_representative_len CHECK (char_length(representative) <= 200),
    CONSTRAINT consent_letters_relationship_len CHECK (char_length(relationship) <= 100)
);
CREATE INDEX consent_letters_patient ON consent_letters (patient_id, signed_at DESC);

-- Revoking a letter is an addendum to it; the letter stays as signed.
CREATE TABLE consent_revocations (
    letter_id    uuid PRIMARY KEY REFERENCES consent_letters (id),
    reason       text        NOT NULL CONSTRAINT consent_revocations_reason_not_blank CHECK (length(btrim(reason)) > 0),
    recorded_by  uuid        NOT NULL REFERENCES users (id),
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT consent_revocations_reason_len CHECK (char_length(reason) <= 2000)
);

-- The version of a kind's template in force at an instant: the latest published by then. A letter
-- is signed on it (one signed without the server is sent later, on the version it was shown).
CREATE FUNCTION consent_template_at(wanted consent_kind, at timestamptz) RETURNS uuid LANGUAGE sql STABLE
    SET search_path = pg_catalog, public, pg_temp
    RETURN (SELECT id FROM public.consent_templates WHERE kind = wanted AND published_at <= at
            ORDER BY version DESC LIMIT 1);

-- A letter names the witnesses its template asks for, and is signed on the template's version in
-- force when it was signed (never on a superseded text, nor before the text existed).
CREATE FUNCTION consent_letters_check() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    t public.consent_templates;
BEGIN
    SELECT * INTO t FROM public.consent_templates WHERE id = NEW.template_id;
    IF cardinality(array_remove(NEW.witnesses, '')) < t.witnesses THEN
        RAISE EXCEPTION 'the template asks for % witnesses', t.witnesses
            USING ERRCODE = 'check_violation', CONSTRAINT = 'consent_letters_witnesses';
    END IF;
    IF public.consent_template_at(t.kind, NEW.signed_at) IS DISTINCT FROM t.id THEN
        RAISE EXCEPTION 'not the template in force when the letter was signed'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'consent_letters_template_superseded';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER consent_letters_check BEFORE INSERT ON consent_letters
    FOR EACH ROW EXECUTE FUNCTION consent_letters_check();
CREATE TRIGGER consent_letters_refuse_blocked BEFORE INSERT ON consent_letters
    FOR EACH ROW EXECUTE FUNCTION refuse_blocked_patient();

-- Templates, letters and revocations are written once (privacy_append_only: migration 23).
CREATE TRIGGER consent_templates_append_only BEFORE UPDATE OR DELETE ON consent_templates
    FOR EACH ROW EXECUTE FUNCTION privacy_append_only();
CREATE TRIGGER consent_letters_append_only BEFORE UPDATE OR DELETE ON consent_letters
    FOR EACH ROW EXECUTE FUNCTION privacy_append_only();
CREATE TRIGGER consent_revocations_append_only BEFORE UPDATE OR DELETE ON consent_revocations
    FOR EACH ROW EXECUTE FUNCTION privacy_append_only();

-- How long a signed letter covers its act: a year from the signature, unless revoked. The one
-- rule, used by the guard below, the app's check that names the missing letter, and the record's
-- list of letters.
CREATE FUNCTION consent_letter_in_force(l consent_letters, at timestamptz) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, public, pg_temp
    RETURN l.signed_at <= at AND l.signed_at > at - interval '1 year'
        AND NOT EXISTS (SELECT 1 FROM public.consent_revocations r WHERE r.letter_id = l.id);

CREATE FUNCTION consent_in_force(patient uuid, wanted consent_kind, at timestamptz) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, public, pg_temp
    RETURN EXISTS (
        SELECT 1 FROM public.consent_letters l JOIN public.consent_templates t ON t.id = l.template_id
        WHERE l.patient_id = patient AND t.kind = wanted AND public.consent_letter_in_force(l, at));

-- A catalog treatment may need a letter in force before a note records it.
ALTER TABLE treatments ADD COLUMN requires_consent consent_kind;

-- Whether a note records a procedure whose treatment needs a letter the patient has none in force
-- of. One rule for the two moments it is held: a procedure written into a note, a note signed.
CREATE FUNCTION visit_lacks_consent(visit uuid) RETURNS boolean LANGUAGE sql STABLE
    SET search_path = pg_catalog, public, pg_temp
    RETURN EXISTS (
        SELECT 1 FROM public.visits v
        JOIN public.visit_procedures vp ON vp.visit_id = v.id
        JOIN public.treatments t ON t.id = vp.treatment_id
        WHERE v.id = visit AND t.requires_consent IS NOT NULL
          AND NOT public.consent_in_force(v.patient_id, t.requires_consent, now()));

-- The note's id is the column named by the trigger's argument.
CREATE FUNCTION refuse_visit_lacking_consent() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF public.visit_lacks_consent((to_jsonb(NEW) ->> TG_ARGV[0])::uuid) THEN
        RAISE EXCEPTION 'the note records a treatment that needs a signed consent letter'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'visit_procedures_need_consent';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER visit_procedures_need_consent AFTER INSERT OR UPDATE ON visit_procedures
    FOR EACH ROW EXECUTE FUNCTION refuse_visit_lacking_consent('visit_id');
CREATE TRIGGER visits_sign_needs_consent BEFORE UPDATE OF signed_at ON visits
    FOR EACH ROW WHEN (OLD.signed_at IS NULL AND NEW.signed_at IS NOT NULL)
    EXECUTE FUNCTION refuse_visit_lacking_consent('id');

-- Podiatrists sign letters with their patients.
UPDATE roles SET permissions = array_append(permissions, 'consents.sign') WHERE builtin = 'podiatrist';

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'podoclinic_app') THEN
        GRANT SELECT, INSERT ON consent_templates, consent_letters, consent_revocations TO podoclinic_app;
    END IF;
END;
$$;
