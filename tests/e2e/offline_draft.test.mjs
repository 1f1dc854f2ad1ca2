// End to end: a podiatrist is writing a clinical note when the clinic's server goes away. They
// keep writing (that counts as activity), then step away: the idle lock (one minute here) puts the
// lock screen over the note. The server comes back, they unlock, open the visit again and find
// what they wrote, and save it to the server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { eventually, launch, privateServer, psql, storeSql } from "./driver.mjs";

const PASSWORD = "nota que no se pierde 7";

test("a clinical note typed across an outage survives the idle lock", async (t) => {
  const server = privateServer();
  t.after(() => server.destroy());
  const dirs = mkdtempSync(join(tmpdir(), "podoclinic-e2e-desk-"));
  const app = await launch({
    PODOCLINIC_DATABASE_URL: server.url,
    PODOCLINIC_CONFIG_DIR: join(dirs, "config"),
    PODOCLINIC_DATA_DIR: join(dirs, "data"),
    PODOCLINIC_LOG_DIR: join(dirs, "logs"),
  });
  t.after(() => app.close().catch(() => undefined));
  const kept = (sql) => storeSql(join(dirs, "data"), sql);
  await app.find("[data-test=first-admin-form]", 60_000);
  psql(server.url, "UPDATE clinic_profile SET idle_lock_minutes = 1");
  psql(
    server.url,
    `WITH pod AS (INSERT INTO podiatrists (id, name, color) VALUES (gen_random_uuid(), 'Dra. Lucía Hernández', '#0f766e') RETURNING id),
          pat AS (INSERT INTO patients (id, first_name, last_names) VALUES (gen_random_uuid(), 'José', 'González') RETURNING id)
     INSERT INTO appointments (id, patient_id, podiatrist_id, during, reason, status)
     SELECT gen_random_uuid(), pat.id, pod.id, tstzrange(now() - interval '5 minutes', now() + interval '25 minutes'), 'Uña encarnada', 'arrived'
     FROM pod, pat`,
  );
  await app.firstAdminAndLogin("Dra. Admin", "admin", PASSWORD);
  await app.click("[data-test=nav-visits]");
  await app.click("[data-test=visit-queue] [data-test=pick-appointment]");
  await app.type("[data-test=visit-notes]", "Uña encarnada en el primer dedo derecho.");

  const lost = Date.now();
  server.stop();
  await app.find("[data-test=offline-banner]", 5_000);
  await sleep(40_000);
  // Still writing 40 s into the outage (the driver's typing replaces the field's text):
  // activity, so no lock yet.
  await app.type("[data-test=visit-plan]", "Curación diaria con antiséptico.");
  await app.type("[data-test=visit-notes]", "Uña encarnada en el primer dedo derecho. Se retira espícula; curación.");
  await eventually(() => kept("SELECT body FROM drafts WHERE form = 'visit'").includes("espícula"), "the draft on disk");
  // On disk, encrypted: the file and its journal hold no word of the note, and sqlite3 without the
  // key reads nothing ("file is not a database").
  const file = join(dirs, "data", "store", "desk.sqlite3");
  for (const part of [file, `${file}-wal`]) {
    if (existsSync(part)) assert.equal(readFileSync(part).includes("espícula"), false, `${part} holds the note in clear`);
  }
  assert.throws(() => execFileSync("sqlite3", [file, "SELECT count(*) FROM drafts"], { stdio: "pipe" }), /not a database/);
  // Then nothing: the one-minute idle lock covers the note.
  await app.find("[data-test=lock-form]", 100_000);
  assert.equal(await app.script("return document.querySelector('[data-test=visit-notes]') === null"), true, "the note is hidden");
  console.log(`locked ${Math.round((Date.now() - lost) / 1000)} s into the outage`);

  server.start();
  await app.gone("[data-test=offline-banner]", 30_000);
  await app.type("[data-test=lock-form] #field-password", PASSWORD);
  await app.click("[data-test=lock-form] button[type=submit]");
  await app.click("[data-test=nav-visits]");
  await app.click("[data-test=visit-queue] [data-test=pick-appointment]");
  await app.find("[data-test=draft-restored]");
  const note = await app.script("return document.querySelector('[data-test=visit-notes]').value");
  assert.equal(note, "Uña encarnada en el primer dedo derecho. Se retira espícula; curación.");
  assert.equal(await app.script("return document.querySelector('[data-test=visit-plan]').value"), "Curación diaria con antiséptico.");
  await app.click("[data-test=save-visit]");
  await eventually(() => psql(server.url, "SELECT notes FROM visits").includes("espícula"), "the note on the server");
  assert.equal(psql(server.url, "SELECT plan FROM visits"), "Curación diaria con antiséptico.");
  assert.equal(kept("SELECT count(*) FROM drafts"), "0", "saved: the draft is gone");
});
