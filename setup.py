"""Distribution `hummingbot-backpack`: Backpack Exchange connectors for Hummingbot, plus the local emulator.

Nothing is installed into Hummingbot's package: the repo's ``hummingbot/connector/...`` and
``hummingbot/data_feed/...`` folders (kept in Hummingbot's layout) are shipped as
``hummingbot_backpack/connector/...`` etc. (``package_dir``), next to ``hummingbot_backpack.pth``, whose
import hook serves them under Hummingbot's module names (README, design notes). Installing writes no
file of Hummingbot's; uninstalling removes only ours.

Supported Hummingbot releases: ``SUPPORTED_HUMMINGBOT_VERSIONS`` in hummingbot_backpack/__init__.py.
Building in an environment that has another release installed stops with a message saying what to do.
"""
import ast
import os
import shutil
import sys

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = "hummingbot"  # the repo's folders in Hummingbot's layout
INSTALL_ROOT = "hummingbot_backpack"  # where they are installed
PTH_FILE = "hummingbot_backpack.pth"
OTHER_ROOTS = ("backpack_emulator",)


def _constant(name: str):
    with open(os.path.join(HERE, INSTALL_ROOT, "__init__.py")) as handle:
        for node in ast.parse(handle.read()).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
                return ast.literal_eval(node.value)
    raise SystemExit(f"{INSTALL_ROOT}/__init__.py defines no {name}")


SUPPORTED_HUMMINGBOT_VERSIONS = _constant("SUPPORTED_HUMMINGBOT_VERSIONS")


def hummingbot_requirement() -> str:
    """``hummingbot>=first,<=last`` minus every release in between that is not supported."""
    first, last = min(SUPPORTED_HUMMINGBOT_VERSIONS), max(SUPPORTED_HUMMINGBOT_VERSIONS)
    between = _constant("UNSUPPORTED_RELEASES_BETWEEN")
    return ",".join([f"hummingbot>={first}", f"<={last}"] + [f"!={v}" for v in between])


def refuse_unsupported_hummingbot() -> None:
    """Stop with a clear message when the environment we build in holds an unsupported Hummingbot."""
    from importlib import metadata

    try:
        installed = metadata.version("hummingbot")
    except metadata.PackageNotFoundError:
        return  # isolated build or no Hummingbot yet: the requirement below decides
    if installed.split(".dev")[0] in SUPPORTED_HUMMINGBOT_VERSIONS:
        return
    supported = " and ".join(SUPPORTED_HUMMINGBOT_VERSIONS)
    raise SystemExit(
        f"hummingbot-backpack supports Hummingbot {supported} only; this environment has hummingbot=={installed}.\n"
        f"Install a supported release first (`make setup HB_LINE={SUPPORTED_HUMMINGBOT_VERSIONS[0]}` or "
        f"`make setup HB_LINE={SUPPORTED_HUMMINGBOT_VERSIONS[-1]}` in a checkout), then install this plugin again.")


def packages_and_dirs():
    """Our leaf packages. Hummingbot's own parents (``hummingbot``, ``hummingbot.connector``...) never are."""
    packages, package_dir = [INSTALL_ROOT], {}
    for folder, dirs, files in os.walk(SOURCE_ROOT):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        if "__init__.py" not in files:
            continue
        relative = os.path.relpath(folder, SOURCE_ROOT)
        if relative == os.curdir:
            raise SystemExit(f"refusing to ship {SOURCE_ROOT}/__init__.py (it would be Hummingbot's)")
        name = ".".join((INSTALL_ROOT, *relative.split(os.sep)))
        packages.append(name)
        package_dir[name] = folder
    for root in OTHER_ROOTS:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            if "__init__.py" in files:
                packages.append(folder.replace(os.sep, "."))
    return sorted(packages), package_dir


class BuildWithImportHook(build_py):
    """Also puts the .pth file at the top of the built tree, so it lands in site-packages (and in RECORD)."""

    def run(self) -> None:
        super().run()
        shutil.copyfile(os.path.join(HERE, PTH_FILE), os.path.join(self.build_lib, PTH_FILE))

    def get_outputs(self, include_bytecode=1):
        return super().get_outputs(include_bytecode) + [os.path.join(self.build_lib, PTH_FILE)]


if "egg_info" not in sys.argv[1:2] and os.environ.get("HUMMINGBOT_BACKPACK_SKIP_VERSION_CHECK") != "1":
    refuse_unsupported_hummingbot()
PACKAGES, PACKAGE_DIR = packages_and_dirs()

setup(
    name="hummingbot-backpack",
    version="0.2.0",
    description="Backpack Exchange spot and perpetual connectors for Hummingbot, with a local exchange emulator",
    python_requires=">=3.12,<3.13",
    packages=PACKAGES,
    package_dir=PACKAGE_DIR,
    package_data={"": ["*.json", "*.yml"]},
    install_requires=["pynacl>=1.5", hummingbot_requirement()],
    entry_points={"console_scripts": ["backpack-emulator=backpack_emulator.cli:main"]},
    cmdclass={"build_py": BuildWithImportHook},
)
