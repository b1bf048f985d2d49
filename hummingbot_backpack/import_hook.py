"""Serve Hummingbot's Backpack module names from this plugin's files, without touching Hummingbot's.

Started at interpreter start by ``hummingbot_backpack.pth`` (site-packages), the way editable installs
hook imports. Two jobs:

* a meta path finder, first on ``sys.meta_path``, answers the four package names below with our
  folders (``__path__`` = our folder only, so every submodule comes from our files and Hummingbot's own
  copy, where a release ships one, is never loaded). One module object per name; nothing is aliased.
* Hummingbot finds connectors by listing ``hummingbot/connector/<type>/`` (``client/settings.py``,
  ``client/config/conf_migration.py``). Right after one of those modules has been executed, its
  module-level ``scandir`` is wrapped so that the listing of ``exchange``/``derivative`` also holds
  our connector folders when Hummingbot has none of that name (20251103). Where Hummingbot has its own
  folder (20260922 on) the listing is unchanged, and the scan imports ``<name>_utils`` by module name,
  which the finder answers with ours.

Nothing in this module imports Hummingbot. ``HUMMINGBOT_BACKPACK_DISABLE=1`` turns the hook off for
one process (Hummingbot then uses what it ships). Uninstalling the distribution removes the ``.pth``
and this package; Hummingbot's files were never written, so they are exactly as its installer left them.
"""
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

DISABLE_ENV_VAR = "HUMMINGBOT_BACKPACK_DISABLE"

# Hummingbot package name -> our folder for it, relative to the code root.
PACKAGES: Dict[str, Tuple[str, ...]] = {
    "hummingbot.connector.exchange.backpack": ("connector", "exchange", "backpack"),
    "hummingbot.connector.derivative.backpack_perpetual": ("connector", "derivative", "backpack_perpetual"),
    "hummingbot.data_feed.candles_feed.backpack_spot_candles": ("data_feed", "candles_feed", "backpack_spot_candles"),
    "hummingbot.data_feed.candles_feed.backpack_perpetual_candles": (
        "data_feed", "candles_feed", "backpack_perpetual_candles"),
}
# Hummingbot modules that list hummingbot/connector/<type>/ to find connectors.
SCANNING_MODULES = ("hummingbot.client.settings", "hummingbot.client.config.conf_migration")
CONNECTOR_TYPES = ("exchange", "derivative")


def installed_code_root() -> str:
    """Our copy of Hummingbot's layout: the installed package, else (a checkout, not installed) its ``hummingbot/``.

    This module may be imported from a checkout even when the plugin is installed (the checkout's root on
    ``PYTHONPATH`` comes before site-packages when the .pth runs): the installed copy is still the one served.
    """
    import sysconfig

    here = os.path.dirname(os.path.abspath(__file__))
    package = os.path.basename(here)
    installed = [here] + [os.path.join(sysconfig.get_path(kind), package) for kind in ("purelib", "platlib")]
    for candidate in installed:
        if os.path.isdir(os.path.join(candidate, "connector")):
            return candidate
    return os.path.join(os.path.dirname(here), "hummingbot")


def our_connectors(kind: str) -> List[str]:
    return [folder[-1] for folder in PACKAGES.values() if folder[:2] == ("connector", kind)]


class _Listing(list):
    """A list that can also be used like ``os.scandir``'s iterator (``with scandir(p) as it``)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        pass


def _connector_type_listed(path) -> Optional[str]:
    """``exchange``/``derivative`` when ``path`` is ``.../hummingbot/connector/<that type>``, else None."""
    try:
        parent, kind = os.path.split(os.path.normpath(os.fspath(path)))
    except TypeError:
        return None  # a file descriptor
    if kind in CONNECTOR_TYPES and os.path.basename(parent) == "connector" \
            and os.path.basename(os.path.dirname(parent)) == "hummingbot":
        return kind
    return None


class BackpackFinder(importlib.abc.MetaPathFinder):
    def __init__(self, code_root: str):
        self.code_root = code_root

    def folder_of(self, package: str) -> str:
        return os.path.join(self.code_root, *PACKAGES[package])

    # -- the finder ------------------------------------------------------------------------------------
    def find_spec(self, fullname: str, path: Optional[Sequence[str]] = None, target=None):
        if fullname in PACKAGES:
            folder = self.folder_of(fullname)
            init = os.path.join(folder, "__init__.py")
            if not os.path.isfile(init):
                return None
            return importlib.util.spec_from_file_location(fullname, init, submodule_search_locations=[folder])
        if fullname in SCANNING_MODULES:
            return self._spec_with_scan_patch(fullname, path, target)
        return None

    def _spec_with_scan_patch(self, fullname: str, path, target):
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _ScanPatchingLoader(spec.loader, self)
                return spec
        return None

    # -- the connector folder listing ------------------------------------------------------------------
    def wrap_scandir(self, original: Callable) -> Callable:
        if getattr(original, "__backpack_plugin__", False):
            return original

        def scandir(path="."):
            entries = _Listing(original(path))
            kind = _connector_type_listed(path)
            if kind is not None:
                present = {entry.name for entry in entries}
                wanted = [name for name in our_connectors(kind) if name not in present]
                ours = os.path.join(self.code_root, "connector", kind)
                if wanted and os.path.isdir(ours):
                    entries.extend(entry for entry in original(ours) if entry.name in wanted)
            return entries

        scandir.__backpack_plugin__ = True
        scandir.__wrapped__ = original
        return scandir

    def patch_scanning_module(self, module) -> None:
        if hasattr(module, "scandir"):
            module.scandir = self.wrap_scandir(module.scandir)


class _ScanPatchingLoader(importlib.abc.Loader):
    """Hummingbot's own loader for a scanning module; wraps the module's ``scandir`` once it has run."""

    def __init__(self, loader, finder: BackpackFinder):
        self._loader = loader
        self._finder = finder

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        self._loader.exec_module(module)
        self._finder.patch_scanning_module(module)

    def __getattr__(self, name):  # get_source, get_filename, is_package...: Hummingbot's loader answers
        return getattr(self._loader, name)


def current_finder() -> Optional[BackpackFinder]:
    return next((f for f in sys.meta_path if isinstance(f, BackpackFinder)), None)


def install(code_root: Optional[str] = None) -> Optional[BackpackFinder]:
    """Idempotent; called by the .pth at interpreter start. Returns the active finder (None: disabled)."""
    if os.environ.get(DISABLE_ENV_VAR, "").strip() not in ("", "0"):
        return None
    finder = current_finder()
    if finder is None:
        finder = BackpackFinder(code_root or installed_code_root())
        sys.meta_path.insert(0, finder)
    elif code_root is not None:
        use_code_root(code_root)
    for name in SCANNING_MODULES:  # already imported (should not happen from the .pth): patch now
        if name in sys.modules:
            finder.patch_scanning_module(sys.modules[name])
    return finder


def imported_packages() -> Iterable[str]:
    return [name for name in PACKAGES if name in sys.modules]


def use_code_root(code_root: str) -> BackpackFinder:
    """Serve our modules from another copy (the test suite points it at the working tree)."""
    finder = current_finder() or install(code_root)
    if finder is None:
        raise RuntimeError(f"the Backpack import hook is disabled ({DISABLE_ENV_VAR})")
    loaded = [name for name in imported_packages()
              if not os.path.abspath(sys.modules[name].__file__).startswith(os.path.abspath(code_root) + os.sep)]
    if loaded:
        raise RuntimeError(f"already imported from another copy: {loaded}")
    finder.code_root = code_root
    return finder
