// End to end: the embedded database (the default with nothing configured) goes away under a
// running desk; the banner shows within 5 s, and clears when the database is back, after which
// the next command succeeds, all without restarting the app.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { launch } from "./driver.mjs";

const asRoot = process.getuid?.() === 0;
const asClusterOwner = (argv) => (asRoot ? ["runuser", ["-u", "postgres", "--", ...argv]] : [argv[0], argv.slice(1)]);

test("losing the database shows the banner and its return clears it", async (t) => {
  const app = await launch({ PODOCLINIC_DEMO: "1" });
  t.after(() => app.close());
  await app.find("[data-test=first-admin-form]", 60_000);

  const root = /local database cluster root=(\S+)/.exec(app.log())?.[1];
  assert.ok(root, "the app logs where its cluster lives");
  const data = join(root, "data");
  // The exact command line the app started the server with, to start it again the same way.
  const opts = readFileSync(join(data, "postmaster.opts"), "utf8").trim();
  const argv = [...opts.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
  const pgCtl = join(argv[0], "..", "pg_ctl");
  t.after(() => {
    // The app was killed by the driver, so it could not stop its cluster: do it here.
    const [c, a] = asClusterOwner([pgCtl, "stop", "-m", "immediate", "-D", data]);
    try {
      execFileSync(c, a, { stdio: "ignore" });
    } catch {
      // already stopped
    }
    rmSync(root, { recursive: true, force: true });
  });

  const [cmd, args] = asClusterOwner([pgCtl, "stop", "-m", "fast", "-w", "-D", data]);
  const stopping = Date.now();
  execFileSync(cmd, args);
  await app.find("[data-test=offline-banner]", 5_000);
  const noticedMs = Date.now() - stopping;
  console.log(`offline banner shown ${noticedMs} ms after the stop began`);
  assert.ok(noticedMs <= 5_000);

  const [startCmd, startArgs] = asClusterOwner(argv);
  const server = spawn(startCmd, startArgs, { detached: true, stdio: "ignore" });
  server.unref();
  const started = Date.now();
  await app.gone("[data-test=offline-banner]", 15_000);
  console.log(`banner cleared ${Date.now() - started} ms after the restart began`);

  // The next command works on the same pool: create the first admin.
  await app.type("#field-displayName", "Admin Demo");
  await app.type("#field-username", "admin");
  await app.type("#field-password", "pies contentos 2026");
  await app.click("[data-test=first-admin-submit]");
  await app.find("[data-test=login-form]");
  await sleep(100);
});
