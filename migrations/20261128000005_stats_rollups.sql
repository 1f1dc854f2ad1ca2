-- Daily totals for the stats dashboard. A year of a busy clinic is hundreds of thousands of
-- appointments, payments and charge lines; the dashboard reads these per-day sums instead (a few
-- thousand rows a year). They are kept by statement-level triggers in the same transaction as the
-- rows they count, so they are never behind, and they can always be rebuilt from the source
-- tables with stats_rebuild() (the migration does, and so does a change of the clinic's time zone,
-- since "day" means the clinic's local day).

CREATE FUNCTION clinic_day(at timestamptz) RETURNS date LANGUAGE sql STABLE AS $$
    SELECT (at AT TIME ZONE (SELECT timezone FROM clinic_profile))::date
$$;

-- Money received (refunds negative) per local day and method.
CREATE TABLE stats_income_days (
    day           date   NOT NULL,
    method        text   NOT NULL,
    amount_cents  bigint NOT NULL,
    PRIMARY KEY (day, method)
);

-- Appointments per local day (of their start), podiatrist and status.
CREATE TABLE stats_appointment_days (
    day            date    NOT NULL,
    podiatrist_id  uuid    NOT NULL,
    status         text    NOT NULL,
    count          integer NOT NULL,
    PRIMARY KEY (day, podiatrist_id, status)
);

-- Treatments charged per local day (of the charge): how many, and their revenue after discounts.
CREATE TABLE stats_treatment_days (
    day            date   NOT NULL,
    treatment_id   uuid   NOT NULL,
    quantity       bigint NOT NULL,
    revenue_cents  bigint NOT NULL,
    PRIMARY KEY (day, treatment_id)
);

-- The local day of each patient's first completed visit: a patient seen in a range is new when it
-- falls in it. (A completed appointment never moves, changes patient or stops being completed.)
CREATE TABLE stats_first_visits (
    patient_id  uuid PRIMARY KEY,
    first_day   date NOT NULL
);
CREATE INDEX stats_first_visits_day ON stats_first_visits (first_day);

-- Who was seen (a completed visit) each local day and month, as bitmaps over small patient
-- numbers: the patients seen in a range are the OR of a few month and day bitmaps, counted, where
-- a distinct count over a year of appointments would read hundreds of thousands of rows.
CREATE TABLE stats_patient_numbers (
    patient_id  uuid    PRIMARY KEY,
    n           integer GENERATED ALWAYS AS IDENTITY (MINVALUE 0 START WITH 0) UNIQUE
);
CREATE TABLE stats_seen_days (
    day   date   PRIMARY KEY,
    seen  varbit NOT NULL
);
CREATE TABLE stats_seen_months (
    -- The month's first day.
    month  date   PRIMARY KEY,
    seen   varbit NOT NULL
);

-- `bits` with bit `n` set, grown (in steps of 1024) when too short.
CREATE FUNCTION stats_with_bit(bits varbit, n integer) RETURNS varbit LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT set_bit(CASE WHEN length(bits) > n THEN bits
                        ELSE bits || repeat('0', (n / 1024 + 1) * 1024 - length(bits))::varbit END, n, 1)
$$;
CREATE AGGREGATE stats_bits(integer) (SFUNC = stats_with_bit, STYPE = varbit, INITCOND = '');

-- `bits` zero-padded to `width`, so bitmaps of different lengths can be OR'ed.
CREATE FUNCTION stats_padded(bits varbit, width integer) RETURNS varbit LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT bits || repeat('0', greatest(width - length(bits), 0))::varbit
$$;

-- Visits that became completed (patients and start times): first visits and seen bitmaps.
CREATE FUNCTION stats_note_completed(patients uuid[], starts timestamptz[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v record;
BEGIN
    INSERT INTO stats_first_visits AS s (patient_id, first_day)
    SELECT p, clinic_day(min(t)) FROM unnest(patients, starts) AS u(p, t) GROUP BY 1 ORDER BY 1
    ON CONFLICT (patient_id) DO UPDATE SET first_day = least(s.first_day, EXCLUDED.first_day);
    INSERT INTO stats_patient_numbers (patient_id)
    SELECT DISTINCT p FROM unnest(patients) AS u(p) ORDER BY 1 ON CONFLICT (patient_id) DO NOTHING;
    -- Days first, then months, each in order: the row locks are always taken in one order.
    FOR v IN SELECT DISTINCT clinic_day(u.t) AS day, n.n
             FROM unnest(patients, starts) AS u(p, t) JOIN stats_patient_numbers n ON n.patient_id = u.p ORDER BY 1, 2
    LOOP
        INSERT INTO stats_seen_days AS s (day, seen) VALUES (v.day, stats_with_bit(''::varbit, v.n))
        ON CONFLICT (day) DO UPDATE SET seen = stats_with_bit(s.seen, v.n);
    END LOOP;
    FOR v IN SELECT DISTINCT date_trunc('month', clinic_day(u.t))::date AS month, n.n
             FROM unnest(patients, starts) AS u(p, t) JOIN stats_patient_numbers n ON n.patient_id = u.p ORDER BY 1, 2
    LOOP
        INSERT INTO stats_seen_months AS s (month, seen) VALUES (v.month, stats_with_bit(''::varbit, v.n))
        ON CONFLICT (month) DO UPDATE SET seen = stats_with_bit(s.seen, v.n);
    END LOOP;
END;
$$;

-- Migration 4's date-range indexes on payments and charges served the dashboard's scans, which
-- these rollups replace; nothing else reads those tables by date.
DROP INDEX payments_at;
DROP INDEX charges_created_at;

-- Upserts take their row locks in key order (ORDER BY), so two desks moving appointments in
-- opposite directions cannot deadlock on the counters.
CREATE FUNCTION stats_payments_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stats_income_days AS s (day, method, amount_cents)
    SELECT clinic_day(at), method, sum(amount_cents) FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (day, method) DO UPDATE SET amount_cents = s.amount_cents + EXCLUDED.amount_cents;
    RETURN NULL;
END;
$$;
CREATE TRIGGER stats_payments_added AFTER INSERT ON payments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_payments_added();

CREATE FUNCTION stats_charge_lines_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stats_treatment_days AS s (day, treatment_id, quantity, revenue_cents)
    SELECT clinic_day(c.created_at), l.treatment_id, sum(l.quantity), sum(l.quantity * l.unit_price_cents - l.discount_cents)
    FROM new_rows l JOIN charges c ON c.id = l.charge_id
    WHERE l.treatment_id IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (day, treatment_id) DO UPDATE
        SET quantity = s.quantity + EXCLUDED.quantity, revenue_cents = s.revenue_cents + EXCLUDED.revenue_cents;
    RETURN NULL;
END;
$$;
CREATE TRIGGER stats_charge_lines_added AFTER INSERT ON charge_lines
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_charge_lines_added();

CREATE FUNCTION stats_appointments_inserted_completed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_note_completed(array_agg(patient_id), array_agg(lower(during)))
    FROM new_rows WHERE status = 'completed' HAVING count(*) > 0;
    RETURN NULL;
END;
$$;

CREATE FUNCTION stats_appointments_became_completed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_note_completed(array_agg(n.patient_id), array_agg(lower(n.during)))
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE n.status = 'completed' AND o.status <> 'completed' HAVING count(*) > 0;
    RETURN NULL;
END;
$$;

CREATE FUNCTION stats_appointments_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stats_appointment_days AS s (day, podiatrist_id, status, count)
    SELECT clinic_day(lower(during)), podiatrist_id, status, count(*) FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (day, podiatrist_id, status) DO UPDATE SET count = s.count + EXCLUDED.count;
    RETURN NULL;
END;
$$;
CREATE TRIGGER stats_appointments_added AFTER INSERT ON appointments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_appointments_added();
CREATE TRIGGER stats_appointments_inserted_completed AFTER INSERT ON appointments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_appointments_inserted_completed();

-- An update (status change, move, another podiatrist) takes one from the old key and adds one to
-- the new; updates that change none of them (a patient renamed) net to nothing and write nothing.
CREATE FUNCTION stats_appointments_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stats_appointment_days AS s (day, podiatrist_id, status, count)
    SELECT day, podiatrist_id, status, sum(n) FROM (
        SELECT clinic_day(lower(during)) AS day, podiatrist_id, status, -1 AS n FROM old_rows
        UNION ALL
        SELECT clinic_day(lower(during)), podiatrist_id, status, 1 FROM new_rows) d
    GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (day, podiatrist_id, status) DO UPDATE SET count = s.count + EXCLUDED.count;
    RETURN NULL;
END;
$$;
CREATE TRIGGER stats_appointments_changed AFTER UPDATE ON appointments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_appointments_changed();
CREATE TRIGGER stats_appointments_became_completed AFTER UPDATE ON appointments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_appointments_became_completed();

-- Recomputes every rollup from the source tables.
CREATE FUNCTION stats_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- TRUNCATE (transactional) rather than DELETE: no dead rows left for the dashboard to skip.
    -- Locked up front in the order a completed visit's triggers write them.
    LOCK TABLE stats_first_visits, stats_patient_numbers, stats_seen_days, stats_seen_months, stats_appointment_days,
        stats_income_days, stats_treatment_days IN EXCLUSIVE MODE;
    TRUNCATE stats_income_days, stats_appointment_days, stats_treatment_days, stats_first_visits,
        stats_seen_days, stats_seen_months;
    INSERT INTO stats_income_days (day, method, amount_cents)
    SELECT clinic_day(at), method, sum(amount_cents) FROM payments GROUP BY 1, 2;
    INSERT INTO stats_appointment_days (day, podiatrist_id, status, count)
    SELECT clinic_day(lower(during)), podiatrist_id, status, count(*) FROM appointments GROUP BY 1, 2, 3;
    INSERT INTO stats_treatment_days (day, treatment_id, quantity, revenue_cents)
    SELECT clinic_day(c.created_at), l.treatment_id, sum(l.quantity), sum(l.quantity * l.unit_price_cents - l.discount_cents)
    FROM charge_lines l JOIN charges c ON c.id = l.charge_id WHERE l.treatment_id IS NOT NULL GROUP BY 1, 2;
    INSERT INTO stats_first_visits (patient_id, first_day)
    SELECT patient_id, clinic_day(min(lower(during))) FROM appointments WHERE status = 'completed' GROUP BY 1;
    INSERT INTO stats_patient_numbers (patient_id)
    SELECT patient_id FROM stats_first_visits ORDER BY 1 ON CONFLICT (patient_id) DO NOTHING;
    INSERT INTO stats_seen_days (day, seen)
    SELECT clinic_day(lower(a.during)), stats_bits(n.n ORDER BY n.n DESC)
    FROM appointments a JOIN stats_patient_numbers n ON n.patient_id = a.patient_id
    WHERE a.status = 'completed' GROUP BY 1;
    WITH widths AS (
        SELECT date_trunc('month', day)::date AS month, max(length(seen)) AS width FROM stats_seen_days GROUP BY 1)
    INSERT INTO stats_seen_months (month, seen)
    SELECT w.month, bit_or(stats_padded(d.seen, w.width))
    FROM stats_seen_days d JOIN widths w ON w.month = date_trunc('month', d.day)::date
    GROUP BY w.month;
END;
$$;

CREATE FUNCTION stats_time_zone_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_rebuild();
    RETURN NULL;
END;
$$;
CREATE TRIGGER stats_time_zone_changed AFTER UPDATE OF timezone ON clinic_profile
    FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone) EXECUTE FUNCTION stats_time_zone_changed();

SELECT stats_rebuild();
