#!/usr/bin/env bash
# The core's SQL is checked at compile time (sqlx::query! and friends) against the schema the
# migrations make; `.sqlx/` holds what the macros learned, so a clone builds with SQLX_OFFLINE=true
# and no database. This script rebuilds that metadata from a scratch database:
#   bash scripts/sqlx-prepare.sh           rewrite .sqlx/ (after changing a query or a migration)
#   bash scripts/sqlx-prepare.sh --check   fail if .sqlx/ is not what the queries need now
# It needs DATABASE_URL (a server where it may create a database) and psql.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/podoclinic/target}"
: "${DATABASE_URL:?DATABASE_URL must name a PostgreSQL server where a scratch database may be created}"

scratch="podoclinic_sqlx_$$"
base="${DATABASE_URL%%\?*}"
server="${base%/*}"
scratch_url="$server/$scratch"
out="$(mktemp -d)"
cleanup() {
  psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $scratch WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$out"
}
trap cleanup EXIT

psql "$DATABASE_URL" -qc "CREATE DATABASE $scratch" >/dev/null
for m in "$ROOT"/migrations/*.sql; do
  psql "$scratch_url" -q -v ON_ERROR_STOP=1 --single-transaction -f "$m" >/dev/null
done

# Every query macro of the core expands again, online, and writes its metadata into $out.
touch "$ROOT/core/src/lib.rs"
(cd "$ROOT" && SQLX_OFFLINE=false DATABASE_URL="$scratch_url" SQLX_OFFLINE_DIR="$out" \
  cargo check -p podoclinic-core --all-targets --locked --quiet)

if [ "${1:-}" = "--check" ]; then
  if ! diff -r -q "$ROOT/.sqlx" "$out"; then
    echo "The query metadata in .sqlx/ is stale: run 'bash scripts/sqlx-prepare.sh' and commit .sqlx/" >&2
    exit 1
  fi
else
  rm -rf "$ROOT/.sqlx"
  mkdir -p "$ROOT/.sqlx"
  cp "$out"/query-*.json "$ROOT/.sqlx/" 2>/dev/null || true
  echo "wrote $(ls "$ROOT/.sqlx" | wc -l) query files to .sqlx/"
fi
