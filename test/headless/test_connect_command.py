"""`connect backpack` through Hummingbot's own console command, with the key check reaching the emulator."""
import subprocess

import pytest
import yaml

from test.headless.support import PASSWORD, PY, base_env, run, start_emulator


@pytest.fixture
def emulator():
    emulator = start_emulator()
    yield emulator
    emulator.stop()


def connect(home, emulator, answers: str) -> subprocess.CompletedProcess:
    env = base_env(home, CONFIG_PASSWORD=PASSWORD, **emulator.env())
    return run([PY, "test/headless/drive_connect.py", "backpack"], env, stdin=answers, timeout=90)


def test_connect_backpack_validates_on_the_exchange_and_stores_encrypted_keys(home, emulator):
    result = connect(home, emulator, f"{emulator.api_key}\n{emulator.api_secret}\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "UI: Enter your Backpack API key" in result.stdout
    assert "UI: You are now connected to backpack." in result.stdout

    signed_balance_queries = [entry for entry in emulator.admin("requests", path="/api/v1/capital")
                              if entry["apiKey"] == emulator.api_key and entry["status"] == 200]
    assert signed_balance_queries and signed_balance_queries[0]["instruction"] == "balanceQuery"

    stored = home / "conf" / "connectors" / "backpack.yml"
    text = stored.read_text()
    assert emulator.api_secret not in text and emulator.api_key not in text
    from hummingbot.client.config.config_crypt import ETHKeyFileSecretManger
    fields = yaml.safe_load(text)
    manager = ETHKeyFileSecretManger(PASSWORD)
    assert manager.decrypt_secret_value("backpack_api_key", fields["backpack_api_key"]) == emulator.api_key
    assert manager.decrypt_secret_value("backpack_api_secret", fields["backpack_api_secret"]) == emulator.api_secret
    assert fields["backpack_self_trade_prevention"] == "RejectTaker"


def test_connect_with_keys_the_exchange_does_not_know_reports_the_error(home, emulator):
    from backpack_emulator.keys import generate_keypair

    stranger_key, stranger_secret = generate_keypair()
    result = connect(home, emulator, f"{stranger_key}\n{stranger_secret}\n")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "UI: Error:" in result.stdout
    refused = [entry for entry in emulator.admin("requests", path="/api/v1/capital")
               if entry["apiKey"] == stranger_key]
    assert refused and all(entry["status"] >= 400 for entry in refused)
