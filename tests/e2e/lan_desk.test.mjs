// End to end in the real app: a desk set up as the README's LAN section says. The server holds
// an owner login, the desks' group and a desk login; the desk's profile names the desk login (its
// password is not in a keyring here, so the desk asks for it). The database is empty: the desk
// says it needs the owner, an admin gives the owner's login once in the admin window, and the
// desk then works as its own login (tables owned by the owner, audit rows written by the desk).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launch, psql, withDatabase } from "./driver.mjs";

const SERVER = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

test("a LAN desk runs as its desk login after the owner creates the schema once", async (t) => {
  const tag = `${Date.now()}_${process.pid}`;
  const [owner, desk, database] = [`owner_${tag}`, `desk_${tag}`, `clinic_${tag}`];
  psql(SERVER, `CREATE ROLE ${owner} LOGIN PASSWORD 'clave-del-propietario'`);
  psql(SERVER, "DO $$ BEGIN CREATE ROLE podoclinic_app NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$");
  psql(SERVER, `CREATE ROLE ${desk} LOGIN PASSWORD 'clave-de-recepcion' IN ROLE podoclinic_app`);
  psql(SERVER, `CREATE DATABASE ${database} OWNER ${owner}`);
  const url = new URL(SERVER);
  const profile = {
    deskName: "Recepción LAN",
    connection: {
      kind: "server",
      host: url.hostname,
      port: Number(url.port || 5432),
      database,
      user: desk,
      sslMode: "prefer",
      sslRootCert: null,
    },
  };
  const app = await launch({ PODOCLINIC_DATABASE_URL: "" }, (dirs) => {
    mkdirSync(join(dirs, "config"), { recursive: true });
    writeFileSync(join(dirs, "config", "desk.json"), JSON.stringify(profile));
  });
  t.after(async () => {
    await app.close();
    psql(SERVER, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    psql(SERVER, `DROP ROLE IF EXISTS ${desk}`);
    psql(SERVER, `DROP ROLE IF EXISTS ${owner}`);
  });

  // No keyring here: the desk asks for its login's password.
  await app.type("#field-password", "clave-de-recepcion");
  await app.click("[data-test=db-password-submit]");
  // The database is empty and a desk login may not create it.
  await app.find("[data-test=db-configure]");
  const main = (await app.windows())[0];
  const known = await app.windows();
  await app.click("[data-test=db-configure]");
  await app.switchToNewWindow(known);
  await app.type("#field-user", owner);
  await app.type("#field-password", "clave-del-propietario");
  await app.click("[data-test=upgrade-database]");
  await app.find("[data-test=upgrade-done]", 60_000).catch(async (e) => {
    await app.screenshot("/tmp/lan-desk-failure.png");
    throw e;
  });
  await app.switchToWindow(main);
  await app.firstAdminAndLogin("Dra. Red Local", "admin", "uñas sanas en la red");

  const db = withDatabase(SERVER, database);
  assert.equal(psql(db, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"), owner, "the owner owns the schema");
  assert.equal(
    psql(db, "SELECT string_agg(DISTINCT db_login, ',') FROM audit_log WHERE action IN ('user.create_first_admin', 'login.success')"),
    desk,
    "the desk wrote its day as its own login",
  );
  assert.equal(psql(db, "SELECT count(*) FROM _sqlx_migrations WHERE success"), psql(db, "SELECT count(*) FROM _sqlx_migrations"));
});
