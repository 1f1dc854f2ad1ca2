// End to end, stock at the desk: a supplier's delivery is received and the stock rises; the
// podiatrist completes a visit whose treatment uses two gauzes and the stock falls by two; a
// gauze sold over the counter (no appointment) takes one more and is paid in cash; the dashboard
// counts the visit and the sale.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launchOnFreshDatabase, psql, startCounterSale } from "./driver.mjs";

async function onHand(app, expected) {
  await app.textIs("[data-test=stock-GASA-10] [data-test=on-hand]", expected);
}

test("a received delivery raises stock and a completed visit uses it", async (t) => {
  const { db, app } = await launchOnFreshDatabase(t);
  await app.find("[data-test=first-admin-form]", 60_000);
  psql(
    db.url,
    `WITH pod AS (INSERT INTO podiatrists (id, name, color) VALUES (gen_random_uuid(), 'Dr. Martín Ortega', '#b45309') RETURNING id),
          pat AS (INSERT INTO patients (id, first_name, last_names) VALUES (gen_random_uuid(), 'Rosa', 'Cruz') RETURNING id)
     INSERT INTO appointments (id, patient_id, podiatrist_id, during, reason, status)
     SELECT gen_random_uuid(), pat.id, pod.id, tstzrange(now() - interval '5 minutes', now() + interval '25 minutes'), 'Curación', 'arrived'
     FROM pod, pat`,
  );
  psql(
    db.url,
    `WITH g AS (INSERT INTO products (id, sku, name, cost_cents, price_cents, min_stock) VALUES (gen_random_uuid(), 'GASA-10', 'Gasa estéril', 250, 1500, 4) RETURNING id),
          c AS (INSERT INTO treatments (id, name, duration_minutes, price_cents) VALUES (gen_random_uuid(), 'Curación', 30, 45000) RETURNING id)
     INSERT INTO treatment_consumables (treatment_id, product_id, quantity) SELECT c.id, g.id, 2 FROM c, g`,
  );
  psql(db.url, `INSERT INTO suppliers (id, name, rfc) VALUES (gen_random_uuid(), 'Distribuidora Médica del Centro', 'DMC900101AB1')`);
  await app.firstAdminAndLogin("Dra. Admin", "admin", "existencias al dia 2026");

  // The delivery: ten gauzes at $2.50.
  await app.click("[data-test=nav-inventory]");
  await onHand(app, "0 pieza");
  await app.find("[data-test=low-stock-badge]");
  await app.type("[data-test=receive-quantity]", "10");
  await app.type("[data-test=receive-cost]", "2.50");
  await app.click("[data-test=receive-submit]");
  await onHand(app, "10 pieza");
  await app.textIs("[data-test=valuation]", "$25.00");
  assert.equal(psql(db.url, "SELECT total_cents FROM purchases"), "2500");

  // The dashboard before the visit: nobody seen yet.
  await app.click("[data-test=nav-stats]");
  await app.textIs("[data-test=kpi-patients]", "0 / 0");

  // The visit: one cure (two gauzes), signed.
  await app.click("[data-test=nav-visits]");
  await app.click("[data-test=visit-queue] [data-test=pick-appointment]");
  await app.find("[data-test=visit] [data-test=foot-left]");
  await app.click("[data-test='procedure-Curación']");
  await app.click("[data-test=risk] option[value='0']");
  await app.type("[data-test=diagnosis-text]", "Herida superficial del talón");
  await app.type("[data-test=visit-plan]", "Curación cada tercer día.");
  await app.click("[data-test=sign-visit]");
  await app.click("[data-test=confirm-sign]");
  await app.find("[data-test=visit-signed]");

  await app.click("[data-test=nav-inventory]");
  await onHand(app, "8 pieza");
  assert.equal(
    psql(db.url, "SELECT string_agg(kind || ' ' || quantity || ' ' || balance_after, ', ' ORDER BY at) FROM stock_movements"),
    "purchase 10 10, consumption -2 8",
  );

  // A counter sale: the drawer opened, one gauze to Rosa without an appointment, paid in cash.
  await app.click("[data-test=nav-cash]");
  await app.type("[data-test=opening-float]", "0");
  await app.click("[data-test=open-drawer]");
  await app.find("[data-test=corte-x]");
  await app.click("[data-test=nav-billing]");
  // Today's list loads above the counter-sale card and moves it down: click once it has.
  await app.find("[data-test=checkout-queue] [data-test=pick-appointment]");
  await startCounterSale(app, "rosa", "option[value^='product:']");
  await app.textIs("[data-test=charge-total]", "$15.00");
  await app.click("[data-test=create-charge]");
  await app.find("[data-test=sale] [data-test=payment-form]");
  await app.click("[data-test=take-payment]");
  await app.find("[data-test=sale] [data-test=paid-in-full]");
  assert.equal(psql(db.url, "SELECT count(*) || ' ' || bool_and(visit_id IS NULL) FROM charges"), "1 true");

  await app.click("[data-test=nav-inventory]");
  await onHand(app, "7 pieza");
  assert.equal(
    psql(db.url, "SELECT string_agg(kind || ' ' || quantity || ' ' || balance_after, ', ' ORDER BY at) FROM stock_movements"),
    "purchase 10 10, consumption -2 8, sale -1 7",
  );

  // The dashboard now counts a new patient seen, the completed appointment and the sale's cash.
  await app.click("[data-test=nav-stats]");
  await app.textIs("[data-test=kpi-patients]", "1 / 0"); // the dashboard counts the visit
  await app.textIs("[data-test=kpi-income]", "$15.00");
  await app.textIs("[data-test=table-citas]", /Dr\. Martín Ortega/);
});
