#!/usr/bin/env bash
# `make compat [RELEASES="20260302 20260729"]`: for every Hummingbot release from 20251103 on
# (hummingbot_backpack/releases.py KNOWN_RELEASES, or the ones given), in turn:
#   setup     tools/setup.sh RELEASE: its wheel (built from the sdist once, 4-6 min of 2 cores, kept in
#             .cache/hb-wheels/), .venv-RELEASE with its dependencies, the plugin;
#   install   the install / reinstall / uninstall lifecycle on its real wheel (Hummingbot's files untouched);
#   registry  connector registry, candles feeds and rate source resolve to ours;
#   e2e       the connectors end to end against the emulator (spot, perp, hummingbot-api call sequences),
#             the headless auth test, and the source-checkout layout.
# Each result goes to tools/compat_results.json (kept between runs: a partial run adds its releases) and the
# README's table is rewritten from it (tools/compat_report.py). Venvs of releases other than 20251103,
# 20260922 and 20260302 are deleted after their run (about 1 GB each) unless COMPAT_KEEP_VENVS=1.
set -uo pipefail
cd "$(dirname "$0")/.."
KEEP_VENVS=${COMPAT_KEEP_VENVS:-0}
KEPT_LINES="20251103 20260922 20260302"
INSTALL_SUITES="test/packaging/test_install_lifecycle.py"
REGISTRY_SUITES="test/connector/backpack/test_backpack_registry.py test/connector/backpack_perpetual/test_backpack_perpetual_registry.py test/candles/test_plugin_registrations.py"
E2E_SUITES="test/connector/backpack/test_backpack_e2e_emulator.py test/connector/backpack_perpetual/test_backpack_perpetual_e2e_emulator.py test/hummingbot_api test/headless/test_headless_spot.py::test_auth_test_places_and_cancels_a_post_only_order_and_exits_0 test/headless/test_checkout_layout.py"

releases=("$@")
if [ ${#releases[@]} -eq 0 ]; then
  read -r -a releases <<< "$(sed -n '/^KNOWN_RELEASES/,/^)/p' hummingbot_backpack/releases.py | grep -o '"20[0-9]*"' | tr -d '"' | tr '\n' ' ')"
fi
mkdir -p .make/compat
status=0
for release in "${releases[@]}"; do
  log=.make/compat/$release.log
  venv=.venv; [ "$release" = 20251103 ] || venv=.venv-$release
  echo "[compat] Hummingbot $release: setup (log: $log)"
  start=$(date +%s)
  results=()
  if bash tools/setup.sh "$release" >"$log" 2>&1; then
    results+=("setup=pass:$(( $(date +%s) - start ))")
    for group in install registry e2e; do
      case $group in
        install) suites=$INSTALL_SUITES ;;
        registry) suites=$REGISTRY_SUITES ;;
        e2e) suites=$E2E_SUITES ;;
      esac
      t0=$(date +%s)
      read -r -a paths <<< "$suites"
      if HB_LINE=$release nice "$venv/bin/python" -m pytest "${paths[@]}" >>"$log" 2>&1; then outcome=pass; else outcome=fail; status=1; fi
      results+=("$group=$outcome:$(( $(date +%s) - t0 ))")
      echo "[compat] Hummingbot $release: $group $outcome ($(( $(date +%s) - t0 )) s)"
    done
  else
    results+=("setup=fail:$(( $(date +%s) - start ))")
    status=1
    echo "[compat] Hummingbot $release: setup failed (see $log)"
  fi
  version_file=$("$venv/bin/python" -c 'import hummingbot, os; print(open(os.path.join(os.path.dirname(hummingbot.__file__), "VERSION")).read().strip())' 2>/dev/null || echo "")
  python3 tools/compat_report.py record "$release" "$version_file" "${results[@]}"
  if [ "$KEEP_VENVS" != 1 ] && [[ " $KEPT_LINES " != *" $release "* ]]; then
    rm -rf "$venv" ".make/$release"
  fi
done
python3 tools/compat_report.py readme
exit $status
