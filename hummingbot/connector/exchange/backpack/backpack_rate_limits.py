"""The Backpack request pool: one rate-limit budget per account, shared by spot and perp in a process.

Backpack counts requests per (sub)account, so the spot and perp connectors of one API key must draw
from ONE budget (2000 req/min, 30/min for historical market data; see backpack_constants).
`shared_request_pool(api_key, share_pct)` returns the process-wide pool of that key: a `BackpackThrottler`
(Hummingbot's `AsyncThrottler` with constant-time bookkeeping, see backpack_throttler) plus a
`RateLimitBackoff` whose REST pre/post processors pause every request of the pool after an HTTP 429
(honouring `Retry-After`, otherwise doubling from 1 s up to 30 s) instead of hammering the exchange.

Hummingbot's `rate_limits_share_pct` (conf_client.yml: the part of every exchange's limits this bot may use,
so that several bots on one key share the budget) is honoured: the pool uses that percentage of each limit.
Hummingbot passes it to a connector's constructor only for "sub-domain" connectors (`conn_init_parameters`),
never to ours, so when the constructor does not get it, it is read from the running Hummingbot application's
client config (100 when there is none, e.g. a connector built in a plain Python process). When connectors of
one key in one process ask for different shares, the pool uses the smallest.
"""
import asyncio
import logging
import sys
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from hummingbot.connector.exchange.backpack import backpack_constants as CONSTANTS
from hummingbot.connector.exchange.backpack.backpack_throttler import BackpackThrottler
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
    throttler: BackpackThrottler
    backoff: RateLimitBackoff


FULL_SHARE = Decimal("100")


def configured_share_pct() -> Optional[Any]:
    """`rate_limits_share_pct` of the running Hummingbot application's client config, or None without one. The
    application module is only looked at when Hummingbot already imported it (nothing heavy is imported here)."""
    application = sys.modules.get("hummingbot.client.hummingbot_application")
    app = getattr(getattr(application, "HummingbotApplication", None), "_main_app", None)
    config = getattr(app, "client_config_map", None)
    config = getattr(config, "hb_config", config)  # Hummingbot's ClientConfigAdapter, or the model itself
    return getattr(config, "rate_limits_share_pct", None)


def rate_share_pct(share_pct: Optional[Any] = None) -> Decimal:
    """The share of the rate limits to use, in percent: `share_pct` when given, else Hummingbot's configured one,
    else 100. A value outside (0, 100] is refused with a clear error (nothing is sent)."""
    value = share_pct if share_pct is not None else configured_share_pct()
    if value is None:
        return FULL_SHARE
    try:
        share = Decimal(str(value))
    except (InvalidOperation, ValueError):
        share = Decimal("nan")
    if not share.is_finite() or share <= 0 or share > FULL_SHARE:
        raise ValueError(f"Invalid rate_limits_share_pct {value!r}: it must be a percentage above 0 and at most 100 "
                         f"(the part of Backpack's request limits this bot may use).")
    return share


_POOLS: Dict[str, Tuple[Optional[asyncio.AbstractEventLoop], RequestPool]] = {}


def _current_loop() -> Optional[asyncio.AbstractEventLoop]:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.get_event_loop_policy().get_event_loop()


def shared_request_pool(api_key: str, share_pct: Optional[Any] = None) -> RequestPool:
    """The pool of `api_key` in this process (asyncio primitives bind to a loop, so one pool per loop), using
    `share_pct` % of the limits (None: Hummingbot's configured share), or less when another connector of the key
    asked for less (see the module notes)."""
    share = rate_share_pct(share_pct)
    loop = _current_loop()
    known = _POOLS.get(api_key)
    if known is None or known[0] is not loop or loop.is_closed():
        known = (loop, RequestPool(throttler=BackpackThrottler(CONSTANTS.RATE_LIMITS, limits_share_percentage=share),
                                   backoff=RateLimitBackoff()))
        _POOLS[api_key] = known
        if share < FULL_SHARE:
            _log_share(known[1].throttler)
    elif share < known[1].throttler.share_pct:
        known[1].throttler.set_share(share)
        _log_share(known[1].throttler)
    return known[1]


def _log_share(throttler: BackpackThrottler):
    limits = {limit.limit_id: limit.limit for limit in throttler._rate_limits}
    logging.getLogger(__name__).info(
        f"rate_limits_share_pct {throttler.share_pct.normalize():f}%: this bot's Backpack requests are limited to "
        f"{limits[CONSTANTS.GLOBAL_LIMIT_ID]}/min ({limits[CONSTANTS.HISTORICAL_LIMIT_ID]}/min for historical market "
        f"data) of the API key's {CONSTANTS.GLOBAL_REQUESTS_PER_MINUTE}/min "
        f"({CONSTANTS.HISTORICAL_REQUESTS_PER_MINUTE}/min).")
