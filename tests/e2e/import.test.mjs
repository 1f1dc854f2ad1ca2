// End to end, "Importar" in the real admin window: a clinic's spreadsheet of patients (as Excel in
// Spanish saves a CSV: semicolons, Windows-1252) is read, its columns mapped by their headers,
// checked without importing (a bad row and a likely duplicate named), imported, and an imported
// patient is then found from the agenda's booking search in the main window. Then a spreadsheet of
// past appointments: recognised as such by its headers, an overlap and an unknown podiatrist
// named, the rest imported, and the completed ones counted on the dashboard.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { answerFileDialog, eventually, launchOnFreshDatabase, psql, podiatristAllWeek } from "./driver.mjs";

/** "Revisar", scrolled into view first: below the admin window's fold, WebKitWebDriver's click on
 *  it never returns. */
async function dryRun(app) {
  await app.script("document.querySelector('[data-test=import-dry-run]').scrollIntoView({ block: 'center' })");
  await app.click("[data-test=import-dry-run]");
}

test("a spreadsheet of patients is checked, imported, and its patients found from the agenda", async (t) => {
  const { db, app } = await launchOnFreshDatabase(t);
  await app.find("[data-test=first-admin-form]", 60_000);
  podiatristAllWeek(db.url);
  psql(db.url, `INSERT INTO patients (id, first_name, last_names, phone) VALUES (gen_random_uuid(), 'Ya', 'Estaba', '55 9999 0000')`);
  await app.firstAdminAndLogin("Dra. Admin", "admin", "importar con calma 2026");

  const dir = mkdtempSync(join(tmpdir(), "podoclinic-importar-"));
  const file = join(dir, "pacientes.csv");
  const rows = [
    "Expediente;Nombre completo;F. Nac;Teléfono;Diabetes",
    "A-1;Ramona Quiñones Ávila;07/03/1961;55 1111 2222;tipo 2",
    "A-2;Eusebio Treviño;1975-10-30;;no",
    "A-3;Perla Ibarra;31/02/1990;;",
    "A-4;Otra Persona;;55 9999 0000;",
    "A-5;Lázaro Núñez;15/08/1949;55 3333 4444;sí",
  ];
  writeFileSync(file, Buffer.from(rows.join("\r\n") + "\r\n", "latin1"));

  const main = (await app.windows())[0];
  const known = await app.windows();
  await app.click("[data-test=open-admin]");
  await app.switchToNewWindow(known);
  await app.click("[data-test=tab-import]");
  // The file is chosen in the system's file dialog, as at a desk; the page shows its name only.
  await app.click("[data-test=import-pick]");
  await answerFileDialog("Elegir la hoja de cálculo a importar", file);
  await app.find("[data-test=import-preview]");
  await app.textIs("[data-test=import-file-name]", "pacientes.csv");
  const suggested = await app.script("return [...document.querySelectorAll('[data-test^=map-]')].map((s) => s.value)");
  assert.deepEqual(suggested, ["key", "fullName", "birthDate", "phone", "diabetes"], "the headers suggest the fields");
  await app.textIs("[data-test=import-preview] tbody tr", /Ramona Quiñones Ávila/); // Windows-1252 accents read

  await dryRun(app);
  await app.find("[data-test=import-report]", 30_000);
  await app.textIs("[data-test=count-new]", /^3 /);
  await app.textIs("[data-test=count-errors]", /^1 /);
  await app.textIs("[data-test=count-duplicates]", /^1 /);
  assert.equal(psql(db.url, "SELECT count(*) FROM patients"), "1", "the check imports nothing");

  // A DOM click: WebKitWebDriver's pointer click on this button sometimes never returns (seen
  // here once in three runs, with no click delivered); the button's own handler runs either way.
  await app.find("[data-test=import-start]");
  await app.script("document.querySelector('[data-test=import-start]').click()");
  await app.textIs("[data-test=count-imported]", /^3 pacientes importados/, 60_000);
  await app.find("[data-test=import-done] [data-test=document]");
  assert.equal(psql(db.url, "SELECT count(*) FROM patients"), "4");
  assert.equal(psql(db.url, "SELECT diabetes || ' ' || birth_date FROM patients WHERE first_name = 'Ramona'"), "type2 1961-03-07");
  assert.equal(psql(db.url, "SELECT count(*) FROM audit_log WHERE action = 'patient.import'"), "1");

  // The clinic's past appointments, joined to the patients just imported by their file numbers.
  const visits = join(dir, "citas.csv");
  writeFileSync(
    visits,
    [
      "Fecha;Hora;Duración;Podóloga;Expediente;Estado;Motivo",
      "05/03/2024;10:00;30;Dra. Lucía Hernández;A-1;Atendida;Revisión",
      "05/03/2024;10:30;30;dra lucia hernandez;A-2;;Onicocriptosis",
      "05/03/2024;10:45;30;Dra. Lucía Hernández;A-5;Atendida;",
      "06/03/2024;09:00;30;Dr. Nadie;A-1;;",
    ].join("\n") + "\n",
  );
  await app.click("[data-test=import-pick]");
  await answerFileDialog("Elegir la hoja de cálculo a importar", visits);
  await eventually(async () => (await app.script("return document.querySelector('[data-test=import-kind]')?.value")) === "appointments", "the headers to name appointments");
  const mapped = await app.script("return [...document.querySelectorAll('[data-test^=map-]')].map((s) => s.value)");
  assert.deepEqual(mapped, ["date", "time", "durationMinutes", "podiatrist", "patientKey", "status", "reason"]);
  await dryRun(app);
  await app.find("[data-test=import-report]", 30_000);
  await app.textIs("[data-test=count-new]", /^2 citas nuevas/);
  await app.textIs("[data-test=count-errors]", /^2 /);
  await app.find("[data-test=import-start]");
  await app.script("document.querySelector('[data-test=import-start]').click()");
  await app.textIs("[data-test=count-imported]", /^2 citas importadas/, 60_000);
  assert.equal(psql(db.url, "SELECT string_agg(status, ' ') FROM appointments"), "completed completed");

  // At the desk: the agenda's booking search finds her, accents or not.
  await app.switchToWindow(main);
  await app.click("[data-test=nav-agenda]");
  await app.click("[data-test=calendar] .ec-next");
  await app.click("[data-test=calendar] .ec-body .ec-day");
  await app.find("[data-test=booking-panel]");
  await app.type("[data-test=patient-search]", "ramona quinones");
  await app.textIs("[data-test=patient-result]", /Ramona Quiñones Ávila/);

  // The dashboard for March 2024 counts the two imported visits as attended.
  await app.click("[data-test=nav-stats]");
  await app.find("[data-test=stats]");
  // Typed the clinic's way, day first.
  await app.type("[data-test=stats-from]", "01/03/2024");
  await app.type("[data-test=stats-to]", "31/03/2024");
  const citas = () => app.script("return [...document.querySelectorAll('[data-test=table-citas] tbody tr')].map((r) => [...r.cells].map((c) => c.textContent.trim()))");
  let shown;
  await eventually(async () => JSON.stringify((shown = await citas())) === JSON.stringify([["Dra. Lucía Hernández", "Atendida", "2"]]), "the dashboard to count the imported visits").catch((e) => {
    throw new Error(`${e.message}: ${JSON.stringify(shown)}`);
  });
});
