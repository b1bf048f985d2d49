"""Key storage under faults of the user: tools/store_keys.py (the headless key-storage tool) against the
emulator. A wrong password or a malformed secret is a clear error and sends nothing; stored keys are
only ever encrypted in conf/connectors/<connector>.yml."""
import asyncio
import base64
import shutil
import tempfile
from pathlib import Path
from typing import Dict, Tuple

import yaml

from backpack_emulator.keys import generate_keypair

from test.headless.support import PY, ROOT, base_env
from test.reliability.base import ReliabilityTestCase
from test.reliability.report import SECRETS_USED
from test.reliability.secrets_scan import files_containing

PASSWORD = "reliability-password"
TOOL_TIMEOUT_S = 60.0


class KeyStorageTests(ReliabilityTestCase):
    SPOT = False  # only the emulator: the tool under test talks to it

    async def store_keys(self, home: Path, api_key: str, api_secret: str, password: str) -> Tuple[int, str]:
        env: Dict[str, str] = base_env(home, CONFIG_PASSWORD=password, BACKPACK_API_KEY=api_key,
                                       BACKPACK_API_SECRET=api_secret,
                                       BACKPACK_REST_URL=self.venue.server.rest_url,
                                       BACKPACK_WS_URL=self.venue.server.ws_url)
        process = await asyncio.create_subprocess_exec(
            PY, "tools/store_keys.py", "backpack", "--check", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            out, err = await asyncio.wait_for(process.communicate(), TOOL_TIMEOUT_S)
        except asyncio.TimeoutError:
            process.kill()
            await process.wait()
            raise
        return process.returncode, (out + err).decode()

    def requests_by(self, api_key: str) -> list:
        return [r for r in self.venue.server.request_log.entries() if r["apiKey"] == api_key]

    async def test_wrong_password_and_malformed_secret_send_nothing_stored_keys_are_encrypted(self):
        self.scenario("security: key storage")
        folder = tempfile.mkdtemp(prefix="reliability_home_")
        self.addCleanup(shutil.rmtree, folder, True)
        home = Path(folder) / "bot_home"
        api_key, api_secret = self.venue.api_key, self.venue.api_secret

        status, output = await self.store_keys(home, api_key, api_secret, PASSWORD)
        self.assertEqual(0, status, output)
        self.assertTrue(self.requests_by(api_key))  # --check validated the keys on the emulator
        stored = (home / "conf" / "connectors" / "backpack.yml").read_text()
        self.assertNotIn(api_secret, stored)
        self.assertNotIn(api_key, stored)
        self.assert_encrypted(yaml.safe_load(stored)["backpack_api_secret"], api_secret)

        other_key, other_secret = generate_keypair()
        SECRETS_USED.add(other_secret)
        self.venue.server.add_account(other_key, {"USDC": "1"})
        self.stats.faults += 1
        status, output = await self.store_keys(home, other_key, other_secret, "not-the-password")
        self.assertEqual(3, status, output)
        self.assertIn("wrong password", output)
        self.assertNotIn(other_secret, output)

        for bad_secret in ("this is not base64!!", base64.b64encode(b"too short").decode()):
            self.stats.faults += 1
            status, output = await self.store_keys(home, other_key, bad_secret, PASSWORD)
            self.assertEqual(2, status, output)
            self.assertIn("API secret", output)
            self.assertNotIn(bad_secret, output)
        self.assertEqual([], self.requests_by(other_key))  # nothing was sent for the refused attempts
        self.assertEqual(stored, (home / "conf" / "connectors" / "backpack.yml").read_text())
        self.assertEqual([], files_containing(home / "logs", SECRETS_USED))
        await self.assert_consistent()

    def assert_encrypted(self, stored_value: str, secret: str):
        from hummingbot.client.config.config_crypt import ETHKeyFileSecretManger

        self.assertNotEqual(secret, stored_value)
        self.assertEqual(secret, ETHKeyFileSecretManger(PASSWORD).decrypt_secret_value("backpack_api_secret",
                                                                                      stored_value))
