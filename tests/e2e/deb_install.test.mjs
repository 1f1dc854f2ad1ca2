// The app as a clinic installs it: the `.deb` the Tauri bundler makes (scripts/test.sh bundles the
// tested build) is installed with apt on this Debian machine, declares what it needs, puts a
// desktop entry and icons in place; the installed binary, started with empty folders under a
// fresh home, brings up its own database and shows the create-admin screen; uninstalling it
// leaves the clinic's data where it was.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { APP, embeddedCluster, launch } from "./driver.mjs";

const BUNDLE = join(APP, "..", "bundle", "deb");
const INSTALLED = "/usr/bin/podoclinic";

function sh(cmd, args) {
  return execFileSync(cmd, args, { encoding: "utf8", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

test("the .deb installs, the installed app starts on empty folders, and uninstalling keeps the clinic's data", async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip("installing a package needs root (CI runs as root)");
    return;
  }
  const deb = process.env.PODOCLINIC_DEB ?? join(BUNDLE, readdirSync(BUNDLE).find((f) => f.endsWith(".deb")) ?? "missing.deb");
  assert.ok(existsSync(deb), `no package at ${deb}: scripts/test.sh bundles it`);
  const size = statSync(deb).size;

  // What the package declares: its dependencies, the desktop entry and the icons.
  const control = sh("dpkg-deb", ["-f", deb]);
  for (const needed of ["postgresql", "libwebkit2gtk-4.1-0", "libgtk-3-0"]) {
    assert.match(control, new RegExp(`Depends:.*\\b${needed.replace(/[.]/g, "\\.")}\\b`), `declares ${needed}`);
  }
  const files = sh("dpkg-deb", ["-c", deb]);
  assert.match(files, /usr\/bin\/podoclinic$/m);
  assert.match(files, /usr\/share\/applications\/Podoclinic\.desktop$/m);
  assert.match(files, /usr\/share\/icons\/hicolor\/128x128\/apps\/podoclinic\.png$/m);

  const wasInstalled = existsSync(INSTALLED);
  assert.ok(!wasInstalled, "a podoclinic package is already installed on this machine; remove it first");
  const started = process.hrtime.bigint();
  sh("apt-get", ["install", "-y", "-q", "--no-install-recommends", deb]);
  const installMs = Number(process.hrtime.bigint() - started) / 1e6;
  t.after(() => {
    if (existsSync(INSTALLED)) sh("apt-get", ["remove", "-y", "-q", "podoclinic"]);
  });
  console.log(`deb: ${(size / 1048576).toFixed(1)} MiB package, installed in ${(installMs / 1000).toFixed(1)} s`);
  assert.ok(existsSync(INSTALLED), "the binary is installed");
  const entry = readFileSync("/usr/share/applications/Podoclinic.desktop", "utf8");
  assert.match(entry, /^Exec=podoclinic/m);
  assert.match(entry, /^Icon=podoclinic/m);

  // The installed binary with a new user's empty folders: nothing configured, no PODOCLINIC_*
  // overrides; its folders are the platform's under this home.
  const home = mkdtempSync(join(tmpdir(), "podoclinic-home-"));
  const env = { HOME: home, PODOCLINIC_CONFIG_DIR: null, PODOCLINIC_DATA_DIR: null, PODOCLINIC_LOG_DIR: null, PODOCLINIC_DATABASE_URL: null, PODOCLINIC_DEMO: null };
  const app = await launch(env, undefined, { application: INSTALLED });
  const dataDir = join(home, ".local", "share", "mx.podoclinic.desk");
  app.env.PODOCLINIC_LOG_DIR = join(dataDir, "logs");
  let cluster = null;
  t.after(() => {
    cluster?.cleanUp();
    rmSync(home, { recursive: true, force: true });
  });
  await app.find("[data-test=first-admin-form]", 90_000);
  cluster = embeddedCluster(app);
  assert.ok(existsSync(join(cluster.data, "PG_VERSION")), "the desk made its own cluster");
  await app.close();

  // Uninstalled: the program goes, the clinic's data stays.
  sh("apt-get", ["remove", "-y", "-q", "podoclinic"]);
  assert.ok(!existsSync(INSTALLED), "the binary is removed");
  assert.ok(existsSync(join(cluster.data, "PG_VERSION")), "the clinic's database is left in place");
  assert.ok(existsSync(join(cluster.root, "credentials.json")), "and its credentials");
  assert.ok(existsSync(dataDir), "the desk's data folder is left in place");
});
