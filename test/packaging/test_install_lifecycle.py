"""Install, uninstall and reinstall, on this line's real Hummingbot wheel (run on each line by `make test`).

One throwaway venv per test class: Hummingbot installed from its wheel, then our plugin from this
working tree, exactly as `pip install` does it for a user. Checked at each step: Hummingbot's files
against its own RECORD (byte-identical, nothing added, nothing removed), which code the names
`backpack` / `backpack_perpetual` resolve to (registry, candles, rate source), and that Hummingbot starts.
"""
import os
import shutil
import tempfile
import unittest
from pathlib import Path

import pytest

from test.packaging.lifecycle_support import OWN_MODULES, ThrowawayVenv, hummingbot_ships

OURS = os.sep + os.path.join("hummingbot_backpack", "")


class InstallLifecycleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = Path(tempfile.mkdtemp(prefix="hb-lifecycle-"))
        cls.venv = ThrowawayVenv(cls.folder / "venv")
        cls.venv.install_hummingbot()
        cls.hummingbot_files = cls.venv.hummingbot_files_on_disk()
        cls.before = cls.venv.probe()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.folder, ignore_errors=True)

    def assert_hummingbot_untouched(self):
        self.assertEqual([], self.venv.hummingbot_files_differing_from_record())
        self.assertEqual(self.hummingbot_files, self.venv.hummingbot_files_on_disk(), "files added or removed")
        recorded = {p for p in self.venv.dist_files("hummingbot") if "__pycache__" not in p and p.startswith("hummingbot/")}
        self.assertEqual(recorded, self.hummingbot_files)

    def assert_ours(self, probe):
        self.assertEqual(["backpack", "backpack_perpetual"], probe["registry"])
        for key in ("backpack", "backpack_perpetual", "candles_backpack", "candles_backpack_perpetual", "rate_source"):
            self.assertIn(OURS, probe[key] or "", f"{key} resolves to {probe[key]}")
        self.assertTrue(probe["hook"])

    def assert_hummingbot_own(self, probe):
        """Without the plugin each name is Hummingbot's own where this release has one (20260302 on: the
        connectors; 20260729 on: the candles feeds and the rate source too), else absent."""
        self.assertFalse(probe["hook"])
        own = os.sep + os.path.join("site-packages", "hummingbot", "")
        ships = {key: hummingbot_ships(path) for key, path in OWN_MODULES.items()}
        self.assertEqual([n for n in ("backpack", "backpack_perpetual") if ships[n]], probe["registry"])
        for key, shipped in ships.items():
            if shipped:
                self.assertIn(own, probe[key] or "", f"{key} resolves to {probe[key]}")
            else:
                self.assertIsNone(probe.get(key), f"{key} resolves to {probe.get(key)}")

    @pytest.mark.timeout(900)  # four pip runs and five Hummingbot starts, on a loaded 2-core machine
    def test_lifecycle(self):
        with self.subTest("Hummingbot alone"):
            self.assert_hummingbot_own(self.before)

        self.venv.install_plugin()
        with self.subTest("plugin installed"):
            self.assert_hummingbot_untouched()
            self.assert_ours(self.venv.probe())
            ours = set(self.venv.dist_files("hummingbot-backpack"))
            self.assertFalse([p for p in ours if p.startswith("hummingbot/")], "the plugin ships into hummingbot/")
            self.assertIn("hummingbot_backpack.pth", ours)

        self.venv.install_hummingbot("--force-reinstall")
        with self.subTest("Hummingbot reinstalled over the plugin"):
            self.assert_hummingbot_untouched()
            self.assert_ours(self.venv.probe())

        self.venv.uninstall_plugin()
        with self.subTest("plugin uninstalled"):
            self.assert_hummingbot_untouched()
            self.assertEqual({}, self.venv.dist_files("hummingbot-backpack"))
            leftovers = [p.name for p in self.venv.site.iterdir() if "backpack" in p.name]
            self.assertEqual([], leftovers)
            self.assert_hummingbot_own(self.venv.probe())

        self.venv.install_plugin()
        with self.subTest("plugin installed again"):
            self.assert_hummingbot_untouched()
            self.assert_ours(self.venv.probe())
