// End to end, the fault the banner promises to survive: the clinic's server stops under a desk;
// reception books an appointment, registers a patient and charges a counter sale in cash anyway; the app is killed (SIGKILL) and
// started again, still without the server: the pending writes and the kept agenda are there.
// Meanwhile another desk takes the booked slot. The server comes back: every write lands once,
// and the taken booking waits in "Pendientes y conflictos" until it is moved to a free slot.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually, killApp, launch, privateServer, psql, startCounterSale, storeSql } from "./driver.mjs";
import { setTimeout as sleep } from "node:timers/promises";

const PASSWORD = "agenda sin servidor 26";

test("writes made without the server survive a crash and land once; a taken slot waits in the tray", async (t) => {
  const server = privateServer();
  t.after(() => server.destroy());
  const dirs = mkdtempSync(join(tmpdir(), "podoclinic-e2e-desk-"));
  const env = {
    PODOCLINIC_DATABASE_URL: server.url,
    PODOCLINIC_CONFIG_DIR: join(dirs, "config"),
    PODOCLINIC_DATA_DIR: join(dirs, "data"),
    PODOCLINIC_LOG_DIR: join(dirs, "logs"),
  };
  const kept = (sql) => storeSql(join(dirs, "data"), sql);

  let app = await launch(env);
  t.after(() => app.close().catch(() => undefined));
  await app.find("[data-test=first-admin-form]", 60_000);
  const pod = psql(
    server.url,
    `WITH p AS (INSERT INTO podiatrists (id, name, color) VALUES (gen_random_uuid(), 'Dra. Lucía Hernández', '#0f766e') RETURNING id),
          b AS (INSERT INTO schedule_blocks (id, podiatrist_id, weekday, start_minute, end_minute)
                SELECT gen_random_uuid(), p.id, d, 0, 1440 FROM p, generate_series(1, 7) d)
     SELECT id FROM p`,
  );
  psql(server.url, `INSERT INTO patients (id, first_name, last_names, phone) VALUES
     (gen_random_uuid(), 'José', 'González Muñoz', '55 1234 5678'), (gen_random_uuid(), 'Marta', 'Ruiz', '')`);
  psql(server.url, `INSERT INTO treatments (id, name, duration_minutes, price_cents) VALUES (gen_random_uuid(), 'Corte de uñas', 30, 35000)`);
  await app.firstAdminAndLogin("Recepción Uno", "recepcion", PASSWORD);
  // The morning's drawer, opened while the server answers.
  await app.click("[data-test=nav-cash]");
  await app.type("[data-test=opening-float]", "500");
  await app.click("[data-test=open-drawer]");
  await app.find("[data-test=corte-x]");
  // The desk's copy follows the server: both patients and the podiatrist are kept.
  await eventually(
    () =>
      kept("SELECT count(*) FROM directory") === "2" &&
      kept("SELECT body FROM views WHERE key = 'podiatrists'").includes("Lucía") &&
      kept("SELECT body FROM views WHERE key = 'desk_cash'").includes("openingFloatCents"),
    "the desk's copy",
  );

  // The server stops.
  server.stop();
  await app.find("[data-test=offline-banner]", 5_000);

  // Offline: book tomorrow's first slot for José, and register a new patient.
  await app.click("[data-test=nav-agenda]");
  await app.click("[data-test=calendar] .ec-next");
  await app.click("[data-test=calendar] .ec-body .ec-day");
  await app.find("[data-test=booking-panel]");
  await app.type("[data-test=patient-search]", "jose gonzalez");
  await app.textIs("[data-test=patient-result]", /José González Muñoz/); // search reads the desk's directory
  await app.click("[data-test=patient-result]");
  await app.type("[data-test=booking-reason]", "Uña encarnada");
  await app.click("[data-test=book-clicked]");
  await app.find("[data-test=booked]");
  await app.click("[data-test=nav-patients]");
  await app.click("[data-test=new-patient]");
  await app.type("#field-firstName", "Luisa");
  await app.type("#field-lastNames", "Offline Pérez");
  await app.type("#field-phone", "55 8765 4321");
  await app.click("[data-test=save-patient]");
  await app.find("[data-test=patient-saved]");
  // A counter sale to José at the kept price, paid in cash into the open drawer.
  await app.click("[data-test=nav-billing]");
  await app.find("[data-test=checkout-queue]");
  await startCounterSale(app, "jose", "option[value^='treatment:']");
  await app.textIs("[data-test=charge-total]", "$350.00");
  await app.click("[data-test=create-charge]");
  await app.find("[data-test=sale] [data-test=folio-pending]");
  await app.click("[data-test=sale] [data-test=take-payment]");
  await app.find("[data-test=sale] [data-test=paid-in-full]");
  await app.textIs("[data-test=outbox-pending]", /4 pendientes/);
  assert.equal(kept("SELECT count(*) FROM outbox WHERE state = 'pending'"), "4", "all on disk before the desk said so");

  // A crash: the app is killed outright, and started again with the server still away.
  await killApp(app);
  app = await launch(env);
  await app.find("[data-test=login-form]", 60_000);
  await app.find("[data-test=offline-banner]");
  await app.type("#field-username", "recepcion");
  await app.type("#field-password", PASSWORD);
  await app.click("[data-test=login-submit]");
  await app.find("[data-test=signed-in-as]");
  await app.textIs("[data-test=outbox-pending]", /4 pendientes/);
  await app.click("[data-test=nav-agenda]");
  await app.click("[data-test=calendar] .ec-next");
  const shown = await eventually(
    () => app.script("return document.querySelector('[data-test=calendar] .ec-event.pending')?.textContent ?? ''"),
    "the pending booking on the calendar",
  );
  assert.match(shown, /José González Muñoz/, "the kept agenda shows the pending booking");

  // Another desk takes that slot while this one still cannot reach the server.
  const [startMin, endMin] = kept("SELECT starts_min || ' ' || ends_min FROM agenda WHERE pending = 1").split(" ");
  server.local();
  psql(server.socketUrl, `INSERT INTO appointments (id, patient_id, podiatrist_id, during, reason, status)
     SELECT gen_random_uuid(), id, '${pod}', tstzrange(to_timestamp(${startMin} * 60), to_timestamp(${endMin} * 60)), 'Otra recepción', 'scheduled'
     FROM patients WHERE first_name = 'Marta'`);
  server.stop();

  // The server is back. The session began without it, so the server must hear the password
  // before anything is sent in her name: the prompt covers the screen, which stays as it was.
  const back = Date.now();
  server.start();
  await app.find("[data-test=confirm-prompt]", 30_000);
  // The desk sends its outbox within a second of the server answering: three seconds in, nothing
  // of hers has reached the server, neither her writes nor her sign-in without it.
  await sleep(3_000);
  assert.equal(psql(server.url, "SELECT count(*) FROM patients WHERE first_name = 'Luisa'"), "0", "nothing sent before the password");
  assert.equal(psql(server.url, "SELECT count(*) FROM audit_log WHERE after ->> 'withoutServer' = 'true'"), "0");
  await app.textIs("[data-test=outbox-pending]", /4 pendientes/);
  await app.type("[data-test=confirm-form] #field-password", PASSWORD);
  await app.click("[data-test=confirm-submit]");
  await app.gone("[data-test=confirm-prompt]", 30_000);
  await app.find("[data-test=signed-in-as]");
  // Then the patient lands once; the booking is refused and waits in the tray.
  await app.find("[data-test=open-tray]", 30_000);
  await app.textIs("[data-test=open-tray]", /conflicto/, 30_000); // the refused booking in the banner
  const settled = Date.now() - back;
  assert.equal(psql(server.url, "SELECT count(*) FROM patients WHERE first_name = 'Luisa'"), "1");
  await app.click("[data-test=open-tray]");
  await app.find("[data-test=outbox-tray]");
  await app.textIs("[data-test=tray-refusal]", /ocupad|Marta Ruiz/i);
  await app.click("[data-test=tray-next-slot]");
  await app.find("[data-test=tray-empty]", 30_000);
  await app.click("[data-test=close-tray]");
  await app.gone("[data-test=offline-banner]", 30_000);

  // Every write landed once: José's booking (moved), Luisa, the sale and its cash, and the other
  // desk's booking.
  const jose = psql(server.url, "SELECT count(*) FROM appointments a JOIN patients p ON p.id = a.patient_id WHERE p.first_name = 'José'");
  assert.equal(jose, "1");
  assert.equal(psql(server.url, "SELECT count(*) FROM appointments"), "2");
  assert.equal(psql(server.url, "SELECT count(*) FROM charges WHERE total_cents = 35000"), "1");
  assert.equal(psql(server.url, "SELECT method || ' ' || amount_cents FROM payments"), "cash 35000");
  assert.equal(
    psql(server.url, "SELECT count(*) FROM audit_log WHERE action IN ('appointment.book', 'patient.create', 'charge.create', 'payment.create')"),
    "4",
  );
  assert.equal(kept("SELECT count(*) FROM outbox"), "0", "what landed left the desk's disk");
  // The sign-in after the crash, let through without the server, is in the server's audit.
  assert.equal(psql(server.url, "SELECT count(*) FROM audit_log WHERE action = 'login.success' AND after ->> 'withoutServer' = 'true'"), "1");
  console.log(`offline writes: 4 made, 4 landed (1 after the tray's fix), 0 duplicated, 0 lost; server back to outbox settled in ${settled} ms, the password confirmed at the prompt`);
});
