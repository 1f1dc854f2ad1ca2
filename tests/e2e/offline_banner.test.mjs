// End to end: the embedded database (the default with nothing configured) is stopped under a
// running desk; the banner shows within 5 s, the desk starts its database again by itself, the
// banner clears and the next command succeeds, all without restarting the app.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { embeddedCluster, launch } from "./driver.mjs";

test("a stopped embedded database shows the banner, comes back by itself and clears it", async (t) => {
  const app = await launch({ PODOCLINIC_DEMO: "1" });
  t.after(() => app.close());
  await app.find("[data-test=first-admin-form]", 60_000);

  const cluster = embeddedCluster(app);
  t.after(() => cluster.cleanUp());

  const stopping = Date.now();
  cluster.stopFast();
  await app.find("[data-test=offline-banner]", 5_000);
  const noticedMs = Date.now() - stopping;
  console.log(`offline banner shown ${noticedMs} ms after the stop began`);
  assert.ok(noticedMs <= 5_000);

  await app.gone("[data-test=offline-banner]", 30_000);
  console.log(`banner cleared ${Date.now() - stopping} ms after the stop began (the desk started it again)`);

  // The next command works on the same pool: create the first admin.
  await app.type("#field-displayName", "Admin Demo");
  await app.type("#field-username", "admin");
  await app.type("#field-password", "pies contentos 2026");
  await app.click("[data-test=first-admin-submit]");
  await app.find("[data-test=login-form]");
  await sleep(100);
});
