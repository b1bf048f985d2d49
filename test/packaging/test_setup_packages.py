"""setup.py must ship only our leaf packages, never one of Hummingbot's parent packages."""
import os
import runpy
import unittest
from unittest import mock

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class SetupPackagesTest(unittest.TestCase):
    def _packages(self):
        captured = {}
        with mock.patch("setuptools.setup", lambda **kw: captured.update(kw)):
            cwd = os.getcwd()
            os.chdir(ROOT)
            try:
                runpy.run_path(os.path.join(ROOT, "setup.py"))
            finally:
                os.chdir(cwd)
        return captured["packages"]

    def test_no_hummingbot_parent_package_is_shipped(self):
        packages = self._packages()
        for parent in ("hummingbot", "hummingbot.connector", "hummingbot.connector.exchange",
                       "hummingbot.connector.derivative", "hummingbot.data_feed"):
            self.assertNotIn(parent, packages)
            self.assertFalse(os.path.exists(os.path.join(ROOT, *parent.split("."), "__init__.py")),
                             f"{parent}/__init__.py must not exist in the repo")

    def test_every_shipped_package_has_an_init(self):
        for package in self._packages():
            self.assertTrue(os.path.isfile(os.path.join(ROOT, *package.split("."), "__init__.py")), package)
