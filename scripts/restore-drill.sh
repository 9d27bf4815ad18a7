#!/usr/bin/env bash
# Restore drill: back up the live database, restore it into a scratch database, and compare row counts of every
# table and the audit chain's head, then drop the scratch database. Run it monthly; it prints the time it took.
# Usage: scripts/restore-drill.sh SCRATCH_DB_NAME   (SMARTHALL_DATABASE_URL: the live database)
set -euo pipefail
scratch=${1:?usage: restore-drill.sh SCRATCH_DB_NAME}
url=${SMARTHALL_DATABASE_URL:?SMARTHALL_DATABASE_URL is not set}
pg_url=${url/postgresql+psycopg:/postgresql:}
base=${pg_url%/*}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"; psql -q "$base/postgres" -c "DROP DATABASE IF EXISTS \"$scratch\"" >/dev/null 2>&1 || true' EXIT
started=$(date +%s)
export SMARTHALL_DATA_DIR=${SMARTHALL_DATA_DIR:-./var}
backup=$("$here/backup.sh" "$work")
psql -q "$base/postgres" -c "DROP DATABASE IF EXISTS \"$scratch\"" -c "CREATE DATABASE \"$scratch\""
SMARTHALL_DATABASE_URL="$base/$scratch" SMARTHALL_DATA_DIR="$work/data" "$here/restore.sh" "$backup"
counts() {  # every table's row count in one query (one psql per table took most of the drill's time)
  psql -qAt -F ' ' "$1" -c "SELECT tablename, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM public.%I', tablename), false, true, '')))[1]::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
}
counts "$pg_url" > "$work/live.txt"
counts "$base/$scratch" > "$work/restored.txt"
if ! diff -u "$work/live.txt" "$work/restored.txt"; then
  echo "DRILL FAILED: row counts differ" >&2
  exit 1
fi
head_live=$(psql -qAt "$pg_url" -c "SELECT last_hash FROM audit_chain_head" || true)
head_restored=$(psql -qAt "$base/$scratch" -c "SELECT last_hash FROM audit_chain_head" || true)
[ "$head_live" = "$head_restored" ] || { echo "DRILL FAILED: audit chain head differs" >&2; exit 1; }
echo "drill ok: $(wc -l < "$work/live.txt") tables, files $(du -sh "$work/data" | cut -f1), $(( $(date +%s) - started )) s"
