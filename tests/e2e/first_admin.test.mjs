// End to end in the real app (WebKitWebDriver via tauri-driver, under Xvfb), on a fresh database:
// a new clinic creates its first admin, is told clearly about a bad password, and signs in.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launchOnFreshDatabase, psql } from "./driver.mjs";

test("a new clinic creates its first admin and signs in", async (t) => {
  const { db, app } = await launchOnFreshDatabase(t);

  await app.find("[data-test=first-admin-form]", 60_000);
  await app.type("#field-displayName", "Dra. Lucía Hernández");
  await app.type("#field-username", "lucia");
  await app.type("#field-password", "corta");
  await app.click("[data-test=first-admin-submit]");
  const error = await app.text("[data-test=form-error]");
  assert.match(error, /Contraseña/, "the error names the field");
  assert.match(error, /8 caracteres/);
  assert.equal(psql(db.url, "SELECT count(*) FROM users"), "0", "a refused form stores nothing");

  await app.type("#field-password", "uñas sanas y felices");
  await app.click("[data-test=first-admin-submit]");
  await app.find("[data-test=login-form]");
  await app.textIs("[data-test=login-notice]", /Inicie sesión/);

  await app.type("#field-password", "uñas sanas y felices");
  await app.click("[data-test=login-submit]");
  await app.textIs("[data-test=signed-in-as]", "Dra. Lucía Hernández");
  await app.find("[data-test=nav-agenda]");
  await app.find("[data-test=open-admin]");

  // The app's own entries, and the database's witness of the new account (migration 19), naming
  // the fields written and never the password's hash.
  const actions = psql(db.url, "SELECT string_agg(action, ',' ORDER BY id) FROM audit_log WHERE action NOT LIKE 'db.%'");
  assert.equal(actions, "user.create_first_admin,login.success");
  const witness = psql(db.url, "SELECT entity || ':' || (after->>'username') || ':' || (after->>'password_hash') FROM audit_log WHERE action = 'db.insert'");
  assert.equal(witness, "users:lucia:secreto (cambió)");

  // The admin window follows the main window's lock: what it shows goes at once.
  const main = (await app.windows())[0];
  const known = await app.windows();
  await app.click("[data-test=open-admin]");
  await app.switchToNewWindow(known);
  await app.find("[data-test=tab-users]");
  await app.switchToWindow(main);
  await app.click("[data-test=lock]");
  await app.switchToWindow((await app.windows()).find((h) => h !== main));
  await app.gone("[data-test=tab-users]", 5_000);
  await app.switchToWindow(main);
  const role = psql(db.url, "SELECT r.builtin FROM users u JOIN roles r ON r.id = u.role_id");
  assert.equal(role, "admin");
});
