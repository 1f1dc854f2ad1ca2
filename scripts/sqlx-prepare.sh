#!/usr/bin/env bash
# The SQL is checked at compile time (sqlx::query! and friends): the clinic's and the desk's against
# the schema the PostgreSQL migrations make, the desk store's (store/) against the SQLite one its
# migrations make.
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
store_db="$(mktemp -d)/desk.sqlite3"
cleanup() {
  psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $scratch WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$out" "$(dirname "$store_db")"
}
trap cleanup EXIT

psql "$DATABASE_URL" -qc "CREATE DATABASE $scratch" >/dev/null
for m in "$ROOT"/migrations/*.sql; do
  psql "$scratch_url" -q -v ON_ERROR_STOP=1 --single-transaction -f "$m" >/dev/null
done

for m in "$ROOT"/store/migrations/*.sql; do
  sqlite3 -bail "$store_db" <"$m"
done

# Every query macro expands again, online, and writes its metadata into $out: the desk store's
# against SQLite, then the clinic's and the desk's against PostgreSQL. A macro reads DATABASE_URL
# when its crate compiles, and one build has one DATABASE_URL (sqlx.toml could name another per
# crate, but its `toml` cannot live beside gtk's `proc-macro-crate`). So the same command runs
# twice: the first run, against SQLite, builds the store and fails in the clinic crate (whose
# PostgreSQL queries meet SQLite: expected, and only there; --keep-going lets the store finish,
# which does not depend on it); the second, against PostgreSQL, finds the store built with the very
# same features and compiles the clinic and the desk (with the demo's history, whose queries are
# checked too).
touch "$ROOT/store/src/lib.rs" "$ROOT/clinic/src/lib.rs" "$ROOT/desk/src/lib.rs"
check_queries() {
  (cd "$ROOT" && SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$out" \
    cargo check -p podoclinic-store -p podoclinic-clinic -p podoclinic-desk --all-targets --keep-going --locked \
      --features podoclinic-desk/demo-history --quiet --message-format short 2>&1)
}
if first=$(DATABASE_URL="sqlite://$store_db" check_queries); then
  echo "the clinic crate compiled against SQLite: its queries are not checked against PostgreSQL" >&2
  exit 1
fi
if grep -q 'could not compile `podoclinic-store`' <<<"$first" || ! grep -q 'could not compile `podoclinic-clinic`' <<<"$first"; then
  grep -v '^clinic/' <<<"$first" >&2
  exit 1
fi
DATABASE_URL="$scratch_url" check_queries

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
