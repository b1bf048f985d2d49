"""`python -m hummingbot_backpack.install_files --target DIR`: our scripts, controllers and example configs into a
bot's folders, never over a file of the user's (issue 24, item 2). The end-to-end use is in
test/headless/test_checkout_layout.py; setup.py ships the same files (test_setup_packages)."""
import tempfile
import unittest
from pathlib import Path

from hummingbot_backpack import install_files

ROOT = Path(__file__).resolve().parents[2]


class InstallFilesTest(unittest.TestCase):
    def setUp(self):
        self._folder = tempfile.TemporaryDirectory()
        self.target = Path(self._folder.name)

    def tearDown(self):
        self._folder.cleanup()

    def test_every_script_controller_and_example_config_is_copied(self):
        report = install_files.install(self.target, root=ROOT)
        expected = {"scripts/backpack_auth_test.py", "scripts/backpack_post_only_maker.py",
                    "scripts/backpack_v2_controllers.py", "scripts/my_backpack_strategy.py",
                    "scripts/backpack_support/app_control.py",
                    "controllers/market_making/backpack_market_maker.py",
                    "controllers/directional_trading/backpack_trend_follower.py",
                    "conf/controllers/backpack_spot_mm.yml", "conf/scripts/backpack_v2_spot.yml"}
        self.assertLessEqual(expected, set(report.copied))
        for relative in report.copied:
            self.assertEqual((ROOT / relative).read_bytes(), (self.target / relative).read_bytes())
        self.assertTrue((self.target / "controllers" / "market_making" / "__init__.py").is_file())

    def test_a_users_file_and_hummingbots_packages_are_never_overwritten(self):
        (self.target / "controllers").mkdir()
        (self.target / "controllers" / "__init__.py").write_text("# Hummingbot's\n")
        (self.target / "scripts").mkdir()
        (self.target / "scripts" / "my_backpack_strategy.py").write_text("# edited by the user\n")
        report = install_files.install(self.target, root=ROOT)
        self.assertIn("scripts/my_backpack_strategy.py", report.kept)
        self.assertEqual("# edited by the user\n", (self.target / "scripts" / "my_backpack_strategy.py").read_text())
        self.assertEqual("# Hummingbot's\n", (self.target / "controllers" / "__init__.py").read_text())

        forced = install_files.install(self.target, force=True, root=ROOT)  # an upgrade: our files only
        self.assertIn("scripts/my_backpack_strategy.py", forced.copied)
        self.assertEqual("# Hummingbot's\n", (self.target / "controllers" / "__init__.py").read_text())

    def test_a_dry_run_writes_nothing_and_a_second_run_copies_nothing(self):
        planned = install_files.install(self.target, dry_run=True, root=ROOT)
        self.assertTrue(planned.copied)
        self.assertEqual([], list(self.target.iterdir()))
        install_files.install(self.target, root=ROOT)
        again = install_files.install(self.target, root=ROOT)
        self.assertEqual(([], []), (again.copied, again.kept))
        self.assertEqual(len(planned.copied), len(again.unchanged))

    def test_a_missing_target_is_refused(self):
        self.assertEqual(2, install_files.main(["--target", str(self.target / "nope")]))
