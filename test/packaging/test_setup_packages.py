"""setup.py ships our code under `hummingbot_backpack/` (plus the .pth hook), never into `hummingbot/`."""
import os
import runpy
import unittest
from unittest import mock

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_setup(version: str = None) -> dict:
    """The keyword arguments setup.py passes to setuptools (Hummingbot's version faked when given)."""
    captured = {}
    patches = [mock.patch("setuptools.setup", lambda **kw: captured.update(kw))]
    if version is not None:
        patches.append(mock.patch("importlib.metadata.version", lambda name: version))
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for patch in patches:
            patch.start()
        runpy.run_path(os.path.join(ROOT, "setup.py"))
    finally:
        for patch in reversed(patches):
            patch.stop()
        os.chdir(cwd)
    return captured


class SetupPackagesTest(unittest.TestCase):
    def test_no_hummingbot_package_is_shipped(self):
        packages = run_setup()["packages"]
        self.assertEqual([], [p for p in packages if p == "hummingbot" or p.startswith("hummingbot.")])
        self.assertFalse(os.path.exists(os.path.join(ROOT, "hummingbot", "__init__.py")))
        for package in ("hummingbot_backpack.connector.exchange.backpack",
                        "hummingbot_backpack.connector.derivative.backpack_perpetual",
                        "hummingbot_backpack.data_feed.candles_feed.backpack_spot_candles",
                        "hummingbot_backpack.data_feed.candles_feed.backpack_perpetual_candles",
                        "hummingbot_backpack", "backpack_emulator"):
            self.assertIn(package, packages)

    def test_every_shipped_package_has_an_init(self):
        kwargs = run_setup()
        for package in kwargs["packages"]:
            folder = kwargs["package_dir"].get(package, package.replace(".", os.sep))
            self.assertTrue(os.path.isfile(os.path.join(ROOT, folder, "__init__.py")), package)

    def test_the_pth_file_only_starts_the_hook(self):
        with open(os.path.join(ROOT, "hummingbot_backpack.pth")) as handle:
            lines = handle.read().splitlines()
        self.assertEqual(["import hummingbot_backpack.import_hook as hook; hook.install()"], lines)


class NoRequirementTest(unittest.TestCase):
    """Installing the plugin must never add, remove or change Hummingbot or its dependencies (issue 24)."""

    def test_nothing_is_required(self):
        self.assertEqual([], run_setup()["install_requires"])

    def test_any_hummingbot_in_the_environment_is_accepted(self):
        for version in ("20251103", "20260302", "20260729", "20270101", "20250101"):
            self.assertIn("packages", run_setup(version))
