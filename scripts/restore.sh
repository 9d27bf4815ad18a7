#!/usr/bin/env bash
# Restore a backup made by backup.sh into an EMPTY database and data directory.
# Usage: scripts/restore.sh BACKUP_DIR   (SMARTHALL_DATABASE_URL names the target database; SMARTHALL_DATA_DIR the
# target data directory; the key files must be put back separately)
set -euo pipefail
src=${1:?usage: restore.sh BACKUP_DIR}
url=${SMARTHALL_DATABASE_URL:?SMARTHALL_DATABASE_URL is not set}
data=${SMARTHALL_DATA_DIR:?SMARTHALL_DATA_DIR is not set}
( cd "$src" && sha256sum --check --quiet SHA256SUMS )
pg_url=${url/postgresql+psycopg:/postgresql:}
pg_restore --no-owner --exit-on-error --dbname="$pg_url" "$src/db.dump"
mkdir -p "$data"
tar -C "$data" -xzf "$src/files.tar.gz"
echo "restored $src"
