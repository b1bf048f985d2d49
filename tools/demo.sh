#!/usr/bin/env bash
# `make demo [HB_LINE=20260922]`: Hummingbot's headless quickstart runs scripts/backpack_auth_test.py
# against a local Backpack emulator, offline, and exits with the script's status.
#  1. starts the emulator on 127.0.0.1 (free port) with a fresh key pair and USDC=10000, SOL=100;
#  2. starts a local MQTT broker unless one already listens on 127.0.0.1:1883 (headless mode needs one);
#  3. stores the account's keys encrypted, without prompts, in a bot home of its own (data/demo_home,
#     data/demo_home-20260922 on that line),
#     so your conf/ and your password are never touched;
#  4. runs the headless quickstart with BACKPACK_REST_URL / BACKPACK_WS_URL pointing at the emulator;
#  5. shows the script's log lines and stops everything it started. Bounded in time; rerunnable.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
LINE=${HB_LINE:-20251103}
VENV=.venv; [ "$LINE" = 20251103 ] || VENV=.venv-$LINE
PY="$ROOT/$VENV/bin/python"
[ -x "$PY" ] || { echo "[demo] error: $VENV/ is missing: run make setup HB_LINE=$LINE" >&2; exit 1; }
# One bot home per line: the lines' databases (data/*.sqlite) have different schemas.
DEFAULT_HOME=$ROOT/data/demo_home; [ "$LINE" = 20251103 ] || DEFAULT_HOME=$ROOT/data/demo_home-$LINE
DEMO_HOME=${DEMO_HOME:-$DEFAULT_HOME}

RUN_TIMEOUT_S=${DEMO_TIMEOUT_S:-180}
RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/backpack-demo.XXXXXX")
EMULATOR_PID=""

cleanup() {
  if [ -n "$EMULATOR_PID" ] && kill -0 "$EMULATOR_PID" 2>/dev/null; then
    kill "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
    echo "[demo] emulator stopped"
  fi
  "$PY" tools/mqtt_broker.py stop --pidfile "$RUN_DIR/mqtt_broker.pid" >/dev/null || true
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. a fresh key pair (never printed) and an emulator account holding it
# (the secret stays a shell variable: only store_keys.py, below, gets it in its environment)
eval "$("$PY" -m backpack_emulator.keys)"
export BACKPACK_API_KEY
"$PY" -m backpack_emulator --host 127.0.0.1 --port 0 --seed 1 \
  --account "$BACKPACK_API_KEY:USDC=10000,SOL=100" >"$RUN_DIR/emulator.out" 2>&1 &
EMULATOR_PID=$!
for _ in $(seq 1 100); do
  grep -q '^WS_URL=' "$RUN_DIR/emulator.out" 2>/dev/null && break
  kill -0 "$EMULATOR_PID" 2>/dev/null || { cat "$RUN_DIR/emulator.out"; echo "[demo] error: the emulator exited" >&2; exit 1; }
  sleep 0.2
done
BACKPACK_REST_URL=$(sed -n 's/^REST_URL=//p' "$RUN_DIR/emulator.out")
BACKPACK_WS_URL=$(sed -n 's/^WS_URL=//p' "$RUN_DIR/emulator.out")
[ -n "$BACKPACK_WS_URL" ] || { echo "[demo] error: the emulator printed no URLs within 20 s" >&2; exit 1; }
export BACKPACK_REST_URL BACKPACK_WS_URL
echo "[demo] emulator at $BACKPACK_REST_URL (REST) and $BACKPACK_WS_URL (WebSocket)"

# 2. the MQTT broker of headless mode
"$PY" tools/mqtt_broker.py start --pidfile "$RUN_DIR/mqtt_broker.pid"

# 3. keys, stored like `connect backpack` does, checked against the emulator first
export HUMMINGBOT_HOME="$DEMO_HOME" CONFIG_PASSWORD="${DEMO_PASSWORD:-backpack-demo}"
BACKPACK_API_SECRET="$BACKPACK_API_SECRET" "$PY" tools/store_keys.py backpack --check
unset BACKPACK_API_SECRET

# 4. the headless run; the script stops Hummingbot itself with its exit status
# (20260922 starts a script from a config file in conf/scripts/ that names it)
if [ "$LINE" = 20251103 ]; then
  launch=(-f backpack_auth_test.py)
else
  mkdir -p "$DEMO_HOME/conf/scripts"
  printf 'script_file_name: backpack_auth_test.py\n' > "$DEMO_HOME/conf/scripts/backpack_auth_test.yml"
  launch=(--v2 backpack_auth_test.yml)
fi
echo "[demo] running (Hummingbot $LINE): bin/hummingbot_quickstart.py ${launch[*]} --headless (password from CONFIG_PASSWORD)"
status=0
timeout "$RUN_TIMEOUT_S" "$PY" bin/hummingbot_quickstart.py "${launch[@]}" --headless \
  >"$RUN_DIR/hummingbot.out" 2>&1 || status=$?

# 5. the script's lines (the full log is in $DEMO_HOME/logs/logs_backpack_auth_test.log)
echo "[demo] backpack_auth_test.py said:"
grep -E 'Updated balances|Balances:|: total=|Order book for|Bid: |Connector .* is ready|Placing a post-only|is open on|Cancelling order|is cancelled|Auth test|Exiting Hummingbot' \
  "$RUN_DIR/hummingbot.out" | sed -E 's/^[0-9:]+ - [^ ]+ - /  /' || true
if [ "$status" -eq 124 ]; then
  echo "[demo] error: Hummingbot did not finish within ${RUN_TIMEOUT_S} s" >&2
elif [ "$status" -ne 0 ]; then
  tail -n 40 "$RUN_DIR/hummingbot.out" >&2
fi
echo "[demo] Hummingbot exited with status $status (full log: $DEMO_HOME/logs/logs_backpack_auth_test.log)"
exit "$status"
