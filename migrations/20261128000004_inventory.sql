-- Inventory: stock on hand is the sum of an append-only movement ledger, and never negative.
-- Suppliers get a validated RFC, the products they supply and their received purchases.

-- Each movement adds its signed quantity to the product's stock in the same statement; the
-- product row's lock orders concurrent movements, and the CHECK refuses the one that would take
-- stock below zero. So "never negative" holds under any concurrency, and the ledger's sum is the
-- stock on hand (the test checks both).
ALTER TABLE products ADD COLUMN stock_on_hand integer NOT NULL DEFAULT 0
    CONSTRAINT products_stock_not_negative CHECK (stock_on_hand >= 0);

CREATE TABLE purchases (
    id            uuid PRIMARY KEY,
    supplier_id   uuid        NOT NULL REFERENCES suppliers (id),
    invoice_ref   text        NOT NULL DEFAULT '',
    received_on   date        NOT NULL,
    total_cents   bigint      NOT NULL CONSTRAINT purchases_total_positive CHECK (total_cents >= 0),
    -- Set once, when the purchase is paid (the expense records the money).
    expense_id    uuid        REFERENCES expenses (id),
    -- NULL for the demo clinic's seeded stock (no user exists yet then).
    created_by    uuid        REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT purchases_expense_key UNIQUE (expense_id)
);
CREATE INDEX purchases_supplier ON purchases (supplier_id, received_on);

CREATE TABLE stock_movements (
    id               uuid PRIMARY KEY,
    product_id       uuid        NOT NULL REFERENCES products (id),
    kind             text        NOT NULL CONSTRAINT stock_movements_kind CHECK
                                 (kind IN ('purchase', 'consumption', 'sale', 'adjustment', 'loss', 'return')),
    quantity         integer     NOT NULL CONSTRAINT stock_movements_quantity_not_zero CHECK (quantity <> 0),
    -- Stock after this movement (filled by the trigger): the stock card reads it directly.
    balance_after    integer     NOT NULL DEFAULT 0,
    unit_cost_cents  bigint      CONSTRAINT stock_movements_cost_positive CHECK (unit_cost_cents >= 0),
    purchase_id      uuid        REFERENCES purchases (id),
    supplier_id      uuid        REFERENCES suppliers (id),
    visit_id         uuid        REFERENCES visits (id),
    charge_id        uuid        REFERENCES charges (id),
    reason           text        NOT NULL DEFAULT '',
    at               timestamptz NOT NULL DEFAULT now(),
    -- NULL for the demo clinic's seeded stock (no user exists yet then).
    created_by       uuid        REFERENCES users (id),
    CONSTRAINT stock_movements_sign CHECK (
        kind = 'adjustment'
        OR (kind = 'purchase' AND quantity > 0)
        OR (kind IN ('consumption', 'sale', 'loss', 'return') AND quantity < 0)),
    CONSTRAINT stock_movements_reason CHECK (kind NOT IN ('adjustment', 'loss') OR length(btrim(reason)) > 0),
    CONSTRAINT stock_movements_purchase_cost CHECK (kind <> 'purchase' OR unit_cost_cents IS NOT NULL)
);
CREATE INDEX stock_movements_product ON stock_movements (product_id, at);
CREATE INDEX stock_movements_purchase ON stock_movements (purchase_id);

CREATE FUNCTION stock_movements_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE products SET stock_on_hand = stock_on_hand + NEW.quantity
        WHERE id = NEW.product_id
        RETURNING stock_on_hand INTO NEW.balance_after;
    RETURN NEW;
END;
$$;
CREATE TRIGGER stock_movements_apply BEFORE INSERT ON stock_movements
    FOR EACH ROW EXECUTE FUNCTION stock_movements_apply();
CREATE TRIGGER stock_movements_append_only BEFORE UPDATE OR DELETE ON stock_movements
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
-- Stock only moves through the ledger.
CREATE FUNCTION products_stock_by_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.stock_on_hand IS DISTINCT FROM OLD.stock_on_hand AND pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'stock moves only through stock_movements'
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'products_stock_by_ledger';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER products_stock_by_ledger BEFORE UPDATE OF stock_on_hand ON products
    FOR EACH ROW EXECUTE FUNCTION products_stock_by_ledger();

-- RFC: 3 letters (company) or 4 (person), the date YYMMDD, and a 3-character homoclave.
ALTER TABLE suppliers ADD CONSTRAINT suppliers_rfc_format
    CHECK (rfc = '' OR rfc ~ '^[A-ZÑ&]{3,4}[0-9]{6}[A-Z0-9]{3}$');
CREATE UNIQUE INDEX suppliers_rfc_key ON suppliers (rfc) WHERE rfc <> '';

-- What each supplier sells the clinic, with the last cost paid.
CREATE TABLE supplier_products (
    supplier_id      uuid    NOT NULL REFERENCES suppliers (id),
    product_id       uuid    NOT NULL REFERENCES products (id),
    last_cost_cents  bigint  CONSTRAINT supplier_products_cost_positive CHECK (last_cost_cents >= 0),
    PRIMARY KEY (supplier_id, product_id)
);

-- Consumables a visit used that were not in stock, recorded when someone with the override
-- permission completed the visit anyway.
CREATE TABLE stock_shortfalls (
    id          uuid PRIMARY KEY,
    visit_id    uuid        NOT NULL REFERENCES visits (id),
    product_id  uuid        NOT NULL REFERENCES products (id),
    missing     integer     NOT NULL CONSTRAINT stock_shortfalls_missing_positive CHECK (missing > 0),
    created_by  uuid        NOT NULL REFERENCES users (id),
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER stock_shortfalls_append_only BEFORE UPDATE OR DELETE ON stock_shortfalls
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- The dashboard reads money by date range.
CREATE INDEX payments_at ON payments (at);
CREATE INDEX charges_created_at ON charges (created_at);
