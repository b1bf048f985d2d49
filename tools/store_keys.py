#!/usr/bin/env python3
"""Store Backpack API keys for Hummingbot without prompts, from this repository (after `make setup`).

The tool itself is hummingbot_backpack/store_keys.py (also `python -m hummingbot_backpack.store_keys` in a
Hummingbot source checkout or Docker image, run from its root); this file runs that copy after path_util's
set-up (this repository's root on the path, HUMMINGBOT_HOME). See its docstring for usage and exit codes.
"""
import os
import runpy
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import path_util  # noqa: F401,E402  (must precede every hummingbot import)

if __name__ == "__main__":
    sys.argv[0] = os.path.join(ROOT, "hummingbot_backpack", "store_keys.py")
    runpy.run_path(sys.argv[0], run_name="__main__")
