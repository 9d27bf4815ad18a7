#!/usr/bin/env bash
# Back up the platform: a consistent pg_dump (custom format) of the database, and the files under the data
# directory that the database points at (archive store, uploads, documents) — never the key files, which are
# backed up apart (offline, two people). Usage: scripts/backup.sh DEST_DIR   (reads SMARTHALL_* from the env)
set -euo pipefail
dest=${1:?usage: backup.sh DEST_DIR}
url=${SMARTHALL_DATABASE_URL:?SMARTHALL_DATABASE_URL is not set}
data=${SMARTHALL_DATA_DIR:-./var}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$dest/$stamp"
mkdir -p "$out"
pg_url=${url/postgresql+psycopg:/postgresql:}
pg_dump --format=custom --no-owner --file="$out/db.dump" "$pg_url"
tar -C "$data" --exclude=./keys --exclude=./tasks.db -czf "$out/files.tar.gz" .
( cd "$out" && sha256sum db.dump files.tar.gz > SHA256SUMS )
echo "$out"
