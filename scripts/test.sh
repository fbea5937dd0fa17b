#!/usr/bin/env bash
# Set up everything and run the checks and the whole test suite.
#   scripts/test.sh               # lint, types, tests
#   scripts/test.sh -m reliability   # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export FALSAFA_TEST_PG_DSN=${FALSAFA_TEST_PG_DSN:-$(scripts/postgres.sh)}
# One command a line: under set -e a failure inside an && list does not stop
# the script, so "echo && ruff" would let a lint failure pass.
echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"
.venv/bin/mypy falsafa
echo "== complexity"
.venv/bin/python scripts/complexity.py
echo "== pytest"
.venv/bin/pytest "$@"
