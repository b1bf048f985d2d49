"""Hummingbot's own registry lists `backpack` from the INSTALLED plugin (needs `make setup` / tools/setup.sh).

Runs in a subprocess started outside the repo, so neither conftest.py nor the working tree can stand in
for the copy in site-packages that Hummingbot's folder scan reads.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

PROBE = r"""
import json
from hummingbot.client.settings import AllConnectorSettings
settings = AllConnectorSettings.create_connector_settings()
backpack = settings["backpack"]
fields = type(backpack.config_keys).model_fields
params = backpack.conn_init_parameters(
    trading_pairs=["SOL-USDC"], trading_required=False,
    api_keys={"backpack_api_key": "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
              "backpack_api_secret": "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=",
              "backpack_self_trade_prevention": "RejectBoth", "backpack_cancel_all_scope": "all_orders_in_market"})
import importlib
module = importlib.import_module(backpack.module_path())
connector = getattr(module, backpack.class_name())(**params)
print(json.dumps({
    "type": backpack.type.name,
    "example_pair": backpack.example_pair,
    "centralised": backpack.centralised,
    "class": backpack.class_name(),
    "utils_file": importlib.import_module("hummingbot.connector.exchange.backpack.backpack_utils").__file__,
    "secure": {name: (fields[name].json_schema_extra or {}).get("is_secure") for name in fields if name != "connector"},
    "connector_name": connector.name,
    "self_trade_prevention": connector.self_trade_prevention,
    "cancel_all_scope": connector.cancel_all_scope,
    "default_cancel_all_scope": fields["backpack_cancel_all_scope"].default,
}))
"""


class RegistryTests(unittest.TestCase):

    def test_installed_plugin_is_listed_by_hummingbot(self):
        with tempfile.TemporaryDirectory() as outside_repo:
            result = subprocess.run([sys.executable, "-c", PROBE], cwd=outside_repo, capture_output=True,
                                    text=True, timeout=90)
        self.assertEqual(0, result.returncode,
                         f"the installed plugin is missing or broken (run `make setup`): {result.stderr[-2000:]}")
        found = json.loads(result.stdout.strip().splitlines()[-1])
        self.assertEqual("Exchange", found["type"])
        self.assertEqual("SOL-USDC", found["example_pair"])
        self.assertTrue(found["centralised"])
        self.assertEqual("BackpackExchange", found["class"])
        self.assertIn(os.path.join("site-packages", "hummingbot_backpack", ""), found["utils_file"])
        self.assertEqual({"backpack_api_key": True, "backpack_api_secret": True,
                          "backpack_self_trade_prevention": False, "backpack_cancel_all_scope": False}, found["secure"])
        self.assertEqual("backpack", found["connector_name"])
        self.assertEqual("RejectBoth", found["self_trade_prevention"])
        self.assertEqual(("all_orders_in_market", "bot_orders"),
                         (found["cancel_all_scope"], found["default_cancel_all_scope"]))  # safe by default
