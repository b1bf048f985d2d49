"""Key files written by Hummingbot's own `backpack_perpetual` are read by ours, through Hummingbot's Security.

Hummingbot's own perpetual connector (20260922) stores `backpack_api_key` / `backpack_api_secret` in
conf/connectors/backpack_perpetual.yml, ours `backpack_perpetual_api_*`. Each probe runs in a
subprocess with a bot home of its own (HUMMINGBOT_HOME), as the launchers do.
"""
import json
import os
import subprocess
import sys
import textwrap
import unittest
from importlib.metadata import version
from pathlib import Path
from tempfile import TemporaryDirectory

from hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_utils import BackpackPerpetualConfigMap

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "key-files-test"
KEY, SECRET = "bXkgcHVibGljIGtleQ==", "bXkgc2VjcmV0IHNlZWQ="
HAS_OWN_BACKPACK = version("hummingbot").split(".dev")[0] >= "20260302"

LOGIN = textwrap.dedent(f"""
    import asyncio, json, sys
    import path_util  # noqa: F401  (HUMMINGBOT_HOME)
    from hummingbot.client.config.config_crypt import ETHKeyFileSecretManger, store_password_verification
    from hummingbot.client.config.security import Security
    secrets = ETHKeyFileSecretManger({PASSWORD!r})
""")
# What Hummingbot's own backpack_perpetual writes after `connect backpack_perpetual` (field names and
# encryption), written by hand so that it can be tested on a line without that connector.
WRITE_OWN_FORMAT = LOGIN + textwrap.dedent("""
    from hummingbot.client.settings import CONNECTORS_CONF_DIR_PATH
    store_password_verification(secrets)
    CONNECTORS_CONF_DIR_PATH.mkdir(parents=True, exist_ok=True)
    (CONNECTORS_CONF_DIR_PATH / "backpack_perpetual.yml").write_text(
        "connector: backpack_perpetual\\n"
        f"backpack_api_key: {secrets.encrypt_secret_value('backpack_api_key', sys.argv[1])}\\n"
        f"backpack_api_secret: {secrets.encrypt_secret_value('backpack_api_secret', sys.argv[2])}\\n")
""")
# `connect backpack_perpetual` minus the network check, with whichever connector is registered.
WRITE_WITH_REGISTERED_CONNECTOR = LOGIN + textwrap.dedent("""
    from hummingbot.client.config.config_helpers import ClientConfigAdapter
    from hummingbot.client.settings import AllConnectorSettings
    store_password_verification(secrets)
    Security.login(secrets)
    config = ClientConfigAdapter(AllConnectorSettings.get_connector_config_keys(sys.argv[3]))
    key_field, secret_field = [f for f in config.keys() if f != "connector"][:2]
    setattr(config, key_field, sys.argv[1])
    setattr(config, secret_field, sys.argv[2])
    Security.update_secure_config(config)
    print("WROTE" + json.dumps([type(config.hb_config).__module__, key_field, secret_field]))
""")
READ = LOGIN + textwrap.dedent("""
    Security.login(secrets)
    asyncio.run(Security.wait_til_decryption_done())
    from hummingbot.client.settings import AllConnectorSettings
    connector = sys.argv[1] if len(sys.argv) > 1 else "backpack_perpetual"
    keys_class = type(AllConnectorSettings.get_connector_config_keys(connector))
    print("KEYS" + json.dumps([keys_class.__module__, Security.api_keys(connector)]))
""")


def run(script: str, home: Path, *args: str, own_connectors: bool = False, check: bool = True):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "HUMMINGBOT_BACKPACK_DISABLE")}
    env.update(HUMMINGBOT_HOME=str(home), PYTHONPATH=str(ROOT))
    if own_connectors:
        env["HUMMINGBOT_BACKPACK_DISABLE"] = "1"  # our import hook off: Hummingbot's own connectors
    result = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    if not check:
        return result
    if result.returncode != 0:
        raise AssertionError(result.stderr[-3000:])
    return result.stdout


def tagged(output: str, tag: str):
    return json.loads([line for line in output.splitlines() if line.startswith(tag)][-1][len(tag):])


