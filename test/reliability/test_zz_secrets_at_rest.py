"""After the suite (this module runs last in test/reliability): no log file holds an API secret the suite
used, and every stored connector config in the repository's conf/ holds secrets only encrypted."""
import json
import unittest
from pathlib import Path

import yaml

from test.reliability.report import SECRETS_USED
from test.reliability.secrets_scan import files_containing

ROOT = Path(__file__).resolve().parents[2]


class SecretsAtRestTests(unittest.TestCase):

    def test_no_log_file_contains_a_secret(self):
        if not SECRETS_USED:
            self.skipTest("run with the rest of test/reliability: no scenario handed a secret to a connector")
        self.assertTrue((ROOT / "logs" / "reliability_tests.log").exists())  # the suite's own log, at INFO
        self.assertEqual([], files_containing(ROOT / "logs", SECRETS_USED))

    def test_stored_connector_secrets_are_encrypted(self):
        for path in sorted((ROOT / "conf" / "connectors").glob("*.yml")):
            config = yaml.safe_load(path.read_text()) or {}
            for field, value in config.items():
                if field.endswith(("_api_secret", "_secret_key", "_api_key")):
                    with self.subTest(file=path.name, field=field):
                        self.assertIn("crypto", json.loads(bytes.fromhex(str(value)).decode()))  # an ETH keyfile
        self.assertEqual([], files_containing(ROOT / "conf", SECRETS_USED))
