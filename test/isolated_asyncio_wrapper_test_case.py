"""The test base that Hummingbot's `connector/test_support` harness imports.

Hummingbot's wheel ships the harness but not this module (it lives in Hummingbot's source tree),
so the project provides its own: an `IsolatedAsyncioTestCase` whose fresh per-test loop can also
be driven from synchronous test methods, which is how the harness's tests are written.
"""
import asyncio
import unittest
from typing import Any, Awaitable, Optional


class IsolatedAsyncioWrapperTestCase(unittest.IsolatedAsyncioTestCase):
    @property
    def local_event_loop(self) -> asyncio.AbstractEventLoop:
        return self._asyncioRunner.get_loop()

    def run_async_with_timeout(self, coroutine: Awaitable, timeout: float = 1) -> Any:
        return self.local_event_loop.run_until_complete(asyncio.wait_for(coroutine, timeout))

    async def await_task_completion(self, task: Optional[asyncio.Future], timeout: float = 1) -> Any:
        if task is None:
            return None
        return await asyncio.wait_for(asyncio.shield(task), timeout)
