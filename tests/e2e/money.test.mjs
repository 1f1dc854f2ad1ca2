// End to end, a day's money at the desk: open the drawer with a float, the podiatrist fills the
// foot chart and signs, reception charges the visit and takes cash, the evening corte Z counts
// ten pesos short, and the printed PDF report says so. Real app, real WebKit, fresh database.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { eventually, launchOnFreshDatabase, psql } from "./driver.mjs";

test("a visit is charged, paid in cash and the day closes with the difference on the PDF", async (t) => {
  const { db, app } = await launchOnFreshDatabase(t);
  await app.find("[data-test=first-admin-form]", 60_000);
  psql(
    db.url,
    `WITH pod AS (INSERT INTO podiatrists (id, name, color) VALUES (gen_random_uuid(), 'Dra. Lucía Hernández', '#0f766e') RETURNING id),
          pat AS (INSERT INTO patients (id, first_name, last_names, diabetes) VALUES (gen_random_uuid(), 'José', 'González', 'type2') RETURNING id)
     INSERT INTO appointments (id, patient_id, podiatrist_id, during, reason, status)
     SELECT gen_random_uuid(), pat.id, pod.id, tstzrange(now() - interval '5 minutes', now() + interval '25 minutes'), 'Uña encarnada', 'arrived'
     FROM pod, pat`,
  );
  psql(db.url, `INSERT INTO treatments (id, name, duration_minutes, price_cents) VALUES (gen_random_uuid(), 'Corte de uñas', 30, 35000)`);
  await app.firstAdminAndLogin("Dra. Admin", "admin", "caja cuadrada 2026");

  // Morning: open the drawer with a $500 float.
  await app.click("[data-test=nav-cash]");
  await app.type("[data-test=opening-float]", "500");
  await app.click("[data-test=open-drawer]");
  await app.find("[data-test=corte-x]");

  // Consultation: the foot chart, the procedure, the risk, and the signature.
  await app.click("[data-test=nav-visits]");
  await app.click("[data-test=visit-queue] [data-test=pick-appointment]");
  await app.find("[data-test=visit] [data-test=foot-right]");
  await app.click("[data-test=right-nails-ingrown]");
  await app.click("[data-test=right-monofilament] option[value='8']");
  await app.click("[data-test='procedure-Corte de uñas']");
  await app.click("[data-test=risk] option[value='1']");
  // NOM-004: no signature without a diagnosis, and the form says which field is missing.
  await app.click("[data-test=sign-visit]");
  await app.click("[data-test=confirm-sign]");
  await app.textIs("[data-test=visit] [data-test=form-error]", /Diagnósticos/);
  assert.equal(psql(db.url, "SELECT count(*) FROM visits WHERE signed_at IS NOT NULL"), "0");
  // The first visit: the historia clínica's interrogatorio, missing until recorded.
  await app.find("[data-test=history-missing]");
  await app.click("[data-test=edit-history]");
  await app.type("[data-test=history-family]", "Madre con diabetes tipo 2");
  await app.click("[data-test=history-tobacco] option[value='former']");
  await app.click("[data-test=save-history]");
  await app.find("[data-test=history-recorded]");
  assert.equal(psql(db.url, "SELECT content->>'family' || ' ' || (content->>'tobacco') FROM patient_histories"), "Madre con diabetes tipo 2 former");
  // The diagnosis from the CIE-10 list (its title becomes the text), the vitals, the plan.
  await app.type("[data-test=visit-notes]", "Dolor en el primer dedo derecho desde hace dos semanas.");
  await app.type("[data-test=vital-glucose]", "142");
  await app.type("[data-test=cie10-search]", "encarnada");
  await app.textIs("[data-test=cie10-option]", /^L60\.0/);
  await app.click("[data-test=cie10-option]");
  await app.textIs("[data-test=diagnosis-code]", /^L60\.0/);
  await app.type("[data-test=visit-prognosis]", "Bueno");
  await app.click("[data-test=sign-visit]");
  await app.click("[data-test=confirm-sign]");
  await app.textIs("[data-test=visit] [data-test=form-error]", /Tratamiento e indicaciones/);
  await app.type("[data-test=visit-plan]", "Espiculotomía y curación; revisión en 7 días.");
  await app.click("[data-test=sign-visit]");
  await app.click("[data-test=confirm-sign]");
  await app.find("[data-test=visit-signed]");
  const note = psql(db.url, "SELECT findings->'right'->>'monofilamentFelt' || ' ' || (findings->'right'->'nails')::text || ' ' || risk_category FROM visits WHERE signed_at IS NOT NULL");
  assert.equal(note, '8 ["ingrown"] 1', "the chart was stored as structured findings and signed");
  assert.equal(
    psql(db.url, "SELECT diagnoses::text || ' | ' || prognosis || ' | ' || plan || ' | ' || (vitals->>'glucose') FROM visits"),
    '[{"code": "L60.0", "text": "Uña encarnada"}] | Bueno | Espiculotomía y curación; revisión en 7 días. | 142',
    "the note's NOM-004 sections were signed with it",
  );
  // The signed note prints as the legal record: its sections, the signature and the content's
  // SHA-256, the same its signing's audit entry recorded.
  await app.click("[data-test=print-note]");
  const notePath = await app.text("[data-test=visit] [data-test=document-path]");
  const noteText = await eventually(() => {
    try {
      return execFileSync("pdftotext", [notePath, "-"], { encoding: "utf8" });
    } catch {
      return null;
    }
  }, "the printed note");
  const signedDigest = psql(db.url, "SELECT after->>'content_sha256' FROM audit_log WHERE action = 'visit.sign'");
  assert.match(signedDigest, /^[0-9a-f]{64}$/);
  for (const expected of ["Nota de evolución", "L60.0 — Uña encarnada", "Espiculotomía y curación", "Glucosa capilar 142 mg/dL", "Firmada electrónicamente", signedDigest]) {
    assert.ok(noteText.includes(expected), `the printed note lacks ${expected}:\n${noteText}`);
  }
  // A nota de referencia from the signed note: its impression starts from the diagnosis.
  await app.click("[data-test=new-referral]");
  assert.equal(await app.script("return document.querySelector('[data-test=referral-impression]').value"), "L60.0 — Uña encarnada");
  await app.type("[data-test=referral-receiving]", "Hospital General de Zona 1, Angiología");
  await app.type("[data-test=referral-reason]", "Valoración vascular");
  await app.click("[data-test=save-referral]");
  const referralPath = await app.textIs("[data-test=visit] [data-test=document-path]", /nota-referencia-/);
  const referralText = await eventually(() => {
    try {
      return execFileSync("pdftotext", [referralPath, "-"], { encoding: "utf8" });
    } catch {
      return null;
    }
  }, "the printed referral");
  for (const expected of ["Nota de referencia", "Hospital General de Zona 1, Angiología", "Valoración vascular", "L60.0 — Uña encarnada"]) {
    assert.ok(referralText.includes(expected), `the referral lacks ${expected}:\n${referralText}`);
  }
  assert.equal(psql(db.url, "SELECT count(*) FROM referrals"), "1");
  // What the patient may ask for: the resumen clínico, and everything held about them (ARCO access).
  await app.click("[data-test=nav-patients]");
  await app.type("[data-test=patient-search]", "jose gonzalez");
  await app.click("[data-test=patient-result]");
  await app.click("[data-test=print-summary]");
  const summaryPath = await app.textIs("[data-test=document-path]", /nota-resumen-/);
  const summaryText = await eventually(() => {
    try {
      return execFileSync("pdftotext", [summaryPath, "-"], { encoding: "utf8" });
    } catch {
      return null;
    }
  }, "the printed summary");
  for (const expected of ["Resumen clínico", "José González", "Heredofamiliares: Madre con diabetes tipo 2", "L60.0 — Uña encarnada"]) {
    assert.ok(summaryText.includes(expected), `the summary lacks ${expected}:\n${summaryText}`);
  }
  await app.click("[data-test=export-patient-data]");
  const dataPath = await app.textIs("[data-test=document-path]", /arco-acceso-.*\.json$/);
  const exported = await eventually(() => {
    try {
      return JSON.parse(readFileSync(dataPath, "utf8"));
    } catch {
      return null;
    }
  }, "the access export");
  assert.equal(exported.patients[0].first_name, "José");
  for (const table of ["appointments", "visits", "visit_procedures", "referrals", "patient_histories", "audit_log"]) {
    assert.ok(exported[table]?.length > 0, `the access export lacks ${table}: ${Object.keys(exported)}`);
  }
  assert.equal(psql(db.url, "SELECT status FROM appointments"), "completed");

  // Checkout: the recorded procedure at today's price; cash for the whole amount.
  await app.click("[data-test=nav-billing]");
  await app.click("[data-test=checkout-queue] [data-test=pick-appointment]");
  await app.textIs("[data-test=charge-total]", "$350.00");
  await app.click("[data-test=create-charge]");
  await app.find("[data-test=payment-form]");
  await app.click("[data-test=take-payment]");
  await app.find("[data-test=paid-in-full]");
  assert.equal(psql(db.url, "SELECT method || ' ' || amount_cents FROM payments"), "cash 35000");

  // Evening: corte Z. The drawer should hold $850.00; staff count $840.00.
  await app.click("[data-test=nav-cash]");
  await app.textIs("[data-test=cell-expected-cash]", "$850.00");
  await app.click("[data-test=start-close]");
  await app.type("[data-test=counted-cash]", "840.00");
  await app.click("[data-test=confirm-close]");
  await app.find("[data-test=corte-z]");
  await app.textIs("[data-test=cell-difference-cash]", "-$10.00");
  assert.equal(psql(db.url, "SELECT expected_cash_cents || ' ' || counted_cash_cents FROM cash_sessions"), "85000 84000");

  // The printed report: a real PDF, saved where the desk says, with the difference on it.
  await app.click("[data-test=print-cash-report]");
  const path = await app.text("[data-test=document-path]");
  const text = await eventually(() => {
    try {
      return execFileSync("pdftotext", ["-layout", path, "-"], { encoding: "utf8" });
    } catch {
      return null;
    }
  }, "the PDF report");
  assert.match(text, /Corte Z/);
  assert.match(text, /Diferencia\s+-\$10\.00/);
  assert.match(text, /José González/, "the cash entry names the patient");
});
