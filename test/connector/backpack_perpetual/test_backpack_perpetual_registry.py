"""Hummingbot's registry lists `backpack_perpetual` from the INSTALLED plugin (run tools/setup.sh first).

The probe runs in a subprocess outside the repo, so only the copy in site-packages can answer.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

PROBE = r"""
import importlib, json
from hummingbot.client.settings import AllConnectorSettings
setting = AllConnectorSettings.create_connector_settings()["backpack_perpetual"]
keys = type(setting.config_keys).model_fields
init = setting.conn_init_parameters(trading_pairs=["SOL-USDC"], trading_required=False, api_keys={
    "backpack_perpetual_api_key": "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
    "backpack_perpetual_api_secret": "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="})
connector = getattr(importlib.import_module(setting.module_path()), setting.class_name())(**init)
fees = setting.trade_fee_schema
print(json.dumps({
    "type": setting.type.name, "pair": setting.example_pair, "class": setting.class_name(),
    "secure": sorted(n for n in keys if (keys[n].json_schema_extra or {}).get("is_secure")),
    "name": connector.name, "modes": [m.name for m in connector.supported_position_modes()],
    "fees": [str(fees.maker_percent_fee_decimal), str(fees.taker_percent_fee_decimal)],
    "valid_perp": connector.is_exchange_information_valid({"marketType": "PERP", "visible": True}),
    "valid_spot": connector.is_exchange_information_valid({"marketType": "SPOT", "visible": True}),
    "module_file": importlib.import_module(setting.module_path()).__file__}))
"""


class PerpetualRegistryTests(unittest.TestCase):

    def test_installed_plugin_registers_backpack_perpetual(self):
        with tempfile.TemporaryDirectory() as elsewhere:
            probe = subprocess.run([sys.executable, "-c", PROBE], cwd=elsewhere, capture_output=True, text=True,
                                   timeout=90)
        self.assertEqual(0, probe.returncode, f"backpack_perpetual is not installed (run tools/setup.sh): "
                                              f"{probe.stderr[-2000:]}")
        listed = json.loads(probe.stdout.strip().splitlines()[-1])
        self.assertEqual(("Derivative", "SOL-USDC", "BackpackPerpetualDerivative", "backpack_perpetual"),
                         (listed["type"], listed["pair"], listed["class"], listed["name"]))
        self.assertEqual(["backpack_perpetual_api_key", "backpack_perpetual_api_secret"], listed["secure"])
        self.assertEqual(["ONEWAY"], listed["modes"])
        self.assertEqual(["0.0002", "0.0005"], listed["fees"])
        self.assertEqual((True, False), (listed["valid_perp"], listed["valid_spot"]))
        self.assertIn(os.path.join("site-packages", "hummingbot_backpack", ""), listed["module_file"])
