-- A charge's total must equal its lines. Migration 3 checked it when the charge was inserted;
-- a line inserted into an existing charge later escaped the check. The same check now also runs
-- (deferred, at commit) for every new line, on the line's charge.
CREATE OR REPLACE FUNCTION charges_total_matches() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    charge uuid := (to_jsonb(NEW) ->> CASE TG_TABLE_NAME WHEN 'charge_lines' THEN 'charge_id' ELSE 'id' END)::uuid;
BEGIN
    IF (SELECT total_cents FROM charges WHERE id = charge) IS DISTINCT FROM
       (SELECT coalesce(sum(quantity * unit_price_cents - discount_cents), 0) FROM charge_lines WHERE charge_id = charge) THEN
        RAISE EXCEPTION 'charge % total does not match its lines', charge
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'charges_total_matches';
    END IF;
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER charge_lines_total_matches AFTER INSERT ON charge_lines
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION charges_total_matches();
