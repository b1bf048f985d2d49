"""Rebuilding the order books that are out of sequence: one task per pair, on a timer, never in the stream's way.

A book is out of sequence when it is new, after a gap or an unreadable diff, and after a (re)connect. It is then
empty (`SequencedBook.invalidate`: no prices; `BackpackOrderBookTracker.ready` is False) and its diffs are held.
The pair's rebuild task waits until the streams are live, takes a REST snapshot and installs it with the held
diffs that continue it. A snapshot that fails (an error answer, a timeout, an unreadable body) or is older than
the held diffs is tried again after SNAPSHOT_RETRY_FIRST_S, doubling up to SNAPSHOT_RETRY_MAX_S, until one
succeeds: the book is never left waiting for a next diff or Hummingbot's hourly refresh. The stream's task never
waits for a snapshot, so the other pairs' diffs keep applying, and a failed snapshot never touches the
connection.
"""
import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Tuple

from hummingbot.connector.exchange.backpack.backpack_sequenced_book import SequencedBook

SNAPSHOT_RETRY_FIRST_S = 1.0
SNAPSHOT_RETRY_MAX_S = 30.0

SnapshotRequest = Callable[[str], Awaitable[Dict[str, Any]]]


class BookRebuilds:

    def __init__(self, request_snapshot: SnapshotRequest, streams_live: asyncio.Event,
                 sleep: Callable[[float], Awaitable[None]], logger: Callable[[], logging.Logger]):
        self._request_snapshot = request_snapshot
        self._streams_live = streams_live
        self._sleep = sleep
        self._logger = logger
        self._tasks: Dict[str, Tuple[SequencedBook, asyncio.Task]] = {}  # by trading pair
        self._attempted: Dict[str, asyncio.Event] = {}  # set once the pair's rebuild had a first answer

    def ensure(self, sequenced: SequencedBook) -> Optional[asyncio.Task]:
        """The book's rebuild task, started unless it runs already (a new book of the pair replaces the old);
        None for a retired book."""
        if sequenced.retired:
            return None
        pair = sequenced.trading_pair
        book, task = self._tasks.get(pair, (None, None))
        if task is not None and not task.done():
            if book is sequenced:
                return task
            task.cancel()
        self._attempted[pair] = asyncio.Event()
        task = asyncio.ensure_future(self._rebuild(sequenced))
        self._tasks[pair] = (sequenced, task)
        return task

    async def first_attempt(self, sequenced: SequencedBook):
        """Returns once the book's rebuild had its first answer (built, or failed and retrying), or stopped."""
        task = self.ensure(sequenced)
        if task is None:
            return
        attempted = asyncio.ensure_future(self._attempted[sequenced.trading_pair].wait())
        try:
            await asyncio.wait([task, attempted], return_when=asyncio.FIRST_COMPLETED)
        finally:
            attempted.cancel()

    def cancel(self, trading_pair: str):
        _, task = self._tasks.pop(trading_pair, (None, None))
        if task is not None:
            task.cancel()

    def cancel_all(self):
        for trading_pair in list(self._tasks):
            self.cancel(trading_pair)

    def running(self) -> Dict[str, asyncio.Task]:
        return {pair: task for pair, (_, task) in self._tasks.items() if not task.done()}

    async def _rebuild(self, sequenced: SequencedBook):
        pair = sequenced.trading_pair
        delay = SNAPSHOT_RETRY_FIRST_S
        while not sequenced.in_sequence and not sequenced.retired:
            await self._streams_live.wait()  # a snapshot from before the streams start could miss diffs
            generation = sequenced.generation
            try:
                snapshot = await self._request_snapshot(pair)
                if sequenced.generation != generation:
                    continue  # a new connection since it was asked for: its diffs start anew
                if sequenced.install(snapshot):
                    break
                problem = "the snapshot is older than the updates received since it was asked for"
            except asyncio.CancelledError:
                raise
            except Exception as error:
                problem = f"{error!r}"
            self._attempted[pair].set()
            self._logger().warning(
                f"Could not rebuild the {pair} order book ({problem}). The book stays empty (no prices, the "
                f"connector not ready) until a snapshot succeeds; next try in {delay:g} s.")
            await self._sleep(delay)
            delay = min(delay * 2, SNAPSHOT_RETRY_MAX_S)
        if delay > SNAPSHOT_RETRY_FIRST_S:
            self._logger().info(f"The {pair} order book is rebuilt and follows the stream again.")
        self._attempted[pair].set()
