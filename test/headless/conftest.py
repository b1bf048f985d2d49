"""Fixtures of the headless tests: one local MQTT broker for the session, a fresh bot home per test."""
import subprocess
from pathlib import Path

import pytest

from test.headless.support import PY, ROOT


@pytest.fixture(scope="session")
def mqtt_broker(tmp_path_factory):
    """A broker on 127.0.0.1:1883 for headless runs; reuses one that already listens, stops only its own."""
    pidfile = tmp_path_factory.mktemp("mqtt") / "broker.pid"
    started = subprocess.run([PY, "tools/mqtt_broker.py", "start", "--pidfile", str(pidfile)],
                             cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert started.returncode == 0, started.stderr
    yield
    subprocess.run([PY, "tools/mqtt_broker.py", "stop", "--pidfile", str(pidfile)],
                   cwd=ROOT, capture_output=True, text=True, timeout=30)


@pytest.fixture
def home(tmp_path) -> Path:
    return tmp_path / "bot_home"
