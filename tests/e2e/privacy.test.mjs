// End to end, the patient's data under the LFPDPPP in the real admin and main windows: the admin
// publishes the clinic's privacy notice; the patient's first arrival asks for their express consent
// and voluntary purposes; a cancellation request (ARCO) is registered and granted, which blocks the
// record: gone from the desk's search, read only from the request (audited), and deleted from it,
// password confirmed, once its retention is over. Real app, real WebKit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { eventually, launchOnFreshDatabase, psql } from "./driver.mjs";

test("consent at the first arrival; a granted cancellation blocks the record, deleted after its retention", async (t) => {
  const { db, app } = await launchOnFreshDatabase(t);
  await app.find("[data-test=first-admin-form]", 60_000);
  // Ana's appointment starts now (today, in any time zone's day), Rosa has none.
  psql(
    db.url,
    `WITH pod AS (INSERT INTO podiatrists (id, name, color) VALUES (gen_random_uuid(), 'Dra. Lucía Hernández', '#0f766e') RETURNING id),
          pat AS (INSERT INTO patients (id, first_name, last_names) VALUES (gen_random_uuid(), 'Ana', 'Quintanar'),
                  (gen_random_uuid(), 'Rosalinda', 'Quintanar') RETURNING id, first_name)
     INSERT INTO appointments (id, patient_id, podiatrist_id, during, reason)
     SELECT gen_random_uuid(), pat.id, pod.id, tstzrange(now(), now() + interval '30 minutes'), 'Revisión'
     FROM pod, pat WHERE pat.first_name = 'Ana'`,
  );
  await app.firstAdminAndLogin("Dra. Admin", "admin", "datos bien guardados 2026");
  const main = (await app.windows())[0];

  // Admin → Privacidad: the notice, version 1.
  const known = await app.windows();
  await app.click("[data-test=open-admin]");
  await app.switchToNewWindow(known);
  const admin = (await app.windows()).find((w) => w !== main);
  await app.click("[data-test=tab-privacy]");
  await app.textIs("[data-test=notice-current]", /aún no publica/);
  await app.type("[data-test=notice-simplified]", "Usamos sus datos para atenderle y llevar su expediente.");
  await app.type("[data-test=notice-integral]", "Aviso de privacidad integral de la clínica.");
  await app.click("[data-test=notice-publish]");
  await app.textIs("[data-test=notice-current]", /Versión 1 vigente/);

  // Ana arrives for the first time: the desk asks, on the notice it shows.
  await app.switchToWindow(main);
  await app.click("[data-test=today-row] [data-test=status-arrived]");
  await app.textIs("[data-test=consent-notice-text]", /Usamos sus datos para atenderle/);
  await app.click("[data-test=consent-health]");
  await app.click("[data-test=consent-promotions]");
  // Her yes to health data is hers, in writing: saving before she signs is refused, naming it.
  await app.click("[data-test=consent-save]");
  await app.textIs("[data-test=consent-dialog] [data-test=form-error]", /[Ff]irma/);
  await app.drawOn("[data-test=consent-signature]", Array.from({ length: 24 }, (_, i) => [-120 + i * 10, Math.round(25 * Math.sin(i / 2))]));
  await app.click("[data-test=consent-save]");
  await app.gone("[data-test=consent-dialog]");
  assert.equal(
    psql(db.url, "SELECT n.version || ' ' || c.health_data || ' ' || c.promotions || ' ' || c.teaching_photos || ' ' || c.reminders FROM privacy_consents c JOIN privacy_notices n ON n.id = c.notice_id"),
    "1 true true false true",
  );
  assert.ok(Number(psql(db.url, "SELECT jsonb_array_length(signature -> 'strokes' -> 0) FROM privacy_consents")) >= 5, "her strokes are kept");
  // Her record says what she answered.
  await app.click("[data-test=nav-patients]");
  await app.type("[data-test=patient-search]", "ana quintanar");
  await app.click("[data-test=patient-result]");
  await app.textIs("[data-test=consent-summary]", /Aceptó el aviso v1/);
  // Her right of access, on paper: everything held about her, her consent among it.
  await app.click("[data-test=export-patient-pdf]");
  const pdfPath = await app.textIs("[data-test=document-path]", /arco-acceso-.*\.pdf$/);
  const pdf = await eventually(() => {
    try {
      return execFileSync("pdftotext", [pdfPath, "-"], { encoding: "utf8" });
    } catch {
      return null;
    }
  }, "the access export's PDF");
  for (const expected of ["Sus datos personales en la clínica", "Datos personales (1 registros)", "first_name: Ana", "Consentimientos y finalidades (1 registros)", "Citas (1 registros)"]) {
    assert.ok(pdf.includes(expected), `the access PDF lacks ${expected}:\n${pdf}`);
  }

  // Rosalinda asks for the cancellation of her data: registered, granted, her record blocked.
  await app.switchToWindow(admin);
  await app.click("[data-test=arco-new]");
  await app.type("[data-test=arco-form] [data-test=patient-search]", "rosalinda");
  await app.click("[data-test=arco-form] [data-test=patient-result]");
  await app.textIs("[data-test=arco-patient]", /Rosalinda Quintanar/);
  await app.script(
    "const s = document.querySelector('[data-test=arco-kind]'); s.value = 'cancellation'; s.dispatchEvent(new Event('change', { bubbles: true }));",
  );
  await app.type("[data-test=arco-form] #field-requester", "La paciente, en persona");
  await app.click("[data-test=arco-save]");
  await app.textIs("[data-test=arco-row-patient]", "Rosalinda Quintanar");
  await app.textIs("[data-test=arco-due]", /vence el/);
  await app.click("[data-test=arco-respond]");
  await app.find("[data-test=arco-blocked]");
  assert.equal(psql(db.url, "SELECT blocked_at IS NOT NULL AND archived_at IS NOT NULL FROM patients WHERE first_name = 'Rosalinda'"), "t");

  // Reading her record is through the request, and audited.
  await app.click("[data-test=arco-read]");
  const path = await app.textIs("[data-test=document-path]", /arco-bloqueado-.*\.json$/);
  const record = await eventually(() => {
    try {
      return JSON.parse(readFileSync(path, "utf8"));
    } catch {
      return null;
    }
  }, "the blocked record");
  assert.equal(record.patients[0].first_name, "Rosalinda");
  assert.equal(psql(db.url, "SELECT count(*) FROM audit_log WHERE action = 'privacy.blocked_read'"), "1");

  // Kept for five years from her last act; the deletion is not offered before.
  await app.textIs("[data-test=arco-retention]", /Se conserva hasta el/);
  assert.equal(await app.script("return document.querySelectorAll('[data-test=arco-purge-open]').length"), 0);
  // Six years later (her record aged by the test's superuser, guards off for that statement).
  psql(
    db.url,
    "SET session_replication_role = replica; UPDATE patients SET created_at = created_at - interval '6 years' WHERE first_name = 'Rosalinda'",
  );
  await app.click("[data-test=tab-audit]");
  await app.click("[data-test=tab-privacy]");
  await app.textIs("[data-test=arco-retention]", /La conservación terminó/);
  await app.click("[data-test=arco-purge-open]");
  await app.type("[data-test=arco-purge-form] #field-password", "no es la contraseña");
  await app.click("[data-test=arco-purge]");
  await app.textIs("[data-test=arco-purge-form] [data-test=form-error]", /no es correcta/);
  assert.equal(psql(db.url, "SELECT count(*) FROM patients WHERE first_name = 'Rosalinda'"), "1", "a wrong password deletes nothing");
  await app.type("[data-test=arco-purge-form] #field-password", "datos bien guardados 2026");
  await app.click("[data-test=arco-purge]");
  await app.textIs("[data-test=arco-purged]", /Expediente eliminado el/);
  await app.textIs("[data-test=arco-row-patient]", "—");
  assert.equal(psql(db.url, "SELECT count(*) FROM patients p WHERE p::text LIKE '%Rosalinda%'"), "0");
  assert.equal(psql(db.url, "SELECT count(*) FROM audit_log a WHERE a::text LIKE '%Rosalinda%'"), "0");
  assert.equal(psql(db.url, "SELECT count(*) FROM audit_log WHERE action = 'patient.purge'"), "1");

  // At the desk she is found nowhere; Ana still is.
  await app.switchToWindow(main);
  await app.click("[data-test=nav-patients]");
  await app.type("[data-test=patient-search]", "quintanar");
  await app.textIs("[data-test=patient-result]", /Ana Quintanar/);
  const names = await eventually(async () => {
    const shown = await app.script("return [...document.querySelectorAll('[data-test=patient-result]')].map((e) => e.textContent)");
    return shown.length === 1 ? shown : null;
  }, "one result");
  assert.ok(!names.join().includes("Rosalinda"), `a blocked patient is listed: ${names}`);
});
