#!/usr/bin/env python3
"""Store Backpack API keys for Hummingbot without prompts (servers, CI, the demo).

Writes the same encrypted conf/connectors/<connector>.yml that `connect <connector>` writes, through
the same Hummingbot calls (Security + the connector's config map), and creates
conf/.password_verification when no password was set yet. Secrets never come from the command line:

    export CONFIG_PASSWORD=...                         # the password Hummingbot is started with
    export BACKPACK_API_KEY=... BACKPACK_API_SECRET=...
    .venv/bin/python tools/store_keys.py backpack [--check]        # this repository (make setup)
    python -m hummingbot_backpack.store_keys backpack [--check]    # a Hummingbot checkout or image, from its root
    printf '%s\\n%s\\n' "$KEY" "$SECRET" | .venv/bin/python tools/store_keys.py backpack --stdin

--check first validates the keys against the exchange (Hummingbot's own `connect` validation, which
honours BACKPACK_REST_URL) and stores nothing when they are refused.
Exit status: 0 stored, 2 bad input (missing or malformed key/secret), 3 wrong password, 4 keys refused.
Hummingbot's conf/ is the one of the Hummingbot it imports: run it from a checkout's (or the image's) root, where
`import hummingbot` finds the checkout's package (tools/store_keys.py does the set-up of this repository first).
"""
import argparse
import asyncio
import base64
import binascii
import os
import sys
from typing import Dict, List, Optional, TextIO, Tuple

EXIT_BAD_INPUT = 2
EXIT_WRONG_PASSWORD = 3
EXIT_KEYS_REFUSED = 4
ED25519_KEY_BYTES = 32
CHECK_TIMEOUT_S = 30.0


class StoreKeysError(Exception):
    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def decode_b64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise StoreKeysError(f"{what} is not valid base64", EXIT_BAD_INPUT) from None


def check_key_pair(api_key: str, api_secret: str) -> None:
    """Backpack keys are ED25519: the secret is a base64 32-byte seed (or seed + public key, 64 bytes)
    and the API key is the base64 public key derived from it. Messages never echo the secret."""
    from nacl.signing import SigningKey

    public = decode_b64(api_key, "the API key")
    if len(public) != ED25519_KEY_BYTES:
        raise StoreKeysError(f"the API key must decode to {ED25519_KEY_BYTES} bytes, got {len(public)}",
                             EXIT_BAD_INPUT)
    seed = decode_b64(api_secret, "the API secret")
    if len(seed) not in (ED25519_KEY_BYTES, 2 * ED25519_KEY_BYTES):
        raise StoreKeysError(f"the API secret must decode to {ED25519_KEY_BYTES} bytes (an ED25519 seed), "
                             f"got {len(seed)}", EXIT_BAD_INPUT)
    derived = bytes(SigningKey(seed[:ED25519_KEY_BYTES]).verify_key)
    if derived != public:
        raise StoreKeysError("the API secret does not belong to this API key", EXIT_BAD_INPUT)


def connect_fields(connector: str) -> Tuple[List[str], List[str]]:
    """The connector's `connect` fields: (secret ones in prompt order, e.g. api key then secret;
    optional settings with a default, e.g. backpack_self_trade_prevention)."""
    from hummingbot.client.settings import AllConnectorSettings

    if connector not in AllConnectorSettings.get_connector_settings():
        raise StoreKeysError(f"unknown connector {connector!r} (is the plugin installed? `make setup` in its "
                             f"repository, or `pip install --no-deps` it into Hummingbot's environment)",
                             EXIT_BAD_INPUT)
    config_class = type(AllConnectorSettings.get_connector_config_keys(connector))
    secrets, settings = [], []
    for name, field in config_class.model_fields.items():
        extra = field.json_schema_extra or {}
        if extra.get("is_connect_key"):
            (secrets if extra.get("is_secure") else settings).append(name)
    return secrets, settings


def env_names(connector: str, field: str) -> List[str]:
    # backpack_api_key -> BACKPACK_API_KEY; backpack_perpetual_api_key -> BACKPACK_PERPETUAL_API_KEY,
    # then BACKPACK_API_KEY (one Backpack key pair serves spot and perpetuals).
    suffix = field[len(connector) + 1:] if field.startswith(connector + "_") else field
    return list(dict.fromkeys([field.upper(), f"BACKPACK_{suffix.upper()}"]))


def from_env(connector: str, field: str) -> str:
    names = env_names(connector, field)
    return next((os.environ[n].strip() for n in names if os.environ.get(n, "").strip()), "")


