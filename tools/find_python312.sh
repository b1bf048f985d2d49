#!/usr/bin/env bash
# Prints the path of a Python 3.12 interpreter, or fails with a clear message.
# Hummingbot 20251103 needs 3.12 exactly (pandas-ta has no wheel for 3.11).
set -u
candidates=()
[ -n "${PYTHON312:-}" ] && candidates+=("$PYTHON312")
command -v python3.12 >/dev/null 2>&1 && candidates+=("$(command -v python3.12)")
if command -v pyenv >/dev/null 2>&1; then
  for p in "$(pyenv root)"/versions/3.12*/bin/python3.12; do candidates+=("$p"); done
fi
for p in "$HOME"/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do
  candidates+=("$p")
done
for p in "${candidates[@]}"; do
  if [ -x "$p" ] && "$p" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
    echo "$p"; exit 0
  fi
done
echo "error: no Python 3.12 interpreter found (looked on PATH, in pyenv versions, /usr/local/bin, /usr/bin)." >&2
echo "       Install Python 3.12 (e.g. 'pyenv install 3.12') or set PYTHON312=/path/to/python3.12." >&2
exit 1
