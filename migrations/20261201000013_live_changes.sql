-- Live updates beyond the agenda: every desk hears which patient, which patient's account, which
-- cash session and which product changed, and that the clinic's set-up changed (podiatrists,
-- schedules, the catalog, the profile), on one channel `desk_changed` with the payload
-- '<topic>:<id>'. Identical notifications in one transaction arrive once, so a bulk write
-- announces each record it touched once. (A desk that was disconnected re-reads everything.)

-- TG_ARGV: the topic, then the column naming the record it is about.
CREATE FUNCTION desk_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    subject text := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END) ->> TG_ARGV[1];
BEGIN
    IF subject IS NOT NULL THEN
        PERFORM pg_notify('desk_changed', TG_ARGV[0] || ':' || subject);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER patients_desk_changed AFTER INSERT OR UPDATE ON patients
    FOR EACH ROW EXECUTE FUNCTION desk_changed('patient', 'id');
CREATE TRIGGER charges_desk_changed AFTER INSERT ON charges
    FOR EACH ROW EXECUTE FUNCTION desk_changed('money', 'patient_id');
CREATE TRIGGER payments_desk_changed AFTER INSERT ON payments
    FOR EACH ROW EXECUTE FUNCTION desk_changed('money', 'patient_id');
CREATE TRIGGER payments_cash_changed AFTER INSERT ON payments
    FOR EACH ROW EXECUTE FUNCTION desk_changed('cash', 'session_id');
CREATE TRIGGER cash_sessions_desk_changed AFTER INSERT OR UPDATE ON cash_sessions
    FOR EACH ROW EXECUTE FUNCTION desk_changed('cash', 'id');
CREATE TRIGGER cash_movements_desk_changed AFTER INSERT ON cash_movements
    FOR EACH ROW EXECUTE FUNCTION desk_changed('cash', 'session_id');
CREATE TRIGGER expenses_desk_changed AFTER INSERT ON expenses
    FOR EACH ROW EXECUTE FUNCTION desk_changed('cash', 'session_id');
CREATE TRIGGER stock_movements_desk_changed AFTER INSERT ON stock_movements
    FOR EACH ROW EXECUTE FUNCTION desk_changed('stock', 'product_id');

CREATE TRIGGER podiatrists_desk_changed AFTER INSERT OR UPDATE ON podiatrists
    FOR EACH ROW EXECUTE FUNCTION desk_changed('setup', 'id');
CREATE TRIGGER schedule_blocks_desk_changed AFTER INSERT OR UPDATE OR DELETE ON schedule_blocks
    FOR EACH ROW EXECUTE FUNCTION desk_changed('setup', 'podiatrist_id');
CREATE TRIGGER schedule_exceptions_desk_changed AFTER INSERT OR UPDATE OR DELETE ON schedule_exceptions
    FOR EACH ROW EXECUTE FUNCTION desk_changed('setup', 'id');
CREATE TRIGGER treatments_desk_changed AFTER INSERT OR UPDATE ON treatments
    FOR EACH ROW EXECUTE FUNCTION desk_changed('setup', 'id');
CREATE TRIGGER products_desk_changed AFTER INSERT OR UPDATE OF sku, name, unit, cost_cents, price_cents, min_stock, active ON products
    FOR EACH ROW EXECUTE FUNCTION desk_changed('setup', 'id');
CREATE TRIGGER clinic_profile_desk_changed AFTER INSERT OR UPDATE ON clinic_profile
    FOR EACH ROW EXECUTE FUNCTION desk_changed('setup', 'id');
