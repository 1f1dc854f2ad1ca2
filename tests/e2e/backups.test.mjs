// End to end, "Respaldos" in the real admin window: an admin sets the folder and the recovery
// passphrase, takes a backup that is verified, sees it on the dashboard; the clinic goes on; the
// backup is read back (a wrong passphrase is refused by name), its contents are shown against
// today's with what would be lost, and confirming puts it in place: the desks' database holds the
// backup's rows again, the replaced one is kept aside until the admin drops it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { answerFileDialog, eventually, launchOnFreshDatabase, psql } from "./driver.mjs";

const PASSPHRASE = "huellas en la arena mojada";

function addPatients(url, prefix, n) {
  psql(url, `INSERT INTO patients (id, first_name, last_names) SELECT gen_random_uuid(), 'Paciente', '${prefix} ' || g FROM generate_series(1, ${n}) g`);
}

test("a backup is taken and verified, then restored over later changes after a confirmation", async (t) => {
  const { db, app } = await launchOnFreshDatabase(t);
  const folder = mkdtempSync(join(tmpdir(), "podoclinic-respaldos-"));
  const server = new URL(db.url);
  const name = server.pathname.slice(1);
  const maintenance = db.url.replace(`/${name}`, "/postgres");
  t.after(() => {
    for (const kept of psql(maintenance, `SELECT datname FROM pg_database WHERE datname LIKE '${name.slice(0, 20)}%\\_antes\\_%' OR datname LIKE '${name.slice(0, 20)}%\\_restaurada\\_%'`).split("\n").filter(Boolean)) {
      psql(maintenance, `DROP DATABASE IF EXISTS "${kept}" WITH (FORCE)`);
    }
  });
  await app.firstAdminAndLogin("Dra. Admin", "admin", "respaldos seguros 2026");
  addPatients(db.url, "Antes", 6);

  const main = (await app.windows())[0];
  const known = await app.windows();
  await app.click("[data-test=open-admin]");
  await app.switchToNewWindow(known);
  await app.click("[data-test=tab-backups]");
  assert.equal(await app.attribute("[data-test=backup-health]", "data-stale"), "true", "no backup yet: red");

  // Set-up: the folder, a passphrase too short (refused by name), then a good one.
  await app.type("[data-test=backup-settings] #field-folder", folder);
  await app.type("[data-test=backup-settings] #field-passphrase", "corta");
  await app.type("[data-test=backup-settings] #field-passphraseAgain", "corta");
  await app.click("[data-test=backup-settings] button[type=submit]");
  await app.textIs("[data-test=backup-settings] [data-test=form-error]", /Frase de recuperación/);
  assert.equal(psql(db.url, "SELECT recipient IS NULL FROM backup_settings"), "t", "a refused form stores nothing");
  await app.type("[data-test=backup-settings] #field-passphrase", PASSPHRASE);
  await app.type("[data-test=backup-settings] #field-passphraseAgain", PASSPHRASE);
  await app.click("[data-test=backup-settings] button[type=submit]");
  await app.find("[data-test=backup-now]", 60_000);

  const started = Date.now();
  await app.click("[data-test=backup-now]");
  await app.textIs("[data-test=backup-done]", /Verificado/, 120_000);
  console.log(`backup + verification through the UI: ${Date.now() - started} ms`);
  const files = readdirSync(folder).filter((f) => f.endsWith(".backup.age"));
  assert.equal(files.length, 1, "one encrypted file in the folder");
  assert.ok(!readFileSync(join(folder, files[0])).includes("Antes 1"), "no patient's name in clear");
  assert.equal(psql(db.url, "SELECT outcome FROM backups"), "verified");
  await eventually(async () => (await app.attribute("[data-test=backup-health]", "data-stale")) === "false", "the tab turns green");

  // The recovery key is proven on the file itself: a wrong passphrase is refused by name, the
  // right one opens the backup and gives back the dump that was verified.
  await app.type("[data-test=backup-prove] #field-passphrase", "no es la frase de la clínica");
  await app.click("[data-test=prove-key]");
  await app.textIs("[data-test=backup-prove] [data-test=form-error]", /Frase de recuperación/, 60_000);
  await app.type("[data-test=backup-prove] #field-passphrase", PASSPHRASE);
  await app.click("[data-test=prove-key]");
  await app.textIs("[data-test=key-proven]", /abre con la clave de la clínica/, 60_000);
  assert.equal(psql(db.url, "SELECT key_proven_at IS NOT NULL FROM backups"), "t");

  // The dashboard says so too.
  await app.switchToWindow(main);
  await app.click("[data-test=nav-stats]");
  assert.equal(await app.attribute("[data-test=backup-health]", "data-stale"), "false");
  await app.textIs("[data-test=backup-health]", /Último respaldo verificado/);

  // The clinic goes on after the backup.
  addPatients(db.url, "Después", 3);
  assert.equal(psql(db.url, "SELECT count(*) FROM patients"), "9");

  // Restore: a copy elsewhere (a USB drive) is chosen in the system's file dialog; one byte of it
  // changed, it is refused by name as damaged, and nothing is created.
  const admin = (await app.windows()).find((w) => w !== main);
  await app.switchToWindow(admin);
  const usb = mkdtempSync(join(tmpdir(), "podoclinic-usb-"));
  const damaged = readFileSync(join(folder, files[0]));
  damaged[Math.floor(damaged.length / 2)] ^= 0x40;
  writeFileSync(join(usb, files[0]), damaged);
  for (const beside of readdirSync(folder).filter((f) => f !== files[0] && f.startsWith(files[0].replace(".backup.age", "")))) {
    copyFileSync(join(folder, beside), join(usb, beside));
  }
  await app.click("[data-test=pick-backup]");
  await answerFileDialog("Elegir el respaldo a restaurar", join(usb, files[0]));
  await app.textIs("[data-test=restore-file]", files[0]);
  await app.type("[data-test=backup-restore] #field-passphrase", PASSPHRASE);
  await app.click("[data-test=backup-restore] button[type=submit]");
  await app.textIs("[data-test=backup-restore] [data-test=form-error]", /dañado/, 60_000);

  // From the list, a wrong passphrase first.
  await app.click("[data-test=backup-list] button");
  // The file is named, never its folder: the webview holds the list's record, not a path.
  await app.textIs("[data-test=restore-file]", /^podoclinic-\d{8}-\d{6}\.backup\.age$/);
  await app.type("[data-test=backup-restore] #field-passphrase", "no es la frase de la clínica");
  await app.click("[data-test=backup-restore] button[type=submit]");
  await app.textIs("[data-test=backup-restore] [data-test=form-error]", /frase de recuperación/, 60_000);
  await app.type("[data-test=backup-restore] #field-passphrase", PASSPHRASE);
  await app.click("[data-test=backup-restore] button[type=submit]");
  await app.find("[data-test=restore-preview]", 120_000);
  const cells = [];
  for (const n of [1, 2, 3, 4]) cells.push(await app.text(`[data-test=restore-row-patients] td:nth-child(${n})`));
  assert.deepEqual(cells, ["Pacientes", "6", "9", "3"], "in the backup, now, and what would be lost");
  assert.equal(psql(db.url, "SELECT count(*) FROM patients"), "9", "nothing replaced before the confirmation");
  // Each restore asked for is audited when it begins, the damaged copy and the one refused for
  // its passphrase too.
  assert.equal(psql(db.url, "SELECT count(*) FROM audit_log WHERE action = 'backup.restore_start'"), "3");

  await app.click("[data-test=restore-confirm]");
  await app.textIs("[data-test=restore-done]", /_antes_/, 120_000);
  await eventually(() => psql(db.url, "SELECT count(*) FROM patients") === "6", "the desks' database holds the backup's rows");
  assert.equal(psql(db.url, "SELECT count(*) FROM patients WHERE last_names LIKE 'Después%'"), "0");
  assert.equal(psql(db.url, "SELECT count(*) FROM audit_log WHERE action = 'backup.restore'"), "1");

  // The replaced database is kept until the admin drops it.
  await app.find("[data-test=kept-databases]", 30_000);
  await app.click("[data-test=drop-kept]");
  await app.click("[data-test=confirm-drop-kept]");
  await app.gone("[data-test=kept-databases]", 30_000);
  assert.equal(psql(db.url, `SELECT count(*) FROM pg_database WHERE datname LIKE '%\\_antes\\_%' AND datname LIKE '${name.slice(0, 20)}%'`), "0");
});
