"""Hummingbot's REAL timings for the reliability scenarios, with time driven deterministically by the test.

The fast scenarios shorten the status poll to `FAST_POLL_S` (venue.py). A user runs Hummingbot's own:
- the status poll (`_status_polling_loop`: order status, fills, balances, perp positions) is triggered by
  `tick()` when the timestamp crosses a multiple of the poll interval: `LONG_POLL_INTERVAL` 120 s while the
  private stream received something within `TICK_INTERVAL_LIMIT` 60 s (a live stream: its pongs keep it
  recent), else `SHORT_POLL_INTERVAL` 5 s;
- a completed order stays in the order tracker's cache (`CompletedOrders`, fills still matched to it) for
  `CACHED_ORDER_TTL` 30 s;
- the timeouts (order create, cancel confirmations, the unknown-outcome resolver, Hummingbot's wait for
  missing fills) are real asyncio timeouts.

A `VirtualClock` keeps all of these as Hummingbot has them, untouched, while the test moves time:
- the connectors are ticked with the clock's virtual time (`_set_current_timestamp` + `tick`, as Hummingbot's
  clock does), which stands still between the test's moves. It starts at a multiple of 120 s, so the first
  poll (at the first tick) and the following ones fall on the boundaries Hummingbot's rule gives;
- `await clock.advance(seconds)` moves it one clock tick (1 s, Hummingbot's tick size) at a time; a tick that
  triggers a poll (Hummingbot's own rule decides) waits, in real time, until that poll finished before the
  next tick: the polls the real timing would run inside the period run, each at its moment, and no other;
- `await clock.until_next_poll()` (= `run_status_poll()`) advances to the next moment a poll is triggered
  and returns once it finished (the seconds moved); `clock.polls(connector)` lists the virtual moments of
  the polls so far;
- the same move shifts, consistently: the tracker's completed-order cache timer (an order completed at T
  is gone at T + 30), the user stream's last-receive time (a connected stream counts as receiving at the
  current virtual time, as its pongs would keep it; `stream_pongs = False` makes it count only the frames
  it really received, each at the virtual time it arrived, for a silent stream), the emulator's clock
  (`Clock.advanced_ms`: fills, order times and the signature window move with it) and the connectors'
  view of the exchange's clock (their TimeSynchronizer samples), so nothing sees a jump it would not
  see in reality.
asyncio's monotonic clock is NOT patched: every real timeout keeps its real length, and the test waits for
nothing longer than the work itself.

Use: `ReliabilityTestCase.REAL_TIMINGS = True` (base.py) gives the test `self.clock`; or
`Venue(clock=VirtualClock())`.
"""
import asyncio
import bisect
import math
import time
from typing import Dict, List, Optional, Tuple

from hummingbot.connector.exchange_py_base import ExchangePyBase

TICK_SIZE_S = 1.0  # Hummingbot's clock ticks every second
POLL_WAIT_S = 30.0  # real seconds a triggered poll may take (retries of a failing one included)
START_ALIGNMENT_S = 120.0  # Hummingbot's LONG_POLL_INTERVAL: a start on its boundary polls at +120, +240...
_VIRTUAL_STREAM_CLASSES: Dict[type, type] = {}


def _virtual_stream_class(cls: type) -> type:
    """The user stream data source's class, its `last_recv_time` read in virtual time (`_virtual_clock`)."""
    if cls not in _VIRTUAL_STREAM_CLASSES:
        def last_recv_time(self) -> float:
            real = cls.last_recv_time.fget(self)  # Hummingbot's: 0 while not connected
            if not real:
                return 0
            clock: "VirtualClock" = self._virtual_clock
            return clock.now if clock.stream_pongs else clock.virtual_at(real)
        _VIRTUAL_STREAM_CLASSES[cls] = type(f"VirtualTime{cls.__name__}", (cls,),
                                            {"last_recv_time": property(last_recv_time)})
    return _VIRTUAL_STREAM_CLASSES[cls]


class _PollCounter:
    """Wraps a connector's `_status_polling_loop_fetch_updates`: the virtual moment each poll starts, and how
    many finished (with or without error)."""

    def __init__(self, clock: "VirtualClock", connector: ExchangePyBase):
        self.started: List[float] = []
        self.finished = 0
        fetch = connector._status_polling_loop_fetch_updates

        async def counted():
            self.started.append(clock.now)
            try:
                await fetch()
            finally:
                self.finished += 1
        connector._status_polling_loop_fetch_updates = counted


