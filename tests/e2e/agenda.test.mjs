// End to end at the desk: find a patient while on the phone, book a time on the calendar, drag the
// appointment to another time, mark the patient as arrived. Real app, real WebKit, fresh database.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launchOnFreshDatabase, psql, podiatristAllWeek } from "./driver.mjs";

test("reception finds a patient, books, drags to reschedule and marks arrived", async (t) => {
  const { db, app } = await launchOnFreshDatabase(t);
  await app.find("[data-test=first-admin-form]", 60_000);
  // The clinic: one podiatrist working every day, all day, and the patient who calls.
  podiatristAllWeek(db.url);
  psql(db.url, `INSERT INTO patients (id, first_name, last_names, phone) VALUES
     (gen_random_uuid(), 'José', 'González Muñoz', '55 1234 5678'), (gen_random_uuid(), 'Josefina', 'Gómez', '')`);
  await app.firstAdminAndLogin("Recepción Uno", "recepcion", "agenda llena de pies");

  // Tomorrow's column, then a click on an empty time opens the booking panel for that time.
  await app.click("[data-test=calendar] .ec-next");
  await app.click("[data-test=calendar] .ec-body .ec-day");
  await app.find("[data-test=booking-panel]");
  await app.type("[data-test=patient-search]", "jose gonzalez");
  await app.textIs("[data-test=patient-result]", /José González Muñoz/); // accent-insensitive search finds him first
  await app.click("[data-test=patient-result]");
  await app.textIs("[data-test=booking-patient]", /José González Muñoz/);
  await app.type("[data-test=booking-reason]", "Uña encarnada");
  await app.click("[data-test=book-clicked]");
  await app.textIs("[data-test=booked]", /Cita agendada: .* con Dra\. Lucía Hernández/);
  const booked = psql(db.url, "SELECT id || ' ' || lower(during) FROM appointments");
  const [id, startedAt] = booked.split(" ");
  assert.ok(id && startedAt, "one appointment stored");

  // Drag it two hours later.
  await app.drag("[data-test=calendar] .ec-event", 0, 8 * 26);
  const deadline = Date.now() + 10_000;
  let moved = startedAt;
  while (moved === startedAt && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    moved = psql(db.url, `SELECT lower(during) FROM appointments WHERE id = '${id}'`);
  }
  assert.notEqual(moved, startedAt, "the drop rescheduled the appointment");
  assert.equal(psql(db.url, "SELECT count(*) FROM audit_log WHERE action = 'appointment.reschedule'"), "1");

  // Open it and mark the patient as arrived.
  await app.click("[data-test=calendar] .ec-event");
  await app.click("[data-test=appointment-details] [data-test=status-arrived]");
  await app.textIs("[data-test=details-status]", "En espera");
  // The clinic has published no privacy notice: the arrival asks nothing (tests/e2e/privacy.test.mjs asks).
  assert.equal(await app.script("return document.querySelector('[data-test=consent-dialog]') === null"), true);
  assert.equal(psql(db.url, `SELECT status FROM appointments WHERE id = '${id}'`), "arrived");
});
