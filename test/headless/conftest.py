"""Fixtures of the headless tests: the guide's MQTT broker for the session, a fresh bot home per test."""
import os
from pathlib import Path

import pytest

from test.headless.support import base_env, bot_env, doc_shell, start_emulator, stop_checked, write_script_configs


@pytest.fixture(scope="session", autouse=True)
def mqtt_broker():
    """The guide's `mqtt_broker.py start`/`stop`, around every headless test (Hummingbot stalls ~25 s
    per attempt without a broker): reuses a broker that already listens, stops only its own."""
    started = doc_shell("broker_start", dict(os.environ), timeout=30)
    assert started.returncode == 0, started.stderr
    ours = "started a broker on 127.0.0.1:1883" in started.stdout
    assert ours or "already listens" in started.stdout
    yield
    if ours:  # a broker that was already there may be the user's, recorded in the same pid file: leave it
        stopped = doc_shell("broker_stop", dict(os.environ), timeout=30)
        assert stopped.returncode == 0, stopped.stderr
        assert "stopped the broker" in stopped.stdout


@pytest.fixture
def home(tmp_path) -> Path:
    """A fresh bot home holding only the script configs that this line's launch commands name."""
    home = tmp_path / "bot_home"
    write_script_configs(home, base_env(home))
    return home


@pytest.fixture
def emulator():
    """The emulator subprocess, started with the guide's command for a fresh key pair."""
    emulator = start_emulator()
    yield emulator
    stop_checked(emulator)


def _bot_with_keys(tmp_path_factory, store_command: str):
    """One emulator and one bot home whose keys were stored with the guide's `store_command`."""
    home = tmp_path_factory.mktemp("bot") / "bot_home"
    emulator = start_emulator()
    env = bot_env(home, emulator)
    stored = doc_shell(store_command, env)
    assert stored.returncode == 0, stored.stderr
    write_script_configs(home, env)
    return emulator, home, env


@pytest.fixture(scope="module")
def spot(tmp_path_factory, mqtt_broker):
    emulator, home, env = _bot_with_keys(tmp_path_factory, "store_keys_env")
    yield emulator, home, env
    stop_checked(emulator)


@pytest.fixture(scope="module")
def perp(tmp_path_factory, mqtt_broker):
    emulator, home, env = _bot_with_keys(tmp_path_factory, "store_perp_keys")
    yield emulator, home, env
    stop_checked(emulator)
