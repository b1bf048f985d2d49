#!/usr/bin/env bash
# Idempotent environment setup for one Hummingbot line: `tools/setup.sh [LINE]` (or HB_LINE=LINE).
#   20251103 (default): .venv/, Hummingbot from its binary wheel (about a minute);
#   20260922:           .venv-20260922/, Hummingbot from its sdist (PyPI has no wheel: the Cython build
#                       takes 4-6 minutes once; the wheel is kept in .cache/hb-wheels/ and reused).
# Then the plugin is installed non-editable (its .pth import hook serves our connectors under
# Hummingbot's names; nothing is written into Hummingbot's folders), and conf/ scripts/ logs/ data/
# are linked into site-packages where Hummingbot looks for them.
# A rerun with nothing changed only compares checksums and takes a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
LINE=${1:-${HB_LINE:-20251103}}
case "$LINE" in
  20251103) VENV="$ROOT/.venv"; CONSTRAINTS=constraints.txt ;;
  20260922) VENV="$ROOT/.venv-$LINE"; CONSTRAINTS=constraints-$LINE.txt ;;
  *) echo "error: unsupported Hummingbot line '$LINE' (supported: 20251103, 20260922)" >&2; exit 2 ;;
esac
STAMPS="$ROOT/.make/$LINE"
WHEELS=${HB_WHEEL_DIR:-$ROOT/.cache/hb-wheels}
mkdir -p "$STAMPS" "$WHEELS" conf scripts logs data
# Serialise concurrent runs (two pip installs into one venv would corrupt it).
exec 9>"$STAMPS/setup.lock"
flock 9

PY=$(tools/find_python312.sh)
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys; assert sys.version_info[:2]==(3,12)' 2>/dev/null; then
  echo "[setup] creating $(basename "$VENV") with $PY"
  rm -rf "$VENV" "$STAMPS"/*.sum
  "$PY" -m venv "$VENV"
fi
VPY="$VENV/bin/python"

hummingbot_wheel() {  # a wheel of this line in $WHEELS: PyPI's (20251103), else built from its sdist
  local found
  found=$(ls "$WHEELS"/hummingbot-"$LINE"-*.whl 2>/dev/null | head -n1 || true)
  if [ -z "$found" ] && [ "$LINE" = 20251103 ]; then
    "$VPY" -m pip download --quiet --no-deps --only-binary=:all: "hummingbot==$LINE" -d "$WHEELS" >"$STAMPS/wheel.log" 2>&1 \
      || { tail -n 30 "$STAMPS/wheel.log" >&2; echo "[setup] downloading the Hummingbot wheel failed" >&2; exit 1; }
    found=$(ls "$WHEELS"/hummingbot-"$LINE"-*.whl | head -n1)
  fi
  if [ -z "$found" ]; then
    echo "[setup] building Hummingbot $LINE from its sdist (Cython, 4-6 minutes on 2 cores, once)" >&2
    "$VPY" -m pip wheel --quiet --no-deps "hummingbot==$LINE" -w "$WHEELS" >"$STAMPS/wheel.log" 2>&1 \
      || { tail -n 30 "$STAMPS/wheel.log" >&2; echo "[setup] building the Hummingbot wheel failed" >&2; exit 1; }
    found=$(ls "$WHEELS"/hummingbot-"$LINE"-*.whl | head -n1)
  fi
  echo "$found"
}

deps_sum=$(cat "$CONSTRAINTS" requirements-dev.txt | sha1sum | cut -d' ' -f1)
if [ "$(cat "$STAMPS/deps.sum" 2>/dev/null)" != "$deps_sum" ]; then
  "$VPY" -m pip install --quiet --upgrade pip
  wheel=$(hummingbot_wheel)
  echo "[setup] installing Hummingbot $LINE and test tools"
  "$VPY" -m pip install --quiet -c "$CONSTRAINTS" "$wheel" -r requirements-dev.txt >"$STAMPS/pip.log" 2>&1 \
    || { grep -v "is ignored: it is neither" "$STAMPS/pip.log"; echo "[setup] pip install failed" >&2; exit 1; }
  "$VPY" -m pip check >/dev/null || { "$VPY" -m pip check; exit 1; }
  echo "$deps_sum" > "$STAMPS/deps.sum"
fi

# The packaging tests install Hummingbot from this wheel into throwaway venvs.
hummingbot_wheel >/dev/null
# Hummingbot must be the line asked for (an upgrade by hand would otherwise go unnoticed).
installed=$("$VPY" -c 'from importlib.metadata import version; print(version("hummingbot"))')
if [ "${installed%%.dev*}" != "$LINE" ]; then
  echo "[setup] $(basename "$VENV") has hummingbot==$installed, not $LINE: reinstalling it" >&2
  rm -f "$STAMPS/deps.sum"
  exec bash tools/setup.sh "$LINE"
fi

# The plugin: reinstall only when one of its files changed (or it went missing).
src_sum=$( (find hummingbot hummingbot_backpack backpack_emulator scripts controllers conf/controllers conf/scripts -type f \( -name '*.py' -o -name '*.json' -o -name '*.yml' \) 2>/dev/null | sort | xargs -r sha1sum; sha1sum setup.py hummingbot_backpack.pth) | sha1sum | cut -d' ' -f1)
if [ "$(cat "$STAMPS/plugin.sum" 2>/dev/null)" != "$src_sum" ] || ! "$VPY" -m pip show -q hummingbot-backpack >/dev/null 2>&1; then
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
echo "[setup] ready (Hummingbot $LINE): $VPY"
