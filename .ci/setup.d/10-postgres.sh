#!/usr/bin/env bash
# PostgreSQL for the store test suites (pkg/storage, pkg/tasks, chat-service):
# Debian's server on 127.0.0.1:5432, trust auth on loopback, database "test"
# (storagetest's default URL postgres://postgres@127.0.0.1:5432/test). With CI=true
# those suites fail rather than skip when it is missing. Idempotent: installs,
# creates and starts only what is missing. Skipped when DATABASE_URL_TEST is set.
set -euo pipefail

if [ -n "${DATABASE_URL_TEST:-}" ]; then
  echo "10-postgres: DATABASE_URL_TEST is set; not managing a local server"
  exit 0
fi

ready() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; }

if ! ready; then
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "10-postgres: installing postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql
  fi
  ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
  if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$ver main"; then
    echo "10-postgres: creating cluster $ver/main"
    pg_createcluster "$ver" main --port 5432
  fi
  hba="/etc/postgresql/$ver/main/pg_hba.conf"
  if ! grep -qE '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
    # First matching line wins: trust the loopback (a test machine only).
    sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
  fi
  echo "10-postgres: starting cluster $ver/main"
  pg_ctlcluster "$ver" main start || pg_ctlcluster "$ver" main reload
  for _ in $(seq 1 60); do
    ready && break
    sleep 0.5
  done
  if ! ready; then
    echo "10-postgres: PostgreSQL did not become ready on 127.0.0.1:5432" >&2
    exit 1
  fi
fi

if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -qx 1; then
  echo "10-postgres: creating database test"
  createdb -h 127.0.0.1 -U postgres test
fi
psql -h 127.0.0.1 -U postgres -d test -tAc "SELECT 'postgres ready: ' || version()" | head -1
