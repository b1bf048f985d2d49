#!/usr/bin/env bash
# Runs the whole test suite with a per-test timeout (pytest.ini), from the repo root so that the
# project's own `test` package (not the stdlib's) is the one Hummingbot's harness imports.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m pytest "$@"