def read_values(connector: str, secrets: List[str], settings: List[str], stdin: Optional[TextIO]) -> Dict[str, str]:
    """Secrets from the environment or, with --stdin, one per line; settings from the environment when set."""
    values: Dict[str, str] = {}
    lines = stdin.read().splitlines() if stdin is not None else []
    for index, field in enumerate(secrets):
        if stdin is not None:
            value = lines[index].strip() if index < len(lines) else ""
            source = f"line {index + 1} of stdin"
        else:
            value = from_env(connector, field)
            source = " or ".join(env_names(connector, field))
        if not value:
            raise StoreKeysError(f"missing {field}: set {source}", EXIT_BAD_INPUT)
        values[field] = value
    for field in settings:
        value = from_env(connector, field)
        if value:
            values[field] = value
    return values


def secrets_manager_for(password: str):
    """Hummingbot's secrets manager for `password`; refused when it does not unlock the existing conf/."""
    from hummingbot.client.config.config_crypt import (
        PASSWORD_VERIFICATION_PATH,
        ETHKeyFileSecretManger,
        validate_password,
    )

    secrets_manager = ETHKeyFileSecretManger(password)
    if PASSWORD_VERIFICATION_PATH.exists() and not validate_password(secrets_manager):
        raise StoreKeysError("wrong password: it does not unlock the existing conf/ "
                             "(nothing was changed)", EXIT_WRONG_PASSWORD)
    return secrets_manager


def login(secrets_manager) -> None:
    """Log in like Hummingbot does; on first use set the password (creates conf/.password_verification)."""
    from hummingbot.client.config.config_crypt import PASSWORD_VERIFICATION_PATH, store_password_verification
    from hummingbot.client.config.security import Security

    if not PASSWORD_VERIFICATION_PATH.exists():
        PASSWORD_VERIFICATION_PATH.parent.mkdir(parents=True, exist_ok=True)
        store_password_verification(secrets_manager)
    Security.login(secrets_manager)


async def validate_on_exchange(connector: str, values: Dict[str, str]) -> None:
    from hummingbot.client.config.config_helpers import load_client_config_map_from_file
    from hummingbot.user.user_balances import UserBalances

    try:
        error = await asyncio.wait_for(
            UserBalances.instance().add_exchange(connector, load_client_config_map_from_file(), **values),
            CHECK_TIMEOUT_S)
    except asyncio.TimeoutError:
        error = f"no answer from the exchange within {CHECK_TIMEOUT_S:.0f} s"
    if error is not None:
        raise StoreKeysError(f"the exchange refused the keys: {error} (nothing was stored)", EXIT_KEYS_REFUSED)


def store(connector: str, values: Dict[str, str]) -> str:
    from hummingbot.client.config.config_helpers import ClientConfigAdapter, get_connector_config_yml_path
    from hummingbot.client.config.security import Security
    from hummingbot.client.settings import AllConnectorSettings

    config = ClientConfigAdapter(AllConnectorSettings.get_connector_config_keys(connector))
    for field, value in values.items():
        setattr(config, field, value)
    Security.update_secure_config(config)
    return str(get_connector_config_yml_path(connector))


def run(connector: str, use_stdin: bool, check: bool, password: Optional[str]) -> str:
    if not password:
        raise StoreKeysError("set CONFIG_PASSWORD to the Hummingbot password (it is created on first use)",
                             EXIT_BAD_INPUT)
    secrets, settings = connect_fields(connector)
    values = read_values(connector, secrets, settings, sys.stdin if use_stdin else None)
    key_field = next((f for f in secrets if f.endswith("api_key")), None)
    secret_field = next((f for f in secrets if f.endswith("api_secret")), None)
    if connector.startswith("backpack") and key_field and secret_field:
        check_key_pair(values[key_field], values[secret_field])
    secrets_manager = secrets_manager_for(password)
    if check:  # before anything is written: refused keys leave conf/ as it was
        asyncio.run(validate_on_exchange(connector, values))
    login(secrets_manager)
    return store(connector, values)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description="Store exchange API keys encrypted, like `connect`, without prompts. "
                    "Password from CONFIG_PASSWORD; keys from the environment or --stdin.")
    parser.add_argument("connector", help="backpack or backpack_perpetual")
    parser.add_argument("--stdin", action="store_true", help="read the API key and secret, one per line, from stdin")
    parser.add_argument("--check", action="store_true", help="validate the keys on the exchange before storing")
    args = parser.parse_args(argv)
    try:
        path = run(args.connector, args.stdin, args.check, os.environ.get("CONFIG_PASSWORD"))
    except StoreKeysError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    print(f"Stored the encrypted keys for {args.connector} in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
