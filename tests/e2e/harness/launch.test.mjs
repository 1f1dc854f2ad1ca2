// The app under a driver leaves nothing behind: `close()` ends the driver's whole process group,
// even a driver that ignores SIGTERM with a child of its own still running (a CI run once hung for
// an hour on such leftovers holding the test runner's output pipe).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

process.env.TAURI_DRIVER = resolve(import.meta.dirname, "fake-tauri-driver.mjs");
const { eventually, launch } = await import("../driver.mjs");

/** Whether `pid` runs (a zombie waiting for its parent to reap it does not). */
const alive = (pid) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

test("closing a session kills the driver and everything it started, though the driver ignores SIGTERM", async () => {
  const pidFile = join(mkdtempSync(join(tmpdir(), "podoclinic-harness-")), "child.pid");
  const app = await launch({ FAKE_DRIVER_CHILD_PID_FILE: pidFile }, undefined, { application: process.execPath });
  const child = await eventually(() => Number(readFileSync(pidFile, "utf8")) || undefined, "the driver's child");
  assert.ok(alive(child), "the driver's child runs while the session does");
  await app.close();
  await eventually(() => !alive(child), "the driver's child gone", 2_000);
});
