#!/usr/bin/env bash
# Create .venv and install the package with its test tools; install Debian's
# redis-server (and PostgreSQL for the test suite) when missing and allowed.
#   scripts/setup.sh            # service + tests
#   scripts/setup.sh --service  # service only (no PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."

want_pg=1
[[ "${1:-}" == "--service" ]] && want_pg=0

python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "falsafa needs Python 3.11 or newer ($python is $("$python" --version 2>&1))" >&2; exit 1; }

missing=()
# The service can use any Redis (REDIS_URL); the tests start their own.
if ((want_pg)) || [[ -z "${REDIS_URL:-}" ]]; then
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
fi
if ((want_pg)) && ! command -v pg_ctlcluster >/dev/null 2>&1 && ! command -v pg_isready >/dev/null 2>&1; then
  missing+=(postgresql)
fi
# jemalloc: the service preloads it when present (falsafa.memory; it gives
# memory back after a burst better than glibc) and runs without it; the tests
# check that it is used.
if ! "$python" -c 'import ctypes.util, sys; sys.exit(ctypes.util.find_library("jemalloc") is None)'; then
  if ((want_pg)) || [[ $(id -u) -eq 0 ]]; then
    missing+=(libjemalloc2)
  else
    echo "note: libjemalloc2 is not installed; the service will use glibc's malloc" >&2
  fi
fi
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]} from Debian packages" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "missing: ${missing[*]} — install them (e.g. sudo apt-get install ${missing[*]}) and re-run" >&2
    exit 1
  fi
fi

if [[ ! -x .venv/bin/python ]]; then
  "$python" -m venv .venv
fi
extras=$([[ $want_pg -eq 1 ]] && echo '[test,train]' || echo '')
# Re-installing takes ~10 s even when nothing changed: skip it while
# pyproject.toml and the extras are the same as last time.
stamp_for() { echo ".venv/.falsafa-install-$( (cat pyproject.toml; echo "$1") | sha256sum | cut -c1-16)"; }
stamp=$(stamp_for "$extras")
# A test install covers the service too.
if [[ ! -f "$stamp" && ! -f "$(stamp_for '[test,train]')" ]]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -U pip >/dev/null 2>&1 || true
  log=$(mktemp)
  if ! .venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras}" >"$log" 2>&1; then
    grep -v '^WARNING: Location' "$log" >&2 || true
    rm -f "$log"
    echo "pip install failed" >&2
    exit 1
  fi
  rm -f "$log" .venv/.falsafa-install-*
  touch "$stamp"
fi
.venv/bin/python -c 'import falsafa' || { echo "installation failed" >&2; exit 1; }
