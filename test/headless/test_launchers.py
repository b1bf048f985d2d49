"""Our launchers and helpers without an exchange: password checks, bin.hummingbot's exports, the broker."""
import socket
import subprocess

from test.headless.support import PASSWORD, PY, ROOT, base_env, doc_shell, new_keypair, quickstart_args, run

SET_PASSWORD = ("import path_util\n"
                "from hummingbot.client.config.config_crypt import ETHKeyFileSecretManger, store_password_verification\n"
                f"store_password_verification(ETHKeyFileSecretManger({PASSWORD!r}))\n")
# Stores keys through Hummingbot's own Security API, bypassing tools/store_keys.py's format checks.
STORE_UNCHECKED_KEYS = (SET_PASSWORD +
                        "from hummingbot.client.config.security import Security\n"
                        "from hummingbot.client.config.config_helpers import ClientConfigAdapter\n"
                        "from hummingbot.client.settings import AllConnectorSettings\n"
                        f"Security.login(ETHKeyFileSecretManger({PASSWORD!r}))\n"
                        "config = ClientConfigAdapter(AllConnectorSettings.get_connector_config_keys('backpack'))\n"
                        "config.backpack_api_key, config.backpack_api_secret = sys.argv[1], sys.argv[2]\n"
                        "Security.update_secure_config(config)\n")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_quickstart_without_a_password_file_explains_what_to_do(home):
    result = run([PY, "bin/hummingbot_quickstart.py", "-p", PASSWORD, *quickstart_args("backpack_auth_test.py"), "--headless"],
                 base_env(home))
    assert result.returncode == 2
    assert "no password has been set yet" in result.stderr
    assert "tools/store_keys.py" in result.stderr


def test_quickstart_with_a_wrong_password_exits_non_zero(home):
    assert run([PY, "-c", SET_PASSWORD], base_env(home, PYTHONPATH=".")).returncode == 0
    result = run([PY, "bin/hummingbot_quickstart.py", *quickstart_args("backpack_auth_test.py"), "--headless"],
                 base_env(home, CONFIG_PASSWORD="wrong"))
    assert result.returncode == 2
    assert "Invalid password" in result.stderr


def test_auth_test_without_a_key_file_fails_with_a_clear_message(home):
    assert run([PY, "-c", SET_PASSWORD], base_env(home, PYTHONPATH=".")).returncode == 0
    result = doc_shell("run_auth_test", base_env(home, CONFIG_PASSWORD=PASSWORD))
    assert result.returncode == 1
    assert "API keys required for live trading connector 'backpack'" in result.stdout
    assert "Failed to load strategy. Exiting." in result.stdout


def test_auth_test_with_a_malformed_stored_secret_fails_without_echoing_it(home):
    key, _ = new_keypair()
    bad_secret = "malformed-secret-value!"
    stored = run([PY, "-c", "import sys\n" + STORE_UNCHECKED_KEYS, key, bad_secret], base_env(home, PYTHONPATH="."))
    assert stored.returncode == 0, stored.stderr
    result = doc_shell("run_auth_test", base_env(home, CONFIG_PASSWORD=PASSWORD))
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "Failed to start strategy backpack_auth_test: The Backpack API secret is not valid base64" in output
    assert bad_secret not in output


def test_bin_hummingbot_offers_what_the_wheels_quickstart_imports(home):
    code = ("import path_util, sys\n"
            "from bin.hummingbot import UIStartListener, detect_available_port\n"
            "import hummingbot\n"
            "assert hummingbot.__file__.endswith('hummingbot/__init__.py'), hummingbot.__file__\n"
            "print(detect_available_port(18211), UIStartListener.__name__, hummingbot.root_path())\n")
    result = run([PY, "-c", code], base_env(home, PYTHONPATH="."))
    assert result.returncode == 0, result.stderr
    port, name, root = result.stdout.split()
    assert int(port) >= 18211 and name == "UIStartListener"
    assert root == str(home.resolve())
    assert (home / "hummingbot").resolve().joinpath("client").is_dir()
    assert (home / "scripts").resolve() == ROOT / "scripts"


