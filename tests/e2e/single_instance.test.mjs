// End to end: one app per desk. A second launch for the same desk hands over to the running app
// (through the session bus, as on a desktop) and exits; without a session bus the desk's folder
// lock still keeps it from running beside the first. Either way the desk's own database keeps
// running under the first app, which alone stops it when it closes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { APP, embeddedCluster, eventually, launch } from "./driver.mjs";

/** A session bus of the test's own; resolves to its address. */
function sessionBus(t) {
  const bus = spawn("dbus-daemon", ["--session", "--nofork", "--print-address=1"], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => bus.kill());
  return new Promise((resolve, reject) => {
    bus.stdout.once("data", (chunk) => resolve(String(chunk).trim()));
    bus.once("error", reject);
  });
}

/** Launches the app binary again with `env`, as a person double-clicking it would; its exit. */
function launchAgain(env) {
  const started = Date.now();
  const run = spawnSync(APP, [], { env, timeout: 60_000, encoding: "utf8" });
  return { status: run.status, signal: run.signal, stderr: run.stderr, ms: Date.now() - started };
}

test("a second launch hands over to the running desk; the cluster is stopped only by the app that runs it", async (t) => {
  const bus = await sessionBus(t);
  const app = await launch({ DBUS_SESSION_BUS_ADDRESS: bus });
  t.after(() => app.close().catch(() => undefined));
  await app.find("[data-test=first-admin-form]", 60_000);
  const cluster = embeddedCluster(app);
  t.after(() => cluster.cleanUp());
  const pid = cluster.pid();

  // Through the session bus: the second process hands over and exits.
  const second = launchAgain(app.env);
  assert.deepEqual([second.status, second.signal], [0, null], "the second launch exits by itself");
  // Without one: the desk's folder is held, and the third process exits too.
  const { DBUS_SESSION_BUS_ADDRESS: _, ...noBus } = app.env;
  const third = launchAgain({ ...noBus, DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent" });
  assert.deepEqual([third.status, third.signal], [0, null]);
  // Only the third got as far as the folder's lock: the second handed over before starting.
  assert.doesNotMatch(second.stderr, /already open in another process/);
  assert.match(third.stderr, /this desk is already open in another process/);
  console.log(`second launch handed over in ${second.ms} ms; without a bus, refused in ${third.ms} ms`);

  // The first app and its database are untouched.
  assert.equal(cluster.pid(), pid, "the same database server runs");
  await app.type("#field-displayName", "Admin Uno");
  await app.type("#field-username", "admin");
  await app.type("#field-password", "una sola ventana 26");
  await app.click("[data-test=first-admin-submit]");
  await app.find("[data-test=login-form]");

  // The app that runs the cluster stops it when it is closed (as the system closes it: SIGTERM).
  const pidOfApp = execFileSync("pgrep", ["-n", "-f", APP], { encoding: "utf8" }).trim();
  process.kill(Number(pidOfApp), "SIGTERM");
  await eventually(() => !existsSync(`${cluster.data}/postmaster.pid`), "the cluster stopped with its app", 30_000);
});
