#!/usr/bin/env python3
"""Hummingbot's interactive console, started from this repository (``python bin/hummingbot.py``).

It is also the module that the wheel's ``hummingbot_quickstart.py`` imports as ``bin.hummingbot``, for
``UIStartListener`` (starts the strategy given on the command line once the UI is up) and
``detect_available_port``. Everything else is Hummingbot's own code: login prompt, application,
commands (``connect backpack`` writes the encrypted conf/connectors/backpack.yml).
"""
import os
import sys

if __name__ == "__main__":  # run as a file: bin/ is sys.path[0]; path_util swaps it for the repo root
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import path_util  # noqa: F401,E402  (must precede every hummingbot import)

import asyncio  # noqa: E402
import inspect  # noqa: E402
from typing import Any, Optional  # noqa: E402
from weakref import ReferenceType, ref  # noqa: E402

from hummingbot import init_logging  # noqa: E402
from hummingbot.client.config.config_crypt import ETHKeyFileSecretManger  # noqa: E402
from hummingbot.client.config.config_helpers import (  # noqa: E402
    create_yml_files_legacy,
    load_client_config_map_from_file,
    read_system_configs_from_yml,
    write_config_to_yml,
)
from hummingbot.client.config.security import Security  # noqa: E402
from hummingbot.client.hummingbot_application import HummingbotApplication  # noqa: E402
from hummingbot.client.settings import AllConnectorSettings  # noqa: E402
from hummingbot.client.ui import login_prompt  # noqa: E402
from hummingbot.client.ui.style import load_style  # noqa: E402
from hummingbot.core.event.event_listener import EventListener  # noqa: E402
from hummingbot.core.event.events import HummingbotUIEvent  # noqa: E402
from hummingbot.core.management.console import start_management_console  # noqa: E402
from hummingbot.core.utils import detect_available_port  # noqa: E402,F401  (re-exported for the quickstart)
from hummingbot.core.utils.async_utils import safe_ensure_future, safe_gather  # noqa: E402

MANAGEMENT_CONSOLE_PORT = 8211


class UIStartListener(EventListener):
    """Starts the strategy chosen on the command line as soon as the console UI has started."""

    def __init__(self, hummingbot_app: HummingbotApplication, is_script: bool = False,
                 script_config: Optional[str] = None, is_quickstart: bool = False):
        super().__init__()
        self._app_ref: ReferenceType = ref(hummingbot_app)
        self._is_script = is_script
        self._script_config = script_config
        self._is_quickstart = is_quickstart

    @property
    def hummingbot_app(self) -> HummingbotApplication:
        return self._app_ref()

    def __call__(self, _: Any):
        safe_ensure_future(self.ui_start_handler(), loop=self.hummingbot_app.ev_loop)

    async def ui_start_handler(self):
        app = self.hummingbot_app
        if app.strategy_name is None:
            return  # plain console: the user starts something with `start`
        if not self._is_script:
            write_config_to_yml(app.strategy_config_map, app.strategy_file_name, app.client_config_map)
        app.start(**start_arguments(app, self._is_script, self._script_config, self._is_quickstart))


def start_arguments(app: HummingbotApplication, is_script: bool, script_config: Optional[str],
                    is_quickstart: bool) -> dict:
    """``app.start`` keywords for this Hummingbot line.

    20251103: ``start(log_level, script, conf, is_quickstart)``; 20260922: ``start(log_level, v2_conf,
    is_quickstart)``, where a script is named by its config file (``script_file_name`` inside it).
    """
    arguments = {"log_level": app.client_config_map.log_level, "is_quickstart": is_quickstart}
    if "v2_conf" in inspect.signature(app.start).parameters:
        arguments["v2_conf"] = script_config if is_script else None
    else:
        arguments["script"] = app.strategy_name if is_script else None
        arguments["conf"] = script_config
    return arguments


async def run_console(client_config_map) -> None:
    await Security.wait_til_decryption_done()
    await create_yml_files_legacy()
    init_logging("hummingbot_logs.yml", client_config_map)
    await read_system_configs_from_yml()
    AllConnectorSettings.initialize_paper_trade_settings(client_config_map.paper_trade.paper_trade_exchanges)

    app = HummingbotApplication.main_application(client_config_map=client_config_map)
    app.app.add_listener(HummingbotUIEvent.Start, UIStartListener(app))
    tasks = [app.run()]
    if client_config_map.debug_console:
        port = detect_available_port(MANAGEMENT_CONSOLE_PORT)
        tasks.append(start_management_console(locals(), host="localhost", port=port))
    await safe_gather(*tasks)


def main() -> None:
    client_config_map = load_client_config_map_from_file()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # Asks for the password (or creates it on first start) and logs in; None when the user cancels.
    if login_prompt(ETHKeyFileSecretManger, style=load_style(client_config_map)):
        loop.run_until_complete(run_console(client_config_map))


if __name__ == "__main__":
    main()
