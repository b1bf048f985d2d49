"""Which Hummingbot runs, read from its dist-info or, in a source checkout, `hummingbot/VERSION`; one warning for
a Hummingbot we did not test, none for one we did (hummingbot_backpack/releases.py, issue 24 item 1)."""
import json
import logging
import os
import subprocess
import sys
import tempfile
import unittest
from importlib.metadata import version
from pathlib import Path
from unittest.mock import patch

from hummingbot_backpack import releases
from hummingbot_backpack.releases import HummingbotFound, untested_warning

ROOT = Path(__file__).resolve().parents[2]


class ReleaseDetectionTest(unittest.TestCase):
    def test_the_pip_installed_hummingbot_is_read_from_its_dist_info(self):
        found = releases.find_hummingbot()
        self.assertEqual(version("hummingbot").split(".dev")[0], found.release)
        self.assertTrue(found.version_file)  # the wheel ships hummingbot/VERSION too

    def test_a_source_checkout_is_read_from_its_version_file(self):
        with tempfile.TemporaryDirectory() as folder:
            package = Path(folder) / "hummingbot"
            package.mkdir()
            (package / "__init__.py").write_text("")
            (package / "VERSION").write_text("dev-2.18.0\n")
            # Run from the checkout, as its launchers do: the checkout's package comes first on the path, and the
            # venv's own Hummingbot dist-info (a different package folder) must not be taken for it.
            code = "from hummingbot_backpack import releases; f = releases.find_hummingbot(); print(f.release, f.version_file)"
            result = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True,
                                    timeout=60, env=dict(os.environ, PYTHONPATH=f"{folder}{os.pathsep}{ROOT}"))
        self.assertEqual("None dev-2.18.0", result.stdout.strip(), result.stderr)


class UntestedWarningTest(unittest.TestCase):
    def test_a_tested_release_gets_no_warning(self):
        for release, version_text in releases.TESTED_RELEASES.items():
            self.assertIsNone(untested_warning(HummingbotFound("/x/hummingbot", release, version_text)))
            self.assertIsNone(untested_warning(HummingbotFound("/x/hummingbot", None, version_text)))

    def test_an_untested_release_gets_one_clear_warning(self):
        message = untested_warning(HummingbotFound("/x/hummingbot", "20261201", "2.19.0"))
        self.assertIn("has not been tested with Hummingbot 20261201", message)
        self.assertIn("every release from 20251103 on is supported", message)
        for release in releases.TESTED_RELEASES:
            self.assertIn(release, message)

    def test_an_untested_source_build_is_named_by_its_version_file(self):
        message = untested_warning(HummingbotFound("/home/hummingbot/hummingbot", None, "dev-2.19.0"))
        self.assertIn("Hummingbot built from source, version dev-2.19.0 (/home/hummingbot/hummingbot)", message)

    def test_an_older_release_is_warned_about_not_refused(self):
        message = untested_warning(HummingbotFound("/x/hummingbot", "20250929", None))
        self.assertIn("older than 20251103", message)

    def test_no_hummingbot_no_warning(self):
        self.assertIsNone(untested_warning(None))

    def test_the_warning_is_logged_once_per_process(self):
        untested = HummingbotFound("/x/hummingbot", "20261201", None)
        with patch.object(releases, "_warned", False), patch.object(releases, "find_hummingbot", lambda: untested):
            with self.assertLogs("hummingbot_backpack", logging.WARNING) as logged:
                self.assertIsNotNone(releases.warn_once_if_untested())
                self.assertIsNone(releases.warn_once_if_untested())
        self.assertEqual(1, len(logged.records))


class TestedReleasesTest(unittest.TestCase):
    def test_every_release_called_tested_passed_make_compat_with_that_version_file(self):
        results = json.loads((ROOT / "tools" / "compat_results.json").read_text())
        for release, version_text in releases.TESTED_RELEASES.items():
            entry = results[release]
            self.assertEqual(version_text, entry["version_file"], release)
            for group in ("setup", "install", "registry", "e2e"):
                self.assertEqual("pass", entry[group]["outcome"], f"{release} {group}")

    def test_the_known_releases_start_at_the_first_supported_one_in_order(self):
        self.assertEqual(releases.FIRST_RELEASE, releases.KNOWN_RELEASES[0])
        self.assertEqual(sorted(set(releases.KNOWN_RELEASES)), list(releases.KNOWN_RELEASES))
        self.assertLessEqual(set(releases.TESTED_RELEASES), set(releases.KNOWN_RELEASES))
