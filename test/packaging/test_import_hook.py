"""The import hook on its own: which names it answers, the connector folder listing, switching off."""
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from hummingbot_backpack import import_hook

ROOT = Path(__file__).resolve().parents[2]
SOURCE = str(ROOT / "hummingbot")


def fake_hummingbot_connector_dir(root: Path, kind: str, names) -> Path:
    folder = root / "hummingbot" / "connector" / kind
    for name in names:
        (folder / name).mkdir(parents=True)
        (folder / name / "__init__.py").write_text("")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class FinderTest(unittest.TestCase):
    def setUp(self):
        self.finder = import_hook.BackpackFinder(SOURCE)

    def test_our_packages_come_from_our_folders_only(self):
        for name, parts in import_hook.PACKAGES.items():
            spec = self.finder.find_spec(name)
            self.assertEqual([os.path.join(SOURCE, *parts)], list(spec.submodule_search_locations), name)
            self.assertEqual(name, spec.name)

    def test_other_names_are_left_to_python(self):
        for name in ("hummingbot", "hummingbot.connector.exchange.binance", "hummingbot.connector.exchange.backpackx",
                     "json"):
            self.assertIsNone(self.finder.find_spec(name))

    def test_the_running_interpreter_imports_ours_under_hummingbot_names(self):
        import hummingbot.connector.exchange.backpack.backpack_constants as constants

        self.assertEqual(os.path.join(SOURCE, "connector", "exchange", "backpack", "backpack_constants.py"),
                         constants.__file__)
        self.assertIs(sys.modules["hummingbot.connector.exchange.backpack.backpack_constants"], constants)


class ConnectorListingTest(unittest.TestCase):
    def setUp(self):
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.root = Path(folder.name)
        self.scandir = import_hook.BackpackFinder(SOURCE).wrap_scandir(os.scandir)

    def names(self, path) -> list:
        with self.scandir(path) as entries:  # used like os.scandir's iterator too
            return sorted(entry.name for entry in entries)

    def test_our_connectors_are_listed_where_hummingbot_has_none(self):
        exchange = fake_hummingbot_connector_dir(self.root, "exchange", ["binance"])
        derivative = fake_hummingbot_connector_dir(self.root, "derivative", ["binance_perpetual"])
        self.assertEqual(["backpack", "binance"], self.names(exchange))
        self.assertEqual(["backpack_perpetual", "binance_perpetual"], self.names(derivative))
        ours = [e for e in self.scandir(str(exchange)) if e.name == "backpack"][0]
        self.assertEqual(os.path.join(SOURCE, "connector", "exchange", "backpack"), ours.path)

    def test_hummingbot_own_folder_is_listed_once(self):
        exchange = fake_hummingbot_connector_dir(self.root, "exchange", ["backpack", "binance"])
        entries = list(self.scandir(exchange))
        self.assertEqual(["backpack", "binance"], sorted(e.name for e in entries))
        self.assertEqual(str(exchange / "backpack"), [e for e in entries if e.name == "backpack"][0].path)

    def test_other_folders_are_listed_as_they_are(self):
        connector = fake_hummingbot_connector_dir(self.root, "exchange", []).parent
        other = self.root / "exchange"
        other.mkdir()
        self.assertEqual(["exchange"], self.names(connector))
        self.assertEqual([], self.names(other))  # an `exchange` folder not under hummingbot/connector

    def test_wrapping_twice_wraps_once(self):
        finder = import_hook.BackpackFinder(SOURCE)
        self.assertIs(self.scandir, finder.wrap_scandir(self.scandir))

    def test_hummingbot_settings_module_is_patched(self):
        from hummingbot.client import settings

        self.assertTrue(getattr(settings.scandir, "__backpack_plugin__", False))


class SwitchTest(unittest.TestCase):
    def run_python(self, code: str, **env) -> str:
        environment = {k: v for k, v in os.environ.items() if k != import_hook.DISABLE_ENV_VAR}
        environment.update(env)
        result = subprocess.run([sys.executable, "-c", code], cwd=tempfile.gettempdir(), env=environment,
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(0, result.returncode, result.stderr)
        return result.stdout.strip()

    def test_the_pth_file_starts_the_hook_in_every_interpreter(self):
        code = "import sys; print([type(f).__name__ for f in sys.meta_path][0])"
        self.assertEqual("BackpackFinder", self.run_python(code))

    def test_the_hook_can_be_switched_off_for_one_process(self):
        code = "import sys; print(any(type(f).__name__ == 'BackpackFinder' for f in sys.meta_path))"
        self.assertEqual("False", self.run_python(code, **{import_hook.DISABLE_ENV_VAR: "1"}))

    def test_switching_copies_after_an_import_is_refused(self):
        import hummingbot.connector.exchange.backpack  # noqa: F401  (imported from the working tree)

        with tempfile.TemporaryDirectory() as other:
            with self.assertRaises(RuntimeError):
                import_hook.use_code_root(other)
        self.assertEqual(SOURCE, import_hook.current_finder().code_root)
