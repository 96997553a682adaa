#!/usr/bin/env bash
# Start the local Debian PostgreSQL cluster (if needed), make sure a test role and database exist,
# and print the SQLAlchemy URL of that database on stdout. Used by `make test` and `.ci/run`.
set -euo pipefail
PGUSER_NAME=${MINEGAS_PG_ROLE:-minegas}
PGDB_NAME=${MINEGAS_PG_DB:-minegas_test}
PGPASS=${MINEGAS_PG_PASSWORD:-minegas}
if ! command -v pg_lsclusters >/dev/null 2>&1; then
  echo "pg-test-server: PostgreSQL is not installed (scripts/system-deps.sh installs it)" >&2; exit 1
fi
read -r ver name port status _ < <(pg_lsclusters --no-header | head -n 1) || true
if [ -z "${ver:-}" ]; then
  ver=$(ls /usr/lib/postgresql | sort -V | tail -n 1); name=main
  pg_createcluster "$ver" "$name" >/dev/null
  read -r ver name port status _ < <(pg_lsclusters --no-header | head -n 1)
fi
if [ "$status" != "online" ]; then
  pg_ctlcluster "$ver" "$name" start >&2
fi
as_pg() { if [ "$(id -u)" -eq 0 ]; then (cd / && su postgres -c "$1"); else eval "$1"; fi; }  # cd /: the postgres user may not read the cwd
for _ in $(seq 1 30); do as_pg "psql -p $port -qtAc 'select 1'" >/dev/null 2>&1 && break; sleep 0.5; done
as_pg "psql -p $port -qtAc \"select 1 from pg_roles where rolname='$PGUSER_NAME'\"" | grep -q 1 \
  || as_pg "psql -p $port -qc \"create role $PGUSER_NAME login createdb password '$PGPASS'\"" >&2
as_pg "psql -p $port -qtAc \"select 1 from pg_database where datname='$PGDB_NAME'\"" | grep -q 1 \
  || as_pg "psql -p $port -qc \"create database $PGDB_NAME owner $PGUSER_NAME\"" >&2
echo "postgresql+psycopg://$PGUSER_NAME:$PGPASS@127.0.0.1:$port/$PGDB_NAME"
