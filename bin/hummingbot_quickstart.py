#!/usr/bin/env python3
"""Hummingbot's quickstart (``-p/-f/-c/--headless``), started from this repository.

Runs the ``hummingbot_quickstart.py`` that Hummingbot's wheel installed next to the venv's python,
unchanged, after path_util has put the repo root on ``sys.path`` (that script imports ``path_util``
and ``bin.hummingbot``). Before handing over it checks the password, because Hummingbot's own code
exits with status 0 on a wrong password and with a traceback when no password was ever set.
In headless mode SIGTERM and SIGINT (`kill PID`, Ctrl+C) stop the bot gracefully: the strategy stops,
its open orders are cancelled, and the process exits with status 0.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import path_util  # noqa: F401,E402  (must precede every hummingbot import)

import argparse  # noqa: E402
import runpy  # noqa: E402
import signal  # noqa: E402
import sysconfig  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import List, Optional  # noqa: E402

WHEEL_QUICKSTART = Path(sysconfig.get_path("scripts")) / "hummingbot_quickstart.py"
EXIT_BAD_PASSWORD = 2


def _password_from(argv: List[str]) -> Optional[str]:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--config-password", "-p")
    known, _ = parser.parse_known_args(argv)
    return known.config_password or os.environ.get("CONFIG_PASSWORD") or None


def password_problem(password: Optional[str]) -> Optional[str]:
    """Why Hummingbot would refuse this password, or None (no password given: Hummingbot prompts)."""
    if password is None:
        return None
    from hummingbot.client.config.config_crypt import (
        PASSWORD_VERIFICATION_PATH,
        ETHKeyFileSecretManger,
        validate_password,
    )
    if not PASSWORD_VERIFICATION_PATH.exists():
        return (f"no password has been set yet ({PASSWORD_VERIFICATION_PATH} is missing): store your keys first "
                f"with tools/store_keys.py or `connect backpack` in bin/hummingbot.py")
    if not validate_password(ETHKeyFileSecretManger(password)):
        return "Invalid password: it does not unlock the encrypted files in conf/"
    return None


def _stop_gracefully(signum: int, _frame) -> None:
    from hummingbot.client.hummingbot_application import HummingbotApplication

    app = HummingbotApplication._main_app
    if app is None or not app.headless_mode:
        raise KeyboardInterrupt  # console UI or not started yet: Python's default behaviour
    from scripts.backpack_support import app_control

    app.logger().info(f"{signal.Signals(signum).name} received: stopping the bot and cancelling its orders")
    app.ev_loop.call_soon_threadsafe(app_control.finish, app_control.EXIT_OK)


def main() -> None:
    if not WHEEL_QUICKSTART.exists():
        sys.exit(f"error: {WHEEL_QUICKSTART} not found: run `make setup` first")
    problem = password_problem(_password_from(sys.argv[1:]))
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        sys.exit(EXIT_BAD_PASSWORD)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stop_gracefully)
    sys.argv[0] = str(WHEEL_QUICKSTART)
    runpy.run_path(str(WHEEL_QUICKSTART), run_name="__main__")


if __name__ == "__main__":
    main()
