-- Bulk writes stay linear. Migration 5's "who was seen" rollups upserted one bitmap row per
-- (day, patient) and (month, patient) pair of a statement: a statement of a million completed
-- appointments rewrote the same few thousand rows hundreds of thousands of times, each rewrite
-- copying a bitmap of up to one bit per patient and leaving a dead row version behind. Now each
-- statement builds one bitmap per day and per month first (its bits OR-ed together) and upserts
-- each once, OR-ing it into what is stored.

-- A bitmap with the bits `ns` set (any order, repeats allowed), its length rounded up to a
-- multiple of 1024 as `stats_with_bit` makes them. Built as text in one pass: the zeros before
-- each set bit, then the zeros after the last; linear in the bitmap's length, however many bits.
CREATE FUNCTION stats_bitmap(ns integer[]) RETURNS varbit LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT (string_agg(repeat('0', n - coalesce(prev, -1) - 1) || '1', '' ORDER BY n)
            || repeat('0', (max(n) / 1024 + 1) * 1024 - max(n) - 1))::varbit
    FROM (SELECT n, lag(n) OVER (ORDER BY n) AS prev FROM (SELECT DISTINCT n FROM unnest(ns) AS u(n)) d) g
$$;

-- Two bitmaps OR-ed, the shorter zero-padded to the longer.
CREATE FUNCTION stats_union(a varbit, b varbit) RETURNS varbit LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT stats_padded(a, greatest(length(a), length(b))) | stats_padded(b, greatest(length(a), length(b)))
$$;

CREATE OR REPLACE FUNCTION stats_note_completed(patients uuid[], starts timestamptz[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stats_first_visits AS s (patient_id, first_day)
    SELECT p, clinic_day(min(t)) FROM unnest(patients, starts) AS u(p, t) GROUP BY 1 ORDER BY 1
    ON CONFLICT (patient_id) DO UPDATE SET first_day = least(s.first_day, EXCLUDED.first_day);
    INSERT INTO stats_patient_numbers (patient_id)
    SELECT DISTINCT p FROM unnest(patients) AS u(p) ORDER BY 1 ON CONFLICT (patient_id) DO NOTHING;
    -- One row per day, then one per month, each in key order (the row locks are always taken in
    -- one order).
    INSERT INTO stats_seen_days AS s (day, seen)
    SELECT clinic_day(u.t), stats_bitmap(array_agg(n.n))
    FROM unnest(patients, starts) AS u(p, t) JOIN stats_patient_numbers n ON n.patient_id = u.p
    GROUP BY 1 ORDER BY 1
    ON CONFLICT (day) DO UPDATE SET seen = stats_union(s.seen, EXCLUDED.seen);
    INSERT INTO stats_seen_months AS s (month, seen)
    SELECT date_trunc('month', clinic_day(u.t))::date, stats_bitmap(array_agg(n.n))
    FROM unnest(patients, starts) AS u(p, t) JOIN stats_patient_numbers n ON n.patient_id = u.p
    GROUP BY 1 ORDER BY 1
    ON CONFLICT (month) DO UPDATE SET seen = stats_union(s.seen, EXCLUDED.seen);
END;
$$;

-- The rebuild builds its bitmaps the same way (the per-bit aggregate copied the bitmap once per
-- visit).
CREATE OR REPLACE FUNCTION stats_rebuild() RETURNS void LANGUAGE plpgsql AS $$
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
    SELECT clinic_day(lower(a.during)), stats_bitmap(array_agg(n.n))
    FROM appointments a JOIN stats_patient_numbers n ON n.patient_id = a.patient_id
    WHERE a.status = 'completed' GROUP BY 1;
    INSERT INTO stats_seen_months (month, seen)
    SELECT date_trunc('month', clinic_day(lower(a.during)))::date, stats_bitmap(array_agg(n.n))
    FROM appointments a JOIN stats_patient_numbers n ON n.patient_id = a.patient_id
    WHERE a.status = 'completed' GROUP BY 1;
END;
$$;
