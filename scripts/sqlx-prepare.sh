#!/usr/bin/env bash
# The SQL is checked at compile time (sqlx::query! and friends): the core's against the schema the
# PostgreSQL migrations make, the desk store's (local/) against the SQLite one its migrations make.
# `.sqlx/` holds what the macros learned, so a clone builds with SQLX_OFFLINE=true and no database.
# This script rebuilds that metadata from scratch databases:
#   bash scripts/sqlx-prepare.sh           rewrite .sqlx/ (after changing a query or a migration)
#   bash scripts/sqlx-prepare.sh --check   fail if .sqlx/ is not what the queries need now
# It needs DATABASE_URL (a server where it may create a database), psql and sqlite3.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/podoclinic/target}"
: "${DATABASE_URL:?DATABASE_URL must name a PostgreSQL server where a scratch database may be created}"

scratch="podoclinic_sqlx_$$"
base="${DATABASE_URL%%\?*}"
server="${base%/*}"
scratch_url="$server/$scratch"
out="$(mktemp -d)"
local_db="$(mktemp -d)/desk.sqlite3"
cleanup() {
  psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $scratch WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$out" "$(dirname "$local_db")"
}
trap cleanup EXIT

psql "$DATABASE_URL" -qc "CREATE DATABASE $scratch" >/dev/null
for m in "$ROOT"/migrations/*.sql; do
  psql "$scratch_url" -q -v ON_ERROR_STOP=1 --single-transaction -f "$m" >/dev/null
done

for m in "$ROOT"/local/migrations/*.sql; do
  sqlite3 -bail "$local_db" <"$m"
done

# Every query macro expands again, online, and writes its metadata into $out: the desk store's
# against SQLite, then the core's against PostgreSQL. A macro reads DATABASE_URL when its crate
# compiles, and one build has one DATABASE_URL (sqlx.toml could name another per crate, but its
# `toml` cannot live beside gtk's `proc-macro-crate`). So the same command runs twice: the first
# run builds the store against SQLite and then fails in the core (whose PostgreSQL queries meet
# SQLite: expected, and only there); the second, against PostgreSQL, finds the store built with
# the very same features and compiles only the core.
touch "$ROOT/local/src/lib.rs" "$ROOT/core/src/lib.rs"
check_core() {
  (cd "$ROOT" && SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$out" \
    cargo check -p podoclinic-core --all-targets --locked --quiet --message-format short 2>&1)
}
if first=$(DATABASE_URL="sqlite://$local_db" check_core); then
  echo "the core compiled against SQLite: its queries are not checked against PostgreSQL" >&2
  exit 1
fi
if grep -q 'could not compile `podoclinic-local`' <<<"$first" || ! grep -q 'could not compile `podoclinic-core`' <<<"$first"; then
  grep -v '^core/' <<<"$first" >&2
  exit 1
fi
DATABASE_URL="$scratch_url" check_core

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
