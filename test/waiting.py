"""`wait_for`: the tests' bounded wait for a condition (polled; fails with what was awaited)."""
import asyncio
import time
from typing import Callable

WAIT_S = 10.0


async def wait_for(condition: Callable[[], bool], what: str, timeout: float = WAIT_S, step: float = 0.02):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(step)
