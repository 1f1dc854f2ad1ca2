# Shared by run.sh and test.sh: install what is missing (Debian), build the UI, pick the cargo
# target directory. Sourced, not run.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/podoclinic/target}"
# The clinic's, the desk's and the store's SQL is checked at compile time against the committed metadata in .sqlx/, never
# against whatever DATABASE_URL names (scripts/sqlx-prepare.sh refreshes and checks .sqlx/).
export SQLX_OFFLINE=true

say() { printf '\033[1;36m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian packages: the Tauri/WebKitGTK build deps, the keyring's D-Bus, OpenSSL's libcrypto (the
# desk store's encryption), PostgreSQL (whose binaries the app runs its private cluster from), and
# for a machine without a desktop a display (Xvfb) and a keyring (gnome-keyring, dbus-run-session);
# xdotool answers the system's file dialog in the end-to-end tests, as a person's keyboard would.
APP_PACKAGES=(build-essential pkg-config curl libwebkit2gtk-4.1-dev libsoup-3.0-dev libgtk-3-dev
  librsvg2-dev libayatana-appindicator3-dev libssl-dev libdbus-1-dev postgresql postgresql-contrib
  postgresql-client xvfb dbus-daemon gnome-keyring xdotool)

ensure_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "Installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

ensure_toolchains() {
  command -v cargo >/dev/null || { echo "Rust (cargo) is required: https://rustup.rs" >&2; exit 1; }
  command -v npm >/dev/null || ensure_packages nodejs npm
}

build_ui() {
  say "Building the UI"
  cd "$ROOT/ui"
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
  npm run --silent build
  cd "$ROOT"
}

# One cargo invocation for the app and every test target, so both share one feature set and one
# build (a separate `cargo build -p podoclinic` would rebuild Tauri with other features). The demo
# clinic's history comes with it: the service tests ask for the desk's `demo-history` feature, and
# one build has one feature set.
build_rust() {
  say "Building the app and tests (target: $CARGO_TARGET_DIR)"
  cd "$ROOT"
  cargo build --workspace --all-targets --locked
}

# A virtual display when there is no real one (build machines, CI).
ensure_display() {
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    local n=$((90 + RANDOM % 100))
    Xvfb ":$n" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
    XVFB_PID=$!
    export DISPLAY=":$n"
    for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
    say "No display found: using a virtual one (Xvfb $DISPLAY)"
  fi
}

# Runs CMD where the OS keyring answers, as the desk keeps its store's key there. A desktop
# session has its own (its session bus is set); a build machine has none: CMD then runs on a
# session bus of its own, with gnome-keyring's Secret Service and its login keyring unlocked with a
# fixed word (such a machine holds no one's keys but the demo's and the tests'). Should that keyring
# not open, CMD runs all the same: the desk then keeps nothing for an outage.
with_keyring() {
  if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
    "$@"
    return
  fi
  # shellcheck disable=SC2016
  dbus-run-session -- bash -c '
    printf podoclinic | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
    keyring=$!
    for _ in $(seq 50); do
      dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
        string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true" && break
      sleep 0.1
    done
    "$@"
    status=$?
    kill "$keyring" 2>/dev/null
    exit $status' with_keyring "$@"
}

# Stages of a long script, timed: `stage NAME` ends the one before and starts NAME; at exit, one
# line per stage in STAGE_ORDER with its time and how it ended (a stage never reached says so), so
# a slow or failing stage is seen at once. `on_exit CMD` adds clean-up to the same exit trap.
STAGE_ORDER=()
declare -A STAGE_SECONDS=() STAGE_RESULT=()
STAGE_NAME="" STAGE_START=0 SCRIPT_START=$SECONDS EXIT_CLEANUP=()
stage() {
  stage_end ok
  STAGE_NAME=$1 STAGE_START=$SECONDS
  say "[$1]${2:+ $2}"
}
stage_end() {
  [ -n "$STAGE_NAME" ] || return 0
  STAGE_SECONDS[$STAGE_NAME]=$((SECONDS - STAGE_START))
  STAGE_RESULT[$STAGE_NAME]=$1
  STAGE_NAME=""
}
on_exit() { EXIT_CLEANUP+=("$*"); }

# The warm target folders outside the clone keep every build's test executables, a few hundred MB
# each and some fifty per build: of each test (or binary) only the newest is kept, so a machine
# that runs the test command again and again does not fill its disk (one did: a linker died of it
# in the middle of a run). `--list` says what would go, removing nothing.
prune_stale_executables() {
  local dir
  for dir in "$CARGO_TARGET_DIR/debug/deps" "$CARGO_TARGET_DIR-win/x86_64-pc-windows-gnu/debug/deps"; do
    [ -d "$dir" ] || continue
    find "$dir" -maxdepth 1 -type f \( -name '*.exe' -o \( -perm -u+x ! -name '*.*' \) \) -printf '%T@ %f\n' |
      sort -rn |
      awk '{ name = $2; sub(/-[0-9a-f]+(\.exe)?$/, "", name); if (seen[name]++) print $2 }' |
      while read -r stale; do
        if [ "${1:-}" = --list ]; then echo "$dir/$stale"; else rm -f "$dir/$stale"; fi
      done
  done
}
print_stages() {
  local rc=$? passed=0 failed=0 name line
  stage_end "$([ "$rc" = 0 ] && echo ok || echo "FAILED (exit $rc)")"
  for line in "${EXIT_CLEANUP[@]}"; do eval "$line" || true; done
  [ ${#STAGE_ORDER[@]} -gt 0 ] || return "$rc"
  say "Stages"
  for name in "${STAGE_ORDER[@]}"; do
    if [ -n "${STAGE_RESULT[$name]:-}" ]; then
      printf '  %-22s %5d s  %s\n' "$name" "${STAGE_SECONDS[$name]}" "${STAGE_RESULT[$name]}"
      if [ "${STAGE_RESULT[$name]}" = ok ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    else
      printf '  %-22s %7s  %s\n' "$name" "" "not reached"
    fi
  done
  printf '  %-22s %5d s\n' "total" "$((SECONDS - SCRIPT_START))"
  printf 'stages: %d passed, %d failed\n' "$passed" "$failed"
  return "$rc"
}
trap print_stages EXIT
