"""The Backpack request pool: one rate-limit budget per account, shared by spot and perp in a process.

Backpack counts requests per (sub)account, so the spot and perp connectors of one API key must draw
from ONE budget (2000 req/min, 30/min for historical market data; see backpack_constants).
`shared_request_pool(api_key)` returns the process-wide pool of that key: a `BackpackThrottler` (Hummingbot's
`AsyncThrottler` with constant-time bookkeeping, see backpack_throttler) plus a
`RateLimitBackoff` whose REST pre/post processors pause every request of the pool after an HTTP 429
(honouring `Retry-After`, otherwise doubling from 1 s up to 30 s) instead of hammering the exchange.
"""
import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Callable, Dict, Mapping, Optional, Tuple

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_throttler import BackpackThrottler
from hummingbot.core.api_throttler.async_throttler import AsyncThrottler
from hummingbot.core.web_assistant.connections.data_types import RESTRequest, RESTResponse
from hummingbot.core.web_assistant.rest_post_processors import RESTPostProcessorBase
from hummingbot.core.web_assistant.rest_pre_processors import RESTPreProcessorBase

TOO_MANY_REQUESTS_STATUS = 429


class RateLimitBackoff:
    """Remembers until when the pool must stay quiet after a 429."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 initial_s: float = CONSTANTS.RATE_LIMIT_BACKOFF_INITIAL_S,
                 max_s: float = CONSTANTS.RATE_LIMIT_BACKOFF_MAX_S):
        self._clock = clock
        self._initial_s = initial_s
        self._max_s = max_s
        self._next_delay_s = initial_s
        self._resume_at = 0.0

    def remaining_pause(self) -> float:
        return max(0.0, self._resume_at - self._clock())

    def on_rate_limited(self, retry_after_s: Optional[float] = None) -> float:
        delay = retry_after_s if retry_after_s is not None else self._next_delay_s
        delay = min(max(delay, 0.0), self._max_s)
        self._resume_at = max(self._resume_at, self._clock() + delay)
        self._next_delay_s = min(self._next_delay_s * 2, self._max_s)
        logging.getLogger(__name__).warning(
            f"Backpack answered 429 Too Many Requests: pausing requests of this account for {delay:.1f} s.")
        return delay

    def on_success(self):
        self._next_delay_s = self._initial_s

    async def wait_if_paused(self):
        pause = self.remaining_pause()
        if pause > 0:
            await asyncio.sleep(pause)


class BackoffRESTPreProcessor(RESTPreProcessorBase):
    def __init__(self, backoff: RateLimitBackoff):
        self._backoff = backoff

    async def pre_process(self, request: RESTRequest) -> RESTRequest:
        await self._backoff.wait_if_paused()
        return request


class BackoffRESTPostProcessor(RESTPostProcessorBase):
    def __init__(self, backoff: RateLimitBackoff):
        self._backoff = backoff

    async def post_process(self, response: RESTResponse) -> RESTResponse:
        if response.status == TOO_MANY_REQUESTS_STATUS:
            self._backoff.on_rate_limited(retry_after_seconds(response.headers))
        elif response.status < 400:
            self._backoff.on_success()
        return response


def retry_after_seconds(headers: Optional[Mapping[str, str]]) -> Optional[float]:
    value = (headers or {}).get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


@dataclass
class RequestPool:
    throttler: AsyncThrottler
    backoff: RateLimitBackoff


_POOLS: Dict[str, Tuple[Optional[asyncio.AbstractEventLoop], RequestPool]] = {}


def _current_loop() -> Optional[asyncio.AbstractEventLoop]:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.get_event_loop_policy().get_event_loop()


def shared_request_pool(api_key: str) -> RequestPool:
    """The pool of `api_key` in this process (asyncio primitives bind to a loop, so one pool per loop)."""
    loop = _current_loop()
    known = _POOLS.get(api_key)
    if known is None or known[0] is not loop or loop.is_closed():
        known = (loop, RequestPool(throttler=BackpackThrottler(CONSTANTS.RATE_LIMITS), backoff=RateLimitBackoff()))
        _POOLS[api_key] = known
    return known[1]
