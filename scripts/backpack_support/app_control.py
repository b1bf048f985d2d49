"""Ending a Hummingbot run from inside a script, with an exit status.

Headless mode runs until stopped, and Hummingbot's `exit` command needs the console UI, so a script
that has finished stops the strategy the normal way (`stop`: on_stop, cancel outstanding orders,
disconnect the exchanges, stop the clock and the trade recorder) and then ends the process.
It ends it with os._exit after flushing the logs, because the MQTT bridge's client threads are not
daemon threads and never finish (with or without `mqtt stop`), so a plain SystemExit would hang.
In the console UI the app keeps running and only the strategy stops.
"""
import asyncio
import logging
import os
import sys

from hummingbot.core.utils.async_utils import safe_ensure_future

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
_finishing = False


def finish(exit_code: int) -> None:
    """Stop the strategy and, in headless mode, the application with `exit_code`. Returns at once;
    only the first call counts (a script finishing and a SIGTERM may race)."""
    global _finishing
    if _finishing:
        return
    _finishing = True
    safe_ensure_future(_stop_then_exit(exit_code))


async def _stop_then_exit(exit_code: int) -> None:
    from hummingbot.client.hummingbot_application import HummingbotApplication

    app = HummingbotApplication.main_application()
    global _finishing
    await app.stop_loop()
    if not app.headless_mode:
        _finishing = False  # the console stays up and may start the script again
        return
    await asyncio.sleep(0.5)  # let in-flight callbacks log their last lines
    app.logger().info(f"Exiting Hummingbot with status {exit_code}")
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(exit_code)
