#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 for the test suite
# and print a DSN for it. Starts the machine's cluster if it is stopped.
set -euo pipefail
port=${PGPORT:-5432}
ready() { pg_isready -h 127.0.0.1 -p "$port" -q 2>/dev/null; }
if ! ready; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [[ -d /etc/postgresql ]]; then
    version=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf "%f\n" | sort -V | tail -1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || pg_ctlcluster "$version" main start >&2
  fi
  for _ in $(seq 1 50); do ready && break; sleep 0.2; done
fi
ready || { echo "PostgreSQL is not reachable on 127.0.0.1:$port" >&2; exit 1; }
# A fresh Debian cluster asks for passwords over TCP: give postgres one
# (on a trust-auth machine this changes nothing).
if [[ $(id -u) -eq 0 ]] && id postgres >/dev/null 2>&1; then
  su postgres -c "psql -q -p $port -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null 2>&1 || true
fi
echo "postgresql://postgres:postgres@127.0.0.1:$port/postgres"
