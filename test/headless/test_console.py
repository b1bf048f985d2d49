"""The guide's interactive path: bin/hummingbot.py in a terminal, first-start password, `connect backpack`."""
import shlex

import yaml

from test.headless.console_pty import ConsoleSession
from test.headless.support import (
    BACKPACK_KEY_FILE_FIELDS,
    DOC_COMMANDS,
    PASSWORD,
    ROOT,
    base_env,
    console_start_command,
)


def test_console_first_start_then_connect_backpack_validates_and_stores_encrypted_keys(home, emulator):
    env = base_env(home, TERM="xterm", COLUMNS="120", LINES="40", **emulator.env())
    console = ConsoleSession(shlex.split(DOC_COMMANDS["console"]), str(ROOT), env)
    try:
        assert console.wait_for("<Ok>"), "no welcome page"
        for _ in range(10):  # the welcome pages, each closed with its OK button
            console.forget_screen()  # what comes after this Enter is the next page
            console.type("\r")
            if console.shows_after(1.0, "Enter your new password"):
                break
        assert console.wait_for("Enter your new password", timeout=1), "the console never asked for a new password"
        console.answer_dialog(PASSWORD)
        assert console.wait_for("re-enter your password")
        console.answer_dialog(PASSWORD)
        assert console.wait_for(">>>")
        console.type("connect backpack\r")
        assert console.wait_for("public key) >>>")  # the prompt redraws in pieces: match its end
        console.type(emulator.api_key + "\r")
        assert console.wait_for("seed) >>>")
        console.type(emulator.api_secret + "\r")
        assert console.wait_for("You are now connected to backpack", timeout=45)
        console.type("exit\r")
        assert console.wait_exit() == 0
    finally:
        console.kill()

    validations = [entry for entry in emulator.admin("requests", path="/api/v1/capital")
                   if entry["apiKey"] == emulator.api_key]
    assert validations and validations[0]["status"] == 200 and validations[0]["instruction"] == "balanceQuery"

    text = (home / "conf" / "connectors" / "backpack.yml").read_text()
    assert emulator.api_secret not in text and emulator.api_key not in text
    from hummingbot.client.config.config_crypt import ETHKeyFileSecretManger
    fields = yaml.safe_load(text)
    assert set(fields) == BACKPACK_KEY_FILE_FIELDS
    manager = ETHKeyFileSecretManger(PASSWORD)
    assert manager.decrypt_secret_value("backpack_api_key", fields["backpack_api_key"]) == emulator.api_key
    assert manager.decrypt_secret_value("backpack_api_secret", fields["backpack_api_secret"]) == emulator.api_secret
    assert (home / "conf" / ".password_verification").exists()


def test_console_start_runs_a_script_on_this_line(spot):
    """The console's `start` (bin/hummingbot.py: UIStartListener / app.start with this line's arguments) runs
    the auth test against the emulator with the stored keys; the console stays up until `exit`."""
    emulator, home, env = spot
    env = dict(env, TERM="xterm", COLUMNS="160", LINES="50")
    console = ConsoleSession(shlex.split(DOC_COMMANDS["console"]), str(ROOT), env)
    try:
        assert console.wait_for("Enter your password"), console.screen_tail()
        console.answer_dialog(PASSWORD)
        assert console.wait_for(">>>"), console.screen_tail()
        console.type(console_start_command("backpack_auth_test.py") + "\r")
        # the end of "Auth test passed: ... order placement and cancellation all work" (the log pane redraws
        # while it scrolls, so only a short run of it is reliably contiguous on the screen)
        assert console.wait_for("cancellation all work", timeout=90), console.screen_tail()
        console.type("exit\r")
        assert console.wait_exit() == 0
    finally:
        console.kill()
    account = emulator.admin("state", api_key=emulator.api_key)["accounts"][emulator.api_key]
    assert account["openOrders"] == []
