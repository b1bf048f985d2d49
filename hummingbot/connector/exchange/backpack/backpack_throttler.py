"""`BackpackThrottler`: Hummingbot's `AsyncThrottler` limits with constant-time bookkeeping per request.

Hummingbot 2.10's request context keeps one log entry per request and linked limit, and before EVERY
request rescans the whole log twice with `Decimal(str(...))` arithmetic (expiry, then capacity). At a
market maker's pace the log holds thousands of entries (2000 requests/min budget), which costs
milliseconds of CPU in front of each order (bench/round_trip_bench.py measured it). Here each limit
keeps its own time-ordered window of (timestamp, weight) and a running total, so a request costs a
few float operations. Same limits (after `limits_share_percentage`), same 5% safety margin on the
window, same waiting: retry every `retry_interval` until every limit of the request has room.
"""
import asyncio
import copy
import logging
import time
from collections import deque
from decimal import Decimal
from typing import Deque, Dict, List, Optional, Tuple

from hummingbot.core.api_throttler.async_throttler import AsyncThrottler
from hummingbot.core.api_throttler.data_types import RateLimit

WAIT_WARNING_INTERVAL_S = 10.0


class LimitWindow:
    """The requests of one rate limit still inside its (safety-widened) time window: their times and weights
    in two queues rather than a (time, weight) tuple each, which would be one more object per request for
    the garbage collector to count and scan for the whole window (a minute: up to 2,000 of them)."""

    __slots__ = ("limit_id", "limit", "span_s", "times", "weights", "used")

    def __init__(self, rate_limit: RateLimit, safety_margin_pct: float):
        self.limit_id = rate_limit.limit_id
        self.limit = rate_limit.limit
        self.span_s = rate_limit.time_interval * (1 + safety_margin_pct)
        self.times: Deque[float] = deque()
        self.weights: Deque[int] = deque()
        self.used = 0

    def expire(self, now: float):
        times = self.times
        while times and now - times[0] > self.span_s:
            times.popleft()
            self.used -= self.weights.popleft()

    def has_room(self, weight: int) -> bool:
        return self.used + weight <= self.limit

    def add(self, now: float, weight: int):
        self.times.append(now)
        self.weights.append(weight)
        self.used += weight


class BackpackRequestContext:
    """`async with throttler.execute_task(limit_id):` waits until every limit of the request has room."""

    _last_wait_warning = 0.0

    def __init__(self, windows: List[Tuple[LimitWindow, int]], retry_interval: float):
        self._windows = windows
        self._retry_interval = retry_interval

    def _try_take(self) -> bool:
        # No await between the check and the booking: the event loop cannot interleave another request.
        now = time.time()
        for window, weight in self._windows:
            window.expire(now)
            if not window.has_room(weight):
                self._warn_waiting(window, now)
                return False
        for window, weight in self._windows:
            window.add(now, weight)
        return True

    @classmethod
    def _warn_waiting(cls, window: LimitWindow, now: float):
        if now - cls._last_wait_warning > WAIT_WARNING_INTERVAL_S:
            cls._last_wait_warning = now
            logging.getLogger(__name__).warning(
                f"API rate limit {window.limit_id} reached ({window.used}/{window.limit}): requests are waiting.")

    async def acquire(self):
        while not self._try_take():
            await asyncio.sleep(self._retry_interval)

    async def __aenter__(self):
        await self.acquire()

    async def __aexit__(self, exc_type, exc, tb):
        pass


class BackpackThrottler(AsyncThrottler):

    def set_rate_limits(self, rate_limits: List[RateLimit]):
        self._unshared_limits = copy.deepcopy(rate_limits)  # before `limits_pct`: a later share recomputes them
        super().set_rate_limits(rate_limits)
        self._windows: Dict[str, LimitWindow] = {}
        self._windows_of_request: Dict[str, List[Tuple[LimitWindow, int]]] = {}  # limit id -> its windows

    @property
    def share_pct(self) -> Decimal:
        return self.limits_pct * 100

    def set_share(self, share_pct: Decimal):
        """Uses `share_pct` % of every limit from now on (Hummingbot's rounding: floor, at least 1), keeping
        what the current windows already booked."""
        self.limits_pct = Decimal(share_pct) / 100
        AsyncThrottler.set_rate_limits(self, self._unshared_limits)
        for window in self._windows.values():
            window.limit = self._id_to_limit_map[window.limit_id].limit

    def _window(self, rate_limit: RateLimit) -> LimitWindow:
        window = self._windows.get(rate_limit.limit_id)
        if window is None:
            window = self._windows[rate_limit.limit_id] = LimitWindow(rate_limit, self._safety_margin_pct)
        return window

    def execute_task(self, limit_id: str) -> BackpackRequestContext:
        windows = self._windows_of_request.get(limit_id)
        if windows is None:  # the limits of a request never change once set: looked up once per limit id
            rate_limit, related = self.get_related_limits(limit_id=limit_id)
            windows = []
            if rate_limit is not None:  # an unknown limit id is not throttled (as in Hummingbot)
                windows.append((self._window(rate_limit), rate_limit.weight))
                windows += [(self._window(limit), weight) for limit, weight in related]
            self._windows_of_request[limit_id] = windows
        return BackpackRequestContext(windows, self._retry_interval)

    def used(self, limit_id: str) -> Optional[int]:
        """Weight booked in the current window of `limit_id` (None before its first request)."""
        window = self._windows.get(limit_id)
        return None if window is None else window.used
