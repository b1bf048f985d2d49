"""Base of the perp tests that run `self.derivative` against an in-process emulator `self.server`."""
import asyncio
import time
from test.isolated_asyncio_wrapper_test_case import IsolatedAsyncioWrapperTestCase

from hummingbot.core.web_assistant.connections.connections_factory import ConnectionsFactory


class PerpetualOnEmulatorCase(IsolatedAsyncioWrapperTestCase):
    """Set `self.server`, `self.derivative` and `self.clock_task = asyncio.ensure_future(self.drive_clock())` in
    asyncSetUp; the tear down stops them and checks that the strict decoder refused no request."""

    async def asyncTearDown(self):
        await self.derivative.stop_network()
        self.clock_task.cancel()
        await asyncio.gather(self.clock_task, self.server.stop(), return_exceptions=True)
        await ConnectionsFactory().close()  # Hummingbot's shared aiohttp session is bound to this test's loop
        await super().asyncTearDown()
        self.assertEqual([], self.server.refusals(), "requests the strict decoder refused")

    async def drive_clock(self, period_s: float = 0.1):
        """What Hummingbot's clock does: timestamps and ticks (status polling, funding poll notifier)."""
        while await asyncio.sleep(period_s, result=True):
            self.derivative._set_current_timestamp(time.time())
            self.derivative.tick(self.derivative.current_timestamp)
