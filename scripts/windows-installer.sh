#!/usr/bin/env bash
# A Windows installer (NSIS .exe) for the reception desks, made on this Linux machine with the
# Tauri bundler: the app cross-built for x86_64-pc-windows-gnu in release, WebView2Loader.dll
# beside it, and WebView2 itself fetched by Microsoft's bootstrapper at install time.
#   bash scripts/windows-installer.sh
# The installer lands in $CARGO_TARGET_DIR-win/x86_64-pc-windows-gnu/release/bundle/nsis/.
#
# The bundler needs one file from GitHub: its NSIS plugin nsis_tauri_utils.dll (v0.5.3 for the
# pinned CLI), which it downloads on every run and checks against a pinned SHA-1. Where github.com
# is not reachable, get that file elsewhere and name it in PODOCLINIC_NSIS_TAURI_UTILS: this
# script checks it against the same hash and hands it to the bundler through a mirror on loopback
# (TAURI_BUNDLER_TOOLS_GITHUB_MIRROR_TEMPLATE, the bundler's own setting for mirrors).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
set -euo pipefail

NSIS_UTILS_PATH=tauri-apps/nsis-tauri-utils/releases/download/nsis_tauri_utils-v0.5.3/nsis_tauri_utils.dll
NSIS_UTILS_SHA1=75197fee3c6a814fe035788d1c34ead39349b860

ensure_toolchains
rustup target list --installed 2>/dev/null | grep -qx x86_64-pc-windows-gnu || rustup target add x86_64-pc-windows-gnu
command -v x86_64-w64-mingw32-gcc >/dev/null || ensure_packages mingw-w64
command -v makensis >/dev/null || ensure_packages nsis
build_ui
export CARGO_TARGET_DIR="$CARGO_TARGET_DIR-win"

mirror_pid=
trap '[ -n "$mirror_pid" ] && kill "$mirror_pid" 2>/dev/null || true' EXIT
if [ -n "${PODOCLINIC_NSIS_TAURI_UTILS:-}" ]; then
  got=$(sha1sum "$PODOCLINIC_NSIS_TAURI_UTILS" | cut -d' ' -f1)
  [ "$got" = "$NSIS_UTILS_SHA1" ] || {
    echo "$PODOCLINIC_NSIS_TAURI_UTILS is not the bundler's nsis_tauri_utils.dll (SHA-1 $got, wanted $NSIS_UTILS_SHA1)" >&2
    exit 1
  }
  mirror=$(mktemp -d)
  mkdir -p "$mirror/$(dirname "$NSIS_UTILS_PATH")"
  cp "$PODOCLINIC_NSIS_TAURI_UTILS" "$mirror/$NSIS_UTILS_PATH"
  port=$((40000 + RANDOM % 20000))
  (cd "$mirror" && exec python3 -m http.server --bind 127.0.0.1 "$port" >/dev/null 2>&1) &
  mirror_pid=$!
  sleep 1
  export TAURI_BUNDLER_TOOLS_GITHUB_MIRROR_TEMPLATE="http://127.0.0.1:$port/<owner>/<repo>/releases/download/<version>/<asset>"
elif [ -z "${TAURI_BUNDLER_TOOLS_GITHUB_MIRROR:-}${TAURI_BUNDLER_TOOLS_GITHUB_MIRROR_TEMPLATE:-}" ] &&
  ! curl -fsSI --max-time 15 "https://github.com/$NSIS_UTILS_PATH" >/dev/null 2>&1; then
  cat >&2 <<MSG
github.com is not reachable from this machine, and the Tauri bundler downloads its NSIS plugin
from there on every run:
  https://github.com/$NSIS_UTILS_PATH  (SHA-1 $NSIS_UTILS_SHA1)
Copy that file here from a machine that reaches GitHub and run
  PODOCLINIC_NSIS_TAURI_UTILS=/path/to/nsis_tauri_utils.dll bash scripts/windows-installer.sh
or point TAURI_BUNDLER_TOOLS_GITHUB_MIRROR_TEMPLATE at a mirror of GitHub's release files
(e.g. https://mirror.example/<owner>/<repo>/releases/download/<version>/<asset>).
MSG
  exit 2
fi

say "Building the Windows installer (release build, Tauri bundler, NSIS)"
(cd "$ROOT/ui" && TAURI_APP_PATH=../src-tauri npx tauri build --target x86_64-pc-windows-gnu --bundles nsis)
installer=$(ls -t "$CARGO_TARGET_DIR"/x86_64-pc-windows-gnu/release/bundle/nsis/*.exe | head -1)
say "Installer: $installer ($(du -h "$installer" | cut -f1))"
