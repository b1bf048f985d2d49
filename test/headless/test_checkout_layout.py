"""The plugin in a Hummingbot source checkout / the official Docker image's layout (issue 24, item 2).

The layout (test/packaging/checkout_layout.py): the line's compiled Hummingbot unpacked into a folder, a venv
with its dependencies and no `hummingbot` dist-info. The plugin is installed as the README says for that
layout (`pip install --no-deps`), its scripts copied with `python -m hummingbot_backpack.install_files`, keys
stored with `python -m hummingbot_backpack.store_keys`, and Hummingbot's own quickstart runs our auth test
against the emulator from the checkout's root. Then `pip uninstall` gives the checkout back untouched.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from hummingbot_backpack.releases import TESTED_RELEASES
from test.headless.support import PASSWORD, V2_ONLY, base_env, bot_env, messages
from test.packaging.checkout_layout import CheckoutLayout
from test.packaging.lifecycle_support import OWN_MODULES, ROOT, hummingbot_ships

OURS = os.sep + os.path.join("hummingbot_backpack", "")
KEYS = ("backpack", "backpack_perpetual", "candles_backpack", "candles_backpack_perpetual", "rate_source")


@pytest.fixture(scope="module")
def checkout():
    folder = Path(tempfile.mkdtemp(prefix="hb-checkout-"))
    layout = CheckoutLayout(folder)
    layout.tree_before = layout.hummingbot_tree()
    layout.venv.install_plugin()  # pip install --no-deps (README: source checkouts and Docker)
    yield layout
    shutil.rmtree(folder, ignore_errors=True)


def in_checkout(layout, args, env, timeout=60.0, stdin=None) -> subprocess.CompletedProcess:
    return subprocess.run([layout.venv.python, *args], cwd=layout.root, env=env, input=stdin, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.timeout(300)  # the layout's set-up (unpacking, pip) counts here, on a loaded 2-core machine
def test_a_plain_install_would_add_or_change_nothing_but_the_plugin(checkout):
    result = checkout.venv.pip("install", "--dry-run", "--no-build-isolation", "--no-index", "--report", "-", "--quiet",
                               "--ignore-installed", str(ROOT))
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    for stale in ROOT.glob("*.egg-info"):
        shutil.rmtree(stale, ignore_errors=True)
    report = json.loads(result.stdout)
    self_only = [item["metadata"]["name"] for item in report["install"]]
    assert self_only == ["hummingbot-backpack"], self_only


def test_the_checkout_serves_our_connectors_candles_and_rate_source(checkout):
    probe = checkout.venv.probe(cwd=checkout.root)
    assert ["backpack", "backpack_perpetual"] == probe["registry"]
    for key in KEYS:
        assert OURS in (probe[key] or ""), f"{key} resolves to {probe[key]}"
    assert probe["hook"]
    tested = checkout.version_file.read_text().strip() in TESTED_RELEASES.values()
    assert len(probe["untested_warnings"]) == (0 if tested else 1), probe["untested_warnings"]


def test_hummingbot_quickstart_runs_the_auth_test_from_the_checkout(checkout, emulator):
    env = bot_env(checkout.root, emulator)
    env.pop("HUMMINGBOT_HOME")  # a checkout is its own home
    installed = in_checkout(checkout, ["-m", "hummingbot_backpack.install_files", "--target", "."], env)
    assert installed.returncode == 0, installed.stderr
    assert (checkout.root / "scripts" / "backpack_auth_test.py").is_file()
    assert (checkout.root / "controllers" / "market_making" / "backpack_market_maker.py").is_file()
    again = in_checkout(checkout, ["-m", "hummingbot_backpack.install_files", "--target", "."], env)
    assert re.search(r"^0 copied, \d+ already up to date, 0 kept", again.stdout, re.M), again.stdout

    stored = in_checkout(checkout, ["-m", "hummingbot_backpack.store_keys", "backpack", "--check"], env)
    assert stored.returncode == 0, stored.stderr
    assert (checkout.root / "conf" / "connectors" / "backpack.yml").is_file()

    # Started as the image starts it (docker/compose.yml, hummingbot-api): the quickstart without arguments,
    # the password, headless mode and the script from the environment.
    if V2_ONLY:
        (checkout.root / "conf" / "scripts" / "backpack_auth_test.yml").write_text(
            "script_file_name: backpack_auth_test.py\n")
        env["SCRIPT_CONFIG"] = "backpack_auth_test.yml"
    else:
        env["CONFIG_FILE_NAME"] = "backpack_auth_test.py"
    env.update(CONFIG_PASSWORD=PASSWORD, HEADLESS_MODE="true")
    result = in_checkout(checkout, ["bin/hummingbot_quickstart.py"], env, timeout=90)
    lines = messages(result.stdout + result.stderr)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert "  USDC: total=10000.0000, available=10000.0000" in lines
    assert any(re.fullmatch(r"Order \S+ is cancelled", line) for line in lines)
    assert "Exiting Hummingbot with status 0" in lines


def test_this_repository_s_launchers_say_what_to_use_instead(checkout):
    env = base_env(checkout.root)
    for tool in ("bin/hummingbot_quickstart.py", "bin/hummingbot.py", "tools/store_keys.py"):
        result = subprocess.run([checkout.venv.python, str(ROOT / tool)], cwd=checkout.root, env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode != 0
        assert "no Hummingbot installed in this Python environment" in result.stderr, result.stderr[-2000:]
        assert "python -m hummingbot_backpack.install_files --target ." in result.stderr


def test_an_untested_source_build_gets_one_warning_at_start(checkout):
    original = checkout.version_file.read_text()
    checkout.version_file.write_text("dev-9.99.0\n")
    try:
        probe = checkout.venv.probe(cwd=checkout.root)
    finally:
        checkout.version_file.write_text(original)
    assert len(probe["untested_warnings"]) == 1, probe["untested_warnings"]
    assert "Hummingbot built from source, version dev-9.99.0" in probe["untested_warnings"][0]
    assert probe["registry"] == ["backpack", "backpack_perpetual"]  # a warning, never a refusal


def test_uninstalling_gives_the_checkout_back_untouched(checkout):
    checkout.venv.uninstall_plugin()
    assert checkout.hummingbot_tree() == checkout.tree_before
    assert [p.name for p in checkout.venv.site.iterdir() if "backpack" in p.name] == []
    probe = checkout.venv.probe(cwd=checkout.root)
    assert not probe["hook"]
    ships = {key: hummingbot_ships(path) for key, path in OWN_MODULES.items()}
    assert probe["registry"] == [name for name in ("backpack", "backpack_perpetual") if ships[name]]
    own = os.sep + os.path.join("checkout", "hummingbot", "")
    for key, shipped in ships.items():
        assert (own in (probe.get(key) or "")) if shipped else probe.get(key) is None, (key, probe.get(key))
