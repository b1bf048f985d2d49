"""tools/store_keys.py: the same encrypted file as `connect`, secrets never from argv, clear failures."""
from pathlib import Path
from typing import List

import pytest
import yaml

from test.headless.support import BACKPACK_KEY_FILE_FIELDS, PASSWORD, PY, base_env, doc_shell, new_keypair, run


def store(home: Path, key: str, secret: str, password: str = PASSWORD):
    env = base_env(home, CONFIG_PASSWORD=password, BACKPACK_API_KEY=key, BACKPACK_API_SECRET=secret)
    return run([PY, "tools/store_keys.py", "backpack"], env)


def decrypt_stored(home: Path, password: str = PASSWORD) -> List[str]:
    """The stored key and secret, decrypted with Hummingbot's own secrets manager."""
    from hummingbot.client.config.config_crypt import ETHKeyFileSecretManger

    stored = yaml.safe_load((home / "conf" / "connectors" / "backpack.yml").read_text())
    assert set(stored) == BACKPACK_KEY_FILE_FIELDS  # the same file as the console's `connect backpack`
    manager = ETHKeyFileSecretManger(password)
    return [manager.decrypt_secret_value(field, stored[field]) for field in ("backpack_api_key", "backpack_api_secret")]


def test_stored_encrypted_from_env_then_stdin_and_a_wrong_password_changes_nothing(home):
    key, secret = new_keypair()
    result = store(home, key, secret)
    assert result.returncode == 0, result.stderr
    stored = home / "conf" / "connectors" / "backpack.yml"
    assert str(stored) in result.stdout
    text = stored.read_text()
    assert "connector: backpack" in text
    assert secret not in text and key not in text
    assert (home / "conf" / ".password_verification").exists()
    assert decrypt_stored(home) == [key, secret]

    key, secret = new_keypair()
    env = base_env(home, CONFIG_PASSWORD=PASSWORD, BACKPACK_API_KEY=key, BACKPACK_API_SECRET=secret)
    result = doc_shell("store_keys_stdin", env)
    assert result.returncode == 0, result.stderr
    assert decrypt_stored(home) == [key, secret]

    before = stored.read_text()
    other_key, other_secret = new_keypair()
    result = store(home, other_key, other_secret, password="not-the-password")
    assert result.returncode == 3
    assert "wrong password" in result.stderr
    assert stored.read_text() == before


@pytest.mark.parametrize("secret, message", [
    ("not base64 at all!", "the API secret is not valid base64"),
    ("c2hvcnQ=", "the API secret must decode to 32 bytes"),
    (None, "the API secret does not belong to this API key"),
])
def test_malformed_secret_is_refused_without_echo_and_nothing_is_written(home, secret, message):
    key, _ = new_keypair()
    secret = secret if secret is not None else new_keypair()[1]
    result = store(home, key, secret)
    assert result.returncode == 2
    assert message in result.stderr
    assert secret not in result.stderr + result.stdout
    assert not (home / "conf" / "connectors" / "backpack.yml").exists()
    assert not (home / "conf" / ".password_verification").exists()


def test_missing_key_and_missing_password_are_clear_errors(home):
    key, secret = new_keypair()
    no_secret = store(home, key, "")
    assert no_secret.returncode == 2
    assert "missing backpack_api_secret: set BACKPACK_API_SECRET" in no_secret.stderr
    no_password = store(home, key, secret, password="")
    assert no_password.returncode == 2
    assert "set CONFIG_PASSWORD" in no_password.stderr


def test_secrets_are_not_accepted_on_the_command_line(home):
    key, secret = new_keypair()
    result = run([PY, "tools/store_keys.py", "backpack", "--api-secret", secret],
                 base_env(home, CONFIG_PASSWORD=PASSWORD))
    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr


def test_check_with_keys_the_exchange_refuses_stores_nothing(home, emulator):
    stranger_key, stranger_secret = new_keypair()
    env = base_env(home, CONFIG_PASSWORD=PASSWORD, BACKPACK_API_KEY=stranger_key,
                   BACKPACK_API_SECRET=stranger_secret, **emulator.env())
    result = run([PY, "tools/store_keys.py", "backpack", "--check"], env)
    assert result.returncode == 4
    assert "the exchange refused the keys" in result.stderr and "(nothing was stored)" in result.stderr
    assert stranger_secret not in result.stdout + result.stderr
    assert not (home / "conf" / "connectors" / "backpack.yml").exists()
    assert not (home / "conf" / ".password_verification").exists()
    refused = [e for e in emulator.admin("requests", path="/api/v1/capital") if e["apiKey"] == stranger_key]
    assert refused and all(e["status"] >= 400 for e in refused)