class VirtualClock:
    def __init__(self, start: Optional[float] = None):
        real = time.time()
        self.now: float = start if start is not None else math.ceil(real / START_ALIGNMENT_S) * START_ALIGNMENT_S
        self.stream_pongs = True
        self._changes: List[Tuple[float, float]] = [(real, self.now)]  # (real moment, virtual time from then)
        self._connectors: List[ExchangePyBase] = []
        self._polls: Dict[int, _PollCounter] = {}
        self._server = None

    # ----- wiring (venue.py calls these) -----

    def attach_server(self, server):
        """The emulator's clock shows the virtual time from now on (and follows real time between moves)."""
        self._server = server
        server.clock.advanced_ms = int(round((self.now - time.time()) * 1e3))

    def attach(self, connector: ExchangePyBase):
        """Before the connector starts: its cache timer, user stream and polls in virtual time."""
        connector._order_tracker._cached_orders.timer = lambda: self.now
        stream = connector._user_stream_tracker.data_source
        stream._virtual_clock = self
        stream.__class__ = _virtual_stream_class(type(stream))
        self._polls[id(connector)] = _PollCounter(self, connector)
        self._connectors.append(connector)

    # ----- reading -----

    def virtual_at(self, real_moment: float) -> float:
        """The virtual time at a real (`time.time()`) moment: the value it had then (it moves only in steps)."""
        index = bisect.bisect_right(self._changes, (real_moment, math.inf)) - 1
        return self._changes[max(index, 0)][1]

    def polls(self, connector: ExchangePyBase) -> List[float]:
        """Virtual moments at which the connector's status polls started, oldest first."""
        return list(self._polls[id(connector)].started)

    # ----- moving -----

    async def advance(self, seconds: float) -> int:
        """Moves time `seconds` forward, tick by tick, running each poll a tick triggers to its end. Returns the
        number of polls run."""
        target = self.now + seconds
        polls = 0
        while self.now < target:
            polls += await self._step(min(TICK_SIZE_S, target - self.now))
        return polls

    async def until_next_poll(self, connector: Optional[ExchangePyBase] = None,
                              max_seconds: float = START_ALIGNMENT_S + TICK_SIZE_S) -> float:
        """Advances to the next tick that triggers a status poll (of `connector`, or of any) and returns once it
        finished: the virtual seconds moved. Fails if none comes within `max_seconds`."""
        start = self.now
        while self.now - start < max_seconds:
            before = len(self.polls(connector)) if connector is not None else None
            polled = await self._step(TICK_SIZE_S)
            if (polled if connector is None else len(self.polls(connector)) > before):
                return self.now - start
        raise AssertionError(f"no status poll within {max_seconds} virtual seconds")

    run_status_poll = until_next_poll

    async def _step(self, seconds: float) -> int:
        self.now += seconds
        self._changes.append((time.time(), self.now))
        if self._server is not None:
            self._server.clock.advanced_ms += int(round(seconds * 1e3))
        synchronizers = {id(c._time_synchronizer): c._time_synchronizer for c in self._connectors}
        for synchronizer in synchronizers.values():  # the exchange's clock moved: so does their view of it
            samples = [sample + seconds * 1e3 for sample in synchronizer._time_offset_ms]
            synchronizer._time_offset_ms.clear()
            synchronizer._time_offset_ms.extend(samples)
        waiting = []
        for connector in self._connectors:  # no await in this loop: every connector ticks at the same moment
            counter = self._polls[id(connector)]
            connector._set_current_timestamp(self.now)
            connector.tick(self.now)
            if connector._poll_notifier.is_set():
                waiting.append((connector, connector._poll_notifier, counter, counter.finished))
        for connector, notifier, counter, finished in waiting:
            await self._poll_done(connector, notifier, counter, finished)
        return len(waiting)

    @staticmethod
    async def _poll_done(connector: ExchangePyBase, notifier: asyncio.Event, counter: _PollCounter, finished: int):
        """Hummingbot's loop replaces the notifier after a successful poll; a failed one is counted as finished
        (the loop retries it after 0.5 s, as it would)."""
        deadline = time.monotonic() + POLL_WAIT_S
        while connector._poll_notifier is notifier and counter.finished == finished:
            if time.monotonic() > deadline:
                raise AssertionError(f"the {connector.name} status poll did not finish within {POLL_WAIT_S} s")
            await asyncio.sleep(0.01)
        for _ in range(5):  # let the order events the poll scheduled (tracker tasks) run
            await asyncio.sleep(0)
