// End to end: the desk's own database (the embedded default) is killed outright (SIGKILL to its
// server). The banner says so, and the desk starts its cluster again by itself: back within 30 s,
// and the next command works, without anyone restarting the app.
import { test } from "node:test";
import assert from "node:assert/strict";
import { embeddedCluster, launch } from "./driver.mjs";

test("the embedded database killed with SIGKILL comes back by itself", async (t) => {
  const app = await launch({ PODOCLINIC_DEMO: "1" });
  t.after(() => app.close());
  await app.find("[data-test=first-admin-form]", 60_000);
  const cluster = embeddedCluster(app);
  t.after(() => cluster.cleanUp());
  const pid = cluster.pid();

  const killed = Date.now();
  process.kill(pid, "SIGKILL");
  await app.find("[data-test=offline-banner]", 5_000);
  await app.gone("[data-test=offline-banner]", 30_000);
  const back = Date.now() - killed;
  console.log(`the killed cluster was back by itself after ${back} ms`);
  assert.ok(back <= 30_000);
  assert.notEqual(cluster.pid(), pid, "a new server runs");

  await app.type("#field-displayName", "Admin Demo");
  await app.type("#field-username", "admin");
  await app.type("#field-password", "pies contentos 2026");
  await app.click("[data-test=first-admin-submit]");
  await app.find("[data-test=login-form]");
});
