"""Distribution `hummingbot-backpack`: Backpack Exchange connectors for Hummingbot, plus the local emulator.

Nothing is installed into Hummingbot's package: the repo's ``hummingbot/connector/...`` and
``hummingbot/data_feed/...`` folders (kept in Hummingbot's layout) are shipped as
``hummingbot_backpack/connector/...`` etc. (``package_dir``), next to ``hummingbot_backpack.pth``, whose
import hook serves them under Hummingbot's module names (README, design notes). Installing writes no
file of Hummingbot's; uninstalling removes only ours.

It declares no requirement on Hummingbot or its dependencies, and checks nothing about the environment it
is installed into: installing it never adds, removes or changes a package (a requirement on Hummingbot made
pip fetch and build a second Hummingbot in source checkouts and Docker images, where Hummingbot is compiled in
place and has no dist-info, and upgrade its dependencies until it no longer started). Every Hummingbot release
from 20251103 on is supported; one that was not tested gets one warning when Hummingbot starts
(hummingbot_backpack/releases.py). Install it with `pip install --no-deps` in any case (README).
"""
import importlib.util
import os
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = "hummingbot"  # the repo's folders in Hummingbot's layout
INSTALL_ROOT = "hummingbot_backpack"  # where they are installed
PTH_FILE = "hummingbot_backpack.pth"
OTHER_ROOTS = ("backpack_emulator",)


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


def bot_files():
    """(source, path in the built tree) of the scripts, controllers and example configs that
    `python -m hummingbot_backpack.install_files` copies into a bot's folders (hummingbot_backpack/bot_files/)."""
    path = os.path.join(HERE, INSTALL_ROOT, "install_files.py")
    spec = importlib.util.spec_from_file_location("_install_files", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # standard library only; the installed copy may be another version
    return [(os.path.join(HERE, relative), os.path.join(INSTALL_ROOT, module.BUNDLE, relative))
            for relative in map(str, module.our_files(Path(HERE)))]


class BuildWithImportHook(build_py):
    """Also puts the .pth file at the top of the built tree, so it lands in site-packages (and in RECORD), and the
    bot files under hummingbot_backpack/bot_files/."""

    def run(self) -> None:
        super().run()
        shutil.copyfile(os.path.join(HERE, PTH_FILE), os.path.join(self.build_lib, PTH_FILE))
        for source, built in bot_files():
            os.makedirs(os.path.dirname(os.path.join(self.build_lib, built)), exist_ok=True)
            shutil.copyfile(source, os.path.join(self.build_lib, built))

    def get_outputs(self, include_bytecode=1):
        extra = [PTH_FILE] + [built for _, built in bot_files()]
        return super().get_outputs(include_bytecode) + [os.path.join(self.build_lib, path) for path in extra]


PACKAGES, PACKAGE_DIR = packages_and_dirs()

setup(
    name="hummingbot-backpack",
    version="0.2.0",
    description="Backpack Exchange spot and perpetual connectors for Hummingbot, with a local exchange emulator",
    python_requires=">=3.12",  # no upper bound: an image with a newer Python is never refused
    packages=PACKAGES,
    package_dir=PACKAGE_DIR,
    package_data={"": ["*.json", "*.yml"]},
    install_requires=[],  # pynacl (signing) comes with Hummingbot's own dependencies (bip-utils)
    entry_points={"console_scripts": ["backpack-emulator=backpack_emulator.cli:main"]},
    cmdclass={"build_py": BuildWithImportHook},
)
