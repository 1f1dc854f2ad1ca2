-- Treatments and products, visits with their clinical notes, charges and payments, expenses, and
-- the cash registers with their sessions (corte de caja). Money is integer cents everywhere.

-- Reception takes payments and runs the drawer; discounts and refunds stay with the admin unless a
-- role is given them. Both built-in working roles read the catalog.
UPDATE roles SET permissions = permissions || ARRAY['catalog.read', 'expenses.read']
    WHERE builtin = 'reception';
UPDATE roles SET permissions = permissions || ARRAY['catalog.read']
    WHERE builtin = 'podiatrist';

-- Products: what a treatment consumes and what reception sells. Stock arrives with inventory.
CREATE TABLE products (
    id           uuid PRIMARY KEY,
    sku          text        NOT NULL CONSTRAINT products_sku_format CHECK (sku ~ '^[A-Za-z0-9._-]{1,40}$'),
    name         text        NOT NULL CONSTRAINT products_name_not_blank CHECK (length(btrim(name)) > 0),
    unit         text        NOT NULL DEFAULT 'pieza' CONSTRAINT products_unit_not_blank CHECK (length(btrim(unit)) > 0),
    cost_cents   bigint      NOT NULL DEFAULT 0 CONSTRAINT products_cost_positive CHECK (cost_cents >= 0),
    price_cents  bigint      NOT NULL DEFAULT 0 CONSTRAINT products_price_positive CHECK (price_cents >= 0),
    min_stock    integer     NOT NULL DEFAULT 0 CONSTRAINT products_min_stock_positive CHECK (min_stock >= 0),
    active       boolean     NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX products_sku_key ON products (lower(sku));
CREATE TRIGGER products_never_deleted BEFORE DELETE ON products FOR EACH ROW EXECUTE FUNCTION refuse_delete();

CREATE TABLE treatments (
    id                uuid PRIMARY KEY,
    name              text        NOT NULL CONSTRAINT treatments_name_not_blank CHECK (length(btrim(name)) > 0),
    duration_minutes  integer     NOT NULL CONSTRAINT treatments_duration_range CHECK (duration_minutes BETWEEN 5 AND 480),
    price_cents       bigint      NOT NULL CONSTRAINT treatments_price_positive CHECK (price_cents >= 0),
    active            boolean     NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX treatments_name_key ON treatments (lower(name));
CREATE TRIGGER treatments_never_deleted BEFORE DELETE ON treatments FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- What one treatment uses, in the product's unit (deducted from stock when a visit completes).
CREATE TABLE treatment_consumables (
    treatment_id  uuid    NOT NULL REFERENCES treatments (id),
    product_id    uuid    NOT NULL REFERENCES products (id),
    quantity      integer NOT NULL CONSTRAINT treatment_consumables_quantity_positive CHECK (quantity BETWEEN 1 AND 10000),
    PRIMARY KEY (treatment_id, product_id)
);

-- A visit is the consultation of one appointment and its clinical note. Signing freezes it.
CREATE TABLE visits (
    id              uuid PRIMARY KEY,
    appointment_id  uuid        NOT NULL REFERENCES appointments (id),
    patient_id      uuid        NOT NULL REFERENCES patients (id),
    podiatrist_id   uuid        NOT NULL REFERENCES podiatrists (id),
    author_id       uuid        NOT NULL REFERENCES users (id),
    -- Per-foot findings as the visit form structures them (validated in Rust).
    findings        jsonb       NOT NULL,
    -- Diabetic-foot risk (IWGDF 0–3).
    risk_category   smallint    CONSTRAINT visits_risk_range CHECK (risk_category BETWEEN 0 AND 3),
    notes           text        NOT NULL DEFAULT '',
    signed_at       timestamptz,
    signed_by       uuid        REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT visits_appointment_key UNIQUE (appointment_id),
    CONSTRAINT visits_signed_shape CHECK ((signed_at IS NULL) = (signed_by IS NULL)),
    CONSTRAINT visits_sign_needs_risk CHECK (signed_at IS NULL OR risk_category IS NOT NULL)
);
CREATE INDEX visits_patient ON visits (patient_id, created_at);

-- NOM-004: notes are never deleted; a signed note never changes (corrections are addenda).
CREATE FUNCTION visits_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'visits are never deleted'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'visits_never_deleted';
    END IF;
    IF OLD.signed_at IS NOT NULL THEN
        RAISE EXCEPTION 'visit % is signed', OLD.id
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'visits_signed';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER visits_guard BEFORE UPDATE OR DELETE ON visits FOR EACH ROW EXECUTE FUNCTION visits_guard();

-- Procedures done in the visit: part of the note, frozen with it.
CREATE TABLE visit_procedures (
    visit_id      uuid    NOT NULL REFERENCES visits (id),
    treatment_id  uuid    NOT NULL REFERENCES treatments (id),
    quantity      integer NOT NULL DEFAULT 1 CONSTRAINT visit_procedures_quantity_range CHECK (quantity BETWEEN 1 AND 99),
    PRIMARY KEY (visit_id, treatment_id)
);
CREATE FUNCTION visit_procedures_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched uuid[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        touched := ARRAY[NEW.visit_id];
    ELSIF TG_OP = 'UPDATE' THEN
        touched := ARRAY[OLD.visit_id, NEW.visit_id];
    ELSE
        touched := ARRAY[OLD.visit_id];
    END IF;
    IF EXISTS (SELECT 1 FROM visits WHERE id = ANY (touched) AND signed_at IS NOT NULL) THEN
        RAISE EXCEPTION 'the visit is signed'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'visits_signed';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER visit_procedures_guard BEFORE INSERT OR UPDATE OR DELETE ON visit_procedures
    FOR EACH ROW EXECUTE FUNCTION visit_procedures_guard();

-- Corrections to a signed note: append-only, with author and time.
CREATE TABLE visit_addenda (
    id          uuid PRIMARY KEY,
    visit_id    uuid        NOT NULL REFERENCES visits (id),
    author_id   uuid        NOT NULL REFERENCES users (id),
    text        text        NOT NULL CONSTRAINT visit_addenda_text_not_blank CHECK (length(btrim(text)) > 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX visit_addenda_visit ON visit_addenda (visit_id, created_at);
CREATE FUNCTION visit_addenda_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        RAISE EXCEPTION 'addenda are append-only'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'visit_addenda_append_only';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM visits WHERE id = NEW.visit_id AND signed_at IS NOT NULL) THEN
        RAISE EXCEPTION 'addenda are for signed notes'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'visit_addenda_needs_signed';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER visit_addenda_guard BEFORE INSERT OR UPDATE OR DELETE ON visit_addenda
    FOR EACH ROW EXECUTE FUNCTION visit_addenda_guard();

-- Cash registers (cajas) and the one each desk uses.
CREATE TABLE cash_registers (
    id          uuid PRIMARY KEY,
    name        text        NOT NULL CONSTRAINT cash_registers_name_not_blank CHECK (length(btrim(name)) > 0),
    active      boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX cash_registers_name_key ON cash_registers (lower(name));
CREATE TRIGGER cash_registers_never_deleted BEFORE DELETE ON cash_registers
    FOR EACH ROW EXECUTE FUNCTION refuse_delete();

INSERT INTO cash_registers (id, name) VALUES ('00000000-0000-7000-8000-000000000201', 'Caja 1');

CREATE TABLE desk_registers (
    desk         text        PRIMARY KEY,
    register_id  uuid        NOT NULL REFERENCES cash_registers (id),
    assigned_at  timestamptz NOT NULL DEFAULT now()
);

-- A drawer's session from its opening float to the counted close (corte Z).
CREATE TABLE cash_sessions (
    id                       uuid PRIMARY KEY,
    register_id              uuid        NOT NULL REFERENCES cash_registers (id),
    opened_at                timestamptz NOT NULL DEFAULT now(),
    opened_by                uuid        NOT NULL REFERENCES users (id),
    opening_float_cents      bigint      NOT NULL CONSTRAINT cash_sessions_float_positive CHECK (opening_float_cents >= 0),
    closed_at                timestamptz,
    closed_by                uuid        REFERENCES users (id),
    expected_cash_cents      bigint,
    expected_card_cents      bigint,
    expected_transfer_cents  bigint,
    counted_cash_cents       bigint      CONSTRAINT cash_sessions_counted_cash_positive CHECK (counted_cash_cents >= 0),
    counted_card_cents       bigint      CONSTRAINT cash_sessions_counted_card_positive CHECK (counted_card_cents >= 0),
    counted_transfer_cents   bigint      CONSTRAINT cash_sessions_counted_transfer_positive CHECK (counted_transfer_cents >= 0),
    -- Counted cash by denomination: {"50000": 3, "2000": 7, ...} (cents → pieces), if given.
    denominations            jsonb,
    close_note               text        NOT NULL DEFAULT '',
    CONSTRAINT cash_sessions_close_shape CHECK (
        (closed_at IS NULL) = (closed_by IS NULL)
        AND (closed_at IS NULL) = (counted_cash_cents IS NULL)
        AND (closed_at IS NULL) = (counted_card_cents IS NULL)
        AND (closed_at IS NULL) = (counted_transfer_cents IS NULL)
        AND (closed_at IS NULL) = (expected_cash_cents IS NULL)
        AND (closed_at IS NULL) = (expected_card_cents IS NULL)
        AND (closed_at IS NULL) = (expected_transfer_cents IS NULL)),
    CONSTRAINT cash_sessions_close_order CHECK (closed_at IS NULL OR closed_at >= opened_at)
);
-- One open session per register.
CREATE UNIQUE INDEX cash_sessions_one_open ON cash_sessions (register_id) WHERE closed_at IS NULL;
CREATE INDEX cash_sessions_register ON cash_sessions (register_id, opened_at);

-- An open session only changes by being closed; a closed one never changes; none is deleted.
CREATE FUNCTION cash_sessions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'cash sessions are never deleted'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'cash_sessions_never_deleted';
    END IF;
    IF OLD.closed_at IS NOT NULL THEN
        RAISE EXCEPTION 'cash session % is closed', OLD.id
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'cash_session_closed';
    END IF;
    IF NEW.register_id <> OLD.register_id OR NEW.opened_at <> OLD.opened_at OR NEW.opened_by <> OLD.opened_by
       OR NEW.opening_float_cents <> OLD.opening_float_cents THEN
        RAISE EXCEPTION 'an open cash session only changes by closing'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'cash_session_opening_fixed';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER cash_sessions_guard BEFORE UPDATE OR DELETE ON cash_sessions
    FOR EACH ROW EXECUTE FUNCTION cash_sessions_guard();

-- Everything that lands in a session (payments, cash expenses, withdrawals, deposits, adjustments)
-- is append-only, goes only into an open session, and is never dated before the session opened or
-- after now. The share lock waits for a close in progress, which holds the row for update.
CREATE FUNCTION cash_entries_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s record;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM cash_sessions WHERE id = OLD.session_id AND closed_at IS NOT NULL) THEN
            RAISE EXCEPTION 'cash session % is closed', OLD.session_id
                USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'cash_session_closed';
        END IF;
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = TG_TABLE_NAME || '_append_only';
    END IF;
    IF NEW.session_id IS NULL THEN
        RETURN NEW;
    END IF;
    SELECT opened_at, closed_at INTO s FROM cash_sessions WHERE id = NEW.session_id FOR SHARE;
    IF NOT FOUND THEN
        RETURN NEW; -- the foreign key reports it
    END IF;
    IF s.closed_at IS NOT NULL THEN
        RAISE EXCEPTION 'cash session % is closed', NEW.session_id
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'cash_session_closed';
    END IF;
    IF NEW.at < s.opened_at OR NEW.at > now() + interval '1 minute' THEN
        RAISE EXCEPTION 'entry dated % is outside its cash session', NEW.at
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'cash_entry_backdated';
    END IF;
    RETURN NEW;
END;
$$;

-- What a visit or a sale costs: lines at the price of that moment. Never changed once written.
CREATE TABLE charges (
    id           uuid PRIMARY KEY,
    -- The receipt number.
    folio        bigint      GENERATED ALWAYS AS IDENTITY,
    patient_id   uuid        NOT NULL REFERENCES patients (id),
    visit_id     uuid        REFERENCES visits (id),
    total_cents  bigint      NOT NULL CONSTRAINT charges_total_positive CHECK (total_cents >= 0),
    created_by   uuid        NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT charges_folio_key UNIQUE (folio),
    CONSTRAINT charges_visit_key UNIQUE (visit_id)
);
CREATE INDEX charges_patient ON charges (patient_id, created_at);

CREATE TABLE charge_lines (
    charge_id         uuid    NOT NULL REFERENCES charges (id),
    position          smallint NOT NULL CHECK (position >= 0),
    treatment_id      uuid    REFERENCES treatments (id),
    product_id        uuid    REFERENCES products (id),
    description       text    NOT NULL,
    quantity          integer NOT NULL CONSTRAINT charge_lines_quantity_range CHECK (quantity BETWEEN 1 AND 999),
    unit_price_cents  bigint  NOT NULL CONSTRAINT charge_lines_price_positive CHECK (unit_price_cents >= 0),
    discount_cents    bigint  NOT NULL DEFAULT 0 CONSTRAINT charge_lines_discount_positive CHECK (discount_cents >= 0),
    discount_reason   text    NOT NULL DEFAULT '',
    PRIMARY KEY (charge_id, position),
    CONSTRAINT charge_lines_one_item CHECK ((treatment_id IS NULL) <> (product_id IS NULL)),
    CONSTRAINT charge_lines_discount_max CHECK (discount_cents <= quantity * unit_price_cents),
    CONSTRAINT charge_lines_discount_reason CHECK (discount_cents = 0 OR length(btrim(discount_reason)) > 0)
);

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = TG_TABLE_NAME || '_append_only';
END;
$$;
CREATE TRIGGER charges_append_only BEFORE UPDATE OR DELETE ON charges FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER charge_lines_append_only BEFORE UPDATE OR DELETE ON charge_lines
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- A charge's total is the sum of its lines, checked when the writing transaction commits.
CREATE FUNCTION charges_total_matches() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT total_cents FROM charges WHERE id = NEW.id) IS DISTINCT FROM
       (SELECT coalesce(sum(quantity * unit_price_cents - discount_cents), 0) FROM charge_lines WHERE charge_id = NEW.id) THEN
        RAISE EXCEPTION 'charge % total does not match its lines', NEW.id
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'charges_total_matches';
    END IF;
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER charges_total_matches AFTER INSERT ON charges
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION charges_total_matches();

-- Money in (positive) or back out (negative: a refund, with its reason). Every payment lands in
-- the open session of the desk's register, whatever the method, so a close can count per method.
CREATE TABLE payments (
    id            uuid PRIMARY KEY,
    patient_id    uuid        NOT NULL REFERENCES patients (id),
    charge_id     uuid        REFERENCES charges (id),
    method        text        NOT NULL CONSTRAINT payments_method CHECK (method IN ('cash', 'card', 'transfer')),
    amount_cents  bigint      NOT NULL CONSTRAINT payments_amount_not_zero CHECK (amount_cents <> 0),
    reason        text        NOT NULL DEFAULT '',
    reference     text        NOT NULL DEFAULT '',
    session_id    uuid        NOT NULL REFERENCES cash_sessions (id),
    at            timestamptz NOT NULL DEFAULT now(),
    created_by    uuid        NOT NULL REFERENCES users (id),
    CONSTRAINT payments_refund_reason CHECK (amount_cents > 0 OR length(btrim(reason)) > 0)
);
CREATE INDEX payments_patient ON payments (patient_id, at);
CREATE INDEX payments_charge ON payments (charge_id);
CREATE INDEX payments_session ON payments (session_id);
CREATE TRIGGER payments_guard BEFORE INSERT OR UPDATE OR DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION cash_entries_guard();

-- Withdrawals (negative), deposits (positive) and adjusting entries (either sign) of a session.
CREATE TABLE cash_movements (
    id            uuid PRIMARY KEY,
    session_id    uuid        NOT NULL REFERENCES cash_sessions (id),
    kind          text        NOT NULL CONSTRAINT cash_movements_kind CHECK (kind IN ('withdrawal', 'deposit', 'adjustment')),
    method        text        NOT NULL DEFAULT 'cash' CONSTRAINT cash_movements_method CHECK (method IN ('cash', 'card', 'transfer')),
    amount_cents  bigint      NOT NULL CONSTRAINT cash_movements_amount_not_zero CHECK (amount_cents <> 0),
    reason        text        NOT NULL CONSTRAINT cash_movements_reason_not_blank CHECK (length(btrim(reason)) > 0),
    at            timestamptz NOT NULL DEFAULT now(),
    created_by    uuid        NOT NULL REFERENCES users (id),
    CONSTRAINT cash_movements_sign CHECK (kind = 'adjustment' OR (kind = 'withdrawal') = (amount_cents < 0)),
    CONSTRAINT cash_movements_cash_only CHECK (kind = 'adjustment' OR method = 'cash')
);
CREATE INDEX cash_movements_session ON cash_movements (session_id);
CREATE TRIGGER cash_movements_guard BEFORE INSERT OR UPDATE OR DELETE ON cash_movements
    FOR EACH ROW EXECUTE FUNCTION cash_entries_guard();

-- Suppliers: the inventory issue adds what they supply and their purchases.
CREATE TABLE suppliers (
    id          uuid PRIMARY KEY,
    name        text        NOT NULL CONSTRAINT suppliers_name_not_blank CHECK (length(btrim(name)) > 0),
    rfc         text        NOT NULL DEFAULT '',
    contact     text        NOT NULL DEFAULT '',
    phone       text        NOT NULL DEFAULT '',
    email       text        NOT NULL DEFAULT '',
    address     text        NOT NULL DEFAULT '',
    notes       text        NOT NULL DEFAULT '',
    active      boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER suppliers_never_deleted BEFORE DELETE ON suppliers FOR EACH ROW EXECUTE FUNCTION refuse_delete();

CREATE TABLE expense_categories (
    id          uuid PRIMARY KEY,
    name        text        NOT NULL CONSTRAINT expense_categories_name_not_blank CHECK (length(btrim(name)) > 0),
    active      boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX expense_categories_name_key ON expense_categories (lower(name));
CREATE TRIGGER expense_categories_never_deleted BEFORE DELETE ON expense_categories
    FOR EACH ROW EXECUTE FUNCTION refuse_delete();
INSERT INTO expense_categories (id, name) VALUES
    ('00000000-0000-7000-8000-000000000101', 'Insumos'),
    ('00000000-0000-7000-8000-000000000102', 'Renta'),
    ('00000000-0000-7000-8000-000000000103', 'Servicios (luz, agua, internet)'),
    ('00000000-0000-7000-8000-000000000104', 'Limpieza'),
    ('00000000-0000-7000-8000-000000000105', 'Papelería'),
    ('00000000-0000-7000-8000-000000000106', 'Otros');

-- Money out. A cash expense comes out of the open session; other methods belong to none.
CREATE TABLE expenses (
    id            uuid PRIMARY KEY,
    category_id   uuid        NOT NULL REFERENCES expense_categories (id),
    amount_cents  bigint      NOT NULL CONSTRAINT expenses_amount_positive CHECK (amount_cents > 0),
    spent_on      date        NOT NULL,
    method        text        NOT NULL CONSTRAINT expenses_method CHECK (method IN ('cash', 'card', 'transfer')),
    supplier_id   uuid        REFERENCES suppliers (id),
    note          text        NOT NULL DEFAULT '',
    session_id    uuid        REFERENCES cash_sessions (id),
    at            timestamptz NOT NULL DEFAULT now(),
    created_by    uuid        NOT NULL REFERENCES users (id),
    CONSTRAINT expenses_cash_in_session CHECK ((method = 'cash') = (session_id IS NOT NULL))
);
CREATE INDEX expenses_spent_on ON expenses (spent_on);
CREATE INDEX expenses_session ON expenses (session_id);
CREATE TRIGGER expenses_guard BEFORE INSERT OR UPDATE OR DELETE ON expenses
    FOR EACH ROW EXECUTE FUNCTION cash_entries_guard();
