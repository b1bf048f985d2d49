#!/usr/bin/env bash
# Idempotent environment setup: .venv with Hummingbot 20251103 + pins + test tools, the plugin
# installed non-editable (editable installs are invisible to Hummingbot's connector registry),
# and conf/ scripts/ logs/ data/ linked into site-packages where Hummingbot looks for them.
# A rerun with nothing changed only compares checksums and takes a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
STAMPS="$ROOT/.make"
mkdir -p "$STAMPS" conf scripts logs data
# Serialise concurrent runs (two pip installs into one venv would corrupt it).
exec 9>"$STAMPS/setup.lock"
flock 9

PY=$(tools/find_python312.sh)
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys; assert sys.version_info[:2]==(3,12)' 2>/dev/null; then
  echo "[setup] creating .venv with $PY"
  rm -rf "$VENV" "$STAMPS"/*.sum
  mkdir -p "$STAMPS"
  "$PY" -m venv "$VENV"
fi
VPY="$VENV/bin/python"

deps_sum=$(cat constraints.txt requirements-dev.txt | sha1sum | cut -d' ' -f1)
if [ "$(cat "$STAMPS/deps.sum" 2>/dev/null)" != "$deps_sum" ]; then
  echo "[setup] installing Hummingbot 20251103 and test tools (about a minute)"
  "$VPY" -m pip install --quiet --upgrade pip
  "$VPY" -m pip install --quiet -c constraints.txt hummingbot -r requirements-dev.txt >"$STAMPS/pip.log" 2>&1 \
    || { grep -v "is ignored: it is neither" "$STAMPS/pip.log"; echo "[setup] pip install failed" >&2; exit 1; }
  "$VPY" -m pip check >/dev/null || { "$VPY" -m pip check; exit 1; }
  echo "$deps_sum" > "$STAMPS/deps.sum"
fi

# The plugin: reinstall only when one of its files changed.
src_sum=$( (find hummingbot backpack_emulator -type f \( -name '*.py' -o -name '*.json' -o -name '*.yml' \) 2>/dev/null | sort | xargs -r sha1sum; sha1sum setup.py) | sha1sum | cut -d' ' -f1)
if [ "$(cat "$STAMPS/plugin.sum" 2>/dev/null)" != "$src_sum" ]; then
  echo "[setup] installing the hummingbot-backpack plugin (non-editable)"
  rm -rf build ./*.egg-info
  "$VPY" -m pip install --quiet --no-deps --no-build-isolation --force-reinstall . 
  rm -rf build ./*.egg-info
  echo "$src_sum" > "$STAMPS/plugin.sum"
fi

# Hummingbot resolves conf/ scripts/ logs/ data/ (and the V2 controllers/) relative to site-packages.
SITE=$("$VPY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
for d in conf scripts logs data controllers; do
  target="$ROOT/$d"
  if [ "$(readlink "$SITE/$d" 2>/dev/null)" != "$target" ]; then
    rm -rf "${SITE:?}/$d"
    ln -s "$target" "$SITE/$d"
  fi
done
echo "[setup] ready: $VPY"
