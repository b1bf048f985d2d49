"""Import-path setup for Hummingbot's launchers run from this repository (imported first by them).

Hummingbot's wheel installs ``hummingbot_quickstart.py``, which starts with ``import path_util`` and
``from bin.hummingbot import ...``: modules that only exist in a source checkout. This file is ours:

* the repo root goes on ``sys.path`` (so ``bin.hummingbot`` imports) and ``bin/`` comes off it: with
  ``bin/`` first, ``import hummingbot`` would find ``bin/hummingbot.py`` instead of the package;
* the working directory becomes the Hummingbot root (Hummingbot finds scripts through the relative
  path ``scripts/``), so the launchers work from any directory;
* optional ``HUMMINGBOT_HOME=/some/folder`` runs Hummingbot with conf/ logs/ data/ scripts/ controllers/
  taken from that folder instead of the repo's (one install, several independent bots; the demo and the
  tests use it so that they never touch your own conf/). Unset, nothing about Hummingbot's paths changes.
"""
import os
import sys
from pathlib import Path
from typing import Optional

PROJECT_ROOT = Path(__file__).resolve().parent
BIN_DIR = PROJECT_ROOT / "bin"
HOME_ENV_VAR = "HUMMINGBOT_HOME"
HOME_FOLDERS = ("conf", "conf/connectors", "conf/scripts", "conf/strategies", "conf/controllers", "logs", "data")


NOT_INSTALLED = (
    "error: no Hummingbot installed in this Python environment ({python}). This repository's launchers and tools run "
    "in the venv that `make setup` creates. In a Hummingbot source checkout or the official Docker image, where "
    "Hummingbot is compiled in place, use Hummingbot's own launchers from its folder (./bin/hummingbot_quickstart.py, "
    "./bin/hummingbot.py), store keys with `python -m hummingbot_backpack.store_keys backpack`, and copy our scripts "
    "with `python -m hummingbot_backpack.install_files --target .` (README: Hummingbot source checkouts and Docker).")


def _require_hummingbot() -> None:
    """Stop with what to do instead when no Hummingbot package is importable: this repository's own `hummingbot/`
    folder (no __init__.py, only our connectors) would otherwise pass for it, and the first import of
    `hummingbot.client` would fail with a bare ModuleNotFoundError."""
    import importlib.util

    spec = importlib.util.find_spec("hummingbot")
    if spec is None or spec.origin is None:
        sys.exit(NOT_INSTALLED.format(python=sys.executable))


def _put_repo_root_on_path() -> None:
    sys.path[:] = [p for p in sys.path if Path(p or os.curdir).resolve() != BIN_DIR]
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))


def _link(link: Path, target: Path) -> None:
    if not link.exists() and not link.is_symlink():
        link.symlink_to(target, target_is_directory=True)


def prepare_home(home: Path) -> Path:
    """Lay out a Hummingbot root folder: own conf/ logs/ data/, links to the installed package and scripts.

    Hummingbot derives every path from the folder that holds its package, so the home gets a
    ``hummingbot`` link to the installed package (connector discovery scans it) and a ``scripts`` link
    to this repo's scripts unless the home already has its own.
    """
    import hummingbot

    home = home.resolve()
    for folder in HOME_FOLDERS:
        (home / folder).mkdir(parents=True, exist_ok=True)
    _link(home / "hummingbot", Path(hummingbot.__file__).resolve().parent)
    _link(home / "scripts", PROJECT_ROOT / "scripts")
    _link(home / "controllers", PROJECT_ROOT / "controllers")
    _copy_examples(home)
    return home


def _copy_examples(home: Path) -> None:
    """The repo's example V2 configs (conf/controllers/backpack_*.yml, conf/scripts/backpack_v2_*.yml), copied
    into a home that has no file of that name yet (a home's own files are never overwritten)."""
    for folder, pattern in (("conf/controllers", "backpack_*.yml"), ("conf/scripts", "backpack_v2_*.yml")):
        for example in sorted((PROJECT_ROOT / folder).glob(pattern)):
            target = home / folder / example.name
            if not target.exists():
                target.write_bytes(example.read_bytes())


def _use_home(home: Path) -> None:
    import hummingbot

    home = prepare_home(home)
    # Every Hummingbot path is root_path() / ... or prefix_path() / ...; both are read at import time of
    # the client modules, which happens after this (path_util is the launchers' first import).
    hummingbot.root_path = lambda: home
    hummingbot.set_prefix_path(str(home))
    if str(home) not in sys.path:
        sys.path.insert(0, str(home))
    os.chdir(home)


def configured_home() -> Optional[Path]:
    value = os.environ.get(HOME_ENV_VAR, "").strip()
    return Path(value) if value else None


_put_repo_root_on_path()
_require_hummingbot()
if configured_home() is not None:
    if "hummingbot.client.settings" in sys.modules:
        raise RuntimeError(f"{HOME_ENV_VAR} must take effect before Hummingbot's client modules are imported")
    _use_home(configured_home())
else:
    os.chdir(PROJECT_ROOT)