class KeyFieldsTest(unittest.TestCase):
    def test_hummingbot_own_field_names_are_read_as_ours(self):
        config = BackpackPerpetualConfigMap.model_validate(
            {"connector": "backpack_perpetual", "backpack_api_key": KEY, "backpack_api_secret": SECRET})
        self.assertEqual((KEY, SECRET), (config.backpack_perpetual_api_key.get_secret_value(),
                                         config.backpack_perpetual_api_secret.get_secret_value()))

    def test_our_field_names_win_when_a_file_has_both(self):
        config = BackpackPerpetualConfigMap.model_validate(
            {"backpack_api_key": "theirs", "backpack_perpetual_api_key": KEY, "backpack_perpetual_api_secret": SECRET})
        self.assertEqual(KEY, config.backpack_perpetual_api_key.get_secret_value())


class KeyFilesTest(unittest.TestCase):
    def setUp(self):
        folder = TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.home = Path(folder.name) / "home"

    def test_a_file_in_hummingbot_own_format_is_decrypted_into_our_keys(self):
        run(WRITE_OWN_FORMAT, self.home, KEY, SECRET)
        module, keys = tagged(run(READ, self.home), "KEYS")
        self.assertEqual("hummingbot.connector.derivative.backpack_perpetual.backpack_perpetual_utils", module)
        self.assertEqual((KEY, SECRET), (keys["backpack_perpetual_api_key"], keys["backpack_perpetual_api_secret"]))

    @unittest.skipUnless(HAS_OWN_BACKPACK, "this Hummingbot has no backpack_perpetual of its own")
    def test_keys_stored_with_hummingbot_own_connector_are_read_by_ours(self):
        module, key_field, secret_field = tagged(
            run(WRITE_WITH_REGISTERED_CONNECTOR, self.home, KEY, SECRET, "backpack_perpetual", own_connectors=True), "WROTE")
        self.assertEqual(("backpack_api_key", "backpack_api_secret"), (key_field, secret_field))
        stored = (self.home / "conf" / "connectors" / "backpack_perpetual.yml").read_text()
        self.assertNotIn(SECRET, stored)
        _, keys = tagged(run(READ, self.home), "KEYS")
        self.assertEqual((KEY, SECRET), (keys["backpack_perpetual_api_key"], keys["backpack_perpetual_api_secret"]))

    @unittest.skipUnless(HAS_OWN_BACKPACK, "this Hummingbot has no backpack_perpetual of its own")
    def test_hummingbot_own_connector_does_not_read_our_field_names(self):
        """The other way (documented in the README): after uninstalling, `connect backpack_perpetual` again."""
        _, key_field, _ = tagged(run(WRITE_WITH_REGISTERED_CONNECTOR, self.home, KEY, SECRET, "backpack_perpetual"), "WROTE")
        self.assertEqual("backpack_perpetual_api_key", key_field)
        refused = run(READ, self.home, own_connectors=True, check=False)
        self.assertNotEqual(0, refused.returncode)
        self.assertIn("backpack_perpetual_api_key\n  Extra inputs are not permitted", refused.stderr)

    @unittest.skipUnless(HAS_OWN_BACKPACK, "this Hummingbot has no backpack connector of its own")
    def test_spot_keys_stored_with_hummingbot_own_connector_are_read_by_ours(self):
        _, key_field, secret_field = tagged(
            run(WRITE_WITH_REGISTERED_CONNECTOR, self.home, KEY, SECRET, "backpack", own_connectors=True), "WROTE")
        self.assertEqual(("backpack_api_key", "backpack_api_secret"), (key_field, secret_field))
        module, keys = tagged(run(READ, self.home, "backpack"), "KEYS")
        self.assertEqual("hummingbot.connector.exchange.backpack.backpack_utils", module)
        self.assertEqual((KEY, SECRET), (keys["backpack_api_key"], keys["backpack_api_secret"]))

    @unittest.skipUnless(HAS_OWN_BACKPACK, "this Hummingbot has no backpack connector of its own")
    def test_hummingbot_own_spot_connector_refuses_our_extra_setting(self):
        run(WRITE_WITH_REGISTERED_CONNECTOR, self.home, KEY, SECRET, "backpack")
        refused = run(READ, self.home, "backpack", own_connectors=True, check=False)
        self.assertNotEqual(0, refused.returncode)
        self.assertIn("backpack_self_trade_prevention\n  Extra inputs are not permitted", refused.stderr)
