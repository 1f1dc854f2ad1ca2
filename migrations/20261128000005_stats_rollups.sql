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

-- Each patient's first completed visit: a patient seen in a range is new when it falls in it.
-- (A completed appointment never moves, changes patient or stops being completed.)
CREATE TABLE stats_first_visits (
    patient_id  uuid        PRIMARY KEY,
    first_at    timestamptz NOT NULL
);
CREATE INDEX stats_first_visits_at ON stats_first_visits (first_at);

-- Who was seen in a range: an index-only scan instead of reading the appointments themselves.
CREATE INDEX appointments_completed ON appointments (lower(during), patient_id) WHERE status = 'completed';

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

CREATE FUNCTION stats_count_first_visits() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stats_first_visits AS s (patient_id, first_at)
    SELECT patient_id, min(lower(during)) FROM new_rows WHERE status = 'completed' GROUP BY 1 ORDER BY 1
    ON CONFLICT (patient_id) DO UPDATE SET first_at = least(s.first_at, EXCLUDED.first_at);
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
CREATE TRIGGER stats_appointments_added_first_visits AFTER INSERT ON appointments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_count_first_visits();

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
CREATE TRIGGER stats_appointments_changed_first_visits AFTER UPDATE ON appointments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_count_first_visits();

-- Recomputes every rollup from the source tables.
CREATE FUNCTION stats_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE stats_income_days, stats_appointment_days, stats_treatment_days, stats_first_visits IN EXCLUSIVE MODE;
    DELETE FROM stats_income_days;
    DELETE FROM stats_appointment_days;
    DELETE FROM stats_treatment_days;
    DELETE FROM stats_first_visits;
    INSERT INTO stats_income_days (day, method, amount_cents)
    SELECT clinic_day(at), method, sum(amount_cents) FROM payments GROUP BY 1, 2;
    INSERT INTO stats_appointment_days (day, podiatrist_id, status, count)
    SELECT clinic_day(lower(during)), podiatrist_id, status, count(*) FROM appointments GROUP BY 1, 2, 3;
    INSERT INTO stats_treatment_days (day, treatment_id, quantity, revenue_cents)
    SELECT clinic_day(c.created_at), l.treatment_id, sum(l.quantity), sum(l.quantity * l.unit_price_cents - l.discount_cents)
    FROM charge_lines l JOIN charges c ON c.id = l.charge_id WHERE l.treatment_id IS NOT NULL GROUP BY 1, 2;
    INSERT INTO stats_first_visits (patient_id, first_at)
    SELECT patient_id, min(lower(during)) FROM appointments WHERE status = 'completed' GROUP BY 1;
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
