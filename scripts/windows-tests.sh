#!/usr/bin/env bash
# The core crate's tests, cross-compiled for Windows (x86_64-pc-windows-gnu) and run under Wine:
# money, auth, scheduling, time zones, text limits and the rest behave the same on a Windows desk.
#   bash scripts/windows-tests.sh
# Installs the Rust target, MinGW-w64 and Wine when missing. Wine 8 (Debian 12) has no
# bcryptprimitives.dll, where Rust's std takes its randomness (ProcessPrng): a stand-in built here
# from scripts/windows/bcryptprimitives.c answers it from RtlGenRandom, beside the test binary.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
set -euo pipefail

rustup target list --installed 2>/dev/null | grep -qx x86_64-pc-windows-gnu || rustup target add x86_64-pc-windows-gnu
command -v x86_64-w64-mingw32-gcc >/dev/null || ensure_packages mingw-w64
command -v wine >/dev/null || ensure_packages wine wine64

export CARGO_TARGET_DIR="$CARGO_TARGET_DIR-win"
say "Cross-compiling the core's tests for Windows"
exe=$(cargo test -p podoclinic-core --target x86_64-pc-windows-gnu --locked --no-run --message-format=json-render-diagnostics \
  | sed -n 's/.*"executable":"\([^"]*podoclinic_core[^"]*\.exe\)".*/\1/p' | tail -1)
[ -n "$exe" ] || { echo "no test binary was built" >&2; exit 1; }
x86_64-w64-mingw32-gcc -shared -O2 -o "$(dirname "$exe")/bcryptprimitives.dll" \
  "$ROOT/scripts/windows/bcryptprimitives.c" -ladvapi32

say "Running them under Wine"
export WINEPREFIX="${WINEPREFIX:-$HOME/.cache/podoclinic/wine}" WINEDEBUG=-all
wine="$(command -v wine64 || echo /usr/lib/wine/wine64)"
[ -x "$wine" ] || wine=wine
"$wine" "$exe"
