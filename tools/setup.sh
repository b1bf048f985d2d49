#!/usr/bin/env bash
# Idempotent environment setup for one Hummingbot line: `tools/setup.sh [LINE]` (or HB_LINE=LINE).
#   20251103 (default): .venv/, Hummingbot from its binary wheel (about a minute);
#   20260922:           .venv-20260922/, Hummingbot from its sdist (PyPI has no wheel: the Cython build
#                       takes 4-6 minutes once; the wheel is kept in .cache/hb-wheels/ and reused);
#   any other release of hummingbot_backpack/releases.py (KNOWN_RELEASES; CI: 20260302, `make compat`: all):
#                       .venv-LINE/ the same way, pinned by constraints-LINE.txt when the repository has one,
#                       else by the pins tools/compat_constraints.py derives from the release's wheel.
# Then the plugin is installed non-editable (its .pth import hook serves our connectors under
# Hummingbot's names; nothing is written into Hummingbot's folders), and conf/ scripts/ logs/ data/
# are linked into site-packages where Hummingbot looks for them.
# A rerun with nothing changed only compares checksums and takes a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
LINE=${1:-${HB_LINE:-20251103}}
KNOWN=$(sed -n '/^KNOWN_RELEASES/,/^)/p' hummingbot_backpack/releases.py | grep -o '"20[0-9]*"' | tr -d '"' | tr '\n' ' ')
case " $KNOWN " in
  *" $LINE "*) ;;
  *) echo "error: unknown Hummingbot release '$LINE' (known: $KNOWN)" >&2; exit 2 ;;
esac
STAMPS="$ROOT/.make/$LINE"
case "$LINE" in
  20251103) VENV="$ROOT/.venv"; CONSTRAINTS=constraints.txt ;;
  *) VENV="$ROOT/.venv-$LINE"; CONSTRAINTS=constraints-$LINE.txt ;;
esac
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
    # Built aside and moved in whole: other runs may be reading the shared wheel folder meanwhile.
    local build_dir; build_dir=$(mktemp -d "$WHEELS/.build-$LINE.XXXXXX")
    nice "$VPY" -m pip wheel --quiet --no-deps "hummingbot==$LINE" -w "$build_dir" >"$STAMPS/wheel.log" 2>&1 \
      || { tail -n 30 "$STAMPS/wheel.log" >&2; rm -rf "$build_dir"; echo "[setup] building the Hummingbot wheel failed" >&2; exit 1; }
    mv "$build_dir"/hummingbot-"$LINE"-*.whl "$WHEELS"/ && rm -rf "$build_dir"
    found=$(ls "$WHEELS"/hummingbot-"$LINE"-*.whl | head -n1)
  fi
  echo "$found"
}

if [ ! -f "$CONSTRAINTS" ]; then  # a release without pins of its own: derived from its wheel
  CONSTRAINTS="$STAMPS/constraints.txt"
  "$VPY" tools/compat_constraints.py "$(hummingbot_wheel)" > "$CONSTRAINTS"
fi
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
