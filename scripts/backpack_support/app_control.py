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
from typing import Optional

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


class RunDuration:
    """Ends a run `duration_s` after its first tick (0 = no limit), once, with exit status 0."""

    def __init__(self, duration_s: float):
        self._duration_s = duration_s
        self._started_at: Optional[float] = None
        self.finished = False

    def over(self, now: float, logger: logging.Logger) -> bool:
        """True once the run has ended: the script then does nothing more."""
        if self.finished:
            return True
        self._started_at = self._started_at or now
        if 0 < self._duration_s <= now - self._started_at:
            self.finished = True
            logger.info(f"Run duration of {self._duration_s:.0f} s reached: stopping")
            finish(EXIT_OK)
        return self.finished


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