def test_without_a_home_hummingbot_uses_the_repository_folders_from_any_directory(tmp_path):
    code = ("import os, path_util, hummingbot\n"
            "print(os.getcwd()); print((hummingbot.root_path() / 'conf').resolve())\n")
    env = {k: v for k, v in base_env(tmp_path, PYTHONPATH=str(ROOT)).items() if k != "HUMMINGBOT_HOME"}
    result = subprocess.run([PY, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(ROOT), str(ROOT / "conf")]  # conf/ is linked there by `make setup`


def test_mqtt_broker_starts_once_serves_mqtt_and_stops_only_its_own(tmp_path):
    port = str(free_port())
    pidfile, other_pidfile = str(tmp_path / "a.pid"), str(tmp_path / "b.pid")
    broker = [PY, "tools/mqtt_broker.py"]
    started = subprocess.run(broker + ["start", "--port", port, "--pidfile", pidfile],
                             cwd=ROOT, capture_output=True, text=True, timeout=30)
    try:
        assert started.returncode == 0, started.stderr
        assert "started a broker" in started.stdout
        again = subprocess.run(broker + ["start", "--port", port, "--pidfile", other_pidfile],
                               cwd=ROOT, capture_output=True, text=True, timeout=30)
        assert "already listens" in again.stdout
        not_ours = subprocess.run(broker + ["stop", "--pidfile", other_pidfile],
                                  cwd=ROOT, capture_output=True, text=True, timeout=30)
        assert "no broker of ours" in not_ours.stdout
        assert mqtt_connack(int(port)) == b"\x20\x02\x00\x00"  # CONNACK, connection accepted
    finally:
        stopped = subprocess.run(broker + ["stop", "--pidfile", pidfile],
                                 cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert "stopped the broker" in stopped.stdout
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", int(port))) != 0


def test_mqtt_broker_refuses_a_non_loopback_address():
    result = subprocess.run([PY, "tools/mqtt_broker.py", "start", "--host", "0.0.0.0"],
                            cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "loopback only" in result.stderr


def mqtt_connack(port: int) -> bytes:
    """Send a minimal MQTT 3.1.1 CONNECT and return the broker's reply (4 bytes)."""
    client_id = b"headless-test"
    variable = b"\x00\x04MQTT\x04\x02\x00\x3c" + len(client_id).to_bytes(2, "big") + client_id
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"\x10" + bytes([len(variable)]) + variable)
        return sock.recv(4)


def test_a_bot_home_finds_the_v2_controllers_and_gets_the_example_configs_once(home):
    """Hummingbot imports `controllers.<type>.<name>` and reads conf/controllers/ of the home: the home links the
    repo's controllers/ and gets a copy of each example config it does not have (its own are never replaced)."""
    (home / "conf" / "controllers").mkdir(parents=True)
    own = home / "conf" / "controllers" / "backpack_spot_mm.yml"
    own.write_text("id: mine\n")
    code = ("import path_util\n"
            "from hummingbot.client import settings\n"
            "from scripts.backpack_v2_controllers import BackpackV2ControllersConfig\n"
            "configs = BackpackV2ControllersConfig(controllers_config=['backpack_perp_trend.yml']).load_controller_configs()\n"
            "print(settings.CONTROLLERS_CONF_DIR_PATH, type(configs[0]).__module__, configs[0].get_controller_class().__name__)\n")
    result = run([PY, "-c", code], base_env(home, PYTHONPATH="."))
    assert result.returncode == 0, result.stderr[-2000:]
    conf_dir, module, controller = result.stdout.split()
    assert conf_dir == str(home.resolve() / "conf" / "controllers")
    assert (module, controller) == ("controllers.directional_trading.backpack_trend_follower", "BackpackTrendFollower")
    assert (home / "controllers").resolve() == ROOT / "controllers"
    assert own.read_text() == "id: mine\n"
    for example in ("conf/controllers/backpack_perp_trend.yml", "conf/scripts/backpack_v2_spot.yml"):
        assert (home / example).read_text() == (ROOT / example).read_text()
