"""Runs Hummingbot's own `connect <connector>` command with typed answers, for test_connect_command.py.

    HUMMINGBOT_HOME=... CONFIG_PASSWORD=... python test/headless/drive_connect.py backpack < answers

It builds the real console application (HummingbotApplication with its HummingbotCLI), logs in the
way the console's login screen does, and sends the command line through the console's own command
handler. Only the keyboard is replaced: each prompt is answered with the next line of stdin. Every
message the console would show is printed, prefixed with `UI: `.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
import path_util  # noqa: F401,E402

import asyncio  # noqa: E402
from typing import List  # noqa: E402

from hummingbot.client.config.config_crypt import (  # noqa: E402
    ETHKeyFileSecretManger,
    store_password_verification,
)
from hummingbot.client.config.config_helpers import load_client_config_map_from_file  # noqa: E402
from hummingbot.client.config.security import Security  # noqa: E402
from hummingbot.client.hummingbot_application import HummingbotApplication  # noqa: E402

COMMAND_TIMEOUT_S = 45.0


async def drive(connector: str, answers: List[str]) -> int:
    secrets_manager = ETHKeyFileSecretManger(os.environ["CONFIG_PASSWORD"])
    if Security.new_password_required():
        store_password_verification(secrets_manager)  # what the console's first-start screen does
    if not Security.login(secrets_manager):
        print("UI: Invalid password.")
        return 3
    app = HummingbotApplication.main_application(client_config_map=load_client_config_map_from_file())
    shown: List[str] = []

    async def typed_answer(prompt: str, is_password: bool = False) -> str:
        print(f"UI: {prompt}{'***' if is_password else ''}", flush=True)
        return answers.pop(0) if answers else ""

    def show(text: str) -> None:
        shown.append(text)
        print(f"UI: {text.strip()}", flush=True)

    app.app.prompt = typed_answer
    app.app.log = show
    app._handle_command(f"connect {connector}")
    deadline = asyncio.get_event_loop().time() + COMMAND_TIMEOUT_S
    while not any("connected to" in text or "Error" in text for text in shown):
        if asyncio.get_event_loop().time() > deadline:
            print("UI: (no answer from the connect command)")
            return 2
        await asyncio.sleep(0.2)
    return 0 if any(f"You are now connected to {connector}" in text for text in shown) else 1


def main() -> int:
    answers = [line.rstrip("\n") for line in sys.stdin]
    return asyncio.new_event_loop().run_until_complete(drive(sys.argv[1], answers))


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # Hummingbot's background threads (clock, fetchers) would keep a normal exit waiting
