#!/usr/bin/env bash
# `tools/run_tests.sh LINE... [-- PYTEST_ARGS]`: for each Hummingbot line, `tools/setup.sh LINE`, then
# the tests with that line's venv, from the repo root (so that the project's own `test` package, not
# the stdlib's, is the one Hummingbot's harness imports), with a per-test timeout (pytest.ini).
# The default line runs the whole suite; the others run CURRENT_LINE_SUITES (override by passing
# test paths after --). Then each release of SMOKE_LINES (`make test` sets it: 20260302) runs SMOKE_SUITES:
# the plugin's install lifecycle, the registry, the headless auth test, and the source-checkout layout.
# Every line is run; the exit status is non-zero if any line failed.
set -uo pipefail
cd "$(dirname "$0")/.."
CURRENT_LINE_SUITES=${CURRENT_LINE_SUITES:-test/connector test/candles test/emulator test/headless test/reliability test/packaging test/scripts test/strategy_v2 test/bench test/hummingbot_api}
SMOKE_LINES=${SMOKE_LINES:-}
SMOKE_SUITES=${SMOKE_SUITES:-test/packaging/test_install_lifecycle.py test/packaging/test_releases.py \
test/connector/backpack/test_backpack_registry.py test/connector/backpack_perpetual/test_backpack_perpetual_registry.py \
test/candles/test_plugin_registrations.py \
test/headless/test_headless_spot.py::test_auth_test_places_and_cancels_a_post_only_order_and_exits_0 \
test/headless/test_checkout_layout.py}
lines=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do lines+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#lines[@]} -gt 0 ] || lines=(20251103)
status=0
# `run_line LINE [PYTEST_ARGS...]`: set the line up, run pytest with its venv, print the time; status=1 on failure.
run_line() {
  local line=$1 start rc venv=.venv; shift
  start=$(date +%s)
  bash tools/setup.sh "$line" || { status=1; return; }
  [ "$line" = 20251103 ] || venv=.venv-$line
  echo "[test] Hummingbot $line: $venv/bin/python -m pytest $*"
  HB_LINE=$line "$venv/bin/python" -m pytest "$@"
  rc=$?
  [ $rc -eq 0 ] || status=1
  echo "[test] Hummingbot $line: exit $rc after $(( $(date +%s) - start )) s (setup included)"
}
for line in "${lines[@]}"; do
  args=("$@")
  if [ "$line" != 20251103 ] && [ ${#args[@]} -eq 0 ]; then
    for suite in $CURRENT_LINE_SUITES; do [ -d "$suite" ] && args+=("$suite"); done
  fi
  run_line "$line" "${args[@]}"
done
read -r -a smoke_suites <<< "$SMOKE_SUITES"
for line in $SMOKE_LINES; do
  run_line "$line" "${smoke_suites[@]}"  # install, registry, headless auth, checkout layout
done
exit $status
